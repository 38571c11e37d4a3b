package relay

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

func call(t *testing.T, b *Breaker, ok bool) {
	t.Helper()
	tk, allowed := b.Allow()
	if !allowed {
		t.Fatal("call refused")
	}
	b.Done(tk, ok)
}

func TestBreakerOpensOnConsecutiveFailures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBreaker(BreakerOptions{Failures: 3, Cooldown: 30 * time.Second})
		call(t, b, false)
		call(t, b, false)
		call(t, b, true) // a success resets the run
		call(t, b, false)
		call(t, b, false)
		if b.State() != Closed {
			t.Fatalf("state %v after 2 failures in a row", b.State())
		}
		call(t, b, false)
		if b.State() != Open {
			t.Fatalf("state %v after 3 failures in a row", b.State())
		}
		if _, ok := b.Allow(); ok {
			t.Fatal("an open circuit let a call through")
		}
		time.Sleep(29 * time.Second)
		if _, ok := b.Allow(); ok {
			t.Fatal("allowed before the cool-down")
		}
		time.Sleep(time.Second)
		if b.State() != HalfOpen {
			t.Errorf("state %v after the cool-down", b.State())
		}
		probe, ok := b.Allow()
		if !ok {
			t.Fatal("no probe after the cool-down")
		}
		if _, ok := b.Allow(); ok {
			t.Fatal("a second call during the probe")
		}
		b.Done(probe, true)
		if b.State() != Closed {
			t.Fatalf("state %v after a good probe", b.State())
		}
		call(t, b, true)
	})
}

func TestBreakerFailedProbeReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBreaker(BreakerOptions{Failures: 1, Cooldown: 10 * time.Second})
		call(t, b, false)
		time.Sleep(10 * time.Second)
		probe, ok := b.Allow()
		if !ok {
			t.Fatal("no probe")
		}
		b.Done(probe, false)
		if b.State() != Open {
			t.Fatalf("state %v after a failed probe", b.State())
		}
		if s := b.Snapshot(); !s.RetryAt.Equal(time.Now().Add(10 * time.Second)) {
			t.Errorf("retry at %v", s.RetryAt)
		}
		// A probe that never reports is replaced after another cool-down.
		time.Sleep(10 * time.Second)
		if _, ok := b.Allow(); !ok {
			t.Fatal("no probe")
		}
		time.Sleep(5 * time.Second)
		if _, ok := b.Allow(); ok {
			t.Fatal("second probe too early")
		}
		time.Sleep(5 * time.Second)
		if _, ok := b.Allow(); !ok {
			t.Fatal("the lost probe blocks the circuit")
		}
	})
}

func TestBreakerIgnoresStaleTickets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBreaker(BreakerOptions{Failures: 1, Cooldown: time.Second})
		slow, _ := b.Allow() // a call that started while closed …
		call(t, b, false)    // … the circuit opens meanwhile …
		time.Sleep(time.Second)
		probe, _ := b.Allow()
		b.Done(slow, true) // … and its late success must not close it
		if b.State() != HalfOpen {
			t.Fatalf("state %v", b.State())
		}
		b.Done(probe, false)
		if b.State() != Open {
			t.Fatalf("state %v", b.State())
		}
	})
}

func TestBreakerOpensOnFailureRatio(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewBreaker(BreakerOptions{Failures: 100, Ratio: 0.5, MinCalls: 10, Window: time.Minute})
		// Alternating results never make a run, but half the calls fail.
		for i := 0; i < 9; i++ {
			call(t, b, i%2 == 0)
		}
		if b.State() != Closed {
			t.Fatal("opened before MinCalls")
		}
		call(t, b, false) // 10 calls, 5 failures
		if b.State() != Open {
			t.Fatalf("state %v at 50%% failures", b.State())
		}

		// Old failures slide out of the window: 8 of 9 failed (too few calls to judge),
		// two minutes pass, then 4 of 10 fail. Counted together that would be 12 of 19.
		b = NewBreaker(BreakerOptions{Failures: 100, Ratio: 0.5, MinCalls: 10, Window: time.Minute})
		for i := 0; i < 9; i++ {
			call(t, b, i == 0)
		}
		time.Sleep(2 * time.Minute)
		for i := 0; i < 10; i++ {
			call(t, b, i < 6)
		}
		if b.State() != Closed {
			t.Fatal("failures from outside the window opened the circuit")
		}
	})
}

func TestLimiterReserve(t *testing.T) {
	clock := newClock()
	l := NewLimiter(100, 50, clock.Now)
	if d := l.Reserve(50); d != 0 {
		t.Errorf("a full bucket made us wait %v", d)
	}
	if d := l.Reserve(10); d != 100*time.Millisecond {
		t.Errorf("wait %v, want 100ms", d)
	}
	clock.Advance(100 * time.Millisecond)
	if d := l.Reserve(500); d != 5*time.Second {
		t.Errorf("a batch of 500 at 100/s waits %v, want 5s", d)
	}
	clock.Advance(10 * time.Second) // refills to the burst, not beyond
	if d := l.Reserve(50); d != 0 {
		t.Errorf("wait %v after refill", d)
	}
	if d := l.Reserve(1); d != 10*time.Millisecond {
		t.Errorf("the bucket overfilled: wait %v", d)
	}

	unlimited := NewLimiter(0, 0, clock.Now)
	if d := unlimited.Reserve(1_000_000); d != 0 {
		t.Errorf("unlimited waits %v", d)
	}
	l.SetRate(1000, 1000)
	if r, b := l.Rate(); r != 1000 || b != 1000 {
		t.Errorf("rate %v burst %v", r, b)
	}
}

func TestLimiterWait(t *testing.T) {
	// 10 in the bucket, 20 to earn (20 ms at 1,000/s): Wait takes all 30, so on a
	// clock that stands still the bucket then owes 20.
	l := NewLimiter(1000, 10, newClock().Now)
	if err := l.Wait(context.Background(), 30); err != nil {
		t.Fatal(err)
	}
	if d := l.Reserve(0); d != 20*time.Millisecond {
		t.Errorf("after waiting for 30 the bucket owes %v, want 20ms", d)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	slow := NewLimiter(1, 1, nil)
	_ = slow.Wait(context.Background(), 1)
	if err := slow.Wait(ctx, 100); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v", err)
	}
	// The cancelled reservation gave its tokens back: one more second's wait, not 100.
	if d := slow.Reserve(1); d > 2*time.Second {
		t.Errorf("tokens not returned: wait %v", d)
	}
}
