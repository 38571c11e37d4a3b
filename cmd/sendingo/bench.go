package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
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
	cmd.AddCommand(imp, campaignBenchCmd(load))
	return cmd
}

func campaignBenchCmd(load loader) *cobra.Command {
	var o bench.CampaignOptions
	cmd := &cobra.Command{
		Use:   "campaign",
		Short: "Send one campaign to N seeded recipients through the relay simulator (a separate process) and print messages/s, worker memory, history length and duplicates",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, _, err := load()
			if err != nil {
				return err
			}
			if o.Binary, err = os.Executable(); err != nil {
				return err
			}
			ctx := cmd.Context()
			stack, err := bench.Start(ctx, cfg, "campaign", bench.Options{ExternalWorker: true})
			if err != nil {
				return err
			}
			defer stack.Close()
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "machine: %d CPUs, %s/%s, %s; %d recipients, %v per relay call, %d relay(s), chunks of %d, %d in flight\n",
				runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), o.Recipients, o.Latency, o.Relays, cfg.ChunkSize, cfg.ChunkWindow)
			r, err := stack.RunCampaign(ctx, o)
			if err != nil {
				return err
			}
			var samples []string
			for _, s := range r.WorkerRSSSamples {
				samples = append(samples, bench.MB(s))
			}
			fmt.Fprintf(out, "seeded %d customers in %.1fs\n", r.Recipients, r.Seed.Seconds())
			fmt.Fprintf(out, "end to end (send → last status written): %.1fs = %.0f messages/s\n", r.Total.Seconds(), r.MessagesPerSecond())
			fmt.Fprintf(out, "  prepare (send → first message at a relay): %.1fs; hand-over to relays: %.1fs (%.0f messages/s)\n",
				r.Prepare.Seconds(), r.Handover.Seconds(), float64(r.Recipients)/max(r.Handover.Seconds(), 0.001))
			fmt.Fprintf(out, "  the send request (checks before starting): %.1fs\n", r.SendCall.Seconds())
			var acts []string
			for name, d := range r.Activities {
				acts = append(acts, fmt.Sprintf("%s %.1fs", name, d.Seconds()))
			}
			sort.Strings(acts)
			fmt.Fprintf(out, "  activity time, summed: %s\n", strings.Join(acts, ", "))
			fmt.Fprintf(out, "worker peak RSS: %s; RSS every 5 s: %s\n", bench.MB(r.WorkerPeakRSS), strings.Join(samples, " "))
			fmt.Fprintf(out, "workflow history: %d events over %d run(s)\n", r.HistoryEvents, r.Runs)
			fmt.Fprintf(out, "simulator: received %d, unique %d, duplicates %d; delivered %d\n", r.SimReceived, r.SimUnique, r.SimDupes, r.Delivered)
			return nil
		},
	}
	cmd.Flags().IntVar(&o.Recipients, "recipients", 1000000, "recipients to seed and send to")
	cmd.Flags().DurationVar(&o.Latency, "latency", 20*time.Millisecond, "simulated latency of every relay call")
	cmd.Flags().DurationVar(&o.ReportDelay, "report-delay", time.Second, "delay before a message's delivery report is final")
	cmd.Flags().IntVar(&o.Relays, "relays", 2, "simulator relays, equal weights")
	return cmd
}
