package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
)

// A report request the relay refuses for good — no reports endpoint (404), a
// malformed request (400), credentials refused (401, 403) — is marked so its
// messages are given up on; a relay fault that may pass (5xx, 429) is not.
func TestReportsErrorKnowsWhatRetryingCannotFix(t *testing.T) {
	for _, tc := range []struct {
		status     int
		unreadable bool
		code       string
	}{
		{http.StatusNotFound, true, relay.CodeBadRequest},
		{http.StatusBadRequest, true, relay.CodeBadRequest},
		{http.StatusUnauthorized, true, relay.CodeAuth},
		{http.StatusForbidden, true, relay.CodeAuth},
		{http.StatusBadGateway, false, ""},
		{http.StatusServiceUnavailable, false, ""},
		{http.StatusTooManyRequests, false, ""},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "no", tc.status)
		}))
		_, err := relay.NewHTTP(relay.HTTPConfig{BaseURL: srv.URL}, relay.Options{}).Reports(context.Background(), relay.ReportQuery{})
		srv.Close()
		if err == nil {
			t.Fatalf("HTTP %d: no error", tc.status)
		}
		err = reportsError(7, err)
		var unreadable *unreadableReportsError
		if got := errors.As(err, &unreadable); got != tc.unreadable {
			t.Errorf("HTTP %d: unreadable %v, want %v (%v)", tc.status, got, tc.unreadable, err)
			continue
		}
		if tc.unreadable && (unreadable.code != tc.code || unreadable.relayID != 7 || unreadable.reason() == "") {
			t.Errorf("HTTP %d: %+v, want code %s", tc.status, unreadable, tc.code)
		}
	}
}

// A message sent again to the one relay that may have it (pinned) stays in
// doubt when that relay fails it again; but its SMS fallback went over every
// relay that carries SMS, and a fault of the fallback's relay says nothing
// about the first: that message is not in doubt, and a fallback that is in
// doubt is so at the relay that answered.
func TestDoubtOfAPinnedMessageAndItsFallback(t *testing.T) {
	pinned := map[int64]int64{7: 1}
	fault := relay.Result{MessageID: 7, Outcome: relay.RelayFault, Code: relay.CodeUnreachable}
	alimtalk := relay.Result{MessageID: 7, Outcome: relay.RecipientFailed, Code: relay.CodeNotKakaoUser}
	cases := []struct {
		name    string
		d       relay.Delivery
		pin     int64
		inDoubt bool
	}{
		{"pinned, refused again", relay.Delivery{Result: fault, RelayID: 1}, 1, true},
		{"pinned, its fallback refused", relay.Delivery{Result: fault, RelayID: 3, Fallback: &alimtalk}, 0, false},
		{"pinned, its fallback in doubt", relay.Delivery{Result: relay.Result{MessageID: 7, Outcome: relay.RelayFault, Code: relay.CodeTimeout},
			RelayID: 3, Fallback: &alimtalk, InDoubt: true}, 0, true},
		{"not pinned, refused", relay.Delivery{Result: relay.Result{MessageID: 8, Outcome: relay.RelayFault, Code: relay.CodeUnreachable}, RelayID: 1}, 0, false},
	}
	for _, c := range cases {
		pin, inDoubt := doubtOf(c.d, pinned)
		if pin != c.pin || inDoubt != c.inDoubt {
			t.Errorf("%s: pin %d, in doubt %v; want %d, %v", c.name, pin, inDoubt, c.pin, c.inDoubt)
		}
		if !inDoubt {
			continue
		}
		if res := inDoubtResult(c.d, pin, time.Now(), false, true); res.RelayID != c.d.RelayID {
			t.Errorf("%s: recorded at relay %d, want %d", c.name, res.RelayID, c.d.RelayID)
		}
	}
}
