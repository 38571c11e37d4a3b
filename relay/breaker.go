package relay

import (
	"errors"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// BreakerState is the state of a circuit breaker.
type BreakerState int

// Breaker states.
const (
	// Closed: calls flow; failures are counted.
	Closed BreakerState = iota
	// Open: calls are refused until the cool-down has passed.
	Open
	// HalfOpen: the cool-down has passed; one probe call decides.
	HalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case Closed:
		return "closed"
	case Open:
		return "open"
	case HalfOpen:
		return "half_open"
	}
	return "unknown"
}

// MarshalText writes the state's name.
func (s BreakerState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

func stateOf(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateOpen:
		return Open
	case gobreaker.StateHalfOpen:
		return HalfOpen
	}
	return Closed
}

// BreakerOptions tune a Breaker. Zero fields take the defaults shown. The breaker
// reads the wall clock (time.Now); tests move it with testing/synctest.
type BreakerOptions struct {
	Failures int           // consecutive failed calls that open the circuit (5)
	Ratio    float64       // failed share of the calls in Window that opens it (0.5)
	MinCalls int           // calls in Window before Ratio applies (20)
	Window   time.Duration // the ratio's sliding window (60 s)
	Cooldown time.Duration // how long the circuit stays open before a probe (30 s)
	// OnTransition, when set, is called on every change of state, in order, with
	// the breaker's lock held: it must return at once and not call the breaker.
	OnTransition func(from, to BreakerState)
}

func (o BreakerOptions) withDefaults() BreakerOptions {
	if o.Failures <= 0 {
		o.Failures = 5
	}
	if o.Ratio <= 0 || o.Ratio > 1 {
		o.Ratio = 0.5
	}
	if o.MinCalls <= 0 {
		o.MinCalls = 20
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.Cooldown <= 0 {
		o.Cooldown = 30 * time.Second
	}
	return o
}

// breakerWindowBuckets is how many buckets the ratio's sliding window rolls by.
const breakerWindowBuckets = 10

// errLostProbe reports a half-open probe whose caller never answered; gobreaker
// excludes it from the counts, which frees the probe slot.
var errLostProbe = errors.New("relay: probe lost")

// Ticket identifies a call the breaker allowed, so that the result of a call that
// started before the circuit opened cannot close it again (gobreaker's generations).
type Ticket struct{ c *breakerCall }

type breakerCall struct {
	done     func(error)
	gen      uint64 // our generation, for the consecutive-failure count
	reported bool
}

// Breaker is a circuit breaker for one relay, github.com/sony/gobreaker with the
// relay's rules: closed → open after Failures consecutive failed calls or a failed
// share of at least Ratio over Window → half-open after Cooldown, letting one
// probe call through → closed if the probe succeeds, open again if it fails. A
// probe whose caller vanished is replaced after another Cooldown. Safe for
// concurrent use.
type Breaker struct {
	mu          sync.Mutex // around every call into cb, so that the fields below follow it
	o           BreakerOptions
	cb          *gobreaker.TwoStepCircuitBreaker[struct{}]
	gen         uint64 // bumped on every transition
	consecutive int    // consecutive failures while closed; kept while open, for health pages
	openedAt    time.Time
	probe       *breakerCall
	probeAt     time.Time
}

// NewBreaker returns a closed breaker.
func NewBreaker(o BreakerOptions) *Breaker {
	b := &Breaker{o: o.withDefaults()}
	o = b.o
	b.cb = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		MaxRequests:  1,
		Interval:     o.Window,
		BucketPeriod: o.Window / breakerWindowBuckets,
		// gobreaker lets the probe through strictly after Timeout; ours goes at Cooldown.
		Timeout: max(o.Cooldown-time.Nanosecond, time.Nanosecond),
		ReadyToTrip: func(c gobreaker.Counts) bool {
			calls := c.TotalSuccesses + c.TotalFailures
			return b.consecutive >= o.Failures ||
				(int(calls) >= o.MinCalls && float64(c.TotalFailures) >= o.Ratio*float64(calls))
		},
		IsExcluded: func(err error) bool { return err == errLostProbe },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			b.gen++
			b.probe = nil
			switch stateOf(to) {
			case Open:
				b.openedAt = time.Now()
			case Closed:
				b.consecutive, b.openedAt = 0, time.Time{}
			}
			if b.o.OnTransition != nil {
				b.o.OnTransition(stateOf(from), stateOf(to))
			}
		},
	})
	return b
}

// Allow asks whether a call may go to the relay now. When it may, report the call's
// result with Done and the returned ticket.
func (b *Breaker) Allow() (Ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	// A probe whose caller vanished (cancelled, crashed) must not hold the circuit
	// half-open forever: after another cool-down, probe again.
	if p := b.probe; p != nil && now.Sub(b.probeAt) >= b.o.Cooldown && b.cb.State() == gobreaker.StateHalfOpen {
		p.reported = true
		p.done(errLostProbe)
		b.probe = nil
	}
	done, err := b.cb.Allow()
	if err != nil {
		return Ticket{}, false
	}
	c := &breakerCall{done: done, gen: b.gen}
	if b.cb.State() == gobreaker.StateHalfOpen {
		b.probe, b.probeAt = c, now
	}
	return Ticket{c}, true
}

// Done reports the result of a call allowed with t.
func (b *Breaker) Done(t Ticket, ok bool) {
	if t.c == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.c.reported {
		return
	}
	t.c.reported = true
	if t.c.gen == b.gen && b.cb.State() == gobreaker.StateClosed {
		if ok {
			b.consecutive = 0
		} else {
			b.consecutive++
		}
	}
	var err error
	if !ok {
		err = errCallFailed
	}
	t.c.done(err)
}

var errCallFailed = errors.New("relay: call failed")

// BreakerSnapshot is a breaker's state for health pages.
type BreakerSnapshot struct {
	State               BreakerState `json:"state"`
	ConsecutiveFailures int          `json:"consecutive_failures"`
	OpenedAt            time.Time    `json:"opened_at,omitzero"`
	// RetryAt is when an open circuit lets a probe through.
	RetryAt time.Time `json:"retry_at,omitzero"`
}

// Snapshot returns the state now (an open circuit whose cool-down has passed reads
// as half-open).
func (b *Breaker) Snapshot() BreakerSnapshot {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := BreakerSnapshot{State: stateOf(b.cb.State()), ConsecutiveFailures: b.consecutive}
	// An open circuit whose cool-down has passed reads as half-open, still with
	// the times, until its probe goes.
	if s.State == Open || (s.State == HalfOpen && b.probe == nil && !b.openedAt.IsZero()) {
		s.OpenedAt, s.RetryAt = b.openedAt, b.openedAt.Add(b.o.Cooldown)
	}
	return s
}

// State is Snapshot().State.
func (b *Breaker) State() BreakerState { return b.Snapshot().State }
