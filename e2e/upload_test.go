package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/sheet"
	"github.com/sendingo/sendingo/testenv"
)

// apiProcess is a `sendingo api` child process.
type apiProcess struct {
	cmd  *exec.Cmd
	base string
}

func startAPI(t *testing.T) *apiProcess {
	t.Helper()
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	env := testenv.Current()
	cmd := exec.Command(binary, "api")
	cmd.Env = append(os.Environ(),
		"SENDINGO_MYSQL_DSN="+env.DSN,
		"SENDINGO_TEMPORAL_ADDRESS="+env.Temporal.Address,
		fmt.Sprintf("SENDINGO_HTTP_ADDR=127.0.0.1:%d", port),
		"SENDINGO_DEV=true",
		"SENDINGO_LOG_LEVEL=warn",
	)
	log, err := os.Create(filepath.Join(t.TempDir(), "api.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			t.Logf("api log:\n%s", b)
		}
	})
	p := &apiProcess{cmd: cmd, base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(30 * time.Second)
	for !p.healthy() {
		if time.Now().After(deadline) {
			t.Fatal("the api never answered /healthz")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return p
}

func (p *apiProcess) healthy() bool {
	resp, err := http.Get(p.base + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// peakRSS is the process's high-water resident set (VmHWM), in bytes.
func (p *apiProcess) peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[0] == "VmHWM:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM in /proc status")
	return 0
}

// A shared-string bomb (a few MB of .xlsx that describes tens of gigabytes of
// text) is refused with 422 naming the limit by the real API process, whose
// peak memory stays under 250 MB; the process goes on answering.
func TestSharedStringBombRefusedInBoundedMemory(t *testing.T) {
	p := startAPI(t)
	var auth struct{ Token string }
	body := `{"account_name":"bomb","name":"bomb","email":"bomb-` + strconv.FormatInt(time.Now().UnixNano(), 10) +
		`@example.com","password":"Corr3ct-Horse"}`
	resp, err := http.Post(p.base+"/api/v1/auth/signup", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	_ = json.NewDecoder(resp.Body).Decode(&auth)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("signup: %d", resp.StatusCode)
	}
	before := p.peakRSS(t)

	for _, bomb := range []struct{ rows, cols int }{
		{500, 4000}, // every row far over the per-row limit
		{20000, 30}, // rows just under it, refused by the sheet's total
	} {
		var file bytes.Buffer
		if err := sheet.WriteSharedStringBomb(&file, bomb.rows, bomb.cols, 32<<10); err != nil {
			t.Fatal(err)
		}
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, _ := mw.CreateFormFile("file", "bomb.xlsx")
		_, _ = fw.Write(file.Bytes())
		_ = mw.Close()
		req, _ := http.NewRequest("POST", p.base+"/api/v1/imports", &form)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", "Bearer "+auth.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var problem struct {
			Type, Detail, Limit string
		}
		_ = json.NewDecoder(resp.Body).Decode(&problem)
		resp.Body.Close()
		expanded := float64(bomb.rows) * float64(bomb.cols) * (32 << 10)
		t.Logf("bomb %d×%d: %.1f MB file describing %.0f GB of text → %d %s (%s)",
			bomb.rows, bomb.cols, float64(file.Len())/1e6, expanded/1e9, resp.StatusCode, problem.Limit, problem.Detail)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.HasSuffix(problem.Type, "/spreadsheet-limit") {
			t.Fatalf("bomb %d×%d answered %d %+v", bomb.rows, bomb.cols, resp.StatusCode, problem)
		}
		if !p.healthy() {
			t.Fatal("/healthz does not answer after the bomb")
		}
	}
	peak := p.peakRSS(t)
	t.Logf("api peak RSS (VmHWM): %.1f MB before the uploads, %.1f MB after", float64(before)/(1<<20), float64(peak)/(1<<20))
	if peak >= 250<<20 {
		t.Fatalf("peak RSS %.1f MB, want under 250 MB", float64(peak)/(1<<20))
	}
}
