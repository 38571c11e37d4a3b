package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/memo"
	"github.com/sendingo/sendingo/store"
)

// isToken tells whether s can be a tracking token: 128 random bits,
// base64url (22 characters of A-Z, a-z, 0-9, '-' and '_').
func isToken(s string) bool {
	if len(s) != 22 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

const linkNotFound = `<!doctype html><html lang="ko"><meta charset="utf-8"><title>링크를 찾을 수 없습니다</title>
<body style="font-family:sans-serif;margin:3em"><h1>링크를 찾을 수 없습니다</h1><p>This link does not exist or has expired.</p></body></html>`

const linkBusy = `<!doctype html><html lang="ko"><meta charset="utf-8"><title>잠시 후 다시 시도해 주세요</title>
<body style="font-family:sans-serif;margin:3em"><h1>잠시 후 다시 시도해 주세요</h1><p>Please try this link again in a moment.</p></body></html>`

// clickWait bounds how long a click request waits for its batch to commit.
const clickWait = 15 * time.Second

// track answers a customer's click on a tracking link: it records the click
// (time, user agent; link-preview bots are recorded but flagged) and redirects
// to the link's own URL only once the click is committed. Clicks arriving
// together share one INSERT and one commit (store.ClickRecorder); a click that
// could not be stored, or that finds the recorder's queue full, gets a 503 page
// rather than a redirect, so every redirect answered has its click recorded. An
// unknown or malformed token gets a plain page, never a redirect to anything a
// caller supplied.
func (s *Server) track(c *gin.Context) {
	token := c.Param("token")
	// Referrer-Policy: no-referrer comes with every answer (securityHeaders):
	// the shop's site never sees the token.
	c.Header("Cache-Control", "no-store")
	if !isToken(token) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
		return
	}
	link, err := s.links.resolve(c.Request.Context(), token, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	at := s.now()
	if !s.clickCap.allow(token, at) {
		// The link's share of recorded clicks this hour is used up: the
		// customer still goes where the link leads, without another row.
		redirectTo(c, link.URL)
		return
	}
	ua := c.Request.Header.Get("User-Agent")
	agent := s.agents.Parse(ua)
	click := store.Click{Link: link, Bot: agent.Bot, At: at, UserAgent: ua,
		Device: agent.Device, OS: agent.OS, Browser: agent.Browser}
	// The click is committed even if the customer's browser goes away meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), clickWait)
	defer cancel()
	if err := s.clicks.Record(ctx, click); err != nil {
		if !errors.Is(err, store.ErrClicksBusy) {
			s.log.Error("record click", "message_id", link.MessageID, "error", err)
		}
		c.Header("Retry-After", "1")
		c.Data(http.StatusServiceUnavailable, "text/html; charset=utf-8", []byte(linkBusy))
		return
	}
	redirectTo(c, link.URL)
}

// redirectTo answers 302 to a stored link's URL: an absolute http(s) URL
// (templates are checked when saved), sent with its non-ASCII bytes
// percent-encoded (headers are ASCII), and no body.
func redirectTo(c *gin.Context, url string) {
	c.Writer.Header()["Location"] = []string{locationHeader(url)}
	c.Status(http.StatusFound)
}

// clickCap bounds how many clicks of one tracking link a process records
// per window (an hour): the route is public, and a link posted where a
// crowd or a script fetches it would otherwise add a row per request for
// as long as it lasts. Counts are per process and kept for up to
// clickCapLinks links (an evicted link starts counting afresh).
type clickCap struct {
	per        int
	window     time.Duration
	counts     *memo.Bounded[clickCount]
	unrecorded atomic.Int64 // clicks redirected past the cap
}

type clickCount struct {
	since time.Time
	n     int
}

func newClickCap(per int, window time.Duration) *clickCap {
	return &clickCap{per: per, window: window, counts: memo.New[clickCount](clickCapLinks, 64)}
}

// allow counts a click of token at now and tells whether it is within the
// link's share of the current window (which starts at the link's first
// click after the previous one ended).
func (cc *clickCap) allow(token string, now time.Time) bool {
	c := cc.counts.Update(token, func(c clickCount, ok bool) clickCount {
		if !ok || now.Sub(c.since) >= cc.window {
			return clickCount{since: now, n: 1}
		}
		c.n++
		return c
	})
	if c.n > cc.per {
		cc.unrecorded.Add(1)
		return false
	}
	return true
}

// clickCapLinks is how many links' click counts a process keeps: the links
// of a busy hour of clicks, a few MiB.
const clickCapLinks = 100_000

// locationHeader is an absolute URL as a Location header carries it: bytes outside
// printable ASCII (UTF-8 in a path or query, spaces, controls) percent-encoded,
// the rest as it is. A URL that needs nothing is answered without a copy.
func locationHeader(u string) string {
	i := 0
	for i < len(u) && u[i] > ' ' && u[i] < 0x7f {
		i++
	}
	if i == len(u) {
		return u
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(u)+16)
	b = append(b, u[:i]...)
	for ; i < len(u); i++ {
		if c := u[i]; c <= ' ' || c >= 0x7f {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

// linkCache keeps recently resolved tracking links, so repeated fetches of a
// link (a customer and a preview bot, a double tap) skip the lookup. The route
// is public, so it is bounded: at most max entries, each trusted for ttl
// (links never change, and sendingo deletes none; the ttl bounds how long one
// removed from the database by hand still answers). Only found links are
// cached: random tokens cannot evict them any faster than real ones.
//
// A link still being clicked is read again before its entry runs out: a hit in
// the last quarter of the entry's life answers from the cache and starts one
// read of the link in the background (at most linkRefreshes at once), which
// renews the entry, or drops it when the link is gone. So a link clicked
// throughout does not wait on the database when its minute ends (unless every
// read slot is busy, or the read fails), and entries filled together (a
// campaign's first minute of clicks) do not all run out, and all go to the
// database inside requests, in the same instant.
type linkCache struct {
	mu       sync.Mutex
	max      int // entries
	maxBytes int // what the entries hold, counted by linkCost
	bytes    int
	ttl      time.Duration
	byTok    map[string]cachedLink
	maxURL   int
	// load reads a link from the store; slots bounds the reads in the
	// background, and refreshes counts them (close waits for them; a cache
	// closed starts no more, under mu).
	load      func(context.Context, string) (store.Link, error)
	slots     chan struct{}
	refreshes sync.WaitGroup
	closed    bool
}

type cachedLink struct {
	link       store.Link
	renew      time.Time // a hit from then on reads the link again
	expires    time.Time
	refreshing bool // a background read of it is under way
}

// newLinkCache holds up to max links and maxBytes of them (linkCost), each for
// ttl, read by load; the map grows with use rather than being sized up front.
func newLinkCache(max, maxBytes int, ttl time.Duration, load func(context.Context, string) (store.Link, error)) *linkCache {
	return &linkCache{max: max, maxBytes: maxBytes, ttl: ttl, byTok: map[string]cachedLink{}, maxURL: 2048,
		load: load, slots: make(chan struct{}, linkRefreshes)}
}

// Reading a link again in the background: at most linkRefreshes at once (a
// hit that finds them all busy leaves its entry to a later hit), each given
// linkRefreshWait.
const (
	linkRefreshes   = 4
	linkRefreshWait = 5 * time.Second
)

// linkCost is what a cached link is counted as: its strings plus the entry's
// own size and the map's share.
func linkCost(l store.Link) int { return len(l.Token) + len(l.URL) + 160 }

// resolve returns token's link at now: from the cache, else read in the
// request (store.ErrNotFound when there is none) and cached.
func (lc *linkCache) resolve(ctx context.Context, token string, now time.Time) (store.Link, error) {
	l, ok, renew := lc.get(token, now)
	if renew {
		lc.refresh(token, now)
	}
	if ok {
		return l, nil
	}
	l, err := lc.load(ctx, token)
	if err != nil {
		return store.Link{}, err
	}
	lc.put(l, now)
	return l, nil
}

// get returns token's cached link, and whether the caller is to read it again
// (the entry is in its last quarter and no read of it is under way: get marks
// one under way).
func (lc *linkCache) get(token string, now time.Time) (l store.Link, ok, renew bool) {
	if lc.max <= 0 {
		return store.Link{}, false, false
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.byTok[token]
	if !ok {
		return store.Link{}, false, false
	}
	if now.After(e.expires) {
		lc.drop(token, e)
		return store.Link{}, false, false
	}
	if !e.refreshing && !now.Before(e.renew) {
		e.refreshing = true
		lc.byTok[token] = e
		renew = true
	}
	return e.link, true, renew
}

// refresh reads token's link in the background, if a slot is free and the
// cache is open, and renews its entry from now (drops it if the link is gone).
// Without a slot a later hit tries again; after an error, a hit an eighth of
// the ttl later (the database is not asked again at once while it fails).
func (lc *linkCache) refresh(token string, now time.Time) {
	lc.mu.Lock()
	if lc.closed {
		lc.mu.Unlock()
		return // the entry runs out as it is
	}
	select {
	case lc.slots <- struct{}{}:
	default:
		lc.mu.Unlock()
		lc.settle(token, false, now)
		return
	}
	lc.refreshes.Add(1)
	lc.mu.Unlock()
	go func() {
		defer lc.refreshes.Done()
		defer func() { <-lc.slots }()
		ctx, cancel := context.WithTimeout(context.Background(), linkRefreshWait)
		defer cancel()
		l, err := lc.load(ctx, token)
		switch {
		case err == nil:
			lc.put(l, now)
		case errors.Is(err, store.ErrNotFound):
			lc.settle(token, true, now)
		default:
			lc.settle(token, false, now.Add(lc.ttl/8))
		}
	}()
}

// settle ends token's read without renewing its entry: gone drops the entry;
// else the next read starts on a hit at retry or later (and not before the
// entry's own renewal time).
func (lc *linkCache) settle(token string, gone bool, retry time.Time) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.byTok[token]
	if !ok {
		return
	}
	if gone {
		lc.drop(token, e)
		return
	}
	e.refreshing = false
	if retry.After(e.renew) {
		e.renew = retry
	}
	lc.byTok[token] = e
}

// close stops the cache starting reads in the background and returns once
// those under way have ended; entries are answered as before.
func (lc *linkCache) close() {
	lc.mu.Lock()
	lc.closed = true
	lc.mu.Unlock()
	lc.refreshes.Wait()
}

func (lc *linkCache) put(l store.Link, now time.Time) {
	if lc.max <= 0 || len(l.URL) > lc.maxURL {
		return
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if old, ok := lc.byTok[l.Token]; ok {
		lc.drop(l.Token, old)
	}
	for len(lc.byTok) > 0 && (len(lc.byTok) >= lc.max || lc.bytes+linkCost(l) > lc.maxBytes) {
		// Evict an arbitrary entry (Go's map order is random): O(1), bounded.
		for k, e := range lc.byTok {
			lc.drop(k, e)
			break
		}
	}
	lc.byTok[l.Token] = cachedLink{link: l, renew: now.Add(lc.ttl - lc.ttl/4), expires: now.Add(lc.ttl)}
	lc.bytes += linkCost(l)
}

func (lc *linkCache) drop(token string, e cachedLink) {
	delete(lc.byTok, token)
	lc.bytes -= linkCost(e.link)
}

// The link cache's bounds: enough for the links of a campaign's busy hour of
// clicks, and at most 16 MiB whatever the links' URLs.
const (
	linkCacheEntries = 100_000
	linkCacheBytes   = 16 << 20
)

// The user-agent cache's bounds: the agents of a busy hour's clicks, at
// most 4,096 × 512 bytes.
const (
	agentCacheEntries = 4096
	agentCacheLen     = 512
)
