package api_test

import (
	"context"
	"fmt"
	"net/mail"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/converter"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

// history is the events of the workflow's current run.
func (h *harness) history(t *testing.T, workflowID string) []*historypb.HistoryEvent {
	t.Helper()
	return h.runHistory(t, workflowID, "")
}

// runHistory is the events of one run of the workflow ("" for the latest).
func (h *harness) runHistory(t *testing.T, workflowID, runID string) []*historypb.HistoryEvent {
	t.Helper()
	it := h.tc.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var events []*historypb.HistoryEvent
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		events = append(events, e)
	}
	return events
}

// chunkInputs are the SendChunk inputs a history scheduled, in order.
func chunkInputs(t *testing.T, events []*historypb.HistoryEvent) []workflows.SendChunkInput {
	t.Helper()
	var out []workflows.SendChunkInput
	for _, e := range events {
		a := e.GetActivityTaskScheduledEventAttributes()
		if a == nil || a.GetActivityType().GetName() != workflows.ActivitySendChunk {
			continue
		}
		var in workflows.SendChunkInput
		if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &in); err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

// freshStatsBlock makes the next campaign messages' ids start a statistics
// block: a block's end also ends a chunk (versionAlignedChunks), so a test that
// counts chunks, or a window's claims, must not depend on where the package's
// earlier tests left the ids. (Set past MAX(id), which InnoDB honours even below
// a counter that skipped ids.)
func (h *harness) freshStatsBlock(t *testing.T) {
	t.Helper()
	var top int64
	if err := h.db.Get(&top, `SELECT COALESCE(MAX(id), 0) FROM campaign_messages`); err != nil {
		t.Fatal(err)
	}
	h.db.MustExec(fmt.Sprintf(`ALTER TABLE campaign_messages AUTO_INCREMENT = %d`, (top/workflows.StatsBlock+1)*workflows.StatsBlock+1))
}

// countRows counts the campaign's messages matching cond (SQL on campaign_messages).
func (h *harness) countRows(t *testing.T, campaignID int64, cond string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := h.db.Get(&n, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND `+cond,
		append([]any{campaignID}, args...)...); err != nil {
		t.Fatal(err)
	}
	return n
}

// smsCampaign creates an SMS template and a draft campaign to groups through
// relays (weighted, equal weights unless given), and answers the campaign id.
func smsCampaign(t *testing.T, c *apitest.Client, body string, groups []int64, relays ...int64) int64 {
	t.Helper()
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": body}).Expect(201).JSON(&tpl)
	var routing []map[string]any
	for _, r := range relays {
		routing = append(routing, map[string]any{"relay_id": r, "weight": 1})
	}
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "발송", "template_id": tpl.ID, "group_ids": groups,
		"routing": map[string]any{"mode": "weighted", "relays": routing}}).Expect(201).JSON(&camp)
	return camp.ID
}

// progressOf answers GET /campaigns/{id}/progress.
func progressOf(t *testing.T, c *apitest.Client, id int64) workflows.CampaignProgress {
	t.Helper()
	var p workflows.CampaignProgress
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/progress", id), nil).Expect(200).JSON(&p)
	return p
}

// Retry-failed sends again exactly the messages that failed, each once, under
// new idempotency keys ({id}-r2), as run 2 of the campaign's workflow.
func TestRetryFailedResendsOnlyTheFailedMessagesOnceWithNewKeys(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{RecipientFailRate: 0.2})
	g := importCustomers(t, c, "재발송", 1, 300, "VIP")
	r := simRelay(t, c, "sim-retry", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g}, r)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	first := waitCampaign(t, c, id)
	if first.Status != "completed" || first.Failed == 0 || first.Failed == 300 || first.Delivered+first.Failed != 300 {
		t.Fatalf("first run %+v: the test needs some failed and some delivered", first)
	}
	var failedIDs []int64
	if err := h.db.Select(&failedIDs, `SELECT id FROM campaign_messages WHERE campaign_id = ? AND status = 'failed' ORDER BY id`, id); err != nil {
		t.Fatal(err)
	}
	if st := simulator.Stats(); st.Unique != 300 || st.Duplicates != 0 {
		t.Fatalf("after run 1 the simulator saw %+v", st)
	}

	// The relay recovers; retry.
	zero := 0.0
	if err := simulator.Control(sim.Patch{RecipientFailRate: &zero}); err != nil {
		t.Fatal(err)
	}
	var retry struct {
		Retrying int64 `json:"retrying"`
		Campaign struct {
			Status string `json:"status"`
			Run    int    `json:"run"`
		} `json:"campaign"`
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", id), nil).Expect(202).JSON(&retry)
	if retry.Retrying != first.Failed || retry.Campaign.Run != 2 || retry.Campaign.Status != "running" {
		t.Fatalf("retry answer %+v, want %d messages in run 2", retry, first.Failed)
	}
	second := waitCampaign(t, c, id)
	if second.Status != "completed" || second.Delivered != 300 || second.Failed != 0 || second.Total != 300 {
		t.Fatalf("after the retry %+v", second)
	}
	// Only the failed went out again, each once, as new messages at the relay.
	st := simulator.Stats()
	if st.Unique != 300+first.Failed || st.Duplicates != 0 || st.Redelivered != 0 || st.Relays["sim-retry"].Received != 300+first.Failed {
		t.Fatalf("after the retry the simulator saw %+v, want %d unique", st, 300+first.Failed)
	}
	if n := h.countRows(t, id, "attempt = 2"); n != first.Failed {
		t.Fatalf("%d messages were claimed twice, want the %d that failed", n, first.Failed)
	}
	if n := h.countRows(t, id, "attempt <> 1 AND attempt <> 2"); n != 0 {
		t.Fatalf("%d messages were claimed neither once nor twice", n)
	}
	// The relay knows each retried message under {id}-r2, delivered.
	look := relay.NewSimulator(relay.SimulatorConfig{BaseURL: base, Name: "sim-retry"}, relay.Options{})
	var msgs []relay.Message
	for _, mid := range failedIDs {
		msgs = append(msgs, relay.Message{ID: mid, Key: fmt.Sprintf("%d-r2", mid)})
	}
	reports, err := look.Lookup(context.Background(), msgs, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != len(failedIDs) {
		t.Fatalf("the relay knows %d of the %d retried messages under {id}-r2", len(reports), len(failedIDs))
	}
	p := progressOf(t, c, id)
	if p.Run != 2 || p.Counts.Delivered != 300 {
		t.Fatalf("progress after the retry %+v", p)
	}
	// Nothing failed is left to retry.
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", id), nil).Expect(409)
}

// A retry sends the failed AlimTalk itself again, not a fallback: in the
// first run every AlimTalk was refused and its SMS fallback failed too; the
// retry's AlimTalks go through, and their delivery reports (about the
// AlimTalk, not a fallback) settle the rows, which no longer claim a fallback.
func TestRetryOfAnAlimTalkWhoseFallbackFailedIsSettledByItsOwnReport(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{})
	patchSim(t, simulator, sim.Patch{Relay: "kakao", RecipientFailRate: new(1.0)}, sim.Patch{Relay: "sms", RecipientFailRate: new(1.0)})
	g := importCustomers(t, c, "재발송 알림톡", 1, 10, "VIP")
	kakao := simRelay(t, c, "kakao", base, "alimtalk", 1)
	simRelay(t, c, "sms", base, "sms", 1)
	camp := sendAlimTalk(t, c, "재발송", g)
	if first := waitCampaign(t, c, camp.ID); first.Failed != 10 || first.Fallback != 10 {
		t.Fatalf("first run %+v, want 10 failed after their fallbacks", first)
	}
	patchSim(t, simulator, sim.Patch{Relay: "kakao", RecipientFailRate: new(0.0)})
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", camp.ID), nil).Expect(202)
	second := waitCampaign(t, c, camp.ID)
	if second.Status != "completed" || second.Delivered != 10 || second.Fallback != 0 || second.Unknown != 0 {
		t.Fatalf("after the retry %+v, want the 10 AlimTalks delivered", second)
	}
	var wrong int
	if err := h.db.Get(&wrong, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ?
		AND NOT (status = 'delivered' AND fallback = 0 AND fallback_due = 0 AND sent_channel = 'alimtalk' AND relay_id = ?)`,
		camp.ID, kakao); err != nil {
		t.Fatal(err)
	}
	if wrong != 0 {
		t.Fatalf("%d rows are not the AlimTalk delivered at relay %d", wrong, kakao)
	}
}

// Pause through the API stops new chunks (those in flight finish); resume goes
// on; every recipient gets exactly one message.
func TestPauseAndResumeARunningCampaignThroughTheAPI(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	// A second per relay call: chunks of 200 take about a second each.
	simulator, base := startSim(t, sim.Settings{Latency: sim.Duration(time.Second), ReportDelay: sim.Duration(100 * time.Millisecond)})
	const n = 3000
	g := importCustomers(t, c, "일시정지", 1, n, "VIP")
	r := simRelay(t, c, "sim-pause", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g}, r)
	wid := workflows.CampaignWorkflowID(id)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	waitFor(t, "the first chunk at the relay", func() bool { return simulator.Stats().Unique > 0 })
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/pause", id), nil).Expect(202)

	// Paused, once the chunks in flight at the pause have finished.
	waitFor(t, "the campaign paused with no chunk in flight", func() bool {
		var camp campaignOut
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), nil).Expect(200).JSON(&camp)
		d, err := h.tc.DescribeWorkflowExecution(context.Background(), wid, "")
		return err == nil && camp.Status == "paused" && len(d.PendingActivities) == 0 && h.countRows(t, id, "status = 'sending'") == 0
	})
	pending := h.countRows(t, id, "status = 'pending'")
	if pending == 0 {
		t.Fatal("the whole campaign went out before the pause: the test shows nothing")
	}
	if p := progressOf(t, c, id); p.Stage != workflows.StagePaused || p.Counts.Pending != pending {
		t.Fatalf("progress while paused %+v, want stage paused with %d pending", p, pending)
	}
	// No chunk was scheduled after the pause arrived.
	events := h.history(t, wid)
	paused := -1
	for i, e := range events {
		a := e.GetWorkflowExecutionSignaledEventAttributes()
		if a == nil || a.GetSignalName() != workflows.SignalCampaignControl {
			continue
		}
		var ctl workflows.CampaignControl
		if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &ctl); err == nil && ctl.Action == workflows.ControlPause {
			paused = i
		}
	}
	if paused < 0 {
		t.Fatal("no pause signal in the history")
	}
	if late := chunkInputs(t, events[paused:]); len(late) != 0 {
		t.Fatalf("%d chunks were scheduled after the pause: %+v", len(late), late)
	}
	if at := simulator.Stats().Unique; at != n-pending {
		t.Fatalf("the relay has %d messages, the rows say %d went out", at, n-pending)
	}

	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/resume", id), nil).Expect(202)
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Delivered != n {
		t.Fatalf("after resume %+v", done)
	}
	if st := simulator.Stats(); st.Unique != n || st.Duplicates != 0 || st.Redelivered != 0 {
		t.Fatalf("simulator %+v", st)
	}
	h.recordHistory(t, wid, "campaign-pause-resume.json")
}

// Cancel through the API cancels the chunks in flight: the relay calls they were
// making are abandoned, their claimed messages go back to pending (nothing is left
// "sending"), and the campaign ends cancelled.
func TestCancelARunningCampaignPutsUnsentMessagesBackToPending(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	// Relay calls that take far longer than the cancel needs to reach the chunks
	// (their heartbeats bring it within seconds).
	simulator, base := startSim(t, sim.Settings{Latency: sim.Duration(2 * time.Minute)})
	const n = 1000
	g := importCustomers(t, c, "취소", 1, n, "VIP")
	r := simRelay(t, c, "sim-cancel", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g}, r)
	h.freshStatsBlock(t)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	claimed := int64(h.cfg.ChunkWindow * h.cfg.ChunkSize)
	// Claimed, and each chunk's call at the relay: a cancel that reaches a
	// chunk between its claim and its call gives the rows back unsent too,
	// but then no call was abandoned.
	waitFor(t, "a full window of chunks claimed and in flight", func() bool {
		return h.countRows(t, id, "status = 'sending'") == claimed &&
			simulator.Stats().Relays["sim-cancel"].Requests >= int64(h.cfg.ChunkWindow)
	})
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", id), nil).Expect(202)
	done := waitCampaign(t, c, id)

	if done.Status != "cancelled" || done.Total != n || done.Pending != n {
		t.Fatalf("cancelled campaign %+v, want all %d pending", done, n)
	}
	if s := h.countRows(t, id, "status = 'sending'"); s != 0 {
		t.Fatalf("%d messages left sending", s)
	}
	if back := h.countRows(t, id, "status = 'pending' AND attempt = 1"); back != claimed {
		t.Fatalf("%d claimed messages went back to pending, want %d", back, claimed)
	}
	if st := simulator.Stats(); st.Received != 0 || st.Relays["sim-cancel"].Requests == 0 {
		t.Fatalf("simulator %+v: want calls made and abandoned, nothing received", st)
	}
	events := h.history(t, workflows.CampaignWorkflowID(id))
	var cancelRequested int
	for _, e := range events {
		if e.GetActivityTaskCancelRequestedEventAttributes() != nil {
			cancelRequested++
		}
	}
	if cancelRequested != h.cfg.ChunkWindow {
		t.Fatalf("the workflow asked %d chunks to cancel, want %d", cancelRequested, h.cfg.ChunkWindow)
	}
	h.recordHistory(t, workflows.CampaignWorkflowID(id), "campaign-cancel.json")
}

// weightedRelay is a simulator relay of a weighted campaign and its weight.
type weightedRelay struct {
	name   string
	weight int
}

// sendWeighted sends an SMS campaign to n customers, with the chunk size set to
// chunkSize, routed by weight over relays (simulator relays of those names, in
// that order), and waits until every message is delivered. It answers the
// harness, the simulator, the campaign and the relays' ids.
func sendWeighted(t *testing.T, chunkSize, n int, relays ...weightedRelay) (*harness, *sim.Simulator, campaignOut, []int64) {
	t.Helper()
	h := newHarness(t, withConfig(func(c *config.Config) { c.ChunkSize = chunkSize }))
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	g := importCustomers(t, c, "분배", 1, n, "VIP")
	var ids []int64
	var routing []map[string]any
	for _, r := range relays {
		id := simRelay(t, c, r.name, base, "sms", 1)
		ids = append(ids, id)
		routing = append(routing, map[string]any{"relay_id": id, "weight": r.weight})
	}
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "분배", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "분배", "template_id": tpl.ID, "group_ids": []int64{g},
		"routing": map[string]any{"mode": "weighted", "relays": routing}}).Expect(201).JSON(&camp)
	h.freshStatsBlock(t)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Status != "completed" || done.Delivered != int64(n) {
		t.Fatalf("campaign %+v", done)
	}
	return h, simulator, camp, ids
}

// 70/30 over 1,001 recipients is exactly 701/300 even when the configured chunk
// size (215) would leave remainders in every chunk: it is rounded down to 200,
// a multiple of the weights' sum, and only the last chunk (1 message) rounds.
func TestWeightedSplitIsExactAcrossChunks(t *testing.T) {
	h, simulator, camp, ids := sendWeighted(t, 215, 1001, weightedRelay{"sim-70", 70}, weightedRelay{"sim-30", 30})
	st := simulator.Stats()
	if st.Relays["sim-70"].Unique != 701 || st.Relays["sim-30"].Unique != 300 || st.Duplicates != 0 {
		t.Fatalf("split %d/%d, want 701/300 (%+v)", st.Relays["sim-70"].Unique, st.Relays["sim-30"].Unique, st)
	}
	if ra, rb := h.countRows(t, camp.ID, "relay_id = ?", ids[0]), h.countRows(t, camp.ID, "relay_id = ?", ids[1]); ra != 701 || rb != 300 {
		t.Fatalf("rows by relay %d/%d, want 701/300", ra, rb)
	}
	chunks := chunkInputs(t, h.history(t, workflows.CampaignWorkflowID(camp.ID)))
	if len(chunks) != 6 {
		t.Fatalf("%d chunks, want 6 (5 of 200 and 1 of 1): %+v", len(chunks), chunks)
	}
	for i, ch := range chunks {
		if size := ch.ToID - ch.FromID + 1; i < 5 && size != 200 || i == 5 && size != 1 {
			t.Fatalf("chunk %d covers %d ids (%+v)", i, size, ch)
		}
	}
}

// 1/1/1 over 2,502 recipients in one chunk of 2,502 is exactly 834 each: the
// chunk is sent in slices (one Router.Send each), and a slice of 2,500 would
// leave a remainder that the first relays take every time (835/834/833).
func TestWeightedSplitIsExactAcrossSlices(t *testing.T) {
	_, simulator, _, _ := sendWeighted(t, 2502, 2502, weightedRelay{"sim-a", 1}, weightedRelay{"sim-b", 1}, weightedRelay{"sim-c", 1})
	st := simulator.Stats()
	if a, b, c := st.Relays["sim-a"].Unique, st.Relays["sim-b"].Unique, st.Relays["sim-c"].Unique; a != 834 || b != 834 || c != 834 || st.Duplicates != 0 {
		t.Fatalf("split %d/%d/%d, want 834 each (%+v)", a, b, c, st)
	}
}

// An advertisement goes out with "(광고)", the account's name and its free
// opt-out line in every stored body, and waits in quiet hours (night in the
// account's time zone) for 08:00 there: nothing reaches a relay meanwhile.
func TestAdvertisementCarriesItsMarksAndWaitsForMorning(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	zone, loc := quietZone(t, 0) // midnight there
	c.Do("PATCH", "/api/v1/account", map[string]any{"optout_number": "080-123-4567", "timezone": zone}).Expect(200)
	simulator, base := startSim(t, sim.Settings{})
	g := importCustomers(t, c, "광고", 1, 30, "VIP")
	r := simRelay(t, c, "sim-ad", base, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "주말 특가", "channel": "sms", "advertisement": true,
		"body": "#{이름}님, 주말 특가 30% 할인!"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "주말 특가", "template_id": tpl.ID, "group_ids": []int64{g},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": r, "weight": 1}}}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)

	var p workflows.CampaignProgress
	waitFor(t, "the advertisement to wait for quiet hours to end", func() bool {
		p = progressOf(t, c, camp.ID)
		return p.Stage == workflows.StageQuietHours
	})
	now := time.Now().In(loc)
	morning := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, loc)
	if !p.ResumeAt.Equal(morning) {
		t.Fatalf("resumes at %v, want 08:00 in %s (%v)", p.ResumeAt.In(loc), zone, morning)
	}
	var bodies []string
	if err := h.db.Select(&bodies, `SELECT body FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, camp.ID); err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 30 {
		t.Fatalf("%d messages materialised, want 30", len(bodies))
	}
	for _, b := range bodies {
		if !strings.HasPrefix(b, "(광고) Acme 상점\n") || !strings.Contains(b, "님, 주말 특가 30% 할인!") ||
			!strings.HasSuffix(b, "\n무료수신거부 080-123-4567") {
			t.Fatalf("stored advertisement body %q", b)
		}
	}
	if st := simulator.Stats(); st.Requests != 0 {
		t.Fatalf("the relay was called in quiet hours: %+v", st)
	}
	if n := h.countRows(t, camp.ID, "status <> 'pending'"); n != 0 {
		t.Fatalf("%d messages left pending in quiet hours", n)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Status != "cancelled" || done.Pending != 30 {
		t.Fatalf("cancelled advertisement %+v", done)
	}
	if st := simulator.Stats(); st.Requests != 0 {
		t.Fatalf("the cancelled advertisement reached the relay: %+v", st)
	}
}

// A customer who opted out gets nothing from a campaign to a group they are in.
func TestOptedOutGroupMemberReceivesNothing(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	g := createGroup(t, c, "수신거부 포함")
	var members []customerOut
	for _, name := range []string{"받음1", "거부", "받음2"} {
		members = append(members, createCustomer(t, c, name, g.ID))
	}
	optedOut := members[1]
	c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", optedOut.ID), map[string]any{"opted_out": true}).Expect(200)
	r := simRelay(t, c, "sim-optout", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g.ID}, r)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Total != 2 || done.Delivered != 2 {
		t.Fatalf("campaign %+v, want 2 of the 3 members", done)
	}
	if n := h.countRows(t, id, "customer_id = ?", optedOut.ID); n != 0 {
		t.Fatalf("%d messages for the opted-out customer", n)
	}
	if n := h.countRows(t, id, "recipient = ?", optedOut.Phone); n != 0 {
		t.Fatalf("%d messages to the opted-out number", n)
	}
	if st := simulator.Stats(); st.Unique != 2 {
		t.Fatalf("the relay got %d messages, want 2", st.Unique)
	}
}

// An e-mail campaign through an SMTP relay: each customer with an address gets
// one mail with the rendered subject and body and a Message-ID of its own; a 250
// counts as delivered (no reports to wait for). A text template's mails are
// text, even one led by a name that looks like a tag; an HTML template's are
// HTML, with the names escaped.
func TestEmailCampaignThroughAnSMTPRelay(t *testing.T) {
	box := startMailbox(t)
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	g := createGroup(t, c, "메일")
	var want []string
	nameOf := func(i int) string {
		if i == 1 {
			return "<VIP> 메일고객1"
		}
		return fmt.Sprintf("메일고객%d", i)
	}
	for i := 1; i <= 12; i++ {
		body := map[string]any{"name": nameOf(i), "phone": fmt.Sprintf("010-6%03d-%04d", i, i), "group_ids": []int64{g.ID}}
		if i != 12 { // the last has no address: left out
			addr := fmt.Sprintf("customer%d@shop.example", i)
			body["email"] = addr
			want = append(want, addr)
		}
		c.Do("POST", "/api/v1/customers", body).Expect(201)
	}
	host, port, _ := strings.Cut(box.Addr, ":")
	if err := testEgress.Allow(box.Addr); err != nil {
		t.Fatal(err)
	}
	var rel relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "mail", "kind": "smtp", "channel": "email", "weight": 1,
		"config": map[string]any{"host": host, "port": atoi(t, port), "from": "Acme <news@acme.example>", "tls": "none"}}).Expect(201).JSON(&rel)
	// send sends an e-mail campaign of a new template to the group; 11 mails.
	send := func(name, subject, body string) campaignOut {
		t.Helper()
		var tpl templateOut
		c.Do("POST", "/api/v1/templates", map[string]any{"name": name, "channel": "email", "subject": subject,
			"body": body}).Expect(201).JSON(&tpl)
		var camp campaignOut
		c.Do("POST", "/api/v1/campaigns", map[string]any{"name": name, "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
		c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
		done := waitCampaign(t, c, camp.ID)
		if done.Status != "completed" || done.Total != 11 || done.Delivered != 11 || done.Failed != 0 {
			t.Fatalf("campaign %s: %+v, want 11 delivered", name, done)
		}
		return camp
	}
	camp := send("3월 뉴스레터", "#{이름}님 3월 소식", "#{이름}님, 3월 소식을 전합니다.")
	mails := box.received()
	if len(mails) != 11 {
		t.Fatalf("%d mails received, want 11", len(mails))
	}
	got := map[string]receivedMail{}
	ids := map[string]bool{}
	for _, m := range mails {
		if len(m.To) != 1 {
			t.Fatalf("mail to %v", m.To)
		}
		if _, dup := got[m.To[0]]; dup {
			t.Fatalf("%s got two mails", m.To[0])
		}
		got[m.To[0]] = m
		ids[m.MessageID] = true
	}
	for i, addr := range want {
		m, ok := got[addr]
		name := nameOf(i + 1)
		if !ok || m.Subject != name+"님 3월 소식" || !strings.Contains(m.Body, name+"님, 3월 소식을 전합니다.") {
			t.Fatalf("mail to %s: %+v", addr, m)
		}
		if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
			t.Fatalf("mail to %s is %q", addr, ct)
		}
		if from, err := mail.ParseAddress(m.From); err != nil || from.Address != "news@acme.example" {
			t.Fatalf("mail from %q", m.From)
		}
	}
	if len(ids) != 11 || ids[""] {
		t.Fatalf("Message-IDs %v: want one of its own per mail", ids)
	}
	if n := h.countRows(t, camp.ID, "relay_id = ? AND sent_channel = 'email' AND status = 'delivered'", rel.ID); n != 11 {
		t.Fatalf("%d rows delivered by e-mail", n)
	}

	send("4월 뉴스레터", "4월 소식", "<p>#{이름}님, 4월 소식입니다.</p>")
	for _, m := range box.received()[11:] {
		if m.To[0] != want[0] {
			continue
		}
		if ct := m.Header.Get("Content-Type"); ct != "text/html; charset=UTF-8" ||
			!strings.Contains(m.Body, "<p>&lt;VIP&gt; 메일고객1님, 4월 소식입니다.</p>") {
			t.Fatalf("HTML mail to %s is %q: %q", m.To[0], ct, m.Body)
		}
		return
	}
	t.Fatalf("no HTML mail to %s", want[0])
}

// A report that never comes: at SENDINGO_REPORT_DEADLINE after the send the
// messages still awaiting one are recorded unknown, with the reason.
func TestReportDeadlineMakesMessagesWithoutAReportUnknown(t *testing.T) {
	h := newHarness(t, withConfig(func(c *config.Config) { c.ReportDeadline = 3 * time.Second }))
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(time.Hour)})
	g := importCustomers(t, c, "무응답", 1, 50, "VIP")
	r := simRelay(t, c, "sim-silent", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g}, r)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Unknown != 50 || done.Delivered != 0 || done.Sent != 0 {
		t.Fatalf("campaign %+v, want 50 unknown", done)
	}
	if n := h.countRows(t, id, "status = 'unknown' AND code = 'no_report' AND result_at > sent_at"); n != 50 {
		t.Fatalf("%d rows unknown with code no_report", n)
	}
	if st := simulator.Stats(); st.Unique != 50 {
		t.Fatalf("simulator %+v", st)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
