package main

import (
	"flag"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/relay/sim"
)

// relaySimCmd is `sendingo relay-sim`: the relay simulator on its own, for
// benchmarks and for a stack run as separate processes. It serves until SIGINT/SIGTERM cancel the
// command's context.
func relaySimCmd() *cobra.Command {
	var (
		o    sim.Options
		addr string
	)
	cmd := &cobra.Command{
		Use:   "relay-sim",
		Short: "Run the relay simulator (Aligo AlimTalk, Aligo SMS and generic dialects; counts duplicates)",
		Long: `Run the relay simulator. It speaks the Aligo AlimTalk and SMS dialects and the
generic relay dialect (POST /r/{name}/send, GET /r/{name}/reports), with
configurable latency, relay faults, per-recipient failures and delayed delivery
reports. GET /stats shows what it received, duplicates included; POST /control
changes fault rates at runtime; POST /reset forgets everything.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(os.Stdout, nil)).With("component", "relay-sim")
			o.Logger = log
			return sim.New(o).Run(cmd.Context(), addr, func(base string) {
				log.Info("relay simulator listening", "url", base, "stats", base+"/stats")
			})
		},
	}
	def := os.Getenv("SENDINGO_RELAY_SIM_ADDR")
	if def == "" {
		def = "127.0.0.1:8090"
	}
	cmd.Flags().StringVar(&addr, "addr", def, "listen address HOST:PORT (default from SENDINGO_RELAY_SIM_ADDR)")
	gofs := flag.NewFlagSet("relay-sim", flag.ContinueOnError)
	o.RegisterFlags(gofs)
	cmd.Flags().AddGoFlagSet(gofs)
	return cmd
}
