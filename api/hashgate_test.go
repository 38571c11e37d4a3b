package api

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// TestHashGateBoundsConcurrentHashing: however many logins arrive at once, no
// more than half the cores hash passwords at a time, and a request that
// cannot get a slot in time is told so instead of queueing forever.
func TestHashGateBoundsConcurrentHashing(t *testing.T) {
	g := newHashGate()
	g.wait = time.Minute
	size := int64(max(1, runtime.GOMAXPROCS(0)/2))
	var inFlight, worst atomic.Int64
	release := make(chan struct{})
	const callers = 10
	done := make(chan error, callers)
	for range callers {
		go func() {
			done <- g.do(context.Background(), func() {
				n := inFlight.Add(1)
				for w := worst.Load(); n > w && !worst.CompareAndSwap(w, n); w = worst.Load() {
				}
				<-release
				inFlight.Add(-1)
			})
		}()
	}
	for i := range callers {
		deadline := time.Now().Add(10 * time.Second)
		for inFlight.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("caller %d never got a slot", i)
			}
			time.Sleep(time.Millisecond)
		}
		release <- struct{}{}
	}
	for range callers {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if w := worst.Load(); w > size {
		t.Fatalf("%d hashes ran at once; the gate allows %d", w, size)
	}

	// A full gate turns the next caller away after its wait.
	g.wait = 10 * time.Millisecond
	hold := make(chan struct{})
	for range size {
		go func() { _ = g.do(context.Background(), func() { <-hold }) }()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := g.do(context.Background(), func() {})
		if errors.Is(err, errHashBusy) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a full gate never refused a caller")
		}
	}
	close(hold)
}
