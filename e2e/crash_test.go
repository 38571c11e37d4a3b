package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

type campaignOut struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Total     int64  `json:"total"`
	Delivered int64  `json:"delivered"`
	Failed    int64  `json:"failed"`
	Unknown   int64  `json:"unknown"`
	Pending   int64  `json:"pending"`
}

// campaignFixture signs up, seeds n customers into a group, adds simulator relays
// (name → weight) and a campaign over them; it answers the campaign id.
func (s *stack) campaignFixture(n int, base string, rateLimit int, relays map[string]int, names ...string) (int64, map[string]int64) {
	s.t.Helper()
	c := s.c
	var su struct {
		Token   string             `json:"token"`
		Account struct{ ID int64 } `json:"account"`
	}
	c.Do("POST", "/api/v1/auth/signup", map[string]any{"account_name": "e2e", "name": "e2e",
		"email": fmt.Sprintf("e2e-%d@example.com", time.Now().UnixNano()), "password": "E2e-Passw0rd"}).Expect(201).JSON(&su)
	s.c = c.As(su.Token)
	var g struct{ ID int64 }
	s.c.Do("POST", "/api/v1/groups", map[string]string{"name": "대량"}).Expect(201).JSON(&g)
	if err := s.store.SeedCustomers(context.Background(), su.Account.ID, g.ID, 0, n); err != nil {
		s.t.Fatal(err)
	}
	ids := map[string]int64{}
	var routing []map[string]any
	for _, name := range names {
		var r struct{ ID int64 }
		s.c.Do("POST", "/api/v1/relays", map[string]any{"name": name, "kind": "simulator", "channel": "sms", "weight": relays[name],
			"rate_limit": rateLimit, "config": map[string]any{"base_url": base, "name": name}}).Expect(201).JSON(&r)
		ids[name] = r.ID
		routing = append(routing, map[string]any{"relay_id": r.ID, "weight": relays[name]})
	}
	var tpl struct{ ID int64 }
	s.c.Do("POST", "/api/v1/templates", map[string]any{"name": "대량", "channel": "sms", "body": "#{이름}님 #{등급} 혜택"}).Expect(201).JSON(&tpl)
	var camp struct{ ID int64 }
	s.c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "대량 발송", "template_id": tpl.ID, "group_ids": []int64{g.ID},
		"routing": map[string]any{"mode": "weighted", "relays": routing}}).Expect(201).JSON(&camp)
	return camp.ID, ids
}

func (s *stack) waitCampaign(id int64, timeout time.Duration) campaignOut {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var out campaignOut
		s.c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), nil).Expect(200).JSON(&out)
		if out.Status == "completed" || out.Status == "cancelled" || out.Status == "failed" {
			return out
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("campaign %d still %s after %v", id, out.Status, timeout)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (s *stack) messageStatuses(id int64) map[string]int64 {
	s.t.Helper()
	var rows []struct {
		Status string `db:"status"`
		N      int64  `db:"n"`
	}
	if err := s.store.DB().Select(&rows, `SELECT status, COUNT(*) AS n FROM campaign_messages WHERE campaign_id = ? GROUP BY status`, id); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// The worker is SIGKILLed twice at random moments of a campaign and restarted:
// the campaign completes, and the simulator saw every recipient exactly once.
func TestCampaignSurvivesWorkerKills(t *testing.T) {
	s := newStack(t)
	simulator := sim.New(sim.Options{Settings: sim.Settings{Latency: sim.Duration(20 * time.Millisecond),
		ReportDelay: sim.Duration(500 * time.Millisecond)}, Seed: 1})
	base, err := simulator.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer simulator.Close()
	n := *recipients
	// The relay's rate limit stretches the send over a few seconds, so the kills
	// land while chunks are in flight.
	id, _ := s.campaignFixture(n, base, max(n/5, 1000), map[string]int{"a": 1}, "a")

	w := s.startWorker()
	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	// Kill once somewhere in the first half of the send, once in the second.
	for kill, window := range [][2]float64{{0.1, 0.45}, {0.55, 0.9}} {
		target := int64(float64(n) * (window[0] + rng.Float64()*(window[1]-window[0])))
		deadline := time.Now().Add(2 * time.Minute)
		for simulator.Stats().Unique < target && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		received := simulator.Stats().Unique
		w.kill()
		t.Logf("kill %d: SIGKILL with %d of %d messages at the relay", kill+1, received, n)
		if received >= int64(n) {
			t.Fatalf("the send finished before kill %d: the test did not crash a send", kill+1)
		}
		w = s.startWorker()
	}
	done := s.waitCampaign(id, 5*time.Minute)

	st := simulator.Stats()
	t.Logf("simulator: %+v", st)
	if done.Status != "completed" || done.Total != int64(n) || done.Delivered != int64(n) {
		t.Fatalf("campaign %+v", done)
	}
	if st.Unique != int64(n) || st.Redelivered != 0 || st.Duplicates != 0 {
		t.Fatalf("simulator saw %d unique of %d, %d duplicates, %d redelivered", st.Unique, n, st.Duplicates, st.Redelivered)
	}
	if got := s.messageStatuses(id); got["delivered"] != int64(n) || len(got) != 1 {
		t.Fatalf("message rows by status %v", got)
	}
	// The workflow's own tally per relay (built from chunk results, not from the
	// final SQL count) also saw every message, killed attempts included.
	v, err := s.tc.QueryWorkflow(context.Background(), workflows.CampaignWorkflowID(id), "", workflows.QueryCampaignProgress)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	var sent, delivered int64
	for _, r := range p.Relays {
		sent, delivered = sent+r.Sent, delivered+r.Delivered
	}
	if sent != int64(n) || delivered != int64(n) {
		t.Fatalf("workflow progress per relay: sent %d, delivered %d of %d (%+v)", sent, delivered, n, p.Relays)
	}
}

// A relay that fails every call for a while: traffic fails over to the other
// relay, and every message is delivered exactly once.
func TestCampaignFailsOverDuringARelayOutage(t *testing.T) {
	s := newStack(t)
	simulator := sim.New(sim.Options{Settings: sim.Settings{Latency: sim.Duration(20 * time.Millisecond),
		ReportDelay: sim.Duration(500 * time.Millisecond)}, Seed: 2})
	base, err := simulator.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer simulator.Close()
	n := *recipients
	id, relays := s.campaignFixture(n, base, 0, map[string]int{"a": 50, "b": 50}, "a", "b")
	one := 1.0
	if err := simulator.Control(sim.Patch{Relay: "a", FaultRate: &one}); err != nil {
		t.Fatal(err)
	}
	s.startWorker()
	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	// The outage lasts until the worker reports relay a's circuit open (its health
	// as GET /relays/health shows it), so the breaker certainly opened.
	deadline := time.Now().Add(2 * time.Minute)
	opened := false
	for !opened {
		var health struct {
			Items []struct {
				RelayID int64 `json:"relay_id"`
				Health  struct {
					Breaker struct {
						State string `json:"state"`
					} `json:"breaker"`
				} `json:"health"`
			} `json:"items"`
		}
		s.c.Do("GET", "/api/v1/relays/health", nil).Expect(200).JSON(&health)
		for _, it := range health.Items {
			opened = opened || (it.RelayID == relays["a"] && it.Health.Breaker.State == "open")
		}
		if !opened && time.Now().After(deadline) {
			t.Fatalf("relay a's circuit never opened during the outage: %+v", health.Items)
		}
		var camp campaignOut
		s.c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), nil).Expect(200).JSON(&camp)
		if !opened && camp.Status == "completed" {
			t.Fatal("the send finished before relay a's circuit opened: the outage showed nothing")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := simulator.Control(sim.Patch{Relay: "a", Clear: true}); err != nil {
		t.Fatal(err)
	}
	done := s.waitCampaign(id, 5*time.Minute)

	st := simulator.Stats()
	t.Logf("simulator: %+v", st)
	if done.Status != "completed" || done.Delivered != int64(n) || done.Failed != 0 {
		t.Fatalf("campaign %+v", done)
	}
	if st.Unique != int64(n) || st.Redelivered != 0 || st.Duplicates != 0 {
		t.Fatalf("simulator saw %d unique of %d, %d duplicates, %d redelivered", st.Unique, n, st.Duplicates, st.Redelivered)
	}
	if st.Relays["a"].Faulted == 0 {
		t.Fatal("relay a never faulted: the outage was not exercised")
	}
	if st.Relays["b"].Unique <= st.Relays["a"].Unique {
		t.Fatalf("b carried %d, a %d: traffic did not fail over", st.Relays["b"].Unique, st.Relays["a"].Unique)
	}
	var b int64
	_ = s.store.DB().Get(&b, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND relay_id = ?`, id, relays["b"])
	if b != st.Relays["b"].Unique {
		t.Fatalf("rows say b carried %d, the simulator %d", b, st.Relays["b"].Unique)
	}
}
