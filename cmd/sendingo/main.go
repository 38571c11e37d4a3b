// Command sendingo is the whole product in one binary: the REST API, the Temporal
// worker, migrations, the relay simulator, a one-process dev mode, and the
// infrastructure driver.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones must resolve on minimal images too

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/config"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "sendingo:", err)
		os.Exit(1)
	}
}

// flags that override the environment.
type overrides struct {
	mysqlDSN, temporalAddr, temporalNS, httpAddr, logLevel string
	dev                                                    bool
}

func rootCmd() *cobra.Command {
	var o overrides
	root := &cobra.Command{
		Use:           "sendingo",
		Short:         "Self-hosted customer messaging and engagement platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	f := root.PersistentFlags()
	f.StringVar(&o.mysqlDSN, "mysql-dsn", "", "MySQL DSN (overrides SENDINGO_MYSQL_DSN)")
	f.StringVar(&o.temporalAddr, "temporal-address", "", "Temporal frontend host:port (overrides SENDINGO_TEMPORAL_ADDRESS)")
	f.StringVar(&o.temporalNS, "temporal-namespace", "", "Temporal namespace (overrides SENDINGO_TEMPORAL_NAMESPACE)")
	f.StringVar(&o.httpAddr, "http-addr", "", "API listen address (overrides SENDINGO_HTTP_ADDR)")
	f.StringVar(&o.logLevel, "log-level", "", "debug, info, warn or error (overrides SENDINGO_LOG_LEVEL)")
	f.BoolVar(&o.dev, "dev", false, "dev mode: allow the development JWT secret (overrides SENDINGO_DEV)")

	load := func() (config.Config, *slog.Logger, error) {
		cfg, err := config.FromEnv()
		if err != nil {
			return cfg, nil, err
		}
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		if o.mysqlDSN != "" {
			if err := cfg.SetMySQLDSN(o.mysqlDSN); err != nil {
				return cfg, nil, err
			}
		}
		set(&cfg.TemporalAddress, o.temporalAddr)
		set(&cfg.TemporalNamespace, o.temporalNS)
		set(&cfg.HTTPAddr, o.httpAddr)
		set(&cfg.LogLevel, o.logLevel)
		if o.dev {
			cfg.Dev = true
		}
		level, err := cfg.SlogLevel()
		if err != nil {
			return cfg, nil, err
		}
		log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: level}))
		slog.SetDefault(log)
		return cfg, log, nil
	}
	root.AddCommand(apiCmd(load), workerCmd(load), migrateCmd(load), devCmd(load), relaySimCmd(), benchCmd(load), configCmd())
	root.AddCommand(infraCmd())
	return root
}

type loader func() (config.Config, *slog.Logger, error)

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "List the environment variables sendingo reads, with their defaults",
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, v := range config.Vars {
				fmt.Fprintf(cmd.OutOrStdout(), "%-28s %-40s %s\n", v.Name, v.Default, v.Meaning)
			}
			return nil
		},
	}
}
