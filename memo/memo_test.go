package memo

import (
	"strconv"
	"strings"
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
