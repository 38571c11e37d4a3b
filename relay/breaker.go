package relay

import (
	"sync"
	"time"
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

// BreakerOptions tune a Breaker. Zero fields take the defaults shown.
type BreakerOptions struct {
	Failures int           // consecutive failed calls that open the circuit (5)
	Ratio    float64       // failed share of the calls in Window that opens it (0.5)
	MinCalls int           // calls in Window before Ratio applies (20)
	Window   time.Duration // the ratio's sliding window (60 s)
	Cooldown time.Duration // how long the circuit stays open before a probe (30 s)
	Now      func() time.Time
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
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Ticket identifies the state a call was allowed in, so that the result of a call
// that started before the circuit opened cannot close it again.
type Ticket uint64

const breakerBuckets = 10

// Breaker is a circuit breaker for one relay: closed → open after Failures
// consecutive failed calls or a failed share of at least Ratio over Window →
// half-open after Cooldown, letting one probe call through → closed if the probe
// succeeds, open again if it fails. Safe for concurrent use.
type Breaker struct {
	mu          sync.Mutex
	o           BreakerOptions
	state       BreakerState
	gen         uint64 // bumped on every transition; tickets of older generations are ignored
	consecutive int
	openedAt    time.Time
	probing     bool
	probeAt     time.Time
	buckets     [breakerBuckets]struct {
		slot         int64
		calls, fails int
	}
}

// NewBreaker returns a closed breaker.
func NewBreaker(o BreakerOptions) *Breaker {
	return &Breaker{o: o.withDefaults()}
}

// Allow asks whether a call may go to the relay now. When it may, report the call's
// result with Done and the returned ticket.
func (b *Breaker) Allow() (Ticket, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.o.Now()
	switch b.state {
	case Open:
		if now.Sub(b.openedAt) < b.o.Cooldown {
			return 0, false
		}
		b.transition(HalfOpen)
		b.probing, b.probeAt = true, now
		return Ticket(b.gen), true
	case HalfOpen:
		// A probe whose caller vanished (cancelled, crashed) must not hold the
		// circuit half-open forever: after another cool-down, probe again.
		if b.probing && now.Sub(b.probeAt) < b.o.Cooldown {
			return 0, false
		}
		b.probing, b.probeAt = true, now
		return Ticket(b.gen), true
	}
	return Ticket(b.gen), true
}

// Done reports the result of a call allowed with t.
func (b *Breaker) Done(t Ticket, ok bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if uint64(t) != b.gen {
		return
	}
	now := b.o.Now()
	switch b.state {
	case HalfOpen:
		if ok {
			b.transition(Closed)
		} else {
			b.transition(Open)
			b.openedAt = now
		}
	case Closed:
		bk := &b.buckets[b.slot(now)%breakerBuckets]
		if s := b.slot(now); bk.slot != s {
			bk.slot, bk.calls, bk.fails = s, 0, 0
		}
		bk.calls++
		if ok {
			b.consecutive = 0
			return
		}
		bk.fails++
		b.consecutive++
		calls, fails := b.window(now)
		if b.consecutive >= b.o.Failures || (calls >= b.o.MinCalls && float64(fails) >= b.o.Ratio*float64(calls)) {
			b.transition(Open)
			b.openedAt = now
		}
	}
}

func (b *Breaker) transition(s BreakerState) {
	if b.o.OnTransition != nil && s != b.state {
		b.o.OnTransition(b.state, s)
	}
	b.state = s
	b.gen++
	b.probing = false
	if s == Closed {
		b.consecutive = 0
		for i := range b.buckets {
			b.buckets[i].calls, b.buckets[i].fails = 0, 0
		}
	}
}

func (b *Breaker) slot(now time.Time) int64 {
	return now.UnixNano() / int64(b.o.Window/breakerBuckets)
}

// window sums the calls of the buckets inside Window.
func (b *Breaker) window(now time.Time) (calls, fails int) {
	cur := b.slot(now)
	for _, bk := range b.buckets {
		if cur-bk.slot < breakerBuckets {
			calls += bk.calls
			fails += bk.fails
		}
	}
	return calls, fails
}

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
	s := BreakerSnapshot{State: b.state, ConsecutiveFailures: b.consecutive}
	if b.state == Open {
		s.OpenedAt, s.RetryAt = b.openedAt, b.openedAt.Add(b.o.Cooldown)
		if !b.o.Now().Before(s.RetryAt) {
			s.State = HalfOpen
		}
	}
	return s
}

// State is Snapshot().State.
func (b *Breaker) State() BreakerState { return b.Snapshot().State }
