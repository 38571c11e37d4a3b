package main

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/migrations"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/worker"
)

func devCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "dev",
		Short: "Run everything locally: migrations, a Temporal dev server with Temporal Web, worker, API and relay simulator",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, log, err := load()
			if err != nil {
				return err
			}
			cfg.Dev = true
			if cfg.TemporalTLSEnabled() {
				// The dev server it starts speaks plaintext on loopback.
				log.Warn("sendingo dev starts its own Temporal dev server: SENDINGO_TEMPORAL_TLS_* and SENDINGO_TEMPORAL_API_KEY are ignored")
				cfg.TemporalTLSCert, cfg.TemporalTLSKey, cfg.TemporalTLSCA, cfg.TemporalTLSServerName, cfg.TemporalAPIKey = "", "", "", "", ""
			}
			// Relays of kind simulator point at the local relay simulator, a
			// loopback address: let tenants' relays (and only them) reach it.
			simHosts, err := simAllowList(cfg.RelaySimAddr)
			if err != nil {
				return err
			}
			cfg.AllowPrivateHosts = append(cfg.AllowPrivateHosts, simHosts...)
			ctx := cmd.Context()

			if err := ensureDatabase(ctx, cfg); err != nil {
				return err
			}
			if err := migrations.Up(cfg.MySQLDSN); err != nil {
				return fmt.Errorf("migrate: %w", err)
			}
			log.Info("database migrated")

			host, portStr, err := net.SplitHostPort(cfg.TemporalAddress)
			if err != nil {
				return fmt.Errorf("SENDINGO_TEMPORAL_ADDRESS %q: %w", cfg.TemporalAddress, err)
			}
			port, _ := strconv.Atoi(portStr)
			cli, err := devserver.EnsureCLI(ctx, log)
			if err != nil {
				return err
			}
			dataDir, _ := filepath.Abs(cfg.DataDir)
			temporal, err := devserver.Start(ctx, devserver.Options{
				CLI: cli, IP: host, Port: port, UIPort: cfg.TemporalUIPort,
				Namespace: cfg.TemporalNamespace,
				DBFile:    filepath.Join(dataDir, "temporal.db"),
				LogFile:   filepath.Join(dataDir, "temporal.log"),
			})
			if err != nil {
				return err
			}
			defer func() {
				log.Info("stopping temporal dev server")
				temporal.Stop()
			}()
			log.Info("temporal dev server started", "address", temporal.Address, "ui", temporal.UIURL)

			st, err := store.Open(ctx, cfg.MySQLDSN)
			if err != nil {
				return mysqlHint(cfg, err)
			}
			defer st.Close()
			// One process, one /metrics: the API's serves the worker's metrics and
			// the Temporal SDK's too.
			reg := newRegistry()
			metrics, err := worker.NewMetrics(reg)
			if err != nil {
				return err
			}
			tc, err := temporalClient(cfg, log, false, metrics.SDK)
			if err != nil {
				return err
			}
			defer tc.Close()

			// Every component runs until ctx ends (Ctrl-C) or one of them fails.
			runCtx, cancel := context.WithCancel(ctx)
			defer cancel()
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			run := func(name string, fn func(context.Context) error) {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if err := fn(runCtx); err != nil {
						errs <- fmt.Errorf("%s: %w", name, err)
						cancel()
					}
				}()
			}
			run("worker", func(ctx context.Context) error { return runWorker(ctx, cfg, log, st, tc, metrics, nil) })
			// The relay simulator plays the providers locally; it creates no relay
			// on its own (the README shows how to add one).
			simURL := make(chan string, 1)
			run("relay-sim", func(ctx context.Context) error {
				s := sim.New(sim.Options{Settings: sim.Settings{Latency: sim.Duration(20 * time.Millisecond),
					ReportDelay: sim.Duration(2 * time.Second)}, Logger: log.With("component", "relay-sim")})
				return s.Run(ctx, cfg.RelaySimAddr, func(base string) { simURL <- base })
			})
			apiReady := make(chan string, 1)
			run("api", func(ctx context.Context) error { return serveAPI(ctx, cfg, log, st, tc, reg, apiReady) })
			select {
			case addr := <-apiReady:
				simBase := ""
				select {
				case simBase = <-simURL:
				case <-time.After(5 * time.Second):
				}
				printDevBanner(cmd, addr, temporal, simBase, cfg.DataDir)
			case <-runCtx.Done():
			}
			select {
			case <-runCtx.Done():
			case <-temporal.Done():
				errs <- fmt.Errorf("temporal dev server exited; see %s", filepath.Join(dataDir, "temporal.log"))
				cancel()
			}
			wg.Wait()
			close(errs)
			return <-errs
		},
	}
}

func printDevBanner(cmd *cobra.Command, apiAddr string, t *devserver.Server, simURL, dataDir string) {
	host, port, _ := net.SplitHostPort(apiAddr)
	if host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	fmt.Fprintf(cmd.ErrOrStderr(), `
sendingo is running (Ctrl-C stops everything):
  API            http://%s:%s/api/v1   (health: /healthz, /readyz; metrics: /metrics)
  OpenAPI        http://%s:%s/api/openapi.yaml
  Temporal       %s
  Temporal Web   %s
  relay sim      %s   (counters: /stats)
  data           %s

`, host, port, host, port, t.Address, t.UIURL, simURL, dataDir)
}

// simAllowList is how relays name the simulator at addr: the address itself,
// and for a wildcard listen address the loopback forms and localhost.
func simAllowList(addr string) ([]string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("SENDINGO_RELAY_SIM_ADDR %q: %w", addr, err)
	}
	switch {
	case port == "0":
		return nil, nil // a random port: relays cannot name it ahead anyway
	case host == "" || host == "0.0.0.0" || host == "::":
		return []string{net.JoinHostPort("127.0.0.1", port), net.JoinHostPort("::1", port), net.JoinHostPort("localhost", port)}, nil
	}
	return []string{addr}, nil
}
