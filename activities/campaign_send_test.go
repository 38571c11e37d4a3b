package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/workflows"
)

// The activities run here against the real MariaDB and the relay simulator: in
// the SDK's activity environment for one activity at a time, or under the real
// Campaign workflow in the time-skipping environment.

type fixture struct {
	t        *testing.T
	st       *store.Store
	db       *sqlx.DB
	acts     *activities.Activities
	account  int64
	group    int64
	campaign store.Campaign
	relay    store.Relay
	sim      *sim.Simulator
	base     string
	// lastPoll is the answer of the previous collectReports, carried into the
	// next as the workflow carries it.
	lastPoll workflows.CollectReportsResult
}

var accountSeq struct {
	sync.Mutex
	n int
}

// newFixture is an account with n customers (phones 010-8xxx-kkkk) in a group,
// a relay of kind on an in-process simulator, and an SMS campaign to the group,
// ready to send (content frozen, status running).
func newFixture(t *testing.T, n int, settings sim.Settings, kind string, ad bool) *fixture {
	return newFixtureWith(t, n, sim.Options{Settings: settings, Seed: 11}, kind, ad)
}

// newFixtureWith is newFixture with the simulator's options.
func newFixtureWith(t *testing.T, n int, simOpts sim.Options, kind string, ad bool) *fixture {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	f := &fixture{t: t, st: st, db: testenv.DB(t)}
	f.sim = sim.New(simOpts)
	var err error
	if f.base, err = f.sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	// Loopback is refused like any private address; the simulator alone is allowed.
	guard := &egress.Guard{}
	if err := guard.AllowURL(f.base); err != nil {
		t.Fatal(err)
	}
	f.acts = activities.New(st, log, "http://sendingo.test", guard)
	t.Cleanup(func() { f.sim.Close() })

	accountSeq.Lock()
	accountSeq.n++
	seq := accountSeq.n
	accountSeq.Unlock()
	acc, _, err := st.Signup(ctx, store.SignupParams{AccountName: "Acme 상점", Timezone: "Asia/Seoul", UserName: "김철수",
		Email: fmt.Sprintf("owner-%d-%d@acme.example", seq, time.Now().UnixNano()), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	f.account = acc.ID
	if _, err := st.UpdateAccountSettings(ctx, acc.ID, store.AccountSettings{Name: new("Acme 상점"), Timezone: new("Asia/Seoul"),
		OptoutNumber: new("080-123-4567")}); err != nil {
		t.Fatal(err)
	}
	g, err := st.CreateGroup(ctx, acc.ID, "대상")
	if err != nil {
		t.Fatal(err)
	}
	f.group = g.ID
	for i := 1; i <= n; i++ {
		if _, err := st.CreateCustomer(ctx, acc.ID, store.CustomerInput{Name: fmt.Sprintf("고객%d", i),
			Phone: fmt.Sprintf("+82108%03d%04d", seq, i), GroupIDs: []int64{g.ID}}); err != nil {
			t.Fatal(err)
		}
	}
	var cfg any
	switch kind {
	case relay.KindSimulator:
		cfg = map[string]any{"base_url": f.base, "name": "sim"}
	case relay.KindAligoSMS:
		cfg = map[string]any{"base_url": f.base + "/r/aligo", "key": "k", "user_id": "acme", "sender": "0212345678"}
	}
	raw, _ := json.Marshal(cfg)
	if f.relay, err = st.SaveRelay(ctx, acc.ID, store.Relay{Name: "relay", Kind: kind, Channel: "sms", Config: raw, Weight: 1, Enabled: true}); err != nil {
		t.Fatal(err)
	}
	f.campaign = f.startCampaign("발송", store.Template{Name: "안내", Channel: "sms", Body: "#{이름}님 안내드립니다", Advertisement: ad})
	return f
}

// startCampaign saves tpl and starts a campaign of it, named name, to f's
// group (content frozen, status running).
func (f *fixture) startCampaign(name string, tpl store.Template) store.Campaign {
	f.t.Helper()
	ctx := context.Background()
	tpl, err := f.st.SaveTemplate(ctx, f.account, tpl)
	if err != nil {
		f.t.Fatal(err)
	}
	camp, err := f.st.CreateCampaign(ctx, f.account, store.NewCampaign{Name: name, TemplateID: tpl.ID, GroupIDs: []int64{f.group}})
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.BeginSend(ctx, f.account, camp.ID, tpl, store.CampaignRunning); err != nil {
		f.t.Fatal(err)
	}
	c, err := f.st.Campaign(ctx, f.account, camp.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// activityEnv runs one activity at a time, as attempt 1.
func (f *fixture) activityEnv() *testsuite.TestActivityEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(f.acts)
	return env
}

// prepare materialises the campaign's messages and answers their id range.
func (f *fixture) prepare() workflows.PrepareAudienceResult {
	f.t.Helper()
	v, err := f.activityEnv().ExecuteActivity(f.acts.PrepareAudience, workflows.PrepareAudienceInput{AccountID: f.account, CampaignID: f.campaign.ID})
	if err != nil {
		f.t.Fatal(err)
	}
	var out workflows.PrepareAudienceResult
	if err := v.Get(&out); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// sendChunk runs SendChunk over the campaign's messages in [p.FirstID,
// p.LastID] as run 1.
func (f *fixture) sendChunk(p workflows.PrepareAudienceResult) (workflows.SendChunkResult, error) {
	return f.sendRun(p, 1)
}

// sendRun is sendChunk in the campaign's run (a retry run's chunk).
func (f *fixture) sendRun(p workflows.PrepareAudienceResult, run int) (workflows.SendChunkResult, error) {
	var out workflows.SendChunkResult
	v, err := f.activityEnv().ExecuteActivity(f.acts.SendChunk, workflows.SendChunkInput{AccountID: f.account,
		CampaignID: f.campaign.ID, Run: run, FromID: p.FirstID, ToID: p.LastID})
	if err == nil {
		err = v.Get(&out)
	}
	return out, err
}

// retryFailed ends the campaign's run failed and retries its failed messages
// as run (RetryCampaign), as the workflow's retry does.
func (f *fixture) retryFailed(run int) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.st.FinalizeCampaign(ctx, f.campaign.Key(), store.CampaignFailed); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.st.RetryCampaign(ctx, f.account, f.campaign.ID, run); err != nil {
		f.t.Fatal(err)
	}
}

// collectReports runs one CollectReports over [p.FirstID, p.LastID], given what
// the previous one left awaiting, as the workflow polls.
func (f *fixture) collectReports(p workflows.PrepareAudienceResult) workflows.CollectReportsResult {
	f.t.Helper()
	v, err := f.activityEnv().ExecuteActivity(f.acts.CollectReports, workflows.CollectReportsInput{AccountID: f.account,
		CampaignID: f.campaign.ID, FirstID: p.FirstID, LastID: p.LastID, Awaited: f.lastPoll.Awaited, AwaitFrom: f.lastPoll.AwaitFrom})
	if err != nil {
		f.t.Fatal(err)
	}
	var out workflows.CollectReportsResult
	if err := v.Get(&out); err != nil {
		f.t.Fatal(err)
	}
	f.lastPoll = out
	return out
}

type row struct {
	ID         int64  `db:"id"`
	Recipient  string `db:"recipient"`
	Status     string `db:"status"`
	Attempt    int    `db:"attempt"`
	ProviderID string `db:"provider_id"`
	Code       string `db:"code"`
}

func (f *fixture) rows() []row {
	f.t.Helper()
	var rs []row
	if err := f.db.Select(&rs, `SELECT id, recipient, TRIM(status) AS status, attempt, TRIM(provider_id) AS provider_id, TRIM(code) AS code
		FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, f.campaign.ID); err != nil {
		f.t.Fatal(err)
	}
	return rs
}

func byStatus(rs []row) map[string]int {
	out := map[string]int{}
	for _, r := range rs {
		out[r.Status]++
	}
	return out
}

// A chunk whose every relay call faults gives its claimed messages back: none
// stays "sending", none is failed yet, and the chunk fails so that Temporal
// retries it.
func TestSendChunkGivesMessagesBackWhenNoRelayTakesThem(t *testing.T) {
	f := newFixture(t, 20, sim.Settings{FaultRate: 1}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err == nil {
		t.Fatal("the chunk succeeded although no relay took a message")
	}
	rs := f.rows()
	if got := byStatus(rs); got["pending"] != 20 || len(got) != 1 {
		t.Fatalf("rows by status %v, want all 20 pending again", got)
	}
	for _, r := range rs {
		if r.Attempt != 1 {
			t.Fatalf("message %d: attempt %d, want 1 (claimed once, then given back)", r.ID, r.Attempt)
		}
	}
	if st := f.sim.Stats(); st.Faulted != 20 || st.Received != 0 {
		t.Fatalf("simulator %+v", st)
	}
}

// An attempt that outlived its heartbeat timeout stops once its retry has
// taken its rows over: it sends no further slice, and the rows it had not
// sent stay sending under the retry's claim, for the retry to send.
func TestAnAttemptStopsOnceItsRetryTookItsRowsOver(t *testing.T) {
	f := newFixture(t, 1, sim.Settings{Latency: sim.Duration(400 * time.Millisecond)}, relay.KindSimulator, false)
	ctx := context.Background()
	p := f.prepare()
	// 7,499 more messages to the fixture's one: three slices of the send.
	f.db.MustExec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name, channel, body, buttons, fallback_body)
		SELECT campaign_id, account_id, customer_id, group_id, CONCAT('+8210', LPAD(s.seq, 8, '0')), name, channel, body, buttons, fallback_body
		FROM campaign_messages JOIN seq_1_to_7499 s WHERE id = ?`, p.FirstID)
	if err := f.db.Get(&p.LastID, `SELECT MAX(id) FROM campaign_messages WHERE campaign_id = ?`, f.campaign.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := f.sendChunk(p)
		done <- err
	}()
	count := func(status string) int {
		var n int
		if err := f.db.Get(&n, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND status = ?`, f.campaign.ID, status); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for count("sent") == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	// The retry: what is still sending is stale to it, none of it at the
	// relay yet as far as it asks; it takes it all over.
	stale, err := f.st.ChunkMessages(ctx, f.campaign.Key(), p.FirstID, p.LastID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range stale {
		if r.Status != store.MessageSending {
			t.Fatalf("message %d is %s before the retry's claim, want sending", r.ID, r.Status)
		}
	}
	at := store.ClaimTime(time.Now(), 2)
	if _, err := f.st.ClaimChunk(ctx, f.campaign.Key(), p.FirstID, p.LastID, at, stale); err != nil {
		t.Fatal(err)
	}
	err = <-done
	if err == nil || !strings.Contains(err.Error(), "taken over by a later attempt") {
		t.Fatalf("the superseded attempt ended with %v, want it to say a later attempt took the chunk over", err)
	}
	sent, sending := count("sent"), count("sending")
	if sent+sending != 7500 || sending < 2500 {
		t.Fatalf("%d sent and %d sending: want at least the last slice left to the retry", sent, sending)
	}
	var retrys int
	if err := f.db.Get(&retrys, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND status = 'sending' AND claimed_at = ?`,
		f.campaign.ID, at.UTC()); err != nil || retrys != sending {
		t.Fatalf("%d of the %d rows sending carry the retry's claim (%v)", retrys, sending, err)
	}
	if st := f.sim.Stats(); st.Received != int64(sent) {
		t.Fatalf("the relay received %d messages, %d are recorded sent", st.Received, sent)
	}
}

// workflowEnv runs the real Campaign workflow over the real activities in the
// time-skipping environment, starting at start.
func (f *fixture) workflowEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.RegisterWorkflow(workflows.Campaign)
	env.RegisterActivity(f.acts)
	return env
}

// runCampaign runs the campaign (run 1, chunks of 100, one at a time) under
// the real workflow from 10:00 in Seoul to its end, calling onChunk (if not
// nil) as each SendChunk attempt starts; it answers the attempts' numbers.
func (f *fixture) runCampaign(onChunk func(attempt int32)) []int32 {
	f.t.Helper()
	attempts, _ := f.runCampaignRun(1, onChunk)
	return attempts
}

// runCampaignRun is runCampaign for any run of the campaign; it also answers
// the run's progress as the workflow reports it at the end.
func (f *fixture) runCampaignRun(run int, onChunk func(attempt int32)) ([]int32, workflows.CampaignProgress) {
	f.t.Helper()
	env := f.workflowEnv(time.Date(2025, 3, 11, 1, 0, 0, 0, time.UTC))
	var attempts []int32
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name != workflows.ActivitySendChunk {
			return
		}
		attempts = append(attempts, info.Attempt)
		if onChunk != nil {
			onChunk(info.Attempt)
		}
	})
	env.ExecuteWorkflow(workflows.Campaign, workflows.CampaignInput{AccountID: f.account, CampaignID: f.campaign.ID, Run: run,
		ChunkSize: 100, Window: 1, ReportDeadline: time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		f.t.Fatalf("workflow: %v (chunk attempts %v)", err, attempts)
	}
	var progress workflows.CampaignProgress
	v, err := env.QueryWorkflow(workflows.QueryCampaignProgress)
	if err == nil {
		err = v.Get(&progress)
	}
	if err != nil {
		f.t.Fatalf("progress: %v", err)
	}
	return attempts, progress
}

// addSimRelay adds an enabled SMS relay of weight 1 for the simulator relay
// simName at base.
func (f *fixture) addSimRelay(name, base, simName string) store.Relay {
	f.t.Helper()
	raw, _ := json.Marshal(map[string]any{"base_url": base, "name": simName})
	r, err := f.st.SaveRelay(context.Background(), f.account, store.Relay{Name: name, Kind: relay.KindSimulator, Channel: "sms",
		Config: raw, Weight: 1, Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	return r
}

// relayStatus is how many of the campaign's messages a relay holds in a status.
type relayStatus struct {
	RelayID int64  `db:"relay_id"`
	Status  string `db:"status"`
	N       int    `db:"n"`
}

func (f *fixture) byRelayStatus() []relayStatus {
	f.t.Helper()
	var out []relayStatus
	if err := f.db.Select(&out, `SELECT relay_id, TRIM(status) AS status, COUNT(*) AS n FROM campaign_messages
		WHERE campaign_id = ? GROUP BY relay_id, status ORDER BY relay_id`, f.campaign.ID); err != nil {
		f.t.Fatal(err)
	}
	return out
}

// Messages no relay will take are retried with the chunk (Temporal's backoff)
// and recorded failed on the 10th attempt, with the relay's reason; the
// campaign then completes with them failed.
func TestMessagesNoRelayTakesFailAfterTenAttempts(t *testing.T) {
	f := newFixture(t, 15, sim.Settings{FaultRate: 1}, relay.KindSimulator, false)
	attempts := f.runCampaign(nil)
	if !slices.Equal(attempts, []int32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
		t.Fatalf("chunk attempts %v, want 1..10", attempts)
	}
	rs := f.rows()
	if got := byStatus(rs); got["failed"] != 15 || len(got) != 1 {
		t.Fatalf("rows by status %v, want all 15 failed", got)
	}
	for _, r := range rs {
		if r.Attempt != 10 || r.Code == "" {
			t.Fatalf("message %d: attempt %d, code %q; want attempt 10 and the relay's code", r.ID, r.Attempt, r.Code)
		}
	}
	c, err := f.st.Campaign(context.Background(), f.account, f.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.CampaignCompleted || c.Failed != 15 || c.Pending != 0 {
		t.Fatalf("campaign %s with %d failed, %d pending", c.Status, c.Failed, c.Pending)
	}
	if st := f.sim.Stats(); st.Received != 0 {
		t.Fatalf("simulator %+v", st)
	}
}

// A relay that takes a chunk's messages but answers after the worker stopped
// waiting may have sent them: they are not failed over to the other relay
// (the customer would get them twice) but held in doubt, sending, at the
// relay they went to. The chunk's retry settles them there: by asking the
// relay when it can be asked, or by sending them to it alone, which drops the
// ids it already has. Either way no message reaches a second relay.
func TestAMessageInDoubtNeverReachesASecondRelay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		noLookup bool
		disabled bool // the operator disabled the late relay before the retry
	}{{"the relay is asked", false, false}, {"the relay cannot be asked", true, false}, {"the relay was disabled since", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, 10, sim.Settings{}, relay.KindSimulator, false)
			b := f.addSimRelay("B", f.base, "b")
			// The fixture's relay ("sim" at the simulator) takes its half and
			// answers a second after the worker gave up on it.
			late, noLookup := sim.Duration(time.Second), tc.noLookup
			if err := f.sim.Control(sim.Patch{Relay: "sim", AnswerDelay: &late, NoLookup: &noLookup}); err != nil {
				t.Fatal(err)
			}
			f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)

			held := -1
			attempts := f.runCampaign(func(attempt int32) {
				if attempt == 2 {
					if err := f.db.Get(&held, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND status = 'sending'
						AND relay_id = ? AND code = 'timeout'`, f.campaign.ID, f.relay.ID); err != nil {
						t.Error(err)
					}
					_ = f.sim.Control(sim.Patch{Relay: "sim", AnswerDelay: new(sim.Duration(0))})
					if tc.disabled {
						f.db.MustExec(`UPDATE relays SET enabled = 0 WHERE id = ?`, f.relay.ID)
					}
				}
			})
			if !slices.Equal(attempts, []int32{1, 2}) || held != 5 {
				t.Fatalf("chunk attempts %v, %d messages held in doubt at the late relay before the retry; want 1, 2 and 5", attempts, held)
			}
			st := f.sim.Stats()
			late1, other := st.Relays["sim"], st.Relays["b"]
			if st.Redelivered != 0 || other.Received != 5 || late1.Unique != 5 {
				t.Fatalf("simulator %+v: want each relay's half at that relay alone, nothing redelivered", st)
			}
			if tc.noLookup != (late1.Duplicates == 5) {
				t.Fatalf("the late relay saw %d repeated ids; want the 5 again only when it could not be asked", late1.Duplicates)
			}
			byRelay := f.byRelayStatus()
			if len(byRelay) != 2 || byRelay[0].RelayID != f.relay.ID || byRelay[1].RelayID != b.ID ||
				byRelay[0].Status != "delivered" || byRelay[0].N != 5 || byRelay[1].Status != "delivered" || byRelay[1].N != 5 {
				t.Fatalf("messages by relay and status %+v, want 5 delivered by each", byRelay)
			}
		})
	}
}

// A relay that timed out and then went down cannot be asked about the
// messages it holds in doubt: they go back to it alone on each retry, fail
// there again, and on the chunk's last attempt count as handed over to it. The
// chunk neither stalls on the failed look-ups nor sends them elsewhere.
func TestMessagesHeldAtARelayThatWentDownDoNotStallTheChunk(t *testing.T) {
	f := newFixture(t, 10, sim.Settings{}, relay.KindSimulator, false)
	// Relay A on a simulator of its own, so it can go away; the fixture's
	// relay ("sim") is the other.
	late := sim.New(sim.Options{Seed: 7, Settings: sim.Settings{AnswerDelay: sim.Duration(time.Second)}})
	lateURL, err := late.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer late.Close()
	if err := f.acts.RelayOptions.Egress.AllowURL(lateURL); err != nil {
		t.Fatal(err)
	}
	a := f.addSimRelay("A", lateURL, "a")
	f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)
	attempts := f.runCampaign(func(attempt int32) {
		if attempt == 2 {
			late.Close() // down: neither sends nor look-ups get through
		}
	})
	if len(attempts) != 10 {
		t.Fatalf("chunk attempts %v, want 10: held until the last", attempts)
	}
	if got := f.sim.Stats(); got.Received != 5 {
		t.Fatalf("the other relay received %+v, want its own 5 only", got)
	}
	rows := f.byRelayStatus()
	for _, r := range rows {
		if r.N != 5 || (r.RelayID == a.ID) == (r.Status == "delivered") || r.Status == "sending" || r.Status == "pending" {
			t.Fatalf("messages by relay and status %+v: want the other relay's 5 delivered and A's 5 settled without a report (relay %d)", rows, a.ID)
		}
	}
}

// Aligo has no idempotency key: a send it took but answered too late, given
// back to pending, went out a second time with the chunk's retry. Held in
// doubt instead, it is found in Aligo's history by the retry and not sent
// again; and when the history cannot be read just then, the retry waits for
// a later one to ask again rather than send it blind.
func TestATimedOutAligoSendIsLookedUpNotSentAgain(t *testing.T) {
	for _, historyFailsOnce := range []bool{false, true} {
		t.Run(fmt.Sprintf("history fails once: %v", historyFailsOnce), func(t *testing.T) {
			late := sim.Duration(time.Second)
			f := newFixtureWith(t, 10, sim.Options{Seed: 3, Settings: sim.Settings{AnswerDelay: late}}, relay.KindAligoSMS, false)
			client := relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)
			var historyDown atomic.Bool
			client.Transport = refuseHistory{next: client.Transport, down: &historyDown}
			f.acts.RelayOptions.HTTPClient = client
			attempts := f.runCampaign(func(attempt int32) {
				historyDown.Store(historyFailsOnce && attempt == 2)
				if attempt == 2 {
					_ = f.sim.Control(sim.Patch{AnswerDelay: new(sim.Duration(0))}) // answers in time from now on
				}
			})
			want := 2
			if historyFailsOnce {
				want = 3
			}
			if len(attempts) != want {
				t.Fatalf("chunk attempts %v, want %d", attempts, want)
			}
			if got := f.sim.Stats().Relays["aligo"]; got.Received != 10 || got.Requests != 1 {
				t.Fatalf("Aligo %+v: want the 10 messages once, in the one request that timed out", got)
			}
			if got := byStatus(f.rows()); got["delivered"] != 10 {
				t.Fatalf("rows by status %v, want all 10 delivered", got)
			}
		})
	}
}

// A send Aligo took but answered too late, whose history stays unreadable
// through all ten attempts, is handed over on the last one; with no Aligo
// request id no report can ever name it, so it is unknown at once (code
// timeout, from the call) instead of awaiting a report until the deadline
// gives it up (code no_report). The campaign completes with it unknown, and
// Aligo received it once.
func TestAnAligoSendInDoubtToTheEndIsUnknownAtOnce(t *testing.T) {
	late := sim.Duration(time.Second)
	f := newFixtureWith(t, 4, sim.Options{Seed: 3, Settings: sim.Settings{AnswerDelay: late}}, relay.KindAligoSMS, false)
	client := relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)
	var historyDown atomic.Bool
	historyDown.Store(true)
	client.Transport = refuseHistory{next: client.Transport, down: &historyDown}
	f.acts.RelayOptions.HTTPClient = client
	attempts, progress := f.runCampaignRun(1, nil)
	if len(attempts) != 10 {
		t.Fatalf("chunk attempts %v, want 10", attempts)
	}
	if got := f.sim.Stats().Relays["aligo"]; got.Received != 4 || got.Requests != 1 {
		t.Fatalf("Aligo %+v: want the 4 messages once", got)
	}
	for _, r := range f.rows() {
		if r.Status != "unknown" || r.Code != relay.CodeTimeout {
			t.Fatalf("message %d is %s with code %q; want unknown, code %q (settled by the send, not by the report deadline)",
				r.ID, r.Status, r.Code, relay.CodeTimeout)
		}
	}
	c, err := f.st.Campaign(context.Background(), f.account, f.campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != store.CampaignCompleted || c.Unknown != 4 || progress.Counts.Unknown != 4 || progress.Counts.Pending != 0 {
		t.Fatalf("campaign %s with %d unknown; progress %+v", c.Status, c.Unknown, progress.Counts)
	}
}

// refuseHistory fails the requests for Aligo's history (its list/ calls)
// while down is set.
type refuseHistory struct {
	next http.RoundTripper
	down *atomic.Bool
}

func (r refuseHistory) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.down.Load() && strings.Contains(req.URL.Path, "list") {
		return nil, errors.New("connection reset by the history service")
	}
	return r.next.RoundTrip(req)
}

// A relay that always answers too late and cannot be asked holds its messages
// in doubt only until the chunk's last attempt, which records them handed over
// to it (the relay may have them): its delivery reports then settle them. The
// campaign ends; nothing went to the relay as a new message twice.
func TestMessagesInDoubtUntilTheLastAttemptAreHandedOver(t *testing.T) {
	late, noLookup := sim.Duration(time.Second), true
	f := newFixture(t, 4, sim.Settings{AnswerDelay: late, NoLookup: noLookup}, relay.KindSimulator, false)
	f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(100*time.Millisecond, f.acts.RelayOptions.Egress)
	if attempts := f.runCampaign(nil); len(attempts) != 10 {
		t.Fatalf("chunk attempts %v, want 10", attempts)
	}
	for _, r := range f.rows() {
		if r.Status != "delivered" {
			t.Fatalf("message %d is %s (code %q), want delivered: the relay had it all along", r.ID, r.Status, r.Code)
		}
	}
	if st := f.sim.Stats(); st.Unique != 4 || st.Redelivered != 0 {
		t.Fatalf("simulator %+v", st)
	}
}

// An attempt that fails after some of its messages went out answers no
// result, and the attempt that completes the chunk does not send those
// again: it must count them all the same, or the campaign's progress misses
// them. A retry run's chunks count what they send (not their range, which
// holds the first run's results too): here relay B takes its half on the
// first attempt, which fails because the late relay holds the other half in
// doubt; the second attempt settles those. Both halves are in the progress.
func TestAFailedAttemptsSendsStayInTheProgress(t *testing.T) {
	f := newFixture(t, 10, sim.Settings{FaultRate: 1}, relay.KindSimulator, false)
	f.runCampaign(nil) // no relay takes them: the first run fails all 10
	if got := byStatus(f.rows()); got["failed"] != 10 {
		t.Fatalf("after the first run %v, want 10 failed", got)
	}
	late := sim.Duration(time.Second)
	for _, p := range []sim.Patch{{FaultRate: new(0.0)}, {Relay: "sim", FaultRate: new(0.0), AnswerDelay: &late}} {
		if err := f.sim.Control(p); err != nil {
			t.Fatal(err)
		}
	}
	b := f.addSimRelay("B", f.base, "b")
	// The retry run comes later, from a worker whose circuit breakers have
	// not just seen the relay fail.
	f.acts.Router = activities.NewRouter(f.st, f.acts.Log, relay.RouterOptions{})
	f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)
	attempts, progress := f.runCampaignRun(2, func(attempt int32) {
		if attempt == 2 {
			_ = f.sim.Control(sim.Patch{Relay: "sim", AnswerDelay: new(sim.Duration(0))})
		}
	})
	if !slices.Equal(attempts, []int32{1, 2}) {
		t.Fatalf("chunk attempts %v, want 1, 2; rows %v, sim %+v, progress %+v", attempts, byStatus(f.rows()), f.sim.Stats(), progress)
	}
	if got := byStatus(f.rows()); got["delivered"] != 10 {
		t.Fatalf("after the retry run %v, want 10 delivered", got)
	}
	want := []workflows.RelayCounts{{RelayID: f.relay.ID, Sent: 5, Delivered: 5}, {RelayID: b.ID, Sent: 5, Delivered: 5}}
	if !slices.Equal(progress.Relays, want) || progress.Counts.Pending != 0 {
		t.Fatalf("the retry run's progress: relays %+v, counts %+v; want %+v and nothing pending", progress.Relays, progress.Counts, want)
	}
}

// An advertisement started at 22:30 in Seoul is materialised at once but sent
// only from 08:00 the next morning; the stored bodies carry the ad marks.
func TestAdvertisementWaitsForEightInTheMorning(t *testing.T) {
	f := newFixture(t, 10, sim.Settings{}, relay.KindSimulator, true)
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 3, 14, 22, 30, 0, 0, seoul)
	morning := time.Date(2025, 3, 15, 8, 0, 0, 0, seoul)
	env := f.workflowEnv(start)
	var sentAt []time.Time
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		if info.ActivityType.Name == workflows.ActivitySendChunk {
			sentAt = append(sentAt, env.Now())
		}
	})
	checked := false
	env.RegisterDelayedCallback(func() {
		checked = true
		if st := f.sim.Stats(); st.Requests != 0 {
			t.Errorf("at 02:30 the relay has been called: %+v", st)
		}
		if got := byStatus(f.rows()); got["pending"] != 10 {
			t.Errorf("at 02:30 rows by status %v, want 10 pending", got)
		}
	}, 4*time.Hour)
	env.ExecuteWorkflow(workflows.Campaign, workflows.CampaignInput{AccountID: f.account, CampaignID: f.campaign.ID, Run: 1,
		ChunkSize: 100, Window: 1, ReportDeadline: time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if !checked {
		t.Fatal("the 02:30 check did not run")
	}
	if len(sentAt) != 1 || !sentAt[0].Equal(morning) {
		t.Fatalf("chunks started at %v, want one at 08:00 (%v)", sentAt, morning)
	}
	var msgs []struct {
		Name   string `db:"name"`
		Status string `db:"status"`
		Body   string `db:"body"`
	}
	if err := f.db.Select(&msgs, `SELECT name, TRIM(status) AS status, body FROM campaign_messages WHERE campaign_id = ?`, f.campaign.ID); err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if want := "(광고) Acme 상점\n" + m.Name + "님 안내드립니다\n무료수신거부 080-123-4567"; m.Body != want || m.Status != "delivered" {
			t.Fatalf("message to %s (%s): %q, want %q", m.Name, m.Status, m.Body, want)
		}
	}
	if st := f.sim.Stats(); st.Unique != 10 {
		t.Fatalf("simulator %+v", st)
	}
}

// skewClock is real time plus an offset that tests move forward.
type skewClock struct {
	mu   sync.Mutex
	skew time.Duration
}

func (c *skewClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skew)
}

func (c *skewClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew += d
}

// Aligo has no idempotency key. A worker that died mid-chunk left 30 messages
// claimed, 20 of which it had handed to Aligo: the retried chunk finds those 20
// in Aligo's history by recipient and sends only the other 10. Their delivery
// reports are then read per request id (mid) and matched by recipient.
func TestAligoIsReconciledByRecipientAndReportsMatchedByRecipient(t *testing.T) {
	clock := &skewClock{}
	f := newFixtureWith(t, 30, sim.Options{Seed: 5, Now: clock.Now,
		Settings: sim.Settings{ReportDelay: sim.Duration(time.Hour), ReportFailRate: 0.3}}, relay.KindAligoSMS, false)
	ctx := context.Background()
	p := f.prepare()

	// The attempt that died: rows claimed, the first 20 sent, nothing recorded.
	if _, err := f.st.ClaimChunk(ctx, f.campaign.Key(), p.FirstID, p.LastID, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	rs := f.rows()
	aligo, err := relay.New(f.relay.Kind, json.RawMessage(f.relay.Config), relay.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var dead []relay.Message
	for _, r := range rs[:20] {
		var body string
		if err := f.db.Get(&body, `SELECT body FROM campaign_messages WHERE id = ?`, r.ID); err != nil {
			t.Fatal(err)
		}
		dead = append(dead, relay.Message{ID: r.ID, To: r.Recipient, Channel: relay.ChannelSMS, Body: body})
	}
	sent, err := aligo.Send(ctx, dead)
	if err != nil {
		t.Fatal(err)
	}
	deadMID := sent[0].ProviderID
	if got := byStatus(f.rows()); got["sending"] != 30 {
		t.Fatalf("before the retry: %v", got)
	}

	// The retried chunk.
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	if st := f.sim.Stats(); st.Relays["aligo"].Received != 30 || st.Relays["aligo"].Requests < 2 {
		t.Fatalf("Aligo received %+v: want the 20 of the dead attempt and the 10 it never sent, nothing twice", st.Relays["aligo"])
	}
	rs = f.rows()
	mids := map[string]int{}
	for i, r := range rs {
		if r.Status != "sent" || r.ProviderID == "" {
			t.Fatalf("after the retry message %d is %s with mid %q", r.ID, r.Status, r.ProviderID)
		}
		if i < 20 && r.ProviderID != deadMID || i >= 20 && r.ProviderID == deadMID {
			t.Fatalf("message %d (#%d) has mid %s; the dead attempt's was %s", r.ID, i+1, r.ProviderID, deadMID)
		}
		mids[r.ProviderID]++
	}
	awaited, err := f.st.AwaitedProviderIDs(ctx, f.campaign.Key(), p.FirstID, p.LastID, f.relay.ID)
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(awaited)
	if len(awaited) != 2 || mids[awaited[0]]+mids[awaited[1]] != 30 {
		t.Fatalf("awaited mids %v, want the 2 requests' (%v)", awaited, mids)
	}

	// Nothing is final before the report delay; afterwards every line is.
	if r := f.collectReports(p); r.Awaiting != 30 || r.Delivered+r.Failed != 0 {
		t.Fatalf("before the reports are due: %+v", r)
	}
	clock.Advance(2 * time.Hour)
	r := f.collectReports(p)
	if r.Awaiting != 0 || r.Delivered+r.Failed != 30 || r.Failed == 0 || r.Delivered == 0 {
		t.Fatalf("after the reports are due: %+v (the test needs some of each)", r)
	}
	// Each row holds what Aligo's history says of its (mid, recipient).
	page, err := aligo.(relay.ReportFetcher).Reports(ctx, relay.ReportQuery{ProviderIDs: awaited})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]relay.Outcome{}
	for _, rep := range page.Reports {
		want[rep.ProviderID+" "+rep.To] = rep.Outcome
	}
	for _, row := range f.rows() {
		outcome, ok := want[row.ProviderID+" "+row.Recipient]
		if !ok {
			t.Fatalf("Aligo has no line for message %d (%s %s)", row.ID, row.ProviderID, row.Recipient)
		}
		if wantStatus := map[relay.Outcome]string{relay.Delivered: "delivered", relay.RecipientFailed: "failed"}[outcome]; row.Status != wantStatus ||
			(row.Status == "failed") != (row.Code != "") {
			t.Fatalf("message %d is %s (code %q); Aligo says %v", row.ID, row.Status, row.Code, outcome)
		}
	}
	if again := f.collectReports(p); again.Delivered+again.Failed+again.Awaiting != 0 {
		t.Fatalf("a second poll changed %+v", again)
	}
}

// A chunk retried after its worker died between writing every result and
// reporting them finds nothing left to send; as a first run's chunk it still
// answers what its range holds, so the campaign's live progress (built from
// chunk results) does not lose the chunk.
func TestRetriedChunkWithNothingLeftReportsItsRange(t *testing.T) {
	f := newFixture(t, 25, sim.Settings{ReportDelay: sim.Duration(time.Hour)}, relay.KindSimulator, false)
	p := f.prepare()
	send := func() workflows.SendChunkResult {
		t.Helper()
		out, err := f.sendChunk(p)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	first := send()
	if first.Sent != 25 || len(first.Relays) != 1 || first.Relays[0].Sent != 25 {
		t.Fatalf("first attempt %+v", first)
	}
	again := send() // the attempt Temporal retries: its result was never reported
	if again.Sent != first.Sent || len(again.Relays) != 1 || again.Relays[0] != first.Relays[0] {
		t.Fatalf("the retried attempt answered %+v, the first %+v", again, first)
	}
	if st := f.sim.Stats(); st.Received != 25 {
		t.Fatalf("simulator %+v: the retry sent again", st)
	}
}

// A relay feed that keeps saying it has more while its reports match none of
// the account's messages (a broken or hostile endpoint) does not get polled back
// to back: a poll asks for the next at once only when it changed something.
func TestReportPollWantsMoreOnlyWhenItChangedSomething(t *testing.T) {
	clock := &skewClock{}
	f := newFixtureWith(t, 10, sim.Options{Seed: 3, Now: clock.Now,
		Settings: sim.Settings{ReportDelay: sim.Duration(time.Hour)}}, relay.KindSimulator, false)
	ctx := context.Background()
	// 20 messages the relay reports on that are no message of ours.
	sender, err := relay.New(f.relay.Kind, []byte(f.relay.Config), f.acts.RelayOptions)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]relay.Message, 20)
	for i := range junk {
		junk[i] = relay.Message{ID: 9_000_000_000 + int64(i), To: fmt.Sprintf("+8210999%05d", i), Channel: relay.ChannelSMS, Body: "x"}
	}
	if _, err := sender.Send(ctx, junk); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * time.Minute)
	p := f.prepare()
	if sent, err := f.sendChunk(p); err != nil || sent.Sent != 10 {
		t.Fatalf("send %+v %v", sent, err)
	}
	f.acts.ReportPageSize, f.acts.ReportPages = 4, 2
	// Only the foreign reports are due: pages of them, the relay says more.
	clock.Advance(45 * time.Minute)
	if r := f.collectReports(p); r.More || r.Delivered+r.Failed != 0 || r.Awaiting != 10 {
		t.Fatalf("a poll of reports matching nothing answered %+v: want no More", r)
	}
	// Ours are due too: a poll that changes messages and stops at its bound
	// asks for the next at once.
	clock.Advance(time.Hour)
	var polls []workflows.CollectReportsResult
	for len(polls) < 10 {
		r := f.collectReports(p)
		polls = append(polls, r)
		if r.Awaiting == 0 {
			break
		}
	}
	var more bool
	for _, r := range polls {
		more = more || (r.More && r.Delivered > 0)
	}
	if last := polls[len(polls)-1]; last.Awaiting != 0 || last.More || !more {
		t.Fatalf("polls %+v: want one that changed messages asking for more, and a last one not", polls)
	}
}

// A poll reads a bounded number of report pages; one that stops with reports
// still ready says so (More), so the workflow polls again without a pause, and
// the last one does not.
func TestReportPollSaysWhenMoreReportsAreReady(t *testing.T) {
	f := newFixture(t, 25, sim.Settings{}, relay.KindSimulator, false)
	p := f.prepare()
	if sent, err := f.sendChunk(p); err != nil || sent.Sent != 25 {
		t.Fatalf("send %+v %v", sent, err)
	}
	f.acts.ReportPageSize, f.acts.ReportPages = 4, 2
	var got []workflows.CollectReportsResult
	for i := 0; i < 10; i++ {
		r := f.collectReports(p)
		got = append(got, r)
		if r.Awaiting == 0 {
			break
		}
		if !r.More {
			// Reports not yet final at the simulator: ask again shortly.
			time.Sleep(50 * time.Millisecond)
		}
	}
	last := got[len(got)-1]
	if last.Awaiting != 0 || last.More {
		t.Fatalf("the last poll answered %+v (polls %+v)", last, got)
	}
	var applied int64
	for i, r := range got {
		applied += r.Delivered + r.Failed
		if n := r.Delivered + r.Failed; n > 8 || (r.More && n != 8) {
			t.Errorf("poll %d applied %d reports with More %v: a poll reads at most 2 pages of 4", i, n, r.More)
		}
		// A poll that stops with more ready estimates what awaits (the next
		// counts again), but never says nothing does while something does;
		// one that read everything ready counts exactly.
		if left := 25 - applied; (r.More && (r.Awaiting == 0) != (left == 0)) || (!r.More && r.Awaiting != left) {
			t.Errorf("poll %d (More %v) says %d await a report; %d do", i, r.More, r.Awaiting, left)
		}
	}
	if applied != 25 || !got[0].More {
		t.Fatalf("polls %+v: want 25 reports over several polls, the first saying More", got)
	}
	// Pages are written two at a time, and the relay's cursor still stands
	// after the last report written: reading on from it finds none.
	cursor, err := f.st.ReportCursor(context.Background(), f.account, f.relay.ID)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := relay.New(f.relay.Kind, []byte(f.relay.Config), f.acts.RelayOptions)
	if err != nil {
		t.Fatal(err)
	}
	if rest, err := sender.(relay.ReportFetcher).Reports(context.Background(), relay.ReportQuery{Cursor: cursor, Limit: 100}); err != nil || len(rest.Reports) != 0 {
		t.Fatalf("the stored cursor %q leaves %d reports unread (%v)", cursor, len(rest.Reports), err)
	}
}

// A poll beside the chunks applies the reports its relays hold to the
// messages of the chunks counted, and answers only what it changed; a report
// of a chunk not counted yet is read again by a later poll (the cursor stays
// before it), so each is counted once, after its chunk. The polls after the
// send count what still awaits from the whole range, exactly.
func TestReportPollBesideTheChunksAppliesTheCountedOnes(t *testing.T) {
	clock := &skewClock{}
	f := newFixtureWith(t, 30, sim.Options{Seed: 7, Now: clock.Now,
		Settings: sim.Settings{ReportDelay: sim.Duration(time.Hour)}}, relay.KindSimulator, false)
	p := f.prepare()
	low, mid, high := p, p, p
	low.LastID, mid.FirstID, mid.LastID, high.FirstID = p.FirstID+9, p.FirstID+10, p.FirstID+19, p.FirstID+20
	for _, c := range []workflows.PrepareAudienceResult{low, mid} {
		if sent, err := f.sendChunk(c); err != nil || sent.Sent != 10 {
			t.Fatalf("send %d-%d: %+v %v", c.FirstID, c.LastID, sent, err)
		}
	}
	clock.Advance(90 * time.Minute) // the reports of the lower 20 are due
	if sent, err := f.sendChunk(high); err != nil || sent.Sent != 10 {
		t.Fatalf("send the higher ids %+v %v", sent, err)
	}
	poll := func(counted ...workflows.IDRange) workflows.CollectReportsResult {
		t.Helper()
		v, err := f.activityEnv().ExecuteActivity(f.acts.CollectReports, workflows.CollectReportsInput{AccountID: f.account,
			CampaignID: f.campaign.ID, FirstID: p.FirstID, LastID: p.LastID, Counted: counted})
		if err != nil {
			t.Fatal(err)
		}
		var r workflows.CollectReportsResult
		if err := v.Get(&r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	final := func(r row) bool { return r.Status == store.MessageDelivered || r.Status == store.MessageFailed }
	// Only the lowest chunk is counted: its reports apply, the middle one's wait.
	first := poll(workflows.IDRange{From: low.FirstID, To: low.LastID})
	if first.Delivered+first.Failed != 10 || first.Awaiting != 0 || len(first.Awaited) != 0 || first.AwaitFrom != 0 ||
		len(first.Relays) != 1 || first.Relays[0].Delivered+first.Relays[0].Failed != 10 {
		t.Fatalf("the first poll beside the chunks answered %+v: want the lowest chunk's 10 reports and nothing about what awaits", first)
	}
	for _, r := range f.rows() {
		if final(r) != (r.ID <= low.LastID) {
			t.Errorf("message %d is %s after a poll that counted ids %d-%d only", r.ID, r.Status, low.FirstID, low.LastID)
		}
	}
	// Once the middle chunk is counted too, its reports are read again and
	// apply, but not to a message still sending (its hand-over not written).
	f.db.MustExec(`UPDATE campaign_messages SET status = 'sending' WHERE id = ?`, mid.LastID)
	second := poll(workflows.IDRange{From: low.FirstID, To: mid.LastID})
	if second.Delivered+second.Failed != 9 {
		t.Fatalf("the second poll answered %+v: want 9 of the middle chunk's reports, read again, and none for the one sending", second)
	}
	f.db.MustExec(`UPDATE campaign_messages SET status = 'sent' WHERE id = ?`, mid.LastID)
	if third := poll(workflows.IDRange{From: low.FirstID, To: mid.LastID}); third.Delivered+third.Failed != 1 {
		t.Fatalf("the third poll answered %+v: want the report of the message handed over since, read again", third)
	}
	for _, r := range f.rows() {
		if final(r) != (r.ID <= mid.LastID) {
			t.Errorf("message %d is %s after the middle chunk was counted", r.ID, r.Status)
		}
	}
	if r := f.collectReports(p); r.Delivered+r.Failed != 0 || r.Awaiting != 10 || r.AwaitFrom != high.FirstID {
		t.Fatalf("the first poll after the send answered %+v: want 10 awaiting from %d", r, high.FirstID)
	}
}

// Each poll starts where the previous one left messages awaiting a report, so
// it never reads the whole campaign again; reports that come in out of id
// order (the later half of the messages sent first) leave the lower ids still
// counted as awaiting until their own reports arrive.
func TestReportPollsGoOnFromWhatStillAwaits(t *testing.T) {
	clock := &skewClock{}
	f := newFixtureWith(t, 20, sim.Options{Seed: 5, Now: clock.Now,
		Settings: sim.Settings{ReportDelay: sim.Duration(time.Hour)}}, relay.KindSimulator, false)
	p := f.prepare()
	low, high := p, p
	low.LastID, high.FirstID = p.FirstID+9, p.FirstID+10
	if sent, err := f.sendChunk(high); err != nil || sent.Sent != 10 {
		t.Fatalf("send the higher ids %+v %v", sent, err)
	}
	clock.Advance(30 * time.Minute)
	if sent, err := f.sendChunk(low); err != nil || sent.Sent != 10 {
		t.Fatalf("send the lower ids %+v %v", sent, err)
	}
	first := f.collectReports(p)
	if first.Awaiting != 20 || first.AwaitFrom != p.FirstID || len(first.Awaited) != 1 || first.Awaited[0].RelayID != f.relay.ID {
		t.Fatalf("before any report is due the poll answered %+v", first)
	}
	// The higher ids' reports are due, the lower ids' not yet.
	clock.Advance(45 * time.Minute)
	for i, want := range []int64{10, 10} { // the second poll finds nothing new
		r := f.collectReports(p)
		if r.Delivered+r.Failed != 20-want-int64(10*i) || r.Awaiting != want || r.AwaitFrom != p.FirstID {
			t.Fatalf("poll %d with the higher half due answered %+v: want %d awaiting from id %d", i+1, r, want, p.FirstID)
		}
	}
	clock.Advance(time.Hour)
	if r := f.collectReports(p); r.Delivered+r.Failed != 10 || r.Awaiting != 0 || len(r.Awaited) != 0 {
		t.Fatalf("with every report due the poll answered %+v", r)
	}
	for _, row := range f.rows() {
		if row.Status != store.MessageDelivered && row.Status != store.MessageFailed {
			t.Fatalf("message %d is %s after every report", row.ID, row.Status)
		}
	}
}

// A poll that stops with more reports ready estimates what still awaits from
// what it settled; reports of another campaign on the same relay, settled by
// this campaign's polls, must not make that estimate say nothing awaits while
// this campaign's messages still do (the workflow would stop polling).
func TestReportPollEstimateNeverEndsTheWaitEarly(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 20, sim.Settings{}, relay.KindSimulator, false)
	p := f.prepare()
	firstHalf := p
	firstHalf.LastID = p.FirstID + 9
	if sent, err := f.sendChunk(firstHalf); err != nil || sent.Sent != 10 {
		t.Fatalf("send %+v %v", sent, err)
	}
	// Another campaign to the same customers through the same relay, sent in
	// between: its reports come between this campaign's in the relay's stream.
	other, mine := *f, f.campaign
	tpl, err := f.st.SaveTemplate(ctx, f.account, store.Template{Name: "다른 안내", Channel: "sms", Body: "#{이름}님 또 안내드립니다"})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := f.st.CreateCampaign(ctx, f.account, store.NewCampaign{Name: "다른 발송", TemplateID: tpl.ID, GroupIDs: []int64{f.group}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.BeginSend(ctx, f.account, camp.ID, tpl, store.CampaignRunning); err != nil {
		t.Fatal(err)
	}
	if other.campaign, err = f.st.Campaign(ctx, f.account, camp.ID); err != nil {
		t.Fatal(err)
	}
	if sent, err := other.sendChunk(other.prepare()); err != nil || sent.Sent != 20 {
		t.Fatalf("send the other campaign %+v %v", sent, err)
	}
	rest := p
	rest.FirstID = p.FirstID + 10
	if sent, err := f.sendChunk(rest); err != nil || sent.Sent != 10 {
		t.Fatalf("send the rest %+v %v", sent, err)
	}
	f.campaign = mine
	f.acts.ReportPageSize, f.acts.ReportPages = 4, 2
	var counted, relayCounted int64 // what this campaign's polls counted as its own
	for i := 0; ; i++ {
		r := f.collectReports(p)
		counted += r.Delivered + r.Failed + r.Unknown
		for _, rc := range r.Relays {
			relayCounted += rc.Delivered + rc.Failed
		}
		left := int64(byStatus(f.rows())["sent"])
		if (r.Awaiting == 0) != (left == 0) || (!r.More && r.Awaiting != left) {
			t.Fatalf("poll %d (More %v) says %d await a report; %d do", i, r.More, r.Awaiting, left)
		}
		if r.Awaiting == 0 {
			break
		}
		if i == 20 {
			t.Fatalf("still awaiting after %d polls: %+v", i, r)
		}
	}
	// Its polls wrote the other campaign's reports they read (the stream is
	// the relay's), but counted only this campaign's 20 messages.
	if counted != 20 || relayCounted != 20 {
		t.Fatalf("this campaign's polls counted %d reports (%d per relay); it has 20 messages", counted, relayCounted)
	}
	if rs := byStatus(other.rows()); rs["sent"] != 0 {
		t.Fatalf("the other campaign's messages after this one's polls: %v", rs)
	}
}

// The workflow ends chunks with the statistics blocks the store rolls up, so
// that a chunk's roll-up reads one block: both must mean the same block.
func TestChunksAndStatisticsShareTheirBlock(t *testing.T) {
	if workflows.StatsBlock != store.StatsBlock {
		t.Fatalf("the workflow's chunks end with blocks of %d ids, the statistics roll up blocks of %d", workflows.StatsBlock, store.StatsBlock)
	}
}

// A run that ends leaves nothing sending. A cancelled campaign's rows go back
// to pending with their hold cleared; a failed run's rows still in doubt
// become unknown, so a retry run (which sends the failed rows again under a
// key of its own, that no relay could match with the first) leaves them alone.
func TestARunThatEndsLeavesNothingSending(t *testing.T) {
	for _, status := range []string{store.CampaignCancelled, store.CampaignFailed} {
		t.Run(status, func(t *testing.T) {
			f := newFixture(t, 6, sim.Settings{}, relay.KindSimulator, false)
			ctx := context.Background()
			p := f.prepare()
			at := store.ClaimTime(time.Now(), 1)
			if _, err := f.st.ClaimChunk(ctx, f.campaign.Key(), p.FirstID, p.LastID, at, nil); err != nil {
				t.Fatal(err)
			}
			// Three held in doubt at the relay, three left by an attempt that died.
			var held []store.MessageResult
			for id := p.FirstID; id < p.FirstID+3; id++ {
				held = append(held, store.MessageResult{ID: id, Status: store.MessageSending, RelayID: f.relay.ID, SentChannel: "sms",
					Code: relay.CodeTimeout, Reason: "the relay did not answer in time"})
			}
			if _, err := f.st.ApplyResults(ctx, f.account, held, store.MessageSending); err != nil {
				t.Fatal(err)
			}
			counts, err := f.st.FinalizeCampaign(ctx, f.campaign.Key(), status)
			if err != nil {
				t.Fatal(err)
			}
			rs := f.rows()
			want := map[string]string{store.CampaignCancelled: "pending", store.CampaignFailed: "unknown"}[status]
			if got := byStatus(rs); got[want] != 6 || counts.Sending != 0 {
				t.Fatalf("rows by status %v (counted sending %d), want all 6 %s", got, counts.Sending, want)
			}
			for _, r := range rs {
				if status == store.CampaignCancelled && r.Code != "" {
					t.Fatalf("message %d went back to pending with code %q", r.ID, r.Code)
				}
			}
			if status == store.CampaignFailed {
				if _, err := f.st.RetryCampaign(ctx, f.account, f.campaign.ID, 2); !errors.Is(err, store.ErrCampaignState) {
					t.Fatalf("a retry run of a campaign with nothing failed: %v, want it refused", err)
				}
			}
		})
	}
}
