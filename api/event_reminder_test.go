package api_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

// The event's reminder is a Temporal Schedule at the reminder time in the
// event's time zone, ending with its last day; it follows edits; triggering it
// sends the reminder, through a campaign, only to eligible customers who have
// not checked in today (once per day); deleting the event deletes it.
func TestReminderScheduleSendsToThoseWhoHaveNotCheckedIn(t *testing.T) {
	// The API dates check-ins by a clock pinned to the test's start; the reminder
	// runs on the server's clock, for its own day (see remindedOn).
	started := time.Now()
	h := newHarness(t, withClock(func() time.Time { return started }))
	token, _ := h.signup(t)
	c := h.c.As(token)
	ctx := context.Background()
	simulator, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	relayID := simRelay(t, c, "sim-reminder", simBase, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "출석 알림", "channel": "sms",
		"body": "#{name}님, 오늘 #{event} 출석체크 잊지 마세요!"}).Expect(201).JSON(&tpl)

	checkedIn := createCustomer(t, c, "출석함")
	waiting := createCustomer(t, c, "아직안함")
	browser := createCustomer(t, c, "구매없음")
	optedOut := createCustomer(t, c, "수신거부")
	c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", optedOut.ID), map[string]any{"opted_out": true}).Expect(200)
	for i, cu := range []customerOut{checkedIn, waiting, optedOut} {
		recordPurchase(t, c, cu.ID, fmt.Sprintf("R-%d", i))
	}
	_ = browser

	seoul := mustZone(t, "Asia/Seoul")
	today := started.In(seoul)
	// remindedOn is who a reminder run for day should reach, of the customers
	// with a purchase who are not opted out and checked in (on the pinned day)
	// as given: a run the test's start crossed midnight from counts no check-in.
	remindedOn := func(day string, checkedIn, notCheckedIn []customerOut) []string {
		t.Helper()
		want := notCheckedIn
		switch day {
		case today.Format(time.DateOnly):
		case today.AddDate(0, 0, 1).Format(time.DateOnly):
			want = append(append([]customerOut(nil), notCheckedIn...), checkedIn...)
		default:
			t.Fatalf("a reminder ran for %s; the test started on %s", day, today.Format(time.DateOnly))
		}
		var phones []string
		for _, c := range want {
			phones = append(phones, c.Phone)
		}
		sort.Strings(phones)
		return phones
	}
	starts, ends := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 6).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "봄맞이 출석", "starts_on": starts, "ends_on": ends,
		"reminder": map[string]any{"time": "20:30", "template_id": tpl.ID,
			"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}})
	if ev.Reminder == nil || ev.Reminder.ScheduleID != fmt.Sprintf("attendance-reminder:%d", ev.ID) {
		t.Fatalf("event reminder %+v", ev.Reminder)
	}
	handle := h.tc.ScheduleClient().GetHandle(ctx, ev.Reminder.ScheduleID)
	expectSpec := func(hour, minute int) {
		t.Helper()
		d, err := handle.Describe(ctx)
		if err != nil {
			t.Fatal(err)
		}
		spec := d.Schedule.Spec
		lastDay, _ := time.ParseInLocation(time.DateOnly, ends, seoul)
		if spec.TimeZoneName != "Asia/Seoul" || len(spec.Calendars) != 1 ||
			len(spec.Calendars[0].Hour) != 1 || spec.Calendars[0].Hour[0].Start != hour ||
			len(spec.Calendars[0].Minute) != 1 || spec.Calendars[0].Minute[0].Start != minute ||
			!spec.EndAt.Equal(lastDay.AddDate(0, 0, 1)) {
			t.Fatalf("schedule spec %+v (calendars %+v)", spec, spec.Calendars)
		}
		action, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
		if !ok || action.Workflow != "AttendanceReminder" || action.TaskQueue != h.cfg.TaskQueue {
			t.Fatalf("schedule action %+v", d.Schedule.Action)
		}
		if next := d.Info.NextActionTimes; len(next) == 0 || next[0].In(seoul).Hour() != hour || next[0].In(seoul).Minute() != minute {
			t.Fatalf("next reminders at %v", next)
		}
	}
	expectSpec(20, 30)
	// Editing the reminder time updates the schedule.
	c.Do("PATCH", fmt.Sprintf("/api/v1/events/%d", ev.ID), map[string]any{
		"reminder": map[string]any{"time": "09:15", "template_id": tpl.ID,
			"routing": map[string]any{"relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}}).Expect(200)
	expectSpec(9, 15)

	checkInOK(t, c, ev.ID, checkedIn.ID)

	// Trigger today's reminder: one campaign, to the one who has not checked in.
	if err := handle.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	first := waitReminderRun(t, h, handle, 1)
	if first.Skipped != "" || first.CampaignID == 0 {
		t.Fatalf("first reminder run %+v", first)
	}
	wantFirst := remindedOn(first.Day, []customerOut{checkedIn}, []customerOut{waiting})
	done := waitCampaign(t, c, first.CampaignID)
	if done.Status != "completed" || done.Total != int64(len(wantFirst)) || done.Delivered != int64(len(wantFirst)) {
		t.Fatalf("reminder campaign %+v, want it to reach %v", done, wantFirst)
	}
	var camp struct {
		AudienceKind string `json:"audience_kind"`
		EventID      int64  `json:"event_id"`
		TemplateID   int64  `json:"template_id"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", first.CampaignID), nil).Expect(200).JSON(&camp)
	if camp.AudienceKind != "event_reminder" || camp.EventID != ev.ID || camp.TemplateID != tpl.ID {
		t.Fatalf("reminder campaign %+v", camp)
	}
	var sent []struct {
		Recipient string `db:"recipient"`
		Body      string `db:"body"`
	}
	if err := h.db.Select(&sent, `SELECT recipient, body FROM campaign_messages WHERE campaign_id = ? ORDER BY recipient`, first.CampaignID); err != nil {
		t.Fatal(err)
	}
	var recipients []string
	for _, m := range sent {
		recipients = append(recipients, m.Recipient)
		if m.Recipient == waiting.Phone && m.Body != "아직안함님, 오늘 봄맞이 출석 출석체크 잊지 마세요!" {
			t.Fatalf("reminder went out as %+v", sent)
		}
	}
	if fmt.Sprint(recipients) != fmt.Sprint(wantFirst) {
		t.Fatalf("reminder went to %v, want %v", recipients, wantFirst)
	}

	// A second run the same day starts nothing new.
	if err := handle.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	second := waitReminderRun(t, h, handle, 2)
	if second.CampaignID != first.CampaignID || !second.AlreadyStarted {
		t.Fatalf("second reminder run %+v", second)
	}
	var reminders int
	if err := h.db.Get(&reminders, `SELECT COUNT(*) FROM campaigns WHERE event_id = ? AND audience_kind = 'event_reminder'`, ev.ID); err != nil {
		t.Fatal(err)
	}
	if stats := simulator.Stats(); reminders != 1 || stats.Unique != int64(len(wantFirst)) || stats.Duplicates != 0 {
		t.Fatalf("%d reminder campaigns, simulator %+v", reminders, stats)
	}
	// The operators are told once that the day's reminder went out.
	notes := listNotifications(t, c, "?size=200").Items
	sentNotes := of(notes, notify.ReminderSent, "campaign_id", first.CampaignID)
	if len(sentNotes) != 1 || sentNotes[0].Subject["event_id"] != ev.ID ||
		len(of(notes, notify.CampaignCompleted, "campaign_id", first.CampaignID)) != 0 {
		t.Fatalf("notifications %+v", notes)
	}

	// A day with nobody left to remind still has its campaign, with no message.
	quiet := createEvent(t, c, map[string]any{"name": "모두 출석", "starts_on": starts, "ends_on": ends,
		"reminder": map[string]any{"time": "20:30", "template_id": tpl.ID}})
	checkInOK(t, c, quiet.ID, checkedIn.ID)
	checkInOK(t, c, quiet.ID, waiting.ID)
	quietHandle := h.tc.ScheduleClient().GetHandle(ctx, quiet.Reminder.ScheduleID)
	if err := quietHandle.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		t.Fatal(err)
	}
	empty := waitReminderRun(t, h, quietHandle, 1)
	wantEmpty := remindedOn(empty.Day, []customerOut{checkedIn, waiting}, nil)
	if done := waitCampaign(t, c, empty.CampaignID); done.Status != "completed" || done.Total != int64(len(wantEmpty)) {
		t.Fatalf("reminder with nobody to remind: %+v (want %v)", done, wantEmpty)
	}
	if stats := simulator.Stats(); stats.Unique != int64(len(wantFirst)+len(wantEmpty)) {
		t.Fatalf("simulator %+v", stats)
	}

	// Removing the reminder, then deleting the event, leaves no schedule.
	c.Do("PATCH", fmt.Sprintf("/api/v1/events/%d", ev.ID), map[string]any{"reminder": nil}).Expect(200)
	expectNoSchedule(t, handle)
	c.Do("PATCH", fmt.Sprintf("/api/v1/events/%d", ev.ID), map[string]any{
		"reminder": map[string]any{"time": "21:00", "template_id": tpl.ID}}).Expect(200)
	expectSpec(21, 0)
	c.Do("DELETE", fmt.Sprintf("/api/v1/events/%d", ev.ID), nil).Expect(204)
	expectNoSchedule(t, handle)
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d", ev.ID), nil).Expect(404)
	c.Do("DELETE", fmt.Sprintf("/api/v1/events/%d", quiet.ID), nil).Expect(204)
	expectNoSchedule(t, quietHandle)
}

func expectNoSchedule(t *testing.T, handle client.ScheduleHandle) {
	t.Helper()
	_, err := handle.Describe(context.Background())
	var missing *serviceerror.NotFound
	if !errors.As(err, &missing) {
		t.Fatalf("schedule %s still there (describe: %v)", handle.GetID(), err)
	}
}

// waitReminderRun waits for the schedule's n-th run to finish and answers its result.
func waitReminderRun(t *testing.T, h *harness, handle client.ScheduleHandle, n int) workflows.ReminderResult {
	t.Helper()
	var run *client.ScheduleWorkflowExecution
	waitFor(t, fmt.Sprintf("reminder run %d to start", n), func() bool {
		d, err := handle.Describe(context.Background())
		if err != nil || len(d.Info.RecentActions) < n {
			return false
		}
		run = d.Info.RecentActions[n-1].StartWorkflowResult
		return run != nil
	})
	var res workflows.ReminderResult
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := h.tc.GetWorkflow(ctx, run.WorkflowID, run.FirstExecutionRunID).Get(ctx, &res); err != nil {
		t.Fatalf("reminder run %s: %v", run.WorkflowID, err)
	}
	if n == 1 {
		h.recordHistory(t, run.WorkflowID, "attendance-reminder.json")
	}
	return res
}
