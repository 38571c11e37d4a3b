package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
)

// smtpMaxBatch bounds one Send: the messages of a call go one after another over a
// single connection, so a call of 100 stays well inside an activity's heartbeat.
const smtpMaxBatch = 100

// smtpOutcome maps an SMTP reply code onto our vocabulary:
//
//	5xx on RCPT  → RecipientFailed, CodeInvalidAddress (mailbox unknown, refused)
//	5xx on DATA  → RecipientFailed, CodeContentRejected (size, policy, spam)
//	4xx anywhere → RelayFault, CodeRateLimited (greylisting, too busy: retry later)
//	5xx on MAIL  → RelayFault, CodeSenderUnregistered (our sender refused)
//	530/535/538  → RelayFault, CodeAuth
//	anything else, or a broken connection → RelayFault
func smtpOutcome(stage string, code int) (Outcome, string) {
	switch {
	case code == 530 || code == 535 || code == 538:
		return RelayFault, CodeAuth
	case code >= 400 && code < 500:
		return RelayFault, CodeRateLimited
	case code >= 500 && stage == "rcpt":
		return RecipientFailed, CodeInvalidAddress
	case code >= 500 && (stage == "data" || stage == "end of data"):
		return RecipientFailed, CodeContentRejected
	case code >= 500 && stage == "mail":
		return RelayFault, CodeSenderUnregistered
	}
	return RelayFault, CodeServerError
}

// SMTP sends e-mail through an SMTP server, one connection per Send: every message
// of the call is its own MAIL/RCPT/DATA transaction on that connection.
//
// What is guaranteed: SMTP has no lookup and no idempotency key (each mail carries
// a Message-ID derived from our id, which receiving systems may use to drop
// repeats). A message whose DATA was answered 250 is Delivered as far as we can
// know; bounces are not tracked. A row left in "sending" after a crash is resent:
// at-least-once for the few messages in flight at that moment.
type SMTP struct {
	cfg     SMTPConfig
	addr    string
	from    *mail.Address
	domain  string
	timeout time.Duration
	tlsConf *tls.Config
	log     *slog.Logger
	now     func() time.Time
	scrub   scrubber
	dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// NewSMTP builds the adapter; cfg is assumed valid (see ValidateConfig).
func NewSMTP(cfg SMTPConfig, opts Options) *SMTP {
	opts = opts.withDefaults()
	if cfg.TLS == "" {
		cfg.TLS = "starttls"
	}
	cfg.Port = smtpPort(cfg)
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		from = &mail.Address{Address: cfg.From}
	}
	domain := "localhost"
	if at := strings.LastIndexByte(from.Address, '@'); at >= 0 {
		domain = from.Address[at+1:]
	}
	tc := &tls.Config{}
	if opts.TLSConfig != nil {
		tc = opts.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = cfg.Host
	}
	return &SMTP{
		cfg: cfg, addr: net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)),
		from: from, domain: domain, timeout: opts.Timeout, tlsConf: tc,
		log: opts.Logger.With("relay_kind", KindSMTP), now: opts.Now,
		scrub: newScrubber(cfg.Password),
		dial:  opts.dialer(),
	}
}

// smtpPort is the port an SMTP relay connects to: the configured one, or the
// default of its TLS mode.
func smtpPort(cfg SMTPConfig) int {
	if cfg.Port != 0 {
		return cfg.Port
	}
	switch cfg.TLS {
	case "tls":
		return 465
	case "none":
		return 25
	}
	return 587
}

// MaxBatch is 100 messages per connection.
func (s *SMTP) MaxBatch() int { return smtpMaxBatch }

// Send delivers msgs over one connection. A failure to connect, greet, secure or
// authenticate fails the whole call; a recipient the server refuses (5xx on RCPT)
// is RecipientFailed and the next message goes on; a connection that breaks midway
// leaves the rest RelayFault, CodeNotSent (they were not handed over). Only a mail
// whose end of DATA went unanswered in time keeps CodeTimeout: the server may have
// taken it (see InDoubt).
func (s *SMTP) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	if len(msgs) > smtpMaxBatch {
		return nil, fmt.Errorf("smtp: %d messages: %w", len(msgs), ErrBatchTooLarge)
	}
	if len(msgs) == 0 {
		return nil, nil
	}
	out := make([]Result, len(msgs))
	var todo []int
	for i, m := range msgs {
		out[i].MessageID = m.ID
		if m.Channel != ChannelEmail {
			out[i].Outcome, out[i].Code = RelayFault, CodeBadRequest
			out[i].Reason = fmt.Sprintf("smtp does not carry %q messages", m.Channel)
			continue
		}
		if _, err := mail.ParseAddress(m.To); err != nil || strings.ContainsAny(m.To, "\r\n<>") {
			out[i].Outcome, out[i].Code = RecipientFailed, CodeInvalidAddress
			out[i].Reason = "not an e-mail address: " + m.To
			continue
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		return out, nil
	}
	start := s.now()
	c, conn, err := s.connect(ctx)
	if err != nil {
		if len(todo) == len(msgs) {
			return nil, err
		}
		for _, i := range todo {
			out[i] = FaultResults(msgs[i:i+1], codeOf(err), err)[0]
		}
		return out, nil
	}
	// Closing the connection is how a cancelled context interrupts a blocked read.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	defer c.Close()

	broken := error(nil)
	for _, i := range todo {
		if broken != nil {
			out[i] = Result{MessageID: msgs[i].ID, Outcome: RelayFault, Code: CodeNotSent,
				Reason: "not sent: the connection broke on an earlier mail (" + PublicReason(broken) + ")"}
			continue
		}
		if err := ctx.Err(); err != nil {
			broken = fault(CodeNotSent, fmt.Errorf("smtp: %w", err))
			out[i] = Result{MessageID: msgs[i].ID, Outcome: RelayFault, Code: CodeNotSent, Reason: PublicReason(broken)}
			continue
		}
		conn.SetDeadline(s.now().Add(s.timeout))
		if ctx.Err() != nil { // cancelled between the check and the new deadline
			conn.SetDeadline(time.Unix(1, 0))
		}
		out[i], broken = s.deliver(c, msgs[i])
		if broken != nil && ctx.Err() != nil {
			broken = fault(CodeNotSent, fmt.Errorf("smtp: %w", ctx.Err()))
		}
	}
	if broken == nil {
		_ = c.Quit()
	}
	s.log.DebugContext(ctx, "smtp call", "messages", len(todo), "duration", s.now().Sub(start))
	return out, nil
}

// connect dials, greets, secures and authenticates one connection.
func (s *SMTP) connect(ctx context.Context) (*smtp.Client, net.Conn, error) {
	conn, err := s.dial(ctx, "tcp", s.addr)
	if err != nil {
		return nil, nil, fault(codeOf(err), fmt.Errorf("smtp: connect to %s: %w", s.addr, err))
	}
	conn.SetDeadline(s.now().Add(s.timeout))
	fail := func(code string, err error) (*smtp.Client, net.Conn, error) {
		conn.Close()
		public := ""
		var te *textproto.Error
		if errors.As(err, &te) {
			// The server's reply line (e.g. "535 5.7.8 authentication failed")
			// is what the tenant needs to fix the relay; cleaned.
			public = SanitizeReason(s.scrub.clean(fmt.Sprintf("%d %s", te.Code, te.Msg)))
		}
		if code == "" {
			code = codeOf(err)
			if te != nil {
				_, code = smtpOutcome("session", te.Code)
			}
		}
		return nil, nil, withPublic(fault(code, s.scrub.err(fmt.Errorf("smtp %s: %w", s.addr, err))), public)
	}
	if s.cfg.TLS == "tls" {
		tc := tls.Client(conn, s.tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail(CodeUnreachable, fmt.Errorf("tls handshake: %w", err))
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.cfg.Host)
	if err != nil {
		return fail("", fmt.Errorf("greeting: %w", err))
	}
	if err := c.Hello(s.domain); err != nil {
		return fail("", fmt.Errorf("EHLO: %w", err))
	}
	secure := s.cfg.TLS == "tls"
	if s.cfg.TLS == "starttls" {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConf); err != nil {
				return fail(CodeUnreachable, fmt.Errorf("STARTTLS: %w", err))
			}
			secure = true
		}
	}
	if s.cfg.Username != "" {
		if !secure && s.cfg.TLS != "none" {
			return fail(CodeAuth, errors.New("the server does not offer STARTTLS; refusing to send the password in clear text (set tls to \"none\" to allow it)"))
		}
		if err := c.Auth(plainAuth{s.cfg.Username, s.cfg.Password}); err != nil {
			return fail(CodeAuth, fmt.Errorf("AUTH: %w", err))
		}
	}
	return c, conn, nil
}

// plainAuth is AUTH PLAIN without net/smtp's own TLS check: connect has already
// decided (tls "none" is the operator's explicit choice for a local mail catcher).
type plainAuth struct{ user, pass string }

func (a plainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.user + "\x00" + a.pass), nil
}

func (a plainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}

// deliver runs one transaction. It returns a non-nil error only when the connection
// can no longer be used.
func (s *SMTP) deliver(c *smtp.Client, m Message) (Result, error) {
	res := Result{MessageID: m.ID, ProviderID: s.messageID(m)}
	refused := func(stage string, err error) (Result, error) {
		var te *textproto.Error
		if !errors.As(err, &te) {
			res.Outcome, res.Code = RelayFault, codeOf(err)
			switch {
			case res.Code == CodeTimeout && stage != "end of data":
				// No answer before the mail was handed over: the server has
				// nothing to deliver, so this is not in doubt.
				res.Code = CodeUnreachable
			case stage == "end of data" && res.Code != CodeTimeout && res.Code != CodeNotSent:
				// The whole mail went out and the connection broke before the
				// server's answer: it may have queued the mail.
				res.Code = CodeNoAnswer
			}
			res.Reason = publicReason(res.Code, err)
			return res, fault(res.Code, s.scrub.err(fmt.Errorf("smtp %s: %w", stage, err)))
		}
		res.Outcome, res.Code = smtpOutcome(stage, te.Code)
		res.Reason = SanitizeReason(s.scrub.clean(fmt.Sprintf("smtp %s refused: %d %s", stage, te.Code, te.Msg)))
		// The transaction is dead but the connection is fine: RSET and go on.
		if err := c.Reset(); err != nil {
			return res, fault(CodeUnreachable, fmt.Errorf("smtp RSET: %w", err))
		}
		return res, nil
	}
	to, _ := mail.ParseAddress(m.To)
	if err := c.Mail(s.from.Address); err != nil {
		return refused("mail", err)
	}
	if err := c.Rcpt(to.Address); err != nil {
		return refused("rcpt", err)
	}
	w, err := c.Data()
	if err != nil {
		return refused("data", err)
	}
	if _, err := w.Write(s.compose(m, to, res.ProviderID)); err != nil {
		return refused("data", err)
	}
	if err := w.Close(); err != nil {
		return refused("end of data", err)
	}
	res.Outcome = Delivered
	return res, nil
}

// messageID is the Message-ID of m: derived from our idempotency key, so a resent
// message carries the same one.
func (s *SMTP) messageID(m Message) string {
	return "<sendingo." + m.IdempotencyKey() + "@" + s.domain + ">"
}

// compose writes the RFC 5322 message: encoded-word headers (RFC 2047) for non-ASCII
// names and subjects, a UTF-8 body in base64 so that no server's 7-bit path can
// mangle Korean text. An HTML message (Message.HTML) goes as text/html.
func (s *SMTP) compose(m Message, to *mail.Address, msgID string) []byte {
	var b bytes.Buffer
	// An encoded header (RFC 2047) is a run of encoded-words, each at most 75
	// characters; each goes on its own folded line, so that a 500-character
	// Korean subject stays within RFC 5322's 998 characters a line.
	hdr := func(k, v string) { b.WriteString(k + ": " + strings.ReplaceAll(v, "?= =?", "?=\r\n =?") + "\r\n") }
	hdr("From", s.from.String())
	if m.Name != "" {
		to = &mail.Address{Name: m.Name, Address: to.Address}
	}
	hdr("To", to.String())
	hdr("Subject", mime.BEncoding.Encode("UTF-8", m.Subject))
	hdr("Date", s.now().Format(time.RFC1123Z))
	hdr("Message-ID", msgID)
	if m.Unsubscribe != "" && !strings.ContainsAny(m.Unsubscribe, "\r\n<>") {
		// RFC 8058 one-click: mailbox providers POST
		// "List-Unsubscribe=One-Click" to the address; no mailto is offered.
		hdr("List-Unsubscribe", "<"+m.Unsubscribe+">")
		hdr("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	hdr("MIME-Version", "1.0")
	ctype := "text/plain"
	if m.HTML {
		ctype = "text/html"
	}
	hdr("Content-Type", ctype+"; charset=UTF-8")
	hdr("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(m.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}
