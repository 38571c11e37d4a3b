package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// A relay that delivers its reports again (its stream read from the start
// once more) after the campaign was retried: the first run's reports, about
// sends the retried messages have moved past, leave the retry's sends alone,
// and the retry's own reports settle them.
func TestAFirstRunsReportReadAgainLeavesTheRetryAlone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 4, sim.Settings{ReportFailRate: 1}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	f.collectReports(p)
	if got := byStatus(f.rows()); got[store.MessageFailed] != 4 {
		t.Fatalf("after the first run %v, want 4 failed by their reports", got)
	}
	f.db.MustExec(`UPDATE campaigns SET status = 'completed', failed = 4 WHERE id = ?`, f.campaign.ID)
	if _, err := f.st.RetryCampaign(ctx, f.account, f.campaign.ID, 2); err != nil {
		t.Fatal(err)
	}
	if err := f.sim.Control(sim.Patch{ReportFailRate: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.activityEnv().ExecuteActivity(f.acts.SendChunk, workflows.SendChunkInput{AccountID: f.account,
		CampaignID: f.campaign.ID, Run: 2, FromID: p.FirstID, ToID: p.LastID}); err != nil {
		t.Fatal(err)
	}
	// The relay delivers every report again, the first run's first.
	f.db.MustExec(`UPDATE relay_report_cursors SET cursor_value = '' WHERE account_id = ? AND relay_id = ?`, f.account, f.relay.ID)
	f.poll(p, workflows.CollectReportsInput{Counted: []workflows.IDRange{{From: p.FirstID, To: p.LastID}}})
	if got := byStatus(f.rows()); got[store.MessageDelivered] != 4 {
		t.Fatalf("after the retry's reports, read after the first run's again: %v, want 4 delivered", got)
	}
}

// A run that ends failed can leave messages awaiting their reports (sent),
// and a retry resends only the failed ones: the first run's reports of those
// still settle them once the campaign is at its second run.
func TestAFailedRunsAwaitedMessagesKeepTheirReportsThroughARetry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 4, sim.Settings{ReportDelay: sim.Duration(500 * time.Millisecond)}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	// One failed at once; the others await their reports as the run fails.
	f.db.MustExec(`UPDATE campaign_messages SET status = 'failed' WHERE id = ?`, p.FirstID)
	if _, err := f.st.FinalizeCampaign(ctx, f.campaign.Key(), store.CampaignFailed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RetryCampaign(ctx, f.account, f.campaign.ID, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.activityEnv().ExecuteActivity(f.acts.SendChunk, workflows.SendChunkInput{AccountID: f.account,
		CampaignID: f.campaign.ID, Run: 2, FromID: p.FirstID, ToID: p.LastID}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // every report is final by now
	f.poll(p, workflows.CollectReportsInput{})
	if got := byStatus(f.rows()); got[store.MessageDelivered] != 4 {
		t.Fatalf("after the retry's poll: %v, want 4 delivered (3 by the first run's reports)", got)
	}
}
