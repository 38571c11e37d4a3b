package outbound

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/testenv/smtptest"
)

// selfSigned is a server TLS configuration for 127.0.0.1 and a client one
// that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	server, pool := smtptest.SelfSigned(t)
	return server, &tls.Config{RootCAs: pool}
}

func alert() Mail {
	return Mail{To: []string{"ops@example.com", "owner@example.com"}, Subject: "재고 부족: 아메리카노",
		Body: "남은 재고 3개", Key: "stock-alert-1"}
}

// With credentials the mailer upgrades with STARTTLS, authenticates, and the
// server takes the mail; only the encrypted session ever saw the password.
func TestSMTPMailerAuthenticatesAfterSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := smtptest.Start(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.Addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second},
		SMTPAuth{Username: "AKIASESUSER", Password: "ses-smtp-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendMail(context.Background(), alert()); err != nil {
		t.Fatalf("send: %v", err)
	}
	if auths := srv.Auths(); len(auths) != 1 || !auths[0].OK || !auths[0].TLS || auths[0].User != "AKIASESUSER" {
		t.Fatalf("AUTH attempts %+v, want one successful AUTH inside TLS", auths)
	}
	var to []string
	for _, m := range srv.Mails() {
		to = append(to, m.To...)
	}
	if strings.Join(to, ",") != "ops@example.com,owner@example.com" {
		t.Fatalf("server accepted mail for %q", to)
	}
}

// Without credentials nothing changes for a local catcher, and a server that
// requires AUTH refuses the mail: the operator learns the credentials are missing.
func TestSMTPMailerWithoutCredentialsIsRefusedByAnAuthServer(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := smtptest.Start(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.Addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SendMail(context.Background(), alert())
	if err == nil || !strings.Contains(err.Error(), "authenticate first") {
		t.Fatalf("send without credentials: %v, want the server's demand for AUTH", err)
	}
}

// Wrong credentials: the error carries the server's answer, not the password.
func TestSMTPMailerReportsRejectedCredentials(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := smtptest.Start(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.Addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second},
		SMTPAuth{Username: "AKIASESUSER", Password: "stale-password-9f8e"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SendMail(context.Background(), alert())
	if err == nil || !strings.Contains(err.Error(), "535") {
		t.Fatalf("send with a wrong password: %v, want the server's 535", err)
	}
	if strings.Contains(err.Error(), "stale-password-9f8e") {
		t.Fatalf("the error shows the password: %v", err)
	}
}

// A server that offers no STARTTLS never receives the password: the mailer
// refuses before AUTH.
func TestSMTPMailerNeverSendsCredentialsInClear(t *testing.T) {
	srv := smtptest.Start(t, nil, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.Addr, "alerts@example.com", relay.Options{Timeout: 5 * time.Second},
		SMTPAuth{Username: "AKIASESUSER", Password: "ses-smtp-password"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SendMail(context.Background(), alert())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("send over a plain connection: %v, want a refusal naming STARTTLS", err)
	}
	if auths := srv.Auths(); len(auths) != 0 {
		t.Fatalf("the server saw AUTH in clear text: %+v", auths)
	}
}
