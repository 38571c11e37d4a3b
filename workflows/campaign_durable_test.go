package workflows

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// liveness bounds the wall time of a test whose workflow, were the behaviour
// broken, would retry or wait forever (time skipping spins through it); it is a
// guard, not a timing assertion.
const liveness = 30 * time.Second

func control(env *testsuite.TestWorkflowEnvironment, action string) {
	env.SignalWorkflow(SignalCampaignControl, CampaignControl{Action: action})
}

// A resume and then a pause that arrive together, just before the run continues
// as new, are acted on in that order: the campaign is paused in the next run.
func TestCampaignResumeThenPauseBeforeContinueAsNewEndsPaused(t *testing.T) {
	f := newFakeCampaign(t, 1, 65) // 7 chunks, 2 per run
	in := CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3, MaxChunksPerRun: 2}
	var resumedAt time.Time
	env, runs, carried := f.runAll(t, in, t0, func(env *testsuite.TestWorkflowEnvironment, run int) {
		if run > 1 {
			if run == 2 { // it starts paused; resume it an hour later so the campaign ends
				env.RegisterDelayedCallback(func() {
					if p := progress(t, env); p.Stage != StagePaused {
						t.Errorf("run 2 before the resume: stage %q, want %q", p.Stage, StagePaused)
					}
					resumedAt = env.Now()
					control(env, ControlResume)
				}, time.Hour)
			}
			return
		}
		// Status writes take 30 s in run 1. Its two chunks run 30–40 s; the pause
		// at 35 s writes "paused" until 65 s, and the resume and the pause sent at
		// 50 s wait meanwhile, with the finished chunks: all are acted on right
		// before the run continues as new.
		env.OnActivity(ActivitySetStatus, mock.Anything, mock.Anything).After(30 * time.Second).Return(f.SetCampaignStatus)
		env.RegisterDelayedCallback(func() { control(env, ControlPause) }, 35*time.Second)
		env.RegisterDelayedCallback(func() {
			control(env, ControlResume)
			control(env, ControlPause)
		}, 50*time.Second)
	})
	completed(t, env)

	if runs != 4 || len(carried) == 0 || !carried[0].State.Paused {
		t.Fatalf("%d runs; the first continue-as-new carried paused=%v, want paused", runs, len(carried) > 0 && carried[0].State.Paused)
	}
	if want := []string{"running", "paused", "running"}; !slices.Equal(f.statuses, want) {
		t.Fatalf("statuses %v, want %v", f.statuses, want)
	}
	for _, c := range f.chunkList() {
		if c.started.After(t0.Add(35*time.Second)) && c.started.Before(resumedAt) {
			t.Errorf("chunk %d-%d started at %v, while paused", c.in.FromID, c.in.ToID, c.started.Sub(t0))
		}
	}
	checkChunkRanges(t, f, 10)
	checkSentOnce(t, f)
}

// A cancel that arrives while a report poll waits on a relay cancels the poll;
// the next poll gives up (what awaited a report is unknown) and the campaign
// finishes as cancelled.
func TestCampaignCancelDuringAReportPollCancelsIt(t *testing.T) {
	f := newFakeCampaign(t, 1, 10)
	f.reportAfter = map[int64]int{1: -1}
	f.blockPoll = func(in CollectReportsInput) bool { return !in.GiveUp }
	f.onPollStarted = func(in CollectReportsInput, _ int32) {
		if !in.GiveUp {
			control(f.env, ControlCancel)
		}
	}
	env := f.newEnv(t0)
	env.SetTestTimeout(liveness)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10})
	res := completed(t, env)
	f.waitBlocked()

	if f.pollCancels != 1 {
		t.Fatalf("%d blocked polls saw their cancel, want 1", f.pollCancels)
	}
	if polls := f.pollList(); len(polls) != 1 || !polls[0].in.GiveUp {
		t.Fatalf("polls after the cancelled one %+v: want one that gives up", polls)
	}
	if !slices.Equal(f.finalized, []string{"cancelled"}) || res.Counts.Unknown != 10 {
		t.Fatalf("finalized %v with %+v, want cancelled with 10 unknown", f.finalized, res.Counts)
	}
	if p := progress(t, env); p.Stage != StageCancelled {
		t.Fatalf("stage %q", p.Stage)
	}
}

// Report polls that keep failing do not fail the campaign, nor keep it open:
// each is retried a bounded number of times, polling goes on, and at the
// deadline what is left becomes unknown and the campaign completes.
func TestCampaignFailingReportPollsEndAtTheDeadline(t *testing.T) {
	f := newFakeCampaign(t, 1, 20)
	f.failPoll = func(in CollectReportsInput, _ int32) error {
		if in.GiveUp {
			return nil
		}
		return errors.New("reports of relay 1: HTTP 502")
	}
	deadline := 10 * time.Minute
	env := f.newEnv(t0)
	env.SetTestTimeout(liveness)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, ReportDeadline: deadline})
	res := completed(t, env)

	if !slices.Equal(f.finalized, []string{"completed"}) || res.Counts.Unknown != 20 {
		t.Fatalf("finalized %v with %+v, want completed with 20 unknown", f.finalized, res.Counts)
	}
	polls := f.pollList()
	last := polls[len(polls)-1]
	if sendDone := t0.Add(10 * time.Second); !last.in.GiveUp || last.at.Before(sendDone.Add(deadline)) {
		t.Fatalf("last poll %+v at %v: want the give-up at the deadline", last.in, last.at.Sub(t0))
	}
}

// A chunk that fails every attempt (relay faults, say) is retried a bounded
// number of times; then the campaign fails instead of retrying forever.
func TestCampaignChunkFailingEveryAttemptEndsTheCampaign(t *testing.T) {
	f := newFakeCampaign(t, 1, 10)
	f.failChunk = func(SendChunkInput, int32) error { return errors.New("no relay took the messages") }
	env := f.newEnv(t0)
	env.SetTestTimeout(liveness)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() == nil {
		t.Fatalf("workflow completed %v with error %v: want it failed", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if n := len(f.chunkList()); n != chunkAttempts {
		t.Fatalf("the chunk ran %d times, want %d", n, chunkAttempts)
	}
	if !slices.Equal(f.finalized, []string{"failed"}) {
		t.Fatalf("finalized %v, want failed", f.finalized)
	}
}

// StartCampaign is told the run it begins; a workflow whose run has been done
// by another ends at once, touching nothing.
func TestCampaignWhoseRunIsDoneAlreadyEndsAtOnce(t *testing.T) {
	f := newFakeCampaign(t, 1, 10)
	f.start = StartCampaignResult{Status: "completed", Skip: true}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 2})
	completed(t, env)
	if len(f.starts) != 1 || f.starts[0].Run != 2 {
		t.Fatalf("StartCampaign asked %+v, want run 2", f.starts)
	}
	if len(f.prepares) != 0 || len(f.chunkList()) != 0 || len(f.finalized) != 0 || len(f.statuses) != 0 {
		t.Fatalf("prepared %d, chunks %d, finalized %v, statuses %v: want nothing", len(f.prepares), len(f.chunkList()),
			f.finalized, f.statuses)
	}
}

// A change signalled while the event's Schedule is being synced gets a sync of
// its own; without one, the workflow syncs once.
func TestReminderScheduleSyncRunsAgainForAChangeDuringASync(t *testing.T) {
	for _, changeDuringSync := range []bool{false, true} {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.SetTestTimeout(liveness)
		var syncs []SyncReminderScheduleInput
		sync := func(_ context.Context, in SyncReminderScheduleInput) (SyncReminderScheduleResult, error) {
			syncs = append(syncs, in)
			return SyncReminderScheduleResult{Action: "updated"}, nil
		}
		env.RegisterWorkflow(ReminderScheduleSync)
		env.RegisterActivityWithOptions(sync, activity.RegisterOptions{Name: ActivitySyncReminderSchedule})
		env.OnActivity(ActivitySyncReminderSchedule, mock.Anything, mock.Anything).After(10 * time.Second).Return(sync)
		if changeDuringSync {
			env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalReminderScheduleChanged, nil) }, 5*time.Second)
		}
		env.ExecuteWorkflow(ReminderScheduleSync, ReminderScheduleSyncInput{AccountID: 3, EventID: 4})
		if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
			t.Fatalf("sync workflow: %v", env.GetWorkflowError())
		}
		want := 1
		if changeDuringSync {
			want = 2
		}
		if len(syncs) != want || syncs[0] != (SyncReminderScheduleInput{AccountID: 3, EventID: 4}) {
			t.Fatalf("change during the sync %v: syncs %+v, want %d", changeDuringSync, syncs, want)
		}
	}
}

// The outbox sweeper sweeps every Every for work older than Grace, goes on
// after a failed sweep, and continues as new after SweepsPerRun sweeps.
func TestOutboxSweeperSweepsOnAfterAFailureAndContinuesAsNew(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.SetTestTimeout(liveness)
	var at []time.Duration
	sweep := func(_ context.Context, in SweepOutboxInput) (SweepOutboxResult, error) {
		if in.Grace != 5*time.Second {
			t.Errorf("sweep for work older than %v, want 5s", in.Grace)
		}
		at = append(at, env.Now().Sub(t0))
		if len(at) <= 3 { // the first sweep fails every attempt
			return SweepOutboxResult{}, errors.New("database down")
		}
		return SweepOutboxResult{Started: 1}, nil
	}
	env.RegisterWorkflow(OutboxSweeper)
	env.RegisterActivityWithOptions(sweep, activity.RegisterOptions{Name: ActivitySweepOutbox})
	env.ExecuteWorkflow(OutboxSweeper, OutboxSweeperInput{Every: time.Minute, Grace: 5 * time.Second, SweepsPerRun: 3})

	var can *workflow.ContinueAsNewError
	if !env.IsWorkflowCompleted() || !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("sweeper ended with %v, want continue-as-new", env.GetWorkflowError())
	}
	// Three attempts of the failed sweep, then one sweep a minute.
	if len(at) != 5 || at[3] < time.Minute || at[4]-at[3] != time.Minute {
		t.Fatalf("sweeps at %v", at)
	}
	if got := OutboxSweeperWorkflowID("sendingo"); got != "outbox-sweeper:sendingo" {
		t.Fatalf("sweeper ID %q", got)
	}
}
