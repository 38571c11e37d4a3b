package main

import (
	"bufio"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/worker"
)

// The worker's metrics port closes a keep-alive connection that has gone
// idle, and one that sends half a request and stops, as the API's port does:
// it listens on every interface, so a client must not hold connections there.
func TestWorkerMetricsPortDropsIdleConnections(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	cfg.HTTPIdleTimeout, cfg.HTTPReadTimeout = 300*time.Millisecond, 300*time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewHTTPServer(cfg, worker.Handler(prometheus.NewRegistry(), &worker.Health{}), slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	// send opens a connection and writes text on it.
	send := func(text string) (net.Conn, *bufio.Reader) {
		t.Helper()
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		if _, err := io.WriteString(conn, text); err != nil {
			t.Fatal(err)
		}
		return conn, bufio.NewReader(conn)
	}
	// closed says whether the server closed conn within 5 s.
	closed := func(conn net.Conn, r *bufio.Reader) bool {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := r.ReadByte()
		var ne net.Error
		return err != nil && !(errors.As(err, &ne) && ne.Timeout())
	}

	idle, r := send("GET /metrics HTTP/1.1\r\nHost: worker\r\n\r\n")
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", res.Status)
	}
	if !closed(idle, r) {
		t.Error("an idle keep-alive connection was still open 5 s after the idle timeout")
	}
	if !closed(send("GET /metrics HTTP/1.1\r\nHost: wor")) {
		t.Error("a half-sent request held its connection 5 s after the read timeout")
	}
}

// blockingGatherer holds every gather until released, counting those started.
type blockingGatherer struct {
	started chan struct{}
	release chan struct{}
}

func (g blockingGatherer) Gather() ([]*dto.MetricFamily, error) {
	g.started <- struct{}{}
	<-g.release
	return nil, nil
}

// The worker's /metrics gathers at most worker.MetricsInFlight answers at
// once: a scrape past them is answered 503 at once instead of starting
// another gather, and once the gathers end scrapes are answered again.
func TestWorkerMetricsGathersAFewAtOnce(t *testing.T) {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	g := blockingGatherer{started: make(chan struct{}, 64), release: make(chan struct{})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewHTTPServer(cfg, worker.Handler(g, &worker.Health{}), slog.New(slog.DiscardHandler))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(g.release) }) })
	url := "http://" + ln.Addr().String() + "/metrics"
	client := &http.Client{Timeout: 5 * time.Second}
	scrape := func() int {
		res, err := client.Get(url)
		if err != nil {
			t.Error(err)
			return 0
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode
	}
	var wg sync.WaitGroup
	codes := make(chan int, worker.MetricsInFlight)
	for range worker.MetricsInFlight {
		wg.Go(func() { codes <- scrape() })
	}
	for range worker.MetricsInFlight {
		<-g.started
	}
	if code := scrape(); code != http.StatusServiceUnavailable {
		t.Fatalf("a scrape past %d gathers in flight: %d, want 503", worker.MetricsInFlight, code)
	}
	select {
	case <-g.started:
		t.Fatal("a scrape past the bound started another gather")
	default:
	}
	once.Do(func() { close(g.release) })
	wg.Wait()
	close(codes)
	for code := range codes {
		if code != http.StatusOK {
			t.Fatalf("a scrape in flight ended %d, want 200", code)
		}
	}
	if code := scrape(); code != http.StatusOK {
		t.Fatalf("a scrape once the gathers ended: %d, want 200", code)
	}
}
