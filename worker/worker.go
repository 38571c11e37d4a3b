// Package worker builds sendingo's Temporal worker: it registers every workflow
// and activity and runs until its context ends. It only wires.
package worker

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/workflows"
)

// The activities struct must implement what the workflows call.
var _ workflows.ImportActivities = (*activities.Activities)(nil)
var _ workflows.CampaignActivities = (*activities.Activities)(nil)
var _ workflows.StockMonitorActivities = (*activities.Activities)(nil)
var _ workflows.ReminderActivities = (*activities.Activities)(nil)
var _ workflows.TeamActivities = (*activities.Activities)(nil)
var _ workflows.NotifyActivities = (*activities.Activities)(nil)
var _ workflows.ReminderScheduleActivities = (*activities.Activities)(nil)
var _ workflows.OutboxActivities = (*activities.Activities)(nil)
var _ workflows.CampaignScheduleActivities = (*activities.Activities)(nil)
var _ workflows.AudienceActivities = (*activities.Activities)(nil)
var _ workflows.ZoneActivities = (*activities.Activities)(nil)

// Options are the worker's tuning knobs, chosen for a small (2-core) machine.
type Options struct {
	// MaxConcurrentActivities bounds activity executions at once. Chunk activities
	// have their own internal concurrency, so a handful is enough.
	MaxConcurrentActivities int
	// MaxConcurrentWorkflowTasks bounds workflow tasks at once.
	MaxConcurrentWorkflowTasks int
	// Sweeper tunes the task queue's outbox sweeper (zero values: its defaults,
	// a sweep a minute of work owed for over 30 s).
	Sweeper workflows.OutboxSweeperInput
}

// DefaultOptions suit a 2-core machine.
func DefaultOptions() Options {
	return Options{MaxConcurrentActivities: 32, MaxConcurrentWorkflowTasks: 16}
}

// Worker is a Temporal worker that, once started, also keeps its task queue's
// outbox sweeper running (one per task queue, however many workers serve it).
type Worker struct {
	worker.Worker
	client    client.Client
	taskQueue string
	sweeper   workflows.OutboxSweeperInput
}

// New creates the worker on taskQueue with every workflow and activity
// registered. The activities use c to start the work the outbox owes, unless
// they have a client of their own.
func New(c client.Client, taskQueue string, acts *activities.Activities, o Options) *Worker {
	w := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize:     o.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: o.MaxConcurrentWorkflowTasks,
		MaxConcurrentActivityTaskPollers:       4,
		MaxConcurrentWorkflowTaskPollers:       4,
		WorkerStopTimeout:                      10 * time.Second,
	})
	if acts.Temporal == nil {
		acts.Temporal = c
	}
	Register(w, acts)
	return &Worker{Worker: w, client: c, taskQueue: taskQueue, sweeper: o.Sweeper}
}

// Start starts polling, then starts the outbox sweeper of the task queue (or
// finds it running).
func (w *Worker) Start() error {
	if err := w.Worker.Start(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := w.client.ExecuteWorkflow(ctx, workflows.OutboxSweeperStartOptions(w.taskQueue), workflows.OutboxSweeper, w.sweeper); err != nil {
		w.Worker.Stop()
		return fmt.Errorf("start the outbox sweeper of %s: %w", w.taskQueue, err)
	}
	return nil
}

// Register registers every workflow and activity on r.
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.ImportCustomers)
	r.RegisterWorkflow(workflows.Campaign)
	r.RegisterWorkflow(workflows.RewardStockMonitor)
	r.RegisterWorkflow(workflows.AttendanceReminder)
	r.RegisterWorkflow(workflows.InvitationMail)
	r.RegisterWorkflow(workflows.PasswordReset)
	r.RegisterWorkflow(workflows.ReminderScheduleSync)
	r.RegisterWorkflow(workflows.OutboxSweeper)
	r.RegisterWorkflow(workflows.ScheduledCampaign)
	r.RegisterWorkflow(workflows.CampaignScheduleSync)
	r.RegisterWorkflow(workflows.CampaignAudience)
	r.RegisterActivity(acts)
}

// Run runs w until ctx ends, then stops it gracefully. h (nil: none) reports
// healthy while w polls.
func Run(ctx context.Context, w worker.Worker, h *Health) error {
	if err := w.Start(); err != nil {
		return err
	}
	h.set(true)
	<-ctx.Done()
	h.set(false)
	w.Stop()
	return nil
}
