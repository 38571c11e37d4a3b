// Package bench runs sendingo end to end on this machine for the benchmark
// commands (`sendingo bench ...`): a throw-away database, an in-memory Temporal
// dev server, the worker and the API in this process, driven over HTTP.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/migrations"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/worker"
)

// Stack is a running sendingo: database, Temporal, worker and API.
type Stack struct {
	Cfg   config.Config
	Store *store.Store
	// DB is a pool of its own on the database, for the measurements' queries
	// (timings, buffer pool status) that are no store method.
	DB       *sqlx.DB
	Temporal client.Client
	BaseURL  string
	Token    string
	Log      *slog.Logger
	// WorkerEnv is the environment a `sendingo worker` process needs to join.
	WorkerEnv []string
	// APIProcess is the API's own process, when Options.APIBinary asked for one.
	APIProcess *os.Process
	// Egress is the in-process API's and worker's guard; RunCampaign adds its
	// relay simulator to it.
	Egress  *egress.Guard
	closers []func()
}

// Options shape the stack.
type Options struct {
	// ExternalWorker leaves the worker out; the caller runs `sendingo worker`
	// processes against Stack.WorkerEnv (to measure or kill them on their own).
	ExternalWorker bool
	// APIBinary, when set, serves the API from that binary in its own process
	// (`sendingo api`), so its memory and latency are its own.
	APIBinary string
}

// Start brings the stack up on a fresh database named after label.
func Start(ctx context.Context, cfg config.Config, label string, opts ...Options) (*Stack, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	s := &Stack{Cfg: cfg, Log: slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var err error
	if s.Egress, err = cfg.Egress(); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	dsn, err := freshDatabase(cfg.MySQLDSN, label)
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { dropDatabase(dsn) })
	s.Cfg.MySQLDSN = dsn
	if err := migrations.Up(dsn); err != nil {
		return nil, err
	}
	if s.Store, err = store.Open(ctx, dsn); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { s.Store.Close() })
	full, err := store.DSN(dsn)
	if err != nil {
		return nil, err
	}
	if s.DB, err = sqlx.Open("mysql", full); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { s.DB.Close() })

	cli, err := devserver.EnsureCLI(ctx, s.Log)
	if err != nil {
		return nil, err
	}
	srv, err := devserver.Start(ctx, devserver.Options{CLI: cli, LogFile: os.TempDir() + "/sendingo-bench-temporal.log"})
	if err != nil {
		return nil, err
	}
	s.closers = append(s.closers, func() { srv.Stop() })
	if s.Temporal, err = client.Dial(client.Options{HostPort: srv.Address, Logger: tlog.NewStructuredLogger(s.Log)}); err != nil {
		return nil, err
	}
	s.closers = append(s.closers, s.Temporal.Close)

	s.Cfg.TaskQueue = "bench"
	s.WorkerEnv = append(os.Environ(), "SENDINGO_MYSQL_DSN="+dsn, "SENDINGO_TEMPORAL_ADDRESS="+srv.Address,
		"SENDINGO_TASK_QUEUE="+s.Cfg.TaskQueue, "SENDINGO_DEV=true", "SENDINGO_LOG_LEVEL=warn")
	if !o.ExternalWorker {
		w := worker.New(s.Temporal, s.Cfg.TaskQueue, activities.New(s.Store, s.Log, s.Cfg.PublicURL, s.Egress), worker.DefaultOptions())
		if err := w.Start(); err != nil {
			return nil, err
		}
		s.closers = append(s.closers, w.Stop)
	}

	if o.APIBinary != "" {
		port, err := devserver.FreePort("127.0.0.1")
		if err != nil {
			return nil, err
		}
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		cmd := exec.CommandContext(ctx, o.APIBinary, "api")
		cmd.Env = append(append([]string{}, s.WorkerEnv...), "SENDINGO_HTTP_ADDR="+addr, "SENDINGO_PUBLIC_URL=http://"+addr)
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("start api: %w", err)
		}
		s.APIProcess = cmd.Process
		s.closers = append(s.closers, func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
		s.BaseURL = "http://" + addr
		if err := waitHTTP(ctx, s.BaseURL+"/healthz"); err != nil {
			return nil, err
		}
	} else {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		a := api.New(api.Deps{Config: s.Cfg, Store: s.Store, Temporal: s.Temporal, Log: s.Log, Egress: s.Egress})
		hs := &http.Server{Handler: a.Handler()}
		go hs.Serve(ln)
		s.closers = append(s.closers, func() { a.Close(); hs.Close() })
		s.BaseURL = "http://" + ln.Addr().String()
	}

	var signup struct{ Token string }
	body := fmt.Sprintf(`{"account_name":"bench","name":"bench","email":"bench-%d@example.com","password":"Bench-Passw0rd"}`, time.Now().UnixNano())
	if err := s.Call(ctx, "POST", "/api/v1/auth/signup", "application/json", strings.NewReader(body), 201, &signup); err != nil {
		return nil, err
	}
	s.Token = signup.Token
	ok = true
	return s, nil
}

// Close tears everything down, newest first.
func (s *Stack) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Call makes an API request and decodes a JSON answer into out.
func (s *Stack) Call(ctx context.Context, method, path, contentType string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, s.BaseURL+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if s.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.Token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// openServer opens the MySQL server dsn names without choosing a database,
// answering the DSN's own settings too.
func openServer(dsn string) (*sqlx.DB, *mysql.Config, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, nil, err
	}
	server := *cfg
	server.DBName = ""
	db, err := sqlx.Open("mysql", server.FormatDSN())
	return db, cfg, err
}

func freshDatabase(dsn, label string) (string, error) {
	db, cfg, err := openServer(dsn)
	if err != nil {
		return "", err
	}
	defer db.Close()
	name := fmt.Sprintf("sendingo_bench_%s_%d", label, time.Now().Unix())
	if _, err := db.Exec("CREATE DATABASE `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", fmt.Errorf("create bench database (is MySQL running?): %w", err)
	}
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

func dropDatabase(dsn string) {
	if db, cfg, err := openServer(dsn); err == nil {
		_, _ = db.Exec("DROP DATABASE IF EXISTS `" + cfg.DBName + "`")
		db.Close()
	}
}

// MemSampler records the peak resident set size and Go heap while it runs.
type MemSampler struct {
	mu       sync.Mutex
	peakRSS  uint64
	peakHeap uint64
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
}

// SampleMemory starts sampling every interval.
func SampleMemory(interval time.Duration) *MemSampler {
	m := &MemSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(m.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *MemSampler) sample() {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := RSS()
	m.mu.Lock()
	m.peakRSS = max(m.peakRSS, rss)
	m.peakHeap = max(m.peakHeap, ms.HeapInuse)
	m.mu.Unlock()
}

// Stop ends sampling and answers the peaks in bytes.
func (m *MemSampler) Stop() (rss, heap uint64) {
	m.once.Do(func() {
		close(m.stop)
		<-m.done
		m.sample()
	})
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.peakRSS, m.peakHeap
}

// RSS is this process's resident set size (Linux), or 0.
func RSS() uint64 { return procStatus("self", "VmRSS:") }

// PeakRSS is this process's high-water resident set size (Linux), or 0.
func PeakRSS() uint64 { return procStatus("self", "VmHWM:") }

// ProcessRSS and ProcessPeakRSS read another process's memory.
func ProcessRSS(pid int) uint64     { return procStatus(strconv.Itoa(pid), "VmRSS:") }
func ProcessPeakRSS(pid int) uint64 { return procStatus(strconv.Itoa(pid), "VmHWM:") }

func procStatus(pid, key string) uint64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, key) {
			fields := strings.Fields(line[len(key):])
			if len(fields) > 0 {
				kb, _ := strconv.ParseUint(fields[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// MB formats bytes as mebibytes.
func MB(b uint64) string { return fmt.Sprintf("%.0f MB", float64(b)/(1<<20)) }

func stringsReader(s string) io.Reader { return strings.NewReader(s) }
