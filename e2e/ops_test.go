package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/testenv"
)

// productionEnv is the environment of a production process: no dev mode, and
// the given extra variables.
func productionEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SENDINGO_") {
			env = append(env, kv)
		}
	}
	return append(append(env,
		"SENDINGO_MYSQL_DSN="+testenv.Current().DSN,
		"SENDINGO_TEMPORAL_ADDRESS="+testenv.Current().Temporal.Address,
		"SENDINGO_LOG_LEVEL=warn"), extra...)
}

// `sendingo api` and `sendingo worker` refuse to start with the public
// development secret outside dev mode, and say what to set.
func TestAPIAndWorkerRefuseTheDevelopmentSecret(t *testing.T) {
	for _, sub := range []string{"api", "worker"} {
		t.Run(sub, func(t *testing.T) {
			port, err := devserver.FreePort("127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(binary, sub)
			cmd.Env = productionEnv(fmt.Sprintf("SENDINGO_HTTP_ADDR=127.0.0.1:%d", port))
			done := make(chan struct{})
			var out []byte
			go func() { out, err = cmd.CombinedOutput(); close(done) }()
			select {
			case <-done:
			case <-time.After(2 * time.Minute):
				_ = cmd.Process.Kill()
				t.Fatalf("sendingo %s started with the development secret", sub)
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), "SENDINGO_JWT_SECRET") {
				t.Fatalf("sendingo %s without a secret: %v\n%s", sub, err, out)
			}
		})
	}
}

// SIGTERM lets a request in flight finish: the API stops accepting
// connections, answers the upload whose body is still arriving, then exits 0.
func TestAPIDrainsInFlightRequestsOnSIGTERM(t *testing.T) {
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(binary, "api")
	cmd.Env = productionEnv("SENDINGO_HTTP_ADDR="+addr, "SENDINGO_JWT_SECRET=e2e-drain-secret-e2e-drain-secret-0123")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() { _ = cmd.Process.Kill() }()
	base := "http://" + addr
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API did not come up: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var su struct {
		Token string `json:"token"`
	}
	body, _ := json.Marshal(map[string]any{"account_name": "drain", "name": "drain", "password": "Dr4in-Passw0rd",
		"email": fmt.Sprintf("drain-%d@example.com", time.Now().UnixNano())})
	resp, err := http.Post(base+"/api/v1/auth/signup", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&su)
	resp.Body.Close()
	if resp.StatusCode != 201 || su.Token == "" {
		t.Fatalf("signup answered %d", resp.StatusCode)
	}

	// An upload whose body arrives in two parts, the second only after SIGTERM.
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "drain.csv")
	_, _ = io.WriteString(fw, "이름,휴대폰\n")
	for i := range 200 {
		fmt.Fprintf(fw, "고객%d,010-5%03d-%04d\n", i, i/1000, i%1000)
	}
	_ = mw.Close()
	raw := form.Bytes()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/api/v1/imports", pr)
	req.ContentLength = int64(len(raw))
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+su.Token)
	req.Header.Set("Expect", "100-continue")
	reading := make(chan struct{}) // the handler has started reading the body
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		Got100Continue: func() { close(reading) },
	}))
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := (&http.Transport{ExpectContinueTimeout: time.Minute}).RoundTrip(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- answer{status: resp.StatusCode, body: string(b)}
	}()
	half := len(raw) / 2
	go func() { _, _ = pw.Write(raw[:half]) }()
	select {
	case <-reading:
	case a := <-answered:
		t.Fatalf("the upload was answered before its body was sent: %+v", a)
	case <-time.After(time.Minute):
		t.Fatal("the API never started reading the upload")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Shutdown has begun once the listener is gone.
	deadline = time.Now().Add(time.Minute)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the API still accepts connections a minute after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	select {
	case err := <-exited:
		t.Fatalf("the API exited (%v) with a request in flight\n%s", err, logs.String())
	default:
	}
	if _, err := pw.Write(raw[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()

	a := <-answered
	if a.err != nil || a.status != 201 || !strings.Contains(a.body, `"status":"staged"`) || !strings.Contains(a.body, `"total_rows":200`) {
		t.Fatalf("the upload in flight at SIGTERM: %+v", a)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("the API exited with %v after draining\n%s", err, logs.String())
		}
	case <-time.After(time.Minute):
		t.Fatal("the API did not exit after draining")
	}
}
