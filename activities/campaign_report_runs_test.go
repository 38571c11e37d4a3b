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
	f := newFixture(t, 4, sim.Settings{ReportFailRate: 1}, relay.KindSimulator, false)
	p := f.prepare()
	if _, err := f.sendChunk(p); err != nil {
		t.Fatal(err)
	}
	f.collectReports(p)
	if got := byStatus(f.rows()); got[store.MessageFailed] != 4 {
		t.Fatalf("after the first run %v, want 4 failed by their reports", got)
	}
	f.retryFailed(2)
	if err := f.sim.Control(sim.Patch{ReportFailRate: new(0.0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sendRun(p, 2); err != nil {
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
	f.retryFailed(2)
	if _, err := f.sendRun(p, 2); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // every report is final by now
	f.poll(p, workflows.CollectReportsInput{})
	if got := byStatus(f.rows()); got[store.MessageDelivered] != 4 {
		t.Fatalf("after the retry's poll: %v, want 4 delivered (3 by the first run's reports)", got)
	}
}

// Which reports of an earlier run are outrun is decided by when each message
// was handed over: one a retry reset (pending, or being sent again), or
// handed over after the report's run ended, does not take the report; one
// that run left awaiting, whether the relay's id was recorded or the send
// was held in doubt without it, does, through any number of retries. A report
// of the run the message is in (even before its hand-over), of a campaign
// never retried, or read for another account is never outrun.
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
	report := func(i, run int) store.SentReport { return store.SentReport{MessageID: rs[i].ID, Run: run} }
	outrun := func(account int64, reports ...store.SentReport) []bool {
		t.Helper()
		got, err := f.st.OutrunReports(ctx, account, reports)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	retry := func(run int, failed ...int) {
		t.Helper()
		for _, i := range failed {
			f.db.MustExec(`UPDATE campaign_messages SET status = 'failed' WHERE id = ?`, rs[i].ID)
		}
		f.retryFailed(run)
	}
	first := []store.SentReport{report(0, 1), report(1, 1), report(2, 1), report(3, 1)}
	if got := outrun(f.account, first...); slices.Contains(got, true) {
		t.Fatalf("before any retry: outrun %v, want none", got)
	}

	// Run 1 fails with messages 0 and 1 failed, 2 awaiting its report and 3
	// held in doubt to the end (no relay id); run 2 hands 1 over again and is
	// sending 0.
	f.db.MustExec(`UPDATE campaign_messages SET provider_id = '', code = 'timeout' WHERE id = ?`, rs[3].ID)
	retry(2, 0, 1)
	f.db.MustExec(`UPDATE campaign_messages SET status = 'sending', claimed_at = ? WHERE id = ?`, time.Now().UTC(), rs[0].ID)
	// Handed over by a worker whose clock is a little behind the retry's:
	// before run 2 began by the retry's clock, but after run 1 ended.
	if n, _ := f.db.MustExec(`UPDATE campaign_messages m JOIN campaign_runs r ON r.campaign_id = m.campaign_id AND r.run = 2
		SET m.status = 'sent', m.provider_id = 'new-1', m.sent_at = r.started_at - INTERVAL 1 MICROSECOND
		WHERE m.id = ? AND r.previous_end < r.started_at - INTERVAL 1 MICROSECOND`, rs[1].ID).RowsAffected(); n != 1 {
		t.Fatal("run 2's record does not keep run 1's end (its completed_at) apart from the retry's own time")
	}
	if got, want := outrun(f.account, append(first, report(0, 2), report(1, 2))...), []bool{true, true, false, false, false, false}; !slices.Equal(got, want) {
		t.Fatalf("in run 2: outrun %v, want %v (run 1's of the messages sent again)", got, want)
	}
	if got := outrun(f.account+1_000_000, first...); slices.Contains(got, true) {
		t.Fatalf("read for another account: outrun %v, want none", got)
	}

	// Run 2 fails with message 0 failed again and 1 awaiting; run 3 resets 0.
	retry(3, 0)
	if got, want := outrun(f.account, append(first, report(0, 3), report(1, 2), report(0, 2))...),
		[]bool{true, true, false, false, false, false, true}; !slices.Equal(got, want) {
		t.Fatalf("in run 3: outrun %v, want %v (run 1's of the messages sent again, run 2's of the one reset again)", got, want)
	}
	// A report naming an id in the retried campaign's range that is not the
	// account's message (a relay shared by two accounts) moves nothing and
	// is not outrun: the page is applied, not failed.
	f.db.MustExec(`UPDATE campaign_messages SET account_id = ? WHERE id = ?`, f.account+1_000_000, rs[2].ID)
	if got := outrun(f.account, report(2, 1)); slices.Contains(got, true) {
		t.Fatalf("a report of another account's message in the range: outrun %v, want none", got)
	}
}
