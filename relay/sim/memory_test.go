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

// BenchmarkMillion sends 1,000,000 messages (1,000 per request) and reports the
// memory kept per message (relay/README.md: about 40–55 bytes; a bound on memory
// belongs here, measured, not in a unit test). Run:
//
//	go test -run '^$' -bench Million -benchtime 1x ./relay/sim/
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
		if st := s.Stats(); st.Unique != 1_000_000 {
			b.Fatalf("unique %d", st.Unique)
		}
		runtime.KeepAlive(s)
	}
}
