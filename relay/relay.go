// Package relay sends messages through relay providers (Aligo AlimTalk and SMS, SMTP,
// a generic HTTP relay, the built-in simulator) and decides which relay carries what.
//
// The package has three layers:
//
//   - the shared vocabulary: Message, Result, Outcome, Report and the small
//     interfaces Sender, ReportFetcher and Looker;
//   - adapters, built from a relay's kind and JSON configuration by New, each
//     speaking one provider dialect (see /work/shared/design/PROVIDERS.md);
//   - the Router: weighted / cheapest / fastest routing, failover, a circuit
//     breaker and a rate limiter per relay, AlimTalk → SMS/LMS fallback and live
//     health with a recommendation.
//
// Every outcome is classified explicitly. A RecipientFailed result is about the
// recipient (not a KakaoTalk user, blocked, opted out, invalid number, template
// mismatch…): it is never retried on a relay, and an AlimTalk message with fallback
// text goes out again as SMS/LMS. A RelayFault is the relay's fault (5xx, timeouts,
// authentication, balance, answers we cannot read): it is retried, fails over to the
// next relay and counts toward that relay's circuit breaker.
package relay

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Channel is the medium a message travels by.
type Channel string

// The channels sendingo sends on.
const (
	ChannelAlimTalk Channel = "alimtalk" // KakaoTalk business notification
	ChannelSMS      Channel = "sms"      // short text, ≤ 90 bytes EUC-KR
	ChannelLMS      Channel = "lms"      // long text, ≤ 2,000 bytes, with a title
	ChannelEmail    Channel = "email"
)

// Channels lists every channel, in a fixed order.
var Channels = []Channel{ChannelAlimTalk, ChannelSMS, ChannelLMS, ChannelEmail}

// Valid reports whether c is one of Channels.
func (c Channel) Valid() bool {
	switch c {
	case ChannelAlimTalk, ChannelSMS, ChannelLMS, ChannelEmail:
		return true
	}
	return false
}

// Button is an AlimTalk web-link button. The URLs are final (tracking links included).
type Button struct {
	Name      string
	MobileURL string
	PCURL     string
}

// Fallback is the SMS/LMS text that replaces an AlimTalk message its recipient could
// not receive. An empty Channel lets FallbackFor choose SMS or LMS by length.
type Fallback struct {
	Channel Channel
	Subject string
	Body    string
}

// Message is one message to one recipient, fully rendered.
type Message struct {
	// ID is our message id (campaign_messages.id). It is the idempotency key a relay
	// sees unless Key says otherwise.
	ID int64
	// Key overrides the idempotency key sent to the relay. It is empty for first sends;
	// FallbackFor sets "<id>-sms" so that a relay carrying both AlimTalk and SMS does not
	// drop the fallback as a repeat of the AlimTalk message.
	Key string
	// To is the recipient: an E.164 phone number (+821012345678) or an e-mail address.
	To      string
	Name    string // recipient's name, where the dialect carries it
	Channel Channel
	Subject string // LMS title, e-mail subject, AlimTalk subject (Aligo's subject_n, which the customer does not see)
	Body    string
	Buttons []Button
	// TemplateCode and SenderKey identify the approved AlimTalk template and the Kakao
	// channel profile. An empty SenderKey means the relay's configured one.
	TemplateCode string
	SenderKey    string
	// Fallback, when set on an AlimTalk message, is sent as SMS/LMS if the recipient
	// cannot receive the AlimTalk.
	Fallback *Fallback
	// HTML marks an e-mail whose body is HTML: its template's body, as written,
	// is HTML (render.IsHTML). The body as sent is not judged again,
	// so a text mail led by a value such as "<VIP>" stays text.
	HTML bool
	// Unsubscribe is the recipient's one-click unsubscribe address (e-mail only):
	// the SMTP adapter sends it as List-Unsubscribe with List-Unsubscribe-Post
	// (RFC 8058).
	Unsubscribe string
}

// IdempotencyKey is the key relays see for m: Key, or the decimal ID.
func (m Message) IdempotencyKey() string {
	if m.Key != "" {
		return m.Key
	}
	return strconv.FormatInt(m.ID, 10)
}

// Outcome classifies what happened to a message at a relay.
type Outcome uint8

// The outcomes. The zero value is not an outcome, so a forgotten Result is visible.
const (
	// Accepted: the relay took the message; a delivery report comes later.
	Accepted Outcome = iota + 1
	// Delivered: the message reached the recipient (or, for SMTP, the receiving
	// server took responsibility for it). Final.
	Delivered
	// RecipientFailed: the message cannot reach this recipient through this channel
	// (not a KakaoTalk user, blocked, opted out, invalid number, template mismatch…).
	// Final for the channel; never retried on a relay; an AlimTalk message with
	// fallback text is re-sent as SMS/LMS.
	RecipientFailed
	// RelayFault: the relay failed (5xx, timeout, authentication, balance, an answer
	// we cannot read). Retry, fail over, and count it toward the circuit breaker.
	RelayFault
)

var outcomeNames = [...]string{"", "accepted", "delivered", "recipient_failed", "relay_fault"}

func (o Outcome) String() string {
	if int(o) < len(outcomeNames) && o != 0 {
		return outcomeNames[o]
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// MarshalText writes the outcome's name, so JSON carries "accepted", not 1.
func (o Outcome) MarshalText() ([]byte, error) {
	if o == 0 || int(o) >= len(outcomeNames) {
		return nil, fmt.Errorf("relay: invalid outcome %d", o)
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText reads a name written by MarshalText.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, n := range outcomeNames {
		if i > 0 && n == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("relay: unknown outcome %q", b)
}

// Final reports whether no further report will change the outcome.
func (o Outcome) Final() bool { return o == Delivered || o == RecipientFailed }

// Result is the answer for one message of a Send call.
type Result struct {
	MessageID int64
	Outcome   Outcome
	// ProviderID is the relay's reference for the message or, when the provider has
	// only a per-request id (Aligo's mid), for its request.
	ProviderID string
	// Code is a failure code from the shared vocabulary (Code* constants), empty on
	// success. Reason is a short sentence for the tenant: what went wrong and at
	// most a cleaned provider message (reason.go), never a provider's answer body.
	Code   string
	Reason string
}

// Failure codes: one vocabulary across relays, so reports compare relays fairly.
// Each adapter documents how its provider's codes map onto these and onto Outcome.
const (
	// Per recipient (RecipientFailed).
	CodeNotKakaoUser     = "not_kakao_user"     // no KakaoTalk account for the number
	CodeBlocked          = "blocked"            // channel blocked, or no KakaoTalk use in 72 h
	CodeTemplateMismatch = "template_mismatch"  // text or buttons differ from the approved template
	CodeTemplateNotFound = "template_not_found" // template code not registered or not approved
	CodeOutsideHours     = "outside_hours"      // outside the hours the channel may send
	CodeOptedOut         = "opted_out"          // recipient opted out (080 number)
	CodeInvalidNumber    = "invalid_number"     // not a number that can receive the channel
	CodeInvalidAddress   = "invalid_address"    // e-mail address refused
	CodeContentRejected  = "content_rejected"   // content refused for this recipient (size, spam…)
	CodeUndeliverable    = "undeliverable"      // failed for the recipient, reason not given

	// The relay's fault (RelayFault).
	CodeAuth               = "auth_failed"            // credentials refused
	CodeInsufficientFunds  = "insufficient_balance"   // prepaid balance exhausted
	CodeInvalidProfile     = "invalid_sender_profile" // Kakao sender profile key refused or blocked
	CodeSenderUnregistered = "sender_not_registered"  // calling number not registered
	CodeBadRequest         = "bad_request"            // the relay refused the request as malformed
	CodeRateLimited        = "rate_limited"           // the relay asked us to slow down
	CodeServerError        = "server_error"           // 5xx or the provider's "system error"
	CodeTimeout            = "timeout"                // no answer in time
	CodeNoAnswer           = "no_answer"              // the request went out; its answer was lost (connection broken)
	CodeUnreachable        = "unreachable"            // connection failed
	CodeAddressRefused     = "address_refused"        // the relay's address is private or internal (egress guard)
	CodeBadAnswer          = "bad_answer"             // an answer we cannot read
	CodeCircuitOpen        = "circuit_open"           // not tried: the relay's circuit breaker is open
	CodeNoRelay            = "no_relay"               // no relay carries the channel
	CodeNotSent            = "not_sent"               // not tried: the context ended first
	CodeUnknown            = "unknown"                // a provider code we do not know
)

// Sender sends messages through one relay. Implementations are safe for concurrent
// use: a campaign's SendChunk activity calls Send from several goroutines at once.
type Sender interface {
	// Send hands msgs (at most MaxBatch) to the relay and returns one Result per
	// message, in the order of msgs. Per-message problems are Results; a non-nil
	// error means the call failed as a whole, nothing is known to have been
	// accepted, and every message is a RelayFault (see FaultResults).
	// More than MaxBatch messages is refused with ErrBatchTooLarge.
	Send(ctx context.Context, msgs []Message) ([]Result, error)
	// MaxBatch is the most messages one Send takes (Aligo: 500).
	MaxBatch() int
}

// Grouper is implemented by senders whose provider call carries only messages that
// share some fields (Aligo: one template per AlimTalk call, one type per SMS call).
// Batches uses it so that every provider call is as full as possible.
type Grouper interface {
	GroupKey(m Message) string
}

// Report is a relay's final (or, from Lookup, current) word on one message.
type Report struct {
	// MessageID is our id, when the relay echoes it (generic, simulator). Aligo does
	// not: match ProviderID (the request's mid) and To instead.
	MessageID  int64
	Key        string // the idempotency key the relay saw, when it echoes one
	ProviderID string
	To         string // recipient in E.164 (or e-mail), when the relay reports it
	// Outcome is Delivered or RecipientFailed in delivery reports; Lookup may also
	// answer Accepted (not final yet) or RelayFault (the relay lost it).
	Outcome Outcome
	Code    string
	Reason  string
	At      time.Time // when the relay learnt the result (zero if not given)
	// ByRecipient marks a Lookup match made by recipient and time rather than by our
	// id (Aligo): near-certain, not exact.
	ByRecipient bool
}

// ReportQuery says which delivery reports to fetch. Each kind uses what its provider
// can search by (see the adapters); unused fields are ignored.
type ReportQuery struct {
	// Cursor is Next from the previous page; empty starts from the beginning (generic
	// relays, the simulator).
	Cursor string
	// Since bounds how far back to look: the first send time of the messages still
	// awaited (Aligo lists its history by date).
	Since time.Time
	// ProviderIDs are provider request ids still awaited (Aligo mids). When set,
	// adapters that can fetch by id look only at those.
	ProviderIDs []string
	// Limit caps the reports of one page; 0 means the adapter's default.
	Limit int
}

// ReportPage is one page of delivery reports.
type ReportPage struct {
	Reports []Report
	// Next is the cursor for the following call ("" if the relay has no cursor).
	Next string
	// More is true when the relay has more reports ready right now.
	More bool
}

// ReportFetcher polls a relay for delivery reports.
type ReportFetcher interface {
	Reports(ctx context.Context, q ReportQuery) (ReportPage, error)
}

// Looker finds out what a relay knows about messages whose send may or may not have
// reached it: rows a crashed worker left in "sending". The CollectReports / SendChunk
// activities call it before resending such rows.
type Looker interface {
	// Lookup returns a Report for each of msgs the relay has; a message missing from
	// the answer was not received, as far as the relay can tell. since is when the
	// rows were claimed: the send happened at or after it.
	Lookup(ctx context.Context, msgs []Message, since time.Time) ([]Report, error)
}

// ErrBatchTooLarge is returned by Send for more than MaxBatch messages.
var ErrBatchTooLarge = errors.New("relay: more messages than the relay takes in one call")

// ErrLookupUnsupported is returned by Lookup when the relay cannot answer it.
var ErrLookupUnsupported = errors.New("relay: the relay cannot look messages up")

// FaultResults turns a whole-call error into one RelayFault Result per message.
func FaultResults(msgs []Message, code string, err error) []Result {
	out := make([]Result, len(msgs))
	reason := publicReason(code, err)
	for i, m := range msgs {
		out[i] = Result{MessageID: m.ID, Outcome: RelayFault, Code: code, Reason: reason}
	}
	return out
}

// Batches splits msgs into provider calls of at most s.MaxBatch messages. Messages
// with the same Grouper key (when s is a Grouper) travel together, groups in the
// order of their first message, messages in their original order.
func Batches(s Sender, msgs []Message) [][]Message {
	idx := batchIndexes(s, len(msgs), func(i int) Message { return msgs[i] })
	out := make([][]Message, len(idx))
	for b, is := range idx {
		out[b] = make([]Message, len(is))
		for k, i := range is {
			out[b][k] = msgs[i]
		}
	}
	return out
}

// batchIndexes is Batches over n messages read through at, answering indexes.
func batchIndexes(s Sender, n int, at func(int) Message) [][]int {
	size := s.MaxBatch()
	if size <= 0 {
		size = n
	}
	var groups [][]int
	if g, ok := s.(Grouper); ok {
		index := map[string]int{}
		for i := 0; i < n; i++ {
			k := g.GroupKey(at(i))
			gi, seen := index[k]
			if !seen {
				gi = len(groups)
				index[k] = gi
				groups = append(groups, nil)
			}
			groups[gi] = append(groups[gi], i)
		}
	} else if n > 0 {
		all := make([]int, n)
		for i := range all {
			all[i] = i
		}
		groups = [][]int{all}
	}
	var out [][]int
	for _, g := range groups {
		for len(g) > size {
			out = append(out, g[:size:size])
			g = g[size:]
		}
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// SendAll sends any number of messages through s in batches (see Batches), one call
// at a time, and returns one Result per message in the order of msgs. A failed call
// becomes RelayFault results for its messages; once ctx ends, the messages not yet
// sent are RelayFault with CodeNotSent. The Router does the same with concurrency,
// failover and a breaker; SendAll is for simple callers and tests.
func SendAll(ctx context.Context, s Sender, msgs []Message) []Result {
	out := make([]Result, len(msgs))
	for _, idx := range batchIndexes(s, len(msgs), func(i int) Message { return msgs[i] }) {
		b := make([]Message, len(idx))
		for k, i := range idx {
			b[k] = msgs[i]
		}
		var (
			res []Result
			err = ctx.Err()
		)
		if err == nil {
			res, err = s.Send(ctx, b)
			if err == nil && len(res) != len(b) {
				err = fault(CodeBadAnswer, fmt.Errorf("relay answered %d results for %d messages", len(res), len(b)))
			}
		}
		if err != nil {
			res = FaultResults(b, codeOf(err), err)
		}
		for k, i := range idx {
			r := res[k]
			if r.MessageID != b[k].ID || r.Outcome == 0 {
				r = Result{MessageID: b[k].ID, Outcome: RelayFault, Code: CodeBadAnswer, Reason: "the relay answered out of order or without an outcome"}
			}
			out[i] = r
		}
	}
	return out
}
