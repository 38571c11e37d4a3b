package api

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/web"
)

// consoleCSP lets the console load and call nothing but its own origin: no CDN,
// no inline script, no inline <style> element.
const consoleCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; " +
	"frame-ancestors 'none'"

// console serves the embedded web console for GET and HEAD requests outside the
// API's own paths. It reports false when the request is not the console's, so the
// caller answers its usual 404 problem.
type console struct {
	files fs.FS
	built bool
}

func newConsole() *console {
	files, built := web.App()
	return &console{files: files, built: built}
}

// reserved are path prefixes the console never answers, even for GET: a typo in
// an API URL must stay a JSON 404, not an HTML page.
var reserved = []string{"/api", "/t", "/healthz", "/readyz", "/metrics"}

func (cs *console) serve(c *gin.Context) bool {
	r := c.Request
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	p := r.URL.Path
	for _, pre := range reserved {
		if p == pre || strings.HasPrefix(p, pre+"/") {
			return false
		}
	}
	h := c.Writer.Header()
	// nosniff, Referrer-Policy and the frame ban come with every answer
	// (securityHeaders); the console adds its content policy.
	h.Set("Content-Security-Policy", consoleCSP)
	if !cs.built {
		h.Set("Cache-Control", "no-cache")
		cs.file(c, web.NotBuiltPage, http.StatusOK)
		return true
	}
	name := strings.TrimPrefix(path.Clean(p), "/")
	if name != "" && name != "index.html" {
		if st, err := fs.Stat(cs.files, name); err == nil && !st.IsDir() {
			if strings.HasPrefix(name, "assets/") {
				// Vite puts a content hash in every file name under assets/.
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			cs.file(c, name, http.StatusOK)
			return true
		}
		if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
			// A missing script or image must not come back as HTML.
			h.Set("Cache-Control", "no-cache")
			c.Data(http.StatusNotFound, "text/plain; charset=utf-8", []byte("not found\n"))
			return true
		}
	}
	// Every other path is a client-side route: the app decides what to show.
	h.Set("Cache-Control", "no-cache")
	cs.file(c, "index.html", http.StatusOK)
	return true
}

func (cs *console) file(c *gin.Context, name string, status int) {
	b, err := fs.ReadFile(cs.files, name)
	if err != nil {
		internalError(c, err)
		return
	}
	ct := mimeType(name)
	if c.Request.Method == http.MethodHead {
		c.Header("Content-Type", ct)
		c.Status(status)
		return
	}
	c.Data(status, ct, b)
}

func mimeType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	case ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}
