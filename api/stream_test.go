package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// sseEvent is one block of a text/event-stream: an event, or only comments.
type sseEvent struct {
	ID      string
	HasID   bool
	Event   string
	Data    string
	Comment string
	Retry   string
}

// eventSchemas names the openapi.yaml schema of each event's payload.
var eventSchemas = map[string]string{
	"notification":      "NotificationEvent",
	"campaign.progress": "CampaignProgressEvent",
	"import.progress":   "ImportProgressEvent",
}

// sseStream is an open GET /api/v1/stream, read the way EventSource reads it.
type sseStream struct {
	t      *testing.T
	events chan sseEvent
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	lastID string
}

// openStream opens the stream at base with the given header; it fails the test
// unless the answer is 200 text/event-stream.
func openStream(t *testing.T, base string, query string, header http.Header) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/stream"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		t.Fatalf("stream: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	s := &sseStream{t: t, events: make(chan sseEvent, 4096), cancel: cancel, done: make(chan struct{})}
	go s.read(resp.Body)
	t.Cleanup(s.close)
	return s
}

func bearer(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func (s *sseStream) close() {
	s.cancel()
	<-s.done
}

func (s *sseStream) read(body io.ReadCloser) {
	defer close(s.done)
	defer close(s.events)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var ev sseEvent
	var data []string
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			ev.Data = strings.Join(data, "\n")
			if ev.Event != "" {
				if name, ok := eventSchemas[ev.Event]; !ok {
					s.t.Errorf("event %q is not described in api/openapi.yaml", ev.Event)
				} else if err := apitest.CheckSchema(name, []byte(ev.Data)); err != nil {
					s.t.Errorf("%s event does not match %s: %v\n%s", ev.Event, name, err, ev.Data)
				}
			}
			if ev.HasID {
				s.mu.Lock()
				s.lastID = ev.ID
				s.mu.Unlock()
			}
			s.events <- ev
			ev, data = sseEvent{}, nil
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "":
			ev.Comment = value
		case "id":
			ev.ID, ev.HasID = value, true
		case "event":
			ev.Event = value
		case "data":
			data = append(data, value)
		case "retry":
			ev.Retry = value
		}
	}
}

// LastEventID is what EventSource would send on reconnecting.
func (s *sseStream) LastEventID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// nextEvent answers the next event named event within d, skipping others.
func (s *sseStream) nextEvent(event string, d time.Duration) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ev := s.next(time.Until(deadline))
		if ev.Event != event {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(ev.Data), &m); err != nil {
			s.t.Fatal(err)
		}
		return m
	}
}

// next answers the next block within d, failing the test otherwise.
func (s *sseStream) next(d time.Duration) sseEvent {
	s.t.Helper()
	select {
	case ev, ok := <-s.events:
		if !ok {
			s.t.Fatal("the stream ended")
		}
		return ev
	case <-time.After(d):
		s.t.Fatalf("nothing on the stream for %v", d)
	}
	return sseEvent{}
}

// waitLive reads up to the ": live" comment that ends the replay.
func (s *sseStream) waitLive() {
	s.t.Helper()
	for {
		if ev := s.next(10 * time.Second); ev.Comment == "live" {
			return
		}
	}
}

type notificationOut struct {
	ID        int64            `json:"id"`
	Kind      string           `json:"kind"`
	Severity  string           `json:"severity"`
	Title     string           `json:"title"`
	Body      string           `json:"body"`
	Link      string           `json:"link"`
	Subject   map[string]int64 `json:"subject"`
	CreatedAt time.Time        `json:"created_at"`
	Read      bool             `json:"read"`
}

// nextNotification answers the next notification event within d (progress
// events and comments are skipped), checking its id: line names it.
func (s *sseStream) nextNotification(d time.Duration) notificationOut {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		ev := s.next(time.Until(deadline))
		if ev.Event != "notification" {
			continue
		}
		var n notificationOut
		if err := json.Unmarshal([]byte(ev.Data), &n); err != nil {
			s.t.Fatal(err)
		}
		if ev.ID != strconv.FormatInt(n.ID, 10) {
			s.t.Fatalf("id: %q for notification %d", ev.ID, n.ID)
		}
		return n
	}
}

// notifyDirect stores a notification as a worker would.
func (h *harness) notifyDirect(t *testing.T, accountID int64, n notify.Notice) int64 {
	t.Helper()
	id, created, err := h.store.Notify(context.Background(), accountID, n)
	if err != nil || !created {
		t.Fatalf("notify: %d %v %v", id, created, err)
	}
	return id
}

func importNotice(id int64) notify.Notice {
	return notify.ImportDone(notify.Import{ID: id, Filename: fmt.Sprintf("고객%d.csv", id), Created: id})
}

// secondAPI serves another API process on the same database (and Temporal),
// with its own connection pool.
func (h *harness) secondAPI(t *testing.T) string {
	t.Helper()
	st, err := store.Open(context.Background(), testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := api.New(api.Deps{Config: h.cfg, Store: st, Temporal: h.tc, Log: h.log})
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close)
	return srv.URL
}
