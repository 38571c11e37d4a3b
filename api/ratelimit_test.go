package api_test

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
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
