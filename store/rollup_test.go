package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// The hourly statistics of a block count each message as sent in the hour of
// its hand-over and as delivered or failed in the hour of its report, per
// account; a block rolled up again after its messages moved on says what they
// say now (hours that no longer have anything are gone).
func TestRollUpCountsEachMessageInItsHours(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	db := testenv.DB(t)
	const block = 4242 // ids 42,420,000 …: a block of its own
	first := int64(block * store.StatsBlock)
	h0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	unset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	type msg struct {
		account        int64
		status         string
		sent, reported time.Time
	}
	msgs := []msg{
		{424201, store.MessageDelivered, h0.Add(5 * time.Minute), h0.Add(6 * time.Minute)},
		{424201, store.MessageDelivered, h0.Add(59 * time.Minute), h0.Add(61 * time.Minute)}, // reported the next hour
		{424201, store.MessageFailed, h0.Add(10 * time.Minute), h0.Add(2*time.Hour + time.Minute)},
		{424201, store.MessageSent, h0.Add(20 * time.Minute), unset},                     // awaiting its report
		{424201, store.MessageFailed, unset, h0.Add(30 * time.Minute)},                   // refused before any relay took it
		{424201, "pending", unset, unset},                                                // not sent yet
		{424202, store.MessageDelivered, h0.Add(time.Minute), h0.Add(2 * time.Minute)},   // another account in the block
		{424202, "unknown", h0.Add(3 * time.Minute), h0.Add(24*time.Hour + time.Minute)}, // no report: sent only
	}
	db.MustExec(`DELETE FROM campaign_messages WHERE id BETWEEN ? AND ?`, first, first+store.StatsBlock-1)
	db.MustExec(`DELETE FROM message_stats WHERE block_id = ?`, block)
	t.Cleanup(func() {
		db.MustExec(`DELETE FROM campaign_messages WHERE id BETWEEN ? AND ?`, first, first+store.StatsBlock-1)
		db.MustExec(`DELETE FROM message_stats WHERE block_id = ?`, block)
	})
	for i, m := range msgs {
		// Spread over the block, its last id included.
		id := first + int64(i)*(store.StatsBlock-1)/int64(len(msgs)-1)
		db.MustExec(`INSERT INTO campaign_messages (id, campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, sent_at, result_at) VALUES (?, 424200, ?, ?, 1, ?, 'n',
			'sms', 'b', '', '', ?, ?, ?)`, id, m.account, i+1, fmt.Sprintf("+8210%08d", i), m.status, m.sent, m.reported)
	}
	type row struct {
		Account   int64     `db:"account_id"`
		Hour      time.Time `db:"hour"`
		Sent      int64     `db:"sent"`
		Delivered int64     `db:"delivered"`
		Failed    int64     `db:"failed"`
	}
	stats := func() []row {
		t.Helper()
		var rs []row
		if err := db.Select(&rs, `SELECT account_id, hour, sent, delivered, failed FROM message_stats
			WHERE block_id = ? ORDER BY account_id, hour`, block); err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if err := st.RollUp(ctx, []int64{block}); err != nil {
		t.Fatal(err)
	}
	want := []row{
		{424201, h0, 4, 1, 1}, // the failure before any relay took it counts in its hour too
		{424201, h0.Add(time.Hour), 0, 1, 0},
		{424201, h0.Add(2 * time.Hour), 0, 0, 1},
		{424202, h0, 2, 1, 0},
	}
	if got := stats(); !slices.Equal(got, want) {
		t.Fatalf("statistics\n got %s\nwant %s", fmt.Sprint(got), fmt.Sprint(want))
	}

	// The awaited report arrives (delivered, next hour); account 424202's
	// messages go elsewhere. Rolled up again, the block says what is now.
	db.MustExec(`UPDATE campaign_messages SET status = 'delivered', result_at = ? WHERE id BETWEEN ? AND ? AND status = 'sent'`,
		h0.Add(90*time.Minute), first, first+store.StatsBlock-1)
	db.MustExec(`UPDATE campaign_messages SET id = id + ? WHERE account_id = 424202 AND id BETWEEN ? AND ?`,
		2*store.StatsBlock, first, first+store.StatsBlock-1)
	t.Cleanup(func() { db.MustExec(`DELETE FROM campaign_messages WHERE campaign_id = 424200`) })
	if err := st.RollUp(ctx, []int64{block}); err != nil {
		t.Fatal(err)
	}
	want = []row{
		{424201, h0, 4, 1, 1},
		{424201, h0.Add(time.Hour), 0, 2, 0},
		{424201, h0.Add(2 * time.Hour), 0, 0, 1},
	}
	if got := stats(); !slices.Equal(got, want) {
		t.Fatalf("after the report\n got %s\nwant %s", fmt.Sprint(got), fmt.Sprint(want))
	}

	// Several blocks in one call (rolled up side by side): each says what
	// its own messages do, the empty one nothing.
	moved := int64(block + 2)
	db.MustExec(`DELETE FROM message_stats WHERE block_id IN (?, ?)`, block+1, moved)
	t.Cleanup(func() { db.MustExec(`DELETE FROM message_stats WHERE block_id IN (?, ?)`, block+1, moved) })
	if err := st.RollUp(ctx, []int64{block, block + 1, moved}); err != nil {
		t.Fatal(err)
	}
	var all []struct {
		Block int64 `db:"block_id"`
		row
	}
	if err := db.Select(&all, `SELECT block_id, account_id, hour, sent, delivered, failed FROM message_stats
		WHERE block_id BETWEEN ? AND ? ORDER BY block_id, account_id, hour`, block, moved); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range all {
		got = append(got, fmt.Sprint(r.Block-block, r.row))
	}
	wantAll := []string{fmt.Sprint(0, want[0]), fmt.Sprint(0, want[1]), fmt.Sprint(0, want[2]),
		fmt.Sprint(2, row{424202, h0, 2, 1, 0})}
	if !slices.Equal(got, wantAll) {
		t.Fatalf("three blocks rolled up together\n got %v\nwant %v", got, wantAll)
	}
}
