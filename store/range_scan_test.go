package store_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// CountMessages counts a large range in parts side by side: whatever the
// parts, every message of the range is counted once, in its status, and each
// relay's delivered and failed ones.
func TestCountMessagesCountsEachMessageOnceInAnyParts(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	const campaign, account = 990204, 7004
	var msgs []rangeMessage
	relays := []int64{0, 0, 1, 1, 2, 2, 2}
	for i, status := range []string{"pending", "sending", "sent", "delivered", "failed", "unknown", "delivered"} {
		msgs = append(msgs, rangeMessage{status: status, fallback: i >= 5, relay: relays[i]})
	}
	from, to := storeRange(t, db, campaign, account, msgs)
	key := store.CampaignKey{AccountID: account, ID: campaign}
	want := store.CampaignCounts{Total: 7, Pending: 1, Sending: 1, Sent: 1, Delivered: 2, Failed: 1, Unknown: 1, Fallback: 2,
		Reported: []store.RelayReported{{RelayID: 1, Delivered: 1}, {RelayID: 2, Delivered: 1, Failed: 1}}}
	if c, err := st.CountMessages(ctx, key, from, to); err != nil || !reflect.DeepEqual(c, want) {
		t.Fatalf("counted in one statement %+v (%v), want %+v", c, err, want)
	}
	for _, parts := range []int64{2, 3, 4, 7, 9} {
		store.SplitRangeScans(t, 1, parts)
		if c, err := st.CountMessages(ctx, key, from, to); err != nil || !reflect.DeepEqual(c, want) {
			t.Fatalf("counted in %d parts %+v (%v), want %+v", parts, c, err, want)
		}
	}
}

// AwaitedRelays reads a large range in parts side by side: whatever the
// parts, each relay's awaited messages are counted once, with the lowest id
// and the earliest send among them.
func TestAwaitedRelaysAreTheSameInAnyParts(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	const campaign, account = 990205, 7005
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	m := func(relay int64, status string, minutes int) rangeMessage {
		return rangeMessage{relay: relay, status: status, sent: t0.Add(time.Duration(minutes) * time.Minute)}
	}
	from, to := storeRange(t, db, campaign, account, []rangeMessage{ // in id order
		m(3, "delivered", 0), m(5, "sent", 7), m(3, "sent", 9), m(5, "sent", 2), m(3, "pending", 0),
		m(3, "sent", 1), m(5, "failed", 0), m(3, "sent", 4), m(5, "sent", 8),
	})
	key := store.CampaignKey{AccountID: account, ID: campaign}
	want := []store.AwaitedRelay{
		{RelayID: 3, Awaiting: 3, FirstID: from + 2, FirstSentAt: t0.Add(time.Minute)},
		{RelayID: 5, Awaiting: 3, FirstID: from + 1, FirstSentAt: t0.Add(2 * time.Minute)},
	}
	same := func(got []store.AwaitedRelay) bool {
		return slices.EqualFunc(got, want, func(a, b store.AwaitedRelay) bool {
			return a.RelayID == b.RelayID && a.Awaiting == b.Awaiting && a.FirstID == b.FirstID && a.FirstSentAt.Equal(b.FirstSentAt)
		})
	}
	if got, err := st.AwaitedRelays(ctx, key, from, to); err != nil || !same(got) {
		t.Fatalf("read in one statement %+v (%v), want %+v", got, err, want)
	}
	for _, parts := range []int64{2, 3, 4, 9, 12} {
		store.SplitRangeScans(t, 1, parts)
		if got, err := st.AwaitedRelays(ctx, key, from, to); err != nil || !same(got) {
			t.Fatalf("read in %d parts %+v (%v), want %+v", parts, got, err, want)
		}
	}
}

// rangeMessage is a message storeRange stores.
type rangeMessage struct {
	relay    int64
	status   string
	fallback bool
	sent     time.Time
}

// storeRange stores msgs as the campaign's messages, in order, removed when
// the test ends, and answers their lowest and highest id.
func storeRange(t *testing.T, db *sqlx.DB, campaign, account int64, msgs []rangeMessage) (from, to int64) {
	t.Helper()
	t.Cleanup(func() { db.Exec(`DELETE FROM campaign_messages WHERE campaign_id = ?`, campaign) })
	for i, m := range msgs {
		sent := m.sent
		if sent.IsZero() {
			sent = time.Unix(0, 0)
		}
		if _, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, fallback, relay_id, sent_at)
			VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '', ?, ?, ?, ?)`,
			campaign, account, i+1, fmt.Sprintf("+82100%03d%04d", campaign%1000, i), m.status, m.fallback, m.relay, sent.UTC()); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.QueryRow(`SELECT MIN(id), MAX(id) FROM campaign_messages WHERE campaign_id = ?`, campaign).Scan(&from, &to); err != nil {
		t.Fatal(err)
	}
	return from, to
}
