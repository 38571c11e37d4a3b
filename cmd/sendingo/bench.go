package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/bench"
)

func benchCmd(load loader) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Run end-to-end benchmarks on this machine and print their figures",
	}
	var xlsxRows, csvRows int
	var keep bool
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
			for i, j := range jobs {
				r, err := stack.Import(ctx, files[i], j.rows)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%.2fs\t%.2fs\t%.2fs\t%.0f\t%s\t%s\t\n", r.File, r.Rows, bench.MB(uint64(r.FileBytes)),
					r.Staged.Seconds(), r.Committed.Seconds(), (r.Staged + r.Committed).Seconds(), r.RowsPerSecond(),
					bench.MB(r.PeakRSS), bench.MB(r.PeakHeap))
				tw.Flush()
			}
			fmt.Fprintf(out, "process high-water RSS: %s\n", bench.MB(bench.PeakRSS()))
			return nil
		},
	}
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
	)
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Send one campaign to N seeded recipients through the relay simulator (a separate process) and print messages/s, worker memory, history length and duplicates; with --baseline, the same run of a git ref's build and the MySQL floor",
		RunE: func(cmd *cobra.Command, _ []string) error {
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
			var base *baselineRun
			if baseline != "" {
				fmt.Fprintf(out, "\n== baseline %s ==\n", baseline)
				if base, err = runBaseline(ctx, out, baseline, o); err != nil {
					return fmt.Errorf("baseline %s: %w", baseline, err)
				}
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
			if !floor && base == nil {
				return nil
			}
			var f bench.FloorResult
			if floor {
				fmt.Fprintf(out, "\n== MySQL floor ==\n")
				if f, err = bench.Floor(ctx, cfg.MySQLDSN, o.Recipients); err != nil {
					return err
				}
				fmt.Fprintf(out, "floor: insert %d rows %.1fs + hand-over status write %.1fs + report status write %.1fs = %.1fs (%.0f rows/s)\n",
					f.Rows, f.Insert.Seconds(), f.Handover.Seconds(), f.Report.Seconds(), f.Total().Seconds(),
					float64(f.Rows)/f.Total().Seconds())
			}
			fmt.Fprintf(out, "\n== summary (load %s) ==\n", loadAverage())
			fmt.Fprintf(out, "this build: %.1fs end to end, worker peak RSS %s, duplicates %d\n", r.Total.Seconds(), bench.MB(r.WorkerPeakRSS), r.SimDupes)
			if base != nil {
				fmt.Fprintf(out, "baseline %s: %.1fs end to end, worker peak RSS %s\n", baseline, base.total.Seconds(), base.rss)
				fmt.Fprintf(out, "baseline ÷ this build: %.2f× (target ≥ 2×)\n", base.total.Seconds()/r.Total.Seconds())
			}
			if floor {
				fmt.Fprintf(out, "floor: %.1fs; this build ÷ floor: %.2f (target ≤ 1.5)\n", f.Total().Seconds(), r.Total.Seconds()/f.Total().Seconds())
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
	cmd.Flags().BoolVar(&floor, "floor", true, "with --baseline or alone: measure the MySQL floor for the same number of rows")
	return cmd
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
	fmt.Fprintf(out, "workflow history: %d events over %d run(s)\n", r.HistoryEvents, r.Runs)
	fmt.Fprintf(out, "simulator: received %d, unique %d, duplicates %d; delivered %d\n", r.SimReceived, r.SimUnique, r.SimDupes, r.Delivered)
}

// baselineRun is what a baseline build's campaign bench printed.
type baselineRun struct {
	total time.Duration
	rss   string
}

var (
	endToEndLine = regexp.MustCompile(`end to end \(send → last status written\): ([0-9.]+)s`)
	peakRSSLine  = regexp.MustCompile(`worker peak RSS: ([0-9]+ MB)`)
)

// runBaseline builds ref in a temporary git worktree and runs its own campaign
// bench with o's settings, echoing what it prints.
func runBaseline(ctx context.Context, out io.Writer, ref string, o bench.CampaignOptions) (*baselineRun, error) {
	dir, err := os.MkdirTemp("", "sendingo-baseline-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	tree := filepath.Join(dir, "src")
	if b, err := exec.CommandContext(ctx, "git", "worktree", "add", "--detach", tree, ref).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("git worktree add %s: %w: %s", ref, err, b)
	}
	defer func() { _ = exec.Command("git", "worktree", "remove", "--force", tree).Run() }()
	bin := filepath.Join(dir, "sendingo")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/sendingo")
	build.Dir = tree
	if b, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build: %w: %s", err, b)
	}
	args := []string{"bench", "campaign", "--recipients", strconv.Itoa(o.Recipients), "--latency", o.Latency.String(),
		"--report-delay", o.ReportDelay.String(), "--relays", strconv.Itoa(o.Relays)}
	run := exec.CommandContext(ctx, bin, args...)
	run.Dir = tree
	// Its workers must not take the metrics port of a worker running here.
	run.Env = append(os.Environ(), "SENDINGO_WORKER_METRICS_ADDR=127.0.0.1:0")
	var buf strings.Builder
	run.Stdout = io.MultiWriter(out, &buf)
	run.Stderr = io.Discard
	if err := run.Run(); err != nil {
		return nil, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	m := endToEndLine.FindStringSubmatch(buf.String())
	if m == nil {
		return nil, fmt.Errorf("no end-to-end figure in the baseline's output")
	}
	secs, _ := strconv.ParseFloat(m[1], 64)
	r := &baselineRun{total: time.Duration(secs * float64(time.Second))}
	if m := peakRSSLine.FindStringSubmatch(buf.String()); m != nil {
		r.rss = m[1]
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
	)
	cmd := &cobra.Command{
		Use:   "redirects",
		Short: "Load tracking links (/t/{token}) from concurrent clients against the API in its own process; print redirects/s, p50/p99, and check every click was recorded",
		RunE: func(cmd *cobra.Command, _ []string) error {
			stack, self, err := startProcessStack(cmd, load, "redirects")
			if err != nil {
				return err
			}
			defer stack.Close()
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
			r, err := stack.RunCampaign(ctx, bench.CampaignOptions{Recipients: links, Buttons: true, Latency: 20 * time.Millisecond,
				ReportDelay: time.Second, Relays: 1, Binary: self})
			if err != nil {
				return err
			}
			tokens, err := stack.Store.LinkTokens(ctx, r.CampaignID, links)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "machine: %d CPUs; %d tracking links; %d concurrent clients for %v; API in its own process\n",
				runtime.NumCPU(), len(tokens), concurrency, duration)
			l := stack.Redirects(ctx, tokens, concurrency, duration)
			time.Sleep(500 * time.Millisecond)
			recorded, err := stack.Store.CountClicks(ctx, r.CampaignID)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "redirects: %d in %v = %.0f/s; latency p50 %v, p95 %v, p99 %v, max %v; failures %d\n",
				l.N, duration, l.PerSecond, l.P50.Round(10*time.Microsecond), l.P95.Round(10*time.Microsecond),
				l.P99.Round(10*time.Microsecond), l.Max.Round(10*time.Microsecond), l.Failures)
			fmt.Fprintf(out, "clicks recorded in MySQL: %d of %d redirects\n", recorded, l.N)
			if recorded != int64(l.N) {
				return fmt.Errorf("%d redirects but %d clicks recorded", l.N, recorded)
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&links, "links", 10000, "tracking links (one per recipient of a seeded campaign)")
	cmd.Flags().IntVar(&concurrency, "concurrency", 16, "concurrent clients")
	cmd.Flags().DurationVar(&duration, "duration", 10*time.Second, "how long to load")
	return cmd
}

func dashboardBenchCmd(load loader) *cobra.Command {
	var (
		recipients int
		small      int
		requests   int
	)
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "With a 1,000,000-message campaign: latency of /stats/current, /stats/series and deep message pages, and the API's memory while exporting 100k vs 1M rows",
		RunE: func(cmd *cobra.Command, _ []string) error {
			stack, self, err := startProcessStack(cmd, load, "dashboard")
			if err != nil {
				return err
			}
			defer stack.Close()
			ctx := cmd.Context()
			out := cmd.OutOrStdout()
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
			fmt.Fprintln(tw, "request\tn\tp50\tp95\tp99\tmax")
			for _, ch := range checks {
				l, err := stack.Measure(ctx, ch.name, requests, ch.path)
				if err != nil {
					return err
				}
				fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t%v\n", l.Name, l.N, l.P50.Round(100*time.Microsecond),
					l.P95.Round(100*time.Microsecond), l.P99.Round(100*time.Microsecond), l.Max.Round(100*time.Microsecond))
			}
			tw.Flush()
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

// startProcessStack starts a benchmark stack whose API and worker run as
// processes of this binary; it answers the stack and the binary's path.
func startProcessStack(cmd *cobra.Command, load loader, label string) (*bench.Stack, string, error) {
	cfg, _, err := load()
	if err != nil {
		return nil, "", err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	stack, err := bench.Start(cmd.Context(), cfg, label, bench.Options{ExternalWorker: true, APIBinary: self})
	return stack, self, err
}
