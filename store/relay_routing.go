package store

import (
	"fmt"

	"github.com/sendingo/sendingo/relay"
)

// MaxRoutingRelays is the most relays one routing may name (a campaign's, a
// schedule's, an event's reminder or notice).
const MaxRoutingRelays = 20

// RoutingProblem is one thing wrong with a routing. Field is relative to the
// routing: "mode", "relays", "relays[2].relay_id".
type RoutingProblem struct {
	Field, Message string
}

// Check is the one definition of a valid routing, for campaigns, schedules
// and events alike: it fills in the default mode (weighted) and says what is
// wrong: an unknown mode, more than MaxRoutingRelays relays, a relay without
// an id or named twice, a negative weight, or weighted routing whose weights
// are all zero. With exists, each relay named is also looked up (a relay of
// another account does not exist); without, whether they exist is not asked.
func (r *Routing) Check(exists func(relayID int64) (bool, error)) ([]RoutingProblem, error) {
	var out []RoutingProblem
	add := func(field, format string, args ...any) {
		out = append(out, RoutingProblem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if r.Mode == "" {
		r.Mode = string(relay.ModeWeighted)
	}
	if !relay.Mode(r.Mode).Valid() {
		add("mode", "must be weighted, cheapest or fastest")
	}
	if len(r.Relays) > MaxRoutingRelays {
		add("relays", "may name at most %d relays", MaxRoutingRelays)
		return out, nil
	}
	seen := map[int64]bool{}
	total := 0
	for i, rr := range r.Relays {
		f := fmt.Sprintf("relays[%d]", i)
		switch {
		case rr.RelayID <= 0:
			add(f+".relay_id", "is required")
			continue
		case seen[rr.RelayID]:
			add(f+".relay_id", "names relay %d twice", rr.RelayID)
			continue
		}
		seen[rr.RelayID] = true
		if rr.Weight < 0 {
			add(f+".weight", "must not be negative")
		}
		total += rr.Weight
		if exists == nil {
			continue
		}
		if ok, err := exists(rr.RelayID); err != nil {
			return nil, err
		} else if !ok {
			add(f+".relay_id", "relay %d does not exist", rr.RelayID)
		}
	}
	if r.Mode == string(relay.ModeWeighted) && len(r.Relays) > 0 && total == 0 {
		add("relays", "weighted routing needs a relay with a positive weight")
	}
	return out, nil
}
