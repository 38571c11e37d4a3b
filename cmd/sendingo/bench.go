package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/bench"
	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/store"
)

func benchCmd(load loader) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run end-to-end benchmarks on this machine and print their figures",
	}
	var xlsxRows, csvRows int
	var keep bool
	var baseline string
	imp := &cobra.Command{
		Use:   "import",
		Short: "Build a large .xlsx and .csv, import each end to end (upload → staged → committed), print rows/s and peak memory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			dir, err := os.MkdirTemp("", "sendingo-bench-import-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			type job struct {
				format string
				rows   int
			}
			var jobs []job
			if xlsxRows > 0 {
				jobs = append(jobs, job{"xlsx", xlsxRows})
			}
			if csvRows > 0 {
				jobs = append(jobs, job{"csv", csvRows})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "machine: %d CPUs, %s/%s, %s\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
			var files []string
			for _, j := range jobs {
				fmt.Fprintf(out, "generating %d-row %s ...\n", j.rows, j.format)
				path, err := bench.GenerateImportFile(dir, j.format, j.rows)
				if err != nil {
					return err
				}
				files = append(files, path)
			}
			stack, err := bench.Start(ctx, cfg, "import")
			if err != nil {
				return err
			}
			defer stack.Close()
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "file\trows\tsize\tstage\tcommit\ttotal\trows/s\tpeak RSS\tpeak heap\t")
			totals := map[string]float64{}
			for i, j := range jobs {
				r, err := stack.Import(ctx, files[i], j.rows)
				if err != nil {
					return err
				}
				totals[r.File] = (r.Staged + r.Committed).Seconds()
				fmt.Fprintf(tw, "%s\t%d\t%s\t%.2fs\t%.2fs\t%.2fs\t%.0f\t%s\t%s\t\n", r.File, r.Rows, bench.MB(uint64(r.FileBytes)),
					r.Staged.Seconds(), r.Committed.Seconds(), (r.Staged + r.Committed).Seconds(), r.RowsPerSecond(),
					bench.MB(r.PeakRSS), bench.MB(r.PeakHeap))
				tw.Flush()
			}
			fmt.Fprintf(out, "process high-water RSS: %s\n", bench.MB(bench.PeakRSS()))
			stack.Close()
			if baseline == "" {
				return nil
			}
			// The baseline: REF's own `bench import` with the same settings, in turn.
			fmt.Fprintf(out, "\nbaseline %s (built in a temporary worktree, its own `bench import` with the same settings):\n", baseline)
			bin, cleanup, err := bench.BuildRef(ctx, baseline)
			if err != nil {
				return err
			}
			defer cleanup()
			b, err := exec.CommandContext(ctx, bin, "bench", "import", "--xlsx-rows", strconv.Itoa(xlsxRows),
				"--csv-rows", strconv.Itoa(csvRows)).Output()
			out.Write(b)
			if err != nil {
				return fmt.Errorf("baseline bench import: %w", err)
			}
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Fields(line)
				if len(f) < 8 || totals[f[0]] == 0 {
					continue
				}
				// stage, commit and total are the fields like "12.08s".
				var secs []float64
				for _, v := range f[2:] {
					if d, err := time.ParseDuration(v); err == nil && strings.HasSuffix(v, "s") {
						secs = append(secs, d.Seconds())
					}
				}
				if len(secs) >= 3 {
					fmt.Fprintf(out, "%s: this build %.2fs, baseline %.2fs end to end: %.2f× faster\n", f[0], totals[f[0]], secs[2], secs[2]/totals[f[0]])
				}
			}
			return nil
		},
	}
	imp.Flags().StringVar(&baseline, "baseline", "", "git ref to build in a temporary worktree and run the same import benchmark of, in turn (e.g. 24fff19)")
	imp.Flags().IntVar(&xlsxRows, "xlsx-rows", 100000, "rows of the .xlsx file (0 skips it)")
	imp.Flags().IntVar(&csvRows, "csv-rows", 1000000, "rows of the .csv file (0 skips it)")
	imp.Flags().BoolVar(&keep, "keep-files", false, "keep the generated files")
	cmd.AddCommand(imp, campaignBenchCmd(load), redirectsBenchCmd(load), dashboardBenchCmd(load), streamBenchCmd(load))
	return cmd
}

func campaignBenchCmd(load loader) *cobra.Command {
	var (
		o        bench.CampaignOptions
		baseline string
		floor    bool
		rounds   int
	)
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Send one campaign to N seeded recipients through the relay simulator (a separate process) and print messages/s, worker memory, history length and duplicates; with --baseline, the same run of a git ref's build and the MySQL floor",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkRounds(rounds, baseline); err != nil {
				return err
			}
			cfg, _, err := load()
			if err != nil {
				return err
			}
			if o.Binary, err = os.Executable(); err != nil {
				return err
			}
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "machine: %d CPUs, %s/%s, %s; load %s; %d recipients, %v per relay call, %d relay(s), chunks of %d, %d in flight, %d worker(s)\n",
				runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage(), o.Recipients, o.Latency, o.Relays,
				cfg.ChunkSize, cfg.ChunkWindow, max(o.Workers, 1))
			if err := printServer(ctx, out, cfg.MySQLDSN); err != nil {
				return err
			}
			baseBin, cleanup, err := buildBaseline(ctx, out, baseline)
			if err != nil {
				return fmt.Errorf("baseline %s: %w", baseline, err)
			}
			defer cleanup()
			// With --rounds, the baseline and this build run in turn, and each
			// round's ratio is of two runs minutes apart: the machine's drift
			// over the whole bench weighs on the ratios less than on the times.
			var (
				bases  []*baselineRun
				runs   []bench.CampaignResult
				ratios []float64
			)
			for round := 1; round <= rounds; round++ {
				if rounds > 1 {
					fmt.Fprintf(out, "\n=== round %d of %d ===\n", round, rounds)
				}
				if baseBin != "" {
					fmt.Fprintf(out, "\n== baseline %s ==\n", baseline)
					b, err := runBaseline(ctx, out, baseBin, o)
					if err != nil {
						return fmt.Errorf("baseline %s: %w", baseline, err)
					}
					bases = append(bases, b)
				}
				fmt.Fprintf(out, "\n== this build ==\n")
				stack, err := bench.Start(ctx, cfg, "campaign", bench.Options{ExternalWorker: true})
				if err != nil {
					return err
				}
				r, err := stack.RunCampaign(ctx, o)
				stack.Close()
				if err != nil {
					return err
				}
				printCampaign(out, r)
				runs = append(runs, r)
				if baseBin != "" {
					ratios = append(ratios, bases[round-1].total.Seconds()/r.Total.Seconds())
					if rounds > 1 {
						fmt.Fprintf(out, "round %d: baseline %.1fs, this build %.1fs: %.2f×\n",
							round, bases[round-1].total.Seconds(), r.Total.Seconds(), ratios[round-1])
					}
				}
			}
			// The figures below are the median round's (by its ratio; without a
			// baseline, the only one).
			k := 0
			if len(ratios) > 0 {
				m := median(ratios)
				k = slices.Index(ratios, m)
			}
			r := runs[k]
			var base *baselineRun
			if len(bases) > 0 {
				base = bases[k]
			}
			if !floor && base == nil {
				return nil
			}
			var f bench.FloorResult
			if floor {
				fmt.Fprintf(out, "\n== MySQL floor ==\n")
				if f, err = bench.Floor(ctx, cfg.MySQLDSN, o.Recipients); err != nil {
					return err
				}
				fmt.Fprintf(out, "floor: insert %d rows %.1fs + hand-over status write %.1fs + report status write %.1fs = %.1fs (%.0f rows/s); MariaDB CPU %.1fs\n",
					f.Rows, f.Insert.Seconds(), f.Handover.Seconds(), f.Report.Seconds(), f.Total().Seconds(),
					float64(f.Rows)/f.Total().Seconds(), f.DatabaseCPU.Seconds())
			}
			fmt.Fprintf(out, "\n== summary (load %s) ==\n", loadAverage())
			fmt.Fprintf(out, "this build: %.1fs end to end, worker peak RSS %s, duplicates %d; CPU: workers %.1fs, MariaDB %.1fs\n",
				r.Total.Seconds(), bench.MB(r.WorkerPeakRSS), r.SimDupes, r.WorkerCPU.Seconds(), r.DatabaseCPU.Seconds())
			if base != nil {
				fmt.Fprintf(out, "baseline %s: %.1fs end to end, worker peak RSS %s%s\n", baseline, base.total.Seconds(), base.rss, base.cpu)
				if rounds > 1 {
					var each []string
					for _, x := range ratios {
						each = append(each, fmt.Sprintf("%.2f×", x))
					}
					fmt.Fprintf(out, "rounds: %s; the median round is %d (its figures above and below)\n", strings.Join(each, ", "), k+1)
				}
				fmt.Fprintf(out, "baseline ÷ this build: %.2f× (target ≥ 2×)\n", base.total.Seconds()/r.Total.Seconds())
			}
			if floor {
				fmt.Fprintf(out, "floor: %.1fs; this build ÷ floor: %.2f (target ≤ 1.5)\n", f.Total().Seconds(), r.Total.Seconds()/f.Total().Seconds())
				if b := f.CPUBound(r.WorkerCPU+r.SimulatorCPU, runtime.NumCPU()); b > 0 {
					fmt.Fprintf(out, "CPU bound (the floor's MariaDB CPU %.1fs and this build's workers and simulator %.1fs, spread over %d cores): %.1fs = %.2f × floor; this build ÷ bound: %.2f\n",
						f.DatabaseCPU.Seconds(), (r.WorkerCPU + r.SimulatorCPU).Seconds(), runtime.NumCPU(), b.Seconds(),
						b.Seconds()/f.Total().Seconds(), r.Total.Seconds()/b.Seconds())
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Recipients, "recipients", 1000000, "recipients to seed and send to")
	cmd.Flags().DurationVar(&o.Latency, "latency", 20*time.Millisecond, "simulated latency of every relay call")
	cmd.Flags().DurationVar(&o.ReportDelay, "report-delay", time.Second, "delay before a message's delivery report is final")
	cmd.Flags().IntVar(&o.Relays, "relays", 2, "simulator relays, equal weights")
	cmd.Flags().IntVar(&o.Workers, "workers", 1, "worker processes")
	cmd.Flags().StringVar(&o.PprofAddr, "pprof-addr", "", "serve the first worker's /debug/pprof/ there (SENDINGO_PPROF_ADDR)")
	cmd.Flags().StringVar(&baseline, "baseline", "", "also build this git ref in a temporary worktree and run its campaign bench with the same settings first")
	cmd.Flags().IntVar(&rounds, "rounds", 1, "with --baseline: run the baseline and this build in turn this many times, and report the median round's ratio")
	cmd.Flags().BoolVar(&floor, "floor", true, "with --baseline or alone: measure the MySQL floor for the same number of rows")
	return cmd
}

// checkRounds refuses a --rounds the campaign bench could not honour: fewer
// than one, or more than one with no baseline to alternate with.
func checkRounds(rounds int, baseline string) error {
	switch {
	case rounds < 1:
		return fmt.Errorf("--rounds %d: want at least 1", rounds)
	case rounds > 1 && baseline == "":
		return fmt.Errorf("--rounds %d: rounds alternate this build with a baseline; give --baseline", rounds)
	}
	return nil
}

// median is the middle value of v (the upper one of an even count).
func median(v []float64) float64 {
	v = append([]float64(nil), v...)
	sort.Float64s(v)
	return v[len(v)/2]
}

// printCampaign prints one campaign run's figures.
func printCampaign(out io.Writer, r bench.CampaignResult) {
	var samples []string
	for i, s := range r.WorkerRSSSamples {
		if i%2 == 0 {
			samples = append(samples, strings.TrimSuffix(bench.MB(s), " MB"))
		}
	}
	fmt.Fprintf(out, "seeded %d customers in %.1fs\n", r.Recipients, r.Seed.Seconds())
	fmt.Fprintf(out, "end to end (send → last status written): %.1fs = %.0f messages/s\n", r.Total.Seconds(), r.MessagesPerSecond())
	fmt.Fprintf(out, "  prepare (send → first message at a relay): %.1fs; hand-over to relays: %.1fs (%.0f messages/s); after the last hand-over: %.1fs\n",
		r.Prepare.Seconds(), r.Handover.Seconds(), float64(r.Recipients)/max(r.Handover.Seconds(), 0.001),
		(r.Total - r.Prepare - r.Handover).Seconds())
	fmt.Fprintf(out, "  the send request (checks before starting): %.1fs\n", r.SendCall.Seconds())
	var acts []string
	for name, d := range r.Activities {
		acts = append(acts, fmt.Sprintf("%s %.1fs", name, d.Seconds()))
	}
	sort.Strings(acts)
	fmt.Fprintf(out, "  activity time, summed: %s\n", strings.Join(acts, ", "))
	var each []string
	for _, p := range r.WorkerPeakRSSEach {
		each = append(each, bench.MB(p))
	}
	fmt.Fprintf(out, "worker peak RSS: %s (each: %s); RSS every 2 s, MB: %s\n", bench.MB(r.WorkerPeakRSS), strings.Join(each, ", "), strings.Join(samples, " "))
	fmt.Fprintf(out, "CPU from send to completion: workers %.1fs, MariaDB %.1fs, simulator %.1fs (%.2f cores busy)\n",
		r.WorkerCPU.Seconds(), r.DatabaseCPU.Seconds(), r.SimulatorCPU.Seconds(),
		(r.WorkerCPU+r.DatabaseCPU+r.SimulatorCPU).Seconds()/r.Total.Seconds())
	fmt.Fprintf(out, "workflow history: %d events over %d run(s)\n", r.HistoryEvents, r.Runs)
	fmt.Fprintf(out, "simulator: received %d, unique %d, duplicates %d; delivered %d\n", r.SimReceived, r.SimUnique, r.SimDupes, r.Delivered)
}

// baselineRun is what a baseline build's campaign bench printed.
type baselineRun struct {
	total time.Duration
	rss   string
	cpu   string // "; CPU: workers …, MariaDB …", when its bench prints them
}

var (
	endToEndLine = regexp.MustCompile(`end to end \(send → last status written\): ([0-9.]+)s`)
	peakRSSLine  = regexp.MustCompile(`worker peak RSS: ([0-9]+ MB)`)
	cpuLine      = regexp.MustCompile(`CPU from send to completion: workers ([0-9.]+s), MariaDB ([0-9.]+s)`)
)

// startSeedStackWithBaseline builds the baseline ref, if any, then starts the
// seeding stack (startSeedStack): the campaign is seeded through an API in this
// process (it allows the relay simulator it starts), and the APIs measured run
// in processes of their own. done closes the stack and removes the baseline.
func startSeedStackWithBaseline(cmd *cobra.Command, load loader, name, ref string) (stack *bench.Stack, self, baseBin string, done func(), err error) {
	baseBin, cleanup, err := buildBaseline(cmd.Context(), cmd.OutOrStdout(), ref)
	if err != nil {
		return nil, "", "", nil, err
	}
	stack, self, err = startSeedStack(cmd, load, name)
	if err != nil {
		cleanup()
		return nil, "", "", nil, err
	}
	return stack, self, baseBin, func() { stack.Close(); cleanup() }, nil
}

// buildBaseline builds ref (bench.BuildRef) saying so on out; with no ref it
// builds nothing and answers "".
func buildBaseline(ctx context.Context, out io.Writer, ref string) (bin string, cleanup func(), err error) {
	if ref == "" {
		return "", func() {}, nil
	}
	fmt.Fprintf(out, "building %s in a temporary worktree ...\n", ref)
	return bench.BuildRef(ctx, ref)
}

// runBaseline runs a baseline build's own campaign bench (bin, built by
// buildBaseline) with o's settings, echoing what it prints.
func runBaseline(ctx context.Context, out io.Writer, bin string, o bench.CampaignOptions) (*baselineRun, error) {
	args := []string{"bench", "campaign", "--recipients", strconv.Itoa(o.Recipients), "--latency", o.Latency.String(),
		"--report-delay", o.ReportDelay.String(), "--relays", strconv.Itoa(o.Relays)}
	// A build that measures the floor itself would do so after its run: the
	// floor is measured once, by this build, after both runs.
	if help, err := exec.CommandContext(ctx, bin, "bench", "campaign", "--help").Output(); err == nil && strings.Contains(string(help), "--floor") {
		args = append(args, "--floor=false")
	}
	run := exec.CommandContext(ctx, bin, args...)
	// Its workers must not take the metrics port of a worker running here.
	run.Env = append(os.Environ(), "SENDINGO_WORKER_METRICS_ADDR=127.0.0.1:0")
	var buf strings.Builder
	run.Stdout = io.MultiWriter(out, &buf)
	run.Stderr = io.Discard
	if err := run.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	return parseBaselineRun(buf.String())
}

// parseBaselineRun reads the figures a campaign bench printed (printCampaign,
// or an older build's own lines): the end-to-end time, which it must hold,
// and the worker's peak RSS and the CPU times where it has them.
func parseBaselineRun(out string) (*baselineRun, error) {
	m := endToEndLine.FindStringSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("no end-to-end figure in the baseline's output")
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	r := &baselineRun{total: time.Duration(secs * float64(time.Second))}
	if m := peakRSSLine.FindStringSubmatch(out); m != nil {
		r.rss = m[1]
	}
	if m := cpuLine.FindStringSubmatch(out); m != nil {
		r.cpu = fmt.Sprintf("; CPU: workers %s, MariaDB %s", m[1], m[2])
	}
	return r, nil
}

// loadAverage is /proc/loadavg's first three figures ("?" when unreadable).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func redirectsBenchCmd(load loader) *cobra.Command {
	var (
		links       int
		concurrency int
		duration    time.Duration
		baseline    string
		rounds      int
		warmup      time.Duration
		cpuProfile  string
		only        string
	)
	cmd := &cobra.Command{
		Use: "redirects",
		Short: "Load tracking links (/t/{token}) from concurrent clients against the API in its own process; print redirects/s, p50/p99, " +
			"and check every click was recorded (--baseline REF: the same against REF's API; nginx `return 302` where installed)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			switch only {
			case "go", "wrk", "both":
			default:
				return fmt.Errorf("--client %q: want go, wrk or both", only)
			}
			stack, self, baseBin, done, err := startSeedStackWithBaseline(cmd, load, "redirects", baseline)
			if err != nil {
				return err
			}
			defer done()
			r, err := stack.RunCampaign(ctx, bench.CampaignOptions{Recipients: links, Buttons: true, Latency: 20 * time.Millisecond,
				ReportDelay: time.Second, Relays: 1, Binary: self})
			if err != nil {
				return err
			}
			var me struct {
				Account struct {
					ID int64 `json:"id"`
				} `json:"account"`
			}
			if err := stack.Call(ctx, "GET", "/api/v1/me", "", nil, 200, &me); err != nil {
				return err
			}
			key := store.CampaignKey{AccountID: me.Account.ID, ID: r.CampaignID}
			tokens, err := stack.Store.LinkTokens(ctx, key, links)
			if err != nil {
				return err
			}
			type target struct {
				name, base string
				clicks     *store.Store // where an API must record a click per redirect (nil: nginx)
				pid        int          // the API process (0: nginx)
			}
			// The bench measures the recording path: every answered redirect
			// must have its click, however long the run and however few the
			// links, so no link reaches its hourly share.
			env := []string{"SENDINGO_CLICKS_PER_LINK=1000000000"}
			pprofAddr := ""
			if cpuProfile != "" {
				port, err := devserver.FreePort("127.0.0.1")
				if err != nil {
					return err
				}
				pprofAddr = fmt.Sprintf("127.0.0.1:%d", port)
				env = append(env, "SENDINGO_PPROF_ADDR="+pprofAddr)
			}
			this, err := stack.StartAPIProcess(ctx, self, env...)
			if err != nil {
				return err
			}
			defer this.Stop()
			targets := []target{{"this build", this.Base, stack.Store, this.Process.Pid}}
			if baseBin != "" {
				// The baseline resolves the same tokens in a database of its
				// own schema, and its clicks grow a table of their own.
				dsn, err := stack.LinksDatabase(ctx, baseBin, "redirects_baseline")
				if err != nil {
					return err
				}
				st, err := store.Open(ctx, dsn)
				if err != nil {
					return err
				}
				defer st.Close()
				p, err := stack.StartAPIProcess(ctx, baseBin, "SENDINGO_MYSQL_DSN="+dsn)
				if err != nil {
					return err
				}
				defer p.Stop()
				targets = append(targets, target{"baseline " + baseline, p.Base, st, p.Process.Pid})
			}
			nginx, wrk := bench.HaveNginxWrk()
			if nginx != "" {
				base, stop, err := bench.StartNginx(ctx, nginx)
				if err != nil {
					return err
				}
				defer stop()
				targets = append(targets, target{"nginx return 302", base, nil, 0})
			} else {
				fmt.Fprintln(out, "nginx is not installed: no nginx figure (apt-get install nginx)")
			}
			var clients []string
			if only != "wrk" {
				clients = append(clients, "go")
			}
			if wrk != "" && only != "go" {
				clients = append(clients, "wrk")
			} else if wrk == "" {
				fmt.Fprintln(out, "wrk is not installed: the Go closed-loop client only (apt-get install wrk)")
			}
			if len(clients) == 0 {
				return fmt.Errorf("--client %s: wrk is not installed", only)
			}
			fmt.Fprintf(out, "machine: %d CPUs; %d tracking links; %d concurrent clients for %v a run; %d rounds of the targets in turn; APIs in their own processes\n",
				runtime.NumCPU(), len(tokens), concurrency, duration, rounds)
			if err := printServer(ctx, out, stack.Cfg.MySQLDSN); err != nil {
				return err
			}
			dbPid := bench.LocalMySQLPid() // 0 (no figure) when the database is elsewhere
			var failed error
			for _, client := range clients {
				if warmup > 0 {
					// Each target first answers a run that is not counted, as a
					// server in service would be warm: its link cache filled, its
					// heap grown to its working size, the database's pages read.
					// Again before each client's rounds: the rounds before outlast
					// the link cache's minute, and a first round that finds every
					// link expired at once measures what no server in service does.
					fmt.Fprintf(out, "warm-up: %v of the Go client against each target before the %s rounds, not counted\n", warmup, client)
					for _, t := range targets {
						if l := bench.RedirectsAt(ctx, t.base, tokens, concurrency, warmup); l.Failures > 0 {
							return fmt.Errorf("warm-up of %s: %d failures", t.name, l.Failures)
						}
					}
				}
				rates := map[string][]float64{}
				for round := 1; round <= rounds; round++ {
					for _, t := range targets {
						var before, after int64
						if t.clicks != nil {
							if before, err = t.clicks.CountClicks(ctx, key); err != nil {
								return err
							}
						}
						var cpu0 time.Duration
						if t.pid != 0 {
							cpu0 = bench.ProcessCPU(t.pid)
						}
						dbCPU0 := bench.ProcessCPU(dbPid)
						machine0 := bench.ReadMachineCPU()
						commits0, haveCommits := bench.ScrapeCounter(ctx, t.base, "sendingo_click_commits_total")
						var profiled chan error
						if cpuProfile != "" && round == 1 && t.name == "this build" && client == clients[len(clients)-1] {
							// The API's CPU profile over this run (less a second
							// at each end), written to --cpuprofile.
							profiled = make(chan error, 1)
							go func() {
								profiled <- bench.FetchCPUProfile(ctx, pprofAddr, duration-time.Second, cpuProfile)
							}()
						}
						var l bench.Latency
						if client == "go" {
							l = bench.RedirectsAt(ctx, t.base, tokens, concurrency, duration)
						} else if l, err = bench.WrkRedirects(ctx, wrk, t.base, tokens, concurrency, duration); err != nil {
							return err
						}
						// The processes' CPU over the run, read before the clicks
						// are counted (a COUNT over the campaign's clicks is the
						// bench's work, not the redirects').
						var apiCPU time.Duration
						if t.pid != 0 {
							apiCPU = bench.ProcessCPU(t.pid) - cpu0
						}
						dbCPU := bench.ProcessCPU(dbPid) - dbCPU0
						busy, steal := bench.ReadMachineCPU().Shares(machine0)
						if profiled != nil {
							if err := <-profiled; err != nil {
								return err
							}
							fmt.Fprintf(out, "this build's API CPU profile: %s (go tool pprof -top %s)\n", cpuProfile, cpuProfile)
						}
						time.Sleep(500 * time.Millisecond)
						if t.clicks != nil {
							if after, err = t.clicks.CountClicks(ctx, key); err != nil {
								return err
							}
						}
						rates[t.name] = append(rates[t.name], l.PerSecond)
						p95 := "p95"
						if client == "wrk" {
							p95 = "p90"
						}
						fmt.Fprintf(out, "[%s #%d] %-18s %6.0f redirects/s (%d); p50 %v, %s %v, p99 %v, max %v; failures %d",
							client, round, t.name, l.PerSecond, l.N, l.P50.Round(10*time.Microsecond), p95, l.P95.Round(10*time.Microsecond),
							l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond), l.Failures)
						if l.N > 0 && l.ClientCPU > 0 {
							fmt.Fprintf(out, "; client CPU %.0f µs/request", float64(l.ClientCPU.Microseconds())/float64(l.N))
						}
						if t.pid != 0 && l.N > 0 {
							fmt.Fprintf(out, "; API CPU %.0f µs/redirect", float64(apiCPU.Microseconds())/float64(l.N))
							if dbPid != 0 {
								fmt.Fprintf(out, ", MySQL CPU %.0f µs/redirect", float64(dbCPU.Microseconds())/float64(l.N))
							}
							if commits, ok := bench.ScrapeCounter(ctx, t.base, "sendingo_click_commits_total"); ok && haveCommits && commits > commits0 {
								fmt.Fprintf(out, "; %.1f clicks per commit", float64(l.N)/(commits-commits0))
							}
						}
						if busy > 0 || steal > 0 {
							fmt.Fprintf(out, "; machine busy %.0f%%, stolen by its host %.0f%%", 100*busy, 100*steal)
						}
						if t.clicks != nil {
							recorded := after - before
							fmt.Fprintf(out, "; clicks recorded %d", recorded)
							// The Go client counts every answered redirect; wrk does not
							// count the requests in flight when it stops, which are
							// recorded all the same.
							if (client == "go" && recorded != int64(l.N)) || recorded < int64(l.N) {
								failed = fmt.Errorf("%s: %d redirects but %d clicks recorded", t.name, l.N, recorded)
							}
						}
						fmt.Fprintln(out)
					}
				}
				this := median(rates["this build"])
				for _, t := range targets[1:] {
					fmt.Fprintf(out, "[%s] median of %d rounds: this build %.0f/s, %s %.0f/s: %.2f×\n",
						client, rounds, this, t.name, median(rates[t.name]), this/max(median(rates[t.name]), 1))
				}
			}
			return failed
		},
	}
	cmd.Flags().IntVar(&links, "links", 10000, "tracking links (one per recipient of a seeded campaign)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 16, "concurrent clients (wrk: connections)")
	cmd.Flags().IntVar(&rounds, "rounds", 3, "rounds of runs, each target in turn (medians are compared)")
	cmd.Flags().DurationVar(&duration, "duration", 5*time.Second, "how long one run loads one target")
	cmd.Flags().DurationVar(&warmup, "warmup", 3*time.Second, "an uncounted run against each target before each client's rounds (0: none)")
	cmd.Flags().StringVar(&baseline, "baseline", "", "git ref to build in a temporary worktree and measure the same way (e.g. 24fff19)")
	cmd.Flags().StringVar(&only, "client", "both", "load generator: go (the closed-loop Go client), wrk, or both")
	cmd.Flags().StringVar(&cpuProfile, "cpuprofile", "", "write this build's API CPU profile, taken during its first run under the last client, to this file")
	return cmd
}

func dashboardBenchCmd(load loader) *cobra.Command {
	var (
		recipients  int
		small       int
		requests    int
		baseline    string
		skipExports bool
	)
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "With a 1,000,000-message campaign: latency of /stats/current, /stats/series and deep message pages, and the API's memory while exporting 100k vs 1M rows",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			stack, self, baseBin, done, err := startSeedStackWithBaseline(cmd, load, "dashboard", baseline)
			if err != nil {
				return err
			}
			defer done()
			fmt.Fprintf(out, "machine: %d CPUs; campaigns of %d and %d recipients; API in its own process\n", runtime.NumCPU(), small, recipients)
			opts := bench.CampaignOptions{Latency: 20 * time.Millisecond, ReportDelay: time.Second, Relays: 2, Binary: self}
			opts.Recipients, opts.SeedFrom = small, 0
			a, err := stack.RunCampaign(ctx, opts)
			if err != nil {
				return err
			}
			opts.Recipients, opts.SeedFrom = recipients, small
			b, err := stack.RunCampaign(ctx, opts)
			if err != nil {
				return err
			}
			var bc struct {
				ID int64 `json:"id"`
			}
			if err := stack.Call(ctx, "GET", fmt.Sprintf("/api/v1/campaigns/%d", b.CampaignID), "", nil, 200, &bc); err != nil {
				return err
			}
			first, last, err := stack.MessageIDRange(ctx, b.CampaignID)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%d message rows in the database\n", a.Recipients+b.Recipients)
			this, err := stack.StartAPIProcess(ctx, self)
			if err != nil {
				return err
			}
			defer this.Stop()
			stack.BaseURL, stack.APIProcess = this.Base, this.Process
			type target struct{ name, base string }
			targets := []target{{"this build", this.Base}}
			if baseBin != "" {
				base, stop, err := stack.StartAPI(ctx, baseBin)
				if err != nil {
					return err
				}
				defer stop()
				targets = append(targets, target{"baseline " + baseline, base})
			}
			rng := rand.New(rand.NewPCG(1, 2))
			checks := []struct {
				name string
				path func(int) string
			}{
				{"GET /stats/current", func(int) string { return "/api/v1/stats/current" }},
				{"GET /stats/series?interval=hour (24 h)", func(int) string { return "/api/v1/stats/series?interval=hour" }},
				{"GET /stats/series?interval=day (30 d)", func(int) string { return "/api/v1/stats/series?interval=day" }},
				{"GET /campaigns/{id}/messages?cursor=<deep> (50 rows)", func(int) string {
					return fmt.Sprintf("/api/v1/campaigns/%d/messages?size=50&cursor=%d", b.CampaignID, bench.RandomCursor(rng, first, last))
				}},
				{"GET /campaigns/{id}/messages?status=delivered&cursor=<deep>", func(int) string {
					return fmt.Sprintf("/api/v1/campaigns/%d/messages?size=50&status=delivered&cursor=%d", b.CampaignID, bench.RandomCursor(rng, first, last))
				}},
				{"GET /campaigns/{id}/messages?q=<phone>", func(i int) string {
					return fmt.Sprintf("/api/v1/campaigns/%d/messages?q=010-%04d-%04d", b.CampaignID, (small+i*997)/10000, (small+i*997)%10000)
				}},
			}
			tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "api\trequest\tn\tp50\tp95\tp99\tmax")
			for _, ch := range checks {
				p95 := map[string]time.Duration{}
				for _, t := range targets {
					l, err := stack.MeasureAt(ctx, t.base, ch.name, requests, ch.path)
					if err != nil {
						return err
					}
					p95[t.name] = l.P95
					fmt.Fprintf(tw, "%s\t%s\t%d\t%v\t%v\t%v\t%v\n", t.name, l.Name, l.N, l.P50.Round(100*time.Microsecond),
						l.P95.Round(100*time.Microsecond), l.P99.Round(100*time.Microsecond), l.Max.Round(100*time.Microsecond))
				}
				for _, t := range targets[1:] {
					fmt.Fprintf(tw, "\tp95 %s / this build: %.1f×\t\t\t\t\t\n", t.name, float64(p95[t.name])/float64(max(p95["this build"], 1)))
				}
			}
			tw.Flush()
			if skipExports {
				return nil
			}
			for _, c := range []bench.CampaignResult{a, b} {
				for _, format := range []string{"csv", "xlsx"} {
					e, err := stack.Export(ctx, c.CampaignID, format)
					if err != nil {
						return err
					}
					fmt.Fprintf(out, "export %d rows as %s: %s in %.1fs; API process RSS peak during it %s (before %s)\n",
						c.Recipients, format, bench.MB(uint64(e.Bytes)), e.Duration.Seconds(), bench.MB(e.PeakRSS), bench.MB(e.RSSBefore))
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&recipients, "recipients", 1000000, "messages of the big campaign")
	cmd.Flags().IntVar(&small, "small", 100000, "messages of the small campaign (export comparison)")
	cmd.Flags().IntVar(&requests, "requests", 200, "requests per latency measurement")
	cmd.Flags().StringVar(&baseline, "baseline", "", "git ref to build in a temporary worktree and time the same requests against (e.g. 24fff19)")
	cmd.Flags().BoolVar(&skipExports, "skip-exports", false, "time the requests only, not the exports")
	return cmd
}

func streamBenchCmd(load loader) *cobra.Command {
	o := bench.StreamOptions{}
	cmd := &cobra.Command{
		Use:   "stream",
		Short: "Hold N event streams open on one API process (its own) while a producer writes notifications; print insert→client latency, notifications lost and the API's memory",
		RunE: func(cmd *cobra.Command, _ []string) error {
			stack, _, err := startProcessStack(cmd, load, "stream")
			if err != nil {
				return err
			}
			defer stack.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "machine: %d CPUs, %s; %d streams over %d account(s) on one API process (its own); %d notifications at %.0f/s written from this process\n",
				runtime.NumCPU(), runtime.Version(), o.Streams, o.Accounts, o.Notifications, o.Rate)
			r, err := stack.RunStream(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "opened %d streams in %.1fs\n", r.Streams, r.Open.Seconds())
			fmt.Fprintf(out, "wrote %d notifications in %.1fs\n", r.Notifications, r.ProduceFor.Seconds())
			fmt.Fprintf(out, "delivered %d of %d due (lost %d, duplicates %d, streams dropped %d)\n",
				r.Delivered, r.Expected, r.Lost, r.Duplicates, r.Dropped)
			l := r.Latency
			fmt.Fprintf(out, "latency insert → client: p50 %v, p95 %v, p99 %v, max %v\n", l.P50.Round(time.Millisecond),
				l.P95.Round(time.Millisecond), l.P99.Round(time.Millisecond), l.Max.Round(time.Millisecond))
			fmt.Fprintf(out, "API RSS: %s idle, %s with the streams open, %s peak while delivering (high-water %s)\n",
				bench.MB(r.RSSIdle), bench.MB(r.RSSOpen), bench.MB(r.RSSPeak), bench.MB(r.RSSHighWater))
			if r.ProducerError != nil {
				return fmt.Errorf("producer: %w", r.ProducerError)
			}
			if r.Lost > 0 || r.Duplicates > 0 {
				return fmt.Errorf("%d notifications lost, %d duplicated", r.Lost, r.Duplicates)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Streams, "streams", 1000, "concurrent event streams")
	cmd.Flags().IntVar(&o.Accounts, "accounts", 1, "accounts the streams are spread over (1: every stream gets every notification)")
	cmd.Flags().IntVar(&o.Notifications, "notifications", 200, "notifications to write")
	cmd.Flags().Float64Var(&o.Rate, "rate", 20, "notifications per second")
	cmd.Flags().DurationVar(&o.Settle, "settle", 10*time.Second, "how long to wait for deliveries after the last notification")
	return cmd
}

// startSeedStack starts a benchmark stack whose worker runs as a process of
// this binary and whose API serves in this process (to seed through); the
// command starts the API processes it measures with Stack.StartAPI.
func startSeedStack(cmd *cobra.Command, load loader, label string) (*bench.Stack, string, error) {
	return startStack(cmd, load, label, false)
}

// startProcessStack starts a benchmark stack whose API and worker run as
// processes of this binary; it answers the stack and the binary's path.
func startProcessStack(cmd *cobra.Command, load loader, label string) (*bench.Stack, string, error) {
	return startStack(cmd, load, label, true)
}

// startStack starts a stack whose worker is a process of this binary, and its
// API too when apiProcess; it answers the stack and the binary's path.
func startStack(cmd *cobra.Command, load loader, label string, apiProcess bool) (*bench.Stack, string, error) {
	cfg, _, err := load()
	if err != nil {
		return nil, "", err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	opts := bench.Options{ExternalWorker: true}
	if apiProcess {
		opts.APIBinary = self
	}
	stack, err := bench.Start(cmd.Context(), cfg, label, opts)
	return stack, self, err
}

// printServer prints the MySQL server's version and InnoDB memory under a
// bench's machine line: the same build runs a fifth faster on a well-sized
// buffer pool, so figures compare only with these alike.
func printServer(ctx context.Context, out io.Writer, dsn string) error {
	srv, err := bench.ServerOf(ctx, dsn)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "database: %s\n", srv)
	return nil
}
