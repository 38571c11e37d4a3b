package relay

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// HealthyRate is the success rate from which Recommend calls a relay healthy.
const HealthyRate = 0.95

// Standing is one candidate as Recommend judged it.
type Standing struct {
	RelayID int64  `json:"relay_id"`
	Name    string `json:"name"`
	Price   int64  `json:"price"`
	Health  Health `json:"health"`
	Healthy bool   `json:"healthy"`
	Note    string `json:"note"` // why it was or was not chosen
}

// Recommendation says which relay to use for a channel now, and why.
type Recommendation struct {
	Channel Channel `json:"channel"`
	// RelayID is the recommended relay; 0 when no candidate carries the channel.
	RelayID int64  `json:"relay_id"`
	Name    string `json:"name"`
	// Reason is a sentence for people: price, speed and health, and why the others
	// were passed over.
	Reason     string     `json:"reason"`
	Candidates []Standing `json:"candidates"`
}

// Recommend picks the relay to use for ch now: among healthy relays (circuit not
// open and at least HealthyRate of the recent calls without a relay fault, or no
// recent calls), the cheapest; equal prices go to the lower median latency, then
// the larger weight, then the lower id. Without a healthy relay, the one with the
// best success rate whose circuit is not open; if every circuit is open, the one
// that will let a probe through first.
func (r *Router) Recommend(ch Channel, cands []Candidate) Recommendation {
	return Recommend(ch, cands, r.Health)
}

// Recommend is Router.Recommend with the relays' health given by health, for a
// process that reads health recorded elsewhere (the API reads what the worker's
// router recorded).
func Recommend(ch Channel, cands []Candidate, health func(id int64) Health) Recommendation {
	rec := Recommendation{Channel: ch}
	var st []Standing
	weights := map[int64]int{}
	for _, c := range cands {
		if !c.Carries(ch) {
			continue
		}
		h := health(c.ID)
		s := Standing{RelayID: c.ID, Name: c.Name, Price: c.Price, Health: h}
		s.Healthy = h.Breaker.State != Open && (!h.HasData() || h.SuccessRate >= HealthyRate)
		st = append(st, s)
		weights[c.ID] = c.Weight
	}
	if len(st) == 0 {
		rec.Reason = fmt.Sprintf("No relay carries %s messages; add one that does.", ch)
		return rec
	}
	sort.SliceStable(st, func(i, j int) bool {
		a, b := st[i], st[j]
		if a.Healthy != b.Healthy {
			return a.Healthy
		}
		if !a.Healthy {
			ao, bo := a.Health.Breaker.State == Open, b.Health.Breaker.State == Open
			if ao != bo {
				return !ao
			}
			if ao {
				return a.Health.Breaker.RetryAt.Before(b.Health.Breaker.RetryAt)
			}
			if a.Health.SuccessRate != b.Health.SuccessRate {
				return a.Health.SuccessRate > b.Health.SuccessRate
			}
		}
		if a.Price != b.Price {
			return a.Price < b.Price
		}
		if la, lb := latencyKey(a.Health), latencyKey(b.Health); la != lb {
			return la < lb
		}
		if weights[a.RelayID] != weights[b.RelayID] {
			return weights[a.RelayID] > weights[b.RelayID]
		}
		return a.RelayID < b.RelayID
	})
	best := st[0]
	rec.RelayID, rec.Name = best.RelayID, best.Name

	var why string
	switch {
	case best.Healthy && len(st) == 1:
		why = fmt.Sprintf("Use %s: it is the only relay for %s and it is healthy", best.Name, ch)
	case best.Healthy:
		why = fmt.Sprintf("Use %s: it is the cheapest healthy relay for %s (%d per message%s)", best.Name, ch, best.Price, priceComparison(best, st[1:]))
	case best.Health.Breaker.State == Open:
		why = fmt.Sprintf("Every relay for %s has its circuit open; %s will be probed first, at %s UTC", ch, best.Name, best.Health.Breaker.RetryAt.UTC().Format(time.TimeOnly))
	default:
		why = fmt.Sprintf("No relay for %s is healthy; %s fails least", ch, best.Name)
	}
	parts := []string{why + ", " + describeHealth(best.Health) + "."}
	best.Note = "recommended"
	st[0] = best
	for i := 1; i < len(st); i++ {
		s := &st[i]
		switch {
		case s.Health.Breaker.State == Open:
			s.Note = fmt.Sprintf("circuit open after repeated faults; next probe at %s UTC", s.Health.Breaker.RetryAt.UTC().Format(time.TimeOnly))
		case !s.Healthy:
			s.Note = fmt.Sprintf("only %.0f%% of recent calls succeeded", s.Health.SuccessRate*100)
		case s.Price > best.Price:
			s.Note = fmt.Sprintf("costs more (%d per message)", s.Price)
		default:
			s.Note = "slower: " + describeHealth(s.Health)
		}
		parts = append(parts, fmt.Sprintf("%s: %s.", s.Name, s.Note))
	}
	rec.Reason = strings.Join(parts, " ")
	rec.Candidates = st
	return rec
}

func latencyKey(h Health) time.Duration {
	if !h.HasData() {
		return time.Duration(1<<63 - 1)
	}
	return h.P50
}

func priceComparison(best Standing, others []Standing) string {
	var pricier []string
	for _, o := range others {
		if o.Price > best.Price {
			pricier = append(pricier, fmt.Sprintf("%d at %s", o.Price, o.Name))
		}
	}
	if len(pricier) == 0 {
		return ""
	}
	return " against " + strings.Join(pricier, ", ")
}

func describeHealth(h Health) string {
	if !h.HasData() {
		return "no calls in the last " + windowText(h.Window) + " to judge it by"
	}
	return fmt.Sprintf("%.1f%% of %d calls succeeded in the last %s, median latency %s (p95 %s)",
		h.SuccessRate*100, h.Calls, windowText(h.Window), h.P50.Round(time.Millisecond), h.P95.Round(time.Millisecond))
}

// windowText says "minute", "5 minutes" or "30s".
func windowText(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.String()
}
