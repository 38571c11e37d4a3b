package activities_test

import (
	"context"
	"slices"
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
// still settle them once the campaign is at its second run, a message held in
// doubt without the relay's id too.
func TestAFailedRunsAwaitedMessagesKeepTheirReportsThroughARetry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 4, sim.Settings{ReportDelay: sim.Duration(500 * time.Millisecond)}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	// One failed at once; the others await their reports as the run fails,
	// one of them held in doubt to the end (handed over without the relay's
	// id, as inDoubtResult writes it).
	f.db.MustExec(`UPDATE campaign_messages SET status = 'failed' WHERE id = ?`, p.FirstID)
	f.db.MustExec(`UPDATE campaign_messages SET provider_id = '', code = 'timeout' WHERE id = ?`, p.FirstID+1)
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

// Which reports of an earlier run are outrun is decided by when each message
// was handed over: one a retry reset and is sending again, or handed over
// again, does not take its earlier send's report; one the earlier run left
// awaiting, whether the relay's id was recorded or the send was held in doubt
// without it, does. A report of the run the message is in (even before its
// hand-over), of a campaign never retried, or read for another account is
// never outrun.
func TestAnEarlierRunsReportIsOutrunOnlyWhereItsMessageWasSentAgain(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, 4, sim.Settings{}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	rs := f.rows()
	if len(rs) != 4 {
		t.Fatalf("%d messages, want 4", len(rs))
	}
	firstRun := func(i int) store.SentReport { return store.SentReport{MessageID: rs[i].ID, Run: 1} }
	reports := []store.SentReport{
		firstRun(0),                   // reset by the retry, being sent again
		firstRun(1),                   // reset by the retry, handed over again
		firstRun(2),                   // left awaiting its report by the first run
		firstRun(3),                   // left awaiting, held in doubt without the relay's id
		{MessageID: rs[0].ID, Run: 2}, // the retry's own, before its hand-over
		{MessageID: rs[1].ID, Run: 2}, // the retry's own
	}
	outrun := func(account int64) []bool {
		t.Helper()
		got, err := f.st.OutrunReports(ctx, account, reports)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	none := make([]bool, len(reports))
	if got := outrun(f.account); !slices.Equal(got, none) {
		t.Fatalf("before any retry: outrun %v, want none", got)
	}
	f.db.MustExec(`UPDATE campaign_messages SET status = 'failed' WHERE id IN (?, ?)`, rs[0].ID, rs[1].ID)
	f.db.MustExec(`UPDATE campaign_messages SET provider_id = '', code = 'timeout' WHERE id = ?`, rs[3].ID)
	if _, err := f.st.FinalizeCampaign(ctx, f.campaign.Key(), store.CampaignFailed); err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.RetryCampaign(ctx, f.account, f.campaign.ID, 2); err != nil {
		t.Fatal(err)
	}
	f.db.MustExec(`UPDATE campaign_messages SET status = 'sending', claimed_at = UTC_TIMESTAMP(6) WHERE id = ?`, rs[0].ID)
	f.db.MustExec(`UPDATE campaign_messages SET status = 'sent', provider_id = 'new-1', sent_at = UTC_TIMESTAMP(6) WHERE id = ?`, rs[1].ID)
	if got, want := outrun(f.account), []bool{true, true, false, false, false, false}; !slices.Equal(got, want) {
		t.Fatalf("after the retry: outrun %v, want %v", got, want)
	}
	if got := outrun(f.account + 1_000_000); !slices.Equal(got, none) {
		t.Fatalf("read for another account: outrun %v, want none", got)
	}
}
