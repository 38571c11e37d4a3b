package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// requestSeries lists the label sets of sendingo_http_requests_total.
func requestSeries(t *testing.T, base string) map[string]bool {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	series := map[string]bool{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "sendingo_http_request") {
			series[line[:strings.LastIndexByte(line, ' ')]] = true
		}
	}
	return series
}

func randomMethod() string {
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	b := make([]byte, 10)
	for i := range b {
		b[i] = letters[rand.IntN(len(letters))]
	}
	return string(b)
}

// TestMetricsLabelsBounded: requests with made-up methods, on known and unknown
// paths, add no series to /metrics (unknown methods count as "other", unmatched
// routes under one label).
func TestMetricsLabelsBounded(t *testing.T) {
	h := newHarness(t)
	send := func(method, path string) {
		req, err := http.NewRequest(method, h.srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// One of each kind first, so the series they may legitimately add exist.
	paths := []string{"/api/v1/me", "/api/v1/customers/1", "/no/such/route", "/healthz"}
	for _, p := range paths {
		send(randomMethod(), p)
		send(randomMethod(), p+"/"+randomMethod())
	}
	before := requestSeries(t, h.srv.URL)
	for i := range 50 {
		p := paths[i%len(paths)]
		if i%2 == 1 {
			p += "/" + randomMethod()
		}
		send(randomMethod(), p)
	}
	after := requestSeries(t, h.srv.URL)
	for s := range after {
		if !before[s] && !strings.Contains(s, `route="/metrics"`) {
			t.Errorf("new series %s", s)
		}
	}
	if !before[`sendingo_http_requests_total{method="other",route="unmatched",status="405"}`] &&
		!before[`sendingo_http_requests_total{method="other",route="unmatched",status="404"}`] {
		t.Errorf("no method=\"other\", route=\"unmatched\" series among %d", len(before))
	}
	// Known methods keep their name.
	h.c.Do("GET", "/api/v1/me", nil).Expect(401)
	if s := requestSeries(t, h.srv.URL); !s[`sendingo_http_requests_total{method="GET",route="/api/v1/me",status="401"}`] {
		t.Errorf("GET /api/v1/me not counted under its route: %v", s)
	}
}

// TestSecurityHeaders: every answer, whatever its route or status, carries
// nosniff, a referrer policy and a frame ban; HSTS only over TLS.
func TestSecurityHeaders(t *testing.T) {
	h := newHarness(t)
	check := func(resp *http.Response, tls bool) {
		t.Helper()
		for name, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := resp.Header.Get(name); got != want {
				t.Errorf("%s %s: %s = %q, want %q", resp.Request.Method, resp.Request.URL.Path, name, got, want)
			}
		}
		hsts := resp.Header.Get("Strict-Transport-Security")
		if tls && !strings.Contains(hsts, "max-age=") {
			t.Errorf("%s over TLS: no HSTS", resp.Request.URL.Path)
		}
		if !tls && hsts != "" {
			t.Errorf("%s over plain HTTP: HSTS %q", resp.Request.URL.Path, hsts)
		}
	}
	paths := []string{"/healthz", "/api/v1/me", "/no/such/route", "/t/AAAAAAAAAAAAAAAAAAAAAA", "/u/AAAAAAAAAAAAAAAAAAAAAA", "/api/openapi.yaml", "/metrics"}
	for _, p := range paths {
		resp, err := http.Get(h.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		check(resp, false)
	}
	tlsSrv := httptest.NewTLSServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: h.tc, Log: slog.New(slog.DiscardHandler)}).Handler())
	defer tlsSrv.Close()
	for _, p := range paths {
		resp, err := tlsSrv.Client().Get(tlsSrv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		check(resp, true)
	}
}

// accessLogRemote returns the "remote" of the access log line of the last
// request to path.
func accessLogRemote(t *testing.T, logs, path string) string {
	t.Helper()
	remote := ""
	for _, line := range strings.Split(logs, "\n") {
		var l struct {
			Msg, Path, Remote string
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "http request" && l.Path == path {
			remote = l.Remote
		}
	}
	if remote == "" {
		t.Fatalf("no access log line for %s", path)
	}
	return remote
}

// TestTrustedProxies: X-Forwarded-For is believed only from a configured proxy.
func TestTrustedProxies(t *testing.T) {
	h := newHarness(t)
	get := func(base, path string) {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	get(h.srv.URL, "/healthz")
	if got := accessLogRemote(t, h.logs.String(), "/healthz"); got != "127.0.0.1" {
		t.Errorf("no trusted proxies: remote %q, want the peer 127.0.0.1", got)
	}

	cfg := h.cfg
	cfg.TrustedProxies = "10.0.0.0/8, 127.0.0.1"
	logs := &syncBuffer{}
	srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: h.store, Temporal: h.tc, Log: slog.New(slog.NewJSONHandler(logs, nil))}).Handler())
	defer srv.Close()
	get(srv.URL, "/healthz")
	if got := accessLogRemote(t, logs.String(), "/healthz"); got != "203.0.113.9" {
		t.Errorf("behind a trusted proxy: remote %q, want 203.0.113.9", got)
	}

	// HSTS follows X-Forwarded-Proto only from a trusted proxy.
	hsts := func(base string) string {
		req, _ := http.NewRequest("GET", base+"/healthz", nil)
		req.Header.Set("X-Forwarded-Proto", "https")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Strict-Transport-Security")
	}
	if got := hsts(srv.URL); got == "" {
		t.Error("no HSTS for https through a trusted proxy")
	}
	if got := hsts(h.srv.URL); got != "" {
		t.Errorf("HSTS %q from an untrusted X-Forwarded-Proto", got)
	}
}

// TestReadyzHidesErrors: a dependency that is down is reported as "down",
// without the driver's error text (which may name hosts and users).
func TestReadyzHidesErrors(t *testing.T) {
	h := newHarness(t)
	st, err := store.Open(context.Background(), testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	st.Close() // every ping now fails
	logs := &syncBuffer{}
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: st, Temporal: nil, Log: slog.New(slog.NewJSONHandler(logs, nil))}).Handler())
	defer srv.Close()
	resp := apitest.New(t, srv.URL).Do("GET", "/readyz", nil).Expect(503)
	var body struct {
		Status string
		Checks map[string]string
	}
	resp.JSON(&body)
	if body.Status != "unavailable" || body.Checks["mysql"] != "down" || body.Checks["temporal"] != "down" {
		t.Fatalf("readyz = %s", resp.Body)
	}
	if !strings.Contains(logs.String(), "database is closed") {
		t.Errorf("the cause is not logged for the operator: %s", logs.String())
	}
}
