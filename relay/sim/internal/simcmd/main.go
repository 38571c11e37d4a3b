// Command simcmd runs the relay simulator alone. Tests build it to run the
// simulator as a separate process; people use `sendingo relay-sim`.
//
// It prints the simulator's base URL on the first line of standard output and
// serves until SIGINT or SIGTERM.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/sendingo/sendingo/relay/sim"
)

func main() {
	var o sim.Options
	fs := flag.NewFlagSet("simcmd", flag.ExitOnError)
	o.RegisterFlags(fs)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	_ = fs.Parse(os.Args[1:])
	if err := o.Validate(); err != nil {
		fmt.Fprintln(os.Stderr, "simcmd:", err)
		os.Exit(2)
	}
	o.Logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := sim.New(o).Run(ctx, *addr, func(base string) { fmt.Println(base) })
	if err != nil {
		fmt.Fprintln(os.Stderr, "simcmd:", err)
		os.Exit(1)
	}
}
