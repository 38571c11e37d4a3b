// Package sim is the relay simulator: an HTTP server that speaks the Aligo AlimTalk,
// Aligo SMS and generic relay dialects (see the relay package), with configurable
// latency, relay faults, per-recipient failures and delayed delivery reports, and
// that counts everything it receives — duplicates included — so that tests and
// benchmarks can prove that no message was delivered twice.
//
// Paths (every relay name has its own counters; names are 1–64 of [A-Za-z0-9._-]):
//
//	generic      POST /r/{name}/send, GET /r/{name}/reports?since=&limit=, POST /r/{name}/lookup
//	AlimTalk     POST [/r/{name}]/akv10/alimtalk/send/, /akv10/history/list/, /akv10/history/detail/, /akv10/heartinfo/
//	SMS          POST [/r/{name}]/send/, /send_mass/, /list/, /sms_list/, /remain/
//	control      GET /stats, POST /reset, GET|POST /control, GET /healthz
//
// Without the /r/{name} prefix the Aligo paths count under "aligo-alimtalk" and
// "aligo-sms". The generic dialect honours idempotency: a message id a relay has
// seen is answered with its original result and not delivered again. The Aligo
// dialects carry no id, so every message they receive counts as unique.
package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// Duration is a time.Duration written in JSON as "20ms" (numbers are milliseconds).
type Duration time.Duration

// MarshalJSON writes d as a Go duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "20ms", "1.5s" or a number of milliseconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return err
		}
		*d = Duration(v)
		return nil
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("want a duration such as \"20ms\" or a number of milliseconds")
	}
	*d = Duration(ms * float64(time.Millisecond))
	return nil
}

// Settings are the simulated behaviour of a relay.
type Settings struct {
	// Latency is added to every request: fixed plus uniform jitter in
	// [-Jitter, +Jitter], or, with Distribution "normal", normally distributed with
	// mean Latency and standard deviation Jitter. Never negative.
	Latency      Duration `json:"latency"`
	Jitter       Duration `json:"jitter"`
	Distribution string   `json:"distribution"` // "uniform" (default) or "normal"
	// FaultRate is the share of requests answered with HTTP 503 (nothing accepted).
	FaultRate float64 `json:"fault_rate"`
	// RecipientFailRate is the share of messages that fail for their recipient:
	// answered "failed" at once in the generic dialect ("not_kakao_user" for
	// AlimTalk, "invalid_number" for SMS/LMS, "invalid_address" for e-mail), and
	// failed in the delivery report in the Aligo dialects (Kakao result 3019,
	// SMS state 결번), which answer per request only.
	RecipientFailRate float64 `json:"recipient_fail_rate"`
	// ReportFailRate is the share of accepted messages whose delivery report says
	// failed ("blocked" / 3018 for AlimTalk, "undeliverable" / 발송실패 otherwise).
	ReportFailRate float64 `json:"report_fail_rate"`
	// ReportDelay is how long after acceptance a message's report becomes final.
	ReportDelay Duration `json:"report_delay"`
	// AnswerDelay is how long the answer to a send takes after its messages were
	// taken: a client that gives up meanwhile has sent them all the same (a
	// relay that answers too late).
	AnswerDelay Duration `json:"answer_delay"`
	// NoLookup makes the generic dialect answer /lookup with 404, as a relay
	// without it does.
	NoLookup bool `json:"no_lookup"`
}

func (s Settings) validate() error {
	for name, v := range map[string]float64{"fault_rate": s.FaultRate, "recipient_fail_rate": s.RecipientFailRate, "report_fail_rate": s.ReportFailRate} {
		if v < 0 || v > 1 || math.IsNaN(v) {
			return fmt.Errorf("%s must be between 0 and 1", name)
		}
	}
	if s.Latency < 0 || s.Jitter < 0 || s.ReportDelay < 0 || s.AnswerDelay < 0 {
		return errors.New("latency, jitter, report_delay and answer_delay must not be negative")
	}
	if s.Distribution != "" && s.Distribution != "uniform" && s.Distribution != "normal" {
		return errors.New(`distribution must be "uniform" or "normal"`)
	}
	return nil
}

// Options configure a Simulator.
type Options struct {
	Settings // defaults for every relay
	// Seed makes the per-message decisions (which recipients fail) reproducible.
	Seed uint64
	// Token, when set, is required as "Authorization: Bearer <token>" by the generic
	// dialect. AligoKey, when set, is the only apikey/key the Aligo dialects accept.
	Token    string
	AligoKey string
	// MaxBatch is the most messages one request may carry (1,000).
	MaxBatch int
	Now      func() time.Time
	Logger   *slog.Logger
}

// Simulator is the relay simulator. Create it with New.
type Simulator struct {
	o     Options
	epoch time.Time

	mu        sync.RWMutex // guards settings, overrides, relays, byName
	defaults  Settings
	overrides map[string]Settings
	relays    []*endpoint
	byName    map[string]*endpoint

	// resetMu is held (read) by every dialect request and (write) by Reset, so a
	// reset never sees half a request.
	resetMu sync.RWMutex
	store   store
	aligo   aligoStore
	reqSeq  atomic.Uint64
	handler http.Handler

	srvMu sync.Mutex
	srv   *http.Server
}

// New returns a simulator with empty counters.
func New(o Options) *Simulator {
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Simulator{o: o, epoch: o.Now(), defaults: o.Settings, overrides: map[string]Settings{}, byName: map[string]*endpoint{}}
	s.store.init()
	s.handler = s.routes()
	return s
}

// Handler serves the simulator's HTTP API.
func (s *Simulator) Handler() http.Handler { return s.handler }

// Start listens on addr ("127.0.0.1:0" picks a port) and serves in the background.
// It returns the base URL, e.g. "http://127.0.0.1:41234". Stop with Close.
func (s *Simulator) Start(addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("relay simulator: listen on %s: %w", addr, err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.srvMu.Lock()
	s.srv = srv
	s.srvMu.Unlock()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.o.Logger.Error("relay simulator stopped", "error", err)
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops a server started with Start, letting requests in flight finish for
// up to five seconds.
func (s *Simulator) Close() error {
	s.srvMu.Lock()
	srv := s.srv
	s.srv = nil
	s.srvMu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

// Run serves on addr until ctx ends. ready, if not nil, is called with the base URL
// once the simulator listens.
func (s *Simulator) Run(ctx context.Context, addr string, ready func(baseURL string)) error {
	base, err := s.Start(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(base)
	}
	<-ctx.Done()
	return s.Close()
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// endpoint is one simulated relay's counters and report log.
type endpoint struct {
	name    string
	idx     uint16
	dialect string

	received, unique, duplicates, faulted, requests, failed atomic.Int64

	mu  sync.Mutex
	log []logEntry // generic dialect, in acceptance order
}

// relayNamed returns (creating) the relay called name.
func (s *Simulator) relayNamed(name, dialect string) (*endpoint, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("relay name %q: use 1 to 64 letters, digits, dots, dashes or underscores", name)
	}
	s.mu.RLock()
	r := s.byName[name]
	s.mu.RUnlock()
	if r != nil {
		return r, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if r = s.byName[name]; r != nil {
		return r, nil
	}
	if len(s.relays) >= math.MaxUint16 {
		return nil, errors.New("too many relay names")
	}
	r = &endpoint{name: name, idx: uint16(len(s.relays)), dialect: dialect}
	s.relays = append(s.relays, r)
	s.byName[name] = r
	return r, nil
}

// settings returns the effective settings of relay name.
func (s *Simulator) settings(name string) Settings {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if o, ok := s.overrides[name]; ok {
		return o
	}
	return s.defaults
}

// rng returns a generator for one request's random choices (latency, faults).
func (s *Simulator) rng() *rand.Rand {
	n := s.reqSeq.Add(1)
	return rand.New(rand.NewPCG(s.o.Seed, n))
}

// answerLate waits st.AnswerDelay before a send that took its messages answers;
// it returns false if the client went away meanwhile (the messages stay taken).
func answerLate(ctx context.Context, st Settings) bool {
	return sleep(ctx, time.Duration(st.AnswerDelay))
}

// sleep waits d; it returns false if ctx ends first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// delay sleeps the simulated latency; it returns false if the request went away.
func (s *Simulator) delay(ctx context.Context, st Settings, rng *rand.Rand) bool {
	d := float64(st.Latency)
	switch {
	case st.Jitter == 0:
	case st.Distribution == "normal":
		d += rng.NormFloat64() * float64(st.Jitter)
	default:
		d += (rng.Float64()*2 - 1) * float64(st.Jitter)
	}
	return sleep(ctx, time.Duration(d))
}

// now in milliseconds since the simulator started: report times fit in 32 bits
// for 49 days, which keeps the per-message log small.
func (s *Simulator) nowMs() uint32 {
	ms := s.o.Now().Sub(s.epoch).Milliseconds()
	if ms < 0 {
		return 0
	}
	return uint32(min(ms, math.MaxUint32))
}

func (s *Simulator) timeOf(ms uint32) time.Time {
	return s.epoch.Add(time.Duration(ms) * time.Millisecond)
}

// unit returns a reproducible number in [0, 1) for (seed, salt, key): the same
// message meets the same fate however often it is sent.
func (s *Simulator) unit(salt, key uint64) float64 {
	x := s.o.Seed ^ salt*0x9e3779b97f4a7c15 ^ key
	// splitmix64
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return float64(x>>11) / (1 << 53)
}

// RelayStats are one relay's counters.
type RelayStats struct {
	Dialect string `json:"dialect"`
	// Received counts every message of every request that was not answered with a
	// simulated fault; Unique the distinct message ids among them; Duplicates the
	// repeats, answered with the original result and not delivered again.
	Received   int64 `json:"received"`
	Unique     int64 `json:"unique"`
	Duplicates int64 `json:"duplicates"`
	// Faulted counts messages in requests answered 503; Failed the messages failed
	// for their recipient at once; Requests every request.
	Faulted  int64 `json:"faulted"`
	Failed   int64 `json:"recipient_failed"`
	Requests int64 `json:"requests"`
}

// Stats are the simulator's counters (GET /stats).
type Stats struct {
	Received int64 `json:"received"`
	// Unique counts distinct message ids across all relays; Duplicates is
	// Received − Unique: every repeat, whatever relay it reached.
	Unique     int64 `json:"unique"`
	Duplicates int64 `json:"duplicates"`
	// Redelivered counts repeats that reached a relay which had not seen the id:
	// the same message delivered twice, through two relays. It should stay 0.
	Redelivered int64                 `json:"redelivered"`
	Faulted     int64                 `json:"faulted"`
	Failed      int64                 `json:"recipient_failed"`
	Requests    int64                 `json:"requests"`
	Relays      map[string]RelayStats `json:"relays"`
}

// Stats returns the counters now.
func (s *Simulator) Stats() Stats {
	s.mu.RLock()
	relays := append([]*endpoint(nil), s.relays...)
	s.mu.RUnlock()
	st := Stats{Relays: make(map[string]RelayStats, len(relays))}
	for _, r := range relays {
		rs := RelayStats{
			Dialect: r.dialect, Received: r.received.Load(), Unique: r.unique.Load(), Duplicates: r.duplicates.Load(),
			Faulted: r.faulted.Load(), Failed: r.failed.Load(), Requests: r.requests.Load(),
		}
		st.Relays[r.name] = rs
		st.Received += rs.Received
		st.Faulted += rs.Faulted
		st.Failed += rs.Failed
		st.Requests += rs.Requests
	}
	st.Unique = s.store.unique.Load() + s.aligo.received.Load()
	st.Redelivered = s.store.redelivered.Load()
	st.Duplicates = st.Received - st.Unique
	return st
}

// Reset forgets every message, counter and per-relay override.
func (s *Simulator) Reset() {
	s.resetMu.Lock()
	defer s.resetMu.Unlock()
	s.mu.Lock()
	s.relays = nil
	s.byName = map[string]*endpoint{}
	s.overrides = map[string]Settings{}
	s.defaults = s.o.Settings
	s.mu.Unlock()
	s.store.init()
	s.aligo.reset()
}

// Patch changes some settings; nil fields stay as they are.
type Patch struct {
	// Relay names the relay to change; empty changes the defaults of every relay
	// without an override of its own.
	Relay             string    `json:"relay,omitempty"`
	Clear             bool      `json:"clear,omitempty"` // drop Relay's override
	Latency           *Duration `json:"latency,omitempty"`
	Jitter            *Duration `json:"jitter,omitempty"`
	Distribution      *string   `json:"distribution,omitempty"`
	FaultRate         *float64  `json:"fault_rate,omitempty"`
	RecipientFailRate *float64  `json:"recipient_fail_rate,omitempty"`
	ReportFailRate    *float64  `json:"report_fail_rate,omitempty"`
	ReportDelay       *Duration `json:"report_delay,omitempty"`
	AnswerDelay       *Duration `json:"answer_delay,omitempty"`
	NoLookup          *bool     `json:"no_lookup,omitempty"`
}

// setIf sets *dst to *v when v is given.
func setIf[T any](dst, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Control applies p (POST /control): an outage is {"relay":"a","fault_rate":1},
// the recovery {"relay":"a","clear":true}.
func (s *Simulator) Control(p Patch) error {
	if p.Relay != "" && !nameRE.MatchString(p.Relay) {
		return fmt.Errorf("relay name %q is not valid", p.Relay)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Clear {
		delete(s.overrides, p.Relay)
		return nil
	}
	cur := s.defaults
	if o, ok := s.overrides[p.Relay]; ok && p.Relay != "" {
		cur = o
	}
	setIf(&cur.Latency, p.Latency)
	setIf(&cur.Jitter, p.Jitter)
	setIf(&cur.ReportDelay, p.ReportDelay)
	setIf(&cur.AnswerDelay, p.AnswerDelay)
	setIf(&cur.NoLookup, p.NoLookup)
	setIf(&cur.FaultRate, p.FaultRate)
	setIf(&cur.RecipientFailRate, p.RecipientFailRate)
	setIf(&cur.ReportFailRate, p.ReportFailRate)
	setIf(&cur.Distribution, p.Distribution)
	if err := cur.validate(); err != nil {
		return err
	}
	if p.Relay == "" {
		s.defaults = cur
	} else {
		s.overrides[p.Relay] = cur
	}
	return nil
}

// ControlState is the answer of GET /control.
type ControlState struct {
	Defaults Settings            `json:"defaults"`
	Relays   map[string]Settings `json:"relays"`
}

func (s *Simulator) controlState() ControlState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	cs := ControlState{Defaults: s.defaults, Relays: map[string]Settings{}}
	for k, v := range s.overrides {
		cs.Relays[k] = v
	}
	return cs
}

func (s *Simulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, map[string]string{"status": "ok"}) })
	mux.HandleFunc("GET /stats", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, s.Stats()) })
	mux.HandleFunc("POST /reset", func(w http.ResponseWriter, _ *http.Request) {
		s.Reset()
		writeJSON(w, 200, map[string]string{"status": "reset"})
	})
	mux.HandleFunc("GET /control", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, 200, s.controlState()) })
	mux.HandleFunc("POST /control", func(w http.ResponseWriter, r *http.Request) {
		var p Patch
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			writeJSON(w, 400, problem{"bad_request", "read control patch: " + err.Error()})
			return
		}
		if err := s.Control(p); err != nil {
			writeJSON(w, 422, problem{"bad_request", err.Error()})
			return
		}
		writeJSON(w, 200, s.controlState())
	})

	named := func(dialect, fixed string, h func(http.ResponseWriter, *http.Request, *endpoint)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			s.resetMu.RLock()
			defer s.resetMu.RUnlock()
			name := fixed
			if name == "" {
				name = r.PathValue("name")
			}
			rl, err := s.relayNamed(name, dialect)
			if err != nil {
				writeJSON(w, 404, problem{"not_found", err.Error()})
				return
			}
			h(w, r, rl)
		}
	}
	mux.HandleFunc("POST /r/{name}/send", named("generic", "", s.genericSend))
	mux.HandleFunc("GET /r/{name}/reports", named("generic", "", s.genericReports))
	mux.HandleFunc("POST /r/{name}/lookup", named("generic", "", s.genericLookup))
	for _, prefix := range []string{"", "/r/{name}"} {
		at, sms := "", ""
		if prefix == "" {
			at, sms = "aligo-alimtalk", "aligo-sms"
		}
		mux.HandleFunc("POST "+prefix+"/akv10/alimtalk/send/{$}", named("aligo-alimtalk", at, s.alimtalkSend))
		mux.HandleFunc("POST "+prefix+"/akv10/history/list/{$}", named("aligo-alimtalk", at, s.alimtalkList))
		mux.HandleFunc("POST "+prefix+"/akv10/history/detail/{$}", named("aligo-alimtalk", at, s.alimtalkDetail))
		mux.HandleFunc("POST "+prefix+"/akv10/heartinfo/{$}", named("aligo-alimtalk", at, s.alimtalkHeart))
		mux.HandleFunc("POST "+prefix+"/akv10/token/create/{time}/{unit}/{$}", named("aligo-alimtalk", at, s.alimtalkToken))
		mux.HandleFunc("POST "+prefix+"/akv10/template/list/{$}", named("aligo-alimtalk", at, s.alimtalkTemplates))
		mux.HandleFunc("POST "+prefix+"/send/{$}", named("aligo-sms", sms, s.smsSend))
		mux.HandleFunc("POST "+prefix+"/send_mass/{$}", named("aligo-sms", sms, s.smsSendMass))
		mux.HandleFunc("POST "+prefix+"/list/{$}", named("aligo-sms", sms, s.smsList))
		mux.HandleFunc("POST "+prefix+"/sms_list/{$}", named("aligo-sms", sms, s.smsDetail))
		mux.HandleFunc("POST "+prefix+"/remain/{$}", named("aligo-sms", sms, s.smsRemain))
	}
	return mux
}

type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
