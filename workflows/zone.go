package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/sendingo/sendingo/tz"
)

// ActivityResolveZone reads an account's time zone for a workflow (ZoneOf).
const ActivityResolveZone = "ResolveZone"

// versionZoneActivity: the campaign's zone comes from ActivityResolveZone, not
// from tzdata read in workflow code.
const versionZoneActivity = "zone-activity"

// ZoneHorizon is how far ahead a Zone lists its offsets; past it the last one
// holds. A campaign run continues as new long before.
const ZoneHorizon = 400 * 24 * time.Hour

// ResolveZoneInput names the zone (an account's, "" for the default) and the
// instant from which the workflow needs it.
type ResolveZoneInput struct {
	Name string
	From time.Time
}

// ZoneActivities resolves time zones for workflows.
type ZoneActivities interface {
	ResolveZone(ctx context.Context, in ResolveZoneInput) (Zone, error)
}

// Zone is a time zone as workflow code can use it without reading tzdata: the
// offsets it takes from an instant on. An activity reads them (ZoneOf), so a
// replay computes with what the run saw.
type Zone struct {
	Name    string       // the zone resolved: tz.Location's fallback applied
	Periods []ZonePeriod // in order; each lasts until the next begins
}

// ZonePeriod is a stretch of time with one UTC offset.
type ZonePeriod struct {
	From   time.Time // zero for the first period: since ever
	Abbrev string    // e.g. KST, CET, CEST
	Offset int       // seconds east of UTC
}

// ZoneOf lists loc's offsets from from to horizon later.
func ZoneOf(loc *time.Location, from time.Time, horizon time.Duration) Zone {
	z := Zone{Name: loc.String()}
	end := from.Add(horizon)
	for t := from; ; {
		abbrev, offset := t.In(loc).Zone()
		p := ZonePeriod{Abbrev: abbrev, Offset: offset}
		if len(z.Periods) > 0 {
			p.From = t
		}
		z.Periods = append(z.Periods, p)
		_, next := t.In(loc).ZoneBounds()
		if next.IsZero() || !next.Before(end) {
			return z
		}
		t = next
	}
}

// location is the fixed zone of the period t falls in.
func (z Zone) location(t time.Time) *time.Location {
	if len(z.Periods) == 0 {
		return time.UTC
	}
	p := z.Periods[0]
	for _, q := range z.Periods[1:] {
		if t.Before(q.From) {
			break
		}
		p = q
	}
	return time.FixedZone(p.Abbrev, p.Offset)
}

// In is t in z.
func (z Zone) In(t time.Time) time.Time { return t.In(z.location(t)) }

// Date is time.Date in z: the wall time with the offset in force at it.
func (z Zone) Date(year int, month time.Month, day, hour, min, sec, nsec int) time.Time {
	wall := time.Date(year, month, day, hour, min, sec, nsec, time.UTC)
	// The offset in force an offset's width from the wall time read as UTC is the
	// one at the wall time itself, except within an hour or so of a transition.
	_, offset := wall.In(z.location(wall)).Zone()
	at := wall.Add(-time.Duration(offset) * time.Second)
	return time.Date(year, month, day, hour, min, sec, nsec, z.location(at))
}

// resolveZone is the zone a workflow computes with from now on: the account's
// zone read by ActivityResolveZone, or, in histories recorded before that
// activity, read here as those runs did.
func resolveZone(ctx workflow.Context, name string) (Zone, error) {
	now := workflow.Now(ctx)
	if workflow.GetVersion(ctx, versionZoneActivity, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return ZoneOf(tz.Location(name), now, ZoneHorizon), nil
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: shortActivityBound, RetryPolicy: quickRetry(0)})
	var z Zone
	err := workflow.ExecuteActivity(actx, ActivityResolveZone, ResolveZoneInput{Name: name, From: now}).Get(ctx, &z)
	return z, err
}
