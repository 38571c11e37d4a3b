package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/worker"
	"github.com/sendingo/sendingo/workflows"
)

func TestMain(m *testing.M) { testenv.Main(m, testenv.WithTemporal) }

// testEgress is every harness's egress guard (API and worker). The tests' relay
// simulators, webhook sinks and fake providers listen on loopback, which the
// guard refuses like any private address: each is allowed by its address when
// it starts (allowTestServer). 127.0.0.1:1 is the never-dialled base_url of
// relays that only need to exist. Nothing else private is allowed, so the SSRF
// tests see production's refusals.
var testEgress = func() *egress.Guard {
	g, err := egress.New("127.0.0.1:1")
	if err != nil {
		panic(err)
	}
	return g
}()

// allowTestServer lets relays and webhooks reach the test server at rawURL.
func allowTestServer(t *testing.T, rawURL string) {
	t.Helper()
	if err := testEgress.AllowURL(rawURL); err != nil {
		t.Fatal(err)
	}
}

// serveWith serves another API on the harness's database, Temporal and clock
// with cfg (the harness's configuration with a limit changed), until the test
// ends.
func (h *harness) serveWith(t *testing.T, cfg config.Config) *httptest.Server {
	srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: h.store, Temporal: h.tc, Now: h.opts.now,
		Log: slog.New(slog.DiscardHandler)}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// testConfig is the configuration the tests' API runs with.
func testConfig() config.Config {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	cfg.JWTSecret = "test-secret-test-secret-test-secret-0123"
	cfg.MaxBodyBytes = 64 << 10
	cfg.MaxUploadBytes = 256 << 10
	// Every test signs up from 127.0.0.1; the sign-up limit has its own test.
	cfg.SignupsPerIP = 1 << 20
	// The role tests invite a member for every route; the invitation cap has
	// its own test.
	cfg.InvitationsPerAccount = 1 << 20
	// Small chunks make campaigns exercise the window at test sizes.
	cfg.ChunkSize = 200
	cfg.ChunkWindow = 3
	// The simulators of these tests report within 2 s of a send (most within
	// 500 ms); the slowest campaign here collects its reports in about 3 s on a
	// loaded 2-core machine. A deadline far beyond that keeps a slow machine's
	// late reports from turning into "unknown"; waitCampaign fails first, saying
	// what the campaign was still waiting for. Tests of the deadline set their own.
	cfg.ReportDeadline = 10 * time.Minute
	return cfg
}

type harness struct {
	logs  *syncBuffer // everything the API and worker logged
	cfg   config.Config
	store *store.Store
	db    *sqlx.DB // the test database, for raw SQL
	srv   *httptest.Server
	c     *apitest.Client
	tc    client.Client
	acts  *activities.Activities // the worker's activities, for calling one directly
	log   *slog.Logger
	opts  harnessOptions
}

// harnessOptions change what newHarness builds.
type harnessOptions struct {
	now       func() time.Time     // the API's clock (nil: time.Now)
	smtpAddr  string               // where alert e-mails go (default: the configuration's)
	router    *relay.RouterOptions // the worker's router (nil: the default)
	keepAlive time.Duration        // the streams' comment interval (0: the default)
	sweeper   workflows.OutboxSweeperInput
	config    func(*config.Config)
	dev       bool // SENDINGO_DEV: links are logged too
}

type harnessOption func(*harnessOptions)

// withClock makes the API date check-ins by now.
func withClock(now func() time.Time) harnessOption {
	return func(o *harnessOptions) { o.now = now }
}

// withSMTP sends the worker's alert e-mails to the SMTP server at addr.
func withSMTP(addr string) harnessOption {
	return func(o *harnessOptions) { o.smtpAddr = addr }
}

// withDev runs the API and worker in dev mode.
func withDev() harnessOption {
	return func(o *harnessOptions) { o.dev = true }
}

// withRouter gives the worker a relay router built with o (short breaker
// cool-downs, for outage tests).
func withRouter(o relay.RouterOptions) harnessOption {
	return func(ho *harnessOptions) { ho.router = &o }
}

// withStreamKeepAlive sets how often idle event streams get a comment.
func withStreamKeepAlive(d time.Duration) harnessOption {
	return func(o *harnessOptions) { o.keepAlive = d }
}

// withSweeper makes the worker's outbox sweeper sweep every `every`, for work
// owed longer than grace.
func withSweeper(every, grace time.Duration) harnessOption {
	return func(o *harnessOptions) { o.sweeper = workflows.OutboxSweeperInput{Every: every, Grace: grace} }
}

// withConfig changes the configuration the API and worker run with.
func withConfig(change func(*config.Config)) harnessOption {
	return func(o *harnessOptions) { o.config = change }
}

// newHarness serves the real API over HTTP on the package's database and the
// package's Temporal dev server.
func newHarness(t *testing.T, opts ...harnessOption) *harness {
	t.Helper()
	var o harnessOptions
	for _, opt := range opts {
		opt(&o)
	}
	env := testenv.Current()
	st, err := store.Open(context.Background(), env.DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tc, err := client.Dial(client.Options{HostPort: env.Temporal.Address, Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	cfg := testConfig()
	if o.config != nil {
		o.config(&cfg)
	}
	cfg.Dev = o.dev
	// Each harness has its own task queue and worker, so tests do not share one.
	cfg.TaskQueue = fmt.Sprintf("test-%s-%d", t.Name(), time.Now().UnixNano())
	logs := &syncBuffer{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", logs.String())
		}
	})
	acts := activities.New(st, log, cfg.PublicURL, testEgress)
	if o.router != nil {
		acts.Router = activities.NewRouter(st, log, *o.router)
	}
	if o.smtpAddr != "" {
		cfg.SMTPAddr = o.smtpAddr
	}
	if acts.Mail, err = outbound.NewSMTPMailer(cfg.SMTPAddr, "alerts@sendingo.test", acts.RelayOptions); err != nil {
		t.Fatal(err)
	}
	acts.LinkKey, acts.LogLinks, acts.AlertMailsPerHour = onetime.Key(cfg.JWTSecret), o.dev, cfg.AlertMailsPerHour
	wo := worker.DefaultOptions()
	wo.Sweeper = o.sweeper
	w := worker.New(tc, cfg.TaskQueue, acts, wo)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	a := api.New(api.Deps{Config: cfg, Store: st, Temporal: tc, Log: log, Now: o.now, Egress: testEgress, StreamKeepAlive: o.keepAlive})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close) // before srv.Close, which waits for open streams
	return &harness{logs: logs, cfg: cfg, store: st, db: testenv.DB(t), srv: srv, c: apitest.New(t, srv.URL), tc: tc, acts: acts, log: log, opts: o}
}

func (h *harness) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := h.db.Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

func urlQuery(s string) string { return url.QueryEscape(s) }

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
