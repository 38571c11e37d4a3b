package relay

import (
	"encoding/json"
	"slices"
	"sync"
	"time"
)

// healthSamples bounds the calls remembered per relay: enough for stable
// percentiles, small enough to sort on every health request.
const healthSamples = 512

type callSample struct {
	at       time.Time
	latency  time.Duration
	fault    bool
	messages int
}

// healthWindow remembers a relay's recent calls (a ring of healthSamples).
type healthWindow struct {
	mu    sync.Mutex
	ring  [healthSamples]callSample
	next  int
	count int
}

func (h *healthWindow) add(s callSample) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ring[h.next] = s
	h.next = (h.next + 1) % healthSamples
	if h.count < healthSamples {
		h.count++
	}
}

// Health is a relay's recent record: the calls of the last Window (at most the
// last 512 calls).
type Health struct {
	RelayID  int64         `json:"relay_id"`
	Window   time.Duration `json:"-"`
	Calls    int           `json:"calls"`
	Faults   int           `json:"faults"`
	Messages int           `json:"messages"`
	// SuccessRate is the share of calls without a relay fault, 0..1; meaningless
	// when Calls is 0.
	SuccessRate float64         `json:"success_rate"`
	P50         time.Duration   `json:"-"`
	P95         time.Duration   `json:"-"`
	Breaker     BreakerSnapshot `json:"breaker"`
}

// MarshalJSON writes durations in milliseconds.
func (h Health) MarshalJSON() ([]byte, error) {
	type plain Health
	return json.Marshal(struct {
		plain
		WindowSeconds float64 `json:"window_seconds"`
		P50Ms         float64 `json:"latency_p50_ms"`
		P95Ms         float64 `json:"latency_p95_ms"`
	}{plain(h), h.Window.Seconds(), ms(h.P50), ms(h.P95)})
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// HasData reports whether the window holds any call.
func (h Health) HasData() bool { return h.Calls > 0 }

func (h *healthWindow) snapshot(now time.Time, window time.Duration) Health {
	h.mu.Lock()
	lat := make([]time.Duration, 0, h.count)
	var out Health
	for i := 0; i < h.count; i++ {
		s := h.ring[i]
		if now.Sub(s.at) > window {
			continue
		}
		out.Calls++
		out.Messages += s.messages
		if s.fault {
			out.Faults++
		}
		lat = append(lat, s.latency)
	}
	h.mu.Unlock()
	out.Window = window
	if out.Calls > 0 {
		out.SuccessRate = float64(out.Calls-out.Faults) / float64(out.Calls)
		slices.Sort(lat)
		out.P50 = percentile(lat, 50)
		out.P95 = percentile(lat, 95)
	}
	return out
}

// percentile is the nearest-rank percentile of sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
