package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

// scrape reads a Prometheus text endpoint into its metric families.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("scrape %s: %s", url, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse %s: %v", url, err)
	}
	return fams
}

// sample finds the series of family name whose labels include want, or nil.
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// sum adds the counter values of every series of name whose labels include want.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	total := 0.0
	f := fams[name]
	if f == nil {
		return 0
	}
	for _, m := range f.GetMetric() {
		ok := true
		for _, l := range m.GetLabel() {
			if v, has := want[l.GetName()]; has && v != l.GetValue() {
				ok = false
			}
		}
		if ok {
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// seriesNames lists the names a Prometheus query can use for the families:
// a histogram's _bucket, _sum and _count, a counter's own name.
func seriesNames(fams ...map[string]*dto.MetricFamily) map[string]bool {
	out := map[string]bool{}
	for _, fs := range fams {
		for name, f := range fs {
			out[name] = true
			if f.GetType() == dto.MetricType_HISTOGRAM {
				for _, s := range []string{"_bucket", "_sum", "_count"} {
					out[name+s] = true
				}
			}
		}
	}
	return out
}

// A `sendingo worker` process serves /metrics and /healthz: after a campaign
// over the relay simulator (one relay down, so traffic fails over and its
// circuit opens), the scrape has the Temporal SDK's series and sendingo's own
// — messages by outcome and relay, relay call latency, circuit state — and every
// sendingo_ or temporal_ series the Grafana dashboard queries is one the worker
// or the API really exports.
func TestWorkerServesMetrics(t *testing.T) {
	s := newStack(t)
	simulator := sim.New(sim.Options{Settings: sim.Settings{Latency: sim.Duration(5 * time.Millisecond),
		ReportDelay: sim.Duration(200 * time.Millisecond)}, Seed: 3})
	base, err := simulator.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer simulator.Close()
	// 2,700 of 3,000 messages go to "down" first: six calls of 500, more than the
	// five consecutive failures that open its circuit.
	const n = 3000
	id, relays := s.campaignFixture(n, base, 0, map[string]int{"down": 90, "up": 10}, "down", "up")
	one := 1.0
	if err := simulator.Control(sim.Patch{Relay: "down", FaultRate: &one}); err != nil {
		t.Fatal(err)
	}
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	metricsURL := fmt.Sprintf("http://127.0.0.1:%d", port)
	s.env = append(s.env, fmt.Sprintf("SENDINGO_WORKER_METRICS_ADDR=127.0.0.1:%d", port))
	s.startWorker()

	// /healthz answers ok once the worker polls.
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(metricsURL + "/healthz")
		if err == nil {
			var h struct{ Status string }
			_ = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if resp.StatusCode == 200 && h.Status == "ok" {
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(os.TempDir(), "sendingo-e2e-worker.log"))
			t.Fatalf("worker /healthz not ok after a minute: %v\n%s", err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}

	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)
	done := s.waitCampaign(id, 3*time.Minute)
	if done.Status != "completed" || done.Delivered != n {
		t.Fatalf("campaign %+v", done)
	}
	// The row says completed once FinalizeCampaign ran; the workflow itself
	// completes a moment later, and the scrape must see that too.
	wctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.tc.GetWorkflow(wctx, workflows.CampaignWorkflowID(id), "").Get(wctx, nil); err != nil {
		t.Fatalf("campaign workflow: %v", err)
	}

	// The worker counts a completed workflow once the server has taken the
	// completing task, which may be a moment after the client above heard of
	// it: scrape until the count is there (the checks below say what is missing).
	fams := scrape(t, metricsURL+"/metrics")
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) &&
		sample(fams, "temporal_workflow_completed_total", map[string]string{"workflow_type": "Campaign"}) == nil; {
		time.Sleep(100 * time.Millisecond)
		fams = scrape(t, metricsURL+"/metrics")
	}
	upID, downID := fmt.Sprint(relays["up"]), fmt.Sprint(relays["down"])

	// Every message's verdict came from "up", the relay that took it.
	if got := sum(fams, "sendingo_messages_sent_total", map[string]string{"relay_id": upID, "relay": "up", "channel": "sms", "outcome": "accepted"}); got != n {
		t.Errorf("sendingo_messages_sent_total{relay=up,outcome=accepted} = %v, want %d", got, n)
	}
	if got := sum(fams, "sendingo_messages_sent_total", map[string]string{"relay_id": downID}); got != 0 {
		t.Errorf("messages credited to the relay that was down: %v", got)
	}
	// Calls: down's faulted, up's fine, each with a latency histogram.
	for _, c := range []struct {
		id, name, result string
	}{{downID, "down", "fault"}, {upID, "up", "ok"}} {
		m := sample(fams, "sendingo_relay_call_duration_seconds", map[string]string{"relay_id": c.id, "relay": c.name, "result": c.result})
		if m == nil || m.GetHistogram().GetSampleCount() == 0 || m.GetHistogram().GetSampleSum() <= 0 {
			t.Errorf("no %s calls to %s in sendingo_relay_call_duration_seconds: %v", c.result, c.name, m)
		}
	}
	if m := sample(fams, "sendingo_relay_call_duration_seconds", map[string]string{"relay": "up", "result": "fault"}); m != nil {
		t.Errorf("up had faulted calls: %v", m)
	}
	// Circuits: up closed; down open (or half-open, should the test be slow).
	if m := sample(fams, "sendingo_relay_circuit_state", map[string]string{"relay_id": upID, "state": "closed"}); m.GetGauge().GetValue() != 1 {
		t.Errorf("up's circuit is not closed: %v", m)
	}
	if m := sample(fams, "sendingo_relay_circuit_state", map[string]string{"relay_id": downID, "relay": "down", "state": "closed"}); m == nil || m.GetGauge().GetValue() != 0 {
		t.Errorf("down's circuit reads closed (or is missing): %v", m)
	}
	// The Temporal SDK's own series, from the same scrape.
	for _, want := range []struct {
		name   string
		labels map[string]string
	}{
		{"temporal_activity_execution_latency_seconds", map[string]string{"activity_type": "SendChunk", "task_queue": s.cfg.TaskQueue}},
		{"temporal_activity_schedule_to_start_latency_seconds", map[string]string{"activity_type": "SendChunk"}},
		{"temporal_workflow_task_schedule_to_start_latency_seconds", map[string]string{"workflow_type": "Campaign"}},
		{"temporal_workflow_completed_total", map[string]string{"workflow_type": "Campaign"}},
		{"temporal_request_total", nil},
	} {
		if sample(fams, want.name, want.labels) == nil {
			t.Errorf("the scrape lacks %s%v", want.name, want.labels)
		}
	}

	// The dashboard queries only series that exist.
	exported := seriesNames(fams, scrape(t, s.api+"/metrics"))
	for _, name := range dashboardSeries(t) {
		if (strings.HasPrefix(name, "sendingo_") || strings.HasPrefix(name, "temporal_")) && !exported[name] {
			t.Errorf("the Grafana dashboard queries %s, which neither the worker nor the API exports", name)
		}
	}
}

// dashboardSeries lists the metric names the Grafana dashboard's Prometheus
// queries use.
func dashboardSeries(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "dashboards", "sendingo.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	ident := regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	var out []string
	for _, p := range d.Panels {
		for _, tg := range p.Targets {
			for _, name := range ident.FindAllString(tg.Expr, -1) {
				if (strings.HasPrefix(name, "sendingo_") || strings.HasPrefix(name, "temporal_")) && !slices.Contains(out, name) {
					out = append(out, name)
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("the dashboard queries no sendingo_ or temporal_ series")
	}
	return out
}
