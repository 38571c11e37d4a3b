package activities

import (
	"context"
	"time"

	"github.com/sendingo/sendingo/tz"
	"github.com/sendingo/sendingo/workflows"
)

// ResolveZone reads time zone in.Name (tz.Location's fallback applied) for a
// workflow: its offsets from in.From to workflows.ZoneHorizon later. It reads
// only the tzdata built into the binary, so it is idempotent.
func (a *Activities) ResolveZone(_ context.Context, in workflows.ResolveZoneInput) (workflows.Zone, error) {
	from := in.From
	if from.IsZero() {
		from = time.Now()
	}
	return workflows.ZoneOf(tz.Location(in.Name), from, workflows.ZoneHorizon), nil
}
