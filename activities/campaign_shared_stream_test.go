package activities_test

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// A relay's report stream is shared by the account's campaigns: another
// campaign's poll applies what it reads to this campaign's messages too, even
// to those still sending in their chunk. These tests have such a poll read
// the stream between the relay taking a send and the chunk writing it.

// otherCampaign starts another campaign of f's account, to the same group
// through the same relays.
func (f *fixture) otherCampaign() store.Campaign {
	f.t.Helper()
	return f.startCampaign("다른 발송", store.Template{Name: "다른 안내", Channel: "sms", Body: "안내"})
}

// pollAs runs a report poll of campaign other beside its chunks, as its
// workflow does: it reads the stream of every relay the account has.
func (f *fixture) pollAs(other store.Campaign) {
	f.t.Helper()
	if _, err := f.activityEnv().ExecuteActivity(f.acts.CollectReports, workflows.CollectReportsInput{AccountID: f.account,
		CampaignID: other.ID, FirstID: 1, LastID: 1, Counted: []workflows.IDRange{{From: 1, To: 1}}}); err != nil {
		f.t.Fatal(err)
	}
}

// otherPollFirst is a relay transport that, once the relay has taken a send
// and before its answer reaches the chunk, runs another campaign's report
// poll, and counts the chunk's messages that poll settled or left owed.
type otherPollFirst struct {
	next    http.RoundTripper
	f       *fixture
	other   store.Campaign
	settled atomic.Int64
}

func (r *otherPollFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/send") {
		return resp, err
	}
	r.f.pollAs(r.other)
	var n int64
	if err := r.f.db.Get(&n, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND (status IN ('delivered', 'failed')
		OR fallback_due > 0)`, r.f.campaign.ID); err != nil {
		resp.Body.Close()
		return nil, err
	}
	r.settled.Store(n)
	return resp, nil
}

// reportFirst has another campaign's poll read the relays' reports of every
// send before the chunk learns of it (otherPollFirst).
func (f *fixture) reportFirst() *otherPollFirst {
	client := relay.NewHTTPClient(5*time.Second, f.acts.RelayOptions.Egress)
	tr := &otherPollFirst{next: client.Transport, f: f, other: f.otherCampaign()}
	client.Transport = tr
	f.acts.RelayOptions.HTTPClient = client
	return tr
}

type handedOver struct {
	Status     string    `db:"status"`
	RelayID    int64     `db:"relay_id"`
	Channel    string    `db:"sent_channel"`
	ProviderID string    `db:"provider_id"`
	SentAt     time.Time `db:"sent_at"`
	ResultAt   time.Time `db:"result_at"`
}

func (f *fixture) handedOver() []handedOver {
	f.t.Helper()
	var rows []handedOver
	if err := f.db.Select(&rows, `SELECT TRIM(status) AS status, relay_id, TRIM(sent_channel) AS sent_channel,
		TRIM(provider_id) AS provider_id, sent_at, result_at FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, f.campaign.ID); err != nil {
		f.t.Fatal(err)
	}
	return rows
}

// sentAndDelivered are the account's hourly statistics' totals.
func (f *fixture) sentAndDelivered() (sent, delivered int) {
	f.t.Helper()
	if err := f.db.QueryRow(`SELECT COALESCE(SUM(sent), 0), COALESCE(SUM(delivered), 0) FROM message_stats WHERE account_id = ?`,
		f.account).Scan(&sent, &delivered); err != nil {
		f.t.Fatal(err)
	}
	return sent, delivered
}

// A message delivered by its report before its chunk wrote the hand-over
// keeps the report's outcome and gets its hand-over all the same: the relay
// and the relay's message id, and a send time no later than its delivery (its
// claim's), so the message shows how and when it went out, and the statistics
// count it sent as they count it delivered.
func TestAHandOverReportedBeforeItsWriteIsStillRecorded(t *testing.T) {
	f := newFixture(t, 6, sim.Settings{}, relay.KindSimulator, false)
	p := f.prepare()
	tr := f.reportFirst()
	start := time.Now().Add(-time.Second)
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	if tr.settled.Load() != 6 {
		t.Fatalf("the other poll settled %d of the chunk's messages before its write, want 6", tr.settled.Load())
	}
	for _, r := range f.handedOver() {
		if r.Status != store.MessageDelivered || r.RelayID != f.relay.ID || r.Channel != "sms" || r.ProviderID == "" ||
			r.SentAt.Before(start) || r.SentAt.After(r.ResultAt) {
			t.Fatalf("message %+v: want delivered, with its relay, channel, the relay's id and a send time before its delivery", r)
		}
	}
	if sent, delivered := f.sentAndDelivered(); sent != 6 || delivered != 6 {
		t.Fatalf("statistics: %d sent, %d delivered; want 6 and 6", sent, delivered)
	}
}

// A message held in doubt (its relay answered too late) that the relay did
// take, and whose report another campaign's poll applies before the chunk's
// next attempt: no attempt writes its hand-over (it is not sending any more),
// so the report gives it its claim's time as its send time, and the
// statistics count it sent.
func TestAMessageHeldInDoubtAndReportedHasASendTime(t *testing.T) {
	f := newFixture(t, 4, sim.Settings{AnswerDelay: sim.Duration(time.Second)}, relay.KindSimulator, false)
	f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(200*time.Millisecond, f.acts.RelayOptions.Egress)
	p := f.prepare()
	if _, err := f.sendChunk(p); err == nil {
		t.Fatal("the chunk's attempt ended well; want its messages held in doubt")
	}
	f.pollAs(f.otherCampaign()) // the relay took them before its late answer, and reports them
	if err := f.sim.Control(sim.Patch{AnswerDelay: new(sim.Duration(0))}); err != nil {
		t.Fatal(err)
	}
	f.acts.RelayOptions.HTTPClient = relay.NewHTTPClient(5*time.Second, f.acts.RelayOptions.Egress)
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	for _, r := range f.handedOver() {
		if r.Status != store.MessageDelivered || r.SentAt.Year() < 2000 || r.SentAt.After(r.ResultAt) {
			t.Fatalf("message %+v: want delivered, with a send time before its delivery", r)
		}
	}
	if sent, delivered := f.sentAndDelivered(); sent != 4 || delivered != 4 {
		t.Fatalf("statistics: %d sent, %d delivered; want 4 and 4", sent, delivered)
	}
	if st := f.sim.Stats(); st.Unique != 4 || st.Redelivered != 0 {
		t.Fatalf("simulator %+v: want each message taken once", st)
	}
}

// An AlimTalk whose "blocked" report another campaign's poll reads before its
// chunk wrote the hand-over is owed its SMS fallback as it would be after,
// and the campaign's own polls send it.
func TestAnAlimTalkBlockedBeforeItsHandOverGetsItsFallback(t *testing.T) {
	f := newFixtureWith(t, 4, sim.Options{Seed: 7}, relay.KindSimulator, false)
	f.alimtalkCampaign(false)
	if err := f.sim.Control(sim.Patch{Relay: "kakao", ReportFailRate: new(1.0)}); err != nil {
		t.Fatal(err)
	}
	p := f.prepare()
	tr := f.reportFirst()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	if tr.settled.Load() != 4 {
		t.Fatalf("the other poll read %d of the chunk's reports before its write, want 4", tr.settled.Load())
	}
	f.poll(p, workflows.CollectReportsInput{Counted: []workflows.IDRange{{From: p.FirstID, To: p.LastID}}})
	f.poll(p, workflows.CollectReportsInput{})
	f.poll(p, workflows.CollectReportsInput{})
	if n, got := f.fallbacks(), byStatus(f.rows()); n != 4 || got["delivered"] != 4 {
		t.Fatalf("%d of 4 blocked AlimTalks got their fallback, rows %v; want 4 delivered by SMS", n, got)
	}
	// Each fallback's own report comes before its poll writes it: the message
	// shows the SMS's relay, message id and send time, not the AlimTalk's.
	for _, r := range f.handedOver() {
		if r.RelayID != f.relay.ID || r.Channel != "sms" || !strings.HasPrefix(r.ProviderID, "sim-") || r.SentAt.After(r.ResultAt) {
			t.Fatalf("message %+v: want the SMS relay's (%d) message id and a send time before its delivery", r, f.relay.ID)
		}
	}
}

// A retry run's send reported before its hand-over is written shows the
// retry's hand-over, not the first run's.
func TestARetriedMessageReportedBeforeItsHandOverShowsTheRetry(t *testing.T) {
	f := newFixture(t, 4, sim.Settings{ReportFailRate: 1}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	f.collectReports(p)
	var first []string
	for _, r := range f.handedOver() {
		if r.Status != store.MessageFailed || r.ProviderID == "" {
			t.Fatalf("after the first run %+v, want failed with the relay's id", r)
		}
		first = append(first, r.ProviderID)
	}
	f.retryFailed(2)
	if err := f.sim.Control(sim.Patch{ReportFailRate: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	tr := f.reportFirst()
	start := time.Now().Add(-time.Second)
	if _, err := f.sendRun(p, 2); err != nil {
		t.Fatal(err)
	}
	if tr.settled.Load() != 4 {
		t.Fatalf("the other poll settled %d of the retry's messages before its write, want 4", tr.settled.Load())
	}
	for _, r := range f.handedOver() {
		if r.Status != store.MessageDelivered || r.ProviderID == "" || slices.Contains(first, r.ProviderID) || r.SentAt.Before(start) ||
			r.SentAt.After(r.ResultAt) {
			t.Fatalf("message %+v after the retry: want delivered with the retry's id and send time (the first run's ids %v)", r, first)
		}
	}
}
