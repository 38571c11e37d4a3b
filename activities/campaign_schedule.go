package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/sendingo/sendingo/campaign"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// StartScheduledCampaign makes the campaign of one run of a campaign schedule,
// frozen for sending, or records why the run sends nothing: the schedule or its
// template is gone, the provider has not approved the AlimTalk template, no
// enabled relay carries its channel, the audience is empty, or recipients lack
// a variable the template needs. The run's nominal time is its idempotency key.
func (a *Activities) StartScheduledCampaign(ctx context.Context, in workflows.StartScheduledCampaignInput) (workflows.StartScheduledCampaignResult, error) {
	var out workflows.StartScheduledCampaignResult
	cs, err := a.Store.CampaignScheduleForSync(ctx, in.AccountID, in.ScheduleID)
	if errors.Is(err, store.ErrNotFound) {
		out.Skipped = "the schedule no longer exists"
		return out, nil
	}
	if err != nil {
		return out, err
	}
	if run, err := a.Store.ScheduleRunAt(ctx, cs.AccountID, cs.ID, in.ScheduledFor); err == nil {
		return workflows.StartScheduledCampaignResult{CampaignID: run.CampaignID, Skipped: run.Skipped}, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return out, err
	}
	skip := func(format string, args ...any) (workflows.StartScheduledCampaignResult, error) {
		run, err := a.Store.SkipScheduleRun(ctx, cs, in.ScheduledFor, fmt.Sprintf(format, args...))
		if err != nil {
			return out, err
		}
		a.Log.Info("scheduled campaign skipped", "account_id", cs.AccountID, "schedule_id", cs.ID, "reason", run.Skipped)
		return workflows.StartScheduledCampaignResult{CampaignID: run.CampaignID, Skipped: run.Skipped}, nil
	}
	if cs.Deleted {
		return skip("the schedule was deleted")
	}
	tpl, err := a.Store.Template(ctx, cs.AccountID, cs.TemplateID)
	if errors.Is(err, store.ErrNotFound) {
		return skip("template %d no longer exists", cs.TemplateID)
	}
	if err != nil {
		return out, err
	}
	if refused := campaign.NotApproved(tpl); refused != nil {
		return skip("%s", refused.Detail)
	}
	settings, err := a.accountSettings(ctx, cs.AccountID)
	if err != nil {
		return out, classify(err)
	}
	if problems := render.Validate(tpl.Content(), settings); len(problems) > 0 {
		return skip("template %d cannot be sent: %s", tpl.ID, (&render.InvalidTemplateError{Problems: problems}).Error())
	}
	ok, err := campaign.RelayCarries(ctx, a.Store, cs.AccountID, cs.Routing, tpl.Channel)
	if err != nil {
		return out, err
	}
	if !ok {
		return skip("no enabled relay of the schedule carries %s messages", tpl.Channel)
	}
	n := store.NewCampaign{Name: runName(cs, in.ScheduledFor), TemplateID: cs.TemplateID, AudienceKind: store.AudienceGroups,
		GroupIDs: cs.GroupIDs, Routing: cs.Routing}
	probe := store.Campaign{AccountID: cs.AccountID, AudienceKind: store.AudienceGroups, GroupIDs: cs.GroupIDs}
	vars := tpl.Content().Variables()
	size, missing, err := a.Store.AudienceCheck(ctx, probe, tpl.Channel == render.ChannelEmail, vars)
	if err != nil {
		return out, err
	}
	if size == 0 {
		return skip("the audience is empty: the schedule's groups hold no customer who can receive it")
	}
	if missing > 0 {
		return skip("%d of %d recipients have no value for a variable the template needs (%s)", missing, size, strings.Join(vars, ", "))
	}
	run, err := a.Store.StartScheduleRun(ctx, cs, in.ScheduledFor, n, tpl)
	if err != nil {
		return out, err
	}
	a.Log.Info("scheduled campaign made", "account_id", cs.AccountID, "schedule_id", cs.ID, "campaign_id", run.CampaignID,
		"scheduled_for", in.ScheduledFor, "recipients", size)
	return workflows.StartScheduledCampaignResult{CampaignID: run.CampaignID, Skipped: run.Skipped}, nil
}

// runName is the campaign name of a run: the schedule's and the run's local time.
func runName(cs store.CampaignSchedule, at time.Time) string {
	suffix := " " + at.In(cs.Location()).Format("2006-01-02 15:04")
	name := cs.Name
	for utf8.RuneCountInString(name+suffix) > 200 {
		r := []rune(name)
		name = string(r[:len(r)-1])
	}
	return name + suffix
}

// SyncCampaignSchedule makes the schedule's Temporal Schedule match its row:
// created or updated (spec, action, paused) for a live row, deleted for a
// deleted or missing one (then the row is purged). It loops until the version
// it applied is still the row's, so a change made during the sync is applied
// too; the sync workflow serialises calls for one schedule.
func (a *Activities) SyncCampaignSchedule(ctx context.Context, in workflows.SyncCampaignScheduleInput) (workflows.SyncCampaignScheduleResult, error) {
	var out workflows.SyncCampaignScheduleResult
	if a.Temporal == nil {
		return out, temporal.NewNonRetryableApplicationError("no Temporal client", workflows.ErrTypeInvalidState, nil)
	}
	for range 5 {
		cs, err := a.Store.CampaignScheduleForSync(ctx, in.AccountID, in.ScheduleID)
		if errors.Is(err, store.ErrNotFound) {
			out.Action = "deleted"
			return out, a.deleteSchedule(ctx, in.ScheduleID)
		}
		if err != nil {
			return out, err
		}
		if cs.Deleted {
			if err := a.deleteSchedule(ctx, cs.ID); err != nil {
				return out, err
			}
			out.Action, out.Version = "deleted", cs.Version
			return out, a.Store.PurgeCampaignSchedule(ctx, cs.AccountID, cs.ID, cs.Version)
		}
		action, err := a.applySchedule(ctx, cs, activity.GetInfo(ctx).TaskQueue)
		if err != nil {
			// Recorded for the API to show; the row stays owed, so the
			// workflow's retries or the reconciler try again.
			if _, merr := a.Store.MarkCampaignScheduleSynced(ctx, cs.AccountID, cs.ID, cs.Version, err.Error()); merr != nil {
				a.Log.Warn("record campaign schedule sync error", "schedule_id", cs.ID, "error", merr)
			}
			return out, err
		}
		out.Action, out.Version = action, cs.Version
		current, err := a.Store.MarkCampaignScheduleSynced(ctx, cs.AccountID, cs.ID, cs.Version, "")
		if err != nil {
			return out, err
		}
		if current {
			a.Log.Info("campaign schedule synced", "account_id", cs.AccountID, "schedule_id", cs.ID, "action", action, "version", cs.Version)
			return out, nil
		}
	}
	return out, fmt.Errorf("campaign schedule %d kept changing while it was synced", in.ScheduleID)
}

func (a *Activities) scheduleSpec(cs store.CampaignSchedule) client.ScheduleSpec {
	spec := client.ScheduleSpec{CronExpressions: []string{cs.Cron}, TimeZoneName: cs.Timezone}
	if store.IsSet(cs.StartsAt) {
		spec.StartAt = cs.StartsAt
	}
	if store.IsSet(cs.EndsAt) {
		spec.EndAt = cs.EndsAt
	}
	return spec
}

// scheduleAction is the Schedule's action: a ScheduledCampaign run on the task
// queue of the worker that syncs it (the one every sendingo worker serves).
func (a *Activities) scheduleAction(cs store.CampaignSchedule, taskQueue string) *client.ScheduleWorkflowAction {
	return workflowAction(workflows.CampaignScheduleID(cs.ID), workflows.ScheduledCampaign,
		workflows.ScheduledCampaignInput{AccountID: cs.AccountID, ScheduleID: cs.ID}, taskQueue, cs.AccountID)
}

// applySchedule creates or updates the Temporal Schedule of a live row.
func (a *Activities) applySchedule(ctx context.Context, cs store.CampaignSchedule, taskQueue string) (string, error) {
	id := workflows.CampaignScheduleID(cs.ID)
	spec, action := a.scheduleSpec(cs), a.scheduleAction(cs, taskQueue)
	note := fmt.Sprintf("campaign schedule %d (account %d), version %d", cs.ID, cs.AccountID, cs.Version)
	return a.putSchedule(ctx, "schedule", client.ScheduleOptions{
		ID: id, Spec: spec, Action: action, Paused: cs.Paused, Note: note,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: workflows.CampaignScheduleCatchup,
	}, true, func(err error) error {
		var exists *serviceerror.AlreadyExists
		if errors.As(err, &exists) || errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return fmt.Errorf("create schedule %s: it appeared meanwhile; the next attempt updates it: %w", id, err)
		}
		return fmt.Errorf("create schedule %s: %w", id, err)
	})
}

func (a *Activities) deleteSchedule(ctx context.Context, scheduleID int64) error {
	id := workflows.CampaignScheduleID(scheduleID)
	err := a.Temporal.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	var missing *serviceerror.NotFound
	if err != nil && !errors.As(err, &missing) {
		return fmt.Errorf("delete schedule %s: %w", id, err)
	}
	return nil
}

// reconcileBatch bounds the schedules one outbox sweep signals.
const reconcileBatch = 200

// reconcileCampaignSchedules is the outbox sweeper's part for campaign
// schedules: their rows are their own outbox (version ahead of synced_version),
// and the sync workflow of every row out of sync for longer than grace is
// signalled (started if need be) on taskQueue. It answers how many were
// signalled and how many failed (left for the next sweep).
func (a *Activities) reconcileCampaignSchedules(ctx context.Context, taskQueue string, grace time.Duration) (signalled, failed int, err error) {
	refs, err := a.Store.CampaignSchedulesOutOfSync(ctx, time.Now().Add(-grace), reconcileBatch)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range refs {
		activity.RecordHeartbeat(ctx, r.ID)
		_, err := workflows.SignalCampaignScheduleSync(ctx, a.Temporal, taskQueue, r.AccountID, r.ID)
		if err != nil {
			failed++
			a.Log.Warn("campaign schedule sync not signalled; the next sweep tries again", "schedule_id", r.ID, "error", err)
			continue
		}
		signalled++
		a.Log.Info("campaign schedule out of sync; sync signalled", "schedule_id", r.ID, "account_id", r.AccountID)
	}
	return signalled, failed, nil
}
