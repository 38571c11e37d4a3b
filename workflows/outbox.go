package workflows

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// OutboxSweeperWorkflowID is the ID of the outbox sweeper of a task queue: one
// per task queue, whatever the number of workers.
func OutboxSweeperWorkflowID(taskQueue string) string { return "outbox-sweeper:" + taskQueue }

// Outbox sweeper defaults.
const (
	DefaultSweepEvery   = time.Minute
	DefaultSweepGrace   = 30 * time.Second
	DefaultSweepsPerRun = 200
)

// OutboxSweeperInput starts OutboxSweeper.
type OutboxSweeperInput struct {
	// Every is the pause between sweeps (default 1 minute).
	Every time.Duration
	// Grace is how old owed work must be before the sweeper does it: the API does
	// it within moments of its commit, so younger rows are left to the API
	// (default 30 s).
	Grace time.Duration
	// SweepsPerRun bounds the history: after that many sweeps the run continues
	// as new (default 200).
	SweepsPerRun int
}

// ActivitySweepOutbox starts the work the outbox still owes.
const ActivitySweepOutbox = "SweepOutbox"

// SweepOutboxInput asks for one sweep of work older than Grace.
type SweepOutboxInput struct{ Grace time.Duration }

// SweepOutboxResult counts what the sweep did.
type SweepOutboxResult struct {
	Started int // workflows started (or found running) for owed work
	Cleared int // rows whose work turned out to be done or moot
	Failed  int // items left for the next sweep
}

// OutboxActivities is what OutboxSweeper calls; activities.Activities
// implements it.
type OutboxActivities interface {
	SweepOutbox(context.Context, SweepOutboxInput) (SweepOutboxResult, error)
}

// OutboxSweeper drains the outbox: work a committed change still owes the
// workflow engine because the API process died right after its commit, or could
// not reach Temporal then (a restock notice to send, a reminder Schedule to sync).
// It sweeps every Every, forever; a failed sweep is retried by the next.
func OutboxSweeper(ctx workflow.Context, in OutboxSweeperInput) error {
	if in.Every <= 0 {
		in.Every = DefaultSweepEvery
	}
	if in.Grace <= 0 {
		in.Grace = DefaultSweepGrace
	}
	if in.SweepsPerRun <= 0 {
		in.SweepsPerRun = DefaultSweepsPerRun
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         outboxRetry(),
	})
	log := workflow.GetLogger(ctx)
	for sweep := 1; ; sweep++ {
		var r SweepOutboxResult
		if err := workflow.ExecuteActivity(actx, ActivitySweepOutbox, SweepOutboxInput{Grace: in.Grace}).Get(ctx, &r); err != nil {
			log.Warn("outbox sweep failed; the next one tries again", "error", err)
		}
		if err := workflow.Sleep(ctx, in.Every); err != nil {
			return err
		}
		if sweep >= in.SweepsPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return workflow.NewContinueAsNewError(ctx, OutboxSweeper, in)
		}
	}
}

// OutboxSweeperStartOptions start (or join) the sweeper of taskQueue.
func OutboxSweeperStartOptions(taskQueue string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       OutboxSweeperWorkflowID(taskQueue),
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
	}
}
