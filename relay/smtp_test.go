package relay

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"net"
	"net/mail"
	"net/textproto"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/testenv/smtptest"
)

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
	ms := smtptest.Start(t, nil, "", "", "user2@example.net")
	s := NewSMTP(smtpConfig(ms.Addr, "none"), Options{Timeout: 5 * time.Second})
	msgs := emails(4)
	msgs[3].To = "not an address"
	// The message says whether its body is HTML; a text body that looks like
	// HTML (a value such as "<VIP>" leading it) stays text.
	msgs[0].Body = "<VIP> " + msgs[0].Body
	msgs[2].Body, msgs[2].HTML = "<p>"+msgs[2].Body+"</p>", true
	// The longest subject and name sendingo keeps fit RFC 5322's lines.
	msgs[2].Subject, msgs[2].Name = strings.Repeat("가", 500), strings.Repeat("나", 200)
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
	if n := ms.Conns(); n != 1 {
		t.Errorf("%d connections for one batch", n)
	}
	mails := ms.Mails()
	if len(mails) != 2 {
		t.Fatalf("%d mails received", len(mails))
	}
	for k, i := range []int{0, 2} {
		got := mails[k]
		for _, line := range strings.Split(string(got.Data), "\r\n") {
			if len(line) > 998 {
				t.Errorf("mail %d has a line of %d characters: %.80s…", i, len(line), line)
			}
		}
		if got.From != "shop@example.com" || len(got.To) != 1 || got.To[0] != msgs[i].To {
			t.Errorf("envelope %q → %q", got.From, got.To)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
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
		wantType := "text/plain; charset=UTF-8"
		if i == 2 {
			wantType = "text/html; charset=UTF-8"
		}
		if ct := m.Header.Get("Content-Type"); ct != wantType {
			t.Errorf("content type %q, want %q", ct, wantType)
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
	serverTLS, roots := smtptest.SelfSigned(t)
	ms := smtptest.Start(t, serverTLS, "mailer", "SMTP-PASSWORD-SECRET")
	cfg := smtpConfig(ms.Addr, "starttls")
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
	auths, mails := ms.Auths(), ms.Mails()
	if ms.Conns() != 1 || len(auths) != 1 || !auths[0].OK || len(mails) != 3 || !mails[0].TLS {
		t.Errorf("conns %d auths %+v mails %d tls %v", ms.Conns(), auths, len(mails), len(mails) > 0 && mails[0].TLS)
	}

	// A wrong password fails the call as an authentication fault, without quoting it.
	cfg.Password = "WRONG-PASSWORD-SECRET"
	_, err = NewSMTP(cfg, Options{Timeout: 5 * time.Second, TLSConfig: &tls.Config{RootCAs: roots}}).Send(context.Background(), emails(1))
	if ErrorCode(err) != CodeAuth || strings.Contains(err.Error(), "WRONG-PASSWORD-SECRET") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSMTPRefusesClearTextPassword(t *testing.T) {
	ms := smtptest.Start(t, nil, "mailer", "pw") // no STARTTLS offered
	cfg := smtpConfig(ms.Addr, "starttls")
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

// A message with an unsubscribe address carries RFC 8058's two headers; one
// without carries neither.
func TestSMTPListUnsubscribeHeaders(t *testing.T) {
	ms := smtptest.Start(t, nil, "", "")
	s := NewSMTP(smtpConfig(ms.Addr, "none"), Options{Timeout: 5 * time.Second})
	msgs := emails(2)
	msgs[0].Unsubscribe = "https://send.example/u/abcdefghijklmnopqrstuv"
	if _, err := s.Send(context.Background(), msgs); err != nil {
		t.Fatal(err)
	}
	mails := ms.Mails()
	if len(mails) != 2 {
		t.Fatalf("%d mails received", len(mails))
	}
	for i, got := range mails {
		m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
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

// stallingSMTP is a server that answers until stall (a command prefix, or
// "." for the end of a mail's data) and then says nothing more; with stall
// "hang up" it closes the connection at the end of a mail's data instead.
func stallingSMTP(t *testing.T, stall string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				r := textproto.NewReader(bufio.NewReader(conn))
				say := func(s string) { _, _ = io.WriteString(conn, s+"\r\n") }
				say("220 stalling.example ESMTP")
				inData := false
				for {
					line, err := r.ReadLine()
					if err != nil {
						return
					}
					switch {
					case inData && line == "." && stall == "hang up":
						return
					case inData && line == ".":
						inData = false
						if stall == "." {
							_, _ = io.Copy(io.Discard, conn) // no answer, ever
							return
						}
						say("250 queued")
					case inData:
					case stall != "." && stall != "hang up" && strings.HasPrefix(strings.ToUpper(line), stall):
						_, _ = io.Copy(io.Discard, conn)
						return
					case strings.HasPrefix(line, "EHLO"):
						say("250 stalling.example")
					case line == "DATA":
						inData = true
						say("354 go ahead")
					case line == "QUIT":
						say("221 bye")
						return
					default:
						say("250 ok")
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// A mail whose end of data the server never answers, or answers by hanging
// up, may have been taken: in doubt (CodeTimeout, CodeNoAnswer). A mail the server stalled on before that, and
// the mails after a broken connection, were not handed over: relay faults
// that another relay may take.
func TestSMTPOnlyAnUnansweredEndOfDataIsInDoubt(t *testing.T) {
	for _, tc := range []struct {
		stall, first string
	}{{".", CodeTimeout}, {"hang up", CodeNoAnswer}, {"RCPT", CodeUnreachable}} {
		s := NewSMTP(smtpConfig(stallingSMTP(t, tc.stall), "none"), Options{Timeout: 300 * time.Millisecond})
		res, err := s.Send(context.Background(), emails(3))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{tc.first, CodeNotSent, CodeNotSent}
		for i, r := range res {
			if r.Outcome != RelayFault || r.Code != want[i] {
				t.Errorf("stalled at %q: mail %d %+v, want a relay fault %s", tc.stall, i+1, r, want[i])
			}
			if InDoubt(r.Code, nil, false) != (i == 0 && tc.stall != "RCPT") {
				t.Errorf("stalled at %q: mail %d in doubt: %v", tc.stall, i+1, InDoubt(r.Code, nil, false))
			}
		}
	}
}
