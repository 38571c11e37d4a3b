package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/worker"
)

func workerCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "worker",
		Short: "Run the Temporal worker (workflows and activities); /metrics and /healthz on SENDINGO_WORKER_METRICS_ADDR",
		RunE: func(cmd *cobra.Command, _ []string) error {
			reg := newRegistry()
			m, err := worker.NewMetrics(reg)
			if err != nil {
				return err
			}
			return withServices(cmd, load, false, m.SDK, func(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client) error {
				return serveWorker(ctx, cfg, log, st, tc, reg, m)
			})
		},
	}
}

// newRegistry is a Prometheus registry with the Go runtime and process collectors.
func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveWorker runs the worker and its metrics and health listener until ctx
// ends. The listener opens first, so a taken port stops the start at once and
// Prometheus sees a starting worker too (/healthz answers 503 until it polls).
func serveWorker(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client,
	reg *prometheus.Registry, m *worker.Metrics) error {
	ln, err := net.Listen("tcp", cfg.WorkerMetricsAddr)
	if err != nil {
		return fmt.Errorf("SENDINGO_WORKER_METRICS_ADDR %s: %w", cfg.WorkerMetricsAddr, err)
	}
	if os.Getenv("GOMEMLIMIT") == "" && cfg.WorkerMemoryLimit > 0 {
		// Chunks and audience batches are transient: a soft limit makes the GC
		// return their memory sooner instead of letting the heap double.
		debug.SetMemoryLimit(cfg.WorkerMemoryLimit)
	}
	_, stopPprof, err := servePprof(cfg.PprofAddr, log, "worker")
	if err != nil {
		return err
	}
	defer stopPprof()
	health := &worker.Health{}
	srv := api.NewHTTPServer(cfg, worker.Handler(reg, health), log)
	log.Info("worker metrics listening", "addr", ln.Addr().String())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	werr := runWorker(ctx, cfg, log, st, tc, m, health)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return errors.Join(werr, fmt.Errorf("worker metrics listener: %w", err))
	}
	return werr
}

// runWorker runs the worker until ctx ends; its relay router reports to m and
// health (nil: none) says whether it polls.
func runWorker(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client,
	m *worker.Metrics, health *worker.Health) error {
	guard, err := cfg.Egress()
	if err != nil {
		return err
	}
	if allowed := guard.List(); len(allowed) > 0 {
		log.Info("tenant addresses may reach these private hosts", "allow_private_hosts", allowed)
	}
	acts := activities.New(st, log, cfg.PublicURL, guard)
	if err := m.WatchRouter(acts.Router); err != nil {
		return err
	}
	mailer, err := outbound.NewSMTPMailer(cfg.SMTPAddr, cfg.MailFrom, acts.RelayOptions,
		outbound.SMTPAuth{Username: cfg.SMTPUsername, Password: cfg.SMTPPassword})
	if err != nil {
		return fmt.Errorf("SENDINGO_SMTP_ADDR: %w", err)
	}
	acts.Mail = mailer
	acts.LinkKey = onetime.Key(cfg.JWTSecret)
	acts.LogLinks = cfg.Dev
	acts.AlertMailsPerHour = cfg.AlertMailsPerHour
	w := worker.New(tc, cfg.TaskQueue, acts, worker.DefaultOptions())
	log.Info("worker started", "task_queue", cfg.TaskQueue)
	defer log.Info("worker stopped")
	return worker.Run(ctx, w, health)
}
