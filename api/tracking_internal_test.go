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

// A link's clicks are recorded up to its share per window; the share starts
// over once the window has passed, and another link has its own.
func TestClickCapCountsEachLinkPerWindow(t *testing.T) {
	cc := newClickCap(3, time.Hour)
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var got []bool
	for i := range 5 {
		got = append(got, cc.allow("A", t0.Add(time.Duration(i)*time.Minute)))
	}
	if fmt.Sprint(got) != "[true true true false false]" {
		t.Fatalf("five clicks of one link in an hour, share 3: %v", got)
	}
	if !cc.allow("B", t0.Add(10*time.Minute)) {
		t.Fatal("another link's first click was refused")
	}
	if cc.allow("A", t0.Add(59*time.Minute)) {
		t.Fatal("a click 59 minutes after the window began was recorded past the share")
	}
	if !cc.allow("A", t0.Add(time.Hour)) {
		t.Fatal("a click an hour after the window began was not recorded: the share did not start over")
	}
	if n := cc.unrecorded.Load(); n != 3 {
		t.Fatalf("%d clicks counted as unrecorded, want 3", n)
	}
}

// BenchmarkClickCap is what the cap adds to a redirect: counting a click of
// one of 10,000 links, against the link cache's look-up of the same link
// that every redirect already makes, in the same run.
//
//	go test ./api -run '^$' -bench ClickCap
func BenchmarkClickCap(b *testing.B) {
	cc := newClickCap(1<<30, time.Hour)
	lc := newLinkCache(linkCacheEntries, linkCacheBytes, time.Hour)
	now := time.Now()
	tokens := make([]string, 10_000)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("%022d", i)
		lc.put(store.Link{Token: tokens[i], URL: "https://shop.example/p"}, now)
	}
	var capTime, lookup time.Duration
	for i := 0; i < b.N; i++ {
		tok := tokens[(i*7)%len(tokens)]
		t0 := time.Now()
		cc.allow(tok, now)
		t1 := time.Now()
		lc.get(tok, now)
		lookup += time.Since(t1)
		capTime += t1.Sub(t0)
	}
	b.ReportMetric(float64(capTime.Nanoseconds())/float64(b.N), "ns-cap")
	b.ReportMetric(float64(lookup.Nanoseconds())/float64(b.N), "ns-link-lookup")
	b.ReportMetric(float64(capTime)/float64(max(lookup, 1)), "x-lookup")
}
