package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/prometheus/client_golang/prometheus"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
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

// tcpProxy forwards connections to target until it is cut: then it refuses new
// connections and drops the open ones, as a MySQL that went away would.
type tcpProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln}
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			out, err := net.Dial("tcp", target)
			if err != nil {
				in.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, in, out)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(out, in); out.Close() }()
			go func() { _, _ = io.Copy(in, out); in.Close() }()
		}
	}()
	t.Cleanup(p.cut)
	return p
}

func (p *tcpProxy) addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) cut() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// A MySQL that goes away makes the API unready, and /readyz names it.
func TestReadyzIs503WhenMySQLIsDown(t *testing.T) {
	h := newHarness(t)
	cfg, err := mysql.ParseDSN(testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	proxy := startProxy(t, cfg.Addr)
	cfg.Addr = proxy.addr()
	st, err := store.Open(context.Background(), cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := &testClock{t: time.Now()}
	logs := &syncBuffer{}
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: st, Temporal: h.tc, Now: clock.Now,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))}).Handler())
	defer srv.Close()
	c := apitest.New(t, srv.URL)

	var up struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	c.Do("GET", "/readyz", nil).Expect(200).JSON(&up)
	if up.Checks["mysql"] != "ok" {
		t.Fatalf("readyz through the proxy, MySQL up: %+v", up)
	}
	proxy.cut()
	// Within a second the answer is the last check's: the route is public,
	// and a check is a ping and a Temporal call.
	c.Do("GET", "/readyz", nil).Expect(200)
	clock.Set(clock.Now().Add(readyFresh))
	var down struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	c.Do("GET", "/readyz", nil).Expect(503).JSON(&down)
	if down.Status == "ok" || down.Checks["mysql"] == "ok" || down.Checks["mysql"] == "" || down.Checks["temporal"] != "ok" {
		t.Fatalf("readyz with MySQL down: %+v", down)
	}
	// Many probes of a MySQL that stays down, each a new check, and one
	// warning: the log says when it went down, not once per request.
	var wg sync.WaitGroup
	for range 10 {
		clock.Set(clock.Now().Add(readyFresh))
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := c.Do("GET", "/readyz", nil); r.Status != 503 {
					t.Errorf("readyz with MySQL down: %d", r.Status)
				}
			}()
		}
		wg.Wait()
	}
	if n := strings.Count(logs.String(), `"msg":"readiness check failed"`); n != 1 {
		t.Errorf("11 checks of a MySQL that stayed down logged %d warnings, want 1:\n%s", n, logs)
	}
}

// readyFresh is how long /readyz answers from its last check (api.readyFresh).
const readyFresh = time.Second

// A caller's sane X-Request-ID is answered back and is the request_id of the
// request's access log line; an unsafe one is replaced.
func TestCallersRequestIDIsKeptAndLogged(t *testing.T) {
	h := newHarness(t)
	send := func(id string) *apitest.Response {
		req, err := http.NewRequest("GET", h.srv.URL+"/api/v1/me", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Request-ID", id)
		return h.c.Send(req).Expect(401)
	}
	const mine = "shop-checkout.7f3a:42"
	if got := send(mine).Header.Get("X-Request-ID"); got != mine {
		t.Fatalf("X-Request-ID %q answered as %q", mine, got)
	}
	line := accessLine(t, h.logs.String(), mine)
	if line["path"] != "/api/v1/me" || line["status"] != float64(401) || line["method"] != "GET" {
		t.Fatalf("access log line %v", line)
	}

	unsafe := "bad id\r\nX-Injected: 1"
	replaced := send(strings.ReplaceAll(unsafe, "\r\n", " ")).Header.Get("X-Request-ID")
	if replaced == "" || strings.Contains(replaced, " ") {
		t.Fatalf("an unsafe X-Request-ID came back as %q", replaced)
	}
	accessLine(t, h.logs.String(), replaced)
}

// accessLine finds the access log line of the request with id.
func accessLine(t *testing.T, logs, id string) map[string]any {
	t.Helper()
	for _, l := range strings.Split(logs, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "http request" && m["request_id"] == id {
			return m
		}
	}
	t.Fatalf("no access log line with request_id %q in:\n%s", id, logs)
	return nil
}

// blockingCollector holds every /metrics scrape in Collect until release closes.
type blockingCollector struct {
	desc    *prometheus.Desc
	in      chan struct{}
	release chan struct{}
}

func (b *blockingCollector) Describe(ch chan<- *prometheus.Desc) { ch <- b.desc }

func (b *blockingCollector) Collect(ch chan<- prometheus.Metric) {
	b.in <- struct{}{}
	<-b.release
	ch <- prometheus.MustNewConstMetric(b.desc, prometheus.GaugeValue, 1)
}

// /metrics is public: it gathers a few answers at once and answers the rest
// 503 at once, instead of piling up work behind slow ones.
func TestMetricsScrapesAreBounded(t *testing.T) {
	h := newHarness(t)
	reg := prometheus.NewRegistry()
	slow := &blockingCollector{desc: prometheus.NewDesc("test_slow", "a collector that waits", nil, nil),
		in: make(chan struct{}, 16), release: make(chan struct{})}
	reg.MustRegister(slow)
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: h.tc, Registry: reg,
		Log: slog.New(slog.DiscardHandler)}).Handler())
	defer srv.Close()
	const scrapes, gathered = 7, 4
	codes := make(chan int, scrapes)
	for range scrapes {
		go func() {
			res, err := http.Get(srv.URL + "/metrics")
			if err != nil {
				t.Error(err)
				codes <- 0
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			codes <- res.StatusCode
		}()
	}
	// Four scrapes are being gathered; the other three are refused meanwhile.
	for range gathered {
		<-slow.in
	}
	for range scrapes - gathered {
		select {
		case code := <-codes:
			if code != http.StatusServiceUnavailable {
				t.Errorf("a scrape beyond the four being gathered answered %d, want 503", code)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("a scrape beyond the four being gathered got no answer while they were")
		}
	}
	close(slow.release)
	for range gathered {
		if code := <-codes; code != http.StatusOK {
			t.Errorf("a scrape being gathered answered %d, want 200", code)
		}
	}
}

// Probes that arrive while a readiness check hangs (a Temporal that accepts
// connections and never answers, until the check's 3 s timeout) wait for that
// check and take its answer: they do not each run one more, one after another.
func TestReadyzProbesShareAHangingCheck(t *testing.T) {
	h := newHarness(t)
	blackHole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer blackHole.Close()
	var (
		mu   sync.Mutex
		held []net.Conn // accepted, never answered
	)
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := blackHole.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	hanging, err := client.NewLazyClient(client.Options{HostPort: blackHole.Addr().String()})
	if err != nil {
		t.Fatal(err)
	}
	defer hanging.Close()
	logs := &syncBuffer{}
	srv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: hanging,
		Log: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}).Handler())
	defer srv.Close()
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := http.Get(srv.URL + "/readyz")
			if err != nil {
				t.Error(err)
				return
			}
			res.Body.Close()
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Errorf("readyz with Temporal hanging: %d", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	if n := strings.Count(logs.String(), `"msg":"readiness check failed","dependency":"temporal"`); n != 1 {
		t.Errorf("three probes during a hanging check ran %d checks, want 1", n)
	}
}
