package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/testenv/smtptest"
)

// Adapters built with a guard connect nowhere private: not by address, not by a
// name that resolves to loopback, not through a redirect. The providers never
// see a request, and the failure is classified address_refused.
func TestAdaptersRefusePrivateAddressesWhenDialling(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	guard := &egress.Guard{}
	opts := Options{Egress: guard, Timeout: 5 * time.Second}
	for _, base := range []string{srv.URL, "http://localhost:" + port} {
		senders := map[string]Sender{
			KindHTTP:          NewHTTP(HTTPConfig{BaseURL: base}, opts),
			KindSimulator:     NewSimulator(SimulatorConfig{BaseURL: base, Name: "a"}, opts),
			KindAligoAlimTalk: NewAligoAlimTalk(alimtalkConfig(base), opts),
			KindAligoSMS:      NewAligoSMS(AligoSMSConfig{BaseURL: base, Key: "k", UserID: "u", Sender: "0212345678"}, opts),
		}
		for kind, s := range senders {
			msg := Message{ID: 1, To: "+821012345678", Channel: ChannelSMS, Body: "x"}
			if kind == KindAligoAlimTalk {
				msg.Channel, msg.TemplateCode = ChannelAlimTalk, "T1"
			}
			_, err := s.Send(context.Background(), []Message{msg})
			if ErrorCode(err) != CodeAddressRefused {
				t.Errorf("%s at %s: %v (code %q), want %s", kind, base, err, ErrorCode(err), CodeAddressRefused)
			}
			if r := PublicReason(err); !strings.Contains(r, "private or internal") || strings.Contains(r, port) {
				t.Errorf("%s: reason %q", kind, r)
			}
		}
	}
	ms := smtptest.Start(t, nil, "", "")
	_, err := NewSMTP(smtpConfig(ms.Addr, "none"), opts).Send(context.Background(), emails(1))
	if ErrorCode(err) != CodeAddressRefused {
		t.Errorf("smtp: %v", err)
	}
	if hits.Load() != 0 || ms.Conns() != 0 {
		t.Fatalf("the servers were reached: %d requests, %d SMTP connections", hits.Load(), ms.Conns())
	}

	// Listed, the same relays work; a redirect from there to an unlisted address
	// does not.
	if err := guard.AllowURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	if _, err := NewHTTP(HTTPConfig{BaseURL: srv.URL}, opts).Send(context.Background(), messages(0, 1)); ErrorCode(err) == CodeAddressRefused {
		t.Fatalf("listed relay refused: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("%d requests reached the listed relay", hits.Load())
	}
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://localhost:"+port+"/send", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	hits.Store(0)
	onlyRedirector, _ := egress.New(strings.TrimPrefix(redirector.URL, "http://"))
	_, err = NewHTTP(HTTPConfig{BaseURL: redirector.URL}, Options{Egress: onlyRedirector}).Send(context.Background(), messages(0, 1))
	if ErrorCode(err) != CodeAddressRefused || hits.Load() != 0 {
		t.Fatalf("redirect to a private address: %v, %d requests reached it", err, hits.Load())
	}
}

// A relay that answers with anything — an error page, a metadata document, a
// problem or a per-message error holding a credential — does not get its answer
// into the reasons tenants read. The code still says what happened.
func TestFailureReasonsNeverCarryTheProvidersAnswer(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	answers := []struct {
		name   string
		status int
		body   string
		code   string
	}{
		{"server error page", 500, "<html>Internal error; AWS_SECRET_ACCESS_KEY=" + secret + "</html>", CodeServerError},
		{"unreadable 200", 200, `{"Code":"Success","AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"` + secret + `"}`, CodeBadAnswer},
		{"problem", 400, `{"code":"bad_request","message":"key ` + secret + ` rejected"}`, CodeBadRequest},
		{"per message", 200, `{"messages":[{"id":"1","status":"failed","error_code":"undeliverable","error_message":"token ` + secret + `"}]}`, CodeUndeliverable},
		{"per message fault", 200, `{"messages":[{"id":"1","status":"error","error_message":"db password ` + secret + `"}]}`, CodeUnknown},
	}
	for _, a := range answers {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(a.status)
			fmt.Fprint(w, a.body)
		}))
		res, err := NewHTTP(HTTPConfig{BaseURL: srv.URL}, Options{}).Send(context.Background(), messages(0, 1))
		srv.Close()
		if err != nil {
			res = FaultResults(messages(0, 1), ErrorCode(err), err)
		}
		if len(res) != 1 || res[0].Code != a.code {
			t.Errorf("%s: results %+v (err %v), want code %s", a.name, res, err, a.code)
			continue
		}
		if strings.Contains(res[0].Reason, secret) || strings.Contains(res[0].Reason, "AWS_SECRET") || strings.Contains(res[0].Reason, "<html>") {
			t.Errorf("%s: the reason shows the answer: %q", a.name, res[0].Reason)
		}
		if res[0].Reason == "" {
			t.Errorf("%s: no reason at all", a.name)
		}
	}

	// Aligo: an HTTP error page and a refusal message holding a credential.
	sms := []Message{{ID: 1, To: "+821012345678", Channel: ChannelSMS, Body: "x"}}
	for _, body := range []string{`<h1>502</h1>` + secret, `{"code":-99,"message":"계정 ` + secret + ` 차단"}`} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasPrefix(body, "<") {
				w.WriteHeader(502)
			}
			fmt.Fprint(w, body)
		}))
		_, err := NewAligoSMS(AligoSMSConfig{BaseURL: srv.URL, Key: "k", UserID: "u", Sender: "0212345678"}, Options{}).
			Send(context.Background(), sms)
		srv.Close()
		if err == nil {
			t.Fatalf("aligo %q: no error", body)
		}
		if r := FaultResults(sms, ErrorCode(err), err)[0].Reason; strings.Contains(r, secret) || r == "" {
			t.Errorf("aligo %q: reason %q", body, r)
		}
	}
}

func TestSanitizeReason(t *testing.T) {
	cases := map[string]string{
		"failed invalid_number: no such number":                            "failed invalid_number: no such number",
		"smtp rcpt refused: 550 5.1.1 <a@b.c>: Recipient address rejected": "smtp rcpt refused: 550 5.1.1 <a@b.c>: Recipient address rejected",
		"aligo code -101 (인증오류): 인증키 오류":                                   "aligo code -101 (인증오류): 인증키 오류",
		"token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc123 bad":            "token=" + Mask + " bad",
		"key AKIAIOSFODNN7EXAMPLE\r\nX-Injected: 1":                        "key " + Mask + " X-Injected: 1",
		"to +821012345678 refused":                                         "to +821012345678 refused",
	}
	for in, want := range cases {
		if got := SanitizeReason(in); got != want {
			t.Errorf("SanitizeReason(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SanitizeReason(strings.Repeat("가", 500)); len([]rune(got)) != maxReasonRunes {
		t.Errorf("%d runes kept", len([]rune(got)))
	}
}

// A PATCH that points a relay elsewhere must carry every stored secret again:
// sending the mask back (or leaving the secret out) would otherwise send the
// stored credential to the new endpoint.
func TestMergeSecretsRefusesToCarrySecretsToANewEndpoint(t *testing.T) {
	for kind, cfg := range validConfigs {
		k, _ := KindOf(kind)
		if len(k.Secrets) == 0 {
			continue
		}
		old := json.RawMessage(cfg)
		var obj map[string]any
		_ = json.Unmarshal(Redact(kind, old), &obj)
		if kind == KindSMTP {
			obj["host"] = "mail.attacker.example"
		} else {
			obj["base_url"] = "https://collector.attacker.example"
		}
		moved, _ := json.Marshal(obj)
		_, probs, err := MergeSecrets(kind, old, moved)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range k.Secrets {
			if v, _ := decodeObject(old); v[s] == nil {
				continue // the sample has no such secret stored
			}
			named := false
			for _, p := range probs {
				named = named || p.Field == "config."+s
			}
			if !named {
				t.Errorf("%s: moving the endpoint with the mask kept config.%s (problems %v)", kind, s, probs)
			}
		}
		delete(obj, k.Secrets[0])
		moved, _ = json.Marshal(obj)
		if _, probs, _ := MergeSecrets(kind, old, moved); kind != KindSimulator && len(probs) == 0 {
			t.Errorf("%s: moving the endpoint without the secret kept it", kind)
		}
	}
	old := json.RawMessage(validConfigs[KindSMTP])
	for _, change := range []string{`"port":2525`, `"tls":"none"`, `"host":"SMTP.EXAMPLE.COM"`} {
		var obj map[string]any
		_ = json.Unmarshal(Redact(KindSMTP, old), &obj)
		var patch map[string]any
		_ = json.Unmarshal([]byte("{"+change+"}"), &patch)
		for k, v := range patch {
			obj[k] = v
		}
		up, _ := json.Marshal(obj)
		_, probs, _ := MergeSecrets(KindSMTP, old, up)
		if change == `"host":"SMTP.EXAMPLE.COM"` {
			if len(probs) != 0 {
				t.Errorf("the same host in capitals counts as a move: %v", probs)
			}
		} else if len(probs) != 1 || probs[0].Field != "config.password" {
			t.Errorf("smtp %s: problems %v", change, probs)
		}
	}
	// The same endpoint written differently is not a move; Aligo's default URL
	// written out is the default.
	at := json.RawMessage(`{"apikey":"K","userid":"u","senderkey":"s","sender":"0212345678"}`)
	if _, probs, _ := MergeSecrets(KindAligoAlimTalk, at, json.RawMessage(`{"base_url":"https://KAKAOAPI.aligo.in/","apikey":"********","userid":"u2","senderkey":"s","sender":"0212345678"}`)); len(probs) != 0 {
		t.Errorf("same endpoint: %v", probs)
	}
	// Every secret sent again: fine.
	merged, probs, err := MergeSecrets(KindHTTP, json.RawMessage(validConfigs[KindHTTP]), json.RawMessage(`{"base_url":"https://other.example.com","token":"NEW"}`))
	if err != nil || len(probs) != 0 || !strings.Contains(string(merged), `"NEW"`) {
		t.Errorf("new endpoint with a new token: %s %v %v", merged, probs, err)
	}
	// The mask where nothing is stored stands for nothing.
	if p := MaskedSecrets(KindHTTP, json.RawMessage(`{"base_url":"https://x.example.com","token":"********"}`)); len(p) != 1 || p[0].Field != "config.token" {
		t.Errorf("masked secret on create: %v", p)
	}
}

func TestValidateConfigRefusesCredentialsAndFragmentsInURLs(t *testing.T) {
	for _, base := range []string{"https://user:pass@relay.example.com", "https://relay.example.com/#x"} {
		probs := ValidateConfig(KindHTTP, json.RawMessage(`{"base_url":`+strconv.Quote(base)+`}`))
		if len(probs) != 1 || probs[0].Field != "config.base_url" || strings.Contains(probs[0].Message, "user:pass@") {
			t.Errorf("%s: %v", base, probs)
		}
	}
	g, _ := egress.New("127.0.0.1:8090")
	cases := map[string]string{
		KindSimulator: `{"base_url":"http://169.254.169.254/","name":"a"}`,
		KindHTTP:      `{"base_url":"http://127.0.0.1:3306/"}`,
		KindAligoSMS:  `{"base_url":"http://[::1]/","key":"k","user_id":"u","sender":"0212345678"}`,
		KindSMTP:      `{"host":"10.0.0.25","from":"a@b.c"}`,
	}
	for kind, cfg := range cases {
		probs := CheckDestinations(kind, json.RawMessage(cfg), g)
		if len(probs) != 1 || !strings.Contains(probs[0].Message, "must not point") {
			t.Errorf("%s %s: %v", kind, cfg, probs)
		}
	}
	if probs := CheckDestinations(KindSimulator, json.RawMessage(`{"base_url":"http://127.0.0.1:8090","name":"a"}`), g); len(probs) != 0 {
		t.Errorf("listed simulator refused: %v", probs)
	}
}
