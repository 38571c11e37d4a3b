package store_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// An attempt that claims a chunk learns whether an earlier claim of it, or of
// a range overlapping it, never settled (a worker died mid-send, or an
// attempt still runs past its heartbeat timeout): then what is pending in the
// chunk may have reached a relay. The earlier attempt sees it holds the chunk
// no more; only the holder settles it; two attempts claiming at once take
// turns, so the later one always sees the earlier.
func TestAChunkClaimLeftUnsettledIsSeenByTheNextAttempt(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	key := store.CampaignKey{AccountID: 1, ID: 990001}
	const from, to = 5_000_001, 5_010_000
	now := time.Now()
	claim := func(from, to int64, attempt int32) (store.ChunkClaim, time.Time) {
		t.Helper()
		c := store.ChunkClaim{Key: key, From: from, To: to, At: store.ClaimTime(now, attempt)}
		unsettled, err := st.ClaimChunk(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return c, unsettled
	}
	held := func(c store.ChunkClaim) bool {
		t.Helper()
		ok, err := st.ChunkClaimHeld(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	settle := func(c store.ChunkClaim) {
		t.Helper()
		if err := st.SettleChunk(ctx, c); err != nil {
			t.Fatal(err)
		}
	}

	first, unsettled := claim(from, to, 1)
	if !unsettled.IsZero() || !held(first) {
		t.Fatalf("a chunk's first claim finds an unsettled claim of %v (held %v)", unsettled, held(first))
	}
	second, unsettled := claim(from, to, 2)
	if !unsettled.Equal(first.At) || held(first) || !held(second) {
		t.Fatalf("the second claim finds %v, want the first's %v; the first holds it %v, the second %v",
			unsettled, first.At, held(first), held(second))
	}
	settle(first) // the superseded attempt's settle is not the chunk's
	third, unsettled := claim(from, to, 3)
	if !unsettled.Equal(second.At) {
		t.Fatalf("after the superseded attempt settled, the third claim finds %v, want the second's %v", unsettled, second.At)
	}
	settle(third)
	if _, unsettled := claim(from, to, 4); !unsettled.IsZero() {
		t.Fatalf("after the holder settled, the next claim finds an unsettled claim of %v", unsettled)
	}
	// A chunk cut differently (another run, or the chunks of an earlier
	// version) overlapping the unsettled one sees it, and is seen.
	if _, unsettled := claim(to-100, to+5000, 5); !unsettled.Equal(store.ClaimTime(now, 4)) {
		t.Fatalf("an overlapping range finds %v, want the chunk's unsettled claim %v", unsettled, store.ClaimTime(now, 4))
	}
	if _, unsettled := claim(to+5001, to+6000, 6); !unsettled.IsZero() {
		t.Fatalf("a range beside the others finds an unsettled claim of %v", unsettled)
	}
	if _, unsettled := claim(from, to, 7); !unsettled.Equal(store.ClaimTime(now, 4)) {
		t.Fatalf("the chunk finds %v, want its own earlier claim %v, the earliest unsettled", unsettled, store.ClaimTime(now, 4))
	}

	// Two attempts claiming a chunk at once, a fresh one or one claimed and
	// settled before: one finds nothing, the other finds the first.
	for round := range 20 {
		base := int64(6_000_000 + round*100)
		if round%2 == 1 {
			settled, _ := claim(base, base+99, int32(100+round))
			settle(settled)
		}
		var wg sync.WaitGroup
		var got [2]time.Time
		var errs [2]error
		for i := range 2 {
			wg.Go(func() {
				got[i], errs[i] = st.ClaimChunk(ctx, store.ChunkClaim{Key: key, From: base, To: base + 99, At: store.ClaimTime(now, int32(10+2*round+i))})
			})
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		a, b := store.ClaimTime(now, int32(10+2*round)), store.ClaimTime(now, int32(11+2*round))
		if !(got[0].IsZero() && got[1].Equal(a) || got[1].IsZero() && got[0].Equal(b)) {
			t.Fatalf("round %d: two claims at once found %v and %v; want one to find nothing and the other the first", round, got[0], got[1])
		}
	}
	if a, b := store.ClaimTime(now, 1), store.ClaimTime(now, 2); a.Equal(b) {
		t.Fatalf("two attempts in one millisecond share the claim time %v", a)
	}
}

// ApplyResults writes each row's own outcome whether a value is shared by
// the batch (sent as a parameter) or differs per row (in the JSON): a
// hand-over (provider ids differ), reports (result times differ), failures
// (codes and reasons differ) and a mix; an empty relay, channel, provider or
// time keeps the row's own; a row that has moved on is left alone.
func TestApplyResultsWritesEachRowsOwnOutcome(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	db := testenv.DB(t)
	const account, campaign = 990401, 990401
	for i := range 8 {
		if _, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, relay_id, sent_channel, provider_id, sent_at)
			VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '', 'sending', 9, 'lms', 'old', '2026-01-01 00:00:00')`,
			campaign, account, i+1, fmt.Sprintf("+8210000001%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	if err := db.Select(&ids, `SELECT id FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, campaign); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE campaign_messages SET status = 'delivered' WHERE id = ?`, ids[7]); err != nil {
		t.Fatal(err)
	}
	sent := time.Date(2026, 11, 26, 1, 2, 3, 456000000, time.UTC)
	// Hand-over of 0–3: one relay, channel and time; provider ids differ, and 3 has none.
	// 4–5 failed with their own codes; 6 fell back to SMS on relay 2. 7 has moved on.
	res := []store.MessageResult{
		{ID: ids[0], Status: store.MessageSent, RelayID: 1, SentChannel: "alimtalk", ProviderID: "p-0", SentAt: sent},
		{ID: ids[1], Status: store.MessageSent, RelayID: 1, SentChannel: "alimtalk", ProviderID: "p-1", SentAt: sent},
		{ID: ids[2], Status: store.MessageSent, RelayID: 1, SentChannel: "alimtalk", ProviderID: "p-2", SentAt: sent},
		{ID: ids[3], Status: store.MessageSent, RelayID: 1, SentChannel: "alimtalk", SentAt: sent},
		{ID: ids[4], Status: store.MessageFailed, RelayID: 1, SentChannel: "alimtalk", Code: "invalid_number", Reason: "번호 오류", SentAt: sent, ResultAt: sent},
		{ID: ids[5], Status: store.MessageFailed, Code: "no_relay", Reason: "no relay took it", ResultAt: sent.Add(time.Second)},
		{ID: ids[6], Status: store.MessageSent, RelayID: 2, SentChannel: "sms", Fallback: true, ProviderID: "p-6", SentAt: sent},
		{ID: ids[7], Status: store.MessageFailed, Code: "late", ResultAt: sent},
	}
	changed, err := st.ApplyResults(ctx, account, res, store.MessageSending)
	if err != nil {
		t.Fatal(err)
	}
	if changed[store.MessageSent] != 5 || changed[store.MessageFailed] != 2 {
		t.Fatalf("changed %v, want 5 sent and 2 failed (the delivered row stays)", changed)
	}
	type row struct {
		Status, SentChannel, ProviderID, Code, Reason string
		RelayID                                       int64
		Fallback                                      bool
		SentAt, ResultAt                              time.Time
	}
	read := func(id int64) row {
		var r row
		if err := db.QueryRow(`SELECT status, sent_channel, provider_id, code, reason, relay_id, fallback, sent_at, result_at
			FROM campaign_messages WHERE id = ?`, id).Scan(&r.Status, &r.SentChannel, &r.ProviderID, &r.Code, &r.Reason, &r.RelayID, &r.Fallback, &r.SentAt, &r.ResultAt); err != nil {
			t.Fatal(err)
		}
		r.SentAt, r.ResultAt = r.SentAt.UTC(), r.ResultAt.UTC()
		return r
	}
	epoch := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	before := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // the rows' own sent time
	want := []row{
		{"sent", "alimtalk", "p-0", "", "", 1, false, sent, epoch},
		{"sent", "alimtalk", "p-1", "", "", 1, false, sent, epoch},
		{"sent", "alimtalk", "p-2", "", "", 1, false, sent, epoch},
		{"sent", "alimtalk", "old", "", "", 1, false, sent, epoch},
		{"failed", "alimtalk", "old", "invalid_number", "번호 오류", 1, false, sent, sent},
		{"failed", "lms", "old", "no_relay", "no relay took it", 9, false, before, sent.Add(time.Second)},
		{"sent", "sms", "p-6", "", "", 2, true, sent, epoch},
		{"delivered", "lms", "old", "", "", 9, false, before, epoch},
	}
	for i, id := range ids {
		if got := read(id); got != want[i] {
			t.Errorf("row %d: %+v\n want %+v", i, got, want[i])
		}
	}
	// A page of reports: one status, result times differ.
	reports := []store.MessageResult{
		{ID: ids[0], Status: store.MessageDelivered, ResultAt: sent.Add(2 * time.Second)},
		{ID: ids[1], Status: store.MessageDelivered, ResultAt: sent.Add(3 * time.Second)},
	}
	if _, err := st.ApplyResults(ctx, account, reports, store.MessageSent); err != nil {
		t.Fatal(err)
	}
	for i, r := range reports {
		if got := read(r.ID); got.Status != "delivered" || !got.ResultAt.Equal(r.ResultAt) || got.ProviderID != fmt.Sprintf("p-%d", i) || !got.SentAt.Equal(sent) {
			t.Errorf("report %d left %+v", i, got)
		}
	}
	// Results with no status to move from are refused, not sent as broken SQL.
	if _, err := st.ApplyResults(ctx, account, reports); err == nil || !strings.Contains(err.Error(), "no status to move") {
		t.Fatalf("ApplyResults with no from status answered %v", err)
	}
	// Another account's key changes nothing.
	if changed, err := st.ApplyResults(ctx, account+1, []store.MessageResult{{ID: ids[2], Status: store.MessageFailed, Code: "x"}}, store.MessageSent); err != nil || changed[store.MessageFailed] != 0 {
		t.Fatalf("another account changed %v (%v)", changed, err)
	}
}

// Outcomes of many messages, given in no order, with gaps, a message named
// twice and values that differ from row to row, are each written to their
// own row however the rows are split into statements.
func TestApplyResultsWritesManyRowsAcrossGapsAndStatements(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	db := testenv.DB(t)
	const account, campaign, n = 990402, 990402, 2600
	for lo := 0; lo < n; lo += 650 {
		var q strings.Builder
		q.WriteString(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name, channel, body, buttons, fallback_body, status) VALUES `)
		var args []any
		for i := lo; i < lo+650; i++ {
			if i > lo {
				q.WriteByte(',')
			}
			q.WriteString(`(?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '', 'sending')`)
			args = append(args, campaign, account, i+1, fmt.Sprintf("+821000%06d", i))
		}
		if _, err := db.Exec(q.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	if err := db.Select(&ids, `SELECT id FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, campaign); err != nil || len(ids) != n {
		t.Fatalf("%d messages (%v)", len(ids), err)
	}
	sent := time.Date(2026, 11, 26, 3, 4, 5, 0, time.UTC)
	var res []store.MessageResult
	for k := range n {
		i := k * 1013 % n // every message once, in no order
		switch {
		case i%7 == 3: // left alone: a gap in the hand-over
		case i%11 == 5:
			res = append(res, store.MessageResult{ID: ids[i], Status: store.MessageFailed, RelayID: 1, Code: fmt.Sprintf("c-%d", i), ResultAt: sent})
		default:
			res = append(res, store.MessageResult{ID: ids[i], Status: store.MessageSent, RelayID: int64(1 + i%2), SentChannel: "sms",
				ProviderID: fmt.Sprintf("p-%d", i), SentAt: sent.Add(time.Duration(i%3) * time.Second)})
		}
	}
	res = append(res, store.MessageResult{ID: ids[12], Status: store.MessageSent, RelayID: 1, SentChannel: "sms", ProviderID: "second", SentAt: sent}) // named twice: the first outcome counts
	changed, err := st.ApplyResults(ctx, account, res, store.MessageSending)
	if err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		ID       int64     `db:"id"`
		Status   string    `db:"status"`
		Relay    int64     `db:"relay_id"`
		Provider string    `db:"provider_id"`
		Code     string    `db:"code"`
		SentAt   time.Time `db:"sent_at"`
	}
	if err := db.Select(&rows, `SELECT id, status, relay_id, provider_id, code, sent_at FROM campaign_messages WHERE campaign_id = ? ORDER BY id`, campaign); err != nil {
		t.Fatal(err)
	}
	var wantSent, wantFailed int64
	for i, r := range rows {
		switch {
		case i%7 == 3:
			if r.Status != "sending" || r.Provider != "" || r.Relay != 0 {
				t.Errorf("message %d, given no outcome, reads %+v", i, r)
			}
		case i%11 == 5:
			wantFailed++
			if r.Status != "failed" || r.Code != fmt.Sprintf("c-%d", i) || r.Relay != 1 || r.Provider != "" {
				t.Errorf("message %d reads %+v, want failed with c-%d", i, r, i)
			}
		default:
			wantSent++
			if r.Status != "sent" || r.Provider != fmt.Sprintf("p-%d", i) || r.Relay != int64(1+i%2) || !r.SentAt.UTC().Equal(sent.Add(time.Duration(i%3)*time.Second)) {
				t.Errorf("message %d reads %+v, want sent as p-%d on relay %d", i, r, i, 1+i%2)
			}
		}
	}
	if changed[store.MessageSent] != wantSent || changed[store.MessageFailed] != wantFailed {
		t.Fatalf("changed %v, want %d sent and %d failed", changed, wantSent, wantFailed)
	}
}
