package e2e

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay/sim"
)

// The worker is SIGKILLed twice at random moments of a campaign and restarted:
// the campaign completes, and the simulator saw every recipient exactly once.
func TestCampaignSurvivesWorkerKills(t *testing.T) {
	s := newStack(t)
	simulator, base := newSimulator(t, 1)
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
		received := s.waitReceived(simulator, id, target)
		w.kill()
		t.Logf("kill %d: SIGKILL with %d of %d messages at the relay", kill+1, received, n)
		if received >= int64(n) {
			t.Fatalf("the send finished before kill %d: the test did not crash a send", kill+1)
		}
		w = s.startWorker()
	}
	s.expectExactlyOnce(simulator, id, n)
}

// A relay that fails every call for a while: traffic fails over to the other
// relay, and every message is delivered exactly once.
func TestCampaignFailsOverDuringARelayOutage(t *testing.T) {
	s := newStack(t)
	simulator, base := newSimulator(t, 2)
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
	_ = s.db.Get(&b, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND relay_id = ?`, id, relays["b"])
	if b != st.Relays["b"].Unique {
		t.Fatalf("rows say b carried %d, the simulator %d", b, st.Relays["b"].Unique)
	}
}
