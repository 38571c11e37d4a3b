package outbound

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/egress"
)

// A webhook answers delivered on 2xx, final on 4xx (but 408 and 429), worth a
// retry on the rest; the idempotency key reaches the receiver; a loopback
// address nobody listed is refused before it is dialled.
func TestWebhookPostClassifiesAnswersAndRefusesPrivateAddresses(t *testing.T) {
	var hits int
	var gotKey string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		gotKey = r.Header.Get("Idempotency-Key")
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		w.WriteHeader(code)
		_, _ = w.Write([]byte("secret-body"))
	}))
	defer srv.Close()

	refused := NewWebhooks(nil, "test/1")
	err := refused.Post(context.Background(), srv.URL+"/204", "k", []byte(`{}`))
	var we *WebhookError
	if !errors.As(err, &we) || !we.Final || !strings.Contains(we.Reason, "private or internal") || hits != 0 {
		t.Fatalf("unlisted loopback: %v (hits %d), want a final refusal before dialling", err, hits)
	}

	guard := &egress.Guard{}
	if err := guard.AllowURL(srv.URL); err != nil {
		t.Fatal(err)
	}
	w := NewWebhooks(guard, "test/1")
	for _, tc := range []struct {
		code      int
		delivered bool
		final     bool
	}{{204, true, false}, {400, false, true}, {404, false, true}, {408, false, false}, {429, false, false}, {500, false, false}} {
		err := w.Post(context.Background(), srv.URL+"/"+strconv.Itoa(tc.code), "stock-alert-7", []byte(`{}`))
		if tc.delivered {
			if err != nil {
				t.Fatalf("HTTP %d: %v, want delivered", tc.code, err)
			}
			continue
		}
		if !errors.As(err, &we) || we.Final != tc.final || we.Status != tc.code || strings.Contains(we.Reason, "secret") {
			t.Fatalf("HTTP %d: %#v, want final=%v with the status only", tc.code, err, tc.final)
		}
	}
	if gotKey != "stock-alert-7" {
		t.Fatalf("Idempotency-Key %q", gotKey)
	}
}
