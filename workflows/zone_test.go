package workflows

import (
	"testing"
	"time"
)

// A Zone read for a year answers as the real location does, across daylight
// saving transitions both ways.
func TestZoneAgreesWithTheLocation(t *testing.T) {
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, name := range []string{"Asia/Seoul", "Europe/Berlin", "America/Los_Angeles", "Australia/Sydney"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		z := ZoneOf(loc, from, ZoneHorizon)
		if z.Name != name {
			t.Errorf("zone name %q", z.Name)
		}
		for at := from; at.Before(from.AddDate(1, 0, 0)); at = at.Add(30 * time.Minute) {
			want := at.In(loc)
			got := z.In(at)
			if !got.Equal(at) || got.Format(time.RFC3339+" MST") != want.Format(time.RFC3339+" MST") {
				t.Fatalf("%s: In(%v) = %v, want %v", name, at, got, want)
			}
			// Wall times that exist once: not within a transition's hour.
			if start, end := want.ZoneBounds(); want.Sub(start) < 2*time.Hour || (!end.IsZero() && end.Sub(want) < 2*time.Hour) {
				continue
			}
			d := z.Date(want.Year(), want.Month(), want.Day(), want.Hour(), want.Minute(), 0, 0)
			if !d.Equal(at) {
				t.Fatalf("%s: Date(%v) = %v, want %v", name, want, d, at)
			}
		}
	}
}
