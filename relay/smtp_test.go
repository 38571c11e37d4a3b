package relay

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"mime"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

type receivedMail struct {
	from string
	to   []string
	data []byte
	tls  bool
}

// mailServer is an in-process SMTP server (emersion/go-smtp) that keeps what it
// receives.
type mailServer struct {
	addr   string
	mu     sync.Mutex
	conns  int // TCP connections accepted
	mails  []receivedMail
	reject map[string]bool // recipients refused with 550
	user   string          // when set, AUTH PLAIN with user/pass is required
	pass   string
	authed int
}

type mailSession struct {
	srv   *mailServer
	conn  *smtp.Conn
	from  string
	to    []string
	authd bool
}

func (s *mailSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *mailSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.user || pass != s.srv.pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.authd = true
		s.srv.mu.Lock()
		s.srv.authed++
		s.srv.mu.Unlock()
		return nil
	}), nil
}

func (s *mailSession) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.user != "" && !s.authd {
		return smtp.ErrAuthRequired
	}
	s.from = from
	return nil
}

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.srv.reject[to] {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.srv.mu.Lock()
	s.srv.mails = append(s.srv.mails, receivedMail{from: s.from, to: s.to, data: b, tls: isTLS})
	s.srv.mu.Unlock()
	return nil
}

func (s *mailSession) Reset()        { s.from, s.to = "", nil }
func (s *mailSession) Logout() error { return nil }

func startMailServer(t *testing.T, tlsConf *tls.Config, user, pass string) *mailServer {
	t.Helper()
	ms := &mailServer{reject: map[string]bool{}, user: user, pass: pass}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &mailSession{srv: ms, conn: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = tlsConf
	srv.AllowInsecureAuth = tlsConf == nil
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go func() { _ = srv.Serve(countingListener{ln, ms}) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

// countingListener counts TCP connections (go-smtp starts a new session after
// STARTTLS, so sessions are not connections).
type countingListener struct {
	net.Listener
	ms *mailServer
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.ms.mu.Lock()
		l.ms.conns++
		l.ms.mu.Unlock()
	}
	return c, err
}

func smtpConfig(addr, tlsMode string) SMTPConfig {
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	return SMTPConfig{Host: host, Port: p, From: "샵 알림 <shop@example.com>", TLS: tlsMode}
}

func emails(n int) []Message {
	out := make([]Message, n)
	for i := range out {
		out[i] = Message{ID: int64(i + 1), To: "user" + strconv.Itoa(i+1) + "@example.net", Name: "고객 " + strconv.Itoa(i+1),
			Channel: ChannelEmail, Subject: "[샵] 3월 출석 이벤트 안내 " + strconv.Itoa(i+1),
			Body: "안녕하세요, 고객님!\n출석 체크하고 쿠폰 받으세요. 🎁\n" + strings.Repeat("한글 본문이 길어도 깨지지 않아야 합니다. ", 10)}
	}
	return out
}

func TestSMTPOneConnectionPerBatch(t *testing.T) {
	ms := startMailServer(t, nil, "", "")
	ms.reject["user2@example.net"] = true
	s := NewSMTP(smtpConfig(ms.addr, "none"), Options{Timeout: 5 * time.Second})
	msgs := emails(4)
	msgs[3].To = "not an address"
	res, err := s.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		o    Outcome
		code string
	}{{Delivered, ""}, {RecipientFailed, CodeInvalidAddress}, {Delivered, ""}, {RecipientFailed, CodeInvalidAddress}}
	for i, w := range want {
		if res[i].Outcome != w.o || res[i].Code != w.code || res[i].MessageID != msgs[i].ID {
			t.Errorf("result %d = %+v, want %v %s", i, res[i], w.o, w.code)
		}
	}
	if !strings.Contains(res[1].Reason, "550") {
		t.Errorf("reason %q does not name the server's answer", res[1].Reason)
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.conns != 1 {
		t.Errorf("%d connections for one batch", ms.conns)
	}
	if len(ms.mails) != 2 {
		t.Fatalf("%d mails received", len(ms.mails))
	}
	for k, i := range []int{0, 2} {
		got := ms.mails[k]
		if got.from != "shop@example.com" || len(got.to) != 1 || got.to[0] != msgs[i].To {
			t.Errorf("envelope %q → %q", got.from, got.to)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
		if err != nil {
			t.Fatal(err)
		}
		dec := new(mime.WordDecoder)
		subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
		if err != nil || subject != msgs[i].Subject {
			t.Errorf("subject %q (%v), want %q", subject, err, msgs[i].Subject)
		}
		if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") {
			t.Errorf("subject is not an encoded word: %q", raw)
		}
		from, err := m.Header.AddressList("From")
		if err != nil || from[0].Name != "샵 알림" || from[0].Address != "shop@example.com" {
			t.Errorf("from %v %v", from, err)
		}
		to, err := m.Header.AddressList("To")
		if err != nil || to[0].Name != msgs[i].Name {
			t.Errorf("to %v %v", to, err)
		}
		if ct := m.Header.Get("Content-Type"); ct != "text/plain; charset=UTF-8" {
			t.Errorf("content type %q", ct)
		}
		if id := m.Header.Get("Message-ID"); id != res[i].ProviderID || !strings.Contains(id, "sendingo."+strconv.FormatInt(msgs[i].ID, 10)+"@example.com") {
			t.Errorf("message id %q, provider id %q", id, res[i].ProviderID)
		}
		body, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, m.Body))
		if err != nil || string(body) != msgs[i].Body {
			t.Errorf("body %q (%v)", body, err)
		}
	}
}

func TestSMTPConnectionFailureIsARelayFault(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewSMTP(smtpConfig(addr, "none"), Options{Timeout: time.Second}).Send(context.Background(), emails(2))
	if err == nil || ErrorCode(err) != CodeUnreachable {
		t.Errorf("err %v (code %s)", err, ErrorCode(err))
	}
	res := SendAll(context.Background(), NewSMTP(smtpConfig(addr, "none"), Options{Timeout: time.Second}), emails(2))
	if res[0].Outcome != RelayFault {
		t.Errorf("SendAll %+v", res[0])
	}
}

func TestSMTPStartTLSAndAuth(t *testing.T) {
	serverTLS, roots := selfSignedTLS(t)
	ms := startMailServer(t, serverTLS, "mailer", "SMTP-PASSWORD-SECRET")
	cfg := smtpConfig(ms.addr, "starttls")
	cfg.Username, cfg.Password = "mailer", "SMTP-PASSWORD-SECRET"
	s := NewSMTP(cfg, Options{Timeout: 5 * time.Second, TLSConfig: &tls.Config{RootCAs: roots}})
	res, err := s.Send(context.Background(), emails(3))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Outcome != Delivered {
			t.Errorf("%+v", r)
		}
	}
	ms.mu.Lock()
	if ms.conns != 1 || ms.authed != 1 || len(ms.mails) != 3 || !ms.mails[0].tls {
		t.Errorf("conns %d authed %d mails %d tls %v", ms.conns, ms.authed, len(ms.mails), len(ms.mails) > 0 && ms.mails[0].tls)
	}
	ms.mu.Unlock()

	// A wrong password fails the call as an authentication fault, without quoting it.
	cfg.Password = "WRONG-PASSWORD-SECRET"
	_, err = NewSMTP(cfg, Options{Timeout: 5 * time.Second, TLSConfig: &tls.Config{RootCAs: roots}}).Send(context.Background(), emails(1))
	if ErrorCode(err) != CodeAuth || strings.Contains(err.Error(), "WRONG-PASSWORD-SECRET") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSMTPRefusesClearTextPassword(t *testing.T) {
	ms := startMailServer(t, nil, "mailer", "pw") // no STARTTLS offered
	cfg := smtpConfig(ms.addr, "starttls")
	cfg.Username, cfg.Password = "mailer", "pw"
	_, err := NewSMTP(cfg, Options{Timeout: 5 * time.Second}).Send(context.Background(), emails(1))
	if ErrorCode(err) != CodeAuth || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("err %v", err)
	}
	// tls "none" is the explicit choice for a local catcher.
	cfg.TLS = "none"
	res, err := NewSMTP(cfg, Options{Timeout: 5 * time.Second}).Send(context.Background(), emails(1))
	if err != nil || res[0].Outcome != Delivered {
		t.Errorf("tls none: %+v %v", res, err)
	}
}

func TestSMTPRefusesOtherChannelsAndBigBatches(t *testing.T) {
	s := NewSMTP(smtpConfig("127.0.0.1:1", "none"), Options{})
	res, err := s.Send(context.Background(), messages(0, 1))
	if err != nil || res[0].Outcome != RelayFault || res[0].Code != CodeBadRequest {
		t.Errorf("%+v %v", res, err)
	}
	if _, err := s.Send(context.Background(), emails(101)); !errors.Is(err, ErrBatchTooLarge) {
		t.Errorf("101 mails: %v", err)
	}
}

// selfSignedTLS returns a server TLS config for 127.0.0.1 and the pool that trusts it.
func selfSignedTLS(t *testing.T) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test smtp"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
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
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}, pool
}

// A message with an unsubscribe address carries RFC 8058's two headers; one
// without carries neither.
func TestSMTPListUnsubscribeHeaders(t *testing.T) {
	ms := startMailServer(t, nil, "", "")
	s := NewSMTP(smtpConfig(ms.addr, "none"), Options{Timeout: 5 * time.Second})
	msgs := emails(2)
	msgs[0].Unsubscribe = "https://send.example/u/abcdefghijklmnopqrstuv"
	if _, err := s.Send(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if len(ms.mails) != 2 {
		t.Fatalf("%d mails received", len(ms.mails))
	}
	for i, got := range ms.mails {
		m, err := mail.ReadMessage(strings.NewReader(string(got.data)))
		if err != nil {
			t.Fatal(err)
		}
		lu, post := m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post")
		if i == 0 && (lu != "<"+msgs[0].Unsubscribe+">" || post != "List-Unsubscribe=One-Click") {
			t.Errorf("List-Unsubscribe %q, List-Unsubscribe-Post %q", lu, post)
		}
		if i == 1 && (lu != "" || post != "") {
			t.Errorf("a message without an address got List-Unsubscribe %q %q", lu, post)
		}
	}
}
