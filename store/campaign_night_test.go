package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// A night chunk reads and claims only the messages of customers who consent to
// advertising at night, as their consent stands when it claims; the others stay
// pending for the day chunk, which then claims them.
func TestNightChunkClaimsOnlyConsentingCustomersMessages(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	var account int64
	if err := testenv.DB(t).Get(&account, `SELECT COALESCE(MAX(id), 0) + 1 FROM accounts`); err != nil {
		t.Fatal(err)
	}
	if _, err := testenv.DB(t).Exec(`INSERT INTO accounts (id, name, created_at) VALUES (?, 'night', NOW())`, account); err != nil {
		t.Fatal(err)
	}
	campaign := 990101 + rerun(t)
	consent := map[int]bool{1: true, 3: true}
	var customers [4]int64
	for i := range customers {
		res, err := testenv.DB(t).Exec(`INSERT INTO customers (account_id, name, phone, attributes, night_ad_consent, created_at, updated_at)
			VALUES (?, ?, ?, '{}', ?, NOW(), NOW())`, account, fmt.Sprint("고객", i), fmt.Sprintf("+82109999%04d", i), consent[i])
		if err != nil {
			t.Fatal(err)
		}
		customers[i], _ = res.LastInsertId()
		if _, err := testenv.DB(t).Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body) VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '')`,
			campaign, account, customers[i], fmt.Sprintf("+82109999%04d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var from, to int64
	if err := testenv.DB(t).QueryRow(`SELECT MIN(id), MAX(id) FROM campaign_messages WHERE campaign_id = ?`, campaign).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	if n, err := st.NightConsentPending(ctx, store.CampaignKey{AccountID: account, ID: campaign}, from, to); err != nil || n != 2 {
		t.Fatalf("%d consenting pending (%v), want 2", n, err)
	}
	// Customer 3 withdraws consent after the audience was prepared.
	if _, err := testenv.DB(t).Exec(`UPDATE customers SET night_ad_consent = 0 WHERE id = ?`, customers[3]); err != nil {
		t.Fatal(err)
	}
	rows, err := st.NightChunkMessages(ctx, store.CampaignKey{AccountID: account, ID: campaign}, from, to)
	if err != nil || len(rows) != 1 || rows[0].CustomerID != customers[1] {
		t.Fatalf("night rows %+v (%v), want customer %d's only", rows, err, customers[1])
	}
	now := time.Now()
	mine, err := st.ClaimNightChunk(ctx, store.CampaignKey{AccountID: account, ID: campaign}, from, to, store.ClaimTime(now, 1), nil)
	if err != nil || len(mine) != 1 || !mine[rows[0].ID] {
		t.Fatalf("night claim %v (%v)", mine, err)
	}
	day, err := st.ClaimChunk(ctx, store.CampaignKey{AccountID: account, ID: campaign}, from, to, store.ClaimTime(now.Add(time.Second), 1), nil)
	if err != nil || len(day) != 3 || day[rows[0].ID] {
		t.Fatalf("day claim %v (%v), want the other 3", day, err)
	}
}
