package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/workflows"
)

// A reminder is its scheduled day's: a run the Schedule caught up after that
// day ended sends nothing (the day is over, and the next day's reminder is
// due at its own time, not made early), while a run late within the day, or
// one recorded before runs said when they started, makes the day's campaign.
func TestAReminderThatStartsAfterItsDayEndedSendsNothing(t *testing.T) {
	ctx := context.Background()
	st, acts, acc := newAccount(t, "reminder")
	tpl, err := st.SaveTemplate(ctx, acc.ID, store.Template{Name: "출석 알림", Channel: "sms", Body: "오늘 출석하셨나요?"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := st.SaveEvent(ctx, acc.ID, store.Event{Name: "3월 출석", Timezone: "Asia/Seoul",
		StartsOn: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), EndsOn: time.Date(2026, 3, 31, 0, 0, 0, 0, time.UTC),
		Counting: store.CountingTotal, ReminderTime: "23:30", ReminderTemplateID: tpl.ID})
	if err != nil {
		t.Fatal(err)
	}
	seoul := ev.Location()
	due := time.Date(2026, 3, 2, 23, 30, 0, 0, seoul)
	prepare := func(runAt time.Time) workflows.PrepareReminderResult {
		t.Helper()
		out, err := acts.PrepareReminder(ctx, workflows.PrepareReminderInput{AccountID: acc.ID, EventID: ev.ID, At: due, RunAt: runAt})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	campaigns := func() int {
		var n int
		if err := testenv.DB(t).Get(&n, `SELECT COUNT(*) FROM campaigns WHERE account_id = ? AND event_id = ?`, acc.ID, ev.ID); err != nil {
			t.Fatal(err)
		}
		return n
	}

	late := prepare(time.Date(2026, 3, 3, 0, 10, 0, 0, seoul))
	if late.Day != "2026-03-02" || late.Skipped == "" || late.CampaignID != 0 || campaigns() != 0 {
		t.Fatalf("a run after the day ended: %+v, %d campaigns", late, campaigns())
	}
	onTime := prepare(due.Add(20 * time.Minute))
	if onTime.Day != "2026-03-02" || onTime.Skipped != "" || onTime.CampaignID == 0 {
		t.Fatalf("a run late within the day: %+v", onTime)
	}
	if old := prepare(time.Time{}); old.CampaignID != onTime.CampaignID || campaigns() != 1 {
		t.Fatalf("a run without RunAt: %+v, %d campaigns", old, campaigns())
	}
}
