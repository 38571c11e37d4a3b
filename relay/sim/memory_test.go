package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"

	"github.com/sendingo/sendingo/relay"
)

// sendBodies builds generic /send bodies of per messages each, ids from+1 on.
func sendBodies(from, n, per int) [][]byte {
	var out [][]byte
	for start := from; start < from+n; start += per {
		req := relay.WireSendRequest{}
		for id := start + 1; id <= min(start+per, from+n); id++ {
			req.Messages = append(req.Messages, relay.WireMessage{
				ID: fmt.Sprint(id), To: fmt.Sprintf("+8210%08d", id%100_000_000), Channel: relay.ChannelAlimTalk,
				Body: "안녕하세요 고객님, 3월 출석 이벤트가 시작되었습니다.", TemplateCode: "EVENT_1",
			})
		}
		b, _ := json.Marshal(req)
		out = append(out, b)
	}
	return out
}

func post(t testing.TB, h http.Handler, path string, body []byte) {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
	if rec.Code != http.StatusOK {
		t.Fatalf("POST %s: %d %s", path, rec.Code, rec.Body.String())
	}
}

func heap() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// TestMemoryPerMessage checks that what the simulator keeps per message stays
// small: at a million messages the benchmark must not need gigabytes.
func TestMemoryPerMessage(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 200,000 messages")
	}
	const n = 200_000
	bodies := sendBodies(0, n, 1000)
	s := New(Options{})
	h := s.Handler()
	before := heap()
	for _, b := range bodies {
		post(t, h, "/r/a/send", b)
	}
	after := heap()
	perMsg := float64(after-before) / n
	t.Logf("%.1f bytes per message kept", perMsg)
	if perMsg > 120 {
		t.Errorf("%.1f bytes per message; want ≤ 120", perMsg)
	}
	if st := s.Stats(); st.Unique != n {
		t.Fatalf("unique %d", st.Unique)
	}
	runtime.KeepAlive(s)
	runtime.KeepAlive(bodies)
}

// BenchmarkMillion sends 1,000,000 messages (1,000 per request) and reports the
// memory kept per message. Run: go test -run ^$ -bench Million ./relay/sim/
func BenchmarkMillion(b *testing.B) {
	bodies := sendBodies(0, 1_000_000, 1000)
	for b.Loop() {
		s := New(Options{})
		h := s.Handler()
		before := heap()
		for _, body := range bodies {
			post(b, h, "/r/a/send", body)
		}
		b.ReportMetric(float64(heap()-before)/1e6, "B/msg-kept")
		runtime.KeepAlive(s)
	}
}
