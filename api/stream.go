package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Event stream tuning.
const (
	// DefaultStreamKeepAlive is how often an idle stream gets a comment line, so
	// that proxies do not close it.
	DefaultStreamKeepAlive = 15 * time.Second
	// streamReplayWindow bounds what a reconnect with Last-Event-ID replays.
	streamReplayWindow = 7 * 24 * time.Hour
	// streamBuffer is how many events a stream may fall behind before it is
	// dropped (the client reconnects and replays what it missed).
	streamBuffer = 64
	// streamWriteTimeout bounds one write to a client; a client that does not
	// read for that long is dropped.
	streamWriteTimeout = 30 * time.Second
	// streamRetry is the reconnection delay the stream asks EventSource for.
	streamRetry = 2 * time.Second
	// ticketTTL is how long a stream ticket may wait to be used.
	ticketTTL = 60 * time.Second
	// ticketPrefix marks stream tickets (32 random bytes after it).
	ticketPrefix = "sst_"

	tailEvery     = 500 * time.Millisecond
	tailPage      = 1000
	progressEvery = time.Second
	// holeWait is how long the tail looks back for an id that was skipped: a
	// transaction that took its id before a later one committed, or an insert
	// that never committed (a duplicate key also uses up an id).
	holeWait = 10 * time.Second
	maxHoles = 10000
)

// frame is one server-sent event, rendered once for every stream it goes to.
type frame struct {
	id   int64 // the notification's id; 0 for progress events
	data []byte
}

// subscriber is one open stream.
type subscriber struct {
	account int64
	ch      chan frame
	dropped chan struct{} // closed when the stream fell streamBuffer events behind
	once    sync.Once
}

func (s *subscriber) drop() { s.once.Do(func() { close(s.dropped) }) }

// hub is the API process's single tail of the notifications table and its
// progress poller, fanning events out to the process's open streams by account.
// It starts with the first stream and stops with Close.
type hub struct {
	store    *store.Store
	temporal client.Client
	log      *slog.Logger

	startMu sync.Mutex
	started bool
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	subs map[int64]map[*subscriber]struct{}
	// progress holds the latest progress event of each campaign and import, by
	// account, so a stream that opens gets them at once.
	progress map[int64]map[string]frame
}

func newHub(st *store.Store, tc client.Client, log *slog.Logger) *hub {
	ctx, cancel := context.WithCancel(context.Background())
	return &hub{store: st, temporal: tc, log: log.With("component", "stream-hub"), ctx: ctx, cancel: cancel,
		subs: map[int64]map[*subscriber]struct{}{}, progress: map[int64]map[string]frame{}}
}

// ensureStarted starts the tail and the progress poller with the first stream.
// The tail's starting point is read before any stream subscribes, so that every
// notification stored after a stream has subscribed reaches it.
func (h *hub) ensureStarted(ctx context.Context) error {
	h.startMu.Lock()
	defer h.startMu.Unlock()
	if h.started {
		return nil
	}
	last, err := h.store.NewestNotificationIDOfAll(ctx)
	if err != nil {
		return err
	}
	h.started = true
	h.wg.Add(2)
	go func() { defer h.wg.Done(); h.tail(last) }()
	go func() { defer h.wg.Done(); h.pollProgress() }()
	return nil
}

// subscribe registers a stream of the account; the latest progress events are
// queued on it straight away.
func (h *hub) subscribe(account int64) *subscriber {
	sub := &subscriber{account: account, ch: make(chan frame, streamBuffer), dropped: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs[account] == nil {
		h.subs[account] = map[*subscriber]struct{}{}
	}
	h.subs[account][sub] = struct{}{}
	for _, f := range h.progress[account] {
		sub.send(f)
	}
	return sub
}

func (h *hub) unsubscribe(sub *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs[sub.account], sub)
	if len(h.subs[sub.account]) == 0 {
		delete(h.subs, sub.account)
		delete(h.progress, sub.account)
	}
}

// send queues f without waiting; a stream that is that far behind is dropped.
func (sub *subscriber) send(f frame) {
	select {
	case sub.ch <- f:
	default:
		sub.drop()
	}
}

func (h *hub) publish(account int64, f frame) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for sub := range h.subs[account] {
		sub.send(f)
	}
}

// accounts answers the accounts with open streams.
func (h *hub) accounts() []int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Collect(maps.Keys(h.subs))
}

// streams counts the open streams (for tests and logs).
func (h *hub) streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.subs {
		n += len(subs)
	}
	return n
}

// close stops the hub; open streams end, and their clients reconnect elsewhere.
func (h *hub) close() {
	h.cancel()
	h.wg.Wait()
}

// tail reads new notifications by id every tailEvery and publishes each to its
// account's streams. Ids are handed out before commit, so a later id can become
// visible first: a skipped id is looked up again for holeWait.
func (h *hub) tail(last int64) {
	holes := map[int64]time.Time{}
	for {
		full := false
		rows, err := h.store.TailNotifications(h.ctx, last, tailPage)
		if err != nil {
			if h.ctx.Err() != nil {
				return
			}
			h.log.Warn("stream tail", "after", last, "error", err)
		}
		now := time.Now()
		for _, n := range rows {
			for id := last + 1; id < n.ID && len(holes) < maxHoles; id++ {
				holes[id] = now
			}
			last = n.ID
			h.publish(n.AccountID, notificationFrame(n))
		}
		full = len(rows) == tailPage
		if len(holes) > 0 {
			ids := make([]int64, 0, len(holes))
			for id, since := range holes {
				if now.Sub(since) > holeWait {
					delete(holes, id)
					continue
				}
				ids = append(ids, id)
			}
			late, err := h.store.NotificationsByID(h.ctx, ids)
			if err != nil && h.ctx.Err() == nil {
				h.log.Warn("stream tail: look back", "error", err)
			}
			for _, n := range late {
				delete(holes, n.ID)
				h.publish(n.AccountID, notificationFrame(n))
			}
		}
		if !full && !sleepCtx(h.ctx, tailEvery) {
			return
		}
		if h.ctx.Err() != nil {
			return
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// notificationEvent is a notification as the stream and the list show it.
type notificationEvent struct {
	ID        int64         `json:"id"`
	Kind      string        `json:"kind"`
	Severity  string        `json:"severity"`
	Title     string        `json:"title"`
	Body      string        `json:"body"`
	Link      string        `json:"link"`
	Subject   store.Subject `json:"subject"`
	CreatedAt time.Time     `json:"created_at"`
	Read      *bool         `json:"read,omitempty"` // lists only
}

func toNotificationEvent(n store.Notification) notificationEvent {
	subject := n.Subject
	if subject == nil {
		subject = store.Subject{}
	}
	return notificationEvent{ID: n.ID, Kind: n.Kind, Severity: n.Severity, Title: n.Title, Body: n.Body, Link: n.Link,
		Subject: subject, CreatedAt: n.CreatedAt}
}

func notificationFrame(n store.Notification) frame {
	return frame{id: n.ID, data: sseEvent(n.ID, "notification", toNotificationEvent(n))}
}

// sseEvent renders one event; id 0 leaves the client's last event id alone.
func sseEvent(id int64, event string, payload any) []byte {
	data, _ := json.Marshal(payload) // the payloads are plain structs
	var b bytes.Buffer
	if id > 0 {
		fmt.Fprintf(&b, "id: %d\n", id)
	}
	fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", event, data)
	return b.Bytes()
}

// importProgressEvent is the payload of import.progress.
type importProgressEvent struct {
	ImportID  int64  `json:"import_id"`
	Status    string `json:"status"`
	Processed int64  `json:"processed"`
	Total     int64  `json:"total"`
	Percent   int    `json:"percent"`
	Created   int64  `json:"created"`
	Updated   int64  `json:"updated"`
}

func toImportProgressEvent(im store.Import) importProgressEvent {
	p := toImportJSON(im).Progress
	return importProgressEvent{ImportID: im.ID, Status: im.Status, Processed: p.Processed, Total: p.Total,
		Percent: p.Percent, Created: im.CreatedCount, Updated: im.UpdatedCount}
}

// pollProgress publishes, every progressEvery, the progress of the running
// campaigns (from the workflow's query) and committing imports (from MySQL) of
// the accounts with open streams, when it changed: at most one event a second
// each. Once one ends, its final figures go out once from MySQL.
func (h *hub) pollProgress() {
	last := map[string][]byte{} // by key (campaign:ID, import:ID): the data sent last
	owner := map[string]int64{}
	t := time.NewTicker(progressEvery)
	defer t.Stop()
	for {
		select {
		case <-h.ctx.Done():
			return
		case <-t.C:
		}
		accounts := h.accounts()
		open := map[int64]bool{}
		for _, a := range accounts {
			open[a] = true
		}
		for key, account := range owner {
			if !open[account] { // its streams have closed: start afresh when one opens
				delete(last, key)
				delete(owner, key)
			}
		}
		seen := map[string]bool{}
		if len(accounts) > 0 {
			h.campaignProgress(accounts, seen, last, owner)
			h.importProgress(accounts, seen, last, owner)
		}
		for key, account := range owner {
			if seen[key] {
				continue
			}
			h.finalProgress(key, account, last)
			delete(last, key)
			delete(owner, key)
			h.forget(account, key)
		}
	}
}

// emit publishes a progress event if its data changed since the last one.
func (h *hub) emit(account int64, key, event string, payload any, last map[string][]byte, owner map[string]int64) {
	data, _ := json.Marshal(payload)
	if bytes.Equal(last[key], data) {
		return
	}
	last[key], owner[key] = data, account
	f := frame{data: []byte(fmt.Sprintf("event: %s\ndata: %s\n\n", event, data))}
	h.mu.Lock()
	if h.subs[account] != nil {
		if h.progress[account] == nil {
			h.progress[account] = map[string]frame{}
		}
		h.progress[account][key] = f
		for sub := range h.subs[account] {
			sub.send(f)
		}
	}
	h.mu.Unlock()
}

func (h *hub) forget(account int64, key string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.progress[account], key)
}

func (h *hub) campaignProgress(accounts []int64, seen map[string]bool, last map[string][]byte, owner map[string]int64) {
	camps, err := h.store.ActiveCampaigns(h.ctx, accounts)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("stream progress: running campaigns", "error", err)
		}
		return
	}
	type result struct {
		c store.ActiveCampaign
		p *workflows.CampaignProgress
	}
	results := make([]result, len(camps))
	var g errgroup.Group
	g.SetLimit(8)
	for i, c := range camps {
		results[i].c = c
		g.Go(func() error {
			results[i].p = h.queryCampaign(c.ID)
			return nil
		})
	}
	_ = g.Wait() // queries do not fail: an unanswered one is nil
	for _, r := range results {
		key := "campaign:" + strconv.FormatInt(r.c.ID, 10)
		seen[key] = true
		if r.p == nil {
			continue // the workflow did not answer; try again in a second
		}
		h.emit(r.c.AccountID, key, "campaign.progress",
			progressJSON{CampaignID: r.c.ID, Status: r.c.Status, LeftOut: r.c.LeftOut, CampaignProgress: *r.p}, last, owner)
	}
}

func (h *hub) queryCampaign(id int64) *workflows.CampaignProgress {
	if h.temporal == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(h.ctx, 2*time.Second)
	defer cancel()
	v, err := h.temporal.QueryWorkflow(ctx, workflows.CampaignWorkflowID(id), "", workflows.QueryCampaignProgress)
	if err != nil {
		return nil
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		return nil
	}
	if p.Relays == nil {
		p.Relays = []workflows.RelayCounts{}
	}
	return &p
}

func (h *hub) importProgress(accounts []int64, seen map[string]bool, last map[string][]byte, owner map[string]int64) {
	ims, err := h.store.CommittingImports(h.ctx, accounts)
	if err != nil {
		if h.ctx.Err() == nil {
			h.log.Warn("stream progress: committing imports", "error", err)
		}
		return
	}
	for _, im := range ims {
		key := "import:" + strconv.FormatInt(im.ID, 10)
		seen[key] = true
		h.emit(im.AccountID, key, "import.progress", toImportProgressEvent(im), last, owner)
	}
}

// finalProgress sends the stored figures of a campaign or import that is no
// longer running, so a progress bar ends where the work did.
func (h *hub) finalProgress(key string, account int64, last map[string][]byte) {
	kind, idText, _ := strings.Cut(key, ":")
	id, _ := strconv.ParseInt(idText, 10, 64)
	discard := map[string]int64{}
	switch kind {
	case "campaign":
		c, err := h.store.Campaign(h.ctx, account, id)
		if err != nil {
			return
		}
		h.emit(account, key, "campaign.progress", storedProgress(c), last, discard)
	case "import":
		im, err := h.store.Import(h.ctx, account, id)
		if err != nil {
			return
		}
		h.emit(account, key, "import.progress", toImportProgressEvent(im), last, discard)
	}
}

// storedProgress is a campaign's progress from its row (when no workflow answers).
func storedProgress(camp store.Campaign) progressJSON {
	p := workflows.CampaignProgress{Stage: camp.Status, Run: camp.Run, UpdatedAt: camp.UpdatedAt, Relays: []workflows.RelayCounts{},
		Counts: workflows.Counts{Total: camp.Total, Pending: camp.Pending + camp.Sending, Sent: camp.Sent,
			Delivered: camp.Delivered, Failed: camp.Failed, Unknown: camp.Unknown, Fallback: camp.Fallback}}
	if store.IsSet(camp.StartedAt) {
		p.StartedAt = camp.StartedAt
	}
	return progressJSON{CampaignID: camp.ID, Status: camp.Status, LeftOut: camp.LeftOut, CampaignProgress: p}
}

// streamAuth accepts a single-use ticket (?ticket=, for EventSource, which
// cannot send headers) or the usual credentials. A long-lived token is never
// taken from the URL.
func (s *Server) streamAuth() gin.HandlerFunc {
	headers := s.authenticate()
	return func(c *gin.Context) {
		ticket, ok := c.GetQuery("ticket")
		if !ok {
			headers(c)
			return
		}
		if !strings.HasPrefix(ticket, ticketPrefix) {
			unauthorized(c, "the stream ticket is not valid")
			return
		}
		h := sha256.Sum256([]byte(ticket))
		acc, user, err := s.store.UseStreamTicket(c.Request.Context(), h[:], s.now())
		if !authOK(c, err, store.ErrTicketInvalid, "the stream ticket is unknown, used or expired; ask for a new one with POST /api/v1/stream/ticket") {
			return
		}
		// The ticket's user as they are now: removed since, no stream; the
		// role authorize checks is the current one.
		u, err := s.store.User(c.Request.Context(), acc, user)
		if !authOK(c, err, store.ErrNotFound, "the user no longer exists") {
			return
		}
		setCaller(c, caller{AccountID: acc, UserID: user, Role: u.Role, Name: u.Name})
		c.Set(ctxAuthKind, "ticket")
		c.Next()
	}
}

type ticketResponse struct {
	Ticket    string    `json:"ticket"`
	ExpiresAt time.Time `json:"expires_at"`
}

// createStreamTicket answers a ticket that opens one stream within 60 s. Only
// its hash is stored, in MySQL, so any API process accepts it.
func (s *Server) createStreamTicket(c *gin.Context) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	ticket := ticketPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(ticket))
	expires := s.now().UTC().Add(ticketTTL).Truncate(time.Millisecond)
	if err := s.store.CreateStreamTicket(c.Request.Context(), account(c), c.GetInt64(ctxUserID), h[:], expires); err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusCreated, ticketResponse{Ticket: ticket, ExpiresAt: expires})
}

// stream serves the account's events as text/event-stream: notifications (with
// their id), campaign.progress and import.progress. With Last-Event-ID it first
// replays the stored notifications after that id (up to 7 days), in order, then
// goes live; without it, it starts now and names the newest id so that a
// reconnect misses nothing.
func (s *Server) stream(c *gin.Context) {
	acc := account(c)
	from := int64(-1)
	if v := strings.TrimSpace(c.GetHeader("Last-Event-ID")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			badRequest(c, "Last-Event-ID must be the id of a notification this stream sent")
			return
		}
		from = n
	}
	ctx := c.Request.Context()
	if err := s.hub.ensureStarted(ctx); err != nil {
		internalError(c, err)
		return
	}
	// Subscribe before reading the database, so nothing falls between replay and live.
	sub := s.hub.subscribe(acc)
	defer s.hub.unsubscribe(sub)
	replayAfter := from
	if from < 0 {
		newest, err := s.store.NewestNotificationID(ctx, acc)
		if err != nil {
			internalError(c, err)
			return
		}
		replayAfter = newest
	}

	// The server's write timeout suits requests, not a stream: each write gets
	// its own deadline instead, which also drops a client that stopped reading.
	rc := http.NewResponseController(c.Writer)
	_ = rc.SetReadDeadline(time.Time{}) // nor is a read timeout meant for a stream
	h := c.Writer.Header()
	h.Set("Content-Type", "text/event-stream; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	c.Status(http.StatusOK)
	// A stream the hub drops may be stuck in a write to a client that stopped
	// reading: expire that write at once.
	ended := make(chan struct{})
	defer close(ended)
	go func() {
		select {
		case <-sub.dropped:
		case <-ended:
			return
		}
		// Again until the handler is out, in case a write set its own deadline
		// just after this one.
		for {
			_ = rc.SetWriteDeadline(time.Now())
			select {
			case <-ended:
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
	}()
	write := func(b []byte) bool {
		select {
		case <-sub.dropped:
			return false
		default:
		}
		_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
		if _, err := c.Writer.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	opening := fmt.Sprintf("retry: %d\n", streamRetry.Milliseconds())
	if from < 0 {
		opening += fmt.Sprintf("id: %d\n", replayAfter)
	}
	if !write([]byte(opening + "\n")) {
		return
	}

	replayed := map[int64]bool{}
	if from >= 0 {
		since := s.now().Add(-streamReplayWindow)
		for after := from; ; {
			page, err := s.store.NotificationsAfter(ctx, acc, after, since, 500)
			if err != nil {
				s.log.Warn("stream replay", "account_id", acc, "after", after, "error", err)
				return // the client reconnects and replays from what it got
			}
			for _, n := range page {
				if !write(notificationFrame(n).data) {
					return
				}
				replayed[n.ID] = true
				after = n.ID
			}
			if len(page) < 500 {
				break
			}
		}
	}
	if !write([]byte(": live\n\n")) {
		return
	}
	keepAlive := time.NewTicker(s.keepAlive)
	defer keepAlive.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.hub.ctx.Done():
			return
		case <-sub.dropped:
			s.log.Info("stream dropped: the client fell behind", "account_id", acc)
			return
		case f := <-sub.ch:
			if replayed[f.id] {
				delete(replayed, f.id)
				continue
			}
			if !write(f.data) {
				return
			}
		case <-keepAlive.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		}
	}
}
