package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"runtime"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/semaphore"

	"github.com/sendingo/sendingo/store"
)

// Login and sign-up are the routes anyone on the internet can call, and each
// costs a bcrypt (tens of milliseconds of CPU). Two defences:
//
//   - Limits per e-mail and per client IP, counted in MySQL (auth_limits) so
//     every API process sees the same counts. An attempt is counted before
//     the password is checked, so a burst of parallel guesses cannot slip
//     past the count; a login that succeeds takes its hit back. Over a limit
//     the answer is 429 with Retry-After, whatever the password.
//   - A semaphore on bcrypt work, sized to half the cores, so the CPU left
//     over serves everything else however many logins arrive.

// hashGate bounds concurrent password hashing.
type hashGate struct {
	sem  *semaphore.Weighted
	wait time.Duration // how long a request may queue for a slot
}

func newHashGate() *hashGate {
	return &hashGate{sem: semaphore.NewWeighted(int64(max(1, runtime.GOMAXPROCS(0)/2))), wait: 5 * time.Second}
}

var errHashBusy = errors.New("password hashing is at capacity")

// do runs fn when a slot is free, or fails with errHashBusy after g.wait.
func (g *hashGate) do(ctx context.Context, fn func()) error {
	ctx, cancel := context.WithTimeout(ctx, g.wait)
	defer cancel()
	if err := g.sem.Acquire(ctx, 1); err != nil {
		return errHashBusy
	}
	defer g.sem.Release(1)
	fn()
	return nil
}

// hashBusy answers 503 when no hashing slot came free in time.
func hashBusy(c *gin.Context) {
	c.Header("Retry-After", "2")
	problem(c, http.StatusServiceUnavailable, "busy", "Busy", "too many logins and sign-ups are being processed; try again in a few seconds")
}

// limit is one counter and its maximum per window.
type limit struct {
	key store.LimitKey
	max int
	why string // what the 429 says is over
}

// countAttempt counts an attempt against each limit up front and answers 429
// (true) when one is over its maximum. The attempt is counted even then: it
// keeps the window closed only as long as it lasts (fixed windows). Limits
// are counted in the order given and the first one over stops the count, so
// callers put the client's address first: a client over its limit adds to
// its own counter only, not a row per e-mail it makes up.
func (s *Server) countAttempt(c *gin.Context, limits ...limit) bool {
	ctx := context.WithoutCancel(c.Request.Context()) // a client hanging up is still counted
	now := s.now()
	s.pruneLimits(now)
	for _, l := range limits {
		hits, err := s.store.LimitHit(ctx, l.key, s.cfg.AuthWindow, now)
		if err != nil {
			internalError(c, err)
			return true
		}
		if hits > l.max {
			s.tooMany(c, l, now, hits == l.max+1)
			return true
		}
	}
	return false
}

// overLimit answers 429 (true) when a limit is already reached, without
// counting anything.
func (s *Server) overLimit(c *gin.Context, limits ...limit) bool {
	now := s.now()
	for _, l := range limits {
		w, err := s.store.LimitCount(c.Request.Context(), l.key, s.cfg.AuthWindow, now)
		if err != nil {
			internalError(c, err)
			return true
		}
		if w.Hits >= l.max {
			s.tooMany(c, l, now, false)
			return true
		}
	}
	return false
}

// hit counts a failure after the fact (a sign-up for a taken e-mail). The
// failure that reaches l's maximum is a warning: the refusals after it come
// through overLimit, which counts nothing and so cannot tell the first of a
// window from the rest, and an address stopped only by such failures would
// otherwise leave no warning at all.
func (s *Server) hit(c *gin.Context, l limit) {
	hits, err := s.store.LimitHit(context.WithoutCancel(c.Request.Context()), l.key, s.cfg.AuthWindow, s.now())
	if err != nil {
		s.log.Error("count a failed attempt", "scope", l.key.Scope, "error", err)
		return
	}
	if hits == l.max {
		s.log.Warn("auth rate limit", "scope", l.key.Scope, "remote", c.ClientIP(), "reached", true)
	}
}

// tooMany answers 429 for l. Only the first refusal of a window (first) is a
// warning: the refusals after it are what the limit is for, and a client
// hammering a public route must not fill the log.
func (s *Server) tooMany(c *gin.Context, l limit, now time.Time, first bool) {
	retry := time.Minute
	if w, err := s.store.LimitCount(c.Request.Context(), l.key, s.cfg.AuthWindow, now); err == nil && w.Hits > 0 {
		retry = w.Ends(s.cfg.AuthWindow).Sub(now)
	}
	secs := max(1, int(math.Ceil(retry.Seconds())))
	c.Header("Retry-After", fmt.Sprint(secs))
	level := slog.LevelDebug
	if first {
		level = slog.LevelWarn
	}
	s.log.Log(c.Request.Context(), level, "auth rate limit", "scope", l.key.Scope, "remote", c.ClientIP(), "retry_after_s", secs)
	problem(c, http.StatusTooManyRequests, "too-many-attempts", "Too many attempts",
		fmt.Sprintf("%s; try again in %d minutes", l.why, (secs+59)/60))
}

// pruneLimits deletes expired counters now and then (once a window per
// process, whether or not the attempt is refused), in the background, a
// batch at a time until none is left.
func (s *Server) pruneLimits(now time.Time) {
	last := s.lastPrune.Load()
	if now.UnixNano()-last < int64(s.cfg.AuthWindow) || !s.lastPrune.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for {
			n, err := s.store.PruneLimits(ctx, s.cfg.AuthWindow, now)
			if err != nil {
				s.log.Warn("prune auth limits", "error", err)
				return
			}
			if n < store.PruneLimitsBatch {
				return
			}
		}
	}()
}

// loginLimits are the counters a login attempt for email counts against.
func (s *Server) loginLimits(c *gin.Context, email string) (byEmail, byIP limit) {
	return limit{key: store.LimitKey{Scope: store.LimitLoginEmail, Subject: email}, max: s.cfg.AuthFailuresPerEmail,
			why: "too many failed logins for this e-mail"},
		s.ipLimit(c)
}

func (s *Server) ipLimit(c *gin.Context) limit {
	return limit{key: store.LimitKey{Scope: store.LimitAuthIP, Subject: clientNetwork(c)}, max: s.cfg.AuthFailuresPerIP,
		why: "too many failed logins or sign-ups from this address"}
}

// clientNetwork is what the per-address limits count a client as: its IPv4
// address, or the /64 its IPv6 address is in. A /64 is what one subscriber
// or host is given, so counting single IPv6 addresses would hand anyone
// 2^64 fresh counters.
func clientNetwork(c *gin.Context) string {
	ip, err := netip.ParseAddr(c.ClientIP())
	if err != nil {
		return c.ClientIP()
	}
	ip = ip.Unmap()
	if ip.Is4() {
		return ip.String()
	}
	return netip.PrefixFrom(ip.WithZone(""), 64).Masked().String()
}

// compareHash checks a password through the hash gate.
func (s *Server) compareHash(ctx context.Context, hash []byte, password string) (match bool, err error) {
	err = s.hashes.do(ctx, func() { match = bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil })
	return match, err
}

// newPasswordHash hashes a new password through the hash gate; it answers 503
// (the gate is busy) or 500 itself and reports success.
func (s *Server) newPasswordHash(ctx context.Context, c *gin.Context, password string) (string, bool) {
	hash, err := s.makeHash(ctx, password)
	if errors.Is(err, errHashBusy) {
		hashBusy(c)
		return "", false
	}
	if err != nil {
		internalError(c, err)
		return "", false
	}
	return string(hash), true
}

// makeHash hashes a new password through the hash gate.
func (s *Server) makeHash(ctx context.Context, password string) (hash []byte, err error) {
	var herr error
	if err := s.hashes.do(ctx, func() { hash, herr = bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost) }); err != nil {
		return nil, err
	}
	return hash, herr
}
