package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/workflows"
)

// The faults a deployment meets besides a dying worker (crash_test.go): the
// database goes away for a while, Temporal restarts, several workers share the
// work. Each campaign must complete with every recipient reached exactly once.

// MariaDB is stopped for 10 s while chunks are in flight, then started again:
// the campaign completes, every recipient reached exactly once. The test runs a
// MariaDB server of its own; the shared one on :3306 is never touched.
func TestCampaignSurvivesAMariaDBRestart(t *testing.T) {
	db := startMariaDB(t)
	// Its own Temporal too: the new database numbers campaigns from 1 again, and
	// on the package's server campaign:1 may already be another test's workflow.
	temporal := startTemporal(t, temporalOptions(t, ""))
	s := newStackOn(t, db.migratedDatabase(), temporal.Address)
	simulator, base := newSimulator(t, 3)
	n := *recipients
	// The relay's rate limit stretches the send over about five seconds.
	id, _ := s.campaignFixture(n, base, max(n/5, 1000), map[string]int{"a": 1}, "a")
	s.startWorker()
	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)

	s.waitReceived(simulator, id, int64(n/5))
	db.stop()
	stopped := simulator.Stats().Unique
	t.Logf("MariaDB stopped with %d of %d messages at the relay", stopped, n)
	if stopped >= int64(n) {
		t.Fatal("the send finished before MariaDB stopped: the test did not hit a send")
	}
	time.Sleep(10 * time.Second) // the outage itself
	db.start()
	t.Logf("MariaDB started again with %d of %d messages at the relay", simulator.Stats().Unique, n)

	s.expectExactlyOnce(simulator, id, n)
	// The outage failed chunks in flight (their results could not be written), so
	// some chunk was retried: the fault was really met, not slept through.
	h := s.chunkHistory(id)
	t.Logf("SendChunk history: %+v", h)
	if h.maxAttempt < 2 {
		t.Fatalf("no SendChunk was retried (%+v): the outage did not hit a chunk", h)
	}
}

// The Temporal dev server is SIGKILLed mid-campaign and started again on its
// state file: the campaign completes, every recipient reached exactly once. The
// test runs a dev server of its own; the package's shared one keeps running.
func TestCampaignSurvivesATemporalRestart(t *testing.T) {
	srv := startTemporal(t, temporalOptions(t, filepath.Join(t.TempDir(), "temporal.db")))
	s := newStackOn(t, testenv.Current().DSN, srv.Address)
	simulator, base := newSimulator(t, 4)
	n := *recipients
	id, _ := s.campaignFixture(n, base, max(n/5, 1000), map[string]int{"a": 1}, "a")
	s.startWorker()
	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)

	s.waitReceived(simulator, id, int64(n*3/10))
	srv.Kill()
	killed := simulator.Stats().Unique
	t.Logf("Temporal killed with %d of %d messages at the relay", killed, n)
	if killed >= int64(n) {
		t.Fatal("the send finished before Temporal was killed: the test did not hit a send")
	}
	// Longer than SendChunk's heartbeat timeout (10 s): the attempts in flight
	// time out meanwhile, and their completions arrive too late.
	time.Sleep(12 * time.Second)
	// Where it was (its ports), so the worker and the API reach it again.
	startTemporal(t, srv.Options)
	t.Logf("Temporal started again with %d of %d messages at the relay", simulator.Stats().Unique, n)

	// The workflow went on from the state file: had it been lost, the campaign
	// would never finish and expectExactlyOnce could not query it.
	s.expectExactlyOnce(simulator, id, n)
	h := s.chunkHistory(id)
	t.Logf("SendChunk history: %+v", h)
	if h.maxAttempt < 2 {
		t.Fatalf("no SendChunk was retried (%+v): the restart did not hit a chunk", h)
	}
}

// Two worker processes serve the same task queue while a campaign runs: it
// completes, every recipient reached exactly once, and both workers sent chunks.
func TestCampaignServedByTwoWorkers(t *testing.T) {
	// Chunks of 1,000: enough of them that each worker gets some.
	s := newStackOn(t, testenv.Current().DSN, testenv.Current().Temporal.Address,
		func(c *config.Config) { c.ChunkSize = 1000 })
	simulator, base := newSimulator(t, 5)
	n := *recipients
	id, _ := s.campaignFixture(n, base, max(n/5, 1000), map[string]int{"a": 1}, "a")
	workers := []*worker{s.startWorker(), s.startWorker()}
	// Send only once both poll for activities, so neither can miss the start.
	for _, w := range workers {
		s.waitPolling(w)
	}
	s.c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", id), nil).Expect(202)

	s.expectExactlyOnce(simulator, id, n)
	h := s.chunkHistory(id)
	t.Logf("SendChunk completions by worker identity: %v", h.byIdentity)
	for i, w := range workers {
		done := 0
		for identity, k := range h.byIdentity {
			if w.is(identity) {
				done += k
			}
		}
		if done == 0 {
			t.Errorf("worker %d (pid %d) completed no SendChunk: %v", i+1, w.cmd.Process.Pid, h.byIdentity)
		}
	}
}

// temporalOptions are a dev server's for one test: ports of its own, picked at
// its start (and picked again should another process take one first), and
// state in dbFile ("" keeps it in memory). A restart passes the first server's
// Options, so it listens where the clients dial.
func temporalOptions(t *testing.T, dbFile string) devserver.Options {
	t.Helper()
	cli, err := devserver.EnsureCLI(context.Background(), slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	return devserver.Options{CLI: cli, DBFile: dbFile,
		LogFile: filepath.Join(os.TempDir(), fmt.Sprintf("sendingo-e2e-temporal-%d.log", os.Getpid()))}
}

// startTemporal starts a dev server that is killed when the test ends.
func startTemporal(t *testing.T, o devserver.Options) *devserver.Server {
	t.Helper()
	srv, err := devserver.Start(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Kill)
	return srv
}

// chunkHistory is what the campaign workflow's history (every run of it) says
// about its SendChunk activities.
type chunkHistory struct {
	chunks     int            // completed SendChunk activities
	byIdentity map[string]int // completions per worker identity (pid@host@)
	maxAttempt int32          // the most attempts a completed chunk needed
}

func (s *stack) chunkHistory(id int64) chunkHistory {
	s.t.Helper()
	ctx := context.Background()
	h := chunkHistory{byIdentity: map[string]int{}}
	runID := ""
	for {
		sendChunk := map[int64]bool{} // scheduled event ids of SendChunk
		attempts := map[int64]int32{} // started event id → attempt
		previous := ""
		it := s.tc.GetWorkflowHistory(ctx, workflows.CampaignWorkflowID(id), runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				s.t.Fatalf("history of campaign %d: %v", id, err)
			}
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				previous = e.GetWorkflowExecutionStartedEventAttributes().GetContinuedExecutionRunId()
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				if e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == workflows.ActivitySendChunk {
					sendChunk[e.GetEventId()] = true
				}
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
				attempts[e.GetEventId()] = e.GetActivityTaskStartedEventAttributes().GetAttempt()
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
				a := e.GetActivityTaskCompletedEventAttributes()
				if sendChunk[a.GetScheduledEventId()] {
					h.chunks++
					h.byIdentity[a.GetIdentity()]++
					h.maxAttempt = max(h.maxAttempt, attempts[a.GetStartedEventId()])
				}
			}
		}
		if previous == "" {
			return h
		}
		runID = previous
	}
}

// is says whether a Temporal identity is this worker's: the SDK's default is
// "pid@host@".
func (w *worker) is(identity string) bool {
	return strings.HasPrefix(identity, strconv.Itoa(w.cmd.Process.Pid)+"@")
}

// waitPolling waits until the worker polls the stack's task queue for activities.
func (s *stack) waitPolling(w *worker) {
	s.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := s.tc.DescribeTaskQueue(context.Background(), s.cfg.TaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err == nil {
			for _, p := range resp.GetPollers() {
				if w.is(p.GetIdentity()) {
					return
				}
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("worker pid %d does not poll %s after a minute (err %v)", w.cmd.Process.Pid, s.cfg.TaskQueue, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
