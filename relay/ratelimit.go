package relay

import (
	"context"
	"math"
	"sync"
	"time"
)

// Limiter is a token bucket: Rate messages per second, up to Burst at once. A call
// of n messages takes n tokens; when that is more than the bucket holds, the caller
// waits for the tokens to accrue (the bucket goes into debt), so a batch of 500
// through a 100 msg/s relay waits about four seconds rather than being refused.
// Safe for concurrent use.
type Limiter struct {
	mu     sync.Mutex
	rate   float64 // tokens per second; ≤ 0 means unlimited
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

// NewLimiter returns a full bucket. rate ≤ 0 means unlimited; burst ≤ 0 means one
// second's worth of rate (at least 1).
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{now: now}
	l.set(rate, burst)
	l.tokens = l.burst
	l.last = now()
	return l
}

func (l *Limiter) set(rate float64, burst int) {
	l.rate = rate
	l.burst = float64(burst)
	if burst <= 0 {
		l.burst = math.Max(1, math.Ceil(rate))
	}
}

// SetRate changes the rate and burst, keeping the tokens already earned.
func (l *Limiter) SetRate(rate float64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refill(l.now())
	wasUnlimited := l.rate <= 0
	l.set(rate, burst)
	if wasUnlimited {
		l.tokens = l.burst // a newly limited relay starts with a full bucket
	}
	l.tokens = math.Min(l.tokens, l.burst)
}

// Rate returns the configured rate and burst.
func (l *Limiter) Rate() (float64, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate, int(l.burst)
}

func (l *Limiter) refill(now time.Time) {
	if el := now.Sub(l.last); el > 0 {
		l.tokens = math.Min(l.burst, l.tokens+el.Seconds()*l.rate)
		l.last = now
	}
}

// Reserve takes n tokens now and returns how long the caller must wait before
// using them (0 when they were there).
func (l *Limiter) Reserve(n int) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return 0
	}
	l.refill(l.now())
	l.tokens -= float64(n)
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / l.rate * float64(time.Second))
}

// cancel gives back n tokens of a reservation that was not used.
func (l *Limiter) cancel(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate > 0 {
		l.refill(l.now())
		l.tokens = math.Min(l.burst, l.tokens+float64(n))
	}
}

// Wait blocks until n messages may go, or ctx ends (the tokens are then given back
// and ctx's error returned).
func (l *Limiter) Wait(ctx context.Context, n int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := l.Reserve(n)
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		l.cancel(n)
		return ctx.Err()
	}
}
