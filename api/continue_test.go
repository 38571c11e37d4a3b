package api_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// runChain follows a workflow's runs from runID through every continue-as-new
// and answers, per run, its events.
func (h *harness) runChain(t *testing.T, workflowID, runID string) (runIDs []string, scheduled [][]string) {
	t.Helper()
	for runID != "" {
		runIDs = append(runIDs, runID)
		var acts []string
		next := ""
		for _, e := range h.runHistory(t, workflowID, runID) {
			if a := e.GetActivityTaskScheduledEventAttributes(); a != nil {
				acts = append(acts, a.GetActivityType().GetName())
			}
			if a := e.GetWorkflowExecutionContinuedAsNewEventAttributes(); a != nil {
				next = a.GetNewExecutionRunId()
			}
		}
		scheduled = append(scheduled, acts)
		runID = next
	}
	return runIDs, scheduled
}

// A campaign that continues as new on the real server, while sending and while
// collecting reports, completes with every recipient served once and its
// progress intact.
func TestCampaignContinuesAsNewOnTheServerAndCompletes(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	c := h.c.As(token)
	ctx := context.Background()
	// Reports come after 3 s: several polls (1 s, 2 s, ...), one run each.
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(3 * time.Second)})
	const n = 1000
	g := importCustomers(t, c, "이어가기", 1, n, "VIP")
	r := simRelay(t, c, "sim-can", base, "sms", 1)
	id := smsCampaign(t, c, "#{이름}님 안내", []int64{g}, r)
	h.freshStatsBlock(t)

	// Start it as the API does, with the continue-as-new knobs turned down.
	camp, err := h.store.Campaign(ctx, accountID, id)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := h.store.Template(ctx, accountID, camp.TemplateID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.BeginSend(ctx, accountID, id, tpl, store.CampaignRunning); err != nil {
		t.Fatal(err)
	}
	wid := workflows.CampaignWorkflowID(id)
	run, err := h.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: h.cfg.TaskQueue}, workflows.Campaign,
		workflows.CampaignInput{AccountID: accountID, CampaignID: id, Run: 1, ChunkSize: 200, Window: 2,
			MaxChunksPerRun: 2, MaxReportPollsPerRun: 1, ReportDeadline: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	firstRun := run.GetRunID() // Get follows the chain and moves it on
	var res workflows.FinalizeResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	done := waitCampaign(t, c, id)
	if done.Status != "completed" || done.Delivered != n || res.Counts.Delivered != n {
		t.Fatalf("campaign %+v, workflow result %+v", done, res.Counts)
	}
	if st := simulator.Stats(); st.Unique != n || st.Duplicates != 0 || st.Redelivered != 0 {
		t.Fatalf("simulator %+v", st)
	}

	runIDs, scheduled := h.runChain(t, wid, firstRun)
	var sendRuns, reportRuns, chunks int
	recorded := map[string]bool{}
	for i, acts := range scheduled {
		for _, a := range acts {
			if a == workflows.ActivitySendChunk {
				chunks++
			}
		}
		if i == len(scheduled)-1 || len(acts) == 0 {
			continue
		}
		// A run continued as new while sending when the next run sends
		// chunks too (its last activity may be a report poll beside the
		// chunks), and while collecting reports when it ended on a poll.
		switch {
		case slices.Contains(scheduled[i+1], workflows.ActivitySendChunk):
			sendRuns++
			if !recorded["send"] {
				recorded["send"] = true
				h.recordRun(t, wid, runIDs[i], "campaign-continue-as-new-sending.json")
			}
		case acts[len(acts)-1] == workflows.ActivityCollectReports:
			reportRuns++
			if !recorded["reports"] {
				recorded["reports"] = true
				h.recordRun(t, wid, runIDs[i], "campaign-continue-as-new-reports.json")
			}
		}
	}
	// 5 chunks, 2 a run: 2 runs end while sending; the reports take more than one poll.
	if chunks != 5 || sendRuns != 2 || reportRuns == 0 {
		t.Fatalf("%d runs: %d chunks, %d runs continued while sending, %d while collecting reports (%v)",
			len(runIDs), chunks, sendRuns, reportRuns, scheduled)
	}
	// The last run's own tally, carried through every continue-as-new.
	v, err := h.tc.QueryWorkflow(ctx, wid, "", workflows.QueryCampaignProgress)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	var sent, delivered int64
	for _, rc := range p.Relays {
		sent, delivered = sent+rc.Sent, delivered+rc.Delivered
	}
	if p.Counts.Delivered != n || sent != n || delivered != n || p.Run != 1 {
		t.Fatalf("progress after %d runs: %+v", len(runIDs), p)
	}
}

// The stock monitor's next run, after continue-as-new, goes on where the last
// left off: it takes the signals that follow, alerts once on the fall below the
// threshold and re-arms on the restock.
func TestStockMonitorsNextRunCarriesOn(t *testing.T) {
	box := startMailbox(t)
	h := newHarness(t, withSMTP(box.Addr))
	token, accountID := h.signup(t)
	c := h.c.As(token)
	ctx := context.Background()
	ev := createEvent(t, c, map[string]any{"name": "이어가는 재고", "starts_on": "2026-03-01", "ends_on": "2026-03-31",
		"alert": map[string]any{"emails": []string{"ops@shop.example"}}})
	tier := createTier(t, c, ev.ID, 1, "머그컵", 10, 5)
	var version int64
	if err := h.db.Get(&version, `SELECT version FROM event_tiers WHERE id = ?`, tier.ID); err != nil {
		t.Fatal(err)
	}
	// The tier's monitor, continuing as new after every 2 wake-ups.
	wid := workflows.StockMonitorWorkflowID(tier.ID)
	first, err := h.tc.SignalWithStartWorkflow(ctx, wid, workflows.SignalStockChanged,
		workflows.StockChanged{Version: version, Stock: 10, Threshold: 5},
		client.StartWorkflowOptions{ID: wid, TaskQueue: h.cfg.TaskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING},
		workflows.RewardStockMonitor, workflows.StockMonitorInput{AccountID: accountID, EventID: ev.ID, TierID: tier.ID, MaxWakeupsPerRun: 2})
	if err != nil {
		t.Fatal(err)
	}
	// Its first wake-up (the start's signal) is over before the first change:
	// a change signalled meanwhile would be taken in the same wake-up, and
	// the run would continue as new one change later than counted below.
	h.waitMonitorCaughtUp(t, tier.ID)
	step := func(delta int) workflows.StockMonitorState {
		t.Helper()
		c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), map[string]any{"delta": delta, "reason": "점검"}).Expect(201)
		return h.waitMonitorCaughtUp(t, tier.ID)
	}
	if st := step(-1); st.Runs != 1 || st.Stock != 9 || !st.Armed { // the second wake-up: continued as new
		t.Fatalf("after 9: %+v", st)
	}
	if st := step(-2); st.Stock != 7 || st.Alerts != 0 {
		t.Fatalf("after 7: %+v", st)
	}
	if st := step(-3); st.Stock != 4 || st.Alerts != 1 || st.Armed || st.Runs != 2 {
		t.Fatalf("after 4 (below the threshold): %+v", st)
	}
	waitFor(t, "the alert e-mail", func() bool { return len(box.received()) == 1 })
	if st := step(+10); st.Stock != 14 || !st.Armed || st.Alerts != 1 {
		t.Fatalf("after the restock to 14: %+v", st)
	}
	if st := step(-10); st.Stock != 4 || st.Alerts != 2 || st.Runs != 3 {
		t.Fatalf("after the second fall: %+v", st)
	}
	waitFor(t, "the second alert e-mail", func() bool { return len(box.received()) == 2 })

	d, err := h.tc.DescribeWorkflowExecution(ctx, wid, first.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if s := d.WorkflowExecutionInfo.Status; s != enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW {
		t.Fatalf("the first run is %s", s)
	}
	runIDs, _ := h.runChain(t, wid, first.GetRunID())
	cur, err := h.tc.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(runIDs) != 4 || cur.WorkflowExecutionInfo.Execution.RunId != runIDs[3] ||
		cur.WorkflowExecutionInfo.Status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("runs %v; the current one is %s, %s", runIDs, cur.WorkflowExecutionInfo.Execution.RunId, cur.WorkflowExecutionInfo.Status)
	}
	h.recordRun(t, wid, runIDs[1], "reward-stock-monitor-continued.json")
}
