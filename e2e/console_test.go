package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// startDev runs `sendingo dev` on free ports with its own database and returns
// the API's and the relay simulator's base URLs once it is ready.
func startDev(t *testing.T) (apiURL, simURL string) {
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
	apiURL = fmt.Sprintf("http://127.0.0.1:%d", api)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var ready struct {
			Status string `json:"status"`
		}
		resp, err := http.Get(apiURL + "/readyz")
		if err == nil {
			_ = json.NewDecoder(resp.Body).Decode(&ready)
			resp.Body.Close()
			if ready.Status == "ok" {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("sendingo dev not ready: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	return apiURL, fmt.Sprintf("http://127.0.0.1:%d", sim)
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
// web/e2e) against the real binary in dev mode: MariaDB, the Temporal dev
// server and the relay simulator. SENDINGO_SCREENSHOTS=1 also refreshes
// docs/screenshots.
func TestConsoleJourneys(t *testing.T) {
	if why := consoleReady(); why != "" {
		if os.Getenv("SENDINGO_REQUIRE_CONSOLE") == "1" {
			t.Fatalf("cannot run the console journeys: %s", why)
		}
		t.Skipf("console journeys skipped: %s (make test builds and runs them)", why)
	}
	apiURL, simURL := startDev(t)
	// Kept after the test: the screenshots of what the browser showed on failure.
	failures, err := os.MkdirTemp("", "console-failures-")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "--test", "--test-concurrency=1", "--test-reporter=tap", "e2e/")
	cmd.Dir = "../web"
	cmd.Env = append(os.Environ(),
		"CONSOLE_URL="+apiURL,
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
		t.Fatalf("browser journeys failed: %v", err)
	}
}
