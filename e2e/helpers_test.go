package e2e

import (
	"context"
	"fmt"
	"strings"
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
	s.allow(base)
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
			s.t.Fatalf("campaign %d still %s after %v\n%s", id, out.Status, timeout, s.diagnose(id))
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
	if err := s.db.Select(&rows, `SELECT status, COUNT(*) AS n FROM campaign_messages WHERE campaign_id = ? GROUP BY status`, id); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out
}

// newSimulator starts a relay simulator for one test (20 ms per call, reports
// after half a second) and answers its base URL.
func newSimulator(t *testing.T, seed uint64) (*sim.Simulator, string) {
	simulator := sim.New(sim.Options{Settings: sim.Settings{Latency: sim.Duration(20 * time.Millisecond),
		ReportDelay: sim.Duration(500 * time.Millisecond)}, Seed: seed})
	base, err := simulator.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { simulator.Close() })
	return simulator, base
}

// waitReceived waits until the simulator holds at least n distinct messages of
// campaign id and answers how many it holds.
func (s *stack) waitReceived(simulator *sim.Simulator, id, n int64) int64 {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for simulator.Stats().Unique < n {
		if time.Now().After(deadline) {
			s.t.Fatalf("the relay simulator received %d messages in 2 minutes, waiting for %d\n%s",
				simulator.Stats().Unique, n, s.diagnose(id))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return simulator.Stats().Unique
}

// diagnose says where campaign id stands: its rows by status and what its
// workflow is waiting for (pending activities with their last failure).
func (s *stack) diagnose(id int64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "message rows by status: %v\n", s.messageStatuses(id))
	d, err := s.tc.DescribeWorkflowExecution(context.Background(), workflows.CampaignWorkflowID(id), "")
	if err != nil {
		fmt.Fprintf(&b, "describe workflow: %v\n", err)
		return b.String()
	}
	fmt.Fprintf(&b, "workflow %s, %d history events\n", d.GetWorkflowExecutionInfo().GetStatus(), d.GetWorkflowExecutionInfo().GetHistoryLength())
	for _, a := range d.GetPendingActivities() {
		fmt.Fprintf(&b, "pending %s %s attempt %d, worker %q, last failure: %s\n", a.GetActivityType().GetName(), a.GetState(),
			a.GetAttempt(), a.GetLastWorkerIdentity(), a.GetLastFailure().GetMessage())
	}
	return b.String()
}

// expectExactlyOnce waits for campaign id of n recipients to end and checks what
// a user would: it completed with every message delivered, the relay saw every
// recipient exactly once, every row is delivered, and the workflow's own tally
// per relay (built from chunk results, not from the final SQL count) agrees.
func (s *stack) expectExactlyOnce(simulator *sim.Simulator, id int64, n int) {
	s.t.Helper()
	done := s.waitCampaign(id, 5*time.Minute)
	st := simulator.Stats()
	s.t.Logf("simulator: %+v", st)
	if done.Status != "completed" || done.Total != int64(n) || done.Delivered != int64(n) {
		s.t.Fatalf("campaign %+v", done)
	}
	if st.Unique != int64(n) || st.Redelivered != 0 || st.Duplicates != 0 {
		s.t.Fatalf("simulator saw %d unique of %d, %d duplicates, %d redelivered", st.Unique, n, st.Duplicates, st.Redelivered)
	}
	if got := s.messageStatuses(id); got["delivered"] != int64(n) || len(got) != 1 {
		s.t.Fatalf("message rows by status %v", got)
	}
	v, err := s.tc.QueryWorkflow(context.Background(), workflows.CampaignWorkflowID(id), "", workflows.QueryCampaignProgress)
	if err != nil {
		s.t.Fatal(err)
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		s.t.Fatal(err)
	}
	var sent, delivered int64
	for _, r := range p.Relays {
		sent, delivered = sent+r.Sent, delivered+r.Delivered
	}
	if sent != int64(n) || delivered != int64(n) {
		s.t.Fatalf("workflow progress per relay: sent %d, delivered %d of %d (%+v)", sent, delivered, n, p.Relays)
	}
}
