package bench

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sendingo/sendingo/notify"
)

// StreamOptions shape the event stream benchmark.
type StreamOptions struct {
	Streams       int           // concurrent GET /api/v1/stream connections (1,000)
	Accounts      int           // the streams are spread over this many accounts (1: every stream gets every notification)
	Notifications int           // notifications the producer writes
	Rate          float64       // notifications per second
	Settle        time.Duration // how long to wait for the last deliveries after the last insert
}

// StreamResult is what the benchmark measured.
type StreamResult struct {
	Streams       int
	Notifications int
	Expected      int64 // deliveries due: each notification to every stream of its account
	Delivered     int64
	Lost          int64 // due but not delivered by the end of Settle
	Duplicates    int64
	Dropped       int // streams the API closed
	Open          time.Duration
	Latency       Latency // insert committed → event parsed by the client
	RSSIdle       uint64  // the API process before the streams opened
	RSSOpen       uint64  // with every stream open, before the producer started
	RSSPeak       uint64  // sampled every 100 ms during the run
	RSSHighWater  uint64  // the process's VmHWM at the end
	ProduceFor    time.Duration
	ProducerError error
}

// streamClient is one open stream: what it received, and when.
type streamClient struct {
	account int
	mu      sync.Mutex
	got     map[int64]time.Time
	dupes   int64
	ended   bool
}

// RunStream opens o.Streams event streams on the stack's API (its own process,
// when the stack has one), then writes o.Notifications notifications at o.Rate
// from this process, as a worker would, and measures how long each took from
// its insert to every client that should get it.
func (s *Stack) RunStream(ctx context.Context, o StreamOptions) (StreamResult, error) {
	if o.Accounts < 1 {
		o.Accounts = 1
	}
	res := StreamResult{Streams: o.Streams, Notifications: o.Notifications}
	pid := 0
	if s.APIProcess != nil {
		pid = s.APIProcess.Pid
	}
	rss := func() uint64 {
		if pid == 0 {
			return RSS()
		}
		return ProcessRSS(pid)
	}
	res.RSSIdle = rss()

	// One token and account id per account: the stack's own, and more if asked.
	type acct struct {
		id    int64
		token string
	}
	var me struct {
		Account struct{ ID int64 } `json:"account"`
	}
	if err := s.Call(ctx, "GET", "/api/v1/me", "", nil, 200, &me); err != nil {
		return res, err
	}
	accounts := []acct{{me.Account.ID, s.Token}}
	for i := 1; i < o.Accounts; i++ {
		var su struct {
			Token   string             `json:"token"`
			Account struct{ ID int64 } `json:"account"`
		}
		body := fmt.Sprintf(`{"account_name":"bench %d","name":"bench","email":"bench-stream-%d-%d@example.com","password":"Bench-Passw0rd"}`,
			i, i, time.Now().UnixNano())
		if err := s.Call(ctx, "POST", "/api/v1/auth/signup", "application/json", stringsReader(body), 201, &su); err != nil {
			return res, err
		}
		accounts = append(accounts, acct{su.Account.ID, su.Token})
	}

	transport := &http.Transport{MaxConnsPerHost: 0, MaxIdleConnsPerHost: o.Streams, DisableCompression: true}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	clients := make([]*streamClient, o.Streams)
	var wg sync.WaitGroup
	live := make(chan error, o.Streams)
	start := time.Now()
	sem := make(chan struct{}, 50) // open 50 at a time
	for i := range clients {
		c := &streamClient{account: i % o.Accounts, got: map[int64]time.Time{}}
		clients[i] = c
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(sctx, client, s.BaseURL, accounts[c.account].token, live, sem)
		}()
	}
	for range clients {
		select {
		case err := <-live:
			if err != nil {
				return res, err
			}
		case <-ctx.Done():
			return res, ctx.Err()
		}
	}
	res.Open = time.Since(start)
	res.RSSOpen = rss()

	// Sample the API's memory while the producer runs.
	var peakMu sync.Mutex
	peak := res.RSSOpen
	sampling := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-sampling:
				return
			case <-t.C:
				r := rss()
				peakMu.Lock()
				peak = max(peak, r)
				peakMu.Unlock()
			}
		}
	}()

	// The producer: notifications at a steady rate, round-robin over the accounts.
	inserted := map[int64]time.Time{}
	accountOf := map[int64]int{}
	interval := time.Duration(float64(time.Second) / o.Rate)
	tick := time.NewTicker(interval)
	produceStart := time.Now()
	for i := 0; i < o.Notifications; i++ {
		a := i % o.Accounts
		n := notify.ImportDone(notify.Import{ID: int64(i + 1), Filename: fmt.Sprintf("bench-%d.csv", i), Created: int64(i)})
		n.Key = fmt.Sprintf("bench:%d:%d", time.Now().UnixNano(), i)
		id, _, err := s.Store.Notify(ctx, accounts[a].id, n)
		if err != nil {
			res.ProducerError = err
			break
		}
		inserted[id] = time.Now()
		accountOf[id] = a
		<-tick.C
	}
	tick.Stop()
	res.ProduceFor = time.Since(produceStart)

	// Wait until everything due has arrived, or Settle has passed.
	streamsOf := make([]int64, o.Accounts)
	for _, c := range clients {
		streamsOf[c.account]++
	}
	for _, a := range accountOf {
		res.Expected += streamsOf[a]
	}
	deadline := time.Now().Add(o.Settle)
	for {
		var got int64
		for _, c := range clients {
			c.mu.Lock()
			for id := range c.got {
				if _, ok := inserted[id]; ok {
					got++
				}
			}
			c.mu.Unlock()
		}
		res.Delivered = got
		if got >= res.Expected || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(sampling)
	peakMu.Lock()
	res.RSSPeak = peak
	peakMu.Unlock()
	if pid != 0 {
		res.RSSHighWater = ProcessPeakRSS(pid)
	}
	stop()
	wg.Wait()

	var lat []time.Duration
	for _, c := range clients {
		c.mu.Lock()
		for id, at := range c.got {
			if sent, ok := inserted[id]; ok {
				lat = append(lat, at.Sub(sent))
			}
		}
		res.Duplicates += c.dupes
		if c.ended {
			res.Dropped++
		}
		c.mu.Unlock()
	}
	res.Lost = res.Expected - res.Delivered
	res.Latency = summarise("insert → client", lat)
	return res, nil
}

// run opens the stream, reports on live once the replay is over, then records
// the id and arrival time of every notification until ctx ends.
func (c *streamClient) run(ctx context.Context, client *http.Client, base, token string, live chan<- error, sem <-chan struct{}) {
	released := false
	release := func(err error) {
		if !released {
			released = true
			<-sem
			live <- err
		}
	}
	defer release(fmt.Errorf("stream ended before it was live"))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/v1/stream", nil)
	if err != nil {
		release(err)
		return
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		release(fmt.Errorf("open stream: %w", err))
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		release(fmt.Errorf("open stream: %s", resp.Status))
		return
	}
	rd := bufio.NewReaderSize(resp.Body, 16<<10)
	var id int64
	notification := false
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			if ctx.Err() == nil {
				c.mu.Lock()
				c.ended = true
				c.mu.Unlock()
			}
			return
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == ": live":
			release(nil)
		case strings.HasPrefix(line, "id: "):
			id, _ = strconv.ParseInt(line[4:], 10, 64)
		case line == "event: notification":
			notification = true
		case line == "":
			if notification && id > 0 {
				now := time.Now()
				c.mu.Lock()
				if _, dup := c.got[id]; dup {
					c.dupes++
				} else {
					c.got[id] = now
				}
				c.mu.Unlock()
			}
			id, notification = 0, false
		}
	}
}
