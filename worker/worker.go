// Package worker builds sendingo's Temporal worker: it registers every workflow
// and activity and runs until its context ends. It only wires.
package worker

import (
	"context"
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

// Options are the worker's tuning knobs, chosen for a small (2-core) machine.
type Options struct {
	// MaxConcurrentActivities bounds activity executions at once. Chunk activities
	// have their own internal concurrency, so a handful is enough.
	MaxConcurrentActivities int
	// MaxConcurrentWorkflowTasks bounds workflow tasks at once.
	MaxConcurrentWorkflowTasks int
}

// DefaultOptions suit a 2-core machine.
func DefaultOptions() Options {
	return Options{MaxConcurrentActivities: 32, MaxConcurrentWorkflowTasks: 16}
}

// New creates the worker on taskQueue with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities, o Options) worker.Worker {
	w := worker.New(c, taskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize:     o.MaxConcurrentActivities,
		MaxConcurrentWorkflowTaskExecutionSize: o.MaxConcurrentWorkflowTasks,
		MaxConcurrentActivityTaskPollers:       4,
		MaxConcurrentWorkflowTaskPollers:       4,
		WorkerStopTimeout:                      10 * time.Second,
	})
	Register(w, acts)
	return w
}

// Register registers every workflow and activity on r.
func Register(r worker.Registry, acts *activities.Activities) {
	r.RegisterWorkflow(workflows.ImportCustomers)
	r.RegisterWorkflow(workflows.Campaign)
	r.RegisterWorkflow(workflows.RewardStockMonitor)
	r.RegisterWorkflow(workflows.AttendanceReminder)
	r.RegisterWorkflow(workflows.InvitationMail)
	r.RegisterWorkflow(workflows.PasswordReset)
	r.RegisterActivity(acts)
}

// Run runs w until ctx ends, then stops it gracefully.
func Run(ctx context.Context, w worker.Worker) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
