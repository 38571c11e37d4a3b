package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
)

// fieldNamed fails unless the 422's errors name field (with a message holding
// want).
func fieldNamed(t *testing.T, r *apitest.Response, field, want string) {
	t.Helper()
	p := r.Expect(422).Problem()
	for _, e := range p.Errors {
		if e.Field == field && strings.Contains(e.Message, want) {
			return
		}
	}
	t.Fatalf("errors %+v do not name %s (%q)", p.Errors, field, want)
}

// Relays and webhooks may not point at loopback, private, link-local or other
// internal addresses; the relay simulator the operator listed may be used.
func TestRelayAndWebhookDestinationsMustBePublicUnlessListed(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, simBase := startSim(t, sim.Settings{})
	simulator := func(base string) map[string]any {
		return map[string]any{"name": "sim", "kind": "simulator", "channel": "sms", "config": map[string]any{"base_url": base, "name": "a"}}
	}
	for _, base := range []string{
		"http://169.254.169.254/", "http://127.0.0.1:3306/", "http://[::1]:8090/", "http://[::ffff:10.0.0.1]/",
		"http://10.0.0.8:8080/", "http://100.64.0.1/", "http://0.0.0.0:8090/", "http://localhost:3306/", "http://2130706433/",
	} {
		fieldNamed(t, c.Do("POST", "/api/v1/relays", simulator(base)), "config.base_url", "")
	}
	fieldNamed(t, c.Do("POST", "/api/v1/relays", simulator("http://user:pw@relay.example.com/")), "config.base_url", "user information")
	fieldNamed(t, c.Do("POST", "/api/v1/relays", simulator("https://relay.example.com/#x")), "config.base_url", "fragment")
	fieldNamed(t, c.Do("POST", "/api/v1/relays", map[string]any{"name": "mail", "kind": "smtp", "channel": "email",
		"config": map[string]any{"host": "192.168.0.25", "from": "shop@example.com"}}), "config.host", "private")
	fieldNamed(t, c.Do("POST", "/api/v1/relays", map[string]any{"name": "aligo", "kind": "aligo-sms", "channel": "sms",
		"config": map[string]any{"base_url": "http://169.254.169.254/latest", "key": "k", "user_id": "u", "sender": "02-123-4567"}}), "config.base_url", "link-local")

	var r relayOut
	c.Do("POST", "/api/v1/relays", simulator(simBase)).Expect(201).JSON(&r)
	// Moving an accepted relay to a private address is refused too.
	fieldNamed(t, c.Do("PATCH", fmt.Sprintf("/api/v1/relays/%d", r.ID), map[string]any{
		"config": map[string]any{"base_url": "http://127.0.0.1:3306/", "name": "a"}}), "config.base_url", "loopback")
	var list struct{ Items []relayOut }
	c.Do("GET", "/api/v1/relays", nil).Expect(200).JSON(&list)
	if len(list.Items) != 1 || list.Items[0].Config["base_url"] != simBase {
		t.Fatalf("relays %+v", list.Items)
	}

	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	for _, hook := range []string{"http://169.254.169.254/latest/meta-data/", "http://127.0.0.1:3306/", "https://a:b@hooks.example.com/"} {
		fieldNamed(t, c.Do("POST", "/api/v1/events", map[string]any{"name": "출석", "starts_on": today, "ends_on": today,
			"alert": map[string]any{"webhook_url": hook}}), "alert.webhook_url", "")
	}
}

type alertErrors struct {
	WebhookStatus string `json:"webhook_status"`
	WebhookError  string `json:"webhook_error"`
}

// lowStockWebhook makes an event whose alerts go to hook (stored as given, past
// the API's check), takes its only tier to the threshold, and answers the
// alert once its webhook delivery has ended.
func lowStockWebhook(t *testing.T, h *harness, c *apitest.Client, hook string) alertErrors {
	t.Helper()
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "재고 알림", "starts_on": today, "ends_on": today,
		"alert": map[string]any{"webhook_url": "https://hooks.example.com/stock"}})
	// What a name resolving elsewhere later, or a row written before this check
	// existed, looks like: the stored URL is not what the API accepted.
	if _, err := h.db.Exec(`UPDATE events SET alert_webhook_url = ? WHERE id = ?`, hook, ev.ID); err != nil {
		t.Fatal(err)
	}
	tier := createTier(t, c, ev.ID, 1, "텀블러", 6, 5)
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), map[string]any{"delta": -1, "reason": "점검"}).Expect(201)
	var got alertErrors
	waitFor(t, "the webhook delivery to end", func() bool {
		var out struct{ Items []alertErrors }
		c.Do("GET", fmt.Sprintf("/api/v1/events/%d/alerts", ev.ID), nil).Expect(200).JSON(&out)
		if len(out.Items) == 1 && (out.Items[0].WebhookStatus == "failed" || out.Items[0].WebhookStatus == "sent") {
			got = out.Items[0]
			return true
		}
		return false
	})
	return got
}

// The worker checks the address it connects to, whatever was saved: a name that
// resolves to loopback and a redirect from a listed server to an unlisted one
// are refused when dialling, and the target never sees a request. A webhook
// answering with a secret in its body does not get it into webhook_error.
func TestWebhooksAreCheckedWhenDiallingAndTheirAnswersStayHidden(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	var privateHits atomic.Int64
	private := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		privateHits.Add(1)
		fmt.Fprint(w, `{"AccessKeyId":"ASIA","SecretAccessKey":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`)
	}))
	defer private.Close() // not listed: nothing may reach it
	port := private.URL[strings.LastIndex(private.URL, ":")+1:]

	got := lowStockWebhook(t, h, c, "http://localhost:"+port+"/latest/meta-data/")
	if got.WebhookStatus != "failed" || !strings.Contains(got.WebhookError, "private or internal") {
		t.Fatalf("webhook to localhost: %+v", got)
	}

	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/latest/meta-data/", http.StatusFound)
	}))
	defer redirector.Close()
	allowTestServer(t, redirector.URL)
	got = lowStockWebhook(t, h, c, redirector.URL+"/hook")
	if got.WebhookStatus != "failed" || !strings.Contains(got.WebhookError, "private or internal") {
		t.Fatalf("webhook redirected to a private address: %+v", got)
	}
	if privateHits.Load() != 0 {
		t.Fatalf("the private server got %d requests", privateHits.Load())
	}

	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	talker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, "<html>bad request; AWS_SECRET_ACCESS_KEY="+secret+"</html>")
	}))
	defer talker.Close()
	allowTestServer(t, talker.URL)
	got = lowStockWebhook(t, h, c, talker.URL+"/hook")
	if got.WebhookStatus != "failed" || got.WebhookError != "the webhook answered HTTP 400" {
		t.Fatalf("webhook answering 400: %+v", got)
	}
}

// A relay answering with credentials in its per-message errors: the message
// shows the failure's code and a cleaned reason, not the credentials.
func TestMessageReasonsNeverShowTheRelaysSecrets(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/send":
			var req relay.WireSendRequest
			_ = json.NewDecoder(r.Body).Decode(&req)
			var ans relay.WireSendAnswer
			for _, m := range req.Messages {
				ans.Messages = append(ans.Messages, relay.WireResult{ID: m.ID, Status: relay.WireFailed,
					ErrorCode: "undeliverable", Error: "upstream said: aws_secret_access_key=" + secret})
			}
			_ = json.NewEncoder(w).Encode(ans)
		case "/reports":
			fmt.Fprint(w, `{"reports":[],"next":"","more":false}`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer fake.Close()
	allowTestServer(t, fake.URL)
	g := importCustomers(t, c, "비밀", 1, 3, "일반")
	var r relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "broker", "kind": "http", "channel": "sms",
		"config": map[string]any{"base_url": fake.URL, "token": "broker-token-0001"}}).Expect(201).JSON(&r)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "비밀", "template_id": tpl.ID, "group_ids": []int64{g}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Failed != 3 {
		t.Fatalf("campaign %+v", done)
	}
	body := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages", camp.ID), nil).Expect(200).Body
	var list struct {
		Items []struct {
			Code   string `json:"code"`
			Reason string `json:"reason"`
		} `json:"items"`
	}
	_ = json.Unmarshal(body, &list)
	if len(list.Items) != 3 || list.Items[0].Code != "undeliverable" || list.Items[0].Reason == "" {
		t.Fatalf("messages %s", body)
	}
	export := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv", camp.ID), nil).Expect(200).Body
	for _, b := range [][]byte{body, export} {
		if strings.Contains(string(b), secret) {
			t.Fatalf("the relay's secret is shown: %s", b)
		}
	}
}

// Changing where a relay connects (base URL, SMTP host/port/TLS, kind) while
// sending the mask back would hand the stored credential to the new endpoint:
// such a PATCH must carry every secret again. Keeping the endpoint may keep the
// mask.
func TestRelayPatchThatMovesTheEndpointMustResendSecrets(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	const key = "ALIGO-KEY-s3cr3t-0001"
	var r relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "aligo", "kind": "aligo-sms", "channel": "sms",
		"config": map[string]any{"key": key, "user_id": "acme", "sender": "02-123-4567"}}).Expect(201).JSON(&r)
	path := fmt.Sprintf("/api/v1/relays/%d", r.ID)
	stored := func() string {
		var s string
		if err := h.db.Get(&s, "SELECT config FROM relays WHERE id = ?", r.ID); err != nil {
			t.Fatal(err)
		}
		return s
	}
	moved := map[string]any{"base_url": "https://collector.attacker.example", "key": relay.Mask, "user_id": "acme", "sender": "02-123-4567"}
	fieldNamed(t, c.Do("PATCH", path, map[string]any{"config": moved}), "config.key", "sent again")
	delete(moved, "key")
	fieldNamed(t, c.Do("PATCH", path, map[string]any{"config": moved}), "config.key", "sent again")
	// A new kind is a new endpoint as well.
	fieldNamed(t, c.Do("PATCH", path, map[string]any{"kind": "http", "config": map[string]any{"base_url": "https://collector.attacker.example", "token": relay.Mask}}),
		"config.token", relay.Mask)
	if !strings.Contains(stored(), key) || strings.Contains(stored(), "attacker") {
		t.Fatalf("a refused PATCH changed the relay: %s", stored())
	}
	// The same endpoint (the default written out) keeps the masked key.
	c.Do("PATCH", path, map[string]any{"config": map[string]any{"base_url": "https://apis.aligo.in/", "key": relay.Mask, "user_id": "acme2", "sender": "02-123-4567"}}).Expect(200)
	if s := stored(); !strings.Contains(s, key) || !strings.Contains(s, "acme2") {
		t.Fatalf("stored %s", s)
	}
	// A move that sends the secret again is fine.
	c.Do("PATCH", path, map[string]any{"config": map[string]any{"base_url": "https://sms.example.com", "key": "NEW-KEY", "user_id": "acme", "sender": "02-123-4567"}}).Expect(200)
	if s := stored(); strings.Contains(s, key) || !strings.Contains(s, "NEW-KEY") {
		t.Fatalf("stored %s", s)
	}

	var mail relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "mail", "kind": "smtp", "channel": "email",
		"config": map[string]any{"host": "smtp.example.com", "username": "u", "password": "SMTP-s3cr3t-pw", "from": "shop@example.com"}}).Expect(201).JSON(&mail)
	mailPath := fmt.Sprintf("/api/v1/relays/%d", mail.ID)
	for _, change := range []map[string]any{{"host": "mx.attacker.example"}, {"port": 2525}, {"tls": "none"}} {
		cfg := map[string]any{"host": "smtp.example.com", "username": "u", "password": relay.Mask, "from": "shop@example.com"}
		for k, v := range change {
			cfg[k] = v
		}
		fieldNamed(t, c.Do("PATCH", mailPath, map[string]any{"config": cfg}), "config.password", "sent again")
	}
	c.Do("PATCH", mailPath, map[string]any{"config": map[string]any{"host": "smtp.example.com", "port": 587, "username": "u2",
		"password": relay.Mask, "from": "shop@example.com"}}).Expect(200)
}
