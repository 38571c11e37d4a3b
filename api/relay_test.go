package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
)

type relayOut struct {
	ID      int64          `json:"id"`
	Name    string         `json:"name"`
	Kind    string         `json:"kind"`
	Config  map[string]any `json:"config"`
	Weight  int            `json:"weight"`
	Price   int64          `json:"price"`
	Enabled bool           `json:"enabled"`
}

// Secrets of every kind never appear in an API answer or a log line.
func TestRelayCredentialsNeverAppearInAnswersOrLogs(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	secrets := []string{"ALIGO-APIKEY-s3cr3t", "ALIGO-SMSKEY-s3cr3t", "SMTP-PASSWORD-s3cr3t", "HTTP-TOKEN-s3cr3t"}
	relays := []map[string]any{
		{"name": "aligo talk", "kind": "aligo-alimtalk", "channel": "alimtalk", "price": 6500,
			"config": map[string]any{"base_url": "https://kakaoapi.aligo.in", "apikey": secrets[0], "userid": "acme", "senderkey": "sk-1", "sender": "02-123-4567"}},
		{"name": "aligo sms", "kind": "aligo-sms", "channel": "sms", "price": 8400,
			"config": map[string]any{"base_url": "https://apis.aligo.in", "key": secrets[1], "user_id": "acme", "sender": "02-123-4567"}},
		{"name": "mail", "kind": "smtp", "channel": "email",
			"config": map[string]any{"host": "smtp.example.com", "port": 587, "username": "acme", "password": secrets[2], "from": "shop@example.com", "tls": "starttls"}},
		{"name": "broker", "kind": "http", "channel": "sms", "price": 9000,
			"config": map[string]any{"base_url": "https://broker.example.com", "token": secrets[3]}},
	}
	var ids []int64
	for _, r := range relays {
		var out relayOut
		resp := c.Do("POST", "/api/v1/relays", r).Expect(201)
		resp.JSON(&out)
		ids = append(ids, out.ID)
		for _, sec := range secrets {
			if strings.Contains(string(resp.Body), sec) {
				t.Fatalf("create answer shows a secret: %s", resp.Body)
			}
		}
	}
	// Sending the masked config back (as a client that read it would) keeps the secret.
	var got relayOut
	c.Do("GET", fmt.Sprintf("/api/v1/relays/%d", ids[0]), nil).Expect(200).JSON(&got)
	if got.Config["apikey"] != relay.Mask || got.Config["userid"] != "acme" {
		t.Fatalf("redacted config %v", got.Config)
	}
	got.Config["sender"] = "02-765-4321"
	c.Do("PATCH", fmt.Sprintf("/api/v1/relays/%d", ids[0]), map[string]any{"config": got.Config, "weight": 3}).Expect(200)
	var stored string
	if err := h.db.Get(&stored, "SELECT config FROM relays WHERE id = ?", ids[0]); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stored, secrets[0]) || !strings.Contains(stored, "02-765-4321") {
		t.Fatalf("stored config lost the secret or the change: %s", stored)
	}
	// Every read path, and the logs.
	var bodies []string
	bodies = append(bodies, string(c.Do("GET", "/api/v1/relays", nil).Expect(200).Body))
	for _, id := range ids {
		bodies = append(bodies, string(c.Do("GET", fmt.Sprintf("/api/v1/relays/%d", id), nil).Expect(200).Body))
	}
	bodies = append(bodies, string(c.Do("GET", "/api/v1/relays/health", nil).Expect(200).Body))
	bodies = append(bodies, string(c.Do("GET", "/api/v1/relays/recommendation?channel=sms", nil).Expect(200).Body))
	bodies = append(bodies, h.logs.String())
	for _, b := range bodies {
		for _, sec := range secrets {
			if strings.Contains(b, sec) {
				t.Fatalf("secret %s appears in %s", sec, b)
			}
		}
	}
	if !strings.Contains(h.logs.String(), "/api/v1/relays") {
		t.Fatal("the logs were not captured; the check above proves nothing")
	}
}

func TestRelayValidationNamesTheField(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "kind": "pigeon", "channel": "sms", "config": map[string]any{}}, "kind"},
		{map[string]any{"name": "x", "kind": "smtp", "channel": "sms", "config": map[string]any{"host": "h", "port": 25, "from": "a@b.c"}}, "channel"},
		{map[string]any{"name": "x", "kind": "aligo-sms", "channel": "sms", "config": map[string]any{"user_id": "u", "sender": "02-123-4567"}}, "config.key"},
		{map[string]any{"name": "x", "kind": "simulator", "channel": "sms"}, "config"},
		{map[string]any{"name": "x", "kind": "simulator", "channel": "sms", "config": map[string]any{"base_url": "http://127.0.0.1:1", "name": "a"}, "weight": -1}, "weight"},
		{map[string]any{"kind": "simulator", "channel": "sms", "config": map[string]any{"base_url": "http://127.0.0.1:1", "name": "a"}}, "name"},
	}
	for _, tc := range cases {
		p := c.Do("POST", "/api/v1/relays", tc.body).Expect(422).Problem()
		found := false
		for _, e := range p.Errors {
			found = found || e.Field == tc.field
		}
		if !found {
			t.Errorf("%v: errors %+v do not name %s", tc.body, p.Errors, tc.field)
		}
	}
	sim := map[string]any{"name": "sim", "kind": "simulator", "channel": "sms", "config": map[string]any{"base_url": "http://127.0.0.1:1", "name": "a"}}
	c.Do("POST", "/api/v1/relays", sim).Expect(201)
	c.Do("POST", "/api/v1/relays", sim).Expect(409)
	other, _ := h.signup(t)
	var list struct{ Items []relayOut }
	h.c.As(other).Do("GET", "/api/v1/relays", nil).Expect(200).JSON(&list)
	if len(list.Items) != 0 {
		t.Fatal("another account sees the relay")
	}
}

func TestRelayHealthAndRecommendationExplainTheChoice(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	c := h.c.As(token)
	mk := func(name string, price int64) int64 {
		var out relayOut
		c.Do("POST", "/api/v1/relays", map[string]any{"name": name, "kind": "simulator", "channel": "sms", "price": price,
			"config": map[string]any{"base_url": "http://127.0.0.1:1", "name": name}}).Expect(201).JSON(&out)
		return out.ID
	}
	cheap, dear, broken := mk("cheap", 7000), mk("dear", 9000), mk("broken", 5000)

	// The worker's router publishes what it saw: broken's circuit is open.
	now := time.Now()
	healthy := relay.Health{Window: time.Minute, Calls: 40, Messages: 20000, SuccessRate: 1, P50: 25 * time.Millisecond, P95: 60 * time.Millisecond}
	down := relay.Health{Window: time.Minute, Calls: 10, Faults: 10, P50: 5 * time.Second,
		Breaker: relay.BreakerSnapshot{State: relay.Open, ConsecutiveFailures: 10, OpenedAt: now, RetryAt: now.Add(30 * time.Second)}}
	var snaps []store.RelayHealth
	for id, hl := range map[int64]relay.Health{cheap: healthy, dear: healthy, broken: down} {
		hl.RelayID = id
		snaps = append(snaps, routing.Snapshot(accountID, hl, now))
	}
	if err := h.store.SaveRelayHealth(context.Background(), snaps); err != nil {
		t.Fatal(err)
	}
	var hs struct {
		Items []struct {
			Name   string
			Health struct {
				Calls        int     `json:"calls"`
				SuccessRate  float64 `json:"success_rate"`
				LatencyP95ms float64 `json:"latency_p95_ms"`
				Breaker      struct{ State string }
			}
		}
	}
	c.Do("GET", "/api/v1/relays/health", nil).Expect(200).JSON(&hs)
	byName := map[string]int{}
	for i, it := range hs.Items {
		byName[it.Name] = i
	}
	if b := hs.Items[byName["broken"]].Health; b.Breaker.State != "open" || b.SuccessRate != 0 {
		t.Fatalf("broken health %+v", b)
	}
	if ch := hs.Items[byName["cheap"]].Health; ch.Calls != 40 || ch.SuccessRate != 1 || ch.LatencyP95ms != 60 {
		t.Fatalf("cheap health %+v", ch)
	}

	var rec struct {
		RelayID int64  `json:"relay_id"`
		Reason  string `json:"reason"`
	}
	c.Do("GET", "/api/v1/relays/recommendation?channel=sms", nil).Expect(200).JSON(&rec)
	if rec.RelayID != cheap || !strings.Contains(rec.Reason, "cheapest healthy") || !strings.Contains(rec.Reason, "broken") {
		t.Fatalf("recommendation %+v", rec)
	}
	c.Do("GET", "/api/v1/relays/recommendation?channel=alimtalk", nil).Expect(200).JSON(&rec)
	if rec.RelayID != 0 || rec.Reason == "" {
		t.Fatalf("alimtalk recommendation %+v", rec)
	}
	c.Do("GET", "/api/v1/relays/recommendation", nil).Expect(422)
}

// The preview shows exactly what the AlimTalk adapter puts on the wire.
func TestPreviewEqualsWhatTheAdapterSends(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	c.Do("PATCH", "/api/v1/account", map[string]any{"optout_number": "080-123-4567"}).Expect(200)
	tplBody := alimtalkTemplate()
	tplBody["advertisement"] = true
	tplBody["fallback_text"] = "#{이름}님 주문 #{order_no} 접수 — 자세한 내용은 카카오톡을 확인해 주세요. 감사합니다!!"
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", tplBody).Expect(201).JSON(&tpl)
	var cust customerOut
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "김하늘", "phone": "010-3030-4040",
		"attributes": map[string]string{"order_no": "A-77"}}).Expect(201).JSON(&cust)
	var pv struct {
		render.Rendered
		AligoButtons string `json:"aligo_buttons"`
	}
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tpl.ID), map[string]any{"customer_id": cust.ID}).Expect(200).JSON(&pv)

	var mu sync.Mutex
	var form url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		form = r.PostForm
		mu.Unlock()
		json.NewEncoder(w).Encode(map[string]any{"code": 0, "message": "성공적으로 전송요청 하였습니다.",
			"info": map[string]any{"type": "AT", "mid": 1234, "current": 1, "unit": 1, "total": 1, "scnt": 1, "fcnt": 0}})
	}))
	defer srv.Close()
	cfg, _ := json.Marshal(map[string]any{"base_url": srv.URL, "apikey": "k", "userid": "u", "senderkey": "sk-1", "sender": "02-123-4567"})
	sender, err := relay.New("aligo-alimtalk", cfg, relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := h.store.Template(context.Background(), mustAccount(t, h, token), tpl.ID)
	if err != nil {
		t.Fatal(err)
	}
	msg := routing.MessageFor(1, "+821030304040", "김하늘", stored, pv.Rendered)
	res, err := sender.Send(context.Background(), []relay.Message{msg})
	if err != nil || res[0].Outcome != relay.Accepted {
		t.Fatalf("send: %v %+v", err, res)
	}
	mu.Lock()
	defer mu.Unlock()
	if form.Get("message_1") != pv.Body {
		t.Errorf("adapter sent message_1 %q, preview shows %q", form.Get("message_1"), pv.Body)
	}
	if form.Get("button_1") != pv.AligoButtons {
		t.Errorf("adapter sent button_1 %q, preview shows %q", form.Get("button_1"), pv.AligoButtons)
	}
	if pv.Fallback == nil || form.Get("fmessage_1") != pv.Fallback.Body || form.Get("failover") != "Y" {
		t.Errorf("adapter sent fallback %q (failover %q), preview shows %+v", form.Get("fmessage_1"), form.Get("failover"), pv.Fallback)
	}
	if !strings.HasPrefix(pv.Fallback.Body, "(광고)") || form.Get("tpl_code") != "TP_ORDER_1" || form.Get("receiver_1") != "01030304040" {
		t.Errorf("form %v", form)
	}
}

func mustAccount(t *testing.T, h *harness, token string) int64 {
	t.Helper()
	var me struct {
		Account struct{ ID int64 } `json:"account"`
	}
	h.c.As(token).Do("GET", "/api/v1/me", nil).Expect(200).JSON(&me)
	return me.Account.ID
}
