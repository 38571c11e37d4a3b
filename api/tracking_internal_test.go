package api

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
)

// The link cache stays within its entry and byte bounds whatever links it is
// given, and answers what it holds until the entry expires.
func TestLinkCacheStaysWithinItsBounds(t *testing.T) {
	now := time.Now()
	lc := newLinkCache(50, 20_000, time.Minute, nil)
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
	if got, ok, _ := lc.get(l.Token, now); !ok || got != l {
		t.Fatalf("the cache answered %+v, %v for a link just put", got, ok)
	}
	if _, ok, _ := lc.get(l.Token, now.Add(2*time.Minute)); ok {
		t.Fatal("an expired link was answered")
	}
	if _, ok := lc.byTok[l.Token]; ok {
		t.Fatal("an expired link stayed in the cache")
	}
}

// A link still clicked in the last quarter of its entry's life is read again
// in the background, once however many hits come meanwhile, so its entry does
// not run out and no request waits on the database for it; a link found gone
// leaves the cache, and a failed read is tried again by a later hit. Reads in
// the background are bounded.
func TestLinkCacheRenewsABusyLinkInTheBackground(t *testing.T) {
	var mu sync.Mutex
	reads := map[string]int{}
	gate := make(chan struct{}) // closed: reads answer
	load := func(ctx context.Context, token string) (store.Link, error) {
		mu.Lock()
		reads[token]++
		n := reads[token]
		mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			return store.Link{}, ctx.Err()
		}
		switch {
		case strings.HasPrefix(token, "gone") && n > 1:
			return store.Link{}, store.ErrNotFound
		case strings.HasPrefix(token, "fail") && n > 1:
			return store.Link{}, errors.New("database went away")
		}
		return store.Link{Token: token, URL: "https://shop.example/" + token}, nil
	}
	readsOf := func(token string) int {
		mu.Lock()
		defer mu.Unlock()
		return reads[token]
	}
	lc := newLinkCache(100, 1<<20, time.Minute, load)
	t0 := time.Now()
	resolve := func(token string, at time.Duration) (store.Link, error) {
		return lc.resolve(context.Background(), token, t0.Add(at))
	}
	close(gate)
	for _, tok := range []string{"busy", "gone", "fail"} {
		if _, err := resolve(tok, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := resolve("busy", 30*time.Second); err != nil || readsOf("busy") != 1 {
		t.Fatalf("a hit half-way through the entry's life: %v, %d reads, want the cached link and 1 read", err, readsOf("busy"))
	}

	// In the last quarter: answered from the cache while one read goes on.
	gate = make(chan struct{})
	for i := 0; i < 5; i++ {
		if l, err := resolve("busy", 50*time.Second); err != nil || l.URL != "https://shop.example/busy" {
			t.Fatalf("a hit in the last quarter answered %+v, %v", l, err)
		}
	}
	close(gate)
	lc.refreshes.Wait()
	if n := readsOf("busy"); n != 2 {
		t.Fatalf("five hits in the last quarter made %d reads in all, want 2 (the first and one renewal)", n)
	}
	// Renewed from the hit at 50 s: still answered past the first minute,
	// without a read in the request.
	if _, err := resolve("busy", 90*time.Second); err != nil || readsOf("busy") != 2 {
		t.Fatalf("the renewed link at 90 s: %v, %d reads, want the cached link and 2 reads", err, readsOf("busy"))
	}

	// A link gone when read again leaves the cache.
	if _, err := resolve("gone", 50*time.Second); err != nil {
		t.Fatalf("a link about to be found gone was not answered from the cache: %v", err)
	}
	lc.refreshes.Wait()
	if _, err := resolve("gone", 51*time.Second); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a link found gone in the background still answered: %v", err)
	}

	// A failed read leaves the entry to a hit an eighth of the ttl later,
	// which reads again; the hits meanwhile are answered from the entry.
	if _, err := resolve("fail", 50*time.Second); err != nil {
		t.Fatal(err)
	}
	lc.refreshes.Wait()
	if _, err := resolve("fail", 51*time.Second); err != nil {
		t.Fatalf("a link whose renewal failed was not answered from its entry: %v", err)
	}
	lc.refreshes.Wait()
	if n := readsOf("fail"); n != 2 {
		t.Fatalf("%d reads of a link whose renewal failed a second before, want 2 (the first, the failed one)", n)
	}
	if _, err := resolve("fail", 58*time.Second); err != nil {
		t.Fatal(err)
	}
	lc.refreshes.Wait()
	if n := readsOf("fail"); n != 3 {
		t.Fatalf("%d reads of a link whose renewal failed 8 s before, want 3 (the first, the failed one, a later hit's)", n)
	}

	// However many links are due, at most linkRefreshes reads run at once;
	// the links left over are read on a later hit.
	gate = make(chan struct{})
	for i := 0; i < 3*linkRefreshes; i++ {
		lc.put(store.Link{Token: fmt.Sprintf("many%02d", i), URL: "https://shop.example/m"}, t0)
	}
	for i := 0; i < 3*linkRefreshes; i++ {
		if _, err := resolve(fmt.Sprintf("many%02d", i), 50*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	started := func() int {
		n := 0
		for i := 0; i < 3*linkRefreshes; i++ {
			n += readsOf(fmt.Sprintf("many%02d", i))
		}
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); started() < linkRefreshes && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for any read beyond the bound to start
	busy := started()
	if busy != linkRefreshes {
		t.Fatalf("%d links due at once started %d reads, want %d", 3*linkRefreshes, busy, linkRefreshes)
	}
	close(gate)
	lc.refreshes.Wait()
	if _, err := resolve(fmt.Sprintf("many%02d", 3*linkRefreshes-1), 51*time.Second); err != nil {
		t.Fatal(err)
	}
	lc.refreshes.Wait()
	if n := readsOf(fmt.Sprintf("many%02d", 3*linkRefreshes-1)); n != 1 {
		t.Fatalf("a link left over by the bound was read %d times on a later hit, want 1", n)
	}

	// Closed (the server shutting down), the cache still answers what it
	// holds and starts no read.
	lc.close()
	if _, err := resolve("busy", 100*time.Second); err != nil {
		t.Fatalf("a closed cache did not answer a link it holds: %v", err)
	}
	lc.refreshes.Wait()
	if n := readsOf("busy"); n != 2 {
		t.Fatalf("a closed cache read a link %d times in all, want the 2 of before", n)
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
	lc := newLinkCache(linkCacheEntries, linkCacheBytes, time.Hour, nil)
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
