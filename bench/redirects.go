package bench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sendingo/sendingo/devserver"
)

// HaveNginxWrk tells whether nginx and wrk are installed.
func HaveNginxWrk() (nginx, wrk string) {
	nginx, _ = exec.LookPath("nginx")
	if nginx == "" {
		if _, err := os.Stat("/usr/sbin/nginx"); err == nil {
			nginx = "/usr/sbin/nginx"
		}
	}
	wrk, _ = exec.LookPath("wrk")
	return nginx, wrk
}

// StartNginx runs nginx (its own config, one worker per CPU, no access log)
// answering every /t/ request with `return 302`, and answers its base URL.
func StartNginx(ctx context.Context, nginx string) (string, func(), error) {
	dir, err := os.MkdirTemp("", "sendingo-nginx-")
	if err != nil {
		return "", nil, err
	}
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		return "", nil, err
	}
	conf := fmt.Sprintf(`daemon off;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
  server {
    listen 127.0.0.1:%[2]d;
    location /t/ { return 302 https://example.com/landing; }
    location = /healthz { return 200 "ok"; }
  }
}
`, dir, port)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		return "", nil, err
	}
	cmd := exec.CommandContext(ctx, nginx, "-c", path, "-p", dir, "-e", filepath.Join(dir, "error.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		_ = os.RemoveAll(dir)
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	if err := waitHTTP(ctx, base+"/healthz"); err != nil {
		stop()
		return "", nil, err
	}
	return base, stop, nil
}

// WrkRedirects loads base/t/{token} with wrk (2 threads, conns connections,
// random tokens from a Lua script) for d and answers its figures: redirects/s,
// p50/p99 (wrk's own), and non-3xx answers or socket errors as failures.
func WrkRedirects(ctx context.Context, wrk, base string, tokens []string, conns int, d time.Duration) (Latency, error) {
	dir, err := os.MkdirTemp("", "sendingo-wrk-")
	if err != nil {
		return Latency{}, err
	}
	defer os.RemoveAll(dir)
	var b bytes.Buffer
	b.WriteString("local tokens = {")
	for i, t := range tokens {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q", t)
	}
	b.WriteString("}\n")
	b.WriteString("math.randomseed(os.time())\n")
	fmt.Fprintf(&b, "wrk.headers[\"User-Agent\"] = %q\n", clickUA)
	b.WriteString(`request = function()
  return wrk.format("GET", "/t/" .. tokens[math.random(#tokens)])
end
`)
	script := filepath.Join(dir, "tokens.lua")
	if err := os.WriteFile(script, b.Bytes(), 0o600); err != nil {
		return Latency{}, err
	}
	secs := max(int(d.Seconds()), 1)
	cmd := exec.CommandContext(ctx, wrk, "-t2", "-c"+strconv.Itoa(conns), "-d"+strconv.Itoa(secs)+"s", "--latency", "-s", script, base)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return Latency{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	l, err := parseWrk(string(out))
	l.ClientCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return l, err
}

var (
	wrkRequests = regexp.MustCompile(`(\d+) requests in ([\d.]+)(\w+)`)
	wrkRate     = regexp.MustCompile(`Requests/sec:\s+([\d.]+)`)
	wrkNon3xx   = regexp.MustCompile(`Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkPct      = regexp.MustCompile(`^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$`)
	wrkMax      = regexp.MustCompile(`Latency\s+[\d.]+\w+\s+[\d.]+\w+\s+([\d.]+)(us|ms|s)`)
)

func wrkDuration(v, unit string) time.Duration {
	f, _ := strconv.ParseFloat(v, 64)
	switch unit {
	case "us":
		return time.Duration(f * float64(time.Microsecond))
	case "ms":
		return time.Duration(f * float64(time.Millisecond))
	default:
		return time.Duration(f * float64(time.Second))
	}
}

func parseWrk(out string) (Latency, error) {
	l := Latency{Name: "GET /t/{token} (wrk)"}
	m := wrkRequests.FindStringSubmatch(out)
	r := wrkRate.FindStringSubmatch(out)
	if m == nil || r == nil {
		return l, fmt.Errorf("cannot read wrk's output:\n%s", out)
	}
	l.N, _ = strconv.Atoi(m[1])
	l.PerSecond, _ = strconv.ParseFloat(r[1], 64)
	if m := wrkNon3xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		l.Failures += n
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, v := range m[1:] {
			n, _ := strconv.ParseInt(v, 10, 64)
			l.Failures += n
		}
	}
	if m := wrkMax.FindStringSubmatch(out); m != nil {
		l.Max = wrkDuration(m[1], m[2])
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		if m := wrkPct.FindStringSubmatch(sc.Text()); m != nil {
			switch m[1] {
			case "50":
				l.P50 = wrkDuration(m[2], m[3])
			case "90":
				l.P95 = wrkDuration(m[2], m[3]) // wrk prints 90%, not 95%
			case "99":
				l.P99 = wrkDuration(m[2], m[3])
			}
		}
	}
	return l, nil
}

// ProcessCPU is a process's CPU time so far, user and system (Linux; 0 elsewhere).
func ProcessCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 || i+2 > len(s) {
		return 0
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+k) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// MachineCPU is the machine's CPU time so far, all cores, from the cpu line of
// /proc/stat (Linux; zero elsewhere). Steal is time this virtual machine wanted
// to run but its host ran something else: a round whose steal share is up was
// slowed by the host, not by what it measured.
type MachineCPU struct {
	Busy, Idle, Steal time.Duration
}

// ReadMachineCPU reads MachineCPU now.
func ReadMachineCPU() MachineCPU {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return MachineCPU{}
	}
	return parseMachineCPU(string(b))
}

// parseMachineCPU reads the cpu line: user nice system idle iowait irq softirq
// steal (guest time is already in user).
func parseMachineCPU(stat string) MachineCPU {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return MachineCPU{}
	}
	var v [8]int64
	for i := range v {
		v[i], _ = strconv.ParseInt(f[i+1], 10, 64)
	}
	tick := func(n int64) time.Duration { return time.Duration(n) * 10 * time.Millisecond } // USER_HZ 100
	return MachineCPU{Busy: tick(v[0] + v[1] + v[2] + v[5] + v[6]), Idle: tick(v[3] + v[4]), Steal: tick(v[7])}
}

// Shares are the busy and stolen parts of the time since m0 (0 to 1 each).
func (m MachineCPU) Shares(m0 MachineCPU) (busy, steal float64) {
	b, i, st := m.Busy-m0.Busy, m.Idle-m0.Idle, m.Steal-m0.Steal
	total := b + i + st
	if total <= 0 {
		return 0, 0
	}
	return float64(b) / float64(total), float64(st) / float64(total)
}

// FetchCPUProfile takes a CPU profile of d (at least a second) from the Go
// process serving /debug/pprof/ at addr, starting at once, and writes it to path.
func FetchCPUProfile(ctx context.Context, addr string, d time.Duration, path string) error {
	secs := max(int(d.Seconds()), 1)
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs), nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("cpu profile: %s", res.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// LocalMySQLPid finds a MariaDB or MySQL server process on this machine (0:
// none), so a bench can print the database's CPU per request next to the
// API's. A server elsewhere is not seen.
func LocalMySQLPid() int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(comm)) {
		case "mariadbd", "mysqld":
			return pid
		}
	}
	return 0
}

// ScrapeCounter reads one unlabelled counter from the Prometheus text at
// base/metrics; found is false when the process does not serve it (an older
// build).
func ScrapeCounter(ctx context.Context, base, name string) (v float64, found bool) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, name+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			return v, err == nil
		}
	}
	return 0, false
}
