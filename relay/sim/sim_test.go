package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} }

func start(t *testing.T, o sim.Options) (*sim.Simulator, string) {
	t.Helper()
	s := sim.New(o)
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return s, srv.URL
}

func simRelay(base, name string) *relay.HTTP {
	return relay.NewSimulator(relay.SimulatorConfig{BaseURL: base, Name: name}, relay.Options{})
}

func msgs(from, n int, ch relay.Channel) []relay.Message {
	out := make([]relay.Message, n)
	for i := range out {
		id := int64(from + i + 1)
		out[i] = relay.Message{ID: id, To: fmt.Sprintf("+8210%08d", id), Channel: ch, Body: "안녕하세요", TemplateCode: "T1"}
	}
	return out
}

// handlerClient is an HTTP client that calls h in memory: no sockets, so that it
// works inside a synctest bubble.
func handlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(req *http.Request) (*http.Response, error) {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Result(), nil
	})}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func stats(t *testing.T, base string) sim.Stats {
	t.Helper()
	return statsVia(t, http.DefaultClient, base)
}

func statsVia(t *testing.T, c *http.Client, base string) sim.Stats {
	t.Helper()
	resp, err := c.Get(base + "/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st sim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func control(t *testing.T, base, body string) {
	t.Helper()
	controlVia(t, http.DefaultClient, base, body)
}

func controlVia(t *testing.T, c *http.Client, base, body string) {
	t.Helper()
	resp, err := c.Post(base+"/control", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("control %s: HTTP %d", body, resp.StatusCode)
	}
}

func TestGenericDedupesByID(t *testing.T) {
	_, base := start(t, sim.Options{})
	a := simRelay(base, "a")
	first := relay.SendAll(context.Background(), a, msgs(0, 1001, relay.ChannelAlimTalk))
	// The same ids again, batched differently.
	again := relay.SendAll(context.Background(), a, msgs(0, 1001, relay.ChannelAlimTalk)[1:])
	for i, r := range again {
		if r.Outcome != relay.Accepted || r.ProviderID != first[i+1].ProviderID {
			t.Fatalf("repeat %d = %+v, first %+v", i, r, first[i+1])
		}
	}
	st := stats(t, base)
	want := sim.RelayStats{Dialect: "generic", Received: 2001, Unique: 1001, Duplicates: 1000, Requests: 5}
	if got := st.Relays["a"]; got != want {
		t.Errorf("relay a %+v, want %+v", got, want)
	}
	if st.Received != 2001 || st.Unique != 1001 || st.Duplicates != 1000 || st.Redelivered != 0 {
		t.Errorf("stats %+v", st)
	}

	// The same message through a second relay is a real second delivery.
	b := simRelay(base, "b")
	relay.SendAll(context.Background(), b, msgs(0, 10, relay.ChannelAlimTalk))
	relay.SendAll(context.Background(), b, msgs(0, 10, relay.ChannelAlimTalk))
	st = stats(t, base)
	if st.Redelivered != 10 || st.Unique != 1001 || st.Relays["b"].Unique != 10 || st.Relays["b"].Duplicates != 10 {
		t.Errorf("after b: %+v", st)
	}
	// A fallback key is a different message.
	fb := msgs(0, 1, relay.ChannelSMS)
	fb[0].Key = "1-sms"
	res, _ := a.Send(context.Background(), fb)
	if res[0].Outcome != relay.Accepted || stats(t, base).Unique != 1002 {
		t.Errorf("fallback: %+v", res[0])
	}
}

func TestGenericFailuresAndReports(t *testing.T) {
	clock := newClock()
	_, base := start(t, sim.Options{Now: clock.Now, Seed: 7, Settings: sim.Settings{
		RecipientFailRate: 0.2, ReportFailRate: 0.1, ReportDelay: sim.Duration(10 * time.Second),
	}})
	a := simRelay(base, "a")
	ms := msgs(0, 1000, relay.ChannelAlimTalk)
	res := relay.SendAll(context.Background(), a, ms)
	failed := map[int64]bool{}
	for _, r := range res {
		switch r.Outcome {
		case relay.RecipientFailed:
			if r.Code != relay.CodeNotKakaoUser {
				t.Fatalf("%+v", r)
			}
			failed[r.MessageID] = true
		case relay.Accepted:
		default:
			t.Fatalf("%+v", r)
		}
	}
	if n := len(failed); n < 150 || n > 250 {
		t.Errorf("%d of 1000 failed at a 20%% rate", n)
	}
	// The same message meets the same fate.
	res2 := relay.SendAll(context.Background(), a, ms[:100])
	for i := range res2 {
		if res2[i].Outcome != res[i].Outcome {
			t.Fatalf("message %d changed its fate", ms[i].ID)
		}
	}

	page, err := a.Reports(context.Background(), relay.ReportQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Reports) != 0 || page.Next != "0" {
		t.Errorf("reports before the delay: %d, next %q", len(page.Reports), page.Next)
	}
	clock.Advance(10 * time.Second)
	var reports []relay.Report
	cursor := page.Next
	for {
		page, err = a.Reports(context.Background(), relay.ReportQuery{Cursor: cursor, Limit: 300})
		if err != nil {
			t.Fatal(err)
		}
		reports = append(reports, page.Reports...)
		cursor = page.Next
		if !page.More {
			break
		}
	}
	if len(reports) != 1000-len(failed) {
		t.Fatalf("%d reports for %d accepted", len(reports), 1000-len(failed))
	}
	blocked := 0
	for _, r := range reports {
		if failed[r.MessageID] {
			t.Fatalf("a report for a message failed at send: %+v", r)
		}
		switch r.Outcome {
		case relay.Delivered:
		case relay.RecipientFailed:
			if r.Code != relay.CodeBlocked {
				t.Fatalf("%+v", r)
			}
			blocked++
		default:
			t.Fatalf("%+v", r)
		}
		if !r.At.Equal(clock.Now()) {
			t.Fatalf("report time %v", r.At)
		}
	}
	if blocked < 40 || blocked > 130 {
		t.Errorf("%d blocked at a 10%% rate", blocked)
	}
	// Nothing new since the cursor; new messages appear after their delay.
	relay.SendAll(context.Background(), a, msgs(5000, 5, relay.ChannelSMS))
	if page, _ = a.Reports(context.Background(), relay.ReportQuery{Cursor: cursor}); len(page.Reports) != 0 {
		t.Errorf("%d early reports", len(page.Reports))
	}
	clock.Advance(10 * time.Second)
	page, _ = a.Reports(context.Background(), relay.ReportQuery{Cursor: cursor})
	if n := len(page.Reports); n+int(stats(t, base).Relays["a"].Failed)-len(failed) != 5 {
		t.Errorf("%d new reports", n)
	}
}

func TestGenericLookup(t *testing.T) {
	clock := newClock()
	_, base := start(t, sim.Options{Now: clock.Now, Settings: sim.Settings{ReportDelay: sim.Duration(time.Minute)}})
	a := simRelay(base, "a")
	relay.SendAll(context.Background(), a, msgs(0, 3, relay.ChannelAlimTalk))
	found, err := a.Lookup(context.Background(), msgs(0, 5, relay.ChannelAlimTalk), clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 3 {
		t.Fatalf("found %+v", found)
	}
	for _, r := range found {
		if r.Outcome != relay.Accepted || r.ProviderID == "" {
			t.Errorf("%+v", r)
		}
	}
	clock.Advance(time.Minute)
	found, _ = a.Lookup(context.Background(), msgs(0, 1, relay.ChannelAlimTalk), clock.Now())
	if len(found) != 1 || found[0].Outcome != relay.Delivered {
		t.Errorf("after the delay %+v", found)
	}
	// Another relay has never seen them.
	if found, _ := simRelay(base, "b").Lookup(context.Background(), msgs(0, 3, relay.ChannelAlimTalk), clock.Now()); len(found) != 0 {
		t.Errorf("b found %+v", found)
	}
}

func TestOutageAndRecovery(t *testing.T) {
	_, base := start(t, sim.Options{})
	a, b := simRelay(base, "a"), simRelay(base, "b")
	control(t, base, `{"relay":"a","fault_rate":1}`)
	_, err := a.Send(context.Background(), msgs(0, 10, relay.ChannelSMS))
	if relay.ErrorCode(err) != relay.CodeServerError {
		t.Fatalf("a during the outage: %v", err)
	}
	if _, err := b.Send(context.Background(), msgs(0, 10, relay.ChannelSMS)); err != nil {
		t.Fatalf("b is affected: %v", err)
	}
	st := stats(t, base)
	if st.Relays["a"].Faulted != 10 || st.Relays["a"].Received != 0 || st.Relays["b"].Received != 10 {
		t.Errorf("stats %+v", st)
	}
	control(t, base, `{"relay":"a","clear":true}`)
	if _, err := a.Send(context.Background(), msgs(0, 10, relay.ChannelSMS)); err != nil {
		t.Fatalf("a after recovery: %v", err)
	}
	// The defaults apply to every relay without an override.
	control(t, base, `{"fault_rate":1}`)
	if _, err := b.Send(context.Background(), msgs(100, 1, relay.ChannelSMS)); err == nil {
		t.Error("default fault rate ignored")
	}
	resp, err := http.Post(base+"/control", "application/json", strings.NewReader(`{"fault_rate":2}`))
	if err != nil || resp.StatusCode != 422 {
		t.Errorf("bad rate accepted: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
}

// TestRouterFailsOverThroughTheSimulator runs the router against two simulated
// relays, one of them down, and checks that nothing was delivered twice.
func TestRouterFailsOverThroughTheSimulator(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The breaker reads the wall clock: the bubble's, which sleeps move. The
		// simulator is called in memory, since sockets do not sleep in a bubble.
		c := handlerClient(sim.New(sim.Options{}).Handler())
		const base = "http://sim"
		simRelay := func(base, name string) *relay.HTTP {
			return relay.NewSimulator(relay.SimulatorConfig{BaseURL: base, Name: name}, relay.Options{HTTPClient: c})
		}
		controlVia(t, c, base, `{"relay":"primary","fault_rate":1}`)
		r := relay.NewRouter(relay.RouterOptions{Concurrency: 2, Breaker: relay.BreakerOptions{Failures: 2, Cooldown: time.Minute}})
		cands := []relay.Candidate{
			{ID: 1, Name: "primary", Channels: []relay.Channel{relay.ChannelAlimTalk}, Weight: 70, Sender: simRelay(base, "primary")},
			{ID: 2, Name: "backup", Channels: []relay.Channel{relay.ChannelAlimTalk}, Weight: 30, Sender: simRelay(base, "backup")},
		}
		ds := r.Send(context.Background(), relay.ModeWeighted, cands, msgs(0, 5000, relay.ChannelAlimTalk))
		for _, d := range ds {
			if d.Outcome != relay.Accepted || d.RelayID != 2 {
				t.Fatalf("%+v", d)
			}
		}
		if st := r.Health(1).Breaker.State; st != relay.Open {
			t.Errorf("primary circuit %v", st)
		}
		st := statsVia(t, c, base)
		if st.Relays["backup"].Unique != 5000 || st.Relays["primary"].Received != 0 || st.Redelivered != 0 || st.Duplicates != 0 {
			t.Errorf("stats %+v", st)
		}
		// Recovery: after the cool-down one call probes the primary (the rest of that
		// send still fails over while the probe is out); once it succeeds, the split is
		// 70/30 again.
		controlVia(t, c, base, `{"relay":"primary","clear":true}`)
		time.Sleep(time.Minute)
		r.Send(context.Background(), relay.ModeWeighted, cands, msgs(10_000, 10, relay.ChannelAlimTalk))
		if st := r.Health(1).Breaker.State; st != relay.Closed {
			t.Fatalf("primary circuit %v after a good probe", st)
		}
		ds = r.Send(context.Background(), relay.ModeWeighted, cands, msgs(5000, 1001, relay.ChannelAlimTalk))
		counts := map[int64]int{}
		for _, d := range ds {
			counts[d.RelayID]++
		}
		if counts[1] != 701 || counts[2] != 300 {
			t.Errorf("after recovery %v", counts)
		}
		if st := statsVia(t, c, base); st.Duplicates != 0 || st.Unique != 6011 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestAligoDialectsThroughTheAdapters(t *testing.T) {
	clock := newClock()
	_, base := start(t, sim.Options{Now: clock.Now, Seed: 3, AligoKey: "K", Settings: sim.Settings{
		RecipientFailRate: 0.1, ReportDelay: sim.Duration(5 * time.Second),
	}})
	at := relay.NewAligoAlimTalk(relay.AligoAlimTalkConfig{BaseURL: base + "/r/kakao", APIKey: "K", UserID: "shop", SenderKey: "SK", Sender: "0212345678"}, relay.Options{Now: clock.Now})
	ms := msgs(0, 1001, relay.ChannelAlimTalk)
	ms[0].Buttons = []relay.Button{{Name: "보기", MobileURL: "https://m"}}
	ms[0].Fallback = &relay.Fallback{Body: "문자"}
	res := relay.SendAll(context.Background(), at, ms)
	mids := map[string]bool{}
	for _, r := range res {
		if r.Outcome != relay.Accepted || r.ProviderID == "" {
			t.Fatalf("%+v", r)
		}
		mids[r.ProviderID] = true
	}
	st := stats(t, base)
	if k := st.Relays["kakao"]; k.Requests != 3 || k.Received != 1001 || k.Dialect != "aligo-alimtalk" {
		// The one with a fallback goes alone (failover is per call), then 500 + 500.
		t.Errorf("kakao %+v", k)
	}
	var ids []string
	for m := range mids {
		ids = append(ids, m)
	}
	page, err := at.Reports(context.Background(), relay.ReportQuery{ProviderIDs: ids})
	if err != nil || len(page.Reports) != 0 {
		t.Fatalf("reports before the delay: %d %v", len(page.Reports), err)
	}
	clock.Advance(5 * time.Second)
	page, err = at.Reports(context.Background(), relay.ReportQuery{ProviderIDs: ids})
	if err != nil || len(page.Reports) != 1001 {
		t.Fatalf("reports: %d %v", len(page.Reports), err)
	}
	notKakao := 0
	for _, r := range page.Reports {
		if r.Outcome == relay.RecipientFailed && r.Code == relay.CodeNotKakaoUser {
			notKakao++
		}
	}
	if notKakao < 60 || notKakao > 140 {
		t.Errorf("%d not KakaoTalk users at 10%%", notKakao)
	}
	// Reports without mids list the history since a time.
	page, err = at.Reports(context.Background(), relay.ReportQuery{Since: clock.Now().Add(-time.Hour)})
	if err != nil || len(page.Reports) != 1001 {
		t.Errorf("reports by date: %d %v", len(page.Reports), err)
	}
	found, err := at.Lookup(context.Background(), ms[:3], clock.Now().Add(-time.Minute))
	if err != nil || len(found) != 3 || !found[0].ByRecipient {
		t.Errorf("lookup %+v %v", found, err)
	}
	// A wrong key is an authentication fault.
	bad := relay.NewAligoAlimTalk(relay.AligoAlimTalkConfig{BaseURL: base, APIKey: "wrong", UserID: "shop", SenderKey: "SK", Sender: "0212345678"}, relay.Options{})
	if _, err := bad.Send(context.Background(), ms[:1]); relay.ErrorCode(err) != relay.CodeAuth {
		t.Errorf("wrong key: %v", err)
	}

	sms := relay.NewAligoSMS(relay.AligoSMSConfig{BaseURL: base, Key: "K", UserID: "shop", Sender: "0212345678"}, relay.Options{Now: clock.Now})
	smsMsgs := append(msgs(2000, 600, relay.ChannelSMS), msgs(3000, 10, relay.ChannelLMS)...)
	res = relay.SendAll(context.Background(), sms, smsMsgs)
	mids = map[string]bool{}
	for _, r := range res {
		if r.Outcome != relay.Accepted {
			t.Fatalf("%+v", r)
		}
		mids[r.ProviderID] = true
	}
	if k := stats(t, base).Relays["aligo-sms"]; k.Requests != 3 || k.Received != 610 {
		t.Errorf("aligo-sms %+v", k)
	}
	clock.Advance(5 * time.Second)
	page, err = sms.Reports(context.Background(), relay.ReportQuery{Since: clock.Now().Add(-time.Hour)})
	if err != nil || len(page.Reports) != 610 {
		t.Fatalf("sms reports: %d %v", len(page.Reports), err)
	}
	found, err = sms.Lookup(context.Background(), smsMsgs[:5], clock.Now().Add(-time.Hour))
	if err != nil || len(found) != 5 {
		t.Errorf("sms lookup %d %v", len(found), err)
	}
}

// The latency holds the answer back, and a caller that gives up meanwhile has
// sent nothing. (No wall-clock threshold: the latency is an hour.)
func TestLatencyHoldsTheAnswer(t *testing.T) {
	s, base := start(t, sim.Options{Settings: sim.Settings{Latency: sim.Duration(time.Hour)}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := simRelay(base, "slow").Send(ctx, msgs(0, 10, relay.ChannelSMS))
		done <- err
	}()
	for s.Stats().Relays["slow"].Requests == 0 {
		select {
		case err := <-done:
			t.Fatalf("answered at once (%v) with an hour of latency", err)
		case <-time.After(time.Millisecond):
		}
	}
	if st := s.Stats(); st.Received != 0 {
		t.Fatalf("received %d messages before the latency passed", st.Received)
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the send succeeded although it was cancelled during the latency")
	}
	if st := s.Stats(); st.Received != 0 || st.Relays["slow"].Requests != 1 {
		t.Fatalf("after the caller gave up: %+v", st)
	}
}

func TestLatencyAndBadRequests(t *testing.T) {
	_, base := start(t, sim.Options{Token: "tok", MaxBatch: 100, Settings: sim.Settings{Latency: sim.Duration(20 * time.Millisecond), Jitter: sim.Duration(5 * time.Millisecond)}})
	good := relay.NewSimulator(relay.SimulatorConfig{BaseURL: base, Name: "a", Token: "tok"}, relay.Options{})
	if _, err := good.Send(context.Background(), msgs(0, 10, relay.ChannelSMS)); err != nil {
		t.Fatal(err)
	}
	if _, err := simRelay(base, "a").Send(context.Background(), msgs(0, 1, relay.ChannelSMS)); relay.ErrorCode(err) != relay.CodeAuth {
		t.Errorf("no token: %v", err)
	}
	if _, err := good.Send(context.Background(), msgs(0, 101, relay.ChannelSMS)); relay.ErrorCode(err) != relay.CodeBadRequest {
		t.Errorf("too many: %v", err)
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/r/a/send", bytes.NewBufferString(`{"messages":[{"to":"x"}]}`))
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 400 {
		t.Errorf("message without id: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
	resp, _ = http.Post(base+"/r/bad%20name/send", "application/json", strings.NewReader(`{}`))
	if resp.StatusCode != 404 {
		t.Errorf("bad relay name: %d", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestReset(t *testing.T) {
	s, base := start(t, sim.Options{})
	relay.SendAll(context.Background(), simRelay(base, "a"), msgs(0, 10, relay.ChannelSMS))
	control(t, base, `{"relay":"a","fault_rate":1}`)
	resp, err := http.Post(base+"/reset", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if st := s.Stats(); st.Received != 0 || st.Unique != 0 || len(st.Relays) != 0 {
		t.Errorf("after reset %+v", st)
	}
	if _, err := simRelay(base, "a").Send(context.Background(), msgs(0, 10, relay.ChannelSMS)); err != nil {
		t.Errorf("override survived the reset: %v", err)
	}
	if st := s.Stats(); st.Unique != 10 || st.Duplicates != 0 {
		t.Errorf("ids survived the reset: %+v", st)
	}
}

func TestConcurrentRequestsCountExactly(t *testing.T) {
	_, base := start(t, sim.Options{})
	var wg sync.WaitGroup
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := simRelay(base, "a")
			// Goroutines overlap in pairs: ids g/2*10000 … +10000.
			ms := msgs(g/2*10_000, 10_000, relay.ChannelAlimTalk)
			for _, r := range relay.SendAll(context.Background(), a, ms) {
				if r.Outcome != relay.Accepted {
					t.Errorf("%+v", r)
					return
				}
			}
		}()
	}
	wg.Wait()
	st := stats(t, base)
	if st.Received != 160_000 || st.Unique != 80_000 || st.Duplicates != 80_000 || st.Relays["a"].Unique != 80_000 {
		t.Errorf("stats %+v", st)
	}
}

// The AlimTalk adapter lists the simulated sender profile's templates the way
// Aligo documents it (a token, then the list): codes, bodies, web-link buttons
// and inspection statuses in our words; a wrong key is refused.
func TestAligoTemplateListThroughTheAdapter(t *testing.T) {
	_, base := start(t, sim.Options{AligoKey: "K"})
	at := relay.NewAligoAlimTalk(relay.AligoAlimTalkConfig{BaseURL: base, APIKey: "K", UserID: "shop", SenderKey: "SK", Sender: "0212345678"}, relay.Options{})
	ts, err := at.Templates(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, tp := range ts {
		status[tp.Code] = tp.Status
		if tp.SenderKey != "SK" || tp.Body == "" || tp.Name == "" {
			t.Errorf("template %+v", tp)
		}
	}
	want := map[string]string{"SIM_ORDER": relay.TemplateApproved, "SIM_SHIPPED": relay.TemplateRequested,
		"SIM_EVENT": relay.TemplateRejected, "SIM_DRAFT": relay.TemplateRegistered}
	if fmt.Sprint(status) != fmt.Sprint(want) {
		t.Fatalf("statuses %v, want %v", status, want)
	}
	for _, tp := range ts {
		if tp.Code == "SIM_ORDER" && (len(tp.Buttons) != 1 || tp.Buttons[0].MobileURL != "https://shop.example/o/#{order_no}") {
			t.Errorf("SIM_ORDER buttons %+v", tp.Buttons)
		}
	}
	bad := relay.NewAligoAlimTalk(relay.AligoAlimTalkConfig{BaseURL: base, APIKey: "wrong", UserID: "shop", SenderKey: "SK"}, relay.Options{})
	if _, err := bad.Templates(context.Background()); err == nil {
		t.Fatal("a wrong key listed templates")
	}
}
