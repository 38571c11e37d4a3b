package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/bench"
)

// An unknown load generator is refused by name before anything is started.
func TestBenchRedirectsRefusesAnUnknownClient(t *testing.T) {
	root := rootCmd()
	root.SetArgs([]string{"bench", "redirects", "--client", "curl"})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), `--client "curl": want go, wrk or both`) {
		t.Fatalf("bench redirects --client curl: %v", err)
	}
}

// A baseline build's campaign bench is read back from what it prints: what
// printCampaign writes today, and an older build's lines without the CPU.
func TestBaselineCampaignFiguresAreReadFromItsOutput(t *testing.T) {
	var out strings.Builder
	printCampaign(&out, bench.CampaignResult{Recipients: 1000, Total: 24200 * time.Millisecond, WorkerPeakRSS: 114 << 20,
		WorkerPeakRSSEach: []uint64{114 << 20}, WorkerCPU: 12300 * time.Millisecond, DatabaseCPU: 22600 * time.Millisecond,
		SimulatorCPU: 3200 * time.Millisecond})
	r, err := parseBaselineRun(out.String())
	if err != nil || r.total != 24200*time.Millisecond || r.rss != bench.MB(114<<20) || r.cpu != "; CPU: workers 12.3s, MariaDB 22.6s" {
		t.Fatalf("read %+v (%v) from:\n%s", r, err, out.String())
	}
	older := "end to end (send → last status written): 49.2s = 20327 messages/s\nworker peak RSS: 229 MB; RSS every 5 s: 76 MB\n"
	if r, err := parseBaselineRun(older); err != nil || r.total != 49200*time.Millisecond || r.rss != "229 MB" || r.cpu != "" {
		t.Fatalf("read %+v (%v) from an older build's lines", r, err)
	}
	if _, err := parseBaselineRun("no figures"); err == nil {
		t.Fatal("output without an end-to-end figure was read")
	}
}

// The campaign bench reports the round whose ratio is the median, found by
// its value among the rounds' ratios: the median must leave their order as
// it was.
func TestMedianLeavesItsInputInOrder(t *testing.T) {
	ratios := []float64{2.1, 1.7, 1.9}
	if m := median(ratios); m != 1.9 {
		t.Fatalf("median of %v: %v, want 1.9", ratios, m)
	}
	if ratios[0] != 2.1 || ratios[1] != 1.7 || ratios[2] != 1.9 {
		t.Fatalf("the rounds' ratios were reordered: %v", ratios)
	}
	if m := median([]float64{3, 1, 4, 2}); m != 3 {
		t.Fatalf("median of four: %v, want the upper middle 3", m)
	}
}

// A --rounds the campaign bench cannot honour is refused before anything
// runs, not quietly turned into one run.
func TestCampaignRoundsNeedABaseline(t *testing.T) {
	if err := checkRounds(3, ""); err == nil || !strings.Contains(err.Error(), "--baseline") {
		t.Fatalf("three rounds without a baseline: %v", err)
	}
	if err := checkRounds(0, "HEAD"); err == nil {
		t.Fatal("zero rounds were accepted")
	}
	if err := checkRounds(1, ""); err != nil {
		t.Fatalf("one run without a baseline: %v", err)
	}
	if err := checkRounds(3, "HEAD"); err != nil {
		t.Fatalf("three rounds against HEAD: %v", err)
	}
}
