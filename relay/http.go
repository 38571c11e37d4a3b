package relay

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// httpMaxBatch is how many messages the generic dialect takes per call. Brokers
// accept more, but 500 matches the other relays and keeps one call's latency low.
const httpMaxBatch = 500

// The generic HTTP dialect (PROVIDERS.md, "A generic HTTP relay"):
//
//	POST {base}/send            {"messages":[WireMessage…]}, header Idempotency-Key
//	  2xx → {"messages":[WireResult…]}   one per message, matched by id
//	  4xx → {"code":"…","message":"…"}   the request was refused
//	  5xx → relay fault
//	GET  {base}/reports?since={cursor}&limit={n}
//	  → {"reports":[WireReport…], "next":"{cursor}", "more":bool}
//	POST {base}/lookup          {"ids":["…"]} → {"messages":[WireResult…]} (known ids only)
//
// Message ids are strings on the wire: the decimal message id, or the Key of a
// fallback ("42-sms"). The relay must treat each id as an idempotency key: a repeat
// is answered with the original result and not delivered again.

// WireMessage is one message of the generic dialect.
type WireMessage struct {
	ID           string       `json:"id"`
	To           string       `json:"to"`
	From         string       `json:"from,omitempty"`
	Channel      Channel      `json:"channel"`
	Subject      string       `json:"subject,omitempty"`
	Body         string       `json:"body"`
	Name         string       `json:"name,omitempty"`
	TemplateCode string       `json:"template_code,omitempty"`
	SenderKey    string       `json:"sender_key,omitempty"`
	Buttons      []WireButton `json:"buttons,omitempty"`
	// HTML marks an e-mail whose body is HTML (else it is plain text).
	HTML bool `json:"html,omitempty"`
}

// WireButton is an AlimTalk button of the generic dialect.
type WireButton struct {
	Name      string `json:"name"`
	MobileURL string `json:"url_mobile"`
	PCURL     string `json:"url_pc,omitempty"`
}

// WireSendRequest is the body of POST {base}/send.
type WireSendRequest struct {
	Messages []WireMessage `json:"messages"`
}

// WireResult is the answer for one message.
type WireResult struct {
	ID         string `json:"id"`
	Status     string `json:"status"` // accepted, delivered, failed, error
	ProviderID string `json:"provider_id,omitempty"`
	ErrorCode  string `json:"error_code,omitempty"`
	Error      string `json:"error_message,omitempty"`
}

// WireSendAnswer is the 2xx answer of /send and /lookup.
type WireSendAnswer struct {
	Messages []WireResult `json:"messages"`
}

// WireProblem is a 4xx answer.
type WireProblem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// WireReport is one delivery report.
type WireReport struct {
	ID         string    `json:"id"`
	ProviderID string    `json:"provider_id,omitempty"`
	Status     string    `json:"status"` // delivered or failed
	ErrorCode  string    `json:"error_code,omitempty"`
	Error      string    `json:"error_message,omitempty"`
	At         time.Time `json:"at"`
}

// WireReports is the answer of GET /reports.
type WireReports struct {
	Reports []WireReport `json:"reports"`
	Next    string       `json:"next"`
	More    bool         `json:"more"`
}

// WireLookup is the body of POST /lookup.
type WireLookup struct {
	IDs []string `json:"ids"`
}

// Generic statuses.
const (
	WireAccepted  = "accepted"
	WireDelivered = "delivered"
	WireFailed    = "failed" // per recipient
	WireError     = "error"  // the relay's fault
)

// wireOutcome maps a generic status and error code onto an Outcome and a code of the
// vocabulary. The code wins when it is one of ours: a relay answering "failed" with
// "insufficient_balance" has a relay fault, not a recipient problem. Unknown codes
// keep the status's meaning and become CodeUndeliverable (failed) or CodeUnknown
// (error); unknown statuses are relay faults.
func wireOutcome(status, code string) (Outcome, string) {
	if o, ok := CodeOutcome(code); ok && code != "" && status != WireAccepted && status != WireDelivered {
		return o, code
	}
	switch strings.ToLower(status) {
	case WireAccepted, "queued", "sent":
		return Accepted, ""
	case WireDelivered:
		return Delivered, ""
	case WireFailed, "rejected":
		return RecipientFailed, CodeUndeliverable
	case WireError:
		return RelayFault, CodeUnknown
	}
	return RelayFault, CodeBadAnswer
}

// messageIDFromKey reads our message id back from a wire id ("42" or "42-sms").
func messageIDFromKey(key string) int64 {
	id, _ := strconv.ParseInt(key[:leadingDigits(key)], 10, 64)
	return id
}

// HTTP is the generic HTTP relay adapter; the simulator kind is the same dialect
// under the simulator's /r/{name} prefix.
//
// What is guaranteed: the relay dedupes by message id, so a message resent after a
// crash (or a retried call) is not delivered twice by the same relay; Lookup is
// exact (by id) where the relay implements /lookup.
type HTTP struct {
	kind   string
	base   string
	token  string
	from   string
	client *http.Client
	log    *slog.Logger
	now    func() time.Time
	scrub  scrubber
}

// NewHTTP builds a generic http relay adapter; cfg is assumed valid.
func NewHTTP(cfg HTTPConfig, opts Options) *HTTP {
	return newHTTP(KindHTTP, cfg.BaseURL, cfg.Token, cfg.From, opts)
}

// NewSimulator builds an adapter for relay cfg.Name of the relay simulator at
// cfg.BaseURL: the generic dialect under {base_url}/r/{name}.
func NewSimulator(cfg SimulatorConfig, opts Options) *HTTP {
	base := joinURL(cfg.BaseURL, "/r/"+url.PathEscape(cfg.Name))
	return newHTTP(KindSimulator, base, cfg.Token, cfg.From, opts)
}

func newHTTP(kind, base, token, from string, opts Options) *HTTP {
	opts = opts.withDefaults()
	return &HTTP{
		kind: kind, base: base, token: token, from: from,
		client: opts.HTTPClient, now: opts.Now,
		log:   opts.Logger.With("relay_kind", kind),
		scrub: newScrubber(token, urlPassword(base)),
	}
}

func urlPassword(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.User == nil {
		return ""
	}
	pw, _ := p.User.Password()
	return pw
}

// MaxBatch is 500 messages per call.
func (h *HTTP) MaxBatch() int { return httpMaxBatch }

func (h *HTTP) header(keys []string) http.Header {
	hd := http.Header{}
	if h.token != "" {
		hd.Set("Authorization", "Bearer "+h.token)
	}
	if keys != nil {
		hd.Set("Idempotency-Key", batchKey(keys))
	}
	return hd
}

// batchKey is the request's Idempotency-Key: a digest of its message ids, so a
// retried identical call carries the same key for relays that dedupe whole
// requests. Relays of this dialect also dedupe each message id.
func batchKey(keys []string) string {
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Send POSTs msgs to {base}/send and maps each answer by id.
func (h *HTTP) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if len(msgs) > httpMaxBatch {
		return nil, fmt.Errorf("%s relay: %d messages: %w", h.kind, len(msgs), ErrBatchTooLarge)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	req := WireSendRequest{Messages: make([]WireMessage, len(msgs))}
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.IdempotencyKey()
		w := WireMessage{
			ID: keys[i], To: m.To, From: h.from, Channel: m.Channel, Subject: m.Subject, Body: m.Body,
			Name: m.Name, TemplateCode: m.TemplateCode, SenderKey: m.SenderKey, HTML: m.HTML,
		}
		for _, b := range m.Buttons {
			w.Buttons = append(w.Buttons, WireButton(b))
		}
		req.Messages[i] = w
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s relay: encode request: %w", h.kind, err)
	}
	start := h.now()
	ans, err := postJSON(ctx, h.client, joinURL(h.base, "/send"), body, h.header(keys))
	if err != nil {
		return nil, h.scrub.err(fmt.Errorf("%s relay send: %w", h.kind, err))
	}
	defer ans.release()
	h.log.DebugContext(ctx, "relay call", "messages", len(msgs), "status", ans.status, "duration", h.now().Sub(start))
	if err := h.checkStatus("send", ans); err != nil {
		return nil, err
	}
	var v WireSendAnswer
	if err := readAnswer(ans.body, &v); err != nil {
		return nil, fault(CodeBadAnswer, fmt.Errorf("%s relay send: unreadable answer: %s", h.kind, h.scrub.clean(snippet(ans.body))))
	}
	// A relay answers in the order asked, nearly always: then the answer is
	// read by position, else by key.
	inOrder := len(v.Messages) == len(msgs)
	for i := 0; inOrder && i < len(keys); i++ {
		inOrder = v.Messages[i].ID == keys[i]
	}
	var byKey map[string]WireResult
	if !inOrder {
		byKey = make(map[string]WireResult, len(v.Messages))
		for _, r := range v.Messages {
			byKey[r.ID] = r
		}
	}
	out := make([]Result, len(msgs))
	for i, m := range msgs {
		var r WireResult
		ok := inOrder
		if inOrder {
			r = v.Messages[i]
		} else {
			r, ok = byKey[keys[i]]
		}
		if !ok {
			out[i] = Result{MessageID: m.ID, Outcome: RelayFault, Code: CodeBadAnswer, Reason: "the relay did not answer for this message"}
			continue
		}
		out[i] = h.result(m.ID, r)
	}
	return out, nil
}

func (h *HTTP) result(id int64, r WireResult) Result {
	o, code := wireOutcome(r.Status, r.ErrorCode)
	res := Result{MessageID: id, Outcome: o, ProviderID: r.ProviderID, Code: code}
	if o != Accepted && o != Delivered {
		res.Reason = SanitizeReason(h.scrub.clean(strings.TrimSpace(fmt.Sprintf("%s %s: %s", r.Status, r.ErrorCode, r.Error))))
	}
	return res
}

// checkStatus turns a non-2xx answer into a classified error.
func (h *HTTP) checkStatus(what string, ans answer) error {
	if ans.status >= 200 && ans.status < 300 {
		return nil
	}
	code := statusFault(ans.status)
	detail := snippet(ans.body)
	public := fmt.Sprintf("HTTP %d", ans.status)
	var p WireProblem
	if ans.status < 500 && json.Unmarshal(ans.body, &p) == nil && (p.Code != "" || p.Message != "") {
		if o, ok := CodeOutcome(p.Code); ok && o == RelayFault {
			code = p.Code
		}
		detail = p.Code + ": " + p.Message
		// The dialect's own problem fields, cleaned, help the tenant fix a
		// refused request; a body of any other shape is never shown.
		public += ": " + SanitizeReason(h.scrub.clean(detail))
	}
	return &Error{Code: code, Public: public,
		Err: fmt.Errorf("%s relay %s: HTTP %d: %s", h.kind, what, ans.status, h.scrub.clean(detail))}
}

// Reports reads the relay's report feed from q.Cursor on.
func (h *HTTP) Reports(ctx context.Context, q ReportQuery) (ReportPage, error) {
	v := url.Values{}
	if q.Cursor != "" {
		v.Set("since", q.Cursor)
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	u := joinURL(h.base, "/reports")
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return ReportPage{}, fmt.Errorf("%s relay reports: %w", h.kind, err)
	}
	for k, vs := range h.header(nil) {
		req.Header[k] = vs
	}
	ans, err := do(h.client, req)
	if err != nil {
		return ReportPage{}, h.scrub.err(fmt.Errorf("%s relay reports: %w", h.kind, err))
	}
	defer ans.release()
	if err := h.checkStatus("reports", ans); err != nil {
		return ReportPage{}, err
	}
	var w WireReports
	if err := readAnswer(ans.body, &w); err != nil {
		return ReportPage{}, fault(CodeBadAnswer, fmt.Errorf("%s relay reports: unreadable answer: %s", h.kind, h.scrub.clean(snippet(ans.body))))
	}
	page := ReportPage{Next: w.Next, More: w.More, Reports: make([]Report, 0, len(w.Reports))}
	if page.Next == "" {
		page.Next = q.Cursor
	}
	for _, r := range w.Reports {
		res := h.result(messageIDFromKey(r.ID), WireResult{ID: r.ID, Status: r.Status, ProviderID: r.ProviderID, ErrorCode: r.ErrorCode, Error: r.Error})
		page.Reports = append(page.Reports, Report{
			MessageID: res.MessageID, Key: r.ID, ProviderID: r.ProviderID,
			Outcome: res.Outcome, Code: res.Code, Reason: res.Reason, At: r.At,
		})
	}
	return page, nil
}

// Lookup asks {base}/lookup for msgs by id. A relay without /lookup (404, 405,
// 501) answers ErrLookupUnsupported; since the relay honours idempotency keys,
// resending is then the safe way to reconcile.
func (h *HTTP) Lookup(ctx context.Context, msgs []Message, _ time.Time) ([]Report, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	req := WireLookup{IDs: make([]string, len(msgs))}
	ids := make(map[string]int64, len(msgs))
	for i, m := range msgs {
		req.IDs[i] = m.IdempotencyKey()
		ids[req.IDs[i]] = m.ID
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("%s relay lookup: %w", h.kind, err)
	}
	ans, err := postJSON(ctx, h.client, joinURL(h.base, "/lookup"), body, h.header(nil))
	if err != nil {
		return nil, h.scrub.err(fmt.Errorf("%s relay lookup: %w", h.kind, err))
	}
	defer ans.release()
	switch ans.status {
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
		return nil, fmt.Errorf("%s relay lookup: HTTP %d: %w", h.kind, ans.status, ErrLookupUnsupported)
	}
	if err := h.checkStatus("lookup", ans); err != nil {
		return nil, err
	}
	var v WireSendAnswer
	if err := readAnswer(ans.body, &v); err != nil {
		return nil, fault(CodeBadAnswer, fmt.Errorf("%s relay lookup: unreadable answer: %s", h.kind, h.scrub.clean(snippet(ans.body))))
	}
	out := make([]Report, 0, len(v.Messages))
	for _, r := range v.Messages {
		id, ok := ids[r.ID]
		if !ok {
			continue
		}
		res := h.result(id, r)
		out = append(out, Report{MessageID: id, Key: r.ID, ProviderID: r.ProviderID, Outcome: res.Outcome, Code: res.Code, Reason: res.Reason})
	}
	return out, nil
}
