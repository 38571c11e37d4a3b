package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/useragent"
)

// tokenPattern is a tracking token: 128 random bits, base64url (22 characters).
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

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
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if !tokenPattern.MatchString(token) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
		return
	}
	link, ok := s.links.get(token, time.Now())
	if !ok {
		var err error
		link, err = s.store.LinkByToken(c.Request.Context(), token)
		if errors.Is(err, store.ErrNotFound) {
			c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
			return
		}
		if err != nil {
			internalError(c, err)
			return
		}
		s.links.put(link, time.Now())
	}
	ua := c.GetHeader("User-Agent")
	agent := useragent.Parse(ua)
	click := store.Click{Link: link, Bot: agent.Bot, At: s.now(), UserAgent: ua,
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
	c.Redirect(http.StatusFound, link.URL)
}

// linkCache keeps recently resolved tracking links, so repeated fetches of a
// link (a customer and a preview bot, a double tap) skip the lookup. The route
// is public, so it is bounded: at most max entries, each trusted for ttl (links
// never change; the ttl bounds how long a deleted account's links still
// answer). Only found links are cached: random tokens cannot evict them any
// faster than real ones.
type linkCache struct {
	mu     sync.Mutex
	max    int
	ttl    time.Duration
	byTok  map[string]cachedLink
	maxURL int
}

type cachedLink struct {
	link    store.Link
	expires time.Time
}

func newLinkCache(max int, ttl time.Duration) *linkCache {
	return &linkCache{max: max, ttl: ttl, byTok: make(map[string]cachedLink, max), maxURL: 2048}
}

func (lc *linkCache) get(token string, now time.Time) (store.Link, bool) {
	if lc == nil || lc.max <= 0 {
		return store.Link{}, false
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	e, ok := lc.byTok[token]
	if !ok {
		return store.Link{}, false
	}
	if now.After(e.expires) {
		delete(lc.byTok, token)
		return store.Link{}, false
	}
	return e.link, true
}

func (lc *linkCache) put(l store.Link, now time.Time) {
	if lc == nil || lc.max <= 0 || len(l.URL) > lc.maxURL {
		return
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if len(lc.byTok) >= lc.max {
		// Evict an arbitrary entry (Go's map order is random): O(1), bounded.
		for k := range lc.byTok {
			delete(lc.byTok, k)
			break
		}
	}
	lc.byTok[l.Token] = cachedLink{link: l, expires: now.Add(lc.ttl)}
}
