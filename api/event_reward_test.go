package api_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/testenv/smtptest"
	"github.com/sendingo/sendingo/workflows"
)

// mailbox is an in-process SMTP server (smtptest) whose mails are read back
// parsed: headers, the decoded subject and the decoded body.
type mailbox struct{ *smtptest.Server }

type receivedMail struct {
	To        []string
	From      string
	Subject   string
	MessageID string
	Header    mail.Header
	Body      string
}

func startMailbox(t *testing.T) *mailbox { return &mailbox{smtptest.Start(t, nil, "", "")} }

// received is every mail the box took, in order, parsed.
func (m *mailbox) received() []receivedMail {
	var out []receivedMail
	for _, raw := range m.Mails() {
		msg, err := mail.ReadMessage(bytes.NewReader(raw.Data))
		if err != nil {
			out = append(out, receivedMail{To: raw.To, Body: "unreadable mail: " + err.Error()})
			continue
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		b, _ := io.ReadAll(msg.Body)
		body := string(b)
		if strings.EqualFold(msg.Header.Get("Content-Transfer-Encoding"), "base64") {
			d, _ := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
			body = string(d)
		}
		out = append(out, receivedMail{To: raw.To, From: msg.Header.Get("From"), Subject: subject,
			MessageID: msg.Header.Get("Message-ID"), Header: msg.Header, Body: body})
	}
	return out
}

// webhookSink counts the low-stock webhooks it accepts. It refuses the first
// failFirst deliveries with a 503, so the sender retries.
type webhookSink struct {
	mu        sync.Mutex
	failFirst int
	payloads  []map[string]any // accepted
	keys      []string         // Idempotency-Key of every attempt, refused ones included
}

func startWebhookSink(t *testing.T, failFirst int) (*webhookSink, string) {
	t.Helper()
	sink := &webhookSink{failFirst: failFirst}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p map[string]any
		_ = json.NewDecoder(r.Body).Decode(&p)
		sink.mu.Lock()
		defer sink.mu.Unlock()
		sink.keys = append(sink.keys, r.Header.Get("Idempotency-Key"))
		if len(sink.keys) <= sink.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		sink.payloads = append(sink.payloads, p)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	allowTestServer(t, srv.URL)
	return sink, srv.URL
}

func (s *webhookSink) received() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.payloads...)
}

func (s *webhookSink) attemptKeys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.keys...)
}

type alertOut struct {
	ID            int64  `json:"id"`
	TierID        int64  `json:"tier_id"`
	Stock         int64  `json:"stock"`
	Threshold     int64  `json:"threshold"`
	EmailStatus   string `json:"email_status"`
	EmailError    string `json:"email_error"`
	WebhookStatus string `json:"webhook_status"`
}

func alerts(t *testing.T, c *apitest.Client, eventID int64) []alertOut {
	t.Helper()
	var out struct{ Items []alertOut }
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/alerts", eventID), nil).Expect(200).JSON(&out)
	return out.Items
}

func grants(t *testing.T, c *apitest.Client, eventID int64, status string) ([]grantOut, int64) {
	t.Helper()
	var out struct {
		Items []grantOut
		Total int64
	}
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/grants?size=200&status=%s", eventID, status), nil).Expect(200).JSON(&out)
	return out.Items, out.Total
}

// waitFor polls cond until it holds, failing the test after a generous deadline
// (a liveness guard, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitMonitorCaughtUp waits until the tier's RewardStockMonitor has seen the
// tier's current stock version and is not in the middle of an alert, so that
// whatever it does about that version is done.
func (h *harness) waitMonitorCaughtUp(t *testing.T, tierID int64) workflows.StockMonitorState {
	t.Helper()
	var want int64
	if err := h.db.Get(&want, `SELECT version FROM event_tiers WHERE id = ?`, tierID); err != nil {
		t.Fatal(err)
	}
	var st workflows.StockMonitorState
	waitFor(t, fmt.Sprintf("the stock monitor of tier %d to see version %d", tierID, want), func() bool {
		v, err := h.tc.QueryWorkflow(context.Background(), workflows.StockMonitorWorkflowID(tierID), "", workflows.QueryStockMonitor)
		if err != nil {
			return false
		}
		return v.Get(&st) == nil && st.Version >= want && !st.Alerting
	})
	return st
}

// 200 different customers check in at once for a tier with stock 50: exactly 50
// grants, 150 on the wait list in order, stock 0, no customer granted twice, and
// one low-stock alert by e-mail and webhook. Restocking 10 grants the first 10
// waiting customers and tells them through a campaign.
func TestConcurrentCheckInsTakeStockExactlyOnce(t *testing.T) {
	box := startMailbox(t)
	hook, hookURL := startWebhookSink(t, 1) // the first delivery is refused and retried
	now, today := seoulDay(t)
	h := newHarness(t, withSMTP(box.Addr), withClock(now))
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	relayID := simRelay(t, c, "sim-notice", simBase, "sms", 1)
	var notice templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "보상 준비", "channel": "sms",
		"body": "#{name}님, #{event} 보상 #{reward} 준비 완료!"}).Expect(201).JSON(&notice)

	group := importCustomers(t, c, "출석고객", 1, 200, "일반")
	var members struct{ Items []customerOut }
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d/customers?size=200", group), nil).Expect(200).JSON(&members)
	if len(members.Items) != 200 {
		t.Fatalf("%d customers", len(members.Items))
	}
	phoneOf := map[int64]string{}
	for i, m := range members.Items {
		phoneOf[m.ID] = m.Phone
		recordPurchase(t, c, m.ID, fmt.Sprintf("ORD-%d", i))
	}
	ev := createEvent(t, c, map[string]any{"name": "오픈 기념 출석", "starts_on": today, "ends_on": today,
		"notice": map[string]any{"template_id": notice.ID, "routing": map[string]any{"mode": "weighted",
			"relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}},
		"alert": map[string]any{"emails": []string{"ops@shop.example"}, "webhook_url": hookURL}})
	tier := createTier(t, c, ev.ID, 1, "웰컴 쿠키", 50, 10)

	// Everyone at once.
	start := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]*apitest.Response, len(members.Items))
	for i, m := range members.Items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i] = checkIn(c, ev.ID, map[string]any{"id": m.ID})
		}()
	}
	close(start)
	wg.Wait()
	status := map[string]int{}
	toldPosition := map[int64]int64{} // customer → wait-list place the check-in answered
	for i, r := range results {
		if r.Status != 201 {
			t.Fatalf("check-in %d answered %d: %s", i, r.Status, r.Body)
		}
		var out checkInOut
		r.JSON(&out)
		if len(out.Granted) != 1 || out.Granted[0].TierID != tier.ID || out.Granted[0].CustomerID != members.Items[i].ID {
			t.Fatalf("check-in %d reached %+v", i, out.Granted)
		}
		status[out.Granted[0].Status]++
		if out.Granted[0].Status == "waitlisted" {
			toldPosition[out.Granted[0].CustomerID] = out.Granted[0].WaitlistPosition
		}
	}
	if status["granted"] != 50 || status["waitlisted"] != 150 {
		t.Fatalf("answers: %v", status)
	}
	granted, grantedTotal := grants(t, c, ev.ID, "granted")
	waiting, waitingTotal := grants(t, c, ev.ID, "waitlisted")
	if grantedTotal != 50 || waitingTotal != 150 {
		t.Fatalf("grants: %d granted, %d waitlisted", grantedTotal, waitingTotal)
	}
	seen := map[int64]bool{}
	for _, g := range append(append([]grantOut(nil), granted...), waiting...) {
		if seen[g.CustomerID] {
			t.Fatalf("customer %d holds the tier twice", g.CustomerID)
		}
		seen[g.CustomerID] = true
	}
	// The wait list is in the order customers reached the tier: each holds the
	// place its check-in answered, and those places are 1..150.
	for i, g := range waiting {
		if told := toldPosition[g.CustomerID]; told != int64(i+1) || g.WaitlistPosition != told {
			t.Fatalf("customer %d is at place %d (listed as %d); its check-in answered place %d",
				g.CustomerID, i+1, g.WaitlistPosition, told)
		}
	}
	var after tierOut
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/tiers/%d", ev.ID, tier.ID), nil).Expect(200).JSON(&after)
	if after.Stock != 0 || after.Granted != 50 || after.Waitlisted != 150 {
		t.Fatalf("tier after the rush %+v", after)
	}

	// One alert, delivered on both channels, and nothing more once the monitor
	// has seen the final stock.
	waitFor(t, "the low-stock alert to be delivered", func() bool {
		as := alerts(t, c, ev.ID)
		return len(as) > 0 && as[0].EmailStatus == "sent" && as[0].WebhookStatus == "sent"
	})
	st := h.waitMonitorCaughtUp(t, tier.ID)
	as := alerts(t, c, ev.ID)
	mails := box.received()
	hooks := hook.received()
	if len(as) != 1 || as[0].TierID != tier.ID || as[0].Stock > 10 || as[0].Threshold != 10 || st.Alerts != 1 || st.Armed {
		t.Fatalf("alerts %+v, monitor %+v", as, st)
	}
	if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0] != "ops@shop.example" ||
		!strings.Contains(mails[0].Subject, "웰컴 쿠키") || !strings.Contains(mails[0].Body, fmt.Sprintf("Stock left: %d", as[0].Stock)) {
		t.Fatalf("mails %+v", mails)
	}
	if len(hooks) != 1 || hooks[0]["type"] != "reward.low_stock" || hooks[0]["tier_id"] != float64(tier.ID) {
		t.Fatalf("webhooks %+v", hooks)
	}
	// The retry carried the first attempt's Idempotency-Key: the alert's.
	if keys, want := hook.attemptKeys(), fmt.Sprintf("stock-alert-%d", as[0].ID); len(keys) != 2 || keys[0] != want || keys[1] != want {
		t.Fatalf("webhook attempts with Idempotency-Keys %q, want two with %q", keys, want)
	}

	// Restock 10: the first ten on the wait list, in order.
	var restock struct {
		Adjustment struct {
			Delta           int64  `json:"delta"`
			StockBefore     int64  `json:"stock_before"`
			StockAfter      int64  `json:"stock_after"`
			WaitlistGranted int64  `json:"waitlist_granted"`
			ActorKind       string `json:"actor_kind"`
			ActorName       string `json:"actor_name"`
			Reason          string `json:"reason"`
		} `json:"adjustment"`
		Tier    tierOut    `json:"tier"`
		Granted []grantOut `json:"granted"`
		Notice  struct {
			Status     string `json:"status"`
			CampaignID int64  `json:"campaign_id"`
		} `json:"notice"`
	}
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID),
		map[string]any{"delta": 10, "reason": "추가 입고"}).Expect(201).JSON(&restock)
	a := restock.Adjustment
	if a.Delta != 10 || a.StockBefore != 0 || a.StockAfter != 0 || a.WaitlistGranted != 10 || a.ActorKind != "user" ||
		a.ActorName != "김철수" || a.Reason != "추가 입고" || restock.Tier.Stock != 0 || restock.Tier.Granted != 60 {
		t.Fatalf("restock %+v", restock)
	}
	var served []int64
	for i, g := range restock.Granted {
		if g.ID != waiting[i].ID || g.Status != "granted" {
			t.Fatalf("restock served %+v at place %d, want grant %d", g, i+1, waiting[i].ID)
		}
		served = append(served, g.CustomerID)
	}
	if len(served) != 10 {
		t.Fatalf("restock served %d", len(served))
	}
	stillWaiting, left := grants(t, c, ev.ID, "waitlisted")
	if left != 140 || stillWaiting[0].ID != waiting[10].ID || stillWaiting[0].WaitlistPosition != 1 {
		t.Fatalf("wait list after restock: %d, head %+v", left, stillWaiting[0])
	}
	var trail struct {
		Items []struct {
			Delta  int64  `json:"delta"`
			Reason string `json:"reason"`
		}
	}
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), nil).Expect(200).JSON(&trail)
	if len(trail.Items) != 2 || trail.Items[0].Reason != "추가 입고" || trail.Items[1].Delta != 50 {
		t.Fatalf("audit trail %+v", trail.Items)
	}

	// The ten are told, through a campaign of the notice template to exactly them.
	if restock.Notice.Status != "started" || restock.Notice.CampaignID == 0 {
		t.Fatalf("notice %+v", restock.Notice)
	}
	var camp struct {
		AudienceKind string            `json:"audience_kind"`
		CustomerIDs  []int64           `json:"customer_ids"`
		Variables    map[string]string `json:"variables"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", restock.Notice.CampaignID), nil).Expect(200).JSON(&camp)
	if camp.AudienceKind != "customers" || fmt.Sprint(camp.CustomerIDs) != fmt.Sprint(served) ||
		camp.Variables["reward"] != "웰컴 쿠키" || camp.Variables["event"] != "오픈 기념 출석" {
		t.Fatalf("notice campaign %+v, served %v", camp, served)
	}
	done := waitCampaign(t, c, restock.Notice.CampaignID)
	if done.Status != "completed" || done.Total != 10 || done.Delivered != 10 {
		t.Fatalf("notice campaign finished %+v", done)
	}
	var recipients []string
	if err := h.db.Select(&recipients, `SELECT recipient FROM campaign_messages WHERE campaign_id = ? ORDER BY recipient`,
		restock.Notice.CampaignID); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, id := range served {
		want = append(want, phoneOf[id])
	}
	sort.Strings(want)
	if fmt.Sprint(recipients) != fmt.Sprint(want) {
		t.Fatalf("notice went to %v, want %v", recipients, want)
	}
	if stats := simulator.Stats(); stats.Unique != 10 || stats.Duplicates != 0 {
		t.Fatalf("simulator %+v", stats)
	}

	// The restock never lifted the stock above the threshold: still one alert.
	st = h.waitMonitorCaughtUp(t, tier.ID)
	if as := alerts(t, c, ev.ID); len(as) != 1 || st.Alerts != 1 || len(box.received()) != 1 || len(hook.received()) != 1 {
		t.Fatalf("after restock: alerts %+v, monitor %+v", as, st)
	}
}

// Stock that rises above the threshold re-arms the monitor; the next fall alerts again.
func TestLowStockAlertRearmsAfterARestock(t *testing.T) {
	box := startMailbox(t)
	now, today := seoulDay(t)
	h := newHarness(t, withSMTP(box.Addr), withClock(now))
	token, _ := h.signup(t)
	c := h.c.As(token)
	ev := createEvent(t, c, map[string]any{"name": "재고 알림", "starts_on": today, "ends_on": today,
		"alert": map[string]any{"emails": []string{"ops@shop.example", "owner@shop.example"}}})
	tier := createTier(t, c, ev.ID, 1, "텀블러", 6, 5)
	path := fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID)
	step := func(delta int) workflows.StockMonitorState {
		t.Helper()
		c.Do("POST", path, map[string]any{"delta": delta, "reason": "점검"}).Expect(201)
		return h.waitMonitorCaughtUp(t, tier.ID)
	}
	if st := step(-1); st.Alerts != 1 || st.Armed { // 5: at the threshold
		t.Fatalf("at the threshold: %+v", st)
	}
	if st := step(-2); st.Alerts != 1 { // 3: still low
		t.Fatalf("still low: %+v", st)
	}
	if st := step(+7); st.Alerts != 1 || !st.Armed { // 10: re-armed
		t.Fatalf("restocked: %+v", st)
	}
	if st := step(-6); st.Alerts != 2 || st.Armed { // 4: low again
		t.Fatalf("low again: %+v", st)
	}
	waitFor(t, "two delivered alerts", func() bool {
		as := alerts(t, c, ev.ID)
		return len(as) == 2 && as[0].EmailStatus == "sent" && as[1].EmailStatus == "sent"
	})
	// Each address gets each alert once.
	got := map[string]int{}
	for _, m := range box.received() {
		for _, to := range m.To {
			got[to+" "+m.Subject[strings.LastIndex(m.Subject, "("):]]++
		}
	}
	want := map[string]int{"ops@shop.example (5 left)": 1, "owner@shop.example (5 left)": 1,
		"ops@shop.example (4 left)": 1, "owner@shop.example (4 left)": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("mails %v, want %v", got, want)
	}
	if as := alerts(t, c, ev.ID); as[0].Stock != 4 || as[1].Stock != 5 || as[0].WebhookStatus != "" {
		t.Fatalf("alerts %+v", as)
	}

	h.recordHistory(t, workflows.StockMonitorWorkflowID(tier.ID), "reward-stock-monitor.json")
	// Deleting the event ends the tier's monitor.
	c.Do("DELETE", fmt.Sprintf("/api/v1/events/%d", ev.ID), nil).Expect(204)
	d, err := h.tc.DescribeWorkflowExecution(context.Background(), workflows.StockMonitorWorkflowID(tier.ID), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := d.WorkflowExecutionInfo.Status; st != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		t.Fatalf("monitor after the event was deleted: %s", st)
	}
}

// An account's alerts mail at most their hourly share: an alert past it is
// recorded (and the operators told) as ever, its e-mail skipped with the reason,
// so alert addresses the tenant chose cannot be mailed without bound.
func TestAlertMailsPerAccountAreCapped(t *testing.T) {
	box := startMailbox(t)
	now, today := seoulDay(t)
	h := newHarness(t, withSMTP(box.Addr), withClock(now), withConfig(func(cfg *config.Config) { cfg.AlertMailsPerHour = 2 }))
	token, _ := h.signup(t)
	c := h.c.As(token)
	ev := createEvent(t, c, map[string]any{"name": "재고 알림 한도", "starts_on": today, "ends_on": today,
		"alert": map[string]any{"emails": []string{"ops@shop.example"}}})
	tier := createTier(t, c, ev.ID, 1, "텀블러", 6, 5)
	path := fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID)
	step := func(delta int) {
		t.Helper()
		c.Do("POST", path, map[string]any{"delta": delta, "reason": "점검"}).Expect(201)
		h.waitMonitorCaughtUp(t, tier.ID)
	}
	for range 3 { // three falls to the threshold, each after a restock above it
		step(-1)
		waitFor(t, "the alert's e-mail settled", func() bool {
			as := alerts(t, c, ev.ID)
			return len(as) > 0 && as[0].EmailStatus != "pending"
		})
		step(+1)
	}
	as := alerts(t, c, ev.ID)
	if len(as) != 3 || as[2].EmailStatus != "sent" || as[1].EmailStatus != "sent" || as[0].EmailStatus != "skipped" ||
		!strings.Contains(as[0].EmailError, "not mailed") {
		t.Fatalf("alerts, newest first: %+v", as)
	}
	if n := len(box.received()); n != 2 {
		t.Fatalf("%d alert mails went out, want 2", n)
	}
	var notes struct{ Items []struct{ Kind string } }
	c.Do("GET", "/api/v1/notifications", nil).Expect(200).JSON(&notes)
	low := 0
	for _, n := range notes.Items {
		if n.Kind == "stock.low" {
			low++
		}
	}
	if low != 3 {
		t.Fatalf("%d stock.low notifications, want one per alert (3): %+v", low, notes.Items)
	}
}

// Check-ins racing restocks: whatever the interleaving, every unit of stock ends
// up either on the shelf or granted, and nobody waits while stock is left. Some
// customers are already waiting when the race starts, so restocks certainly
// serve the wait list and the audit trail has something to agree with.
func TestCheckInsRacingRestocksLeaveNobodyWaitingOnStock(t *testing.T) {
	now, today := seoulDay(t)
	h := newHarness(t, withClock(now))
	token, _ := h.signup(t)
	c := h.c.As(token)
	group := importCustomers(t, c, "경쟁고객", 1, 100, "일반")
	var members struct{ Items []customerOut }
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d/customers?size=200", group), nil).Expect(200).JSON(&members)
	for i, m := range members.Items {
		recordPurchase(t, c, m.ID, fmt.Sprintf("RACE-%d", i))
	}
	ev := createEvent(t, c, map[string]any{"name": "경쟁", "starts_on": today, "ends_on": today})
	tier := createTier(t, c, ev.ID, 1, "한정판", 0, 0)
	const early = 20 // on the wait list before the race
	for _, m := range members.Items[:early] {
		if out := checkInOK(t, c, ev.ID, m.ID); len(out.Granted) != 1 || out.Granted[0].Status != "waitlisted" {
			t.Fatalf("early check-in %+v", out.Granted)
		}
	}

	racers := members.Items[early:]
	start := make(chan struct{})
	var wg sync.WaitGroup
	statuses := make([]int, len(racers)+5)
	for i, m := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[i] = checkIn(c, ev.ID, map[string]any{"id": m.ID}).Status
		}()
	}
	for j := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			statuses[len(racers)+j] = c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID),
				map[string]any{"delta": 10, "reason": fmt.Sprintf("입고 %d", j+1)}).Status
		}()
	}
	close(start)
	wg.Wait()
	for i, s := range statuses {
		if s != 201 {
			t.Fatalf("request %d answered %d", i, s)
		}
	}
	var final tierOut
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/tiers/%d", ev.ID, tier.ID), nil).Expect(200).JSON(&final)
	if final.Granted+final.Stock != 50 || final.Granted+final.Waitlisted != 100 || (final.Stock > 0 && final.Waitlisted > 0) {
		t.Fatalf("after the race: %+v", final)
	}
	var served int64
	if err := h.db.Get(&served, `SELECT COALESCE(SUM(waitlist_granted), 0) FROM stock_adjustments WHERE tier_id = ?`, tier.ID); err != nil {
		t.Fatal(err)
	}
	byAdjustment, _ := grants(t, c, ev.ID, "granted")
	var viaRestock int64
	earlyIDs := map[int64]bool{}
	for _, m := range members.Items[:early] {
		earlyIDs[m.ID] = true
	}
	for _, g := range byAdjustment {
		if g.AdjustmentID != 0 {
			viaRestock++
		}
		if earlyIDs[g.CustomerID] && g.AdjustmentID == 0 {
			t.Fatalf("customer %d, waiting before the race, was granted without a restock: %+v", g.CustomerID, g)
		}
	}
	if served < 10 || served != viaRestock {
		t.Fatalf("the audit trail says %d served off the wait list, the grants say %d; want the same, at least the first restock's 10", served, viaRestock)
	}
}
