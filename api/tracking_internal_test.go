package api

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
)

// The link cache stays within its entry and byte bounds whatever links it is
// given, and answers what it holds until the entry expires.
func TestLinkCacheStaysWithinItsBounds(t *testing.T) {
	now := time.Now()
	lc := newLinkCache(50, 20_000, time.Minute)
	for i := 0; i < 1000; i++ {
		u := fmt.Sprintf("https://shop.example/%d?", i) + strings.Repeat("x", i%1500)
		lc.put(store.Link{Token: fmt.Sprintf("%022d", i), URL: u}, now)
		if len(lc.byTok) > 50 || lc.bytes > 20_000 {
			t.Fatalf("after %d links the cache holds %d entries, %d bytes; bounds 50 and 20000", i+1, len(lc.byTok), lc.bytes)
		}
	}
	sum := 0
	for _, e := range lc.byTok {
		sum += linkCost(e.link)
	}
	if sum != lc.bytes {
		t.Fatalf("the cache counts %d bytes but holds %d", lc.bytes, sum)
	}
	l := store.Link{Token: "LASTLASTLASTLASTLAST01", URL: "https://shop.example/last", MessageID: 7}
	lc.put(l, now)
	lc.put(l, now) // again: counted once
	if got, ok := lc.get(l.Token, now); !ok || got != l {
		t.Fatalf("the cache answered %+v, %v for a link just put", got, ok)
	}
	if _, ok := lc.get(l.Token, now.Add(2*time.Minute)); ok {
		t.Fatal("an expired link was answered")
	}
	if _, ok := lc.byTok[l.Token]; ok {
		t.Fatal("an expired link stayed in the cache")
	}
}

// Location carries the stored URL with what is not printable ASCII
// percent-encoded, so it names the same URL.
func TestLocationHeaderEncodesWhatIsNotASCII(t *testing.T) {
	for _, u := range []string{"https://shop.example/c?u=고객&g=1", "https://shop.example/a b", "https://shop.example/plain?x=1"} {
		loc := locationHeader(u)
		for i := 0; i < len(loc); i++ {
			if loc[i] <= ' ' || loc[i] >= 0x7f {
				t.Fatalf("Location %q carries byte %#x", loc, loc[i])
			}
		}
		if back, err := url.PathUnescape(loc); err != nil || back != u {
			t.Fatalf("Location %q names %q, want %q", loc, back, u)
		}
	}
}
