package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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
	srv := metricsServer(cfg, worker.Handler(prometheus.NewRegistry(), &worker.Health{}))
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	closedBy := func(conn net.Conn, r *bufio.Reader) bool {
		t.Helper()
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, err := r.ReadByte()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false
		}
		return errors.Is(err, io.EOF) || err != nil
	}

	idle, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	if _, err := io.WriteString(idle, "GET /metrics HTTP/1.1\r\nHost: worker\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(idle)
	res, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %s", res.Status)
	}
	if !closedBy(idle, r) {
		t.Error("an idle keep-alive connection was still open 5 s after the idle timeout")
	}

	half, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	if _, err := io.WriteString(half, "GET /metrics HTTP/1.1\r\nHost: wor"); err != nil {
		t.Fatal(err)
	}
	if !closedBy(half, bufio.NewReader(half)) {
		t.Error("a half-sent request held its connection 5 s after the read timeout")
	}
}
