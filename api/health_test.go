package api_test

import (
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/devserver"
)

func TestReadyzChecksMySQLAndTemporal(t *testing.T) {
	h := newHarness(t)
	m := h.c.Do("GET", "/readyz", nil).Expect(200).Map()
	checks := m["checks"].(map[string]any)
	if checks["mysql"] != "ok" || checks["temporal"] != "ok" {
		t.Fatalf("readyz = %v", m)
	}

	// A Temporal that is not there makes the API unready, and says which.
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dead, err := client.NewLazyClient(client.Options{HostPort: fmt.Sprintf("127.0.0.1:%d", port)})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: dead, Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	m = apitest.New(t, srv.URL).Do("GET", "/readyz", nil).Expect(503).Map()
	checks = m["checks"].(map[string]any)
	if checks["mysql"] != "ok" || checks["temporal"] == "ok" || m["status"] != "unavailable" {
		t.Fatalf("readyz with Temporal down = %v", m)
	}
}

func TestHealthMetricsAndProblems(t *testing.T) {
	h := newHarness(t)
	h.c.Do("GET", "/healthz", nil).Expect(200)
	resp := h.c.Do("GET", "/api/v1/me", nil).Expect(401)
	if resp.Header.Get("X-Request-ID") == "" {
		t.Fatal("no X-Request-ID on the answer")
	}
	if slug := h.c.Unrouted().Do("GET", "/api/v1/nope", nil).Expect(404).Slug(); slug != "not-found" {
		t.Fatalf("unknown route answered %q", slug)
	}
	metrics := string(h.c.Do("GET", "/metrics", nil).Expect(200).Body)
	for _, want := range []string{
		`sendingo_http_requests_total{method="GET",route="/api/v1/me",status="401"}`,
		`sendingo_http_request_duration_seconds_bucket`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if !strings.Contains(string(h.c.Do("GET", "/api/openapi.yaml", nil).Expect(200).Body), "openapi: 3") {
		t.Fatal("openapi.yaml not served")
	}
}
