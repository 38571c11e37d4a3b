package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

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
