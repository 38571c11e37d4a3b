package api_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"testing"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m, testenv.WithTemporal) }

// testConfig is the configuration the tests' API runs with.
func testConfig() config.Config {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	cfg.JWTSecret = "test-secret-test-secret-test-secret-0123"
	cfg.MaxBodyBytes = 64 << 10
	return cfg
}

type harness struct {
	cfg   config.Config
	store *store.Store
	srv   *httptest.Server
	c     *apitest.Client
}

// newHarness serves the real API over HTTP on the package's database and the
// package's Temporal dev server.
func newHarness(t *testing.T) *harness {
	t.Helper()
	env := testenv.Current()
	st, err := store.Open(context.Background(), env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tc, err := client.Dial(client.Options{HostPort: env.Temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	cfg := testConfig()
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: st, Temporal: tc, Log: log}).Handler())
	t.Cleanup(srv.Close)
	return &harness{cfg: cfg, store: st, srv: srv, c: apitest.New(t, srv.URL)}
}

func (h *harness) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := h.store.DB().Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func urlQuery(s string) string { return url.QueryEscape(s) }
