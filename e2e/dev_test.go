package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/testenv"
)

// processesMentioning lists the pids whose command line contains s.
func processesMentioning(s string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline")); err == nil && strings.Contains(string(b), s) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// `sendingo dev` brings up the API (ready: MySQL and Temporal ok), Temporal Web
// and the relay simulator; SIGINT (Ctrl-C) stops all of it and leaves no child
// process behind.
func TestDevStartsEverythingAndCtrlCLeavesNothing(t *testing.T) {
	dsn, drop, err := testenv.CreateDatabase("dev")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	cli, err := devserver.EnsureCLI(context.Background(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	port := func() int {
		p, err := devserver.FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	api, temporal, ui, sim := port(), port(), port(), port()
	data := t.TempDir()
	cmd := exec.Command(binary, "dev")
	cmd.Env = append(os.Environ(),
		"SENDINGO_MYSQL_DSN="+dsn,
		fmt.Sprintf("SENDINGO_HTTP_ADDR=127.0.0.1:%d", api),
		fmt.Sprintf("SENDINGO_TEMPORAL_ADDRESS=127.0.0.1:%d", temporal),
		fmt.Sprintf("SENDINGO_TEMPORAL_UI_PORT=%d", ui),
		fmt.Sprintf("SENDINGO_RELAY_SIM_ADDR=127.0.0.1:%d", sim),
		"SENDINGO_DATA_DIR="+data,
		"SENDINGO_TEMPORAL_CLI="+cli,
		"SENDINGO_LOG_LEVEL=warn",
	)
	log, _ := os.Create(filepath.Join(data, "dev.log"))
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()

	// Ready: MySQL and Temporal both ok.
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/readyz", api))
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			if ready.Status == "ok" {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(data, "dev.log"))
			t.Fatalf("not ready: %+v, err %v\n%s", ready, err, b)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if ready.Checks["mysql"] != "ok" || ready.Checks["temporal"] != "ok" {
		t.Fatalf("readyz %+v", ready)
	}
	for name, url := range map[string]string{
		"Temporal Web":    fmt.Sprintf("http://127.0.0.1:%d/", ui),
		"relay simulator": fmt.Sprintf("http://127.0.0.1:%d/stats", sim),
	} {
		resp, err := http.Get(url)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s at %s: %v", name, url, err)
		}
		resp.Body.Close()
	}
	checkDevEgress(t, fmt.Sprintf("http://127.0.0.1:%d", api), fmt.Sprintf("127.0.0.1:%d", sim))
	checkDevHardening(t, fmt.Sprintf("http://127.0.0.1:%d", api), fmt.Sprintf("127.0.0.1:%d", sim))
	// One process, one /metrics: the API's also has the worker's Temporal SDK
	// series (the worker's domain series appear once it sends).
	for deadline := time.Now().Add(30 * time.Second); ; {
		fams := scrape(t, fmt.Sprintf("http://127.0.0.1:%d/metrics", api))
		if sample(fams, "temporal_worker_start_total", map[string]string{"worker_type": "ActivityWorker"}) != nil &&
			fams["sendingo_http_requests_total"] != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dev API's /metrics has no Temporal worker series after 30 s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if len(processesMentioning(data)) == 0 {
		t.Fatal("found no Temporal dev server process using the data directory: the check below would prove nothing")
	}

	// An open event stream does not hold up the shutdown: it is closed at once.
	base := fmt.Sprintf("http://127.0.0.1:%d", api)
	var su struct{ Token string }
	apitest.New(t, base).Do("POST", "/api/v1/auth/signup", map[string]any{"account_name": "dev", "name": "dev",
		"email": fmt.Sprintf("dev-%d@example.com", time.Now().UnixNano()), "password": "Dev-Passw0rd1"}).Expect(201).JSON(&su)
	req, _ := http.NewRequest("GET", base+"/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+su.Token)
	stream, err := http.DefaultClient.Do(req)
	if err != nil || stream.StatusCode != 200 {
		t.Fatalf("open a stream: %v", err)
	}
	defer stream.Body.Close()
	streamEnded := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, stream.Body)
		streamEnded <- err
	}()

	// Ctrl-C.
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-streamEnded:
		if err != nil {
			t.Fatalf("the stream broke instead of ending: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the event stream was still open a minute after SIGINT")
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("sendingo dev exited with %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("sendingo dev did not stop within a minute of SIGINT")
	}
	deadline = time.Now().Add(10 * time.Second)
	for len(processesMentioning(data)) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := processesMentioning(data); len(left) > 0 {
		t.Fatalf("processes left after Ctrl-C: %v", left)
	}
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", api)); err == nil {
		t.Fatal("the API still answers after Ctrl-C")
	}
}
