package api

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"regexp"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Keys of values the middleware puts in the gin context.
const (
	ctxAccountID = "account_id"
	ctxUserID    = "user_id"
	ctxAuthKind  = "auth_kind"
	ctxCaller    = "caller"
)

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// requestID keeps a caller's X-Request-ID when it is sane, or makes one. The
// id lives in the answer's header (requestIDOf reads it back): no per-request
// map for it. A made id is 64 random bits from the runtime's generator: an id
// names a request in the logs, it guards nothing, so it needs no system call.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.Request.Header.Get("X-Request-ID")
		if id == "" || !safeRequestID.MatchString(id) {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], rand.Uint64())
			id = hex.EncodeToString(b[:])
		}
		c.Writer.Header()[requestIDHeader] = []string{id}
		c.Next()
	}
}

// requestIDHeader is X-Request-ID as net/http keys it.
var requestIDHeader = http.CanonicalHeaderKey("X-Request-ID")

// requestIDOf is the request's id (requestID).
func requestIDOf(c *gin.Context) string {
	if v := c.Writer.Header()[requestIDHeader]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// recoverer turns a panic into a logged 500 problem.
func recoverer(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("panic in handler", "panic", fmt.Sprint(r), "request_id", requestIDOf(c),
					"stack", string(debug.Stack()))
				if !c.Writer.Written() {
					internalError(c, fmt.Errorf("panic: %v", r))
				}
			}
		}()
		c.Next()
	}
}

// tokenRoutes are the public routes whose path carries a bearer token.
var tokenRoutes = map[string]bool{"/t/:token": true, "/u/:token": true}

// accessLog writes one JSON line per request.
func accessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		route, path := c.FullPath(), c.Request.URL.Path
		level := slog.LevelInfo
		if tokenRoutes[route] {
			// The path is the link's secret: log the route instead. A hit
			// that worked is already on record (the click, the unsubscribe),
			// so it is a debug line: a public route must not fill the log.
			path = route
			if status < 400 {
				level = slog.LevelDebug
			}
		}
		if status >= 500 {
			level = slog.LevelError
		}
		if !log.Enabled(c.Request.Context(), level) {
			return
		}
		attrs := []any{
			"request_id", requestIDOf(c),
			"method", c.Request.Method,
			"path", path,
			"route", route,
			"status", status,
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
			"bytes", c.Writer.Size(),
			"remote", c.ClientIP(),
		}
		if acc := c.GetInt64(ctxAccountID); acc != 0 {
			attrs = append(attrs, "account_id", acc)
		}
		for _, e := range c.Errors {
			attrs = append(attrs, "error", e.Err.Error())
		}
		log.Log(c.Request.Context(), level, "http request", attrs...)
	}
}

// Metrics are the API's Prometheus collectors.
type Metrics struct {
	Registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// NewMetrics registers HTTP metrics (and Go runtime and process metrics) in reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sendingo_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "sendingo_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"method", "route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// middleware counts and times requests. Labels come from a fixed set, so no
// request can add series: a method outside the standard ones counts as
// "other", and a path no route matches (404, 405) as the route "unmatched".
func (m *Metrics) middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		method := metricMethod(c.Request.Method)
		m.requests.WithLabelValues(method, route, strconv.Itoa(c.Writer.Status())).Inc()
		m.duration.WithLabelValues(method, route).Observe(time.Since(start).Seconds())
	}
}

func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// securityHeaders sets the headers every answer carries: no MIME sniffing, no
// referrer (tracking links must not leak their token to the shop's site), no
// framing, and HSTS when the request came over TLS (directly, or through a
// trusted proxy that says so in X-Forwarded-Proto).
func securityHeaders(proxies []netip.Prefix) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		if c.Request.TLS != nil || (c.GetHeader("X-Forwarded-Proto") == "https" && fromTrusted(c.Request.RemoteAddr, proxies)) {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		c.Next()
	}
}

// fromTrusted reports whether the peer at remoteAddr is a trusted proxy.
func fromTrusted(remoteAddr string, proxies []netip.Prefix) bool {
	ap, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	for _, p := range proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// limitBody caps how much of the request body a handler may read.
func limitBody(n int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > n {
			problem(c, http.StatusRequestEntityTooLarge, "body-too-large", "Request body too large",
				fmt.Sprintf("the body is %d bytes; the limit is %d", c.Request.ContentLength, n))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, n)
		c.Next()
	}
}
