package activities

import (
	"context"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// maxCampaignName is the longest campaign name (campaigns.name).
const maxCampaignName = 200

// PrepareReminder makes the event's reminder campaign for the local day at
// in.At (the run's scheduled time) and freezes it for sending. One campaign per
// (event, day): a retry or a second run the same day answers the same campaign.
// A run that started after that day ended, a day the event does not run on, an
// event without a reminder, or one deleted since is skipped, not failed.
func (a *Activities) PrepareReminder(ctx context.Context, in workflows.PrepareReminderInput) (workflows.PrepareReminderResult, error) {
	ev, err := a.Store.Event(ctx, in.AccountID, in.EventID)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.PrepareReminderResult{Skipped: "the event no longer exists"}, nil
	}
	if err != nil {
		return workflows.PrepareReminderResult{}, err
	}
	day := ev.LocalDay(in.At)
	out := workflows.PrepareReminderResult{Day: day.Format(time.DateOnly)}
	switch {
	case !in.RunAt.IsZero() && ev.LocalDay(in.RunAt).After(day):
		out.Skipped = fmt.Sprintf("the reminder due at %s started at %s, after that day had ended",
			in.At.In(ev.Location()).Format("2006-01-02 15:04"), in.RunAt.In(ev.Location()).Format("2006-01-02 15:04"))
		return out, nil
	case !ev.Runs(day):
		out.Skipped = fmt.Sprintf("the event runs from %s to %s", ev.StartsOn.Format(time.DateOnly), ev.EndsOn.Format(time.DateOnly))
		return out, nil
	case ev.ReminderTime == "" || ev.ReminderTemplateID == 0:
		out.Skipped = "the event has no reminder"
		return out, nil
	}
	tpl, err := a.Store.Template(ctx, in.AccountID, ev.ReminderTemplateID)
	if errors.Is(err, store.ErrNotFound) {
		out.Skipped = fmt.Sprintf("the reminder template %d no longer exists", ev.ReminderTemplateID)
		return out, nil
	}
	if err != nil {
		return out, err
	}
	suffix := " · reminder " + out.Day
	c, created, err := a.Store.EnsureReminderCampaign(ctx, in.AccountID, store.NewCampaign{
		Name:       render.TruncateRunes(ev.Name, maxCampaignName-utf8.RuneCountInString(suffix)) + suffix,
		TemplateID: tpl.ID, EventID: ev.ID, EventDay: day, Routing: ev.ReminderRouting,
		Variables: store.Attributes{"event": ev.Name},
	})
	if err != nil {
		return out, classify(err)
	}
	if c.Status == store.CampaignDraft {
		if _, err := a.Store.BeginSend(ctx, in.AccountID, c.ID, tpl, store.CampaignRunning); err != nil {
			return out, err
		}
	}
	a.Log.Info("reminder campaign ready", "account_id", in.AccountID, "event_id", ev.ID, "day", out.Day,
		"campaign_id", c.ID, "created", created)
	out.CampaignID = c.ID
	return out, nil
}

// reminderCatchup is how late a missed reminder may still go out (the worker
// or Temporal was down at the reminder time); later, that day's is skipped.
const reminderCatchup = time.Hour

// SyncReminderSchedule makes the event's reminder Schedule match the event's row
// as it is now: created or updated when the event has a reminder, deleted when it
// has none or is gone. The outbox rows written before the row was read are then
// cleared; rows written meanwhile stay for the next sync. ReminderScheduleSync,
// one workflow per event, is its only caller, so syncs of one event never race.
func (a *Activities) SyncReminderSchedule(ctx context.Context, in workflows.SyncReminderScheduleInput) (workflows.SyncReminderScheduleResult, error) {
	var out workflows.SyncReminderScheduleResult
	if a.Temporal == nil {
		return out, temporal.NewNonRetryableApplicationError("no Temporal client is configured", workflows.ErrTypeInvalidState, nil)
	}
	mark, err := a.Store.OutboxMark(ctx, store.OutboxReminderSchedule, in.EventID)
	if err != nil {
		return out, err
	}
	ev, err := a.Store.Event(ctx, in.AccountID, in.EventID)
	gone := errors.Is(err, store.ErrNotFound)
	if err != nil && !gone {
		return out, err
	}
	if gone || ev.ReminderTime == "" {
		out.Action, err = a.deleteReminderSchedule(ctx, in.EventID)
	} else {
		out.Action, err = a.putReminderSchedule(ctx, ev, activity.GetInfo(ctx).TaskQueue)
	}
	if err != nil {
		return out, err
	}
	a.Log.Info("reminder schedule synced", "account_id", in.AccountID, "event_id", in.EventID, "action", out.Action)
	return out, a.Store.ClearOutbox(ctx, store.OutboxReminderSchedule, in.EventID, mark)
}

// putReminderSchedule updates the event's Schedule, or creates it.
func (a *Activities) putReminderSchedule(ctx context.Context, e store.Event, taskQueue string) (string, error) {
	id := workflows.ReminderScheduleID(e.ID)
	spec, err := reminderSpec(e)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeInvalidInput, err)
	}
	action := reminderAction(e, taskQueue)
	return a.putSchedule(ctx, "reminder schedule", client.ScheduleOptions{
		ID: id, Spec: spec, Action: action,
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: reminderCatchup,
		Note:          fmt.Sprintf("attendance reminder of event %d (account %d)", e.ID, e.AccountID),
	}, false, func(err error) error { return fmt.Errorf("create reminder schedule %s: %w", id, err) })
}

func (a *Activities) deleteReminderSchedule(ctx context.Context, eventID int64) (string, error) {
	id := workflows.ReminderScheduleID(eventID)
	err := a.Temporal.ScheduleClient().GetHandle(ctx, id).Delete(ctx)
	var missing *serviceerror.NotFound
	switch {
	case err == nil:
		return "deleted", nil
	case errors.As(err, &missing):
		return "none", nil
	}
	return "", fmt.Errorf("delete reminder schedule %s: %w", id, err)
}

// reminderSpec is the schedule of an event's reminder: every day at the reminder
// time in the event's time zone, from its first day to the end of its last.
func reminderSpec(e store.Event) (client.ScheduleSpec, error) {
	clock, err := time.Parse("15:04", e.ReminderTime)
	if err != nil {
		return client.ScheduleSpec{}, fmt.Errorf("event %d: reminder time %q: %w", e.ID, e.ReminderTime, err)
	}
	loc := e.Location()
	start := time.Date(e.StartsOn.Year(), e.StartsOn.Month(), e.StartsOn.Day(), 0, 0, 0, 0, loc)
	end := time.Date(e.EndsOn.Year(), e.EndsOn.Month(), e.EndsOn.Day()+1, 0, 0, 0, 0, loc)
	return client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Hour:    []client.ScheduleRange{{Start: clock.Hour()}},
			Minute:  []client.ScheduleRange{{Start: clock.Minute()}},
			Comment: "daily attendance reminder at " + e.ReminderTime,
		}},
		TimeZoneName: e.Timezone,
		StartAt:      start,
		EndAt:        end,
	}, nil
}

func reminderAction(e store.Event, taskQueue string) *client.ScheduleWorkflowAction {
	return workflowAction(workflows.ReminderWorkflowID(e.ID), workflows.AttendanceReminder,
		workflows.ReminderInput{AccountID: e.AccountID, EventID: e.ID}, taskQueue, e.AccountID)
}
