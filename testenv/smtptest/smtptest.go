// Package smtptest is an in-process SMTP server (emersion/go-smtp) for tests of
// what sends mail: it keeps the mail it accepts, every AUTH it sees and the
// connections it takes, and can require AUTH, offer STARTTLS and refuse
// recipients.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/sendingo/sendingo/testenv/testca"
)

// Mail is one accepted message.
type Mail struct {
	From string
	To   []string
	Data []byte
	TLS  bool // whether the session was encrypted
}

// Auth is one AUTH the server saw.
type Auth struct {
	User string
	TLS  bool // whether the session was encrypted when it authenticated
	OK   bool
}

// Server is a running SMTP server on a loopback port.
type Server struct {
	Addr       string
	user, pass string
	reject     map[string]bool

	mu    sync.Mutex
	conns int
	mails []Mail
	auths []Auth
}

// Start serves SMTP on a loopback port until the test ends. With serverTLS it
// offers STARTTLS; without, it offers AUTH in clear text (as a misconfigured
// server would), so a test can see whether a client sends its password anyway.
// With a user, mail is accepted only from a session that authenticated as
// user/pass (AUTH PLAIN). Recipients in reject are refused with 550.
func Start(t testing.TB, serverTLS *tls.Config, user, pass string, reject ...string) *Server {
	t.Helper()
	s := &Server{user: user, pass: pass, reject: map[string]bool{}}
	for _, r := range reject {
		s.reject[r] = true
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = serverTLS
	srv.AllowInsecureAuth = serverTLS == nil
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = ln.Addr().String()
	go func() { _ = srv.Serve(countingListener{ln, s}) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// Mails is what the server accepted, in order.
func (s *Server) Mails() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.mails...)
}

// Auths is every AUTH the server saw, in order.
func (s *Server) Auths() []Auth {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Auth(nil), s.auths...)
}

// Conns is how many TCP connections the server accepted (go-smtp starts a new
// session after STARTTLS, so sessions are not connections).
func (s *Server) Conns() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

type countingListener struct {
	net.Listener
	s *Server
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

type session struct {
	srv    *Server
	conn   *smtp.Conn
	authed bool
	from   string
	to     []string
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		_, encrypted := s.conn.TLSConnectionState()
		ok := user == s.srv.user && pass == s.srv.pass
		s.srv.mu.Lock()
		s.srv.auths = append(s.srv.auths, Auth{User: user, TLS: encrypted, OK: ok})
		s.srv.mu.Unlock()
		if !ok {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication Credentials Invalid"}
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authed {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, encrypted := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, Mail{From: s.from, To: s.to, Data: b, TLS: encrypted})
	s.srv.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

// SelfSigned makes a certificate for 127.0.0.1 and localhost: the server's
// TLS configuration and the pool a client trusts it with (its CA's alone).
func SelfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	ca := testca.New(t, "smtp test CA")
	leaf := ca.Issue(t, x509.Certificate{Subject: pkix.Name{CommonName: "smtp test"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"}})
	return &tls.Config{Certificates: []tls.Certificate{leaf.TLS}}, ca.Pool()
}
