package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/sheet"
	"github.com/sendingo/sendingo/testenv"
)

// consoleReady says why the browser journeys cannot run here, or "". Without a
// built console, Node or chromium they are skipped, unless
// SENDINGO_REQUIRE_CONSOLE=1 (make test sets it) makes that a failure.
func consoleReady() string {
	for what, path := range map[string]string{
		"the built console (make console)":         "../web/dist/app/index.html",
		"the console's node_modules (npm ci)":      "../web/node_modules/playwright-core",
		"chromium (apt-get install chromium)":      chromiumPath(),
		"the journeys (web/e2e/journeys.test.mjs)": "../web/e2e/journeys.test.mjs",
	} {
		if _, err := os.Stat(path); err != nil {
			return "missing " + what
		}
	}
	if _, err := exec.LookPath("node"); err != nil {
		return "missing node"
	}
	return ""
}

func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// consoleSecret signs the tokens of both processes (dev's and the browser's API).
const consoleSecret = "console-journeys-secret-0123456789abcdef"

// startDev runs `sendingo dev` on free ports with its own database (Temporal,
// the worker, the relay simulator) and beside it a `sendingo api` of its own,
// which the browser talks to, so that a journey can restart the API while the
// rest runs on. It returns that API (with its restart handle) and the relay
// simulator's base URL once both are ready.
func startDev(t *testing.T) (browserAPI *browserAPIProcess, simURL string) {
	t.Helper()
	dsn, drop, err := testenv.CreateDatabase("console")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
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
	api, temporal, ui, sim, browser := port(), port(), port(), port(), port()
	browserURL := fmt.Sprintf("http://127.0.0.1:%d", browser)
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
		"SENDINGO_JWT_SECRET="+consoleSecret,
		// The worker writes tracking links: they lead to the API the browser uses.
		"SENDINGO_PUBLIC_URL="+browserURL,
	)
	logPath := filepath.Join(data, "dev.log")
	log, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// Ctrl-C lets dev stop the Temporal dev server it started.
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
		}
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("sendingo dev log:\n%s", b)
		}
	})
	if err := waitReady(fmt.Sprintf("http://127.0.0.1:%d", api), 2*time.Minute); err != nil {
		t.Fatalf("sendingo dev not ready: %v", err)
	}
	simURL = fmt.Sprintf("http://127.0.0.1:%d", sim)
	browserAPI = &browserAPIProcess{t: t, url: browserURL, log: filepath.Join(data, "api.log"), env: append(os.Environ(),
		"SENDINGO_MYSQL_DSN="+dsn,
		fmt.Sprintf("SENDINGO_HTTP_ADDR=127.0.0.1:%d", browser),
		fmt.Sprintf("SENDINGO_TEMPORAL_ADDRESS=127.0.0.1:%d", temporal),
		"SENDINGO_LOG_LEVEL=warn",
		"SENDINGO_JWT_SECRET="+consoleSecret,
		"SENDINGO_PUBLIC_URL="+browserURL,
		fmt.Sprintf("SENDINGO_ALLOW_PRIVATE_HOSTS=127.0.0.1:%d", sim),
	)}
	if err := browserAPI.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(browserAPI.stop)
	return browserAPI, simURL
}

// waitReady polls /readyz until it answers ok.
func waitReady(base string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		var ready struct {
			Status string `json:"status"`
		}
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			if ready.Status == "ok" {
				return nil
			}
			err = fmt.Errorf("readyz says %q", ready.Status)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// browserAPIProcess is a `sendingo api` the test can restart on the same address.
type browserAPIProcess struct {
	t      *testing.T
	url    string
	env    []string
	log    string
	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

func (a *browserAPIProcess) start() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	log, err := os.OpenFile(a.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(binary, "api")
	cmd.Env = a.env
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(exited) }()
	a.cmd, a.exited = cmd, exited
	if err := waitReady(a.url, time.Minute); err != nil {
		b, _ := os.ReadFile(a.log)
		return fmt.Errorf("sendingo api not ready: %v\n%s", err, b)
	}
	return nil
}

// stop ends the process the way a deploy does (SIGTERM: requests drain, streams close).
func (a *browserAPIProcess) stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd == nil {
		return
	}
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-a.exited:
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
		<-a.exited
	}
	a.cmd = nil
	if a.t.Failed() {
		b, _ := os.ReadFile(a.log)
		a.t.Logf("sendingo api log:\n%s", b)
	}
}

// control serves POST /restart-api for the journeys: the API stops, stays down
// for ?down= (default 1s), starts again on the same address, and the answer
// comes once it is ready.
func (a *browserAPIProcess) control() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/restart-api" {
			http.NotFound(w, r)
			return
		}
		down, err := time.ParseDuration(r.URL.Query().Get("down"))
		if err != nil {
			down = time.Second
		}
		a.stop()
		time.Sleep(down)
		if err := a.start(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
}

// filledSample is the sample the API serves with rows an operator added: two
// with mistakes and one duplicate of a sample row.
func filledSample(t *testing.T) string {
	t.Helper()
	b, err := sheet.Sample()
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := f.GetSheetName(0)
	for i, row := range [][]any{
		{"박민수", "010-99", "", "일반", ""},            // invalid phone
		{"최지우", "", "jiwoo@example.com", "일반", ""}, // missing phone
		{"정하나", "010-1234-5678", "", "일반", ""},     // duplicate of 홍길동
	} {
		if err := f.SetSheetRow(name, fmt.Sprintf("A%d", 5+i), &row); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "고객명단.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConsoleJourneys drives the web console in chromium (playwright-core, from
// web/e2e) against the real binary: `sendingo dev` (MariaDB, the Temporal dev
// server, the worker, the relay simulator) and a `sendingo api` the browser
// talks to, which a journey restarts to see the console recover by itself.
// SENDINGO_SCREENSHOTS=1 also refreshes docs/screenshots.
func TestConsoleJourneys(t *testing.T) {
	if why := consoleReady(); why != "" {
		if os.Getenv("SENDINGO_REQUIRE_CONSOLE") == "1" {
			t.Fatalf("cannot run the console journeys: %s", why)
		}
		t.Skipf("console journeys skipped: %s (make test builds and runs them)", why)
	}
	// On failure the dev server's log is printed by startDev's clean-up, after
	// this test's own lines, and a CI summary shows only the end of a test's
	// output: this clean-up, registered first and so run last, names the failed
	// journeys once more below that log.
	var failed string
	t.Cleanup(func() {
		if failed != "" {
			t.Logf("the failed journeys, again:\n%s", failed)
		}
	})
	browserAPI, simURL := startDev(t)
	control := browserAPI.control()
	defer control.Close()
	// Kept after the test: the screenshots of what the browser showed on failure.
	failures, err := os.MkdirTemp("", "console-failures-")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--test", "--test-concurrency=1", "--test-reporter=tap"}
	if only := os.Getenv("SENDINGO_JOURNEYS"); only != "" {
		// e.g. SENDINGO_JOURNEYS='journey 3' while working on one journey.
		args = append(args, "--test-name-pattern="+only)
	}
	cmd := exec.Command("node", append(args, "e2e/")...)
	cmd.Dir = "../web"
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+browserAPI.url,
		"RESTART_API_URL="+control.URL+"/restart-api",
		"RELAY_SIM_URL="+simURL,
		"FILLED_SAMPLE="+filledSample(t),
		"CHROMIUM="+chromiumPath(),
		"FAILURE_DIR="+failures,
	)
	if os.Getenv("SENDINGO_SCREENSHOTS") == "1" {
		abs, _ := filepath.Abs("../docs/screenshots")
		cmd.Env = append(cmd.Env, "SCREENSHOT_DIR="+abs)
	}
	out, err := cmd.CombinedOutput()
	t.Logf("browser journeys:\n%s", out)
	if err != nil {
		entries, _ := os.ReadDir(failures)
		for _, e := range entries {
			t.Logf("failure screenshot: %s", filepath.Join(failures, e.Name()))
		}
		failed = failedJourneys(out)
		t.Fatalf("browser journeys failed: %v\n%s", err, failed)
	}
}

// failedJourneys picks each failed test out of node's TAP report, with the
// first lines of its diagnostics (the error, where it was thrown).
func failedJourneys(tap []byte) string {
	var b strings.Builder
	inBlock, kept := false, 0
	for _, line := range strings.Split(string(tap), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "not ok "):
			b.WriteString(line + "\n")
			inBlock, kept = true, 0
		case inBlock && trimmed == "...":
			inBlock = false
		case inBlock && kept < 40:
			b.WriteString(line + "\n")
			kept++
		}
	}
	if b.Len() == 0 {
		return "(no failed test in the report: node itself failed; its output is above)\n"
	}
	return b.String()
}
