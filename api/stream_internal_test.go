package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// stuckClient is a ResponseWriter whose client stops reading once the stream is
// live: every later write blocks until the write deadline is moved into the past.
type stuckClient struct {
	mu       sync.Mutex
	header   http.Header
	written  bytes.Buffer
	live     bool
	blocked  bool // a write is waiting
	deadline time.Time
	wake     chan struct{}
}

func (w *stuckClient) Header() http.Header { return w.header }
func (w *stuckClient) WriteHeader(int)     {}
func (w *stuckClient) Flush()              {}

func (w *stuckClient) Write(b []byte) (int, error) {
	for {
		w.mu.Lock()
		if !w.live {
			w.written.Write(b)
			w.live = strings.Contains(w.written.String(), ": live")
			w.mu.Unlock()
			return len(b), nil
		}
		if !w.deadline.IsZero() && !time.Now().Before(w.deadline) {
			w.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		wake := w.wake
		w.blocked = true
		w.mu.Unlock()
		<-wake
	}
}

func (w *stuckClient) SetWriteDeadline(t time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.deadline = t
	close(w.wake)
	w.wake = make(chan struct{})
	return nil
}

// A client that stops reading is dropped once it is streamBuffer events behind,
// even while a write to it is stuck: the hub never buffers more for it.
func TestStreamDropsAClientThatStoppedReading(t *testing.T) {
	st, err := store.Open(context.Background(), testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cfg, _ := config.Load(func(string) string { return "" })
	cfg.JWTSecret = "test-secret-test-secret-test-secret-0123"
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := New(Deps{Config: cfg, Store: st, Log: log})
	defer s.Close()
	acc, user, err := st.Signup(context.Background(), store.SignupParams{AccountName: "slow", Timezone: "Asia/Seoul",
		UserName: "slow", Email: fmt.Sprintf("slow-%d@example.com", time.Now().UnixNano()), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := s.issueToken(user)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, "/api/v1/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	w := &stuckClient{header: http.Header{}, wake: make(chan struct{})}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Handler().ServeHTTP(w, req)
	}()
	waitFor := func(what string, cond func(w *stuckClient) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			w.mu.Lock()
			ok := cond(w)
			w.mu.Unlock()
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("gave up waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("the stream to go live", func(w *stuckClient) bool { return w.live })
	notice := func(i int) {
		if _, _, err := st.Notify(context.Background(), acc.ID, notify.ImportDone(notify.Import{ID: int64(i), Filename: "x.csv"})); err != nil {
			t.Fatal(err)
		}
	}
	// The first event leaves the handler stuck in its write ...
	notice(1)
	waitFor("a write to block", func(w *stuckClient) bool { return w.blocked })
	// ... while more than the stream may fall behind pile up.
	for i := range streamBuffer + 10 {
		notice(i + 2)
	}
	select {
	case <-done:
	case <-time.After(20 * time.Second): // well below the 30 s write timeout
		t.Fatal("the stuck stream was not dropped")
	}
	if n := s.hub.streams(); n != 0 {
		t.Fatalf("%d streams still subscribed", n)
	}
}
