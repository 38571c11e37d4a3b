// Package devserver finds (or builds) the pinned Temporal CLI and runs its
// development server as a child process. `sendingo dev` and the end-to-end tests
// use it; production points at a real Temporal cluster instead.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

// CLIVersion is the Temporal CLI release sendingo pins (tools/go.mod holds it too).
// Later releases carry replace directives and cannot be built with `go install`.
const CLIVersion = "v1.5.1"

const cliPackage = "github.com/temporalio/cli/cmd/temporal"

// SearchAttribute is one custom search attribute registered at start.
type SearchAttribute struct{ Name, Type string }

// SearchAttributes are the ones sendingo's workflows set.
var SearchAttributes = []SearchAttribute{
	{"AccountId", "Keyword"},
	{"CampaignId", "Keyword"},
}

// Options configure one dev server.
type Options struct {
	CLI         string // path to the temporal binary
	IP          string // listen address, default 127.0.0.1
	Port        int    // frontend gRPC port; 0 picks a free one
	HTTPPort    int    // 0 picks a free one
	MetricsPort int    // 0 picks a free one
	UIPort      int    // Temporal Web; 0 runs headless
	DBFile      string // SQLite file that keeps state across restarts; "" keeps it in memory
	Namespace   string // default "default"
	LogFile     string // where the server's output goes; "" discards it
	LogLevel    string // default "warn"
}

// Server is a running dev server.
type Server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	logFile *os.File
	Address string // host:port of the frontend
	UIURL   string // empty when headless
	// Options are the ones it runs with, its ports filled in: Start with them
	// starts a server where this one was (after a restart, clients dial the
	// same address).
	Options Options
}

// Start launches the dev server and returns once its frontend answers.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.IP == "" {
		o.IP = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	// A port picked here is free when picked, but another process (a test's
	// own dev server among them) may take it before the server binds it; the
	// server then exits at once, and is started again on other ports.
	picked := []*int{}
	for _, p := range []*int{&o.Port, &o.HTTPPort, &o.MetricsPort} {
		if *p == 0 {
			picked = append(picked, p)
		}
	}
	for attempt := 1; ; attempt++ {
		for _, p := range picked {
			var err error
			if *p, err = FreePort(o.IP); err != nil {
				return nil, err
			}
		}
		s, err := start(ctx, o)
		if errors.Is(err, errExitedEarly) && len(picked) > 0 && attempt < 3 {
			continue
		}
		return s, err
	}
}

// errExitedEarly: the server process ended before it answered.
var errExitedEarly = errors.New("temporal dev server exited during start-up")

func start(ctx context.Context, o Options) (*Server, error) {
	args := []string{"server", "start-dev",
		"--ip", o.IP,
		"--port", strconv.Itoa(o.Port),
		"--http-port", strconv.Itoa(o.HTTPPort),
		"--metrics-port", strconv.Itoa(o.MetricsPort),
		"--log-level", o.LogLevel,
		"--log-format", "json",
	}
	if o.Namespace != "default" { // "default" always exists
		args = append(args, "--namespace", o.Namespace)
	}
	if o.UIPort == 0 {
		args = append(args, "--headless")
	} else {
		args = append(args, "--ui-port", strconv.Itoa(o.UIPort), "--ui-ip", o.IP)
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return nil, err
		}
		args = append(args, "--db-filename", o.DBFile)
	}
	for _, sa := range SearchAttributes {
		args = append(args, "--search-attribute", sa.Name+"="+sa.Type)
	}
	cmd := exec.Command(o.CLI, args...)
	// Its own process group keeps a terminal's Ctrl-C away from it (we stop it in
	// order, after the worker); Pdeathsig kills it if this process dies abruptly.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	s := &Server{cmd: cmd, done: make(chan struct{}), Address: net.JoinHostPort(o.IP, strconv.Itoa(o.Port)), Options: o}
	if o.LogFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.LogFile), 0o755); err != nil {
			return nil, err
		}
		f, err := os.OpenFile(o.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		s.logFile = f
		cmd.Stdout, cmd.Stderr = f, f
	}
	if o.UIPort != 0 {
		s.UIURL = fmt.Sprintf("http://%s:%d", o.IP, o.UIPort)
	}
	if err := cmd.Start(); err != nil {
		s.closeLog()
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	go func() {
		s.waitErr = cmd.Wait()
		s.closeLog()
		close(s.done)
	}()
	if err := s.waitReady(ctx, o.Namespace); err != nil {
		s.Stop()
		if o.LogFile != "" {
			err = fmt.Errorf("%w (server log: %s)", err, o.LogFile)
		}
		return nil, err
	}
	return s, nil
}

func (s *Server) closeLog() {
	if s.logFile != nil {
		s.logFile.Close()
	}
}

func (s *Server) waitReady(ctx context.Context, namespace string) error {
	deadline := time.Now().Add(90 * time.Second)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("%w: %v", errExitedEarly, s.waitErr)
		default:
		}
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		c, err := client.DialContext(dctx, client.Options{HostPort: s.Address, Namespace: namespace,
			Logger: quietLogger()})
		if err == nil {
			_, err = c.CheckHealth(dctx, &client.CheckHealthRequest{})
			c.Close()
		}
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("temporal dev server at %s not ready: %w", s.Address, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop asks the server to shut down and waits; it kills it after 15 s.
func (s *Server) Stop() error {
	select {
	case <-s.done:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	}
	return nil
}

// Kill SIGKILLs the server's process group and waits for it to exit: no
// shutdown, as when its machine dies. The fault tests use it.
func (s *Server) Kill() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	<-s.done
}

// Done is closed when the server process has exited.
func (s *Server) Done() <-chan struct{} { return s.done }

// FreePort answers a port on ip that nobody listens on now, for a server
// started next. It is picked at random between 10000 and the start of the
// kernel's ephemeral range (net.ipv4.ip_local_port_range): ports in that range
// are what the kernel gives every outgoing connection and every listener on
// port 0, so one picked there may be taken by a connection before the server
// binds it (a test suite opens thousands). Below it, only another caller
// picking at random can take it. Where the range leaves no room below it,
// the kernel picks.
func FreePort(ip string) (int, error) {
	if lo := ephemeralLow(); lo-freePortMin >= 1000 {
		for range 64 {
			p := freePortMin + rand.IntN(lo-freePortMin)
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
			if err == nil {
				l.Close()
				return p, nil
			}
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// freePortMin is the lowest port FreePort picks: above the ports services
// are usually configured on.
const freePortMin = 10000

// ephemeralLow is the first port of the kernel's ephemeral range (32768
// where it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return 32768
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil || lo <= 0 {
		return 32768
	}
	return lo
}

// EnsureCLI returns the path of the pinned Temporal CLI, building it on first use:
//   - $SENDINGO_TEMPORAL_CLI when set;
//   - .bin/temporal in the source tree, built from tools/go.mod (go.sum-verified);
//   - outside a source tree, `go install ...@v1.5.1` into the user cache directory.
func EnsureCLI(ctx context.Context, log *slog.Logger) (string, error) {
	if p := os.Getenv("SENDINGO_TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	if root, ok := SourceRoot(); ok {
		bin := filepath.Join(root, ".bin", "temporal")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
		log.Info("building the pinned Temporal CLI (first run only, a few minutes)", "version", CLIVersion, "into", bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, cliPackage)
		cmd.Dir = filepath.Join(root, "tools")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build Temporal CLI: %w\n%s", err, out)
		}
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	gobin := filepath.Join(cache, "sendingo", "temporal-"+CLIVersion)
	bin := filepath.Join(gobin, "temporal")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	log.Info("installing the pinned Temporal CLI (first run only, a few minutes)", "version", CLIVersion, "into", gobin)
	cmd := exec.CommandContext(ctx, "go", "install", cliPackage+"@"+CLIVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install Temporal CLI: %w\n%s", err, out)
	}
	return bin, nil
}

// SourceRoot finds the sendingo source tree above the working directory.
func SourceRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "tools", "go.mod")); err == nil &&
			strings.Contains(string(b), cliPackage) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func quietLogger() tlog.Logger { return tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)) }
