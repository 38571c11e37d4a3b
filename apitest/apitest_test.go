package apitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// recorder is a testing.TB that keeps failures instead of reporting them, so a
// test can check that the client flags what it must.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) { r.Errorf(format, args...) }

// A 404 from a route the spec does not describe is not a tenancy 404: it fails
// the test unless the request says it probes an unknown route.
func TestUnknownRoutesFailUnlessExpected(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"type":"https://sendingo.dev/problems/not-found","title":"Not found","status":404,"detail":"no such thing"}`))
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name, path string
		unrouted   bool
		wantFail   bool
	}{
		{"a documented route hiding a resource", "/api/v1/customers/7", false, false},
		{"a typo in the path", "/api/v1/custmers/7", false, true},
		{"a route that was never added", "/api/v1/customers/7/history", false, true},
		{"an unknown route probed on purpose", "/api/v1/nope", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			c := New(rec, srv.URL)
			if tc.unrouted {
				c = c.Unrouted()
			}
			c.Do("GET", tc.path, nil)
			if failed := len(rec.errors) > 0; failed != tc.wantFail {
				t.Fatalf("GET %s → 404: test failed %v, want %v (%v)", tc.path, failed, tc.wantFail, rec.errors)
			}
		})
	}
}
