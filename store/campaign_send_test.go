package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// Two attempts of one chunk that run at once (one outlived its heartbeat
// timeout, the other is its retry) each send only what their own claim took:
// a pending row is claimed once, and a stale row is taken over by one of two
// attempts that both found it, never by both.
func TestTwoAttemptsOfAChunkNeverClaimTheSameRow(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const campaign = 990001
	key := store.CampaignKey{AccountID: 1, ID: campaign}
	for i := range 10 {
		if _, err := testenv.DB(t).Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body) VALUES (?, 1, ?, 1, ?, 'n', 'sms', 'b', '', '')`,
			campaign, i+1, fmt.Sprintf("+8210000000%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var from, to int64
	if err := testenv.DB(t).QueryRow(`SELECT MIN(id), MAX(id) FROM campaign_messages WHERE campaign_id = ?`, campaign).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	// Both attempts read the rows while they were pending.
	rows, err := st.ChunkMessages(ctx, key, from, to)
	if err != nil || len(rows) != 10 {
		t.Fatalf("%d rows: %v", len(rows), err)
	}
	now := time.Now()
	first, err := st.ClaimChunk(ctx, key, from, to, store.ClaimTime(now, 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	second, err := st.ClaimChunk(ctx, key, from, to, store.ClaimTime(now, 2), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != 10 || len(second) != 0 {
		t.Fatalf("the first claim holds %d rows, the second %d; want 10 and 0", len(first), len(second))
	}

	// Both later attempts find the rows stale (sending) and decide to take
	// them over; only the first to claim gets them.
	stale, err := st.ChunkMessages(ctx, key, from, to)
	if err != nil || len(stale) != 10 || stale[0].Status != store.MessageSending {
		t.Fatalf("%d stale rows (%v): %v", len(stale), stale, err)
	}
	later := now.Add(time.Second)
	third, err := st.ClaimChunk(ctx, key, from, to, store.ClaimTime(later, 3), stale)
	if err != nil {
		t.Fatal(err)
	}
	fourth, err := st.ClaimChunk(ctx, key, from, to, store.ClaimTime(later, 4), stale)
	if err != nil {
		t.Fatal(err)
	}
	if len(third) != 10 || len(fourth) != 0 {
		t.Fatalf("take-over: the third attempt holds %d rows, the fourth %d; want 10 and 0", len(third), len(fourth))
	}
	if a, b := store.ClaimTime(now, 1), store.ClaimTime(now, 2); a.Equal(b) {
		t.Fatalf("two attempts in one millisecond share the claim time %v", a)
	}
}
