package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// apiWithoutTemporal serves a second API on the harness's database whose
// Temporal cannot be reached (nothing listens where its client dials), which is
// how an API process sees a Temporal outage. The harness's worker still runs.
func (h *harness) apiWithoutTemporal(t *testing.T) *apitest.Client {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	quiet := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	tc, err := client.NewLazyClient(client.Options{HostPort: dead, Logger: tlog.NewStructuredLogger(quiet),
		ConnectionOptions: client.ConnectionOptions{GetSystemInfoTimeout: 300 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	log := slog.New(slog.NewJSONHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: tc, Log: log, Egress: testEgress}).Handler())
	t.Cleanup(srv.Close)
	return apitest.New(t, srv.URL)
}

// expectNoWorkflow checks Temporal has no workflow with that ID.
func (h *harness) expectNoWorkflow(t *testing.T, id string) {
	t.Helper()
	_, err := h.tc.DescribeWorkflowExecution(context.Background(), id, "")
	var missing *serviceerror.NotFound
	if !errors.As(err, &missing) {
		t.Fatalf("workflow %s exists (describe: %v)", id, err)
	}
}

// waitWorkflowClosed waits for the latest run of workflow id to close.
func (h *harness) waitWorkflowClosed(t *testing.T, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := h.tc.GetWorkflow(ctx, id, "").Get(ctx, nil); err != nil {
		t.Fatalf("workflow %s: %v", id, err)
	}
}

type campaignRow struct {
	Status string `db:"status"`
	Run    int    `db:"run"`
}

func (h *harness) campaignRow(t *testing.T, id int64) campaignRow {
	t.Helper()
	var r campaignRow
	if err := h.db.Get(&r, `SELECT status, run FROM campaigns WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	return r
}

// importedSMSCampaign makes a draft campaign of an SMS template to a new group of n
// imported customers, through the relay.
func importedSMSCampaign(t *testing.T, c *apitest.Client, name string, relayID int64, from, n int) int64 {
	t.Helper()
	group := importCustomers(t, c, name, from, from+n-1, "일반")
	return smsCampaign(t, c, "#{name}님 안녕하세요", []int64{group}, relayID)
}

// With Temporal out of reach, a send and a retry of failed messages answer 503
// and change nothing: the campaign stays a draft (then finished, with its failed
// messages failed), no message row, no workflow. Once Temporal answers, the same
// requests go through, and every recipient gets one message per run.
func TestSendAndRetryWithTemporalUnreachableChangeNothing(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)
	simulator, base := startSim(t, sim.Settings{RecipientFailRate: 1, ReportDelay: sim.Duration(100 * time.Millisecond)})
	relayID := simRelay(t, c, "sim-outage", base, "sms", 1)
	id := importedSMSCampaign(t, c, "장애 중 발송", relayID, 1, 20)

	resp := down.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(503)
	if resp.Slug() != "workflow-engine-unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("send without Temporal: %s %s", resp.Slug(), resp.Body)
	}
	if row := h.campaignRow(t, id); row.Status != "draft" || row.Run != 0 {
		t.Fatalf("after the refused send the campaign is %+v, want an untouched draft", row)
	}
	if n := h.messageCounts(t, id); len(n) != 0 {
		t.Fatalf("messages after the refused send: %v", n)
	}
	h.expectNoWorkflow(t, workflows.CampaignWorkflowID(id))

	// Temporal is back: the same send goes through. Every recipient fails.
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	if done := waitCampaign(t, c, id); done.Status != "completed" || done.Failed != 20 {
		t.Fatalf("first run %+v", done)
	}

	// The retry of the failed messages, without Temporal: nothing changes.
	if err := simulator.Control(sim.Patch{RecipientFailRate: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	down.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", id), nil).Expect(503)
	if row := h.campaignRow(t, id); row.Status != "completed" || row.Run != 1 {
		t.Fatalf("after the refused retry the campaign is %+v, want completed run 1", row)
	}
	if n := h.messageCounts(t, id); n["failed"] != 20 || len(n) != 1 {
		t.Fatalf("messages after the refused retry: %v", n)
	}

	var retry struct {
		Campaign campaignOut `json:"campaign"`
		Retrying int64       `json:"retrying"`
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", id), nil).Expect(202).JSON(&retry)
	if retry.Retrying != 20 {
		t.Fatalf("retrying %d, want 20", retry.Retrying)
	}
	done := waitCampaign(t, c, id)
	if row := h.campaignRow(t, id); done.Status != "completed" || done.Delivered != 20 || row.Run != 2 {
		t.Fatalf("retry run %+v (%+v)", done, row)
	}
	// One message per recipient and run: run 2 resends under keys of its own.
	if st := simulator.Stats(); st.Unique != 40 || st.Duplicates != 0 {
		t.Fatalf("simulator %+v", st)
	}
}

// What the API does for a send or a retry is one step: starting the workflow.
// When the API process dies right after it (before it writes anything itself),
// the workflow's first activity makes the change and the campaign is sent; the
// same for a retry run.
func TestStartedSendAndRetryAreCarriedOutByTheWorkflowAlone(t *testing.T) {
	h := newHarness(t)
	token, acc := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{RecipientFailRate: 1, ReportDelay: sim.Duration(100 * time.Millisecond)})
	relayID := simRelay(t, c, "sim-crash", base, "sms", 1)
	id := importedSMSCampaign(t, c, "시작 직후 중단", relayID, 101, 15)

	start := func(run int) {
		t.Helper()
		ctx := context.Background()
		if _, err := h.tc.ExecuteWorkflow(ctx, workflows.CampaignStartOptions(h.cfg.TaskQueue, acc, id, run), workflows.Campaign,
			workflows.CampaignInput{AccountID: acc, CampaignID: id, Run: run, ChunkSize: 10}); err != nil {
			t.Fatal(err)
		}
	}
	start(1)
	if done := waitCampaign(t, c, id); done.Status != "completed" || done.Total != 15 || done.Failed != 15 {
		t.Fatalf("first run %+v", done)
	}
	if err := simulator.Control(sim.Patch{RecipientFailRate: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	h.waitWorkflowClosed(t, workflows.CampaignWorkflowID(id)) // a retry run does not start beside a run
	start(2)
	waitFor(t, "the retry run", func() bool { return h.campaignRow(t, id).Run == 2 })
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Delivered != 15 || done.Failed != 0 {
		t.Fatalf("retry run %+v", done)
	}
	if st := simulator.Stats(); st.Unique != 30 || st.Duplicates != 0 {
		t.Fatalf("simulator %+v", st)
	}
	h.waitWorkflowClosed(t, workflows.CampaignWorkflowID(id))
	h.recordHistory(t, workflows.CampaignWorkflowID(id), "campaign-retry-run.json")
	// A workflow started again for a run already done finds nothing to do.
	h.waitWorkflowClosed(t, workflows.CampaignWorkflowID(id))
	start(2)
	h.waitWorkflowClosed(t, workflows.CampaignWorkflowID(id))
	if row := h.campaignRow(t, id); row.Status != "completed" || row.Run != 2 {
		t.Fatalf("after a repeated run the campaign is %+v", row)
	}
	if st := simulator.Stats(); st.Unique != 30 || st.Duplicates != 0 {
		t.Fatalf("simulator after a repeated run %+v", st)
	}
}

// noticeSetup is an event whose only tier is out of stock, with n eligible
// customers waiting for it, and a notice template sent through the simulator.
func noticeSetup(t *testing.T, c *apitest.Client, simBase string, n int) (eventOut, tierOut, map[int64]string) {
	t.Helper()
	relayID := simRelay(t, c, "sim-notice", simBase, "sms", 1)
	var notice templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "보상 준비", "channel": "sms",
		"body": "#{name}님, #{event} 보상 #{reward} 준비 완료!"}).Expect(201).JSON(&notice)
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "장애 대비 출석", "starts_on": today, "ends_on": today,
		"notice": map[string]any{"template_id": notice.ID, "routing": map[string]any{"mode": "weighted",
			"relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}})
	tier := createTier(t, c, ev.ID, 1, "쿠폰", 0, 0)
	phones := map[int64]string{}
	for i := range n {
		cu := createCustomer(t, c, fmt.Sprintf("대기%d", i))
		recordPurchase(t, c, cu.ID, fmt.Sprintf("OUT-%d-%d", ev.ID, i))
		if got := checkInOK(t, c, ev.ID, cu.ID); len(got.Granted) != 1 || got.Granted[0].Status != "waitlisted" {
			t.Fatalf("check-in %+v", got.Granted)
		}
		phones[cu.ID] = cu.Phone
	}
	return ev, tier, phones
}

type noticeOut struct {
	Status     string `json:"status"`
	CampaignID int64  `json:"campaign_id"`
	Detail     string `json:"detail"`
}

// A restock made while Temporal is out of reach keeps its grants and owes their
// notice: the answer says pending and names the campaign, which the outbox
// sweeper sends once Temporal can be reached. A restock whose process dies right
// after its commit is told the same way. Each customer is told exactly once.
func TestRestockNoticeOwedThroughAnOutageIsSentOnce(t *testing.T) {
	h := newHarness(t, withSweeper(300*time.Millisecond, time.Second))
	token, acc := h.signup(t)
	c := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)
	simulator, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	ev, tier, phones := noticeSetup(t, c, simBase, 3)

	var restock struct {
		Granted []grantOut `json:"granted"`
		Notice  noticeOut  `json:"notice"`
	}
	down.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID),
		map[string]any{"delta": 2, "reason": "장애 중 입고"}).Expect(201).JSON(&restock)
	if len(restock.Granted) != 2 || restock.Notice.Status != "pending" || restock.Notice.CampaignID == 0 {
		t.Fatalf("restock without Temporal: %+v", restock)
	}
	done := waitCampaign(t, c, restock.Notice.CampaignID)
	if done.Status != "completed" || done.Total != 2 || done.Delivered != 2 {
		t.Fatalf("notice after the outage %+v", done)
	}

	// The process dies between the commit and the start: only the commit happened.
	res, err := h.store.AdjustStock(context.Background(), acc, ev.ID, tier.ID, store.StockChange{
		Delta: new(int64(1)), Reason: "중단된 입고", By: store.Actor{Kind: "user", Name: "test"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Granted) != 1 || res.Notice.CampaignID == 0 {
		t.Fatalf("restock commit %+v", res)
	}
	if done := waitCampaign(t, c, res.Notice.CampaignID); done.Status != "completed" || done.Delivered != 1 {
		t.Fatalf("notice of the interrupted restock %+v", done)
	}

	var told []string
	if err := h.db.Select(&told, `SELECT recipient FROM campaign_messages WHERE campaign_id IN (?, ?) ORDER BY recipient`,
		restock.Notice.CampaignID, res.Notice.CampaignID); err != nil {
		t.Fatal(err)
	}
	if len(told) != 3 || len(phones) != 3 {
		t.Fatalf("told %v, want the three waiting customers %v", told, phones)
	}
	seen := map[string]bool{}
	for _, p := range told {
		seen[p] = true
	}
	for _, p := range phones {
		if !seen[p] {
			t.Fatalf("customer %s was not told (told %v)", p, told)
		}
	}
	if st := simulator.Stats(); st.Unique != 3 || st.Duplicates != 0 {
		t.Fatalf("simulator %+v", st)
	}
	var trail struct {
		Items []struct {
			NoticeCampaignID int64 `json:"notice_campaign_id"`
		}
	}
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), nil).Expect(200).JSON(&trail)
	if len(trail.Items) != 3 || trail.Items[0].NoticeCampaignID != res.Notice.CampaignID ||
		trail.Items[1].NoticeCampaignID != restock.Notice.CampaignID {
		t.Fatalf("audit trail %+v", trail.Items)
	}
	waitFor(t, "the account's outbox to empty", func() bool {
		return h.countWhere(t, `SELECT COUNT(*) FROM outbox WHERE account_id = ?`, acc) == 0
	})

	// The sweeper never ends by itself; ended here, its history is recorded.
	if os.Getenv("SENDINGO_RECORD_HISTORIES") != "" {
		sweeper := workflows.OutboxSweeperWorkflowID(h.cfg.TaskQueue)
		if err := h.tc.TerminateWorkflow(context.Background(), sweeper, "", "recording its history"); err != nil {
			t.Fatal(err)
		}
		h.recordHistory(t, sweeper, "outbox-sweeper.json")
	}
}

// scheduleClock reads an event's reminder Schedule: its hour and minute, or ok false
// when there is none. A failed look-up answers -1:-1 (a Schedule at no time the
// test expects), so a poll asks again.
func (h *harness) scheduleClock(t *testing.T, eventID int64) (hour, minute int, ok bool) {
	t.Helper()
	d, err := h.tc.ScheduleClient().GetHandle(context.Background(), workflows.ReminderScheduleID(eventID)).Describe(context.Background())
	var missing *serviceerror.NotFound
	if errors.As(err, &missing) {
		return 0, 0, false
	}
	if err != nil {
		t.Logf("describe the schedule of event %d: %v", eventID, err)
		return -1, -1, true
	}
	cal := d.Schedule.Spec.Calendars
	if len(cal) != 1 || len(cal[0].Hour) != 1 || len(cal[0].Minute) != 1 {
		t.Fatalf("schedule spec %+v", d.Schedule.Spec)
	}
	return cal[0].Hour[0].Start, cal[0].Minute[0].Start, true
}

// An event created, changed and deleted while Temporal is out of reach is
// saved (201, 200, 204) and its reminder Schedule follows each change once
// Temporal can be reached.
func TestReminderScheduleFollowsTheEventThroughAnOutage(t *testing.T) {
	h := newHarness(t, withSweeper(300*time.Millisecond, time.Second))
	token, acc := h.signup(t)
	c := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "출석 알림", "channel": "sms", "body": "#{event} 출석체크!"}).
		Expect(201).JSON(&tpl)
	today := time.Now().In(mustZone(t, "Asia/Seoul"))
	starts, ends := today.Format(time.DateOnly), today.AddDate(0, 0, 6).Format(time.DateOnly)
	reminder := func(clock string) map[string]any { return map[string]any{"time": clock, "template_id": tpl.ID} }

	ev := createEvent(t, c, map[string]any{"name": "여름 출석", "starts_on": starts, "ends_on": ends, "reminder": reminder("20:30")})
	if hh, mm, ok := h.scheduleClock(t, ev.ID); !ok || hh != 20 || mm != 30 {
		t.Fatalf("schedule of the new event at %02d:%02d (exists %v)", hh, mm, ok)
	}

	down.Do("PATCH", fmt.Sprintf("/api/v1/events/%d", ev.ID), map[string]any{"reminder": reminder("09:15")}).Expect(200)
	var saved eventOut
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d", ev.ID), nil).Expect(200).JSON(&saved)
	if saved.Reminder == nil || saved.Reminder.Time != "09:15" {
		t.Fatalf("the change was not saved: %+v", saved.Reminder)
	}
	waitFor(t, "the schedule to follow the change", func() bool {
		hh, mm, ok := h.scheduleClock(t, ev.ID)
		return ok && hh == 9 && mm == 15
	})
	h.waitWorkflowClosed(t, workflows.ReminderScheduleSyncWorkflowID(ev.ID))
	h.recordHistory(t, workflows.ReminderScheduleSyncWorkflowID(ev.ID), "event-schedule-sync.json")

	var created eventOut
	down.Do("POST", "/api/v1/events", map[string]any{"name": "가을 출석", "starts_on": starts, "ends_on": ends,
		"reminder": reminder("18:00")}).Expect(201).JSON(&created)
	waitFor(t, "the new event's schedule", func() bool {
		hh, mm, ok := h.scheduleClock(t, created.ID)
		return ok && hh == 18 && mm == 0
	})

	down.Do("DELETE", fmt.Sprintf("/api/v1/events/%d", ev.ID), nil).Expect(204)
	down.Do("PATCH", fmt.Sprintf("/api/v1/events/%d", created.ID), map[string]any{"reminder": nil}).Expect(200)
	waitFor(t, "the schedules of the deleted event and the removed reminder to go", func() bool {
		_, _, a := h.scheduleClock(t, ev.ID)
		_, _, b := h.scheduleClock(t, created.ID)
		return !a && !b
	})
	waitFor(t, "the account's outbox to empty", func() bool {
		return h.countWhere(t, `SELECT COUNT(*) FROM outbox WHERE account_id = ?`, acc) == 0
	})
}

// fakeRelay is a generic HTTP relay (kind http) that accepts every message and
// answers report requests with reports(w, r, accepted ids); it has no /lookup.
type fakeRelay struct {
	URL      string
	mu       sync.Mutex
	accepted []string
	reports  func(w http.ResponseWriter, r *http.Request, accepted []string)
	asked    chan struct{} // receives (without blocking) on every report request
}

func startFakeRelay(t *testing.T, reports func(w http.ResponseWriter, r *http.Request, accepted []string)) *fakeRelay {
	t.Helper()
	f := &fakeRelay{reports: reports, asked: make(chan struct{}, 1)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		var req relay.WireSendRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		ans := relay.WireSendAnswer{}
		f.mu.Lock()
		for _, m := range req.Messages {
			f.accepted = append(f.accepted, m.ID)
			ans.Messages = append(ans.Messages, relay.WireResult{ID: m.ID, Status: relay.WireAccepted, ProviderID: "p-" + m.ID})
		}
		f.mu.Unlock()
		_ = json.NewEncoder(w).Encode(ans)
	})
	mux.HandleFunc("GET /reports", func(w http.ResponseWriter, r *http.Request) {
		select {
		case f.asked <- struct{}{}:
		default:
		}
		f.mu.Lock()
		ids := append([]string(nil), f.accepted...)
		f.mu.Unlock()
		f.reports(w, r, ids)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

func delivered(ids []string, next string) relay.WireReports {
	out := relay.WireReports{Next: next}
	for _, id := range ids {
		out.Reports = append(out.Reports, relay.WireReport{ID: id, Status: relay.WireDelivered, At: time.Now()})
	}
	return out
}

func httpRelay(t *testing.T, c *apitest.Client, name, base string) int64 {
	t.Helper()
	allowTestServer(t, base)
	var out relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": name, "kind": "http", "channel": "sms", "weight": 1, "price": 8000,
		"config": map[string]any{"base_url": base, "token": "t0ken"}}).Expect(201).JSON(&out)
	return out.ID
}

// While a relay is being asked for delivery reports, no transaction holds its
// report cursor: another can update the cursor row at once. A poller that finds
// the cursor moved meanwhile does not move it back.
func TestReportPollHoldsNoLockWhileTheRelayAnswers(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	release := make(chan struct{})
	first := true
	var mu sync.Mutex
	fake := startFakeRelay(t, func(w http.ResponseWriter, r *http.Request, ids []string) {
		mu.Lock()
		slow := first
		first = false
		mu.Unlock()
		if slow {
			select { // a slow relay: the first report request takes until released
			case <-release:
			case <-r.Context().Done():
				return
			}
			_ = json.NewEncoder(w).Encode(delivered(ids, "after-first-page"))
			return
		}
		_ = json.NewEncoder(w).Encode(relay.WireReports{Next: r.URL.Query().Get("since")})
	})
	relayID := httpRelay(t, c, "slow-reports", fake.URL)
	if _, err := h.db.Exec(`INSERT INTO relay_report_cursors (account_id, relay_id, cursor_value, updated_at)
		SELECT account_id, id, '', NOW(6) FROM relays WHERE id = ?`, relayID); err != nil {
		t.Fatal(err)
	}
	id := importedSMSCampaign(t, c, "느린 보고", relayID, 201, 5)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	select {
	case <-fake.asked:
	case <-time.After(90 * time.Second):
		t.Fatal("the relay was never asked for reports")
	}

	// The relay is answering now. Another transaction updates the cursor row; a
	// lock held by the poller would make it wait and time out after a second.
	ctx := context.Background()
	conn, err := h.db.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET SESSION innodb_lock_wait_timeout = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `UPDATE relay_report_cursors SET cursor_value = 'moved-by-another', updated_at = NOW(6)
		WHERE relay_id = ?`, relayID); err != nil {
		t.Fatalf("update the cursor while the relay answers: %v", err)
	}
	close(release)

	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Delivered != 5 {
		t.Fatalf("campaign %+v", done)
	}
	var cursor string
	if err := h.db.Get(&cursor, `SELECT cursor_value FROM relay_report_cursors WHERE relay_id = ?`, relayID); err != nil {
		t.Fatal(err)
	}
	if cursor != "moved-by-another" {
		t.Fatalf("cursor %q: the slower poller moved it back", cursor)
	}
}

// A cancel sent while a report poll is waiting on a relay that does not answer
// reaches the poll, and the campaign finishes as cancelled (what still awaited
// a report is unknown).
func TestCancelDuringReportCollectionFinishesTheCampaign(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	fake := startFakeRelay(t, func(w http.ResponseWriter, r *http.Request, _ []string) {
		<-r.Context().Done() // never answers
	})
	relayID := httpRelay(t, c, "silent-reports", fake.URL)
	id := importedSMSCampaign(t, c, "보고 대기 중 취소", relayID, 301, 4)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	select {
	case <-fake.asked:
	case <-time.After(90 * time.Second):
		t.Fatal("the relay was never asked for reports")
	}
	var sig map[string]any
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", id), nil).Expect(202).JSON(&sig)
	done := waitCampaign(t, c, id)
	if done.Status != "cancelled" || done.Total != 4 || done.Unknown != 4 {
		t.Fatalf("campaign after a cancel during report collection %+v", done)
	}
	h.waitWorkflowClosed(t, workflows.CampaignWorkflowID(id))
	h.recordHistory(t, workflows.CampaignWorkflowID(id), "campaign-cancel-during-reports.json")
}

// A relay whose reports endpoint does not exist (404) is not asked again and
// again: what awaits its reports becomes unknown, saying why, and the campaign
// completes without waiting for the report deadline.
func TestRelayWithoutReportsEndpointDoesNotKeepTheCampaignOpen(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	fake := startFakeRelay(t, func(w http.ResponseWriter, r *http.Request, _ []string) { http.NotFound(w, r) })
	relayID := httpRelay(t, c, "no-reports", fake.URL)
	id := importedSMSCampaign(t, c, "보고 없는 릴레이", relayID, 401, 3)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Unknown != 3 {
		t.Fatalf("campaign %+v", done)
	}
	var reasons []string
	if err := h.db.Select(&reasons, `SELECT DISTINCT reason FROM campaign_messages WHERE campaign_id = ?`, id); err != nil {
		t.Fatal(err)
	}
	if len(reasons) != 1 || !strings.Contains(reasons[0], "refused the delivery report request") {
		t.Fatalf("reasons %q: want the relay's refusal, not the deadline", reasons)
	}
}

// A campaign left running by a workflow that ended without finishing it (its
// retries exhausted during a database outage, say) can still be cancelled: the
// cancel finishes the row. While Temporal cannot be reached, nobody can tell
// whether a workflow still runs it, so the cancel answers 503 and changes nothing.
func TestCancelFinishesACampaignNoWorkflowRuns(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)
	_, base := startSim(t, sim.Settings{})
	relayID := simRelay(t, c, "sim-stranded", base, "sms", 1)
	id := importedSMSCampaign(t, c, "홀로 남은 캠페인", relayID, 501, 3)
	if _, err := h.db.Exec(`UPDATE campaigns SET status = 'running', run = 1 WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}

	down.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", id), nil).Expect(503)
	down.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/pause", id), nil).Expect(503)
	if row := h.campaignRow(t, id); row.Status != "running" {
		t.Fatalf("after cancels without Temporal: %+v", row)
	}
	var sig struct {
		Status string `json:"status"`
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", id), nil).Expect(202).JSON(&sig)
	if row := h.campaignRow(t, id); sig.Status != "cancelled" || row.Status != "cancelled" {
		t.Fatalf("cancel answered %q; the campaign is %+v", sig.Status, row)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", id), nil).Expect(409)
}

// An invitation made while Temporal is out of reach is saved (201, with its
// link) and owes its mail: the outbox sweeper starts the mail once Temporal
// can be reached. One whose process dies right after the commit is mailed the
// same way. Each is mailed once, and then nothing is owed.
func TestInvitationMailOwedThroughAnOutageIsSentOnce(t *testing.T) {
	box := startMailbox(t)
	h := newHarness(t, withSMTP(box.Addr), withSweeper(300*time.Millisecond, time.Second))
	token, acc := h.signup(t)
	owner := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)

	during := uniqueEmail("outage")
	var inv invitationOut
	down.Do("POST", "/api/v1/invitations", map[string]any{"email": during, "role": "viewer"}).Expect(201).JSON(&inv)
	if inv.MailStatus != "pending" || inv.AcceptURL == "" {
		t.Fatalf("invitation made without Temporal: %+v", inv)
	}
	if mail := box.mailTo(t, strings.ToLower(during)); !strings.Contains(mail.Body, inv.AcceptURL) {
		t.Fatalf("the owed mail does not carry the link %s:\n%s", inv.AcceptURL, mail.Body)
	}

	// The process dies between the commit and the start: only the commit happened.
	interrupted := strings.ToLower(uniqueEmail("interrupted"))
	nonce, link, hash := onetime.New(onetime.Key(h.cfg.JWTSecret), onetime.Invitation)
	if _, err := h.store.CreateInvitation(context.Background(), acc, store.Invitation{Email: interrupted, Role: "viewer",
		TokenHash: hash, Nonce: nonce, InvitedByName: "김철수", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if mail := box.mailTo(t, interrupted); !strings.Contains(mail.Body, link) {
		t.Fatalf("the interrupted invitation's mail does not carry its link:\n%s", mail.Body)
	}
	waitFor(t, "both mails marked sent and nothing owed", func() bool {
		var l struct{ Items []invitationOut }
		owner.Do("GET", "/api/v1/invitations", nil).Expect(200).JSON(&l)
		return len(l.Items) == 2 && l.Items[0].MailStatus == "sent" && l.Items[1].MailStatus == "sent" &&
			h.countWhere(t, `SELECT COUNT(*) FROM outbox WHERE account_id = ?`, acc) == 0
	})
	got := map[string]int{}
	for _, m := range box.received() {
		for _, to := range m.To {
			got[strings.ToLower(to)]++
		}
	}
	if got[strings.ToLower(during)] != 1 || got[interrupted] != 1 {
		t.Fatalf("mails by address %v, want one each", got)
	}
}

// An invitation made during an outage and accepted before its mail went out
// owes nothing more: the sweeper clears it instead of starting, every pass, a
// mail the workflow would skip, so it never stands in front of other work.
func TestInvitationAcceptedDuringAnOutageOwesNoMail(t *testing.T) {
	box := startMailbox(t)
	h := newHarness(t, withSMTP(box.Addr), withSweeper(300*time.Millisecond, 3*time.Second))
	token, acc := h.signup(t)
	down := h.apiWithoutTemporal(t).As(token)
	var inv invitationOut
	down.Do("POST", "/api/v1/invitations", map[string]any{"email": uniqueEmail("shared"), "role": "viewer"}).Expect(201).JSON(&inv)
	accept(t, h.c, inv) // the inviter shared the link another way
	waitFor(t, "the account's outbox to empty", func() bool {
		return h.countWhere(t, `SELECT COUNT(*) FROM outbox WHERE account_id = ?`, acc) == 0
	})
}

// A tier created while Temporal is out of reach is saved (201) and owes its
// stock monitor: the outbox sweeper starts it once Temporal answers, and the
// monitor, reading the tier's stock (at its threshold already), raises the
// low-stock notification. Without it no monitor would run until the next
// change of the tier's stock, and a tier created low would never warn.
func TestANewTiersStockMonitorStartsAfterAnOutage(t *testing.T) {
	h := newHarness(t, withSweeper(300*time.Millisecond, time.Second))
	token, acc := h.signup(t)
	c := h.c.As(token)
	down := h.apiWithoutTemporal(t).As(token)
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "장애 중 만든 보상", "starts_on": today, "ends_on": today})
	tier := createTier(t, down, ev.ID, 1, "커피", 1, 1)
	waitFor(t, "the low-stock notification of the tier created during the outage", func() bool {
		return h.countWhere(t, `SELECT COUNT(*) FROM notifications WHERE account_id = ? AND kind = 'stock.low'`, acc) == 1
	})
	var st workflows.StockMonitorState
	v, err := h.tc.QueryWorkflow(context.Background(), workflows.StockMonitorWorkflowID(tier.ID), "", workflows.QueryStockMonitor)
	if err != nil || v.Get(&st) != nil || st.Stock != 1 || st.Threshold != 1 {
		t.Fatalf("the monitor's state %+v (%v), want stock 1 at threshold 1", st, err)
	}
	waitFor(t, "the account's outbox to empty", func() bool {
		return h.countWhere(t, `SELECT COUNT(*) FROM outbox WHERE account_id = ? AND kind = 'stock_monitor'`, acc) == 0
	})
}
