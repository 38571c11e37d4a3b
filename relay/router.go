package relay

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"
)

// Mode is a campaign's routing mode.
type Mode string

// Routing modes.
const (
	// ModeWeighted splits messages over relays by weight (Apportion), exactly.
	ModeWeighted Mode = "weighted"
	// ModeCheapest sends everything through the cheapest relay; ties go to the
	// larger weight, then the lower relay id.
	ModeCheapest Mode = "cheapest"
	// ModeFastest sends everything through the relay with the best live record:
	// the lowest median latency divided by success rate over the health window.
	// A relay without recent calls goes first, so that it gets measured.
	ModeFastest Mode = "fastest"
)

// Valid reports whether m is a known mode.
func (m Mode) Valid() bool { return m == ModeWeighted || m == ModeCheapest || m == ModeFastest }

// Candidate is a relay as a campaign's routing sees it. The router keeps a relay's
// live state (breaker, rate limiter, health) by ID across calls; the rest is read
// from the candidate on every call, so configuration changes apply at once.
type Candidate struct {
	ID       int64
	Name     string
	Kind     string // the relay's kind (KindOf)
	Channels []Channel
	Weight   int     // the campaign's weight for this relay; 0 = standby (failover only)
	Price    int64   // per message, in the account's money unit; only compared
	Rate     float64 // messages per second; 0 = unlimited
	Burst    int     // token bucket size; 0 = one second's worth
	Sender   Sender
}

// Carries reports whether the candidate takes channel ch.
func (c Candidate) Carries(ch Channel) bool {
	return c.Sender != nil && slices.Contains(c.Channels, ch)
}

// RouterOptions tune a Router. Zero fields take defaults.
type RouterOptions struct {
	Now          func() time.Time // clock (time.Now)
	Breaker      BreakerOptions   // per relay; it reads the wall clock, not Now
	HealthWindow time.Duration    // health and fastest-mode window (60 s)
	Concurrency  int              // provider calls in flight per Send (8)
	MaxAttempts  int              // relays tried per message, fallback separately (all candidates)
	Logger       *slog.Logger
	// OnCircuit, when set, is told when a relay's circuit opens (open) and when
	// it closes again after a successful probe. Calls come one at a time, in the
	// order the transitions happened, from a goroutine of the router's own, so a
	// slow OnCircuit (a database write) holds up no send; transitions beyond a
	// backlog of 256 are dropped (and logged).
	OnCircuit func(relayID int64, open bool)
}

// Observer is told of the router's provider calls and final verdicts, for
// metrics. Its methods are called from the router's goroutines and must be
// quick and safe for concurrent use.
type Observer interface {
	// RelayCall reports one provider call: its relay, how long it took, and
	// whether it counted as a relay fault (as the circuit breaker sees it).
	RelayCall(relay Candidate, latency time.Duration, fault bool)
	// Delivered reports the router's final word on one message of a Send.
	// relay is the candidate that gave it (zero when no relay was tried).
	Delivered(relay Candidate, d Delivery)
}

// Router routes messages over relays: primary choice by mode, failover in the
// mode's order, a circuit breaker and a rate limiter per relay, AlimTalk → SMS/LMS
// fallback, and the health record behind fastest mode and Recommend. One Router
// lives as long as the worker process and is shared by all chunk activities; it is
// safe for concurrent use.
type Router struct {
	o        RouterOptions
	mu       sync.Mutex
	relays   map[int64]*relayState
	circuits chan circuitChange // to the OnCircuit goroutine
	observer Observer
}

type circuitChange struct {
	relayID int64
	open    bool
}

type relayState struct {
	name    string
	breaker *Breaker
	limiter *Limiter
	health  healthWindow
}

// NewRouter returns a router with no relay state yet.
func NewRouter(o RouterOptions) *Router {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HealthWindow <= 0 {
		o.HealthWindow = time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Router{o: o, relays: map[int64]*relayState{}}
	if o.OnCircuit != nil {
		// The goroutine lives as long as the router, which lives as long as the worker.
		r.circuits = make(chan circuitChange, 256)
		go func() {
			for c := range r.circuits {
				o.OnCircuit(c.relayID, c.open)
			}
		}()
	}
	return r
}

// breakerOptions are the options of relay id's breaker: the router's, with the
// transitions that matter to OnCircuit passed on.
func (r *Router) breakerOptions(id int64) BreakerOptions {
	o := r.o.Breaker
	if r.circuits == nil {
		return o
	}
	o.OnTransition = func(from, to BreakerState) {
		var c circuitChange
		switch to {
		case Open: // from closed, or a failed probe: the relay is out either way
			c = circuitChange{relayID: id, open: true}
		case Closed:
			c = circuitChange{relayID: id}
		default:
			return
		}
		select {
		case r.circuits <- c:
		default:
			r.o.Logger.Warn("circuit transition dropped: OnCircuit is behind", "relay_id", id, "open", c.open)
		}
	}
	return o
}

// state returns the live state of relay c, creating it on first use and applying
// a changed rate limit.
func (r *Router) state(c Candidate) *relayState {
	r.mu.Lock()
	defer r.mu.Unlock()
	st, ok := r.relays[c.ID]
	if !ok {
		st = &relayState{name: c.Name, breaker: NewBreaker(r.breakerOptions(c.ID)), limiter: NewLimiter(c.Rate, c.Burst, r.o.Now)}
		r.relays[c.ID] = st
		return st
	}
	if c.Name != "" {
		st.name = c.Name // renamed since
	}
	if rate, burst := st.limiter.Rate(); rate != c.Rate || (c.Burst > 0 && burst != c.Burst) {
		st.limiter.SetRate(c.Rate, c.Burst)
	}
	return st
}

// SetObserver makes o see every provider call and verdict from now on. Call it
// before the router's first Send: the field is read without a lock.
func (r *Router) SetObserver(o Observer) { r.observer = o }

// RelayState is a relay's live state as this router holds it.
type RelayState struct {
	ID      int64
	Name    string
	Breaker BreakerSnapshot
}

// States returns the live state of every relay this router has routed to, by
// id: what a metrics scrape reports about circuits.
func (r *Router) States() []RelayState {
	r.mu.Lock()
	out := make([]RelayState, 0, len(r.relays))
	breakers := make([]*Breaker, 0, len(r.relays))
	for id, st := range r.relays {
		out = append(out, RelayState{ID: id, Name: st.name})
		breakers = append(breakers, st.breaker)
	}
	r.mu.Unlock()
	// Snapshots outside the router's lock: each breaker has its own.
	for i, b := range breakers {
		out[i].Breaker = b.Snapshot()
	}
	slices.SortFunc(out, func(a, b RelayState) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// Observe records a call to relay id made outside Send (a report poll, a probe), so
// that health and fastest mode see it too.
func (r *Router) Observe(id int64, latency time.Duration, fault bool, messages int) {
	st := r.state(Candidate{ID: id})
	st.health.add(callSample{at: r.o.Now(), latency: latency, fault: fault, messages: messages})
}

// Health returns relay id's record over the health window, breaker included.
func (r *Router) Health(id int64) Health {
	r.mu.Lock()
	st, ok := r.relays[id]
	r.mu.Unlock()
	if !ok {
		return Health{RelayID: id, Window: r.o.HealthWindow}
	}
	h := st.health.snapshot(r.o.Now(), r.o.HealthWindow)
	h.RelayID = id
	h.Breaker = st.breaker.Snapshot()
	return h
}

// Order returns the candidates that carry ch in failover order for mode: the one a
// message goes to first, then the next to try. Relays whose circuit is open go
// last (they are skipped while it stays open). In weighted mode the order is by
// weight (larger first, standby relays last), ties by the order given.
func (r *Router) Order(mode Mode, ch Channel, cands []Candidate) []Candidate {
	var out []Candidate
	for _, c := range cands {
		if c.Carries(ch) {
			out = append(out, c)
		}
	}
	open := map[int64]bool{}
	health := map[int64]Health{}
	for _, c := range out {
		h := r.Health(c.ID)
		health[c.ID] = h
		open[c.ID] = h.Breaker.State == Open
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if open[a.ID] != open[b.ID] {
			return !open[a.ID]
		}
		switch mode {
		case ModeCheapest:
			if a.Price != b.Price {
				return a.Price < b.Price
			}
			if a.Weight != b.Weight {
				return a.Weight > b.Weight
			}
			return a.ID < b.ID
		case ModeFastest:
			sa, sb := speedScore(health[a.ID]), speedScore(health[b.ID])
			if sa != sb {
				return sa < sb
			}
			if a.Price != b.Price {
				return a.Price < b.Price
			}
			return a.ID < b.ID
		default:
			return a.Weight > b.Weight
		}
	})
	return out
}

// speedScore is the expected time to a successful call: median latency divided by
// the success rate. No data scores 0 (try it and measure it); no success at all is
// the worst score.
func speedScore(h Health) float64 {
	if !h.HasData() {
		return 0
	}
	if h.SuccessRate <= 0 {
		return 1e18
	}
	return float64(h.P50) / h.SuccessRate
}

// Delivery is the router's final word on one message.
type Delivery struct {
	Result
	RelayID  int64   // the relay that gave Result (0 if none was tried)
	Channel  Channel // the channel of Result: sms or lms after a fallback
	Attempts int     // provider calls the message took part in
	// Fallback is the AlimTalk result that made the router send the SMS/LMS
	// fallback whose result is Result; nil when there was no fallback.
	Fallback *Result
	// InDoubt says the relay (RelayID) may have taken the message although
	// Result is a RelayFault: see InDoubt.
	InDoubt bool
}

// InDoubt says whether a call that ended with err, or a message answered with
// code, may have been taken by the relay all the same: it did not answer in time
// (CodeTimeout, a gateway's 504 among them), its answer was lost after the
// request went out (CodeNoAnswer), or our side stopped waiting while the call
// was under way (ctxDone). Such a message is not sent elsewhere, which
// could deliver it twice: no relay knows another's message ids, and Aligo has no
// idempotency key at all. It must be looked up at that relay, or sent again to
// that relay alone, which drops a repeated id.
func InDoubt(code string, callErr error, ctxDone bool) bool {
	return code == CodeTimeout || code == CodeNoAnswer || (callErr != nil && ctxDone)
}

// work is one message in flight through Send.
type work struct {
	pos      int
	msg      Message
	order    []Candidate
	next     int
	attempts int
	tried    int // relays called (for MaxAttempts)
	last     int64
	fallback *Result
	inDoubt  bool // ended in doubt at its last relay (InDoubt)
}

type task struct {
	relay Candidate
	items []*work
}

// Send routes msgs and returns one Delivery per message, in the order of msgs.
// Give messages in ascending id order: weighted mode assigns contiguous ranges
// (see Assign), so a re-run of the same chunk routes the same way.
//
// Each message goes to its primary relay (by mode), in provider batches, at most
// Concurrency calls at once, each relay's rate limit respected. A RelayFault moves
// the message to the next relay of the order (until MaxAttempts relays were
// tried); a relay whose circuit is open is skipped. A message in doubt (InDoubt:
// the relay may have taken it) is not moved on: its Delivery says InDoubt, with
// the relay it went to. An AlimTalk RecipientFailed
// with fallback text is sent again as SMS/LMS (FallbackFor) through the relays
// carrying that channel. When ctx ends, messages not yet sent come back as
// RelayFault with CodeNotSent.
func (r *Router) Send(ctx context.Context, mode Mode, cands []Candidate, msgs []Message) []Delivery {
	return r.send(ctx, mode, cands, msgs, nil)
}

// SendTo is Send with every message going to the relay to and no other: a
// message that may already be there (held in doubt) must not reach a second
// relay. A RelayFault from it is final; an AlimTalk's SMS/LMS fallback still
// goes through the relays of cands that carry it.
func (r *Router) SendTo(ctx context.Context, mode Mode, to Candidate, cands []Candidate, msgs []Message) []Delivery {
	return r.send(ctx, mode, cands, msgs, &to)
}

func (r *Router) send(ctx context.Context, mode Mode, cands []Candidate, msgs []Message, to *Candidate) []Delivery {
	out := make([]Delivery, len(msgs))
	orders := map[Channel][]Candidate{}
	orderFor := func(ch Channel) []Candidate {
		o, ok := orders[ch]
		if !ok {
			o = r.Order(mode, ch, cands)
			orders[ch] = o
		}
		return o
	}

	byChannel := map[Channel][]int{}
	var chans []Channel
	for i, m := range msgs {
		if _, ok := byChannel[m.Channel]; !ok {
			chans = append(chans, m.Channel)
		}
		byChannel[m.Channel] = append(byChannel[m.Channel], i)
	}
	var first []*work
	for _, ch := range chans {
		order := orderFor(ch)
		if to != nil {
			order = nil
			if to.Carries(ch) {
				order = []Candidate{*to}
			}
		}
		positions := byChannel[ch]
		if len(order) == 0 {
			for _, p := range positions {
				out[p] = Delivery{Result: Result{MessageID: msgs[p].ID, Outcome: RelayFault, Code: CodeNoRelay,
					Reason: fmt.Sprintf("no relay carries %q messages", ch)}, Channel: ch}
			}
			continue
		}
		if to != nil {
			for _, p := range positions {
				first = append(first, &work{pos: p, msg: msgs[p], order: order})
			}
			continue
		}
		primaries := r.primaries(mode, ch, cands, order, len(positions))
		for k, p := range positions {
			first = append(first, &work{pos: p, msg: msgs[p], order: withFirst(order, primaries[k])})
		}
	}

	var (
		mu     sync.Mutex
		cond   = sync.NewCond(&mu)
		queue  = r.tasks(first)
		active int
		wg     sync.WaitGroup
	)
	finish := func(w *work, res Result, relayID int64) {
		out[w.pos] = Delivery{Result: res, RelayID: relayID, Channel: w.msg.Channel, Attempts: w.attempts, Fallback: w.fallback, InDoubt: w.inDoubt}
	}
	for i := 0; i < r.o.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(queue) == 0 && active > 0 {
					cond.Wait()
				}
				if len(queue) == 0 {
					mu.Unlock()
					cond.Broadcast()
					return
				}
				t := queue[0]
				queue = queue[1:]
				active++
				mu.Unlock()

				more := r.run(ctx, t, finish, orderFor, &mu)

				mu.Lock()
				queue = append(queue, r.tasks(more)...)
				active--
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if r.observer != nil {
		byID := make(map[int64]Candidate, len(cands))
		for _, c := range cands {
			byID[c.ID] = c
		}
		for _, d := range out {
			r.observer.Delivered(byID[d.RelayID], d)
		}
	}
	return out
}

// primaries picks each message's first relay: by Apportion and Assign over the
// positive weights (in the order the candidates were given) in weighted mode, the
// head of the order otherwise. A relay whose circuit is open still gets its share,
// so the assignment does not depend on live state; its messages move on at once.
func (r *Router) primaries(mode Mode, ch Channel, cands, order []Candidate, n int) []Candidate {
	out := make([]Candidate, n)
	if mode == ModeWeighted {
		var weighted []Candidate
		var weights []int
		for _, c := range cands {
			if c.Carries(ch) && c.Weight > 0 {
				weighted = append(weighted, c)
				weights = append(weights, c.Weight)
			}
		}
		if len(weighted) > 0 {
			for k, i := range Assign(Apportion(n, weights)) {
				out[k] = weighted[i]
			}
			return out
		}
	}
	for k := range out {
		out[k] = order[0]
	}
	return out
}

// withFirst is order with c moved to the front.
func withFirst(order []Candidate, c Candidate) []Candidate {
	if order[0].ID == c.ID {
		return order
	}
	out := make([]Candidate, 0, len(order))
	out = append(out, c)
	for _, o := range order {
		if o.ID != c.ID {
			out = append(out, o)
		}
	}
	return out
}

// tasks groups work items by their current relay into provider batches, relays
// interleaved so that concurrent calls spread over relays.
func (r *Router) tasks(items []*work) []task {
	byRelay := map[int64][]*work{}
	var relays []Candidate
	for _, w := range items {
		c := w.order[w.next]
		if _, ok := byRelay[c.ID]; !ok {
			relays = append(relays, c)
		}
		byRelay[c.ID] = append(byRelay[c.ID], w)
	}
	perRelay := make([][]task, len(relays))
	most := 0
	for i, c := range relays {
		ws := byRelay[c.ID]
		for _, idx := range batchIndexes(c.Sender, len(ws), func(k int) Message { return ws[k].msg }) {
			t := task{relay: c, items: make([]*work, len(idx))}
			for k, j := range idx {
				t.items[k] = ws[j]
			}
			perRelay[i] = append(perRelay[i], t)
		}
		most = max(most, len(perRelay[i]))
	}
	var out []task
	for k := 0; k < most; k++ {
		for i := range perRelay {
			if k < len(perRelay[i]) {
				out = append(out, perRelay[i][k])
			}
		}
	}
	return out
}

// run makes one provider call and returns the items that go on to another relay
// (failover) or another channel (fallback).
func (r *Router) run(ctx context.Context, t task, finish func(*work, Result, int64), orderFor func(Channel) []Candidate, mu *sync.Mutex) []*work {
	st := r.state(t.relay)
	var more []*work
	// moveOn sends w to the next relay of its order; tried says whether this relay
	// counts toward MaxAttempts (a relay skipped for its open circuit does not).
	moveOn := func(w *work, res Result, tried bool) {
		w.next++
		if tried {
			w.tried++
		}
		w.last = t.relay.ID
		if ctx.Err() == nil && w.next < len(w.order) && (r.o.MaxAttempts <= 0 || w.tried < r.o.MaxAttempts) {
			more = append(more, w)
			return
		}
		finish(w, res, t.relay.ID)
	}
	if err := ctx.Err(); err != nil {
		for _, w := range t.items {
			finish(w, Result{MessageID: w.msg.ID, Outcome: RelayFault, Code: CodeNotSent, Reason: CodeSentence(CodeNotSent)}, w.last)
		}
		return nil
	}
	ticket, ok := st.breaker.Allow()
	if !ok {
		for _, w := range t.items {
			moveOn(w, Result{MessageID: w.msg.ID, Outcome: RelayFault, Code: CodeCircuitOpen,
				Reason: fmt.Sprintf("relay %q not tried: its circuit breaker is open", t.relay.Name)}, false)
		}
		return more
	}
	msgs := make([]Message, len(t.items))
	for i, w := range t.items {
		msgs[i] = w.msg
	}
	if err := st.limiter.Wait(ctx, len(msgs)); err != nil {
		for _, w := range t.items {
			finish(w, Result{MessageID: w.msg.ID, Outcome: RelayFault, Code: CodeNotSent, Reason: CodeSentence(CodeNotSent)}, w.last)
		}
		return nil
	}
	start := r.o.Now()
	res, err := t.relay.Sender.Send(ctx, msgs)
	latency := r.o.Now().Sub(start)
	if err == nil && len(res) != len(msgs) {
		err = fault(CodeBadAnswer, fmt.Errorf("relay %q answered %d results for %d messages", t.relay.Name, len(res), len(msgs)))
	}
	// Read before the results are: a call our context ended may have reached
	// the relay, whatever the error says.
	ctxDone := ctx.Err() != nil
	if err != nil {
		res = FaultResults(msgs, codeOf(err), err)
		if ctxDone && codeOf(err) == CodeNotSent {
			for i := range res {
				res[i].Reason = "the send was stopped before the relay answered; it may have taken the message"
			}
		}
	}
	callFault := err != nil
	for i := range res {
		if res[i].MessageID != msgs[i].ID {
			res[i] = Result{MessageID: msgs[i].ID, Outcome: RelayFault, Code: CodeBadAnswer, Reason: "the relay answered out of order"}
		}
		if res[i].Outcome == RelayFault || res[i].Outcome == 0 {
			if res[i].Outcome == 0 {
				res[i] = Result{MessageID: msgs[i].ID, Outcome: RelayFault, Code: CodeBadAnswer, Reason: "the relay gave no outcome"}
			}
			callFault = true
		}
	}
	// Our own cancellation says nothing about the relay.
	if ctx.Err() == nil {
		st.breaker.Done(ticket, !callFault)
		st.health.add(callSample{at: r.o.Now(), latency: latency, fault: callFault, messages: len(msgs)})
		if r.observer != nil {
			r.observer.RelayCall(t.relay, latency, callFault)
		}
	}
	if callFault {
		r.o.Logger.WarnContext(ctx, "relay call failed", "relay_id", t.relay.ID, "relay", t.relay.Name,
			"messages", len(msgs), "error_code", codeOf(err), "error", errString(err))
	}
	for i, w := range t.items {
		w.attempts++
		rr := res[i]
		switch {
		case rr.Outcome == RelayFault && InDoubt(rr.Code, err, ctxDone):
			w.tried++
			w.inDoubt = true
			finish(w, rr, t.relay.ID)
		case rr.Outcome == RelayFault:
			moveOn(w, rr, true)
		case rr.Outcome == RecipientFailed && w.fallback == nil:
			fb, ok := FallbackFor(w.msg, rr)
			if !ok {
				finish(w, rr, t.relay.ID)
				continue
			}
			order := r.fallbackOrder(fb.Channel, orderFor, mu)
			if len(order) == 0 {
				rr.Reason += fmt.Sprintf(" (no relay carries the %s fallback)", fb.Channel)
				finish(w, rr, t.relay.ID)
				continue
			}
			first := rr
			more = append(more, &work{pos: w.pos, msg: fb, order: order, attempts: w.attempts, fallback: &first, last: t.relay.ID})
		default:
			finish(w, rr, t.relay.ID)
		}
	}
	return more
}

// fallbackOrder reads the shared order cache under the scheduler's lock.
func (r *Router) fallbackOrder(ch Channel, orderFor func(Channel) []Candidate, mu *sync.Mutex) []Candidate {
	mu.Lock()
	defer mu.Unlock()
	return orderFor(ch)
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
