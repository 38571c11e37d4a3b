package api_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/sheet"
)

// TestImportBombRefused: a workbook whose cells all point at one 32 KB shared
// string is refused with 422 naming the limit, stores nothing, and the API
// goes on answering.
func TestImportBombRefused(t *testing.T) {
	h := newHarness(t)
	c := signedUp(t, h)
	var b bytes.Buffer
	if err := sheet.WriteSharedStringBomb(&b, 50, 1000, 32<<10); err != nil {
		t.Fatal(err)
	}
	if b.Len() > int(h.cfg.MaxUploadBytes) {
		t.Fatalf("the bomb is %d bytes, over the test's upload limit", b.Len())
	}
	before := h.count(t, "imports") + h.count(t, "import_rows")
	resp := c.Upload("/api/v1/imports", "file", "bomb.xlsx", b.Bytes(), nil).Expect(422)
	p := resp.Problem()
	if !strings.HasSuffix(p.Type, "/spreadsheet-limit") {
		t.Fatalf("problem %+v", p)
	}
	if m := resp.Map(); m["limit"] != sheet.LimitRowBytes || !strings.Contains(p.Detail, "1 MiB") {
		t.Fatalf("the answer does not name the limit: %s", resp.Body)
	}
	if n := h.count(t, "imports") + h.count(t, "import_rows") - before; n != 0 {
		t.Errorf("a refused file left %d rows behind", n)
	}
	h.c.Do("GET", "/healthz", nil).Expect(200)
}

// spooledThenBroken is an .xlsx whose worksheet is big enough for excelize to
// unpack it to a temporary file, followed by a part compressed with a method
// no reader knows, so opening fails after the spooling.
func spooledThenBroken(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"이름", "전화번호"})
	for i := 2; i < 15000; i++ {
		_ = sw.SetRow(fmt.Sprintf("A%d", i), []any{"홍길동", "010-1234-5678"})
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var good bytes.Buffer
	if err := f.Write(&good); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(good.Bytes()), int64(good.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		if err := zw.Copy(zf); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/media/broken.bin", Method: 99, CRC32: 1, CompressedSize64: 4, UncompressedSize64: 4})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("oops"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// waitEmpty polls dir until it holds nothing (bounded), and fails listing what
// is left.
func waitEmpty(t *testing.T, dir, after string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		left, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			names := make([]string, len(left))
			for i, e := range left {
				names[i] = e.Name()
			}
			t.Fatalf("after %s, temporary files are left: %v", after, names)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestUploadTempFilesRemoved: whatever becomes of an upload (staged, refused,
// or abandoned by the client half-way), no temporary file stays behind.
func TestUploadTempFilesRemoved(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	h := newHarness(t)
	c := signedUp(t, h)

	c.Upload("/api/v1/imports", "file", "customers.xlsx", customerXLSX(t), nil).Expect(201)
	waitEmpty(t, tmp, "a staged upload")

	broken := spooledThenBroken(t)
	if len(broken) > int(h.cfg.MaxUploadBytes) {
		t.Fatalf("the file is %d bytes, over the test's upload limit", len(broken))
	}
	c.Upload("/api/v1/imports", "file", "broken.xlsx", broken, nil).Expect(415)
	waitEmpty(t, tmp, "a refused upload")

	var bomb bytes.Buffer
	if err := sheet.WriteSharedStringBomb(&bomb, 20, 1000, 32<<10); err != nil {
		t.Fatal(err)
	}
	c.Upload("/api/v1/imports", "file", "bomb.xlsx", bomb.Bytes(), nil).Expect(422)
	waitEmpty(t, tmp, "an upload over a limit")

	// The client sends half the file and hangs up.
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "customers.csv")
	_, _ = fw.Write([]byte("이름,전화번호\n" + strings.Repeat("홍길동,010-1234-5678\n", 4000)))
	_ = mw.Close()
	fmt.Fprintf(conn, "POST /api/v1/imports HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n",
		c.Token, mw.FormDataContentType(), body.Len())
	_, _ = conn.Write(body.Bytes()[:body.Len()/2])
	// Wait until the server has spooled some of it, then hang up.
	deadline := time.Now().Add(15 * time.Second)
	for {
		if left, _ := os.ReadDir(tmp); len(left) > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	conn.Close()
	waitEmpty(t, tmp, "an abandoned upload")
}

// TestConcurrentUploadsLimited: beyond the configured number of uploads in
// progress, another one is turned away with 503 and Retry-After, and is taken
// once a slot is free.
func TestConcurrentUploadsLimited(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // where uploads make their directories
	h := newHarness(t)
	c := signedUp(t, h)
	cfg := h.cfg
	cfg.MaxConcurrentUploads = 1
	srv := newServer(t, h, cfg)
	c.BaseURL = srv

	// Upload A holds the only slot: its body arrives slowly.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", srv+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	done := make(chan int, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- 0
			return
		}
		resp.Body.Close()
		done <- resp.StatusCode
	}()
	fw, _ := mw.CreateFormFile("file", "customers.csv")
	// More than the client's write buffer, so the request surely reaches the
	// server now: a few bytes can sit in the transport's buffer unsent.
	_, _ = fw.Write([]byte("이름,전화번호\n" + strings.Repeat("홍길동,010-1234-5678\n", 4000)))

	// Upload A holds its slot once its directory exists (the server makes it
	// right after taking the slot); only then is B tried.
	for deadline := time.Now().Add(time.Minute); ; {
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			break
		}
		select {
		case status := <-done:
			t.Fatalf("upload A ended with %d before its body was complete", status)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("upload A never reached the server")
		}
		time.Sleep(10 * time.Millisecond)
	}
	small := []byte("이름,전화번호\n김철수,010-1234-5679\n")
	resp := c.Upload("/api/v1/imports", "file", "b.csv", small, nil)
	if resp.Status != http.StatusServiceUnavailable {
		t.Fatalf("a second upload while the first holds the only slot answered %d, want 503", resp.Status)
	}
	if resp.Header.Get("Retry-After") == "" || resp.Slug() != "too-many-uploads" {
		t.Fatalf("503 without Retry-After or with another problem: %v %s", resp.Header, resp.Body)
	}
	_ = mw.Close()
	_ = pw.Close()
	if status := <-done; status != http.StatusCreated {
		t.Fatalf("upload A ended with %d", status)
	}
	c.Upload("/api/v1/imports", "file", "b.csv", small, nil).Expect(201)
}

// newServer serves the API with cfg through the production HTTP server (its
// timeouts included) and returns its base URL.
func newServer(t *testing.T, h *harness, cfg config.Config) string {
	t.Helper()
	s := api.New(api.Deps{Config: cfg, Store: h.store, Temporal: h.tc, Log: slog.New(slog.DiscardHandler)}).HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })
	return "http://" + ln.Addr().String()
}

// closedWithin reports whether the server closes conn (or answers and
// closes) before the deadline.
func closedWithin(conn net.Conn, d time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// TestServerTimeouts: a client that sends headers or a body slowly is cut off
// after the read timeout; an upload is given its own, longer deadline.
func TestServerTimeouts(t *testing.T) {
	h := newHarness(t)
	c := signedUp(t, h)
	cfg := h.cfg
	cfg.HTTPReadTimeout = 300 * time.Millisecond
	cfg.HTTPWriteTimeout = 300 * time.Millisecond
	cfg.HTTPIdleTimeout = 300 * time.Millisecond
	cfg.UploadTimeout = time.Minute
	srv := newServer(t, h, cfg)
	addr := strings.TrimPrefix(srv, "http://")
	dial := func() net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}

	slowHeaders := dial()
	fmt.Fprint(slowHeaders, "GET /healthz HTTP/1.1\r\nHost: x\r\n")
	if !closedWithin(slowHeaders, 10*time.Second) {
		t.Error("a request whose headers never end is not cut off")
	}
	slowBody := dial()
	fmt.Fprint(slowBody, "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
	if !closedWithin(slowBody, 10*time.Second) {
		t.Error("a body that never ends is not cut off")
	}
	idle := dial()
	fmt.Fprint(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	if !closedWithin(idle, 10*time.Second) {
		t.Error("an idle keep-alive connection is not closed")
	}

	// An upload whose body takes longer than the read timeout still arrives.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, _ := http.NewRequest("POST", srv+"/api/v1/imports", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+c.Token)
	go func() {
		fw, _ := mw.CreateFormFile("file", "customers.csv")
		_, _ = fw.Write([]byte("이름,전화번호\n"))
		time.Sleep(3 * cfg.HTTPReadTimeout) // deliberately slower than the ordinary read timeout
		_, _ = fw.Write([]byte("홍길동,010-1234-5678\n"))
		_ = mw.Close()
		_ = pw.Close()
	}()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload answered %d", resp.StatusCode)
	}
}

// signedUp signs up a new account and returns a client acting as its owner.
func signedUp(t *testing.T, h *harness) *apitest.Client {
	t.Helper()
	token, _ := h.signup(t)
	return h.c.As(token)
}
