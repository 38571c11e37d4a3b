package outbound

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sendingo/sendingo/relay"
)

// authServer is an in-process SMTP server (emersion/go-smtp) that, like SES's
// SMTP endpoint, accepts mail only from an authenticated session.
type authServer struct {
	addr       string
	user, pass string
	mu         sync.Mutex
	auths      []authAttempt // every AUTH the server saw
	mails      []string      // recipients of accepted mail
}

type authAttempt struct {
	user string
	tls  bool // whether the session was encrypted when it authenticated
	ok   bool
}

type authSession struct {
	srv    *authServer
	conn   *smtp.Conn
	authed bool
	to     []string
}

func (s *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		_, encrypted := s.conn.TLSConnectionState()
		ok := user == s.srv.user && pass == s.srv.pass
		s.srv.mu.Lock()
		s.srv.auths = append(s.srv.auths, authAttempt{user: user, tls: encrypted, ok: ok})
		s.srv.mu.Unlock()
		if !ok {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication Credentials Invalid"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *authSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *authSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *authSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, s.to...)
	s.srv.mu.Unlock()
	return nil
}

func (s *authSession) Reset()        { s.to = nil }
func (s *authSession) Logout() error { return nil }

// startAuthServer serves SMTP on a loopback port. With serverTLS it offers
// STARTTLS; without, it offers AUTH in clear text (as a misconfigured relay
// would), so the test can see whether the client sends its password anyway.
func startAuthServer(t *testing.T, serverTLS *tls.Config, user, pass string) *authServer {
	t.Helper()
	as := &authServer{user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &authSession{srv: as, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = serverTLS
	srv.AllowInsecureAuth = serverTLS == nil
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	as.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return as
}

// selfSigned makes a certificate for 127.0.0.1 and a client TLS configuration
// that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}},
		&tls.Config{RootCAs: pool}
}

func alert() Mail {
	return Mail{To: []string{"ops@example.com", "owner@example.com"}, Subject: "재고 부족: 아메리카노",
		Body: "남은 재고 3개", Key: "stock-alert-1"}
}

// With credentials the mailer upgrades with STARTTLS, authenticates, and the
// server takes the mail; only the encrypted session ever saw the password.
func TestSMTPMailerAuthenticatesAfterSTARTTLS(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := startAuthServer(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second},
		SMTPAuth{Username: "AKIASESUSER", Password: "ses-smtp-password"})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendMail(context.Background(), alert()); err != nil {
		t.Fatalf("send: %v", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.auths) != 1 || !srv.auths[0].ok || !srv.auths[0].tls || srv.auths[0].user != "AKIASESUSER" {
		t.Fatalf("AUTH attempts %+v, want one successful AUTH inside TLS", srv.auths)
	}
	if strings.Join(srv.mails, ",") != "ops@example.com,owner@example.com" {
		t.Fatalf("server accepted mail for %q", srv.mails)
	}
}

// Without credentials nothing changes for a local catcher, and a server that
// requires AUTH refuses the mail: the operator learns the credentials are missing.
func TestSMTPMailerWithoutCredentialsIsRefusedByAnAuthServer(t *testing.T) {
	serverTLS, clientTLS := selfSigned(t)
	srv := startAuthServer(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second})
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
	srv := startAuthServer(t, serverTLS, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.addr, "alerts@example.com", relay.Options{TLSConfig: clientTLS, Timeout: 5 * time.Second},
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
	srv := startAuthServer(t, nil, "AKIASESUSER", "ses-smtp-password")
	m, err := NewSMTPMailer(srv.addr, "alerts@example.com", relay.Options{Timeout: 5 * time.Second},
		SMTPAuth{Username: "AKIASESUSER", Password: "ses-smtp-password"})
	if err != nil {
		t.Fatal(err)
	}
	err = m.SendMail(context.Background(), alert())
	if err == nil || !strings.Contains(err.Error(), "STARTTLS") {
		t.Fatalf("send over a plain connection: %v, want a refusal naming STARTTLS", err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if len(srv.auths) != 0 {
		t.Fatalf("the server saw AUTH in clear text: %+v", srv.auths)
	}
}
