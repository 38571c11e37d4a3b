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
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"

	"github.com/sendingo/sendingo/egress"
)

// readAnswer decodes a 2xx answer of the generic dialect: a result per message
// sent (500 a call) or a report per message. That is per-message work in the
// worker, so it is done with goccy/go-json, which reads the same JSON into the
// same values about four times as fast as encoding/json (BenchmarkReadAnswer).
// A body that is not valid UTF-8 goes to encoding/json, which turns the bad
// bytes into U+FFFD where go-json would keep them (and MySQL would refuse them).
func readAnswer(body []byte, v any) error {
	if !utf8.Valid(body) {
		return json.Unmarshal(body, v)
	}
	return gojson.Unmarshal(body, v)
}

// DefaultTimeout bounds one provider call when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxAnswerBytes caps how much of a provider's answer we read: a relay that streams
// garbage must not exhaust the worker's memory.
const maxAnswerBytes = 8 << 20

// NewHTTPClient returns the client adapters share. The default transport keeps two
// idle connections per host, so several concurrent calls of 500 messages to one
// provider would open and close connections all the time; this one keeps 64.
// With a guard, every connection (redirects included) is dialled through it and
// no proxy from the environment is used (a proxy would connect to the tenant's
// address out of the guard's sight). Redirects are capped at egress.MaxRedirects.
func NewHTTPClient(timeout time.Duration, guard *egress.Guard) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var t *http.Transport
	if guard != nil {
		t = guard.Transport(10 * time.Second)
	} else {
		t = http.DefaultTransport.(*http.Transport).Clone()
		t.DialContext = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	t.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: t, Timeout: timeout, CheckRedirect: egress.CheckRedirect}
}

// Mask replaces secrets in redacted configurations and scrubbed texts.
const Mask = "********"

// scrubber removes an adapter's secrets from any text it is about to put in an
// error, a Result reason or a log line. Providers sometimes echo request fields in
// error pages, and transport errors quote URLs.
type scrubber []string

func newScrubber(secrets ...string) scrubber {
	var s scrubber
	for _, v := range secrets {
		if v == "" {
			continue
		}
		s = append(s, v)
		if q := url.QueryEscape(v); q != v {
			s = append(s, q)
		}
		if p := url.PathEscape(v); p != v {
			s = append(s, p)
		}
	}
	return s
}

func (s scrubber) clean(text string) string {
	for _, v := range s {
		text = strings.ReplaceAll(text, v, Mask)
	}
	return text
}

func (s scrubber) err(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if c := s.clean(msg); c != msg {
		var re *Error
		code, public := codeOf(err), ""
		if errors.As(err, &re) {
			code, public = re.Code, s.clean(re.Public)
		}
		return &Error{Code: code, Err: errors.New(c), Public: public}
	}
	return err
}

// safeURL is u without user information and query, for error messages.
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(invalid url)"
	}
	p.User = nil
	p.RawQuery = ""
	p.Fragment = ""
	return p.String()
}

// joinURL appends path to base, keeping exactly one slash between them.
func joinURL(base, path string) string {
	return strings.TrimRight(base, "/") + "/" + strings.TrimLeft(path, "/")
}

// answer is a provider's HTTP answer, body read. Its body lives in a pooled
// buffer: the caller releases it once the body is decoded (every value read
// from it is a copy), and must not touch body after that.
type answer struct {
	status int
	body   []byte
	buf    *bytes.Buffer
}

// release hands the answer's buffer back for a later call.
func (a *answer) release() {
	if a.buf == nil {
		return
	}
	// A buffer grown past keptAnswerBytes (a rare, huge answer) is left to
	// the collector: the pool keeps ordinary ones, one per call in flight.
	if a.buf.Cap() <= keptAnswerBytes {
		a.buf.Reset()
		answerBufs.Put(a.buf)
	}
	a.buf, a.body = nil, nil
}

// answerBufs keeps answer buffers between calls. An answer to a send of 500
// messages, or a page of reports, is hundreds of kilobytes; at full speed a
// fresh buffer per call is a stream of large allocations, each of which the
// runtime must find pages for and clear (and, near the worker's memory limit,
// return pages to the OS to make room for).
var answerBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// keptAnswerBytes is the largest answer buffer kept for reuse.
const keptAnswerBytes = 4 << 20

// do sends req and reads the answer. Transport errors are wrapped without the URL's
// secrets (a *url.Error quotes the whole URL) and classified: a connection that
// broke once the whole request had gone out is CodeNoAnswer, since the relay
// may have acted on it (see InDoubt).
func do(client *http.Client, req *http.Request) (answer, error) {
	where := req.Method + " " + safeURL(req.URL.String())
	// wrote: some try of the transport's wrote the whole request (only ever
	// set: a later try that fails to write does not take it back).
	var wrote atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(w httptrace.WroteRequestInfo) {
			if w.Err == nil {
				wrote.Store(true)
			}
		},
	}))
	afterWrite := func(err error) string {
		code := codeOf(err)
		// A dial that failed ends a try the transport made again because
		// the one before had not been taken (a keep-alive connection the
		// relay had closed): that is no answer lost.
		var op *net.OpError
		dialed := errors.As(err, &op) && op.Op == "dial"
		if wrote.Load() && !dialed && code != CodeTimeout && code != CodeNotSent && code != CodeAddressRefused {
			return CodeNoAnswer
		}
		return code
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return answer{}, fault(afterWrite(err), fmt.Errorf("%s: %w", where, err))
	}
	defer resp.Body.Close()
	ans := answer{status: resp.StatusCode, buf: answerBufs.Get().(*bytes.Buffer)}
	if err := readBody(resp, ans.buf); err != nil {
		ans.release()
		return answer{}, fault(afterWrite(err), fmt.Errorf("%s: read answer: %w", where, err))
	}
	ans.body = ans.buf.Bytes()
	return ans, nil
}

// readBody reads an answer's body into buf, at most maxAnswerBytes of it; a
// body of a known length is read into room made for it at once (with the
// bytes.MinRead that ReadFrom wants free to see the end of the body, or it
// would grow the buffer again after the last byte).
func readBody(resp *http.Response, buf *bytes.Buffer) error {
	if n := resp.ContentLength; n > 0 && n <= maxAnswerBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBytes))
	return err
}

// postForm POSTs form-urlencoded fields.
func postForm(ctx context.Context, client *http.Client, u string, form url.Values) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, fault(CodeBadRequest, fmt.Errorf("build request to %s: %w", safeURL(u), err))
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	return do(client, req)
}

// postJSON POSTs a JSON body with extra headers.
func postJSON(ctx context.Context, client *http.Client, u string, body []byte, header http.Header) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return answer{}, fault(CodeBadRequest, fmt.Errorf("build request to %s: %w", safeURL(u), err))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	return do(client, req)
}

// snippet is the start of a provider answer, for error messages.
func snippet(b []byte) string {
	const n = 200
	s := strings.TrimSpace(string(b))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}

// statusFault classifies an HTTP status that is not a success.
func statusFault(status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return CodeAuth
	case status == http.StatusPaymentRequired:
		return CodeInsufficientFunds
	case status == http.StatusTooManyRequests:
		return CodeRateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return CodeTimeout
	case status >= 500:
		return CodeServerError
	case status >= 400:
		return CodeBadRequest
	}
	return CodeBadAnswer
}
