package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The load client counts a redirect only when a 302 came back for the request
// it sent, follows keep-alive and Connection: close, reads any body, and
// counts everything else as a failure.
func TestRedirectsAtCountsWhatTheServerAnswered(t *testing.T) {
	var served, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.URL.Path, "/t/")
		if r.Header.Get("User-Agent") != clickUA || r.Method != "GET" || tok == r.URL.Path {
			bad.Add(1)
		}
		served.Add(1)
		switch tok {
		case "gone":
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("<h1>not found</h1>"))
		case "close":
			w.Header().Set("Connection", "close")
			http.Redirect(w, r, "https://shop.example/c", http.StatusFound) // with an HTML body
		default:
			w.Header().Set("Location", "https://shop.example/a")
			w.WriteHeader(http.StatusFound)
		}
	}))
	defer srv.Close()
	l := RedirectsAt(context.Background(), srv.URL, []string{"a", "b", "close", "gone"}, 4, 300*time.Millisecond)
	if bad.Load() != 0 {
		t.Fatalf("%d requests were not GET /t/{token} with the click User-Agent", bad.Load())
	}
	if l.N == 0 || l.Failures == 0 {
		t.Fatalf("%d redirects and %d failures, want both", l.N, l.Failures)
	}
	// A quarter of the tokens are gone: every request is one or the other.
	if got := int64(l.N) + l.Failures; got != served.Load() {
		t.Fatalf("%d redirects + %d failures, but the server answered %d requests", l.N, l.Failures, served.Load())
	}
	if f := float64(l.Failures) / float64(served.Load()); f < 0.15 || f > 0.35 {
		t.Fatalf("%.2f of the answers counted as failures, want about a quarter (the 404s)", f)
	}
}
