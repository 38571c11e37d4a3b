// Package outbound is how sendingo reaches out on the platform's behalf: e-mail
// through the operator's SMTP server, and webhooks to tenant-supplied URLs
// through the egress guard. Alerts use both; the feed and invitations will too.
package outbound

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sendingo/sendingo/relay"
)

// Mail is one e-mail to a few recipients.
type Mail struct {
	To      []string
	Subject string
	Body    string
	// Key identifies the mail across retries: its Message-ID derives from it, so
	// a receiver can drop a repeat.
	Key string
}

// Mailer sends e-mail; low-stock alerts go through it.
type Mailer interface {
	SendMail(ctx context.Context, m Mail) error
}

// MailRefusedError says which recipients the server refused for good (5xx);
// Delivered counts the others.
type MailRefusedError struct {
	Refused   []string
	Reason    string
	Delivered int
}

func (e *MailRefusedError) Error() string {
	return fmt.Sprintf("refused %s: %s", strings.Join(e.Refused, ", "), e.Reason)
}

// Public is Error with the server's reply cleaned for the tenant's eyes.
func (e *MailRefusedError) Public() string {
	return fmt.Sprintf("refused %s: %s", strings.Join(e.Refused, ", "), relay.SanitizeReason(e.Reason))
}

// SMTPMailer sends mail through one SMTP server (SENDINGO_SMTP_ADDR: a local
// relay, a mail catcher, or a provider's SMTP endpoint such as SES's). It reuses
// the smtp relay adapter: STARTTLS when the server offers it, implicit TLS on
// port 465, and with credentials AUTH PLAIN only over TLS. The server is the
// operator's choice, not tenant input, so it is dialled without the egress
// guard — and it is not added to the guard's exceptions either, which would let
// tenants' smtp relays reach it.
type SMTPMailer struct {
	smtp *relay.SMTP
}

// SMTPAuth are the credentials of the operator's SMTP server.
type SMTPAuth struct {
	Username, Password string
}

// NewSMTPMailer returns a mailer for the server at addr (host:port) sending as
// from. With auth (a username), TLS is required: a server that offers no
// STARTTLS is refused before the password is sent.
func NewSMTPMailer(addr, from string, opts relay.Options, auth ...SMTPAuth) (*SMTPMailer, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("SMTP address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port <= 0 {
		return nil, fmt.Errorf("SMTP address %q: bad port", addr)
	}
	opts.Egress = nil
	cfg := relay.SMTPConfig{Host: host, Port: port, From: from, TLS: "starttls"}
	if port == 465 { // submissions: TLS from the first byte
		cfg.TLS = "tls"
	}
	for _, a := range auth {
		cfg.Username, cfg.Password = a.Username, a.Password
	}
	return &SMTPMailer{smtp: relay.NewSMTP(cfg, opts)}, nil
}

// SendMail sends m to each recipient in one SMTP session. A relay fault (server
// down, 4xx) is an ordinary error, worth retrying; recipients refused with 5xx
// are a *MailRefusedError.
func (s *SMTPMailer) SendMail(ctx context.Context, m Mail) error {
	msgs := make([]relay.Message, len(m.To))
	for i, to := range m.To {
		msgs[i] = relay.Message{ID: int64(i + 1), Key: m.Key, To: to, Channel: relay.ChannelEmail, Subject: m.Subject, Body: m.Body}
	}
	results, err := s.smtp.Send(ctx, msgs)
	if err != nil {
		return err
	}
	refused := &MailRefusedError{}
	for i, r := range results {
		switch r.Outcome {
		case relay.Delivered, relay.Accepted:
			refused.Delivered++
		case relay.RecipientFailed:
			refused.Refused = append(refused.Refused, m.To[i])
			refused.Reason = r.Reason
		default:
			return fmt.Errorf("mail to %s: %s", m.To[i], r.Reason)
		}
	}
	if len(refused.Refused) > 0 {
		return refused
	}
	return nil
}
