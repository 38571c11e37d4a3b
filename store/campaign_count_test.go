package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// CountMessages counts a large range in parts side by side: whatever the
// parts, every message of the range is counted once, in its status.
func TestCountMessagesCountsEachMessageOnceInAnyParts(t *testing.T) {
	ctx := context.Background()
	st, db := openStore(t), testenv.DB(t)
	const campaign, account = 990204, 7004
	statuses := []string{"pending", "sending", "sent", "delivered", "failed", "unknown", "delivered"}
	for i, status := range statuses {
		if _, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, fallback) VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '', ?, ?)`,
			campaign, account, i+1, fmt.Sprintf("+8210000004%02d", i), status, i >= 5); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { db.Exec(`DELETE FROM campaign_messages WHERE campaign_id = ?`, campaign) })
	var from, to int64
	if err := db.QueryRow(`SELECT MIN(id), MAX(id) FROM campaign_messages WHERE campaign_id = ?`, campaign).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	key := store.CampaignKey{AccountID: account, ID: campaign}
	want := store.CampaignCounts{Total: 7, Pending: 1, Sending: 1, Sent: 1, Delivered: 2, Failed: 1, Unknown: 1, Fallback: 2}
	if c, err := st.CountMessages(ctx, key, from, to); err != nil || c != want {
		t.Fatalf("counted in one statement %+v (%v), want %+v", c, err, want)
	}
	for _, parts := range []int64{2, 3, 4, 7, 9} {
		store.SplitCountMessages(t, 1, parts)
		if c, err := st.CountMessages(ctx, key, from, to); err != nil || c != want {
			t.Fatalf("counted in %d parts %+v (%v), want %+v", parts, c, err, want)
		}
	}
}
