package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/workflows"
)

// CampaignOptions shape the campaign benchmark.
type CampaignOptions struct {
	Recipients  int
	SeedFrom    int           // first customer number (several campaigns in one stack)
	Buttons     bool          // an AlimTalk template with a link button (tracking links) instead of SMS
	Latency     time.Duration // per relay call, at the simulator
	ReportDelay time.Duration
	Relays      int // simulator relays, equal weights
	Binary      string
	// Workers is how many `sendingo worker` processes serve the campaign (1 when 0).
	Workers int
	// PprofAddr, when set, is the first worker's SENDINGO_PPROF_ADDR.
	PprofAddr string
}

// CampaignResult is what the benchmark measured.
type CampaignResult struct {
	CampaignID            int64
	Recipients            int
	Seed                  time.Duration            // seeding the customers (not part of the send)
	Total                 time.Duration            // send request → last status written (campaign completed)
	Prepare               time.Duration            // send request → first message accepted by a relay
	SendCall              time.Duration            // the send request itself (checks before anything starts)
	Activities            map[string]time.Duration // total time per activity type, from the history
	Handover              time.Duration            // first → last message accepted by a relay
	WorkerPeakRSS         uint64                   // the highest of the workers' high-water RSS
	WorkerPeakRSSEach     []uint64                 // each worker's high-water RSS
	WorkerRSSSamples      []uint64                 // the workers' summed RSS, every second
	HistoryEvents         int                      // summed over the continue-as-new chain
	Runs                  int
	SimReceived, SimDupes int64
	SimUnique             int64
	Delivered             int64
	// CPU time from the send request to the campaign's completion: the
	// workers' summed, the local MariaDB's (0 when it runs elsewhere) and the
	// relay simulator's. On a shared machine these move less between runs than
	// the wall time, and say whose work the run was.
	WorkerCPU, DatabaseCPU, SimulatorCPU time.Duration
}

// MessagesPerSecond is recipients over the end-to-end time.
func (r CampaignResult) MessagesPerSecond() float64 { return float64(r.Recipients) / r.Total.Seconds() }

// RunCampaign seeds recipients, starts the relay simulator and a worker as
// separate processes, sends one campaign through the API and measures it.
func (s *Stack) RunCampaign(ctx context.Context, o CampaignOptions) (CampaignResult, error) {
	res := CampaignResult{Recipients: o.Recipients}
	// The relay simulator, in its own process.
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		return res, err
	}
	simAddr := fmt.Sprintf("127.0.0.1:%d", port)
	simCmd := exec.CommandContext(ctx, o.Binary, "relay-sim", "--addr", simAddr,
		"--latency", o.Latency.String(), "--report-delay", o.ReportDelay.String())
	simCmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := simCmd.Start(); err != nil {
		return res, fmt.Errorf("start relay-sim: %w", err)
	}
	defer func() { _ = simCmd.Process.Kill(); _ = simCmd.Wait() }()
	simBase := "http://" + simAddr
	if err := waitHTTP(ctx, simBase+"/healthz"); err != nil {
		return res, err
	}
	// The simulator listens on loopback: the API and the worker must allow it.
	if err := s.Egress.Allow(simAddr); err != nil {
		return res, err
	}

	// The workers, each in its own process, so their memory is their own.
	var workers []*exec.Cmd
	for i := range max(o.Workers, 1) {
		wCmd := exec.CommandContext(ctx, o.Binary, "worker")
		wCmd.Env = append(append([]string{}, s.WorkerEnv...), "SENDINGO_ALLOW_PRIVATE_HOSTS="+simAddr,
			"SENDINGO_WORKER_METRICS_ADDR=127.0.0.1:0")
		if i == 0 && o.PprofAddr != "" {
			wCmd.Env = append(wCmd.Env, "SENDINGO_PPROF_ADDR="+o.PprofAddr)
		}
		wCmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		logf, _ := os.Create(fmt.Sprintf("%s/sendingo-bench-worker-%d.log", os.TempDir(), i+1))
		defer logf.Close()
		wCmd.Stdout, wCmd.Stderr = logf, logf
		if err := wCmd.Start(); err != nil {
			return res, fmt.Errorf("start worker: %w", err)
		}
		defer func() { _ = wCmd.Process.Signal(syscall.SIGTERM); _ = wCmd.Wait() }()
		workers = append(workers, wCmd)
	}

	// Fixture: a group of recipients, relays, a template with variables, a campaign.
	var me struct {
		Account struct{ ID int64 } `json:"account"`
	}
	if err := s.Call(ctx, "GET", "/api/v1/me", "", nil, 200, &me); err != nil {
		return res, err
	}
	var g struct{ ID int64 }
	if err := s.Call(ctx, "POST", "/api/v1/groups", "application/json", strings.NewReader(fmt.Sprintf(`{"name":"bench %d"}`, o.SeedFrom)), 201, &g); err != nil {
		return res, err
	}
	start := time.Now()
	if err := s.Store.SeedCustomers(ctx, me.Account.ID, g.ID, o.SeedFrom, o.Recipients); err != nil {
		return res, err
	}
	res.Seed = time.Since(start)
	// Customers are imported long before a campaign is sent: let MariaDB write
	// the seeding's dirty pages out first, so the measurement is of the send only.
	s.settle(ctx)
	var routing []string
	for i := 0; i < max(o.Relays, 1); i++ {
		name := fmt.Sprintf("sim-%d-%d", o.SeedFrom, i+1)
		channel := "sms"
		if o.Buttons {
			channel = "alimtalk"
		}
		var r struct{ ID int64 }
		body := fmt.Sprintf(`{"name":%q,"kind":"simulator","channel":%q,"weight":1,"config":{"base_url":%q,"name":%q}}`, name, channel, simBase, name)
		if err := s.Call(ctx, "POST", "/api/v1/relays", "application/json", strings.NewReader(body), 201, &r); err != nil {
			return res, err
		}
		routing = append(routing, fmt.Sprintf(`{"relay_id":%d,"weight":1}`, r.ID))
	}
	var tpl struct{ ID int64 }
	tplBody := `{"name":"bench","channel":"sms","body":"#{이름}님, #{등급} 회원 혜택을 확인하세요"}`
	if o.Buttons {
		tplBody = `{"name":"bench","channel":"alimtalk","provider_template_code":"BENCH1","sender_key":"sk","body":"#{이름}님, #{등급} 회원 혜택을 확인하세요","buttons":[{"name":"혜택 보기","mobile_url":"https://shop.example/benefit?g=1"}]}`
	}
	if err := s.Call(ctx, "POST", "/api/v1/templates", "application/json", strings.NewReader(tplBody), 201, &tpl); err != nil {
		return res, err
	}
	var camp struct{ ID int64 }
	body := fmt.Sprintf(`{"name":"bench","template_id":%d,"group_ids":[%d],"routing":{"mode":"weighted","relays":[%s]}}`,
		tpl.ID, g.ID, strings.Join(routing, ","))
	if err := s.Call(ctx, "POST", "/api/v1/campaigns", "application/json", strings.NewReader(body), 201, &camp); err != nil {
		return res, err
	}
	res.CampaignID = camp.ID

	// Sample the worker's memory while the campaign runs.
	var mu sync.Mutex
	stopSampling := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopSampling:
				return
			case <-t.C:
				mu.Lock()
				var sum uint64
				for _, w := range workers {
					sum += ProcessRSS(w.Process.Pid)
				}
				res.WorkerRSSSamples = append(res.WorkerRSSSamples, sum)
				mu.Unlock()
			}
		}
	}()

	dbPid := LocalMySQLPid()
	cpu := func() (worker, db, sim time.Duration) {
		for _, w := range workers {
			worker += ProcessCPU(w.Process.Pid)
		}
		if dbPid > 0 {
			db = ProcessCPU(dbPid)
		}
		return worker, db, ProcessCPU(simCmd.Process.Pid)
	}
	w0, db0, sim0 := cpu()
	start = time.Now()
	if err := s.Call(ctx, "POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), "", nil, 202, nil); err != nil {
		return res, err
	}
	res.SendCall = time.Since(start)
	for {
		var c struct {
			Status    string `json:"status"`
			Delivered int64  `json:"delivered"`
			Error     string `json:"error"`
		}
		if err := s.Call(ctx, "GET", fmt.Sprintf("/api/v1/campaigns/%d", camp.ID), "", nil, 200, &c); err != nil {
			return res, err
		}
		if c.Status == "completed" || c.Status == "failed" || c.Status == "cancelled" {
			res.Total = time.Since(start)
			res.Delivered = c.Delivered
			if c.Status != "completed" {
				return res, fmt.Errorf("campaign %s: %s", c.Status, c.Error)
			}
			break
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	close(stopSampling)
	w1, db1, sim1 := cpu()
	res.WorkerCPU, res.DatabaseCPU, res.SimulatorCPU = w1-w0, db1-db0, sim1-sim0
	for _, w := range workers {
		peak := ProcessPeakRSS(w.Process.Pid)
		res.WorkerPeakRSSEach = append(res.WorkerPeakRSSEach, peak)
		res.WorkerPeakRSS = max(res.WorkerPeakRSS, peak)
	}

	var times struct {
		Created   time.Time `db:"created"`
		FirstSent time.Time `db:"first_sent"`
		LastSent  time.Time `db:"last_sent"`
	}
	if err := s.DB.GetContext(ctx, &times, `SELECT c.started_at AS created, MIN(m.sent_at) AS first_sent, MAX(m.sent_at) AS last_sent
		FROM campaigns c JOIN campaign_messages m ON m.campaign_id = c.id WHERE c.id = ? GROUP BY c.id`, camp.ID); err == nil {
		res.Handover = times.LastSent.Sub(times.FirstSent)
		res.Prepare = times.FirstSent.Sub(start)
	}

	// Workflow history: every run of the continue-as-new chain.
	runs, err := s.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("WorkflowId = '%s'", workflows.CampaignWorkflowID(camp.ID))})
	if err == nil {
		for _, e := range runs.Executions {
			res.Runs++
			res.HistoryEvents += int(e.GetHistoryLength())
			res.Activities = activityTimes(ctx, s, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), res.Activities)
		}
	}

	var st struct {
		Received   int64 `json:"received"`
		Unique     int64 `json:"unique"`
		Duplicates int64 `json:"duplicates"`
	}
	resp, err := http.Get(simBase + "/stats")
	if err != nil {
		return res, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &st); err != nil {
		return res, err
	}
	res.SimReceived, res.SimUnique, res.SimDupes = st.Received, st.Unique, st.Duplicates
	return res, nil
}

func waitHTTP(ctx context.Context, url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("%s did not answer: %w", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// activityTimes adds up, per activity type, the time from each activity's start
// to its completion, read from the run's history.
func activityTimes(ctx context.Context, s *Stack, id, run string, into map[string]time.Duration) map[string]time.Duration {
	if into == nil {
		into = map[string]time.Duration{}
	}
	started := map[int64]time.Time{}
	typeOf := map[int64]string{}
	it := s.Temporal.GetWorkflowHistory(ctx, id, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return into
		}
		switch {
		case e.GetActivityTaskScheduledEventAttributes() != nil:
			typeOf[e.GetEventId()] = e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case e.GetActivityTaskStartedEventAttributes() != nil:
			started[e.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] = e.GetEventTime().AsTime()
		case e.GetActivityTaskCompletedEventAttributes() != nil:
			sched := e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
			into[typeOf[sched]] += e.GetEventTime().AsTime().Sub(started[sched])
		}
	}
	return into
}

// settle waits (up to a minute) until InnoDB has flushed most dirty pages.
func (s *Stack) settle(ctx context.Context) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		var name string
		var dirty, total float64
		if err := s.DB.QueryRowContext(ctx, `SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'`).Scan(&name, &dirty); err != nil {
			return
		}
		if err := s.DB.QueryRowContext(ctx, `SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_total'`).Scan(&name, &total); err != nil {
			return
		}
		if total == 0 || dirty/total < 0.02 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
}
