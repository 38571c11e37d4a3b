package memo

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// The memory stays within its bounds whatever keys arrive: at most Max keys,
// none longer than MaxKeyLen, the latest one always kept, and a key put again
// takes no room of another's.
func TestBoundedStaysWithinItsBounds(t *testing.T) {
	b := New[int](64, 16)
	for i := range 1000 {
		key := "k" + strconv.Itoa(i)
		b.Put(key, i)
		if v, ok := b.Get(key); !ok || v != i {
			t.Fatalf("key %d just put answers %d, %v", i, v, ok)
		}
	}
	if b.Len() > 64 {
		t.Fatalf("%d keys remembered, bound 64", b.Len())
	}
	long := strings.Repeat("x", 17)
	b.Put(long, 1)
	if _, ok := b.Get(long); ok {
		t.Fatalf("a %d-byte key was remembered, bound 16", len(long))
	}
	full := New[int](2, 16)
	full.Put("a", 1)
	for i := range 50 { // were a put of a known key to make room, "a" would go (odds 2⁻⁵⁰ it stays)
		full.Put("b", i)
	}
	if v, ok := full.Get("a"); !ok || v != 1 || full.Len() != 2 {
		t.Fatalf("putting a known key again dropped another (a: %d, %v; %d keys)", v, ok, full.Len())
	}
}

// Update is one step per key: counts kept by concurrent updates add up
// exactly, and an update sees the value put before it.
func TestUpdateIsOneStep(t *testing.T) {
	b := New[int](16, 8)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				b.Update("n", func(n int, _ bool) int {
					runtime.Gosched() // another update would come in here, were it not one step
					return n + 1
				})
			}
		}()
	}
	wg.Wait()
	if n, _ := b.Get("n"); n != 50*200 {
		t.Fatalf("50 × 200 increments counted %d", n)
	}
	b.Put("k", 7)
	if got := b.Update("k", func(n int, ok bool) int {
		if !ok {
			return -1
		}
		return n * 2
	}); got != 14 {
		t.Fatalf("an update of a put 7 answered %d, want 14", got)
	}
	if got := b.Update("a-key-too-long", func(n int, ok bool) int { return n + 1 }); got != 1 || b.Len() != 2 {
		t.Fatalf("a key past the bound answered %d and left %d keys (want 1, 2)", got, b.Len())
	}
}
