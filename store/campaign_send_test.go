package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
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
	st := testenv.Store(t)
	campaign := 990001 + rerun(t)
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

// ApplyResults writes each row's own outcome whether a value is shared by
// the batch (sent as a parameter) or differs per row (in the JSON): a
// hand-over (provider ids differ), reports (result times differ), failures
// (codes and reasons differ) and a mix; an empty relay, channel, provider or
// time keeps the row's own; a row that has moved on is left alone.
func TestApplyResultsWritesEachRowsOwnOutcome(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	db := testenv.DB(t)
	off := rerun(t)
	account, campaign := 990401+off, 990401+off
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
	st := testenv.Store(t)
	db := testenv.DB(t)
	const n = 2600
	off := rerun(t)
	account, campaign := 990402+off, 990402+off
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

// A page of a relay's report stream names messages of two campaigns of one
// account (and one of another account): applying it for campaign A writes
// every message of A's account that awaits its report, and counts A's own
// apart from the rest, after the send (ApplyReports) and beside the chunks
// (ApplyCountedReports). A page that names only A's messages counts them all.
func TestApplyReportsCountsThePollingCampaignsOwn(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	db := testenv.DB(t)
	off := rerun(t)
	account, a, b := 990601+off, 990601+off, 990602+off
	seq := 0 // a campaign's recipients are unique
	insert := func(account, campaign int64, n int) []int64 {
		t.Helper()
		for range n {
			seq++
			i := seq
			if _, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
				channel, body, buttons, fallback_body, status, relay_id, sent_channel, provider_id, sent_at)
				VALUES (?, ?, ?, 1, ?, 'n', 'sms', 'b', '', '', 'sent', 9, 'sms', 'p', '2026-01-01 00:00:00')`,
				campaign, account, i, fmt.Sprintf("+8210000002%02d", i)); err != nil {
				t.Fatal(err)
			}
		}
		var ids []int64
		if err := db.Select(&ids, `SELECT id FROM campaign_messages WHERE campaign_id = ? AND account_id = ? ORDER BY id DESC LIMIT ?`, campaign, account, n); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(ids)
		return ids
	}
	// Interleaved, as two campaigns' hand-overs put their reports in one stream.
	var aIDs, bIDs []int64
	for range 3 {
		aIDs = append(aIDs, insert(account, a, 2)...)
		bIDs = append(bIDs, insert(account, b, 2)...)
	}
	foreign := insert(account+1, a, 1) // another account's message: never touched
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	page := func(ids []int64, status string) []store.MessageResult {
		var out []store.MessageResult
		for i, id := range ids {
			out = append(out, store.MessageResult{ID: id, Status: status, Code: "c", ResultAt: at.Add(time.Duration(i) * time.Second)})
		}
		return out
	}
	status := func(id int64) string {
		var s string
		if err := db.Get(&s, `SELECT status FROM campaign_messages WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return s
	}
	ka := store.CampaignKey{AccountID: account, ID: a}

	// After the send: A's first four and B's first four, delivered and failed,
	// with the other account's message; one of A's has moved on already.
	db.MustExec(`UPDATE campaign_messages SET status = 'delivered' WHERE id = ?`, aIDs[3])
	mixed := append(page([]int64{aIDs[0], bIDs[0], aIDs[1], bIDs[1]}, store.MessageDelivered),
		page([]int64{aIDs[2], bIDs[2], aIDs[3], bIDs[3], foreign[0]}, store.MessageFailed)...)
	own, all, err := st.ApplyReports(ctx, ka, mixed, store.MessageSent, store.MessageSending)
	if err != nil {
		t.Fatal(err)
	}
	if own[store.MessageDelivered] != 2 || own[store.MessageFailed] != 1 || all[store.MessageDelivered] != 4 || all[store.MessageFailed] != 3 {
		t.Fatalf("own %v, all %v: want A's 2 delivered and 1 failed of 4 delivered and 3 failed", own, all)
	}
	for _, id := range []int64{bIDs[0], bIDs[1], bIDs[2], bIDs[3]} {
		if s := status(id); s != store.MessageDelivered && s != store.MessageFailed {
			t.Errorf("B's message %d is %s: the page's reports of another campaign must be written", id, s)
		}
	}
	if s := status(foreign[0]); s != store.MessageSent {
		t.Errorf("another account's message is %s", s)
	}

	// Beside the chunks: A's fifth in a counted range, its sixth not (held);
	// B's last two move as after the send.
	counted := []store.IDRange{{From: aIDs[4], To: aIDs[4]}}
	own, all, held, err := st.ApplyCountedReports(ctx, ka, counted,
		page([]int64{aIDs[4], bIDs[4], aIDs[5], bIDs[5]}, store.MessageDelivered))
	if err != nil {
		t.Fatal(err)
	}
	if own[store.MessageDelivered] != 1 || all[store.MessageDelivered] != 3 || held != 1 {
		t.Fatalf("beside the chunks: own %v, all %v, held %d: want 1 of A's, 3 in all, 1 held", own, all, held)
	}

	// A page of A's messages only: each counted as A's.
	db.MustExec(`UPDATE campaign_messages SET status = 'sent' WHERE campaign_id = ? AND account_id = ?`, a, account)
	own, all, err = st.ApplyReports(ctx, ka, page(aIDs, store.MessageDelivered), store.MessageSent)
	if err != nil {
		t.Fatal(err)
	}
	if own[store.MessageDelivered] != 6 || all[store.MessageDelivered] != 6 {
		t.Fatalf("A's page alone: own %v, all %v; want 6 each", own, all)
	}
}

// A report is about one send of a message: the AlimTalk, or the fallback the
// relay echoes with its "-sms" key. An AlimTalk's failure read again after
// the message's fallback went out (a page read twice) must not overwrite the
// fallback's state, nor keep the page held; the fallback's own report moves
// it. A report that leaves its message owed the fallback is applied, not held.
func TestAReportMovesOnlyTheSendItIsAbout(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	db := testenv.DB(t)
	off := rerun(t)
	account, campaign := 990701+off, 990701+off
	insert := func(recipient string, fallback int) int64 {
		t.Helper()
		res, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_channel, fallback_body, status, relay_id, sent_channel, fallback, provider_id, sent_at)
			VALUES (?, ?, 1, 1, ?, 'n', 'alimtalk', 'b', '', 'sms', 'fb', 'sent', 9, IF(? = 1, 'sms', 'alimtalk'), ?, 'p',
			'2026-01-01 00:00:00')`, campaign, account, recipient, fallback, fallback)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	sentFallback, owed := insert("+821000000301", 1), insert("+821000000302", 0)
	uncounted := insert("+821000000303", 0) // its chunk's result is not counted yet
	k := store.CampaignKey{AccountID: account, ID: campaign}
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	blocked := func(id int64) store.MessageResult {
		return store.MessageResult{ID: id, Status: store.MessageFailed, Code: "blocked", Reason: "blocked", ResultAt: at}
	}
	status := func(id int64) (s string, due bool) {
		t.Helper()
		if err := db.QueryRow(`SELECT TRIM(status), fallback_due FROM campaign_messages WHERE id = ?`, id).Scan(&s, &due); err != nil {
			t.Fatal(err)
		}
		return s, due
	}

	// The AlimTalk's failure, again, for the message whose fallback is out;
	// and the first one for the other, which leaves it owed.
	markOwed := func(id int64) store.MessageResult {
		r := blocked(id)
		r.Status, r.FallbackDue, r.ResultAt = store.MessageSent, true, time.Time{}
		return r
	}
	own, _, held, err := st.ApplyCountedReports(ctx, k, []store.IDRange{{From: sentFallback, To: owed}},
		[]store.MessageResult{blocked(sentFallback), markOwed(owed), markOwed(uncounted)})
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := status(sentFallback); s != store.MessageSent || own[store.MessageFailed] != 0 || held != 1 {
		t.Fatalf("the fallback's message is %s (own changes %v, held %d): want it sent still, and only the uncounted one held",
			s, own, held)
	}
	if s, due := status(uncounted); s != store.MessageSent || due {
		t.Fatalf("the message outside the counted chunks is %s, due %v: its report must wait to be read again", s, due)
	}
	if s, due := status(owed); s != store.MessageSent || !due {
		t.Fatalf("the other message is %s, due %v: want it awaiting, owed its fallback", s, due)
	}
	// The fallback's delivery report moves the first; the AlimTalk's does not
	// reach the owed one as a report of its fallback would.
	onFallback := store.MessageResult{ID: sentFallback, Status: store.MessageDelivered, ResultAt: at, OnFallback: true}
	wrongSend := store.MessageResult{ID: owed, Status: store.MessageDelivered, ResultAt: at, OnFallback: true}
	if _, _, err := st.ApplyReports(ctx, k, []store.MessageResult{onFallback, wrongSend}, store.MessageSent); err != nil {
		t.Fatal(err)
	}
	if s, _ := status(sentFallback); s != store.MessageDelivered {
		t.Fatalf("the fallback's report left its message %s, want delivered", s)
	}
	if s, due := status(owed); s != store.MessageSent || !due {
		t.Fatalf("a fallback's report moved a message whose fallback was not sent: %s, due %v", s, due)
	}

	// A fallback's report that comes while its fallback is still being sent:
	// by a poll's claim (fallback_due 2), it is applied with the fallback's
	// columns; in a chunk (the row still sending, its chunk not counted), it
	// is held, to be read again.
	claimed, inChunk := insert("+821000000304", 0), insert("+821000000305", 0)
	claim := at.Add(-time.Second)
	db.MustExec(`UPDATE campaign_messages SET fallback_due = 2, claimed_at = ? WHERE id = ?`, claim, claimed)
	db.MustExec(`UPDATE campaign_messages SET status = 'sending' WHERE id = ?`, inChunk)
	report := func(id int64) store.MessageResult {
		return store.MessageResult{ID: id, Status: store.MessageDelivered, ResultAt: at, OnFallback: true, Fallback: true,
			SentChannel: "sms", RelayID: 12}
	}
	_, _, held, err = st.ApplyCountedReports(ctx, k, []store.IDRange{{From: claimed, To: claimed}},
		[]store.MessageResult{report(claimed), report(inChunk)})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Status      string `db:"status"`
		Fallback    bool   `db:"fallback"`
		SentChannel string `db:"sent_channel"`
		RelayID     int64  `db:"relay_id"`
	}
	if err := db.Get(&got, `SELECT TRIM(status) AS status, fallback, sent_channel, relay_id FROM campaign_messages WHERE id = ?`,
		claimed); err != nil {
		t.Fatal(err)
	}
	if got.Status != store.MessageDelivered || !got.Fallback || got.SentChannel != "sms" || got.RelayID != 12 || held != 1 {
		t.Fatalf("the claimed message after its fallback's report: %+v, held %d; want delivered by SMS at relay 12, and the one in its chunk held",
			got, held)
	}
	// The poll that claimed it writes the fallback's hand-over afterwards:
	// the outcome stays the report's, the message id and send time are the
	// fallback's.
	sent := []store.MessageResult{{ID: claimed, Status: store.MessageSent, RelayID: 12, SentChannel: "sms", Fallback: true,
		ProviderID: "p-sms", SentAt: claim}, {ID: owed, Status: store.MessageSent, RelayID: 12, SentChannel: "sms",
		Fallback: true, ProviderID: "p-not-claimed", SentAt: claim}}
	changed, err := st.ApplyOwedResults(ctx, k, sent, nil, claim)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CompleteOwedHandOvers(ctx, k, sent, changed, claim); err != nil {
		t.Fatal(err)
	}
	var after struct {
		Status   string    `db:"status"`
		Provider string    `db:"provider_id"`
		SentAt   time.Time `db:"sent_at"`
	}
	if err := db.Get(&after, `SELECT TRIM(status) AS status, TRIM(provider_id) AS provider_id, sent_at FROM campaign_messages WHERE id = ?`,
		claimed); err != nil {
		t.Fatal(err)
	}
	if after.Status != store.MessageDelivered || after.Provider != "p-sms" || !after.SentAt.Equal(claim) {
		t.Fatalf("the claimed message after its fallback's hand-over: %+v; want delivered, with the SMS's id and send time", after)
	}
	if err := db.Get(&after, `SELECT TRIM(status) AS status, TRIM(provider_id) AS provider_id, sent_at FROM campaign_messages WHERE id = ?`,
		owed); err != nil {
		t.Fatal(err)
	}
	if after.Status != store.MessageSent || after.Provider != "p" {
		t.Fatalf("a message the claim does not hold took its hand-over: %+v", after)
	}
}

// A delivery report applied to a message still sending (another campaign's
// poll of the shared stream) gives it its claim's time as its send time; the
// chunk's write afterwards keeps the report's outcome and that time, and adds
// how the message went out. A message handed over before keeps its own hand-over, an
// AlimTalk's never lands on a message whose fallback went out, and another
// account's write reaches nothing.
func TestAHandOverAfterItsReportKeepsTheReportsOutcome(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	off := rerun(t)
	account, other, campaign := 990901+off, 990902+off, 990901+off
	claim := time.Date(2026, 11, 27, 0, 59, 59, 0, time.UTC)
	n := 0
	insert := func(status, provider string, fallback int) int64 {
		t.Helper()
		n++
		res, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, provider_id, fallback, claimed_at)
			VALUES (?, ?, 1, 1, ?, 'n', 'sms', 'b', '', '', ?, ?, ?, ?)`,
			campaign, account, fmt.Sprintf("+8210000004%02d", n), status, provider, fallback, claim)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	reportedFirst, handedOver := insert("sending", "", 0), insert("sending", "p-earlier", 0)
	fallbackOut, sending := insert("sending", "", 1), insert("sending", "", 0)
	at := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	report := func(id int64) store.MessageResult {
		return store.MessageResult{ID: id, Status: store.MessageDelivered, ResultAt: at.Add(5 * time.Second)}
	}
	if _, _, _, err := st.ApplyCountedReports(ctx, store.CampaignKey{AccountID: account, ID: campaign + 1}, nil,
		[]store.MessageResult{report(reportedFirst), report(handedOver), report(fallbackOut)}); err != nil {
		t.Fatal(err)
	}
	type msg struct {
		Status   string    `db:"status"`
		Provider string    `db:"provider_id"`
		RelayID  int64     `db:"relay_id"`
		Channel  string    `db:"sent_channel"`
		SentAt   time.Time `db:"sent_at"`
		ResultAt time.Time `db:"result_at"`
	}
	read := func(id int64) msg {
		t.Helper()
		var m msg
		if err := db.Get(&m, `SELECT TRIM(status) AS status, TRIM(provider_id) AS provider_id, relay_id, TRIM(sent_channel) AS sent_channel,
			sent_at, result_at FROM campaign_messages WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return m
	}
	reported := msg{Status: store.MessageDelivered, SentAt: claim, ResultAt: at.Add(5 * time.Second)}
	if m := read(reportedFirst); m != reported {
		t.Fatalf("the message reported while sending: %+v, want %+v (its claim's time as its send time)", m, reported)
	}

	handOver := func(id int64) store.MessageResult {
		return store.MessageResult{ID: id, Status: store.MessageSent, RelayID: 7, SentChannel: "sms",
			ProviderID: fmt.Sprintf("p-%d", id), SentAt: at}
	}
	results := []store.MessageResult{handOver(reportedFirst), handOver(handedOver), handOver(fallbackOut), handOver(sending)}
	changed, err := st.ApplyResults(ctx, account, results, store.MessageSending)
	if err != nil || changed[store.MessageSent] != 1 {
		t.Fatalf("the chunk's write moved %v (%v), want the one message still sending", changed, err)
	}
	if err := st.CompleteHandOvers(ctx, other, results, changed); err != nil {
		t.Fatal(err)
	}
	if m := read(reportedFirst); m != reported {
		t.Fatalf("another account's hand-over wrote %+v", m)
	}
	if err := st.CompleteHandOvers(ctx, account, results, changed); err != nil {
		t.Fatal(err)
	}
	want := msg{Status: store.MessageDelivered, Provider: fmt.Sprintf("p-%d", reportedFirst), RelayID: 7, Channel: "sms",
		SentAt: claim, ResultAt: at.Add(5 * time.Second)}
	if m := read(reportedFirst); m != want {
		t.Fatalf("the message reported first: %+v, want %+v", m, want)
	}
	if m := read(handedOver); m.Provider != "p-earlier" || m.RelayID != 0 {
		t.Fatalf("a message handed over before took a second hand-over: %+v", m)
	}
	if m := read(fallbackOut); m.Provider != "" || m.RelayID != 0 || m.Channel != "" {
		t.Fatalf("an AlimTalk's hand-over landed on a message whose fallback went out: %+v", m)
	}
	if m := read(sending); m.Status != store.MessageSent || m.Provider != fmt.Sprintf("p-%d", sending) {
		t.Fatalf("the message still sending: %+v, want sent with its hand-over", m)
	}
}

// Fallbacks owed after their AlimTalk's report are claimed once: a second
// claim of the same messages (a poll that outlived its heartbeat timeout, and
// its retry, even at the same instant) gets none; what a claim's sending
// writes reaches only its own rows, and one no relay took is owed again. A
// claim its poll never wrote back is settled unknown once stale; at the
// report deadline a message still owed its fallback is failed, as its
// AlimTalk's report said.
func TestOwedFallbacksAreClaimedOnce(t *testing.T) {
	ctx := context.Background()
	st := testenv.Store(t)
	db := testenv.DB(t)
	off := rerun(t)
	account, campaign := 990801+off, 990801+off
	var ids []int64
	for i := range 4 {
		res, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_channel, fallback_body, status, relay_id, sent_channel, fallback_due, code, sent_at)
			VALUES (?, ?, 1, 1, ?, 'n', 'alimtalk', 'b', '', 'sms', 'fb', 'sent', 9, 'alimtalk', 1, 'blocked', '2026-01-01 00:00:00')`,
			campaign, account, fmt.Sprintf("+82100000040%d", i))
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		ids = append(ids, id)
	}
	k := store.CampaignKey{AccountID: account, ID: campaign}
	at := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	first, err := st.ClaimOwed(ctx, k, ids[:3], at)
	if err != nil || len(first) != 3 {
		t.Fatalf("the first claim holds %v (%v), want 3", first, err)
	}
	if again, err := st.ClaimOwed(ctx, k, ids, at); err != nil || len(again) != 1 || !again[ids[3]] {
		t.Fatalf("a second claim at the same instant holds %v (%v), want only the one the first left", again, err)
	}
	// The first claim's sending: one delivered, one no relay took; the third
	// it never writes back.
	delivered := store.MessageResult{ID: ids[0], Status: store.MessageDelivered, RelayID: 5, SentChannel: "sms", Fallback: true,
		SentAt: at, ResultAt: at}
	if _, err := st.ApplyOwedResults(ctx, k, []store.MessageResult{delivered}, []int64{ids[1]}, at); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Status   string `db:"status"`
		Due      int    `db:"fallback_due"`
		Fallback bool   `db:"fallback"`
	}
	get := func(id int64) row {
		t.Helper()
		var r row
		if err := db.Get(&r, `SELECT TRIM(status) AS status, fallback_due, fallback FROM campaign_messages WHERE id = ?`, id); err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := get(ids[0]); r != (row{"delivered", 0, true}) {
		t.Fatalf("the delivered fallback's message: %+v", r)
	}
	if r := get(ids[1]); r != (row{"sent", 1, false}) {
		t.Fatalf("the fallback no relay took: %+v, want owed again", r)
	}
	if n, err := st.SettleStaleOwed(ctx, k, ids[0], ids[3], at, at); err != nil || n != 0 {
		t.Fatalf("claims of now settled as stale: %d (%v)", n, err)
	}
	if n, err := st.SettleStaleOwed(ctx, k, ids[0], ids[3], at.Add(time.Second), at); err != nil || n != 2 {
		t.Fatalf("stale claims settled: %d (%v), want the 2 still claimed", n, err)
	}
	if r := get(ids[2]); r != (row{"unknown", 0, false}) {
		t.Fatalf("the claim never written back: %+v, want unknown", r)
	}
	unknown, failed, err := st.GiveUpReports(ctx, k, ids[0], ids[3], at)
	if err != nil || unknown != 0 || len(failed) != 1 || failed[0] != ids[1] {
		t.Fatalf("at the deadline %d unknown, failed %v (%v); want the one still owed (%d) failed", unknown, failed, err, ids[1])
	}
	if r := get(ids[1]); r != (row{"failed", 0, false}) {
		t.Fatalf("the message still owed at the deadline: %+v, want failed", r)
	}
}

// A report stamped before its message's send time (a relay's clock at its own
// resolution: Aligo's to the second) records the outcome at the send time, so
// no message shows a delivery before its send; a report stamped after keeps
// its own time. It holds for a message handed over, one reported while still
// sending (its claim's time), one reported by recipient, and a fallback whose
// report came before its hand-over was written.
func TestAReportNeverPredatesItsSend(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	off := rerun(t)
	account, campaign := 990951+off, 990951+off
	k := store.CampaignKey{AccountID: account, ID: campaign}
	sent := time.Date(2026, 11, 28, 2, 57, 33, 138001000, time.UTC)
	n := 0
	insert := func(status, provider string, sentAt, resultAt time.Time, fallback int) int64 {
		t.Helper()
		n++
		res, err := db.Exec(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, body, buttons, fallback_body, status, provider_id, relay_id, fallback, claimed_at, sent_at, result_at)
			VALUES (?, ?, 1, 1, ?, 'n', 'sms', 'b', '', '', ?, ?, 7, ?, ?, ?, ?)`,
			campaign, account, fmt.Sprintf("+8210000005%02d", n), status, provider, fallback, sent, sentAt, resultAt)
		if err != nil {
			t.Fatal(err)
		}
		id, _ := res.LastInsertId()
		return id
	}
	unset := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	handedOver := insert("sent", "p-a", sent, unset, 0)
	later := insert("sent", "p-b", sent, unset, 0)
	stillSending := insert("sending", "", unset, unset, 0)
	byRecipient := insert("sent", "p-c", sent, unset, 0)
	owed := insert("delivered", "", unset, sent.Add(-300*time.Microsecond), 1)

	early := sent.Add(-400 * time.Millisecond)
	report := func(id int64, at time.Time) store.MessageResult {
		return store.MessageResult{ID: id, Status: store.MessageDelivered, ResultAt: at}
	}
	if _, _, _, err := st.ApplyCountedReports(ctx, store.CampaignKey{AccountID: account, ID: campaign + 1}, nil,
		[]store.MessageResult{report(handedOver, early), report(later, sent.Add(time.Second)), report(stillSending, early)}); err != nil {
		t.Fatal(err)
	}
	var recipient string
	if err := db.Get(&recipient, `SELECT recipient FROM campaign_messages WHERE id = ?`, byRecipient); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyRecipientReports(ctx, k, 7, []store.ReportByRecipient{
		{ProviderID: "p-c", Recipient: recipient, Status: store.MessageDelivered, At: sent.Truncate(time.Second)}}); err != nil {
		t.Fatal(err)
	}
	if err := st.CompleteOwedHandOvers(ctx, k, []store.MessageResult{{ID: owed, Status: store.MessageSent, RelayID: 7,
		SentChannel: "sms", ProviderID: "p-d", SentAt: sent}}, map[string]int64{}, sent); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		id         int64
		sentAt, at time.Time
	}{
		{"handed over, reported early", handedOver, sent, sent},
		{"handed over, reported later", later, sent, sent.Add(time.Second)},
		{"reported while sending, early", stillSending, sent, sent},
		{"reported by recipient to the second", byRecipient, sent, sent},
		{"a fallback reported before its hand-over", owed, sent, sent},
	} {
		var m struct {
			Status   string    `db:"status"`
			SentAt   time.Time `db:"sent_at"`
			ResultAt time.Time `db:"result_at"`
		}
		if err := db.Get(&m, `SELECT TRIM(status) AS status, sent_at, result_at FROM campaign_messages WHERE id = ?`, tc.id); err != nil {
			t.Fatal(err)
		}
		if m.Status != store.MessageDelivered || !m.SentAt.Equal(tc.sentAt) || !m.ResultAt.Equal(tc.at) {
			t.Errorf("%s: %+v, want delivered, sent at %v and delivered at %v", tc.name, m, tc.sentAt, tc.at)
		}
	}
}
