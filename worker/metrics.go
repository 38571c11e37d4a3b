package worker

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/sendingo/sendingo/relay"
)

// latencyBuckets (seconds) suit both relay calls and Temporal task latencies:
// from a millisecond to a minute.
var latencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

// Metrics are the worker process's Prometheus metrics: the Temporal SDK's
// (workflow and activity task latencies, poll and request counts, slots) and
// sendingo's own about relays: messages by outcome, call latency, circuit state.
type Metrics struct {
	// SDK goes into the Temporal client's options (MetricsHandler).
	SDK client.MetricsHandler

	reg      prometheus.Registerer
	messages *prometheus.CounterVec
	calls    *prometheus.HistogramVec
}

// NewMetrics registers the metrics in reg. The SDK's metrics go through
// OpenTelemetry's Prometheus exporter into the same registry, so one scrape
// has all of them; their names are the SDK's with the exporter's unit and
// counter suffixes (temporal_activity_execution_latency_seconds,
// temporal_request_total, ...).
//
// The SDK reports a failing metric to the process's default logger (slog.Default
// when it happens: the command sets it up after the metrics exist).
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo(), otelprom.WithoutTargetInfo())
	if err != nil {
		return nil, fmt.Errorf("temporal sdk metrics exporter: %w", err)
	}
	// The SDK's timers are histograms in seconds; OpenTelemetry's default
	// buckets (0 … 10000) are meant for milliseconds.
	seconds := sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
		sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: latencyBuckets}})
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter), sdkmetric.WithView(seconds))
	m := &Metrics{
		SDK: temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
			Meter: provider.Meter("temporal-sdk-go"),
			// Counters are ever-increasing: exported as Prometheus counters (_total).
			UseMonotonicCounters: true,
			// The default panics; a metric is never worth a crash.
			OnError: func(err error) { slog.Warn("temporal sdk metric", "error", err) },
		}),
		reg: reg,
		messages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "sendingo_messages_sent_total",
			Help: "Messages the worker handed to relays, by the relay's verdict (accepted, delivered, recipient_failed, relay_fault), relay and channel. " +
				"A relay_fault message goes back to pending and counts again when retried; relay_id 0 means no relay took it.",
		}, []string{"relay_id", "relay", "channel", "outcome"}),
		calls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "sendingo_relay_call_duration_seconds",
			Help:    "Duration of provider calls (one batch of messages each), by relay and result (ok, or fault as the circuit breaker counts it).",
			Buckets: latencyBuckets,
		}, []string{"relay_id", "relay", "result"}),
	}
	if err := registerAll(reg, m.messages, m.calls); err != nil {
		return nil, err
	}
	return m, nil
}

func registerAll(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register worker metrics: %w", err)
		}
	}
	return nil
}

// RelayCall counts one provider call (relay.Observer).
func (m *Metrics) RelayCall(c relay.Candidate, latency time.Duration, fault bool) {
	result := "ok"
	if fault {
		result = "fault"
	}
	m.calls.WithLabelValues(strconv.FormatInt(c.ID, 10), c.Name, result).Observe(latency.Seconds())
}

// Delivered counts one message's verdict (relay.Observer).
func (m *Metrics) Delivered(c relay.Candidate, d relay.Delivery) {
	m.messages.WithLabelValues(strconv.FormatInt(c.ID, 10), c.Name, string(d.Channel), d.Outcome.String()).Inc()
}

// WatchRouter makes r report its calls and verdicts here, and its circuits on
// every scrape (sendingo_relay_circuit_state). Call it before r's first Send.
func (m *Metrics) WatchRouter(r *relay.Router) error {
	r.SetObserver(m)
	return registerAll(m.reg, circuitCollector{r})
}

var circuitDesc = prometheus.NewDesc("sendingo_relay_circuit_state",
	"Circuit breaker of each relay this worker has routed to: 1 for its current state (closed, open or half_open), 0 for the others.",
	[]string{"relay_id", "relay", "state"}, nil)

// circuitCollector reads the router's breakers when scraped, so the state is
// never stale (an open circuit turns half-open by the clock alone).
type circuitCollector struct{ r *relay.Router }

func (c circuitCollector) Describe(ch chan<- *prometheus.Desc) { ch <- circuitDesc }

func (c circuitCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.r.States() {
		id := strconv.FormatInt(s.ID, 10)
		for _, state := range []relay.BreakerState{relay.Closed, relay.Open, relay.HalfOpen} {
			v := 0.0
			if s.Breaker.State == state {
				v = 1
			}
			ch <- prometheus.MustNewConstMetric(circuitDesc, prometheus.GaugeValue, v, id, s.Name, state.String())
		}
	}
}

// Health is whether the worker polls its task queue: false while it starts and
// once it stops.
type Health struct{ polling atomic.Bool }

func (h *Health) set(v bool) {
	if h != nil {
		h.polling.Store(v)
	}
}

// Polling reports whether the worker polls its task queue.
func (h *Health) Polling() bool { return h != nil && h.polling.Load() }

// MetricsInFlight is how many /metrics answers a process gathers at once;
// past it a scrape is answered 503 at once. The port listens on every
// interface without a login, so scrapes sent faster than they are answered
// must not pile up gathers (each one reads every metric and builds its text).
const MetricsInFlight = 4

// Handler serves /metrics from g and /healthz from h: 200 while the worker
// polls, 503 before and after.
func Handler(g prometheus.Gatherer, h *Health) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(g, promhttp.HandlerOpts{MaxRequestsInFlight: MetricsInFlight}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		status, code := "ok", http.StatusOK
		if !h.Polling() {
			status, code = "not polling", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"status": status})
	})
	return mux
}
