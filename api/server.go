// Package api is sendingo's REST API: a Gin router, its middleware and handlers.
// Handlers read and write through the store and start, signal and query Temporal
// workflows; they never hold SQL themselves.
package api

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/campaign"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/useragent"
	"github.com/sendingo/sendingo/workflows"
)

//go:embed openapi.yaml
var openAPISpec []byte

// OpenAPISpec returns the API description served at /api/openapi.yaml.
func OpenAPISpec() []byte { return openAPISpec }

// Server holds the handlers' dependencies.
type Server struct {
	cfg      config.Config
	store    *store.Store
	temporal client.Client
	log      *slog.Logger
	metrics  *Metrics
	now      func() time.Time // the clock attendance days and stream tickets go by
	egress   *egress.Guard    // where tenant-supplied addresses may point
	uploads  chan struct{}    // a slot per import being received and parsed
	hashes   *hashGate        // bounds concurrent bcrypt work
	// lastPrune is when expired auth limit counters were last deleted (unix ns).
	lastPrune atomic.Int64
	ready     readyCheck
	// hub feeds this process's event streams; keepAlive is their comment interval.
	hub       *hub
	keepAlive time.Duration
	access    accessRules // who may call what, from openapi.yaml
	linkKey   []byte      // makes the tokens of mailed links (package onetime)
	// campaigns holds the campaign rules: pre-send checks, chunk sizing, starts.
	campaigns *campaign.Service
	// clicks group-commits tracking link clicks; links caches resolved
	// tokens, agents what recent clicks' User-Agents parsed to.
	clicks   *store.ClickRecorder
	clickCap *clickCap
	links    *linkCache
	agents   *useragent.Cache
}

// Deps are what New needs.
type Deps struct {
	Config   config.Config
	Store    *store.Store
	Temporal client.Client
	Log      *slog.Logger
	Registry *prometheus.Registry // nil makes a fresh one with Go and process collectors
	// Now is the clock check-ins and clicks are dated by, a link's hourly
	// share of recorded clicks runs by, and stream tickets expire by (nil:
	// time.Now); tests set it.
	Now func() time.Time
	// Egress decides which relay and webhook addresses tenants may save (nil:
	// built from Config.AllowPrivateHosts). The worker's guard is the one that
	// holds when connecting; this one answers early with a 422.
	Egress *egress.Guard
	// StreamKeepAlive is how often an idle event stream gets a comment line
	// (0: DefaultStreamKeepAlive).
	StreamKeepAlive time.Duration
}

// New builds the API server.
func New(d Deps) *Server {
	reg := d.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	now := d.Now
	if now == nil {
		now = time.Now
	}
	guard := d.Egress
	if guard == nil {
		var err error
		if guard, err = d.Config.Egress(); err != nil {
			// Load has checked the list; an unreadable one allows nothing.
			d.Log.Error("egress allow list", "error", err)
			guard = &egress.Guard{}
		}
	}
	access, err := loadAccessRules(openAPISpec)
	if err != nil {
		// The spec is embedded: this is a build that cannot run.
		panic(err)
	}
	keepAlive := d.StreamKeepAlive
	if keepAlive <= 0 {
		keepAlive = DefaultStreamKeepAlive
	}
	clicks := d.Store.NewClickRecorder(store.ClickRecorderOptions{})
	clickCap := newClickCap(d.Config.ClicksPerLink, time.Hour)
	reg.MustRegister(
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sendingo_clicks_recorded_total",
			Help: "Tracking-link clicks committed to the database."}, func() float64 { return float64(clicks.Clicks()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sendingo_click_commits_total",
			Help: "INSERTs that committed clicks (group commit: clicks per commit is the batch size)."},
			func() float64 { return float64(clicks.Commits()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "sendingo_clicks_unrecorded_total",
			Help: "Tracking-link clicks redirected without being recorded: past SENDINGO_CLICKS_PER_LINK for their link this hour."},
			func() float64 { return float64(clickCap.unrecorded.Load()) }))
	return &Server{cfg: d.Config, store: d.Store, temporal: d.Temporal, log: d.Log, metrics: NewMetrics(reg), now: now, egress: guard,
		uploads: make(chan struct{}, max(d.Config.MaxConcurrentUploads, 1)), hashes: newHashGate(),
		hub: newHub(d.Store, d.Temporal, d.Log), keepAlive: keepAlive, access: access, linkKey: onetime.Key(d.Config.JWTSecret),
		campaigns: &campaign.Service{Store: d.Store, Temporal: d.Temporal, TaskQueue: d.Config.TaskQueue,
			ReportDeadline: d.Config.ReportDeadline, ChunkSize: d.Config.ChunkSize, ChunkWindow: d.Config.ChunkWindow},
		clicks: clicks, clickCap: clickCap, links: newLinkCache(linkCacheEntries, linkCacheBytes, time.Minute, d.Store.LinkByToken),
		agents: useragent.NewCache(agentCacheEntries, agentCacheLen)}
}

// HTTPServer returns the server to run the API with: its handler and the
// timeouts that keep slow or idle clients from holding connections. Routes
// that legitimately take longer (uploads, exports, event streams) move their
// own deadlines with extendDeadlines.
func (s *Server) HTTPServer() *http.Server {
	srv := NewHTTPServer(s.cfg, s.Handler(), s.log)
	srv.Addr = s.cfg.HTTPAddr
	return srv
}

// NewHTTPServer serves h with the configured read, write and idle timeouts
// (SENDINGO_HTTP_*_TIMEOUT) and a 64 KiB header limit: the API's port, and the
// worker's /metrics and /healthz port, which listens on every interface too.
func NewHTTPServer(cfg config.Config, h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: min(10*time.Second, cfg.HTTPReadTimeout),
		ReadTimeout:       cfg.HTTPReadTimeout,
		WriteTimeout:      cfg.HTTPWriteTimeout,
		IdleTimeout:       cfg.HTTPIdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// extendDeadlines gives the request read more time to read its body and
// write its answer than the server's timeouts allow (a zero duration leaves
// that deadline as it is). Under a server without deadlines (tests'
// httptest) it does nothing.
func extendDeadlines(c *gin.Context, read, write time.Duration) {
	rc := http.NewResponseController(c.Writer)
	if read > 0 {
		_ = rc.SetReadDeadline(time.Now().Add(read))
	}
	if write > 0 {
		_ = rc.SetWriteDeadline(time.Now().Add(write))
	}
}

// Close stops the process's event stream hub: open streams end (their clients
// reconnect, to another process if this one is going away). Register it with
// http.Server.RegisterOnShutdown, since Shutdown waits for streams to end. It
// also closes the click recorder: queued clicks are committed, later ones are
// answered 503 (to retry against another process). And it stops the link
// cache's background reads, waiting for those under way (each at most
// linkRefreshWait).
func (s *Server) Close() {
	s.hub.close()
	s.clicks.Close()
	s.links.close()
}

func init() { gin.SetMode(gin.ReleaseMode) }

// Handler returns the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.ContextWithFallback = true
	// X-Forwarded-For is believed only from the configured proxies (gin
	// trusts every peer by default, which lets anyone choose the client IP
	// that logs and rate limits see).
	proxies := s.cfg.Proxies()
	trusted := make([]string, len(proxies))
	for i, p := range proxies {
		trusted[i] = p.String()
	}
	if err := r.SetTrustedProxies(trusted); err != nil {
		// config.Load has checked the list already.
		panic(fmt.Sprintf("trusted proxies %q: %v", trusted, err))
	}
	r.Use(securityHeaders(proxies), requestID(), accessLog(s.log), s.metrics.middleware(), recoverer(s.log))
	console := newConsole()
	r.NoRoute(func(c *gin.Context) {
		if console.serve(c) {
			return
		}
		problem(c, 404, "not-found", "Not found", "no route "+c.Request.URL.Path)
	})
	r.NoMethod(func(c *gin.Context) {
		problem(c, 405, "method-not-allowed", "Method not allowed", c.Request.Method+" is not allowed on "+c.Request.URL.Path)
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(200, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.readyz)
	// Public: a few scrapes at a time, the rest answered 503 at once.
	r.GET("/metrics", gin.WrapH(promhttp.HandlerFor(s.metrics.Registry, promhttp.HandlerOpts{MaxRequestsInFlight: metricsInFlight})))
	r.GET("/api/openapi.yaml", func(c *gin.Context) { c.Data(200, "application/yaml", openAPISpec) })
	r.GET("/t/:token", s.track)
	r.GET("/u/:token", s.unsubscribeForm)
	r.POST("/u/:token", s.unsubscribe)

	v1 := r.Group("/api/v1", limitBody(s.cfg.MaxBodyBytes))
	v1.POST("/auth/signup", s.signup)
	v1.POST("/auth/login", s.login)
	v1.POST("/auth/logout", s.logout)
	v1.POST("/auth/accept-invitation", s.acceptInvitation)
	v1.POST("/auth/password-reset", s.requestPasswordReset)
	v1.POST("/auth/password-reset/confirm", s.confirmPasswordReset)

	// Every authenticated route: who may call it is in openapi.yaml
	// (x-required-role, security), enforced by authorize.
	authed := v1.Group("", s.authenticate(), s.authorize())
	authed.GET("/me", s.me)
	authed.PATCH("/account", s.updateAccount)
	authed.GET("/api-keys", s.listAPIKeys)
	authed.POST("/api-keys", s.createAPIKey)
	authed.DELETE("/api-keys/:id", s.deleteAPIKey)
	authed.POST("/auth/password", s.changePassword)
	authed.POST("/auth/logout-all", s.logoutAll)
	authed.GET("/members", s.listMembers)
	authed.PATCH("/members/:id", s.updateMember)
	authed.DELETE("/members/:id", s.removeMember)
	authed.GET("/invitations", s.listInvitations)
	authed.POST("/invitations", s.createInvitation)
	authed.DELETE("/invitations/:id", s.deleteInvitation)
	authed.GET("/audit", s.listAudit)

	authed.GET("/customers", s.listCustomers)
	authed.POST("/customers", s.createCustomer)
	authed.GET("/customers/variables", s.customerVariables)
	authed.GET("/customers/:id", s.getCustomer)
	authed.PATCH("/customers/:id", s.updateCustomer)
	authed.DELETE("/customers/:id", s.deleteCustomer)

	// Uploads have their own, larger limit.
	uploads := r.Group("/api/v1", s.authenticate(), s.authorize())
	uploads.POST("/imports", s.createImport)
	authed.GET("/imports", s.listImports)
	authed.GET("/imports/sample.xlsx", s.importSample)
	authed.GET("/imports/:id", s.getImport)
	authed.GET("/imports/:id/rows", s.importRows)
	authed.DELETE("/imports/:id/rows", s.deleteImportRows)
	authed.POST("/imports/:id/commit", s.commitImport)
	uploads.POST("/opt-outs", s.importOptOuts)

	authed.GET("/templates", s.listTemplates)
	authed.POST("/templates", s.createTemplate)
	authed.GET("/templates/:id", s.getTemplate)
	authed.PATCH("/templates/:id", s.updateTemplate)
	authed.DELETE("/templates/:id", s.deleteTemplate)
	authed.POST("/templates/:id/preview", s.previewTemplate)

	authed.GET("/relays", s.listRelays)
	authed.POST("/relays", s.createRelay)
	authed.GET("/relays/health", s.relayHealth)
	authed.GET("/relays/recommendation", s.relayRecommendation)
	authed.GET("/relays/:id", s.getRelay)
	authed.PATCH("/relays/:id", s.updateRelay)
	authed.DELETE("/relays/:id", s.deleteRelay)
	authed.POST("/relays/:id/templates/sync", s.syncRelayTemplates)

	authed.GET("/campaigns", s.listCampaigns)
	authed.POST("/campaigns", s.createCampaign)
	authed.POST("/campaigns/audience-preview", s.previewAudience)
	authed.GET("/campaigns/:id", s.getCampaign)
	authed.PATCH("/campaigns/:id", s.updateCampaign)
	authed.DELETE("/campaigns/:id", s.deleteCampaign)
	authed.POST("/campaigns/:id/send", s.sendCampaign)
	authed.GET("/campaigns/:id/progress", s.campaignProgress)
	authed.POST("/campaigns/:id/pause", s.signalCampaign(workflows.SignalCampaignPause, store.CampaignRunning))
	authed.POST("/campaigns/:id/resume", s.signalCampaign(workflows.SignalCampaignResume, store.CampaignPaused))
	authed.POST("/campaigns/:id/cancel", s.signalCampaign(workflows.SignalCampaignCancel,
		store.CampaignScheduled, store.CampaignRunning, store.CampaignPaused))
	authed.POST("/campaigns/:id/retry-failed", s.retryFailed)
	authed.GET("/campaigns/:id/results", s.campaignResults)
	authed.GET("/campaigns/:id/messages", s.campaignMessages)
	authed.GET("/campaigns/:id/messages/export", s.exportMessages)
	authed.GET("/campaigns/:id/summary", s.campaignSummary)
	authed.POST("/campaigns/:id/audience", s.createAudience)
	authed.GET("/campaigns/:id/audience/:audience_id", s.getAudience)

	authed.GET("/campaign-schedules", s.listSchedules)
	authed.POST("/campaign-schedules", s.createSchedule)
	authed.GET("/campaign-schedules/:id", s.getSchedule)
	authed.PATCH("/campaign-schedules/:id", s.updateSchedule)
	authed.DELETE("/campaign-schedules/:id", s.deleteSchedule)
	authed.POST("/campaign-schedules/:id/pause", s.pauseSchedule(true))
	authed.POST("/campaign-schedules/:id/unpause", s.pauseSchedule(false))
	authed.POST("/campaign-schedules/:id/trigger", s.triggerSchedule)
	authed.GET("/stats/current", s.statsCurrent)
	authed.GET("/stats/series", s.statsSeries)

	authed.GET("/events", s.listEvents)
	authed.POST("/events", s.createEvent)
	authed.GET("/events/:id", s.getEvent)
	authed.PATCH("/events/:id", s.updateEvent)
	authed.DELETE("/events/:id", s.deleteEvent)
	authed.GET("/events/:id/tiers", s.listTiers)
	authed.POST("/events/:id/tiers", s.createTier)
	authed.GET("/events/:id/tiers/:tier_id", s.getTier)
	authed.PATCH("/events/:id/tiers/:tier_id", s.updateTier)
	authed.GET("/events/:id/tiers/:tier_id/stock", s.stockAdjustments)
	authed.POST("/events/:id/tiers/:tier_id/stock", s.adjustStock)
	authed.POST("/events/:id/check-ins", s.checkIn)
	authed.GET("/events/:id/customers/:customer_id/attendance", s.customerAttendance)
	authed.GET("/events/:id/attendance", s.eventAttendance)
	authed.GET("/events/:id/grants", s.listGrants)
	authed.GET("/events/:id/alerts", s.listAlerts)
	authed.GET("/purchases", s.listPurchases)
	authed.POST("/purchases", s.createPurchase)

	authed.GET("/notifications", s.listNotifications)
	authed.GET("/notifications/unread-count", s.unreadCount)
	authed.POST("/notifications/read", s.readNotifications)
	authed.POST("/stream/ticket", s.createStreamTicket)
	v1.GET("/stream", s.streamAuth(), s.authorize(), s.stream)

	authed.GET("/groups", s.listGroups)
	authed.POST("/groups", s.createGroup)
	authed.GET("/groups/:id", s.getGroup)
	authed.PATCH("/groups/:id", s.renameGroup)
	authed.DELETE("/groups/:id", s.deleteGroup)
	authed.GET("/groups/:id/customers", s.groupCustomers)
	authed.POST("/groups/:id/members", s.members("add"))
	authed.DELETE("/groups/:id/members", s.members("remove"))
	authed.POST("/groups/:id/members/copy", s.members("copy"))
	authed.POST("/groups/:id/members/move", s.members("move"))

	if err := s.access.checkRoutes(r.Routes()); err != nil {
		panic("routes and api/openapi.yaml disagree: " + err.Error())
	}
	return r
}

// metricsInFlight is how many /metrics answers are gathered at once (as the
// worker's, worker.MetricsInFlight).
const metricsInFlight = 4

type readiness struct {
	Status string            `json:"status"`
	Checks map[string]string `json:"checks"`
}

// readyFresh is how long /readyz answers from its last check: the route is
// public, and each check is a MySQL ping and a Temporal call.
const readyFresh = time.Second

// readyCheck is the last readiness check and what it found: one check runs at
// a time, and requests meanwhile wait for it and share its answer.
type readyCheck struct {
	mu   sync.Mutex
	at   time.Time
	out  readiness
	down map[string]bool // the dependencies the last check found down
}

// readyz checks MySQL and Temporal; 503 when either is down. The answer says
// only "down": driver errors name hosts, ports and users, which is for the
// log, not for anyone who can reach the port. A check is at most readyFresh
// old, and the log says when a dependency goes down or comes back, not on
// every request that finds it down.
func (s *Server) readyz(c *gin.Context) {
	r := &s.ready
	r.mu.Lock()
	if now := s.now(); r.at.IsZero() || now.Sub(r.at) >= readyFresh || now.Before(r.at) {
		// The check is shared: the caller that runs it hanging up must not
		// make it fail for the others.
		r.out = s.checkReady(context.WithoutCancel(c.Request.Context()), r.down)
		// Dated when it ended: callers that queued behind a slow check (a
		// dependency hanging until the timeout) take its answer, not a turn
		// at one more.
		r.at = s.now()
		r.down = map[string]bool{}
		for name, v := range r.out.Checks {
			r.down[name] = v != "ok"
		}
	}
	out := r.out // a check makes a new map: this one is not written again
	r.mu.Unlock()
	status := http.StatusOK
	if out.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	c.JSON(status, out)
}

// checkReady pings MySQL and Temporal. wasDown is what the check before found
// down: a dependency going down is a warning, one staying down a debug line.
func (s *Server) checkReady(ctx context.Context, wasDown map[string]bool) readiness {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	out := readiness{Status: "ok", Checks: map[string]string{"mysql": "ok", "temporal": "ok"}}
	check := func(name string, err error) {
		switch {
		case err != nil:
			out.Status, out.Checks[name] = "unavailable", "down"
			level := slog.LevelWarn
			if wasDown[name] {
				level = slog.LevelDebug
			}
			s.log.Log(ctx, level, "readiness check failed", "dependency", name, "error", err)
		case wasDown[name]:
			s.log.Info("readiness check passes again", "dependency", name)
		}
	}
	check("mysql", s.store.Ping(ctx))
	if s.temporal == nil {
		check("temporal", errors.New("no Temporal client configured"))
	} else {
		_, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{})
		check("temporal", err)
	}
	return out
}

// pathID parses a positive integer path parameter, answering 404 for anything else
// (a malformed id names no resource).
func pathID(c *gin.Context, name string) (int64, bool) {
	id, err := strconv.ParseInt(c.Param(name), 10, 64)
	if err != nil || id <= 0 {
		notFound(c, "resource")
		return 0, false
	}
	return id, true
}

// pathRow loads the row :id names with get, answering 404 for a malformed id
// and for a row that is not the caller's account's (what names it).
func pathRow[T any](c *gin.Context, what string, get func(ctx context.Context, accountID, id int64) (T, error)) (T, bool) {
	var zero T
	id, ok := pathID(c, "id")
	if !ok {
		return zero, false
	}
	row, err := get(c.Request.Context(), account(c), id)
	if !storeErr(c, err, what) {
		return zero, false
	}
	return row, true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// MaxPageSize caps ?size=.
const MaxPageSize = 200

// pageParams reads ?page= and ?size= (defaults 1 and 50), and ?cursor= (a
// list's next_cursor: the page after that item, by key). Offset paging stops
// at store.MaxOffsetRows (page × size): each deeper page would cost the
// database every row it skips, so beyond it the answer is 422 pointing to
// the cursor, which costs the same on any page.
func pageParams(c *gin.Context) (store.Page, bool) {
	p := store.Page{Page: 1, Size: 50, After: c.Query("cursor")}
	var errs Fields
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			errs.Add("page", "must be a whole number from 1")
		}
		p.Page = n
	}
	if v := c.Query("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			errs.Add("size", "must be a whole number from 1 to %d", MaxPageSize)
		}
		p.Size = n
	}
	if errs.Abort(c) {
		return p, false
	}
	if p.After == "" && p.Page*p.Size > store.MaxOffsetRows {
		writeProblem(c, Problem{Type: ProblemBase + "page-too-deep", Title: "Page too deep", Status: http.StatusUnprocessableEntity,
			Detail: fmt.Sprintf("page × size may be at most %d (here %d × %d); to read further, pass the next_cursor of the last page as ?cursor=",
				store.MaxOffsetRows, p.Page, p.Size),
			Errors: []FieldError{{Field: "page", Message: fmt.Sprintf("page × size must be at most %d; page on with cursor", store.MaxOffsetRows)}}})
		return p, false
	}
	return p, true
}

// list is the shape of every list answer. NextCursor, when the page is full,
// is the cursor of its last item: ?cursor= with it reads the next page.
type list[T any] struct {
	Items      []T     `json:"items"`
	Total      int64   `json:"total"`
	Page       int     `json:"page"`
	Size       int     `json:"size"`
	NextCursor *string `json:"next_cursor"`
}

// nextCursor is the next_cursor of a page of items: the cursor of the last
// one when the page is full, nil otherwise.
func nextCursor[T any](items []T, size int, cursor func(T) string) *string {
	if len(items) == 0 || len(items) < size {
		return nil
	}
	v := cursor(items[len(items)-1])
	return &v
}

// listPage answers one page of a list: get reads it, show makes each item's
// JSON and cursor its next_cursor (nil: the list pages by number only).
func listPage[T, J any](c *gin.Context, what string, get func(ctx context.Context, accountID int64, p store.Page) ([]T, int64, error),
	show func(T) J, cursor func(T) string) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	items, total, err := get(c.Request.Context(), account(c), p)
	if !storeErr(c, err, what) {
		return
	}
	out := make([]J, len(items))
	for i, it := range items {
		out[i] = show(it)
	}
	var next *string
	if cursor != nil {
		next = nextCursor(items, p.Size, cursor)
	}
	c.JSON(http.StatusOK, list[J]{Items: out, Total: total, Page: p.Page, Size: p.Size, NextCursor: next})
}

// storeErr answers the common store errors; it reports whether err was nil.
func storeErr(c *gin.Context, err error, what string) bool {
	var missing *store.MissingError
	switch {
	case err == nil:
		return true
	case errors.As(err, &missing):
		problem(c, http.StatusNotFound, "not-found", "Not found", missing.Error())
	case errors.Is(err, store.ErrNotFound):
		notFound(c, what)
	case errors.Is(err, store.ErrDefaultGroup):
		problem(c, http.StatusConflict, "default-group", "Default group", err.Error())
	case errors.Is(err, store.ErrConflict):
		conflict(c, conflictDetail(err))
	case errors.Is(err, store.ErrBadCursor):
		Fields{{Field: "cursor", Message: "must be the next_cursor of an earlier page of this list"}}.Abort(c)
	default:
		internalError(c, err)
	}
	return false
}

// conflictDetail strips the sentinel's text from a wrapped conflict error.
func conflictDetail(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+store.ErrConflict.Error())
}
