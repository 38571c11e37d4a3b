package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const testToken = "TOKEN-9d8c7b6a-SECRET"

// genericServer is a generic-dialect relay written from PROVIDERS.md, independent
// of the simulator.
type genericServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []WireSendRequest
	keys     []string
	answer   func(m WireMessage) WireResult
	status   int // non-zero: answer every /send with this status
	body     string
	reversed bool // answer /send in the reverse order of the request
}

func newGenericServer(t *testing.T) *genericServer {
	g := &genericServer{answer: func(m WireMessage) WireResult {
		return WireResult{ID: m.ID, Status: WireAccepted, ProviderID: "P" + m.ID}
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /send", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"code":"unauthorized","message":"bad token"}`)
			return
		}
		var req WireSendRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"code":"bad_request","message":%q}`, err.Error())
			return
		}
		g.mu.Lock()
		g.requests = append(g.requests, req)
		g.keys = append(g.keys, r.Header.Get("Idempotency-Key"))
		status, body := g.status, g.body
		g.mu.Unlock()
		if status != 0 {
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		var ans WireSendAnswer
		for _, m := range req.Messages {
			ans.Messages = append(ans.Messages, g.answer(m))
		}
		if g.reversed {
			slices.Reverse(ans.Messages)
		}
		_ = json.NewEncoder(w).Encode(ans)
	})
	mux.HandleFunc("GET /reports", func(w http.ResponseWriter, r *http.Request) {
		at := time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC)
		switch r.URL.Query().Get("since") {
		case "":
			fmt.Fprintf(w, `{"reports":[{"id":"1","provider_id":"P1","status":"delivered","at":%q},{"id":"2-sms","provider_id":"P2","status":"failed","error_code":"invalid_number","error_message":"no such number","at":%q}],"next":"c2","more":true}`,
				at.Format(time.RFC3339), at.Format(time.RFC3339))
		case "c2":
			fmt.Fprint(w, `{"reports":[],"next":"c2","more":false}`)
		default:
			w.WriteHeader(400)
			fmt.Fprint(w, `{"code":"bad_request","message":"bad cursor"}`)
		}
	})
	mux.HandleFunc("POST /lookup", func(w http.ResponseWriter, r *http.Request) {
		var req WireLookup
		_ = json.NewDecoder(r.Body).Decode(&req)
		var ans WireSendAnswer
		for _, id := range req.IDs {
			if id == "1" {
				ans.Messages = append(ans.Messages, WireResult{ID: id, Status: WireDelivered, ProviderID: "P1"})
			}
		}
		_ = json.NewEncoder(w).Encode(ans)
	})
	g.Server = httptest.NewServer(mux)
	t.Cleanup(g.Close)
	return g
}

func TestHTTPSendsTheDialect(t *testing.T) {
	g := newGenericServer(t)
	h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken, From: "0212345678"}, Options{})
	msgs := []Message{
		{ID: 1, To: "+821012345678", Channel: ChannelSMS, Body: "안녕하세요"},
		{ID: 2, Key: "2-lms", To: "+821012345679", Channel: ChannelLMS, Subject: "제목", Body: "본문"},
		{ID: 3, To: "a@example.com", Channel: ChannelEmail, Subject: "메일", Body: "<p>안녕</p>", HTML: true},
		{ID: 4, To: "+821012345670", Channel: ChannelAlimTalk, Body: "알림", TemplateCode: "T1",
			Buttons: []Button{{Name: "보기", MobileURL: "https://m", PCURL: "https://p"}}},
	}
	res, err := h.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.MessageID != msgs[i].ID || r.Outcome != Accepted || r.ProviderID != "P"+msgs[i].IdempotencyKey() {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	req := g.requests[0]
	if req.Messages[1].ID != "2-lms" || req.Messages[1].Subject != "제목" || req.Messages[0].From != "0212345678" ||
		req.Messages[2].Channel != ChannelEmail || !req.Messages[2].HTML || req.Messages[0].HTML || req.Messages[3].TemplateCode != "T1" ||
		len(req.Messages[3].Buttons) != 1 || req.Messages[3].Buttons[0].PCURL != "https://p" {
		t.Errorf("request %+v", req)
	}
	// The same ids give the same Idempotency-Key.
	if _, err := h.Send(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	if g.keys[0] == "" || g.keys[0] != g.keys[1] {
		t.Errorf("idempotency keys %q", g.keys)
	}
	if _, err := h.Send(context.Background(), msgs[:2]); err != nil {
		t.Fatal(err)
	}
	if g.keys[2] == g.keys[0] {
		t.Error("different batches share an idempotency key")
	}
}

// An answer is matched to the messages by their keys, whatever its order.
func TestHTTPMatchesAnAnswerInAnyOrder(t *testing.T) {
	for _, reversed := range []bool{false, true} {
		g := newGenericServer(t)
		g.reversed = reversed
		h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{})
		msgs := messages(0, 5)
		res, err := h.Send(context.Background(), msgs)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range msgs {
			if want := "P" + m.IdempotencyKey(); res[i].MessageID != m.ID || res[i].Outcome != Accepted || res[i].ProviderID != want {
				t.Errorf("reversed %v, message %d: %+v, want accepted as %s", reversed, m.ID, res[i], want)
			}
		}
	}
}

// Answers are read into buffers reused from call to call: what a call
// answered must stay as it was when later calls fill the same buffer,
// whether it was read from a result or a report, or quoted in an error.
func TestHTTPAnswersOutliveTheirBuffers(t *testing.T) {
	g := newGenericServer(t)
	call := 0
	g.answer = func(m WireMessage) WireResult {
		return WireResult{ID: m.ID, Status: WireAccepted, ProviderID: fmt.Sprintf("call%d-%s", call, m.ID)}
	}
	h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{})
	var kept [][]Result
	for call = 0; call < 4; call++ {
		res, err := h.Send(context.Background(), messages(0, 300))
		if err != nil {
			t.Fatal(err)
		}
		kept = append(kept, res)
	}
	for c, res := range kept {
		for i, r := range res {
			if want := fmt.Sprintf("call%d-%d", c, i+1); r.ProviderID != want {
				t.Fatalf("call %d, message %d: provider id %q after later calls, want %q", c, i+1, r.ProviderID, want)
			}
		}
	}
	first, err := h.Reports(context.Background(), ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.Reports(context.Background(), ReportQuery{Cursor: "c2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Reports(context.Background(), ReportQuery{Cursor: "no-such-cursor"}); err == nil {
		t.Fatal("a bad cursor was answered")
	}
	if len(first.Reports) != 2 || first.Next != "c2" || first.Reports[0].ProviderID != "P1" || first.Reports[0].Key != "1" ||
		first.Reports[1].ProviderID != "P2" || !strings.Contains(first.Reports[1].Reason, "no such number") {
		t.Fatalf("the first report page after later reads: %+v", first)
	}
	g.status, g.body = http.StatusServiceUnavailable, "relay overloaded: first answer"
	_, err1 := h.Send(context.Background(), messages(0, 1))
	g.body = "relay overloaded: second answer"
	_, err2 := h.Send(context.Background(), messages(0, 1))
	if err1 == nil || err2 == nil || !strings.Contains(err1.Error(), "first answer") {
		t.Fatalf("errors %v and %v: the first should quote its own answer", err1, err2)
	}
}

func TestHTTPClassifiesPerMessage(t *testing.T) {
	g := newGenericServer(t)
	g.answer = func(m WireMessage) WireResult {
		switch m.ID {
		case "1":
			return WireResult{ID: m.ID, Status: "delivered", ProviderID: "P1"}
		case "2":
			return WireResult{ID: m.ID, Status: "failed", ErrorCode: CodeNotKakaoUser, Error: "not a KakaoTalk user"}
		case "3":
			return WireResult{ID: m.ID, Status: "failed", ErrorCode: CodeInsufficientFunds}
		case "4":
			return WireResult{ID: m.ID, Status: "failed", ErrorCode: "E-42"}
		case "5":
			return WireResult{ID: m.ID, Status: "error", ErrorCode: "E-500"}
		case "6":
			return WireResult{ID: m.ID, Status: "weird"}
		}
		return WireResult{ID: "someone-else", Status: "accepted"}
	}
	h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{})
	res, err := h.Send(context.Background(), messages(0, 7))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		o    Outcome
		code string
	}{
		{Delivered, ""}, {RecipientFailed, CodeNotKakaoUser}, {RelayFault, CodeInsufficientFunds},
		{RecipientFailed, CodeUndeliverable}, {RelayFault, CodeUnknown}, {RelayFault, CodeBadAnswer}, {RelayFault, CodeBadAnswer},
	}
	for i, w := range want {
		if res[i].Outcome != w.o || res[i].Code != w.code {
			t.Errorf("message %d: %+v, want %v %s", i+1, res[i], w.o, w.code)
		}
	}
	if !strings.Contains(res[3].Reason, "E-42") {
		t.Errorf("the provider's code is lost: %q", res[3].Reason)
	}
}

func TestHTTPWholeCallFailures(t *testing.T) {
	cases := []struct {
		status int
		body   string
		code   string
	}{
		{400, `{"code":"bad_request","message":"messages[0].to is empty"}`, CodeBadRequest},
		{402, `{"code":"insufficient_balance","message":"top up"}`, CodeInsufficientFunds},
		{422, `{"code":"insufficient_balance","message":"top up"}`, CodeInsufficientFunds},
		{429, `{"code":"slow_down","message":"later"}`, CodeRateLimited},
		{500, `oops`, CodeServerError},
		{503, ``, CodeServerError},
		{200, `not json`, CodeBadAnswer},
	}
	for _, c := range cases {
		g := newGenericServer(t)
		g.status, g.body = c.status, c.body
		_, err := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{}).Send(context.Background(), messages(0, 2))
		if err == nil || ErrorCode(err) != c.code {
			t.Errorf("HTTP %d %s: err %v (code %s), want %s", c.status, c.body, err, ErrorCode(err), c.code)
		}
	}
	// A wrong token is an authentication fault and the token is not quoted.
	g := newGenericServer(t)
	_, err := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: "WRONG-" + testToken}, Options{}).Send(context.Background(), messages(0, 1))
	if ErrorCode(err) != CodeAuth || strings.Contains(err.Error(), testToken) {
		t.Errorf("wrong token: %v", err)
	}
	// Timeouts are classified.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
	}))
	defer slow.Close()
	defer close(release)
	_, err = NewHTTP(HTTPConfig{BaseURL: slow.URL}, Options{Timeout: 50 * time.Millisecond}).Send(context.Background(), messages(0, 1))
	if ErrorCode(err) != CodeTimeout {
		t.Errorf("slow relay: %v (code %s)", err, ErrorCode(err))
	}
	// A relay that read the whole request and hung up without an answer may
	// have taken the messages: in doubt, not a plain fault.
	hangUp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer hangUp.Close()
	_, err = NewHTTP(HTTPConfig{BaseURL: hangUp.URL}, Options{}).Send(context.Background(), messages(0, 1))
	if code := ErrorCode(err); code != CodeNoAnswer || !InDoubt(code, err, false) {
		t.Errorf("a relay that hung up after the request: %v (code %s), want %s, in doubt", err, code, CodeNoAnswer)
	}
	// Too many messages.
	if _, err := NewHTTP(HTTPConfig{BaseURL: g.URL}, Options{}).Send(context.Background(), messages(0, 501)); !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("501 messages: %v", err)
	}
}

func TestHTTPBatchesOf500(t *testing.T) {
	g := newGenericServer(t)
	h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{})
	res := SendAll(context.Background(), h, messages(0, 1001))
	var sizes []int
	for _, r := range g.requests {
		sizes = append(sizes, len(r.Messages))
	}
	if fmt.Sprint(sizes) != "[500 500 1]" {
		t.Errorf("calls %v", sizes)
	}
	if res[1000].Outcome != Accepted || res[1000].MessageID != 1001 {
		t.Errorf("last result %+v", res[1000])
	}
}

func TestHTTPReportsAndLookup(t *testing.T) {
	g := newGenericServer(t)
	h := NewHTTP(HTTPConfig{BaseURL: g.URL, Token: testToken}, Options{})
	page, err := h.Reports(context.Background(), ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "c2" || !page.More || len(page.Reports) != 2 {
		t.Fatalf("page %+v", page)
	}
	r := page.Reports[1]
	if r.MessageID != 2 || r.Key != "2-sms" || r.Outcome != RecipientFailed || r.Code != CodeInvalidNumber || r.At.IsZero() {
		t.Errorf("report %+v", r)
	}
	page, err = h.Reports(context.Background(), ReportQuery{Cursor: page.Next})
	if err != nil || page.More || len(page.Reports) != 0 || page.Next != "c2" {
		t.Errorf("second page %+v %v", page, err)
	}
	if _, err := h.Reports(context.Background(), ReportQuery{Cursor: "bogus"}); ErrorCode(err) != CodeBadRequest {
		t.Errorf("bad cursor: %v", err)
	}
	found, err := h.Lookup(context.Background(), messages(0, 3), time.Time{})
	if err != nil || len(found) != 1 || found[0].MessageID != 1 || found[0].Outcome != Delivered {
		t.Errorf("lookup %+v %v", found, err)
	}
	// A relay without /lookup.
	plain := httptest.NewServer(http.NotFoundHandler())
	defer plain.Close()
	if _, err := NewHTTP(HTTPConfig{BaseURL: plain.URL}, Options{}).Lookup(context.Background(), messages(0, 1), time.Time{}); !errors.Is(err, ErrLookupUnsupported) {
		t.Errorf("no lookup: %v", err)
	}
}

func TestSimulatorKindUsesItsName(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		fmt.Fprint(w, `{"messages":[{"id":"1","status":"accepted"}]}`)
	}))
	defer srv.Close()
	s, err := New(KindSimulator, json.RawMessage(`{"base_url":"`+srv.URL+`/","name":"relay-a"}`), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Send(context.Background(), messages(0, 1)); err != nil {
		t.Fatal(err)
	}
	if path != "/r/relay-a/send" {
		t.Errorf("path %q", path)
	}
}

// A body of a known length is read into room made for it once: reading to
// its end must not grow the buffer again (a send's answer is hundreds of
// kilobytes, and a doubled buffer is what the pool then keeps).
func TestAnAnswerOfKnownLengthIsReadIntoItsRoom(t *testing.T) {
	const n = 296 << 10 // a whole number of pages: no spare room past it by chance
	body := strings.Repeat("x", n)
	var buf bytes.Buffer
	resp := &http.Response{ContentLength: n, Body: io.NopCloser(strings.NewReader(body))}
	if err := readBody(resp, &buf); err != nil || buf.String() != body {
		t.Fatalf("read %d bytes (%v), want the %d of the body", buf.Len(), err, n)
	}
	if buf.Cap() > n+16<<10 { // its size rounded up to whole pages, not doubled
		t.Fatalf("a %d-byte body grew the buffer to %d bytes", n, buf.Cap())
	}
}

// traceTransport plays a transport's tries: each try reports writing the
// request (nil: written) through the request's trace, and the call ends with
// err.
type traceTransport struct {
	writes []error
	err    error
}

func (f traceTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if tr := httptrace.ContextClientTrace(req.Context()); tr != nil && tr.WroteRequest != nil {
		for _, w := range f.writes {
			tr.WroteRequest(httptrace.WroteRequestInfo{Err: w})
		}
	}
	return nil, f.err
}

// Whether a request went out is decided by its tries as a whole: a try that
// wrote it may have been acted on (no_answer), even if a later try failed to
// write; a call that ended in a failed dial was tried again because the try
// before had not been taken (the transport retries only then), so it is
// unreachable, not in doubt.
func TestNoAnswerOnlyAfterAWrittenRequest(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}
	cases := []struct {
		name string
		tr   traceTransport
		want string
	}{
		{"written, then reset", traceTransport{writes: []error{nil}, err: reset}, CodeNoAnswer},
		{"written, then a retry that could not write", traceTransport{writes: []error{nil, io.ErrClosedPipe}, err: reset}, CodeNoAnswer},
		{"written on a closed keep-alive connection, then the retry's dial refused", traceTransport{writes: []error{nil}, err: refused}, CodeUnreachable},
		{"never written", traceTransport{writes: []error{io.ErrClosedPipe}, err: reset}, CodeUnreachable},
	}
	for _, c := range cases {
		h := NewHTTP(HTTPConfig{BaseURL: "https://relay.example"}, Options{HTTPClient: &http.Client{Transport: c.tr}})
		_, err := h.Send(context.Background(), messages(0, 1))
		if got := ErrorCode(err); got != c.want {
			t.Errorf("%s: %v (code %s), want %s", c.name, err, got, c.want)
		}
	}
}
