package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/store"
)

// from returns a client whose requests say, through X-Forwarded-For, that
// they come from ip (believed only by a server that trusts the test's proxy).
func from(c *apitest.Client, ip string) *apitest.Client {
	cp := *c
	cp.HTTP = &http.Client{Transport: forwardedFor{ip}}
	return &cp
}

type forwardedFor struct{ ip string }

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.ip)
	return http.DefaultTransport.RoundTrip(r)
}

func login(c *apitest.Client, email, password string) *apitest.Response {
	return c.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password})
}

// retryAfter checks a 429 and returns its Retry-After in seconds.
func retryAfter(t *testing.T, r *apitest.Response) int {
	t.Helper()
	r.Expect(http.StatusTooManyRequests)
	if slug := r.Slug(); slug != "too-many-attempts" {
		t.Fatalf("429 slug %q", slug)
	}
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n <= 0 || n > 15*60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	return n
}

// TestLoginFailuresRateLimited: ten wrong passwords for an e-mail in 15
// minutes, and the next attempts are refused with 429 and Retry-After, even
// with the right password, in every API process on the database; another
// e-mail from another address is not affected, and the window passes.
func TestLoginFailuresRateLimited(t *testing.T) {
	clock := &testClock{t: time.Now()}
	h := newHarness(t, withClock(clock.Now))
	cfg := h.cfg
	cfg.TrustedProxies = "127.0.0.1"
	serve := func() *apitest.Client {
		srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: h.store, Temporal: h.tc, Log: slog.New(slog.DiscardHandler), Now: clock.Now}).Handler())
		t.Cleanup(srv.Close)
		return apitest.New(t, srv.URL)
	}
	one, two := serve(), serve() // two API processes sharing the database
	victim, other := uniqueEmail("victim"), uniqueEmail("other")
	one.Do("POST", "/api/v1/auth/signup", signupBody(victim)).Expect(201)
	one.Do("POST", "/api/v1/auth/signup", signupBody(other)).Expect(201)

	attacker := from(one, "198.51.100.7")
	for i := range 10 {
		login(attacker, victim, fmt.Sprintf("Wrong-Passw0rd-%d", i)).Expect(401)
	}
	for range 5 {
		retryAfter(t, login(from(two, "198.51.100.7"), victim, "Wrong-Passw0rd-x"))
	}
	// The owner, from elsewhere, with the right password: refused while limited.
	retryAfter(t, login(from(two, "203.0.113.5"), victim, "Corr3ct-Horse"))
	// The address in capitals is the address, and counts as it.
	retryAfter(t, login(from(two, "203.0.113.5"), strings.ToUpper(victim), "Corr3ct-Horse"))
	// Spellings the e-mail column's collation equates with the address (an
	// accented "í", a full-width "ｖ") are other addresses: no login answers
	// to them, so they are no way around the address's limit.
	for _, alike := range []string{strings.Replace(victim, "i", "í", 1), "ｖ" + victim[1:]} {
		login(from(two, "203.0.113.5"), alike, "Corr3ct-Horse").Expect(401)
	}
	// Another e-mail from another address logs in.
	login(from(one, "203.0.113.6"), other, "Corr3ct-Horse").Expect(200)

	clock.Set(clock.Now().Add(16 * time.Minute))
	login(from(two, "203.0.113.5"), victim, "Corr3ct-Horse").Expect(200)
}

// TestLoginRateLimitKeysOnTheRealClient: failures from one address count
// against it whatever e-mails it tries, and a forged X-Forwarded-For does not
// change the address unless the peer is a trusted proxy.
func TestLoginRateLimitKeysOnTheRealClient(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.AuthFailuresPerIP = 12
	srv := h.serveWith(t, cfg)
	c := apitest.New(t, srv.URL)
	// The package's other tests sign up and fail logins from 127.0.0.1 too:
	// start from a clean counter rather than from whatever they left in it.
	if err := h.store.LimitReset(context.Background(), store.LimitKey{Scope: store.LimitAuthIP, Subject: "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	// No trusted proxy: every forged address is still 127.0.0.1.
	for i := range 12 {
		login(from(c, fmt.Sprintf("192.0.2.%d", i)), uniqueEmail("nobody"), "Wrong-Passw0rd").Expect(401)
	}
	retryAfter(t, login(from(c, "192.0.2.200"), uniqueEmail("nobody"), "Wrong-Passw0rd"))
	// Signing up from the limited address is refused too.
	retryAfter(t, c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("new"))))
}

// TestSignupsRateLimited: sign-ups from one address are capped per window;
// another address is not affected.
func TestSignupsRateLimited(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.SignupsPerIP = 3
	cfg.TrustedProxies = "127.0.0.1"
	srv := h.serveWith(t, cfg)
	c := from(apitest.New(t, srv.URL), "198.51.100.20")
	for range 3 {
		c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("mass"))).Expect(201)
	}
	retryAfter(t, c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("mass"))))
	from(c, "198.51.100.21").Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("someone"))).Expect(201)
}

// TestPerAddressLimitsCountAnIPv6Network: an IPv6 client is counted by the /64
// it is in, since one host or subscriber is given a whole /64: addresses of one
// /64 share a counter, another /64 has its own, and IPv4 addresses stay single.
func TestPerAddressLimitsCountAnIPv6Network(t *testing.T) {
	h := newHarness(t)
	cfg := h.cfg
	cfg.AuthFailuresPerIP = 3
	cfg.TrustedProxies = "127.0.0.1"
	c := apitest.New(t, h.serveWith(t, cfg).URL)
	for _, ip := range []string{"2001:db8:7:1::1", "2001:db8:7:1::2", "2001:db8:7:1:abcd::1"} {
		login(from(c, ip), uniqueEmail("nobody"), "Wrong-Passw0rd").Expect(401)
	}
	retryAfter(t, login(from(c, "2001:db8:7:1:ffff:ffff:ffff:fffe"), uniqueEmail("nobody"), "Wrong-Passw0rd"))
	retryAfter(t, c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("new"))))
	login(from(c, "2001:db8:7:2::1"), uniqueEmail("nobody"), "Wrong-Passw0rd").Expect(401)
	for i := range 3 {
		login(from(c, fmt.Sprintf("198.51.100.%d", 60+i)), uniqueEmail("nobody"), "Wrong-Passw0rd").Expect(401)
	}
	login(from(c, "198.51.100.63"), uniqueEmail("nobody"), "Wrong-Passw0rd").Expect(401)
}

// TestARefusedClientAddsNoRowsOrLogLines: a client over its address's limit
// that keeps trying fresh e-mails (logins and password resets) is refused
// without a counter row per e-mail, and only its first refusal is a warning:
// a public route must not be a way to fill the disk or the log.
func TestARefusedClientAddsNoRowsOrLogLines(t *testing.T) {
	h := newHarness(t, withConfig(func(cfg *config.Config) {
		cfg.AuthFailuresPerIP, cfg.PasswordResetsPerIP = 2, 2
		cfg.TrustedProxies = "127.0.0.1"
	}))
	c := from(h.c, "198.51.100.77")
	// Counted from this test's start: the background prune may meanwhile
	// delete older counters that other tests left.
	since := time.Now().Add(-time.Second).UTC()
	rows := func() (n int) {
		t.Helper()
		if err := h.db.Get(&n, `SELECT COUNT(*) FROM auth_limits WHERE window_start >= ?`, since); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for range 2 {
		login(c, uniqueEmail("guess"), "Wrong-Passw0rd").Expect(401)
		c.Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": uniqueEmail("reset")}).Expect(202)
	}
	before := rows()
	for range 20 {
		retryAfter(t, login(c, uniqueEmail("guess"), "Wrong-Passw0rd"))
		retryAfter(t, c.Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": uniqueEmail("reset")}))
	}
	if after := rows(); after != before {
		t.Errorf("40 refused attempts with fresh e-mails added %d counter rows", after-before)
	}
	if n := strings.Count(h.logs.String(), `"level":"WARN","msg":"auth rate limit"`); n != 2 {
		t.Errorf("40 refusals (logins and resets) logged %d warnings, want 2 (the first of each)", n)
	}
}

// TestAnAddressStoppedBySignupFailuresIsWarnedOnce: sign-ups for e-mails that
// already have accounts count against the address; the failure that reaches
// its limit is the one warning, and the refusals after it add none.
func TestAnAddressStoppedBySignupFailuresIsWarnedOnce(t *testing.T) {
	h := newHarness(t, withConfig(func(cfg *config.Config) {
		cfg.AuthFailuresPerIP = 3
		cfg.TrustedProxies = "127.0.0.1"
	}))
	taken := uniqueEmail("taken")
	// From an address of its own: the package's other tests use up 127.0.0.1's.
	from(h.c, "198.51.100.89").Do("POST", "/api/v1/auth/signup", signupBody(taken)).Expect(201)
	c := from(h.c, "198.51.100.88")
	for range 3 {
		c.Do("POST", "/api/v1/auth/signup", signupBody(taken)).Expect(409)
	}
	for range 10 {
		retryAfter(t, c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("new"))))
	}
	if n := strings.Count(h.logs.String(), `"level":"WARN","msg":"auth rate limit"`); n != 1 {
		t.Errorf("an address stopped by 3 failed sign-ups, then refused 10 times, logged %d warnings, want 1", n)
	}
}
