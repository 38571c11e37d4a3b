package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/store"
)

func apiCmd(load loader) *cobra.Command {
	return &cobra.Command{
		Use:   "api",
		Short: "Serve the REST API",
		RunE: func(cmd *cobra.Command, _ []string) error {
			// A lazy Temporal client lets the API start while Temporal comes up.
			return withServices(cmd, load, true, nil, serveAPIUntilDone)
		},
	}
}

func serveAPIUntilDone(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client) error {
	return serveAPI(ctx, cfg, log, st, tc, nil, nil)
}

// withServices loads the configuration (refusing the development secret outside
// dev mode), connects to MySQL and Temporal (the client reporting to metrics,
// when given), runs fn until the command's context ends, and closes both.
func withServices(cmd *cobra.Command, load loader, lazyTemporal bool, metrics client.MetricsHandler,
	fn func(context.Context, config.Config, *slog.Logger, *store.Store, client.Client) error) error {
	cfg, log, err := load()
	if err != nil {
		return err
	}
	if err := cfg.CheckSecrets(); err != nil {
		return err
	}
	ctx := cmd.Context()
	st, err := store.Open(ctx, cfg.MySQLDSN)
	if err != nil {
		return mysqlHint(cfg, err)
	}
	defer st.Close()
	tc, err := temporalClient(cfg, log, lazyTemporal, metrics)
	if err != nil {
		return err
	}
	defer tc.Close()
	return fn(ctx, cfg, log, st, tc)
}

// serveAPI serves until ctx ends, then drains in-flight requests. reg (nil: the
// API's own) is what /metrics serves. ready, when given, receives the bound
// address once the listener is open.
func serveAPI(ctx context.Context, cfg config.Config, log *slog.Logger, st *store.Store, tc client.Client,
	reg *prometheus.Registry, ready chan<- string) error {
	_, stopPprof, err := servePprof(cfg.PprofAddr, log, "api")
	if err != nil {
		return err
	}
	defer stopPprof()
	a := api.New(api.Deps{Config: cfg, Store: st, Temporal: tc, Log: log, Registry: reg})
	defer a.Close()
	srv := a.HTTPServer()
	// Shutdown waits for requests to end, and event streams end only when the
	// stream hub stops.
	srv.RegisterOnShutdown(a.Close)
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	log.Info("api listening", "addr", ln.Addr().String())
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("api shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// mysqlHint explains how to get MySQL running when it cannot be reached. It
// shows the DSN without its password: this text goes to terminals and logs.
func mysqlHint(cfg config.Config, err error) error {
	var unknownCA x509.UnknownAuthorityError
	var wrongName x509.HostnameError
	var invalid x509.CertificateInvalidError
	if errors.As(err, &unknownCA) || errors.As(err, &wrongName) || errors.As(err, &invalid) {
		return fmt.Errorf("%w\n\nThe database server's certificate was refused (DSN %s): it must be signed by the CA "+
			"of SENDINGO_MYSQL_TLS_CA and made out to the DSN's host", err, config.RedactDSN(cfg.MySQLDSN))
	}
	return fmt.Errorf("%w\n\nMySQL is not reachable with the DSN %s. Start it, for example:\n"+
		"  MariaDB installed here:  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql\n"+
		"  MySQL 8 in a container:  docker run -d -p 3306:3306 -e MYSQL_ALLOW_EMPTY_PASSWORD=yes mysql:8\n"+
		"or point SENDINGO_MYSQL_DSN (or SENDINGO_MYSQL_DSN_FILE) at a running server", err, config.RedactDSN(cfg.MySQLDSN))
}
