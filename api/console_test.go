package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gin-gonic/gin"
)

// consoleRouter serves files as the console does, behind the API's NoRoute.
func consoleRouter(files fstest.MapFS, built bool) http.Handler {
	cs := &console{files: files, built: built}
	r := gin.New()
	r.GET("/api/v1/me", func(c *gin.Context) { c.JSON(200, gin.H{"ok": true}) })
	r.NoRoute(func(c *gin.Context) {
		if !cs.serve(c) {
			problem(c, 404, "not-found", "Not found", "no route "+c.Request.URL.Path)
		}
	})
	return r
}

func get(t *testing.T, h http.Handler, method, path string) *httptest.ResponseRecorder {
	t.Helper()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(method, path, nil))
	return w
}

func TestConsoleServesTheAppWithSPAFallback(t *testing.T) {
	h := consoleRouter(fstest.MapFS{
		"index.html":             {Data: []byte("<!doctype html><div id=root></div>")},
		"assets/index-AbC123.js": {Data: []byte("console.log(1)")},
		"favicon.svg":            {Data: []byte("<svg/>")},
	}, true)

	for _, path := range []string{"/", "/customers", "/imports/12", "/login?next=%2Fgroups"} {
		w := get(t, h, "GET", path)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "id=root") {
			t.Fatalf("GET %s = %d %q, want index.html", path, w.Code, w.Body.String())
		}
		if cc := w.Header().Get("Cache-Control"); cc != "no-cache" {
			t.Errorf("GET %s Cache-Control = %q, want no-cache", path, cc)
		}
		csp := w.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "script-src 'self'") ||
			strings.Contains(csp, "unsafe") || strings.Contains(csp, "http") {
			t.Errorf("GET %s CSP = %q", path, csp)
		}
	}

	w := get(t, h, "GET", "/assets/index-AbC123.js")
	if w.Code != 200 || w.Body.String() != "console.log(1)" {
		t.Fatalf("asset = %d %q", w.Code, w.Body.String())
	}
	if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("asset Cache-Control = %q", cc)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("asset Content-Type = %q", ct)
	}
	if cc := get(t, h, "GET", "/favicon.svg").Header().Get("Cache-Control"); cc != "no-cache" {
		t.Errorf("unhashed file Cache-Control = %q", cc)
	}

	// A missing asset is a 404, never index.html served as JavaScript.
	if w := get(t, h, "GET", "/assets/gone-XyZ.js"); w.Code != 404 || strings.Contains(w.Body.String(), "root") {
		t.Fatalf("missing asset = %d %q", w.Code, w.Body.String())
	}

	// The API's own paths keep their JSON answers.
	for _, path := range []string{"/api/v1/nope", "/api", "/api/v2/x", "/t/unknown", "/healthz/x", "/metrics/x"} {
		w := get(t, h, "GET", path)
		if w.Code != 404 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("GET %s = %d %s, want a 404 problem", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if w := get(t, h, "GET", "/api/v1/me"); w.Code != 200 {
		t.Errorf("API route = %d", w.Code)
	}
	// Only GET and HEAD reach the console.
	if w := get(t, h, "POST", "/customers"); w.Code != 404 {
		t.Errorf("POST /customers = %d", w.Code)
	}
	if w := get(t, h, "HEAD", "/customers"); w.Code != 200 || w.Body.Len() != 0 {
		t.Errorf("HEAD /customers = %d with %d bytes", w.Code, w.Body.Len())
	}
}

func TestConsoleNotBuiltSaysHowToBuild(t *testing.T) {
	h := consoleRouter(fstest.MapFS{"nobuild.html": {Data: []byte("run make build")}}, false)
	for _, path := range []string{"/", "/customers"} {
		w := get(t, h, "GET", path)
		if w.Code != 200 || !strings.Contains(w.Body.String(), "make build") {
			t.Fatalf("GET %s = %d %q", path, w.Code, w.Body.String())
		}
	}
}
