package store_test

import (
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
)

// A run of days is alive while its last day is today or yesterday; tiers go by
// the streak when the event counts consecutive days, by the total otherwise.
func TestStandingCountsAStreakOnlyWhileItIsAlive(t *testing.T) {
	today := time.Date(2026, 5, 10, 0, 0, 0, 0, time.UTC)
	day := func(back int) time.Time { return today.AddDate(0, 0, -back) }
	for _, tc := range []struct {
		counting        string
		last            time.Time
		total, streak   int
		wantStreak, due int
	}{
		{store.CountingConsecutive, day(0), 5, 3, 3, 3},
		{store.CountingConsecutive, day(1), 5, 3, 3, 3},
		{store.CountingConsecutive, day(2), 5, 3, 0, 0},
		{store.CountingTotal, day(2), 5, 3, 0, 5},
		{store.CountingTotal, time.Time{}, 0, 0, 0, 0},
	} {
		e := store.Event{Counting: tc.counting}
		got := e.StandingOn(today, tc.last, tc.total, tc.streak)
		if got.TotalDays != tc.total || got.StreakDays != tc.wantStreak || got.DayCount != tc.due {
			t.Errorf("%s, last %s: %+v, want streak %d, day count %d", tc.counting, tc.last.Format(time.DateOnly), got,
				tc.wantStreak, tc.due)
		}
	}
	tiers := []store.Tier{{ID: 1, Days: 3}, {ID: 2, Days: 7}}
	if next, until, ok := store.NextTier(tiers, map[int64]bool{1: true}, 4); !ok || next.ID != 2 || until != 3 {
		t.Errorf("next tier after holding 1 at 4 days: %d in %d (%v)", next.ID, until, ok)
	}
	if next, until, ok := store.NextTier(tiers, map[int64]bool{}, 5); !ok || next.ID != 1 || until != 1 {
		t.Errorf("a passed tier not held: %d in %d (%v), want 1 in 1", next.ID, until, ok)
	}
}
