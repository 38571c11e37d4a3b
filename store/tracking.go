package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/sendingo/sendingo/render"
)

// Link is a message's tracking link.
type Link struct {
	Token      string `db:"token"`
	MessageID  int64  `db:"message_id"`
	CampaignID int64  `db:"campaign_id"`
	AccountID  int64  `db:"account_id"`
	Index      int    `db:"idx"`
	URL        string `db:"url"`
}

// LinkByToken resolves a tracking token (any account: the token is the secret).
func (s *Store) LinkByToken(ctx context.Context, token string) (Link, error) {
	var l Link
	err := s.db.GetContext(ctx, &l, `SELECT token, message_id, campaign_id, account_id, idx, url FROM message_links WHERE token = ?`, token)
	return l, notFound(err)
}

// Click is one fetch of a tracking link. Its account, campaign and message are
// the link's own (Link), never a caller's.
type Click struct {
	Link
	Bot       bool
	At        time.Time
	UserAgent string
	Device    string
	OS        string
	Browser   string
}

const clickColumns = `INSERT INTO clicks (token, message_id, campaign_id, account_id, link_idx, bot, clicked_at, agent_id) VALUES `

func (c Click) args(agent int64) []any {
	return []any{c.Token, c.MessageID, c.CampaignID, c.AccountID, c.Index, c.Bot, sqlTime(c.At), agent}
}

// RecordClick stores one click with a single-row insert (its own commit).
func (s *Store) RecordClick(ctx context.Context, c Click) error {
	agents, err := s.clickAgents(ctx, []Click{c})
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, clickInsert(1), c.args(agents[0])...); err != nil {
		return fmt.Errorf("record click: %w", err)
	}
	return nil
}

// recordClicks stores clicks with one multi-row insert: one statement, one commit.
func (s *Store) recordClicks(ctx context.Context, cs []Click, agents []int64) error {
	if _, err := s.db.ExecContext(ctx, clickInsert(len(cs)), clickArgs(cs, agents)...); err != nil {
		return fmt.Errorf("record %d clicks: %w", len(cs), err)
	}
	return nil
}

// clickInsert is the INSERT of n clicks; clickArgs are its arguments.
func clickInsert(n int) string {
	const row = "(?,?,?,?,?,?,?,?)"
	var b strings.Builder
	b.Grow(len(clickColumns) + n*(len(row)+1))
	b.WriteString(clickColumns)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	return b.String()
}

func clickArgs(cs []Click, agents []int64) []any {
	args := make([]any, 0, len(cs)*8)
	for i, c := range cs {
		args = append(args, c.args(agents[i])...)
	}
	return args
}

// storedAgent is a User-Agent as user_agents keeps it: valid UTF-8 (a header
// may carry any bytes; the column holds text; each byte that is not UTF-8
// becomes U+FFFD) of at most agentRunes characters.
func storedAgent(ua string) string {
	// Characters past the first agentRunes are dropped anyway; a header may be
	// far longer (up to the server's header limit), so look no further.
	if len(ua) > utf8.UTFMax*agentRunes {
		ua = ua[:utf8.UTFMax*agentRunes]
	}
	if !utf8.ValidString(ua) {
		ua = string([]rune(ua))
	}
	return render.TruncateRunes(ua, agentRunes)
}

// agentRunes is how many characters of an agent are kept (user_agents.agent).
const agentRunes = 512

// agentMemoryMax and agentMemoryLen bound the memory of user_agents ids
// (Store.agents): a click from an agent seen before costs no lookup, and
// whatever the public tracking route is sent, the memory stays bounded.
const (
	agentMemoryMax = 4096
	agentMemoryLen = 512
)

// clickAgents answers the user_agents id of each click's agent. The agents
// not remembered are stored if new, with their parse (one INSERT for all of
// them), and their ids read back by hash (one SELECT).
func (s *Store) clickAgents(ctx context.Context, cs []Click) ([]int64, error) {
	ids := make([]int64, len(cs))
	var missing map[string][]int // agent → the clicks naming it
	for i, c := range cs {
		agent := storedAgent(c.UserAgent)
		if id, ok := s.agents.Get(agent); ok {
			ids[i] = id
			continue
		}
		if missing == nil {
			missing = map[string][]int{}
		}
		missing[agent] = append(missing[agent], i)
	}
	if len(missing) == 0 {
		return ids, nil
	}
	var ins, sel strings.Builder
	ins.WriteString(`INSERT INTO user_agents (hash, agent, device, os, browser) VALUES `)
	sel.WriteString(`SELECT id, hash FROM user_agents WHERE hash IN (`)
	var insArgs, selArgs []any
	byHash := map[[sha256.Size]byte]string{}
	// In the order of their hashes: processes storing the same new agents at
	// once lock their rows in one order, never in a cycle.
	type newAgent struct {
		hash  [sha256.Size]byte
		agent string
	}
	news := make([]newAgent, 0, len(missing))
	for agent := range missing {
		news = append(news, newAgent{sha256.Sum256([]byte(agent)), agent})
	}
	slices.SortFunc(news, func(a, b newAgent) int { return bytes.Compare(a.hash[:], b.hash[:]) })
	for _, n := range news {
		h, agent, at := n.hash, n.agent, missing[n.agent]
		byHash[h] = agent
		if len(selArgs) > 0 {
			ins.WriteByte(',')
			sel.WriteByte(',')
		}
		ins.WriteString("(?,?,?,?,?)")
		sel.WriteByte('?')
		c := cs[at[0]]
		insArgs = append(insArgs, h[:], agent, c.Device, c.OS, c.Browser)
		selArgs = append(selArgs, h[:])
	}
	// A known agent takes this build's parse (a parser fix reaches the agents
	// seen before it, as it did when every click carried its own).
	ins.WriteString(` ON DUPLICATE KEY UPDATE device = VALUES(device), os = VALUES(os), browser = VALUES(browser)`)
	sel.WriteByte(')')
	if _, err := s.db.ExecContext(ctx, ins.String(), insArgs...); err != nil {
		return nil, fmt.Errorf("store %d user agents: %w", len(missing), err)
	}
	var rows []struct {
		ID   int64  `db:"id"`
		Hash []byte `db:"hash"`
	}
	if err := s.db.SelectContext(ctx, &rows, sel.String(), selArgs...); err != nil {
		return nil, fmt.Errorf("read %d user agents: %w", len(missing), err)
	}
	for _, r := range rows {
		if len(r.Hash) != sha256.Size {
			continue
		}
		agent, ok := byHash[[sha256.Size]byte(r.Hash)]
		if !ok {
			continue
		}
		for _, i := range missing[agent] {
			ids[i] = r.ID
		}
		s.agents.Put(agent, r.ID)
		delete(missing, agent)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%d user agents stored but not found", len(missing))
	}
	return ids, nil
}

// LinkTokens lists up to limit tracking tokens of one account's campaign (benchmarks).
func (s *Store) LinkTokens(ctx context.Context, k CampaignKey, limit int) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT token FROM message_links WHERE campaign_id = ? AND account_id = ? LIMIT ?`,
		k.ID, k.AccountID, limit)
	return out, err
}

// CountClicks counts a campaign's recorded link fetches (bots included).
func (s *Store) CountClicks(ctx context.Context, k CampaignKey) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM clicks WHERE campaign_id = ? AND account_id = ?`, k.ID, k.AccountID)
	return n, err
}

// ErrClicksBusy answers a click the recorder has no room to queue: the caller
// tells the client to come back (503) rather than redirect without a record.
var ErrClicksBusy = errors.New("click recorder busy: queue full")

// ErrClicksClosed answers a click that arrives after the recorder was closed.
var ErrClicksClosed = errors.New("click recorder closed")

// ClickRecorderOptions shape a ClickRecorder; zero fields take the defaults.
type ClickRecorderOptions struct {
	// Queue is how many clicks may wait for a commit (default 4096). Past it,
	// Record answers ErrClicksBusy at once: the route is public, so memory
	// stays bounded whatever arrives.
	Queue int
	// MaxBatch is the most clicks one INSERT carries (default 256).
	MaxBatch int
	// Window is how long a committer waits, after taking the clicks already
	// queued, for more to join the batch (default 0: none). Without it a batch
	// is what arrived while the previous batch committed — group commit with no
	// added wait; on this machine a commit takes ~0.2 ms, and a timed window
	// only delayed every click (docs/BENCHMARKS.md).
	Window time.Duration
	// Committers is how many batches may commit at once (default 1: the
	// next batch collects in the queue while one commits). More committers
	// mean smaller batches and more commits for the same clicks: with 16
	// clients on two cores, 2 and 3 committers cost 1.4× and 2× the database
	// CPU per click of one, and answered 15–30 % fewer redirects
	// (docs/BENCHMARKS.md).
	Committers int
	// IdleCheck is how long a committer's connection may sit unused before
	// it is pinged ahead of its next batch (default 1s; tests set less).
	IdleCheck time.Duration
	// Paused leaves the committers stopped until Start (tests queue clicks
	// first, to see them share a commit without depending on timing).
	Paused bool
}

// ClickRecorder group-commits clicks: the clicks that arrive within a short
// window (or while the previous batch commits) share one multi-row INSERT and
// one commit, and each Record returns only after its own click is durable. If
// a batch's INSERT fails, its clicks are retried one row at a time, so every
// caller learns whether its own click was stored; none is told yes for a click
// that was not.
type ClickRecorder struct {
	s     *Store
	o     ClickRecorderOptions
	queue chan *clickReq
	stop  chan struct{}
	wg    sync.WaitGroup
	start sync.Once
	close sync.Once
	// mu orders Record's enqueue before Close: no click is queued once the
	// committers may have drained the queue for the last time.
	mu      sync.RWMutex
	closed  bool
	commits atomic.Int64 // multi-row and single-row INSERTs that committed clicks
	clicks  atomic.Int64 // clicks committed
}

type clickReq struct {
	c    Click
	done chan error
}

// NewClickRecorder starts a recorder (unless o.Paused); Close stops it.
func (s *Store) NewClickRecorder(o ClickRecorderOptions) *ClickRecorder {
	if o.Queue <= 0 {
		o.Queue = 4096
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 256
	}
	if o.Window < 0 {
		o.Window = 0
	}
	if o.Committers <= 0 {
		o.Committers = 1
	}
	if o.IdleCheck <= 0 {
		o.IdleCheck = time.Second
	}
	r := &ClickRecorder{s: s, o: o, queue: make(chan *clickReq, o.Queue), stop: make(chan struct{})}
	if !o.Paused {
		r.Start()
	}
	return r
}

// Start starts the committers (once).
func (r *ClickRecorder) Start() {
	r.start.Do(func() {
		for i := 0; i < r.o.Committers; i++ {
			r.wg.Add(1)
			go r.run()
		}
	})
}

// Close commits what is queued and stops the committers.
func (r *ClickRecorder) Close() {
	r.close.Do(func() {
		r.Start()
		r.mu.Lock()
		r.closed = true
		r.mu.Unlock()
		close(r.stop)
		r.wg.Wait()
	})
}

// Queued is how many clicks wait for a committer.
func (r *ClickRecorder) Queued() int { return len(r.queue) }

// Commits is how many INSERTs have committed clicks; Clicks how many clicks.
func (r *ClickRecorder) Commits() int64 { return r.commits.Load() }

// Clicks is how many clicks have been committed.
func (r *ClickRecorder) Clicks() int64 { return r.clicks.Load() }

// Record queues c and waits until it is committed (nil) or could not be
// stored (an error). A full queue answers ErrClicksBusy without waiting. The
// click is committed even if ctx ends meanwhile; Record then stops waiting.
func (r *ClickRecorder) Record(ctx context.Context, c Click) error {
	req := &clickReq{c: c, done: make(chan error, 1)}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		return ErrClicksClosed
	}
	select {
	case r.queue <- req:
		r.mu.RUnlock()
	default:
		r.mu.RUnlock()
		return ErrClicksBusy
	}
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (r *ClickRecorder) run() {
	defer r.wg.Done()
	pc := &preparedClicks{s: r.s, idleCheck: r.o.IdleCheck}
	defer pc.close()
	batch := make([]*clickReq, 0, r.o.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		batch = batch[:0]
		select {
		case req := <-r.queue:
			batch = append(batch, req)
		case <-r.stop:
			// Drain what is left, then stop.
			for {
				select {
				case req := <-r.queue:
					batch = append(batch, req)
					if len(batch) == r.o.MaxBatch {
						r.commit(pc, batch)
						batch = batch[:0]
					}
				default:
					if len(batch) > 0 {
						r.commit(pc, batch)
					}
					return
				}
			}
		}
		// Take whatever is already waiting (what arrived while the previous
		// batch committed), then, with a window, wait up to it for more.
	drain:
		for len(batch) < r.o.MaxBatch {
			select {
			case req := <-r.queue:
				batch = append(batch, req)
			default:
				break drain
			}
		}
		if r.o.Window > 0 && len(batch) < r.o.MaxBatch {
			timer.Reset(r.o.Window)
		fill:
			for len(batch) < r.o.MaxBatch {
				select {
				case req := <-r.queue:
					batch = append(batch, req)
				case <-timer.C:
					break fill
				case <-r.stop:
					break fill
				}
			}
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		r.commit(pc, batch)
	}
}

// commit stores a batch with one INSERT; if that fails, row by row, so each
// click's caller gets its own click's outcome.
func (r *ClickRecorder) commit(pc *preparedClicks, batch []*clickReq) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cs := make([]Click, len(batch))
	for i, req := range batch {
		cs[i] = req.c
	}
	err := pc.record(ctx, cs)
	if err == nil {
		r.commits.Add(1)
		r.clicks.Add(int64(len(batch)))
		for _, req := range batch {
			req.done <- nil
		}
		return
	}
	if len(batch) == 1 {
		batch[0].done <- err
		return
	}
	for _, req := range batch {
		err := r.s.RecordClick(ctx, req.c)
		if err == nil {
			r.commits.Add(1)
			r.clicks.Add(1)
		}
		req.done <- err
	}
}

// preparedClickSizes is the largest batch a committer inserts with a prepared
// statement (one per batch size, on its own connection); larger batches are
// sent as text.
const preparedClickSizes = 32

// preparedClicks is a committer's connection and its prepared INSERTs, one
// per batch size up to preparedClickSizes: MySQL parses each once, and a batch
// travels as values, not as SQL text to parse (about a fifth less of the
// database's CPU per batch of 16 here). At most preparedClickSizes statements
// live on the server per committer.
//
// A connection idle for longer than idleCheck is pinged before it is used: the
// server may have closed it meanwhile (wait_timeout, a restart), which a
// pooled connection would have been checked for when taken.
type preparedClicks struct {
	s         *Store
	idleCheck time.Duration
	conn      *sql.Conn
	stmts     map[int]*sql.Stmt
	used      time.Time
}

func (p *preparedClicks) record(ctx context.Context, cs []Click) error {
	agents, err := p.s.clickAgents(ctx, cs)
	if err != nil {
		return err
	}
	if len(cs) > preparedClickSizes {
		return p.s.recordClicks(ctx, cs, agents)
	}
	if p.conn != nil && time.Since(p.used) > p.idleCheck {
		if err := p.conn.PingContext(ctx); err != nil {
			p.close()
		}
	}
	p.used = time.Now()
	st, err := p.stmt(ctx, len(cs))
	if err == nil {
		if _, err = st.ExecContext(ctx, clickArgs(cs, agents)...); err == nil {
			return nil
		}
	}
	// A broken connection or statement: start afresh next time, and say
	// what failed (the caller retries the clicks one by one).
	p.close()
	return fmt.Errorf("record %d clicks: %w", len(cs), err)
}

func (p *preparedClicks) stmt(ctx context.Context, n int) (*sql.Stmt, error) {
	if st, ok := p.stmts[n]; ok {
		return st, nil
	}
	if p.conn == nil {
		conn, err := p.s.db.Conn(ctx)
		if err != nil {
			return nil, err
		}
		p.conn, p.stmts = conn, map[int]*sql.Stmt{}
	}
	st, err := p.conn.PrepareContext(ctx, clickInsert(n))
	if err != nil {
		return nil, err
	}
	p.stmts[n] = st
	return st, nil
}

func (p *preparedClicks) close() {
	for _, st := range p.stmts {
		_ = st.Close()
	}
	if p.conn != nil {
		_ = p.conn.Close()
	}
	p.conn, p.stmts = nil, nil
}
