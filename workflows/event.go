package workflows

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// ReminderScheduleID is the ID of the Temporal Schedule that sends an event's
// daily reminder.
func ReminderScheduleID(eventID int64) string { return fmt.Sprintf("attendance-reminder:%d", eventID) }

// ReminderWorkflowID is the workflow ID the schedule's runs get (the server adds
// each run's scheduled time to it).
func ReminderWorkflowID(eventID int64) string { return ReminderScheduleID(eventID) }

// ReminderInput starts AttendanceReminder.
type ReminderInput struct {
	AccountID int64
	EventID   int64
}

// ReminderResult says what a run did: the campaign it started for Day, or why
// it sent nothing.
type ReminderResult struct {
	Day            string // the event's local date, 2006-01-02
	CampaignID     int64
	AlreadyStarted bool   // an earlier run started this day's campaign
	Skipped        string // why nothing was sent (the event ended, was deleted, ...)
}

// ActivityPrepareReminder is the activity that makes the day's campaign.
const ActivityPrepareReminder = "PrepareReminder"

// PrepareReminderInput asks for the reminder campaign of the event's local day at At.
type PrepareReminderInput struct {
	AccountID int64
	EventID   int64
	// At is the run's scheduled time (its Schedule's action time): its local
	// day is the reminder's, however late the run starts.
	At time.Time
	// RunAt is when the run started. A run that starts after At's day has ended
	// (a catch-up past midnight) sends nothing: its day is over, and the next
	// day's reminder is due at its own time. Zero in runs started before it was
	// passed, whose At is their start.
	RunAt time.Time
}

// PrepareReminderResult is the day's reminder campaign, created and frozen for
// sending (status running), or why there is none.
type PrepareReminderResult struct {
	Day        string
	CampaignID int64
	Skipped    string
}

// ReminderActivities is what AttendanceReminder calls; activities.Activities
// implements it.
type ReminderActivities interface {
	PrepareReminder(context.Context, PrepareReminderInput) (PrepareReminderResult, error)
}

// AttendanceReminder is started by an event's schedule at its reminder time. It
// finds the event's local day, makes that day's reminder campaign (audience:
// eligible customers who have not checked in that day, worked out when the
// campaign materialises its audience) and starts it as a Campaign child, so the
// reminder shows in campaign results and statistics like any send. The child is
// abandoned once started: the reminder run does not wait for the send.
func AttendanceReminder(ctx workflow.Context, in ReminderInput) (ReminderResult, error) {
	w := &reminderWorkflow{in: in}
	return w.run(ctx)
}

type reminderWorkflow struct {
	in ReminderInput
}

func (w *reminderWorkflow) run(ctx workflow.Context) (ReminderResult, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         storeBackoff.retry(10),
	})
	// The day is the scheduled time's: a run started late (the worker or
	// Temporal down at the reminder time, caught up within the Schedule's
	// window) is still that day's.
	now := workflow.Now(ctx)
	at := now
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartKey); ok && !t.IsZero() {
		at = t
	}
	var prep PrepareReminderResult
	if err := workflow.ExecuteActivity(actx, ActivityPrepareReminder, PrepareReminderInput{
		AccountID: w.in.AccountID, EventID: w.in.EventID, At: at, RunAt: now,
	}).Get(ctx, &prep); err != nil {
		return ReminderResult{}, err
	}
	out := ReminderResult{Day: prep.Day, CampaignID: prep.CampaignID, Skipped: prep.Skipped}
	if prep.Skipped != "" {
		workflow.GetLogger(ctx).Info("no reminder sent", "event_id", w.in.EventID, "day", prep.Day, "reason", prep.Skipped)
		return out, nil
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        CampaignWorkflowID(prep.CampaignID),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		// The campaign ID is the idempotency key: a second run for the same day
		// finds it taken (running or closed) and starts nothing.
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: CampaignSearchAttributes(w.in.AccountID, prep.CampaignID),
	})
	child := workflow.ExecuteChildWorkflow(cctx, Campaign, CampaignInput{
		AccountID: w.in.AccountID, CampaignID: prep.CampaignID, Run: 1,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
			out.AlreadyStarted = true
			return out, nil
		}
		return out, fmt.Errorf("start reminder campaign %d: %w", prep.CampaignID, err)
	}
	return out, nil
}

// ReminderScheduleSyncWorkflowID is the ID of the workflow that brings an
// event's reminder Schedule in line with the event's row.
func ReminderScheduleSyncWorkflowID(eventID int64) string {
	return fmt.Sprintf("event-schedule-sync:%d", eventID)
}

// SignalReminderScheduleChanged (no payload) tells ReminderScheduleSync that the
// event's row changed again: it syncs once more before it ends. It is sent with
// SignalWithStart after every commit that changes the event.
const SignalReminderScheduleChanged = "changed"

// ReminderScheduleSyncInput starts ReminderScheduleSync.
type ReminderScheduleSyncInput struct{ AccountID, EventID int64 }

// ActivitySyncReminderSchedule makes the Schedule match the row as it is now.
const ActivitySyncReminderSchedule = "SyncReminderSchedule"

// SyncReminderScheduleInput names the event.
type SyncReminderScheduleInput struct{ AccountID, EventID int64 }

// SyncReminderScheduleResult says what the sync did to the Schedule:
// created, updated, deleted or none.
type SyncReminderScheduleResult struct{ Action string }

// ReminderScheduleActivities is what ReminderScheduleSync calls;
// activities.Activities implements it.
type ReminderScheduleActivities interface {
	SyncReminderSchedule(context.Context, SyncReminderScheduleInput) (SyncReminderScheduleResult, error)
}

// ReminderScheduleSync makes the event's reminder Schedule follow its row:
// created, updated or deleted to match the row as the activity reads it. One
// workflow per event (its ID) serialises the syncs, so an older row can never
// overwrite a newer one; a change signalled while a sync runs gets a sync of its
// own before the workflow ends. The activity clears the event's outbox rows it
// has covered; if the workflow fails, the outbox sweeper starts it again.
func ReminderScheduleSync(ctx workflow.Context, in ReminderScheduleSyncInput) error {
	_, err := syncUntilQuiet[SyncReminderScheduleResult](ctx, SignalReminderScheduleChanged, ActivitySyncReminderSchedule,
		SyncReminderScheduleInput(in))
	return err
}

// SignalReminderScheduleSync asks the event's reminder Schedule to follow its
// row: it signals the event's ReminderScheduleSync workflow, starting it if none
// runs. The API (after a change) and the outbox sweeper (for a change the API
// could not deliver) both ask this way.
func SignalReminderScheduleSync(ctx context.Context, c client.Client, taskQueue string, accountID, eventID int64) (client.WorkflowRun, error) {
	return c.SignalWithStartWorkflow(ctx, ReminderScheduleSyncWorkflowID(eventID), SignalReminderScheduleChanged, nil,
		ReminderScheduleSyncStartOptions(taskQueue, accountID, eventID),
		ReminderScheduleSync, ReminderScheduleSyncInput{AccountID: accountID, EventID: eventID})
}

// ReminderScheduleSyncStartOptions start (or signal) the event's sync.
func ReminderScheduleSyncStartOptions(taskQueue string, accountID, eventID int64) client.StartWorkflowOptions {
	return syncStartOptions(taskQueue, ReminderScheduleSyncWorkflowID(eventID), accountID)
}
