// Package tz is the one place an account's time zone name becomes a
// *time.Location, with the one fallback every caller shares.
package tz

import "time"

// Default is the zone of an account without one: the accounts column's default.
const Default = "Asia/Seoul"

// kst stands in for Seoul where tzdata is missing: Korea has had no daylight
// saving time since 1988, so a fixed +09:00 is exact for any date we send on.
var kst = time.FixedZone("KST", 9*60*60)

// Location loads zone name. An empty or unknown name is Default, and Default
// without tzdata is a fixed +09:00.
func Location(name string) *time.Location {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	if loc, err := time.LoadLocation(Default); err == nil {
		return loc
	}
	return kst
}
