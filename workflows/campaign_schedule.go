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

// Recurring campaigns. A campaign schedule's row is the truth; its Temporal
// Schedule campaign-schedule:{id} follows it through CampaignScheduleSync (one
// workflow per schedule, so syncs never overtake each other), which the API
// signals after every change and the outbox sweeper re-signals for rows left
// out of sync (Temporal was unreachable when the API changed them). Each
// run of the Schedule is a ScheduledCampaign workflow: it makes that run's
// campaign and sends it as a Campaign child.

// CampaignScheduleID is the ID of the Temporal Schedule of campaign schedule id.
func CampaignScheduleID(id int64) string { return fmt.Sprintf("campaign-schedule:%d", id) }

// CampaignScheduleSyncWorkflowID is the ID of the workflow that makes the
// Temporal Schedule follow the schedule's row.
func CampaignScheduleSyncWorkflowID(id int64) string {
	return fmt.Sprintf("campaign-schedule-sync:%d", id)
}

// CampaignScheduleCatchup is how late a missed run may still start (the worker
// or Temporal was down at its time); later, it is skipped.
const CampaignScheduleCatchup = 5 * time.Minute

// scheduledStartKey is the search attribute Temporal sets on a scheduled run:
// its nominal time, the same for every attempt of the run.
var scheduledStartKey = temporal.NewSearchAttributeKeyTime("TemporalScheduledStartTime")

// ScheduledCampaignInput is the Schedule's action argument.
type ScheduledCampaignInput struct{ AccountID, ScheduleID int64 }

// ScheduledCampaignResult says what a run did: the campaign it sent and how
// that ended, or why it sent nothing.
type ScheduledCampaignResult struct {
	ScheduledFor time.Time
	CampaignID   int64
	Skipped      string
	Counts       Counts
}

// ActivityStartScheduledCampaign makes a run's campaign.
const ActivityStartScheduledCampaign = "StartScheduledCampaign"

// StartScheduledCampaignInput asks for the campaign of the run at ScheduledFor.
type StartScheduledCampaignInput struct {
	AccountID, ScheduleID int64
	ScheduledFor          time.Time
}

// StartScheduledCampaignResult is the run's campaign, created and frozen for
// sending, or why there is none (recorded with the run). A retried run finds
// the campaign its first attempt made.
type StartScheduledCampaignResult struct {
	CampaignID int64
	Skipped    string
}

// ScheduledCampaign is the action of a campaign schedule's Temporal Schedule.
// It makes the run's campaign (named after the schedule and the run's time) and
// sends it as a Campaign child, so results and statistics show it like any
// campaign; it waits for the send, so the Schedule's overlap policy (skip) keeps
// a run from starting while the previous one still sends. A run whose audience
// is empty or whose template lacks what it needs records why and sends nothing.
func ScheduledCampaign(ctx workflow.Context, in ScheduledCampaignInput) (ScheduledCampaignResult, error) {
	at := workflow.Now(ctx)
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(scheduledStartKey); ok && !t.IsZero() {
		at = t
	}
	out := ScheduledCampaignResult{ScheduledFor: at}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         storeBackoff.retry(10),
	})
	var start StartScheduledCampaignResult
	if err := workflow.ExecuteActivity(actx, ActivityStartScheduledCampaign, StartScheduledCampaignInput{
		AccountID: in.AccountID, ScheduleID: in.ScheduleID, ScheduledFor: at,
	}).Get(ctx, &start); err != nil {
		return out, err
	}
	out.CampaignID, out.Skipped = start.CampaignID, start.Skipped
	if start.Skipped != "" {
		workflow.GetLogger(ctx).Info("scheduled campaign sent nothing", "schedule_id", in.ScheduleID, "reason", start.Skipped)
		return out, nil
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: CampaignWorkflowID(start.CampaignID),
		// The send goes on if the run is terminated; the campaign is its own.
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: CampaignSearchAttributes(in.AccountID, start.CampaignID),
	})
	var res FinalizeResult
	err := workflow.ExecuteChildWorkflow(cctx, Campaign, CampaignInput{AccountID: in.AccountID, CampaignID: start.CampaignID, Run: 1}).Get(ctx, &res)
	if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		return out, nil // an earlier attempt of this run started it
	}
	out.Counts = res.Counts
	return out, err
}

// SignalCampaignScheduleChanged (no payload) tells CampaignScheduleSync that the
// row changed again: it syncs once more before it ends.
const SignalCampaignScheduleChanged = "changed"

// CampaignScheduleSyncInput starts CampaignScheduleSync.
type CampaignScheduleSyncInput struct{ AccountID, ScheduleID int64 }

// ActivitySyncCampaignSchedule makes the Temporal Schedule match the row.
const ActivitySyncCampaignSchedule = "SyncCampaignSchedule"

// SyncCampaignScheduleInput names the schedule.
type SyncCampaignScheduleInput struct{ AccountID, ScheduleID int64 }

// SyncCampaignScheduleResult says what the sync did (created, updated,
// deleted, none) and the row version the Schedule now matches.
type SyncCampaignScheduleResult struct {
	Action  string
	Version int64
}

// CampaignScheduleSync makes the schedule's Temporal Schedule follow its row:
// created, updated (spec, action, paused) or deleted to match the row as the
// activity reads it. Its ID serialises the syncs of one schedule; a change
// signalled while a sync runs gets a sync of its own before the workflow ends.
func CampaignScheduleSync(ctx workflow.Context, in CampaignScheduleSyncInput) (SyncCampaignScheduleResult, error) {
	return syncUntilQuiet[SyncCampaignScheduleResult](ctx, SignalCampaignScheduleChanged, ActivitySyncCampaignSchedule,
		SyncCampaignScheduleInput(in))
}

// SignalCampaignScheduleSync asks the schedule's Temporal Schedule to follow
// its row: it signals the schedule's CampaignScheduleSync workflow, starting it
// if none runs. The API (after a change) and the reconciler (for a change the
// API could not deliver) both ask this way.
func SignalCampaignScheduleSync(ctx context.Context, c client.Client, taskQueue string, accountID, scheduleID int64) (client.WorkflowRun, error) {
	return c.SignalWithStartWorkflow(ctx, CampaignScheduleSyncWorkflowID(scheduleID), SignalCampaignScheduleChanged, nil,
		CampaignScheduleSyncStartOptions(taskQueue, accountID, scheduleID),
		CampaignScheduleSync, CampaignScheduleSyncInput{AccountID: accountID, ScheduleID: scheduleID})
}

// CampaignScheduleSyncStartOptions start (or signal) the schedule's sync.
func CampaignScheduleSyncStartOptions(taskQueue string, accountID, scheduleID int64) client.StartWorkflowOptions {
	return syncStartOptions(taskQueue, CampaignScheduleSyncWorkflowID(scheduleID), accountID)
}

// CampaignScheduleActivities is what the campaign schedule workflows call;
// activities.Activities implements it.
type CampaignScheduleActivities interface {
	StartScheduledCampaign(context.Context, StartScheduledCampaignInput) (StartScheduledCampaignResult, error)
	SyncCampaignSchedule(context.Context, SyncCampaignScheduleInput) (SyncCampaignScheduleResult, error)
}

// syncUntilQuiet runs the sync activity with in until no change was signalled on
// signal while it ran, and returns the last sync's result. It is the body of the
// Schedule-sync workflows, whose ID serialises the syncs of one row.
func syncUntilQuiet[R, I any](ctx workflow.Context, signal, activity string, in I) (R, error) {
	changed := workflow.GetSignalChannel(ctx, signal)
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         storeBackoff.retry(20),
	})
	for {
		for changed.ReceiveAsync(nil) {
		}
		var r R
		if err := workflow.ExecuteActivity(actx, activity, in).Get(ctx, &r); err != nil {
			return r, err
		}
		if changed.Len() == 0 {
			return r, nil
		}
	}
}

// syncStartOptions start (or signal) a Schedule-sync workflow with ID id.
func syncStartOptions(taskQueue, id string, accountID int64) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    AccountSearchAttributes(accountID),
		WorkflowExecutionTimeout: time.Hour,
	}
}
