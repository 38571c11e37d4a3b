package relay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// fakeRelay is a Sender whose behaviour a test sets per call.
type fakeRelay struct {
	name string
	max  int
	mu   sync.Mutex
	got  []Message
	// calls counts Send calls.
	calls int
	// fail, when set, fails whole calls.
	fail func() error
	// answer, when set, answers per message (default: Accepted).
	answer func(m Message) Result
	delay  time.Duration
}

func (f *fakeRelay) MaxBatch() int {
	if f.max == 0 {
		return 500
	}
	return f.max
}

func (f *fakeRelay) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	f.mu.Lock()
	f.calls++
	fail := f.fail
	f.mu.Unlock()
	if f.delay > 0 {
		time.Sleep(f.delay)
	}
	if fail != nil {
		if err := fail(); err != nil {
			return nil, err
		}
	}
	f.mu.Lock()
	f.got = append(f.got, msgs...)
	f.mu.Unlock()
	out := make([]Result, len(msgs))
	for i, m := range msgs {
		if f.answer != nil {
			out[i] = f.answer(m)
			continue
		}
		out[i] = Result{MessageID: m.ID, Outcome: Accepted, ProviderID: f.name + "-" + m.IdempotencyKey()}
	}
	return out, nil
}

func (f *fakeRelay) received() []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Message(nil), f.got...)
}

func (f *fakeRelay) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

func cand(id int64, s *fakeRelay, weight int, price int64, chans ...Channel) Candidate {
	if len(chans) == 0 {
		chans = []Channel{ChannelAlimTalk}
	}
	return Candidate{ID: id, Name: s.name, Channels: chans, Weight: weight, Price: price, Sender: s}
}

func byRelay(ds []Delivery) map[int64]int {
	out := map[int64]int{}
	for _, d := range ds {
		out[d.RelayID]++
	}
	return out
}

func TestRouterWeighted70_30(t *testing.T) {
	a, b, c := &fakeRelay{name: "a"}, &fakeRelay{name: "b"}, &fakeRelay{name: "c"}
	r := NewRouter(RouterOptions{})
	cands := []Candidate{cand(1, a, 70, 9), cand(2, b, 30, 9), cand(3, c, 0, 1)}
	msgs := messages(0, 1001)
	ds := r.Send(context.Background(), ModeWeighted, cands, msgs)
	got := byRelay(ds)
	if got[1] != 701 || got[2] != 300 || got[3] != 0 {
		t.Fatalf("split %v, want 701/300/0", got)
	}
	if len(a.received()) != 701 || len(b.received()) != 300 || len(c.received()) != 0 {
		t.Errorf("relays received %d/%d/%d", len(a.received()), len(b.received()), len(c.received()))
	}
	for i, d := range ds {
		if d.MessageID != msgs[i].ID || d.Outcome != Accepted || d.Attempts != 1 || d.Channel != ChannelAlimTalk {
			t.Fatalf("delivery %d = %+v", i, d)
		}
		// Contiguous: the first 701 ids to a, the rest to b.
		if want := int64(1); i >= 701 {
			want = 2
			if d.RelayID != want {
				t.Fatalf("message %d went to %d", d.MessageID, d.RelayID)
			}
		} else if d.RelayID != want {
			t.Fatalf("message %d went to %d", d.MessageID, d.RelayID)
		}
	}
	// a's 701 go out as 500 + 201.
	if a.callCount() != 2 || b.callCount() != 1 {
		t.Errorf("calls a=%d b=%d", a.callCount(), b.callCount())
	}
	// Re-running the chunk routes it the same way.
	again := r.Send(context.Background(), ModeWeighted, cands, msgs)
	for i := range ds {
		if ds[i].RelayID != again[i].RelayID {
			t.Fatalf("message %d moved from %d to %d", ds[i].MessageID, ds[i].RelayID, again[i].RelayID)
		}
	}
}

func TestRouterFailsOverAndOpensTheBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The breaker reads the wall clock: the bubble's, which sleeps move.
		a := &fakeRelay{name: "a", fail: func() error { return fault(CodeServerError, errors.New("HTTP 503")) }}
		b := &fakeRelay{name: "b"}
		r := NewRouter(RouterOptions{Concurrency: 1, Breaker: BreakerOptions{Failures: 2, Cooldown: 30 * time.Second}})
		cands := []Candidate{cand(1, a, 50, 1), cand(2, b, 50, 1)}
		msgs := messages(0, 2000) // a's share is 1,000: two batches of 500
		ds := r.Send(context.Background(), ModeWeighted, cands, msgs)
		for _, d := range ds {
			if d.RelayID != 2 || d.Outcome != Accepted {
				t.Fatalf("delivery %+v", d)
			}
		}
		if len(b.received()) != 2000 {
			t.Errorf("b received %d", len(b.received()))
		}
		if h := r.Health(1); h.Breaker.State != Open || h.Faults != 2 {
			t.Fatalf("a's health %+v", h)
		}
		// With the circuit open, a's share goes straight to b: a is not called.
		before := a.callCount()
		ds = r.Send(context.Background(), ModeWeighted, cands, messages(2000, 1000))
		if a.callCount() != before {
			t.Errorf("a was called %d times with its circuit open", a.callCount()-before)
		}
		for _, d := range ds {
			if d.RelayID != 2 || d.Outcome != Accepted {
				t.Fatalf("delivery %+v", d)
			}
		}
		// After the cool-down, one probe; a has recovered, so the circuit closes and a
		// gets its share again.
		a.mu.Lock()
		a.fail = nil
		a.mu.Unlock()
		time.Sleep(30 * time.Second)
		ds = r.Send(context.Background(), ModeWeighted, cands, messages(3000, 1000))
		if got := byRelay(ds); got[1] != 500 || got[2] != 500 {
			t.Errorf("after recovery %v", got)
		}
		if st := r.Health(1).Breaker.State; st != Closed {
			t.Errorf("a's circuit is %v", st)
		}
	})
}

func TestRouterFailoverKeepsRecipientFailures(t *testing.T) {
	// A recipient failure is final for the relay: never retried elsewhere.
	a := &fakeRelay{name: "a", answer: func(m Message) Result {
		if m.ID%2 == 0 {
			return Result{MessageID: m.ID, Outcome: RecipientFailed, Code: CodeBlocked}
		}
		return Result{MessageID: m.ID, Outcome: RelayFault, Code: CodeServerError}
	}}
	b := &fakeRelay{name: "b"}
	r := NewRouter(RouterOptions{})
	ds := r.Send(context.Background(), ModeCheapest, []Candidate{cand(1, a, 1, 1), cand(2, b, 1, 2)}, messages(0, 10))
	for _, d := range ds {
		switch {
		case d.MessageID%2 == 0 && (d.Outcome != RecipientFailed || d.RelayID != 1 || d.Attempts != 1):
			t.Errorf("even %+v", d)
		case d.MessageID%2 == 1 && (d.Outcome != Accepted || d.RelayID != 2 || d.Attempts != 2):
			t.Errorf("odd %+v", d)
		}
	}
	if len(b.received()) != 5 {
		t.Errorf("b received %d", len(b.received()))
	}
}

func TestRouterMaxAttemptsAndExhaustion(t *testing.T) {
	down := func() error { return fault(CodeUnreachable, errors.New("connection refused")) }
	a, b, c := &fakeRelay{name: "a", fail: down}, &fakeRelay{name: "b", fail: down}, &fakeRelay{name: "c", fail: down}
	r := NewRouter(RouterOptions{MaxAttempts: 2})
	ds := r.Send(context.Background(), ModeCheapest, []Candidate{cand(1, a, 1, 1), cand(2, b, 1, 2), cand(3, c, 1, 3)}, messages(0, 3))
	for _, d := range ds {
		if d.Outcome != RelayFault || d.Code != CodeUnreachable || d.RelayID != 2 || d.Attempts != 2 || d.InDoubt {
			t.Errorf("%+v", d)
		}
	}
	if c.callCount() != 0 {
		t.Error("a third relay was tried")
	}

	// A relay skipped for its open circuit does not use up an attempt.
	clock := newClock()
	r = NewRouter(RouterOptions{Now: clock.Now, MaxAttempts: 1, Breaker: BreakerOptions{Failures: 1}})
	broken, fine := &fakeRelay{name: "broken", fail: down}, &fakeRelay{name: "fine"}
	// Weighted: broken is the primary (fine is a zero-weight standby), so the
	// second message meets broken's open circuit first.
	cands := []Candidate{cand(1, broken, 1, 1), cand(2, fine, 0, 2)}
	r.Send(context.Background(), ModeWeighted, cands, messages(0, 1)) // opens broken's circuit
	ds = r.Send(context.Background(), ModeWeighted, cands, messages(1, 1))
	if ds[0].Outcome != Accepted || ds[0].RelayID != 2 || ds[0].Attempts != 1 {
		t.Errorf("after the skip: %+v", ds[0])
	}
}

// A relay that did not answer in time may have taken the messages: they are
// not sent to another relay, which would deliver them a second time, but come
// back in doubt with the relay they went to. So do the messages of a call under
// way when the send is stopped. A relay that refused the connection took
// nothing: its messages move on.
func TestRouterKeepsMessagesInDoubtAtTheirRelay(t *testing.T) {
	standby := &fakeRelay{name: "standby"}
	check := func(what string, ds []Delivery, relayID int64, code string) {
		t.Helper()
		for _, d := range ds {
			if d.Outcome != RelayFault || d.Code != code || d.RelayID != relayID || !d.InDoubt || d.Attempts != 1 {
				t.Fatalf("%s: %+v, want a %s fault in doubt at relay %d", what, d, code, relayID)
			}
		}
		if n := len(standby.received()); n != 0 {
			t.Fatalf("%s: the standby relay received %d messages", what, n)
		}
	}
	r := NewRouter(RouterOptions{})
	slow := &fakeRelay{name: "slow", fail: func() error { return fault(CodeTimeout, errors.New("no answer within 30s")) }}
	check("timed out", r.Send(context.Background(), ModeWeighted, []Candidate{cand(1, slow, 1, 1), cand(9, standby, 0, 1)}, messages(0, 10)),
		1, CodeTimeout)

	gateway := &fakeRelay{name: "gateway", answer: func(m Message) Result {
		return Result{MessageID: m.ID, Outcome: RelayFault, Code: CodeTimeout, Reason: "504 from the provider's gateway"}
	}}
	check("answered timeout", r.Send(context.Background(), ModeCheapest, []Candidate{cand(2, gateway, 1, 1), cand(9, standby, 1, 2)}, messages(10, 5)),
		2, CodeTimeout)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopping := &fakeRelay{name: "stopping", fail: func() error { cancel(); return context.Canceled }}
	check("stopped mid-call", r.Send(ctx, ModeWeighted, []Candidate{cand(3, stopping, 1, 1), cand(9, standby, 0, 1)}, messages(20, 5)),
		3, CodeNotSent)

	down := &fakeRelay{name: "down", fail: func() error { return fault(CodeUnreachable, errors.New("connection refused")) }}
	for _, d := range r.Send(context.Background(), ModeWeighted, []Candidate{cand(4, down, 1, 1), cand(9, standby, 0, 1)}, messages(30, 5)) {
		if d.Outcome != Accepted || d.RelayID != 9 || d.InDoubt {
			t.Fatalf("refused: %+v, want it accepted by the standby relay", d)
		}
	}
}

func TestRouterCheapest(t *testing.T) {
	a, b, c := &fakeRelay{name: "a"}, &fakeRelay{name: "b"}, &fakeRelay{name: "c"}
	r := NewRouter(RouterOptions{})
	// b and c cost the same; c has the larger weight.
	cands := []Candidate{cand(1, a, 10, 10), cand(2, b, 1, 8), cand(3, c, 5, 8)}
	ds := r.Send(context.Background(), ModeCheapest, cands, messages(0, 1200))
	if got := byRelay(ds); got[3] != 1200 {
		t.Errorf("cheapest split %v, want all on c", got)
	}
	order := r.Order(ModeCheapest, ChannelAlimTalk, cands)
	if order[0].ID != 3 || order[1].ID != 2 || order[2].ID != 1 {
		t.Errorf("order %v %v %v", order[0].ID, order[1].ID, order[2].ID)
	}
}

func TestRouterFastest(t *testing.T) {
	clock := newClock()
	a, b, c := &fakeRelay{name: "a"}, &fakeRelay{name: "b"}, &fakeRelay{name: "c"}
	r := NewRouter(RouterOptions{Now: clock.Now})
	for i := 0; i < 20; i++ {
		r.Observe(1, 100*time.Millisecond, false, 500) // slow, reliable
		r.Observe(2, 20*time.Millisecond, false, 500)  // fast, reliable
		r.Observe(3, 10*time.Millisecond, i%4 != 0, 500)
	}
	// c is the quickest when it answers, but fails three calls in four: 10 ms / 0.25.
	cands := []Candidate{cand(1, a, 1, 1), cand(2, b, 1, 9), cand(3, c, 1, 1)}
	ds := r.Send(context.Background(), ModeFastest, cands, messages(0, 100))
	if got := byRelay(ds); got[2] != 100 {
		t.Errorf("fastest split %v, want all on b", got)
	}
	order := r.Order(ModeFastest, ChannelAlimTalk, cands)
	if order[0].ID != 2 || order[1].ID != 3 || order[2].ID != 1 {
		t.Errorf("order %d %d %d", order[0].ID, order[1].ID, order[2].ID)
	}
	// A relay without recent calls goes first, to be measured.
	d := &fakeRelay{name: "d"}
	cands = append(cands, cand(4, d, 1, 1))
	if order := r.Order(ModeFastest, ChannelAlimTalk, cands); order[0].ID != 4 {
		t.Errorf("unmeasured relay is not first: %d", order[0].ID)
	}
	// Old samples leave the window.
	clock.Advance(2 * time.Minute)
	if h := r.Health(2); h.HasData() {
		t.Errorf("health after the window: %+v", h)
	}
}

func TestRouterFallsBackToSMS(t *testing.T) {
	alim := &fakeRelay{name: "alim", answer: func(m Message) Result {
		if m.ID%2 == 1 {
			return Result{MessageID: m.ID, Outcome: RecipientFailed, Code: CodeNotKakaoUser, Reason: "3019"}
		}
		return Result{MessageID: m.ID, Outcome: Accepted}
	}}
	sms := &fakeRelay{name: "sms"}
	r := NewRouter(RouterOptions{})
	msgs := messages(0, 6)
	for i := range msgs {
		msgs[i].Fallback = &Fallback{Body: "[샵] 주문 접수"}
	}
	msgs[4].Fallback = nil // no fallback text: stays failed
	cands := []Candidate{cand(1, alim, 1, 7), cand(2, sms, 1, 9, ChannelSMS, ChannelLMS)}
	ds := r.Send(context.Background(), ModeWeighted, cands, msgs)
	for _, d := range ds {
		switch {
		case d.MessageID == 5:
			if d.Outcome != RecipientFailed || d.Fallback != nil || d.RelayID != 1 {
				t.Errorf("no-fallback message: %+v", d)
			}
		case d.MessageID%2 == 1:
			if d.Outcome != Accepted || d.Channel != ChannelSMS || d.RelayID != 2 || d.Fallback == nil ||
				d.Fallback.Code != CodeNotKakaoUser || d.Attempts != 2 {
				t.Errorf("fallback message: %+v", d)
			}
		default:
			if d.Outcome != Accepted || d.Channel != ChannelAlimTalk || d.RelayID != 1 || d.Fallback != nil {
				t.Errorf("alimtalk message: %+v", d)
			}
		}
	}
	got := sms.received()
	if len(got) != 2 {
		t.Fatalf("sms relay got %d", len(got))
	}
	for _, m := range got {
		if m.Key != fmt.Sprintf("%d-sms", m.ID) || m.Channel != ChannelSMS || m.Body != "[샵] 주문 접수" {
			t.Errorf("fallback message %+v", m)
		}
	}

	// Without an SMS relay the failure stays, saying why.
	ds = r.Send(context.Background(), ModeWeighted, cands[:1], msgs[:1])
	if ds[0].Outcome != RecipientFailed || !strings.Contains(ds[0].Reason, "no relay carries the sms fallback") {
		t.Errorf("%+v", ds[0])
	}
}

// SendTo sends every message to the one relay it names, however the mode
// would route them, and a fault there is final (no second relay); an
// AlimTalk's SMS fallback still goes through the relays that carry SMS.
func TestRouterSendToKeepsMessagesAtTheirRelay(t *testing.T) {
	pinned := &fakeRelay{name: "pinned", answer: func(m Message) Result {
		switch m.ID % 3 {
		case 0:
			return Result{MessageID: m.ID, Outcome: RecipientFailed, Code: CodeNotKakaoUser}
		case 1:
			return Result{MessageID: m.ID, Outcome: RelayFault, Code: CodeServerError}
		}
		return Result{MessageID: m.ID, Outcome: Accepted}
	}}
	other, sms := &fakeRelay{name: "other"}, &fakeRelay{name: "sms"}
	r := NewRouter(RouterOptions{})
	// The weights would send nearly everything to "other".
	cands := []Candidate{cand(1, pinned, 1, 1), cand(2, other, 99, 1), cand(3, sms, 1, 1, ChannelSMS)}
	msgs := messages(0, 9)
	for i := range msgs {
		msgs[i].Fallback = &Fallback{Body: "[샵] 안내"}
	}
	for _, d := range r.SendTo(context.Background(), ModeWeighted, cands[0], cands, msgs) {
		switch d.MessageID % 3 {
		case 0:
			if d.Outcome != Accepted || d.RelayID != 3 || d.Fallback == nil {
				t.Errorf("not a KakaoTalk user: %+v, want its SMS fallback through relay 3", d)
			}
		case 1:
			if d.Outcome != RelayFault || d.RelayID != 1 || d.Attempts != 1 {
				t.Errorf("faulted: %+v, want the fault of relay 1 and no other relay tried", d)
			}
		default:
			if d.Outcome != Accepted || d.RelayID != 1 {
				t.Errorf("accepted: %+v, want relay 1", d)
			}
		}
	}
	if n := len(other.received()); n != 0 {
		t.Errorf("the other relay received %d messages", n)
	}
}

func TestRouterNoRelayAndCancel(t *testing.T) {
	r := NewRouter(RouterOptions{})
	a := &fakeRelay{name: "a"}
	ds := r.Send(context.Background(), ModeWeighted, []Candidate{cand(1, a, 1, 1)}, smsMessages(0, 2, ChannelSMS))
	if ds[0].Code != CodeNoRelay || ds[1].Outcome != RelayFault {
		t.Errorf("%+v", ds)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ds = r.Send(ctx, ModeWeighted, []Candidate{cand(1, a, 1, 1)}, messages(0, 2))
	if ds[0].Code != CodeNotSent || a.callCount() != 0 {
		t.Errorf("%+v, %d calls", ds, a.callCount())
	}
	if h := r.Health(1); h.Calls != 0 {
		t.Error("a cancelled send counted against the relay")
	}
}

// Every message a router sends is charged to its relay's token bucket, whose
// Wait holds the call until the tokens accrue (TestLimiterWait). On a clock that
// stands still the bucket does not refill: after 1,100 messages through a bucket
// of 100, the next one waits for 1,000 to accrue. (No wall-clock threshold.)
func TestRouterRespectsTheRateLimit(t *testing.T) {
	a := &fakeRelay{name: "a", max: 100}
	r := NewRouter(RouterOptions{Now: newClock().Now})
	c := cand(1, a, 1, 1)
	c.Rate, c.Burst = 10_000, 100
	if got := byRelay(r.Send(context.Background(), ModeWeighted, []Candidate{c}, messages(0, 1100)))[1]; got != 1100 || len(a.received()) != 1100 {
		t.Fatalf("%d messages routed, %d received", got, len(a.received()))
	}
	if d := r.state(c).limiter.Reserve(0); d != 100*time.Millisecond {
		t.Fatalf("the bucket owes %v, want 100ms (1,000 messages at 10,000/s)", d)
	}
}

func TestRouterConcurrentSends(t *testing.T) {
	a, b := &fakeRelay{name: "a", delay: time.Millisecond}, &fakeRelay{name: "b", delay: time.Millisecond}
	r := NewRouter(RouterOptions{Concurrency: 4})
	cands := []Candidate{cand(1, a, 2, 1), cand(2, b, 1, 1)}
	var wg sync.WaitGroup
	for k := 0; k < 8; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds := r.Send(context.Background(), ModeWeighted, cands, messages(k*3000, 3000))
			if got := byRelay(ds); got[1] != 2000 || got[2] != 1000 {
				t.Errorf("chunk %d split %v", k, got)
			}
		}()
	}
	wg.Wait()
	if n := len(a.received()) + len(b.received()); n != 24000 {
		t.Errorf("relays received %d", n)
	}
}

func TestRecommend(t *testing.T) {
	clock := newClock()
	r := NewRouter(RouterOptions{Now: clock.Now, Breaker: BreakerOptions{Failures: 3}})
	a, b, c := &fakeRelay{name: "aligo"}, &fakeRelay{name: "broker"}, &fakeRelay{name: "cheapo"}
	cands := []Candidate{cand(1, a, 1, 9, ChannelSMS), cand(2, b, 1, 8, ChannelSMS), cand(3, c, 1, 5, ChannelSMS)}
	for i := 0; i < 40; i++ {
		r.Observe(1, 30*time.Millisecond, false, 500)
		r.Observe(2, 80*time.Millisecond, i%20 == 0, 500) // 95 %
		r.Observe(3, 20*time.Millisecond, i%2 == 0, 500)  // 50 %: unhealthy
	}
	rec := r.Recommend(ChannelSMS, cands)
	if rec.RelayID != 2 {
		t.Fatalf("recommended %d: %s", rec.RelayID, rec.Reason)
	}
	for _, want := range []string{"Use broker: it is the cheapest healthy relay for sms", "8 per message", "9 at aligo", "95.0% of 40 calls", "cheapo: only 50% of recent calls succeeded"} {
		if !strings.Contains(rec.Reason, want) {
			t.Errorf("reason %q lacks %q", rec.Reason, want)
		}
	}
	if len(rec.Candidates) != 3 || rec.Candidates[0].RelayID != 2 || rec.Candidates[0].Note != "recommended" {
		t.Errorf("candidates %+v", rec.Candidates)
	}

	// Open b's circuit: aligo, healthy, is next.
	st := r.state(cands[1])
	for i := 0; i < 3; i++ {
		tk, _ := st.breaker.Allow()
		st.breaker.Done(tk, false)
	}
	rec = r.Recommend(ChannelSMS, cands)
	if rec.RelayID != 1 || !strings.Contains(rec.Reason, "broker: circuit open") {
		t.Errorf("with b open: %d %q", rec.RelayID, rec.Reason)
	}
	if rec := r.Recommend(ChannelEmail, cands); rec.RelayID != 0 || !strings.Contains(rec.Reason, "No relay carries email") {
		t.Errorf("no relay: %+v", rec)
	}
	// A single relay without traffic.
	rec = r.Recommend(ChannelSMS, []Candidate{cand(9, &fakeRelay{name: "new"}, 1, 1, ChannelSMS)})
	if rec.RelayID != 9 || !strings.Contains(rec.Reason, "only relay") || !strings.Contains(rec.Reason, "no calls") {
		t.Errorf("single: %q", rec.Reason)
	}
}

// OnCircuit hears each transition of a relay's circuit once, in order, however
// many messages were routed meanwhile; the shared record (store.RecordCircuit)
// turns the second "open" of a failed probe into nothing.
func TestRouterTellsCircuitTransitions(t *testing.T) {
	a := &fakeRelay{name: "a", fail: func() error { return fault(CodeServerError, errors.New("HTTP 503")) }}
	b := &fakeRelay{name: "b"}
	type change struct {
		id   int64
		open bool
	}
	// The router and its OnCircuit goroutine live outside the bubble (they never
	// end); its breakers, made at the first Send, read the bubble's clock.
	changes := make(chan change, 16)
	r := NewRouter(RouterOptions{Concurrency: 1, Breaker: BreakerOptions{Failures: 2, Cooldown: 30 * time.Second},
		OnCircuit: func(id int64, open bool) { changes <- change{id, open} }})
	// A bubble's timers wait for its goroutines, and the router's is outside: a
	// transition never told would hang there. This timer runs on real time.
	giveUp := make(chan struct{})
	stop := time.AfterFunc(time.Minute, func() { close(giveUp) })
	defer stop.Stop()
	synctest.Test(t, func(t *testing.T) {
		cands := []Candidate{cand(1, a, 50, 1), cand(2, b, 50, 1)}
		next := func() change {
			t.Helper()
			select {
			case c := <-changes:
				return c
			case <-giveUp:
				t.Fatal("no circuit transition told")
			}
			return change{}
		}
		r.Send(context.Background(), ModeWeighted, cands, messages(0, 2000))
		if c := next(); c != (change{1, true}) {
			t.Fatalf("first transition %+v, want relay 1 open", c)
		}
		// Traffic while open: a is skipped and nothing is told (a transition told
		// here would come out of order below).
		for i := range 5 {
			r.Send(context.Background(), ModeWeighted, cands, messages(2000+i*1000, 1000))
		}
		// A probe that fails opens the circuit again.
		time.Sleep(30 * time.Second)
		r.Send(context.Background(), ModeWeighted, cands, messages(10000, 1000))
		if c := next(); c != (change{1, true}) {
			t.Fatalf("after a failed probe %+v, want relay 1 open", c)
		}
		a.mu.Lock()
		a.fail = nil
		a.mu.Unlock()
		time.Sleep(30 * time.Second)
		r.Send(context.Background(), ModeWeighted, cands, messages(20000, 1000))
		if c := next(); c != (change{1, false}) {
			t.Fatalf("after recovery %+v, want relay 1 closed", c)
		}
	})
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu        sync.Mutex
	calls     map[string][2]int // relay name → [ok calls, faulted calls]
	delivered map[string]int    // "relay/outcome" → messages
}

func (r *recorder) RelayCall(c Candidate, _ time.Duration, fault bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := r.calls[c.Name]
	if fault {
		n[1]++
	} else {
		n[0]++
	}
	r.calls[c.Name] = n
}

func (r *recorder) Delivered(c Candidate, d Delivery) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.delivered[c.Name+"/"+d.Outcome.String()]++
}

// The observer sees each provider call with its relay and whether it faulted,
// and one verdict per message with the relay that gave it; States shows the
// circuit the faults opened.
func TestRouterTellsTheObserver(t *testing.T) {
	clock := newClock()
	down := &fakeRelay{name: "down", max: 10, fail: func() error { return fault(CodeServerError, errors.New("500")) }}
	up := &fakeRelay{name: "up", max: 10}
	r := NewRouter(RouterOptions{Now: clock.Now, Concurrency: 1, Breaker: BreakerOptions{Failures: 2}})
	rec := &recorder{calls: map[string][2]int{}, delivered: map[string]int{}}
	r.SetObserver(rec)
	ds := r.Send(context.Background(), ModeWeighted, []Candidate{cand(1, down, 50, 1), cand(2, up, 50, 1)}, messages(0, 40))
	if len(ds) != 40 {
		t.Fatalf("%d deliveries", len(ds))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// down: 20 messages in 2 calls, both faulted, then its circuit is open and
	// its messages move to up without a call.
	if got := rec.calls["down"]; got != [2]int{0, 2} {
		t.Errorf("calls to down (ok, fault) = %v, want [0 2]", got)
	}
	if got := rec.calls["up"]; got[1] != 0 || got[0] != up.callCount() || got[0] == 0 {
		t.Errorf("calls to up (ok, fault) = %v, relay saw %d", got, up.callCount())
	}
	if rec.delivered["up/accepted"] != 40 || len(rec.delivered) != 1 {
		t.Errorf("verdicts %v, want 40 accepted by up", rec.delivered)
	}
	states := r.States()
	if len(states) != 2 || states[0].Name != "down" || states[0].Breaker.State != Open ||
		states[1].Name != "up" || states[1].Breaker.State != Closed {
		t.Errorf("states %+v, want down open and up closed", states)
	}
}
