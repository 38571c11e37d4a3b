package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// The send and report path reaches a campaign's rows only with its whole key: a
// key naming the right campaign id under another account reads, claims, counts
// and finishes nothing, and a relay's report cursor belongs to the relay's
// account.
func TestCampaignKeyOfAnotherAccountReachesNothing(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	off := rerun(t)
	campaign, owner, other := 990201+off, 7001+off, 7002+off
	for i := range 5 {
		if _, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body) VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '')`,
			campaign, owner, i+1, fmt.Sprintf("+8210000002%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var from, to int64
	if err := db.QueryRow(`SELECT MIN(id), MAX(id) FROM campaign_messages WHERE campaign_id = ?`, campaign).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	mine, theirs := store.CampaignKey{AccountID: owner, ID: campaign}, store.CampaignKey{AccountID: other, ID: campaign}
	now := time.Now()

	if rows, err := st.ChunkMessages(ctx, theirs, from, to); err != nil || len(rows) != 0 {
		t.Fatalf("another account's key reads %d rows (%v)", len(rows), err)
	}
	if claimed, err := st.ClaimChunk(ctx, theirs, from, to, store.ClaimTime(now, 1), nil); err != nil || len(claimed) != 0 {
		t.Fatalf("another account's key claims %d rows (%v)", len(claimed), err)
	}
	if c, err := st.CountMessages(ctx, theirs, from, to); err != nil || c.Total != 0 {
		t.Fatalf("another account's key counts %d rows (%v)", c.Total, err)
	}
	claimed, err := st.ClaimChunk(ctx, mine, from, to, store.ClaimTime(now, 2), nil)
	if err != nil || len(claimed) != 5 {
		t.Fatalf("the owner's key claims %d rows (%v), want 5", len(claimed), err)
	}
	ids := make([]int64, 0, len(claimed))
	for id := range claimed {
		ids = append(ids, id)
	}
	if err := st.RevertToPending(ctx, theirs, store.ClaimTime(now, 2), ids); err != nil {
		t.Fatal(err)
	}
	if c, err := st.CountMessages(ctx, mine, from, to); err != nil || c.Sending != 5 {
		t.Fatalf("after another account's revert the owner has %d sending (%v), want 5", c.Sending, err)
	}
	if _, err := db.Exec(`UPDATE campaign_messages SET status = 'sent', relay_id = 3 WHERE campaign_id = ?`, campaign); err != nil {
		t.Fatal(err)
	}
	if aw, err := st.AwaitedRelays(ctx, theirs, from, to); err != nil || len(aw) != 0 {
		t.Fatalf("another account's key sees awaited relays %v (%v)", aw, err)
	}
	if n, f, err := st.GiveUpReports(ctx, theirs, from, to, now); err != nil || n != 0 || len(f) != 0 {
		t.Fatalf("another account's key gave up %d reports and failed %v (%v)", n, f, err)
	}
	// The fallbacks owed after a report: another account's key reads, claims
	// and settles none of the owner's.
	if _, err := db.Exec(`UPDATE campaign_messages SET fallback_due = 1 WHERE campaign_id = ? AND id = ?`, campaign, from); err != nil {
		t.Fatal(err)
	}
	if ms, err := st.OwedMessagesFrom(ctx, theirs, from, to, 10); err != nil || len(ms) != 0 {
		t.Fatalf("another account's key sees %d messages owed their fallback (%v)", len(ms), err)
	}
	if ms, err := st.OwedMessages(ctx, theirs, []int64{from}); err != nil || len(ms) != 0 {
		t.Fatalf("another account's key loads %d messages owed their fallback (%v)", len(ms), err)
	}
	if got, err := st.ClaimOwed(ctx, theirs, []int64{from}, now); err != nil || len(got) != 0 {
		t.Fatalf("another account's key claimed %v (%v)", got, err)
	}
	if ms, err := st.OwedMessages(ctx, mine, []int64{from}); err != nil || len(ms) != 1 {
		t.Fatalf("the owner's message owed its fallback: %d loaded (%v)", len(ms), err)
	}
	if _, err := db.Exec(`UPDATE campaign_messages SET fallback_due = 2, claimed_at = '2020-01-01' WHERE id = ?`, from); err != nil {
		t.Fatal(err)
	}
	if n, err := st.SettleStaleOwed(ctx, theirs, from, to, now, now); err != nil || n != 0 {
		t.Fatalf("another account's key settled %d claimed fallbacks (%v)", n, err)
	}
	if _, err := db.Exec(`UPDATE campaign_messages SET fallback_due = 0 WHERE id = ?`, from); err != nil {
		t.Fatal(err)
	}
	if n, err := st.GiveUpRelayReports(ctx, theirs, from, to, 3, "x", "y", now); err != nil || n != 0 {
		t.Fatalf("another account's key gave up %d reports of the relay (%v)", n, err)
	}
	if aw, err := st.AwaitedRelays(ctx, mine, from, to); err != nil || len(aw) != 1 || aw[0].Awaiting != 5 {
		t.Fatalf("the owner awaits %v (%v), want 5 at relay 3", aw, err)
	}

	// Report cursors: one per (account, relay).
	if ok, err := st.AdvanceReportCursor(ctx, owner, 3, "", "c1"); err != nil || !ok {
		t.Fatalf("first cursor of the owner's relay: %v %v", ok, err)
	}
	if cur, err := st.ReportCursor(ctx, other, 3); err != nil || cur != "" {
		t.Fatalf("another account reads the cursor %q (%v)", cur, err)
	}
	if ok, err := st.AdvanceReportCursor(ctx, other, 3, "c1", "c2"); err != nil || ok {
		t.Fatalf("another account moved the owner's cursor: %v %v", ok, err)
	}
	if cur, err := st.ReportCursor(ctx, owner, 3); err != nil || cur != "c1" {
		t.Fatalf("the owner's cursor is %q (%v), want c1", cur, err)
	}
}
