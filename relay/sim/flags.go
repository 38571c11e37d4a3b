package sim

import (
	"flag"
	"time"
)

// String and Set make *Duration a flag.Value.
func (d *Duration) String() string { return time.Duration(*d).String() }

// Set reads a flag value such as "20ms".
func (d *Duration) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Type names the flag's type in help texts ("--latency duration").
func (d *Duration) Type() string { return "duration" }

// RegisterFlags binds o's settings to command-line flags, so that `sendingo
// relay-sim` and the test binary take the same ones.
func (o *Options) RegisterFlags(fs *flag.FlagSet) {
	fs.Var(&o.Latency, "latency", "latency added to every request, e.g. 20ms")
	fs.Var(&o.Jitter, "jitter", "latency jitter: ± uniform range, or the standard deviation with --distribution normal")
	fs.StringVar(&o.Distribution, "distribution", "uniform", "latency distribution: uniform or normal")
	fs.Float64Var(&o.FaultRate, "fault-rate", 0, "share of requests answered 503, 0..1")
	fs.Float64Var(&o.RecipientFailRate, "recipient-fail-rate", 0, "share of messages failing for their recipient, 0..1")
	fs.Float64Var(&o.ReportFailRate, "report-fail-rate", 0, "share of accepted messages whose delivery report says failed, 0..1")
	fs.Var(&o.ReportDelay, "report-delay", "time until a delivery report is final, e.g. 2s")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the simulated decisions")
	fs.StringVar(&o.Token, "token", "", "bearer token the generic dialect requires (none if empty)")
	fs.StringVar(&o.AligoKey, "aligo-key", "", "the only apikey/key the Aligo dialects accept (any if empty)")
	fs.IntVar(&o.MaxBatch, "max-batch", 1000, "most messages one request may carry")
}

// Validate checks the settings given by flags.
func (o *Options) Validate() error { return o.Settings.validate() }
