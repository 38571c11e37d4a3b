package sim_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay/sim"
)

// Control sets exactly the fields a patch gives, on the defaults or on one
// relay's override, and leaves the others as they were.
func TestControlSetsTheGivenFieldsOnly(t *testing.T) {
	s, base := start(t, sim.Options{Settings: sim.Settings{Latency: sim.Duration(time.Second), FaultRate: 0.5}})
	state := func() sim.ControlState {
		resp, err := http.Get(base + "/control")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var st sim.ControlState
		if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	before := state().Defaults
	lat, jit, rep, n := sim.Duration(2*time.Second), sim.Duration(3*time.Second), sim.Duration(4*time.Second), "normal"
	fault, recipient, report := 0.25, 0.125, 0.0625
	if err := s.Control(sim.Patch{Relay: "a", Latency: &lat, Jitter: &jit, ReportDelay: &rep, Distribution: &n,
		FaultRate: &fault, RecipientFailRate: &recipient, ReportFailRate: &report}); err != nil {
		t.Fatal(err)
	}
	ms := sim.Duration(time.Millisecond)
	if err := s.Control(sim.Patch{Jitter: &ms}); err != nil {
		t.Fatal(err)
	}
	st := state()
	want := before
	want.Latency, want.Jitter, want.ReportDelay, want.Distribution = lat, jit, rep, n
	want.FaultRate, want.RecipientFailRate, want.ReportFailRate = fault, recipient, report
	if got := st.Relays["a"]; got != want {
		t.Errorf("relay a: %+v, want %+v", got, want)
	}
	want = before
	want.Jitter = ms
	if st.Defaults != want || before.Latency != sim.Duration(time.Second) || before.FaultRate != 0.5 {
		t.Errorf("defaults: %+v (before %+v), want %+v", st.Defaults, before, want)
	}
}
