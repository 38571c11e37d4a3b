package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync/atomic"
	"time"
)

// Latency summarises the durations of one kind of request.
type Latency struct {
	Name           string
	N              int
	P50, P95, P99  time.Duration
	Max            time.Duration
	PerSecond      float64 // requests completed per second (load runs)
	Failures       int64
	RecordedClicks int64 // load runs of tracking links: clicks found in MySQL
	// ClientCPU is the load generator's own CPU time over the run (user and
	// system), where it was measured.
	ClientCPU time.Duration
}

func summarise(name string, ds []time.Duration) Latency {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	at := func(q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		return ds[min(len(ds)-1, int(q*float64(len(ds))))]
	}
	l := Latency{Name: name, N: len(ds), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
	if len(ds) > 0 {
		l.Max = ds[len(ds)-1]
	}
	return l
}

// MeasureAt sends n GET requests to the API at base, one after another, and
// summarises their latency.
func (s *Stack) MeasureAt(ctx context.Context, base, name string, n int, path func(i int) string) (Latency, error) {
	at := *s
	at.BaseURL = base
	ds := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := at.Call(ctx, "GET", path(i), "", nil, 200, nil); err != nil {
			return Latency{}, fmt.Errorf("%s: %w", name, err)
		}
		ds = append(ds, time.Since(start))
	}
	return summarise(name, ds), nil
}

// RandomCursor picks a keyset cursor anywhere in [first, last].
func RandomCursor(rng *rand.Rand, first, last int64) int64 {
	return first + rng.Int64N(max(last-first, 1))
}

// MessageIDRange is the campaign's first and last message id.
func (s *Stack) MessageIDRange(ctx context.Context, campaignID int64) (int64, int64, error) {
	var r struct {
		First int64 `db:"first_message_id"`
		Last  int64 `db:"last_message_id"`
	}
	err := s.DB.GetContext(ctx, &r, `SELECT first_message_id, last_message_id FROM campaigns WHERE id = ?`, campaignID)
	return r.First, r.Last, err
}

// ExportResult is one measured export.
type ExportResult struct {
	Bytes              int64
	Duration           time.Duration
	PeakRSS, RSSBefore uint64
}

// Export downloads a campaign's messages and samples the API process's memory.
func (s *Stack) Export(ctx context.Context, campaignID int64, format string) (ExportResult, error) {
	var r ExportResult
	pid := s.APIProcess.Pid
	r.RSSBefore = ProcessRSS(pid)
	stop := make(chan struct{})
	var peak atomic.Uint64
	go func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			if v := ProcessRSS(pid); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/v1/campaigns/%d/messages/export?format=%s", s.BaseURL, campaignID, format), nil)
	req.Header.Set("Authorization", "Bearer "+s.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		close(stop)
		return r, err
	}
	r.Bytes, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	r.Duration = time.Since(start)
	close(stop)
	r.PeakRSS = peak.Load()
	if resp.StatusCode != 200 {
		return r, fmt.Errorf("export: %s", resp.Status)
	}
	return r, err
}
