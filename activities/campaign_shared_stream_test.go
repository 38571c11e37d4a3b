package activities_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
)

// reportFirst is a relay transport that, once the relay has taken a send and
// before its answer reaches the chunk, has the delivery reports of what the
// chunk holds sending applied by another campaign's poll: a relay's report
// stream is shared by the account's campaigns, and a poll reading it can
// apply a report before the chunk that sent its message writes the hand-over.
type reportFirst struct {
	next    http.RoundTripper
	f       *fixture
	other   store.CampaignKey
	applied atomic.Int64
}

func (r *reportFirst) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err != nil || !strings.HasSuffix(req.URL.Path, "/send") {
		return resp, err
	}
	var ids []int64
	if err := r.f.db.Select(&ids, `SELECT id FROM campaign_messages WHERE campaign_id = ? AND status = 'sending'`,
		r.f.campaign.ID); err != nil {
		resp.Body.Close()
		return nil, err
	}
	results := make([]store.MessageResult, len(ids))
	for i, id := range ids {
		results[i] = store.MessageResult{ID: id, Status: store.MessageDelivered, RelayID: r.f.relay.ID, ResultAt: time.Now()}
	}
	_, all, _, err := r.f.st.ApplyCountedReports(context.Background(), r.other, nil, results)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	r.applied.Add(all[store.MessageDelivered])
	return resp, nil
}

// A message whose delivery report another campaign's poll applied before
// the chunk that sent it wrote its hand-over keeps the report's outcome and
// gets its hand-over all the same: the relay's message id and the send time,
// so the message shows when it went out, and the statistics count it sent in
// the hour it was, as they count it delivered.
func TestAHandOverReportedBeforeItsWriteIsStillRecorded(t *testing.T) {
	f := newFixture(t, 6, sim.Settings{}, relay.KindSimulator, false)
	p := f.prepare()
	client := relay.NewHTTPClient(5*time.Second, f.acts.RelayOptions.Egress)
	tr := &reportFirst{next: client.Transport, f: f, other: store.CampaignKey{AccountID: f.account, ID: f.campaign.ID + 1}}
	client.Transport = tr
	f.acts.RelayOptions.HTTPClient = client
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	if tr.applied.Load() != 6 {
		t.Fatalf("the other poll applied %d reports before the hand-over's write, want 6", tr.applied.Load())
	}
	var rows []struct {
		Status     string    `db:"status"`
		ProviderID string    `db:"provider_id"`
		SentAt     time.Time `db:"sent_at"`
	}
	if err := f.db.Select(&rows, `SELECT TRIM(status) AS status, TRIM(provider_id) AS provider_id, sent_at
		FROM campaign_messages WHERE campaign_id = ?`, f.campaign.ID); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Status != store.MessageDelivered || r.ProviderID == "" || r.SentAt.Year() < 2000 {
			t.Fatalf("message %+v: want delivered, with the relay's id and the send time", r)
		}
	}
	var sent, delivered int
	if err := f.db.QueryRow(`SELECT COALESCE(SUM(sent), 0), COALESCE(SUM(delivered), 0) FROM message_stats WHERE account_id = ?`,
		f.account).Scan(&sent, &delivered); err != nil {
		t.Fatal(err)
	}
	if sent != 6 || delivered != 6 {
		t.Fatalf("statistics: %d sent, %d delivered; want 6 and 6", sent, delivered)
	}
}
