// Package e2e runs sendingo the way it is deployed: the worker is the real
// binary in its own process (so tests can SIGKILL it), the API serves over HTTP,
// Temporal is the pinned dev server and the relays are the relay simulator.
package e2e

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

var (
	recipients = flag.Int("e2e.recipients", 20000, "recipients of the crash and outage campaigns (the issue's full size is 100000)")
	binary     string
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "sendingo-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "sendingo")
	build := exec.Command("go", "build", "-o", binary, "../cmd/sendingo")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build sendingo:", err)
		os.Exit(1)
	}
	defer os.RemoveAll(dir)
	testenv.Main(m, testenv.WithTemporal)
}

// stack is the API in this process; workers run as child processes.
type stack struct {
	t     *testing.T
	cfg   config.Config
	store *store.Store
	db    *sqlx.DB // the database, for raw SQL
	tc    client.Client
	c     *apitest.Client
	api   string // the in-process API's base URL
	env   []string
	// egress is the in-process API's guard; allow adds the tests' simulators to
	// it and to the worker processes' SENDINGO_ALLOW_PRIVATE_HOSTS.
	egress  *egress.Guard
	allowed []string
	// logs holds the workers' output, one file each; it is kept when the test
	// fails.
	logs    string
	workers int
}

// newStack runs the API on the package's database and Temporal dev server.
func newStack(t *testing.T) *stack {
	t.Helper()
	env := testenv.Current()
	return newStackOn(t, env.DSN, env.Temporal.Address)
}

// newStackOn runs the API on the given database and Temporal frontend; tests
// that stop one of them bring their own.
func newStackOn(t *testing.T, dsn, temporal string, tune ...func(*config.Config)) *stack {
	t.Helper()
	st, err := store.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	quiet := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tc, err := client.Dial(client.Options{HostPort: temporal, Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	cfg, _ := config.Load(func(string) string { return "" })
	cfg.TaskQueue = fmt.Sprintf("e2e-%s-%d", t.Name(), time.Now().UnixNano())
	cfg.ChunkSize, cfg.ChunkWindow, cfg.ReportDeadline = 2000, 4, 2*time.Minute
	cfg.JWTSecret = "e2e-secret-e2e-secret-e2e-secret-0123"
	guard := &egress.Guard{}
	for _, f := range tune {
		f(&cfg)
	}
	srv := httptest.NewServer(api.New(api.Deps{Config: cfg, Store: st, Temporal: tc, Log: quiet, Egress: guard}).Handler())
	t.Cleanup(srv.Close)
	logs, err := os.MkdirTemp("", "sendingo-e2e-"+strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker logs kept in %s", logs)
			return
		}
		os.RemoveAll(logs)
	})
	db, err := testenv.OpenDB(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &stack{t: t, cfg: cfg, store: st, db: db, tc: tc, c: apitest.New(t, srv.URL), api: srv.URL, egress: guard, logs: logs}
	s.env = append(os.Environ(),
		"SENDINGO_MYSQL_DSN="+dsn,
		"SENDINGO_TEMPORAL_ADDRESS="+temporal,
		"SENDINGO_TASK_QUEUE="+cfg.TaskQueue,
		"SENDINGO_DEV=true",
		"SENDINGO_LOG_LEVEL=warn",
		// Workers of several tests may run at once: no fixed metrics port.
		"SENDINGO_WORKER_METRICS_ADDR=127.0.0.1:0",
	)
	return s
}

// allow lets relays reach the loopback server at base, in this process's API
// and in workers started from now on.
func (s *stack) allow(base string) {
	s.t.Helper()
	host, port, err := egress.ParseURL(base)
	if err != nil {
		s.t.Fatal(err)
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if err := s.egress.Allow(addr); err != nil {
		s.t.Fatal(err)
	}
	s.allowed = append(s.allowed, addr)
	// exec keeps the last of duplicate variables.
	s.env = append(s.env, "SENDINGO_ALLOW_PRIVATE_HOSTS="+strings.Join(s.allowed, ","))
}

// worker is a `sendingo worker` child process.
type worker struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
}

func (s *stack) startWorker() *worker {
	s.t.Helper()
	cmd := exec.Command(binary, "worker")
	cmd.Env = s.env
	s.workers++
	log, err := os.Create(filepath.Join(s.logs, fmt.Sprintf("worker-%d.log", s.workers)))
	if err != nil {
		s.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	w := &worker{cmd: cmd, exited: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		log.Close()
		close(w.exited)
	}()
	s.t.Cleanup(func() { w.kill() })
	return w
}

// kill SIGKILLs the worker: no graceful shutdown, no heartbeat, no cleanup.
func (w *worker) kill() {
	select {
	case <-w.exited:
		return
	default:
	}
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.exited
}
