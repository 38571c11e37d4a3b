package main

import (
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/config"
)

// temporalOptions are the options of every Temporal client the binary dials
// (api, worker, dev): address and namespace, TLS (mTLS client certificate, CA,
// server name) and the Temporal Cloud API key from cfg, and metrics (nil: none)
// for the SDK's metrics.
func temporalOptions(cfg config.Config, log *slog.Logger, metrics client.MetricsHandler) (client.Options, error) {
	opts := client.Options{
		HostPort:       cfg.TemporalAddress,
		Namespace:      cfg.TemporalNamespace,
		Logger:         tlog.NewStructuredLogger(log.With("component", "temporal-client")),
		MetricsHandler: metrics,
	}
	tlsConf, err := cfg.TemporalTLS()
	if err != nil {
		return opts, err
	}
	opts.ConnectionOptions.TLS = tlsConf
	if cfg.TemporalAPIKey != "" {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.TemporalAPIKey)
	}
	return opts, nil
}

// temporalClient connects to Temporal. A lazy client lets the API start (and
// report "temporal unavailable" on /readyz) while Temporal is still coming up.
func temporalClient(cfg config.Config, log *slog.Logger, lazy bool, metrics client.MetricsHandler) (client.Client, error) {
	opts, err := temporalOptions(cfg, log, metrics)
	if err != nil {
		return nil, err
	}
	if lazy {
		return client.NewLazyClient(opts)
	}
	c, err := client.Dial(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", cfg.TemporalAddress, err)
	}
	return c, nil
}
