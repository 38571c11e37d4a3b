package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/render"
)

// Message statuses. A message moves pending → sending (claimed, attempt counted)
// → sent (accepted by a relay, awaiting its report) | delivered | failed, and sent
// → delivered | failed | unknown (no report before the deadline).
const (
	MessagePending   = "pending"
	MessageSending   = "sending"
	MessageSent      = "sent"
	MessageDelivered = "delivered"
	MessageFailed    = "failed"
	MessageUnknown   = "unknown"
)

// sqlTime formats a time the way DATETIME(6) columns and JSON_TABLE read it.
func sqlTime(t time.Time) string {
	if t.IsZero() {
		return "1970-01-01 00:00:00.000000"
	}
	return t.UTC().Format("2006-01-02 15:04:05.000000")
}

// MessageRange records and answers the campaign's message id range and count.
func (s *Store) MessageRange(ctx context.Context, k CampaignKey) (total, first, last int64, err error) {
	var r struct {
		N     int64         `db:"n"`
		First sql.NullInt64 `db:"first"`
		Last  sql.NullInt64 `db:"last"`
	}
	if err = s.db.GetContext(ctx, &r, `SELECT COUNT(*) AS n, MIN(id) AS first, MAX(id) AS last FROM campaign_messages
		WHERE campaign_id = ? AND account_id = ?`, k.ID, k.AccountID); err != nil {
		return 0, 0, 0, fmt.Errorf("message range of campaign %d: %w", k.ID, err)
	}
	total, first, last = r.N, r.First.Int64, r.Last.Int64
	_, err = s.db.ExecContext(ctx, `UPDATE campaigns SET total = ?, pending = ?, first_message_id = ?, last_message_id = ?,
		updated_at = ? WHERE account_id = ? AND id = ?`, total, total, first, last, now(), k.AccountID, k.ID)
	return total, first, last, err
}

// MessagesAfter counts the campaign's messages with ids above afterID and
// answers their id range: what a pipelined prepare's batch stored (ids only grow,
// so a batch's rows are those above the last id before it). It reads the batch's
// rows, whatever the campaign's size.
func (s *Store) MessagesAfter(ctx context.Context, k CampaignKey, afterID int64) (n, first, last int64, err error) {
	var r struct {
		N     int64         `db:"n"`
		First sql.NullInt64 `db:"first"`
		Last  sql.NullInt64 `db:"last"`
	}
	// From the first id on, the primary key from afterID holds the batch (and
	// whatever other campaigns stored meanwhile); before it, the campaign's own
	// index holds just the first batch, where the primary key would be read
	// from the table's start.
	index := "PRIMARY"
	if afterID == 0 {
		index = "uq_campaign_messages_recipient"
	}
	if err = s.db.GetContext(ctx, &r, `SELECT COUNT(*) AS n, MIN(id) AS first, MAX(id) AS last
		FROM campaign_messages FORCE INDEX (`+index+`) WHERE id > ? AND campaign_id = ? AND account_id = ?`,
		afterID, k.ID, k.AccountID); err != nil {
		return 0, 0, 0, fmt.Errorf("messages of campaign %d after %d: %w", k.ID, afterID, err)
	}
	return r.N, r.First.Int64, r.Last.Int64, nil
}

// SetMessageRange records the campaign's message count and id range (all
// pending) as a pipelined prepare has stored them so far.
func (s *Store) SetMessageRange(ctx context.Context, k CampaignKey, total, first, last int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET total = ?, pending = ?, first_message_id = ?, last_message_id = ?,
		updated_at = ? WHERE account_id = ? AND id = ?`, total, total, first, last, now(), k.AccountID, k.ID)
	if err != nil {
		return fmt.Errorf("record the message range of campaign %d: %w", k.ID, err)
	}
	return nil
}

// AddLeftOut counts n more audience members left out of the campaign's
// messages, by the audience batch that ends at customer id through. Batches
// come in customer-id order, so one through an id already counted (a retried
// batch) adds nothing.
func (s *Store) AddLeftOut(ctx context.Context, k CampaignKey, n, through int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaigns SET left_out = left_out + ?, left_out_through = ?
		WHERE account_id = ? AND id = ? AND left_out_through < ?`, n, through, k.AccountID, k.ID, through)
	if err != nil {
		return fmt.Errorf("count %d left out of campaign %d: %w", n, k.ID, err)
	}
	return nil
}

// ChunkMessage is a message a chunk may send.
type ChunkMessage struct {
	ID              int64     `db:"id"`
	CustomerID      int64     `db:"customer_id"`
	Recipient       string    `db:"recipient"`
	Name            string    `db:"name"`
	Channel         string    `db:"channel"`
	Subject         string    `db:"subject"`
	Body            string    `db:"body"`
	Buttons         string    `db:"buttons"`
	FallbackChannel string    `db:"fallback_channel"`
	FallbackSubject string    `db:"fallback_subject"`
	FallbackBody    string    `db:"fallback_body"`
	Status          string    `db:"status"`
	Attempt         int       `db:"attempt"`
	ClaimedAt       time.Time `db:"claimed_at"`
	// RelayID and Code are set on a row still sending only when an attempt held
	// it in doubt: its call to that relay got no answer (see HeldInDoubt).
	RelayID int64  `db:"relay_id"`
	Code    string `db:"code"`
}

// HeldInDoubt answers the relay that may already have m: an attempt sent it
// there, got no answer in time, and kept it sending with the relay and the
// fault's code rather than send it elsewhere. A row claimed from pending has no
// code (a retry run clears the codes of the rows it sends again), so a row
// sending with a code is one held so; 0 for any other row, a row a dead
// attempt left sending among them.
func (m ChunkMessage) HeldInDoubt() int64 {
	if m.Status != MessageSending || m.Code == "" {
		return 0
	}
	return m.RelayID
}

// chunkRowsMax bounds the room a chunk's load makes up front for its range.
const chunkRowsMax = 50000

// chunkColumns are a ChunkMessage's columns of campaign_messages m, in the
// order scanChunk reads them.
const chunkColumns = `m.id, m.customer_id, m.recipient, m.name, m.channel, m.subject, m.body, m.buttons,
	m.fallback_channel, m.fallback_subject, m.fallback_body, m.status, m.attempt, m.claimed_at, m.relay_id, m.code`

// ChunkMessages loads the messages with ids in [from, to] that are not final:
// pending, or sending (claimed by an attempt that may have died mid-send).
func (s *Store) ChunkMessages(ctx context.Context, k CampaignKey, from, to int64) ([]ChunkMessage, error) {
	ms, err := s.scanChunk(ctx, from, to, `SELECT `+chunkColumns+` FROM campaign_messages m FORCE INDEX (PRIMARY)
		WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? AND m.status IN ('pending', 'sending') ORDER BY m.id`,
		from, to, k.ID, k.AccountID)
	if err != nil {
		return nil, fmt.Errorf("load chunk %d-%d of campaign %d: %w", from, to, k.ID, err)
	}
	return ms, nil
}

// scanChunk runs a query of chunkColumns over the ids [from, to] and scans its
// rows into room made for the range up front, field by field: a chunk is
// thousands of rows, and growing the slice as rows came (a fifth of what the
// worker allocated in a 1M campaign) and mapping each row's columns to fields
// by reflection cost more than reading them.
func (s *Store) scanChunk(ctx context.Context, from, to int64, query string, args ...any) ([]ChunkMessage, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ms := make([]ChunkMessage, 0, max(0, min(to-from+1, chunkRowsMax)))
	for rows.Next() {
		ms = append(ms, ChunkMessage{})
		m := &ms[len(ms)-1]
		if err := rows.Scan(&m.ID, &m.CustomerID, &m.Recipient, &m.Name, &m.Channel, &m.Subject, &m.Body, &m.Buttons,
			&m.FallbackChannel, &m.FallbackSubject, &m.FallbackBody, &m.Status, &m.Attempt, &m.ClaimedAt, &m.RelayID, &m.Code); err != nil {
			return nil, err
		}
	}
	return ms, rows.Err()
}

// ClaimChunk claims, in one transaction, the pending messages in [from, to] and
// the stale ones given (rows an earlier attempt left in sending, with the claim
// time they were read with), stamping every row it takes with the claim time at,
// before anything is handed to a relay. It answers the ids this claim holds.
//
// An attempt sends only what its own claim stamped: two attempts of one chunk
// running at once (one that outlived its heartbeat timeout, and its retry) never
// both send a row, since a row is claimed from pending once, and a stale row is
// taken over only while it still carries the claim time the taker read. at must
// differ between attempts of a chunk (ClaimTime).
func (s *Store) ClaimChunk(ctx context.Context, k CampaignKey, from, to int64, at time.Time, stale []ChunkMessage) (map[int64]bool, error) {
	return s.claimChunk(ctx, k, from, to, at, stale, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
			SET status = 'sending', attempt = attempt + 1, claimed_at = ?
			WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'pending'`)
}

// claimChunk is ClaimChunk with the statement that claims the pending rows
// (its arguments: the claim time, from, to, the campaign id, the account id).
func (s *Store) claimChunk(ctx context.Context, k CampaignKey, from, to int64, at time.Time, stale []ChunkMessage, claimPending string) (map[int64]bool, error) {
	mine := map[int64]bool{}
	err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		clear(mine)
		if _, err := tx.ExecContext(ctx, claimPending, sqlTime(at), from, to, k.ID, k.AccountID); err != nil {
			return fmt.Errorf("claim chunk %d-%d: %w", from, to, err)
		}
		// Stale rows share the claim time of the attempt that left them, so
		// this is a statement or two, not one per row.
		byClaim := map[string][]int64{}
		for _, m := range stale {
			k := sqlTime(m.ClaimedAt)
			byClaim[k] = append(byClaim[k], m.ID)
		}
		for old, ids := range byClaim {
			q, args, err := sqlx.In(`UPDATE campaign_messages SET attempt = attempt + 1, claimed_at = ?
				WHERE campaign_id = ? AND account_id = ? AND status = 'sending' AND claimed_at = ? AND id IN (?)`,
				sqlTime(at), k.ID, k.AccountID, old, ids)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				return fmt.Errorf("take over %d stale messages of chunk %d-%d: %w", len(ids), from, to, err)
			}
		}
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM campaign_messages FORCE INDEX (PRIMARY)
			WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sending' AND claimed_at = ?`,
			from, to, k.ID, k.AccountID, sqlTime(at)); err != nil {
			return fmt.Errorf("read the claim of chunk %d-%d: %w", from, to, err)
		}
		for _, id := range ids {
			mine[id] = true
		}
		return nil
	})
	return mine, err
}

// ClaimHeld answers whether message id of campaign k is still claimed at at:
// sending, and not taken over by a later attempt of its chunk since.
func (s *Store) ClaimHeld(ctx context.Context, k CampaignKey, id int64, at time.Time) (bool, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM campaign_messages
		WHERE id = ? AND campaign_id = ? AND account_id = ? AND status = 'sending' AND claimed_at = ?`,
		id, k.ID, k.AccountID, sqlTime(at)); err != nil {
		return false, fmt.Errorf("read the claim of message %d: %w", id, err)
	}
	return n == 1, nil
}

// ClaimTime is the claim time of an attempt of a chunk: now to the millisecond,
// with the attempt number in the microseconds, so that two attempts of one chunk
// never stamp the same time even within one millisecond.
func ClaimTime(now time.Time, attempt int32) time.Time {
	return now.UTC().Truncate(time.Millisecond).Add(time.Duration(attempt%1000) * time.Microsecond)
}

// MessageResult is the outcome to record for one message.
type MessageResult struct {
	ID          int64
	Status      string
	RelayID     int64
	SentChannel string
	Fallback    bool
	ProviderID  string
	Code        string
	Reason      string
	SentAt      time.Time
	ResultAt    time.Time
	// FallbackDue leaves the message awaiting (sent) but owed its SMS/LMS
	// fallback: its AlimTalk's delivery report said it failed (markOwed in
	// activities). A result about a fallback, and every result of the poll
	// sending owed fallbacks (ApplyOwedResults), clears the mark; the others
	// leave the column alone (a message owed one awaits no other result).
	FallbackDue bool
	clearsDue   bool
	// OnFallback says a delivery report is about the message's fallback (the
	// relay echoed its "-sms"/"-lms" key): it applies only to a row whose
	// fallback was sent, and a report about the AlimTalk only to one whose
	// fallback was not, so an AlimTalk's report read again after its fallback
	// went out cannot overwrite the fallback's state.
	OnFallback bool
}

// resultBatch is how many rows one result UPDATE carries, and resultSpan the
// widest id range it covers (its value lists have an entry per id in it).
const (
	resultBatch = 500
	resultSpan  = 2 * resultBatch
)

// ApplyResults writes outcomes to messages still in one of the from statuses,
// up to 500 rows per statement, and answers how many rows changed for each new
// status. A row that has meanwhile moved on is left alone, so replaying
// results is harmless.
//
// A statement is a single-table UPDATE of the rows named by id (a range when
// they are consecutive), its values written in as literals (sqlText): a
// column whose value the statement's rows share is set once, and a column
// whose values differ takes the row's own from a list indexed by the row's
// offset in the statement's id range (ELT). A
// relay's hand-over of a slice differs only in the provider id, a page of
// delivery reports only in the result time. MariaDB updates such rows as it
// finds them by primary key, where an UPDATE joined to a JSON_TABLE of the
// rows collected them in a temporary table first and cost about twice as
// much (BenchmarkHandOverWrite).
func (s *Store) ApplyResults(ctx context.Context, accountID int64, results []MessageResult, from ...string) (map[string]int64, error) {
	if len(from) == 0 {
		return nil, errors.New("apply results: no status to move the messages from")
	}
	_, changed, err := s.applyResults(ctx, accountID, results, movedFrom(accountID, from), 0)
	return changed, err
}

// CompleteHandOvers writes the hand-over of a chunk's results onto the
// messages a delivery report settled before the chunk's own write, which found
// them no longer sending (changed is what that write, ApplyResults(sending),
// answered). A relay's report stream is shared by the account's campaigns, and
// another campaign's poll reading it applies a report to a message still
// sending (ApplyCountedReports) rather than hold the stream for a chunk that may
// never write; the report also gives the message its claim's time as its send
// time. The report's outcome and that send time stand: only how the message
// went out is written (relay, channel, fallback, the relay's message id), onto
// a message without a message id whose fallback state is the result's (an
// AlimTalk's hand-over never lands on its fallback's). The usual write, which
// moved every message it handed over, costs a count.
func (s *Store) CompleteHandOvers(ctx context.Context, accountID int64, results []MessageResult, changed map[string]int64) error {
	rows := handOverRows(results, changed)
	if len(rows) == 0 {
		return nil // the usual write: every hand-over found its message sending
	}
	for fallback := range 2 {
		part := slices.DeleteFunc(slices.Clone(rows), func(r resultRow) bool { return r.fallback != fallback })
		var where sqlText
		where.sql(" AND m.account_id = ")
		where.int(accountID)
		where.sql(" AND m.status IN ")
		where.strs([]string{MessageSent, MessageDelivered, MessageFailed})
		where.sql(" AND m.provider_id = '' AND m.fallback = ")
		where.int(int64(fallback))
		if err := s.writeHandOvers(ctx, handOverColumnsKeepingSent, part, where); err != nil {
			return err
		}
	}
	return nil
}

// handOverRows are the hand-overs among results (status sent), in id order,
// when fewer messages moved to sent than they are (changed): none when
// every hand-over found its message as the write expected.
func handOverRows(results []MessageResult, changed map[string]int64) []resultRow {
	handedOver := 0
	for _, r := range results {
		if r.Status == MessageSent {
			handedOver++
		}
	}
	if int64(handedOver) <= changed[MessageSent] {
		return nil
	}
	rows := make([]resultRow, 0, handedOver)
	for _, r := range results {
		if r.Status == MessageSent {
			rows = append(rows, storedResult(r))
		}
	}
	slices.SortFunc(rows, func(a, b resultRow) int { return cmp.Compare(a.id, b.id) })
	return slices.CompactFunc(rows, func(a, b resultRow) bool { return a.id == b.id })
}

// writeHandOvers writes columns of rows (in id order) onto the messages where
// (appended to each statement's id condition) admits, leaving their status
// and outcome as they are. Each statement is its own transaction, read
// committed: it locks only the rows it changes, and writing one again changes
// nothing.
func (s *Store) writeHandOvers(ctx context.Context, columns []resultColumn, rows []resultRow, where sqlText) error {
	var q sqlText
	for i := 0; i < len(rows); {
		end := partEnd(rows, i)
		q.b = append(q.b[:0], "UPDATE campaign_messages m FORCE INDEX (PRIMARY) SET m.status = m.status"...)
		columnsUpdate(&q, columns, rows[i:end])
		q.b = append(q.b, where.b...)
		err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, q.String())
			return err
		})
		if err != nil {
			return fmt.Errorf("complete %d hand-overs settled by their reports first: %w", end-i, err)
		}
		i = end
	}
	return nil
}

// movedFrom is the result statements' common end: the account, the statuses
// its messages move from.
func movedFrom(accountID int64, from []string) sqlText {
	var where sqlText
	where.sql(" AND m.account_id = ")
	where.int(accountID)
	where.sql(" AND m.status IN ")
	where.strs(from)
	return where
}

// ApplyReports applies a page of a relay's report stream, read by campaign k's
// poll, as ApplyResults(k's account, from) does: the stream is the relay's, so
// a page may name messages of k's account's other campaigns, and those are
// written too (nobody reads the page again). It answers the changes by status
// of every message (all) and of k's own (own): a campaign's progress counts
// only its own messages.
func (s *Store) ApplyReports(ctx context.Context, k CampaignKey, results []MessageResult, from ...string) (own, all map[string]int64, err error) {
	if len(from) == 0 {
		return nil, nil, errors.New("apply reports: no status to move the messages from")
	}
	where := movedFrom(k.AccountID, from)
	reportScope(&where, results)
	return s.applyReports(ctx, k.AccountID, results, where, k.ID)
}

// reportScope adds to a report statement's condition that, of messages
// awaiting a report (sent), a report about a fallback (MessageResult.OnFallback)
// moves only one whose fallback was sent or is being sent (ClaimOwed; the
// report carries the fallback's relay and channel), and a report about the
// AlimTalk (or any first send) only one whose fallback was not, nor is being
// sent. A message still sending (its chunk's write is yet to come) takes any.
func reportScope(where *sqlText, results []MessageResult) {
	where.sql(" AND (m.status <> 'sent' OR ")
	sentScope(where, results)
	where.sql(")")
}

// sentScope is reportScope's condition on a message awaiting a report.
func sentScope(where *sqlText, results []MessageResult) {
	var fb []MessageResult
	for _, r := range results {
		if r.OnFallback {
			fb = append(fb, r)
		}
	}
	if len(fb) == 0 {
		where.sql("m.fallback = 0 AND m.fallback_due < 2")
		return
	}
	where.sql("(m.fallback = 0 AND m.fallback_due < 2 AND m.id NOT IN ")
	idList(where, fb)
	where.sql(" OR (m.fallback = 1 OR m.fallback_due = 2) AND m.id IN ")
	idList(where, fb)
	where.sql(")")
}

// IDRange is an inclusive range of message ids.
type IDRange struct {
	From, To int64
}

// ApplyCountedReports applies delivery reports read while campaign k's chunks
// are still sending. A report moves a message of k only once the message has
// been handed over (sent) and lies in counted, the chunks whose results the
// workflow has counted; a message of another campaign moves as with
// ApplyResults(sent, sending). So a chunk counts its range before any report
// of it is counted, and a chunk retried after a fault counts its range as its
// hand-over left it, whatever the reports say meanwhile.
//
// It answers the changes by status of k's own messages (own) and of every
// message (all), as ApplyReports, and held: how many messages of k the results
// name that still await (sending, or sent outside counted). Their reports must
// be read again, by a later poll.
func (s *Store) ApplyCountedReports(ctx context.Context, k CampaignKey, counted []IDRange, results []MessageResult) (own, all map[string]int64, held int64, err error) {
	var where sqlText
	where.sql(" AND m.account_id = ")
	where.int(k.AccountID)
	where.sql(" AND (m.campaign_id <> ")
	where.int(k.ID)
	where.sql(" AND m.status IN ")
	where.strs([]string{MessageSent, MessageSending})
	where.sql(" OR m.campaign_id = ")
	where.int(k.ID)
	where.sql(" AND m.status = ")
	where.str(MessageSent)
	where.sql(" AND (0")
	for _, r := range counted {
		where.sql(" OR m.id BETWEEN ")
		where.int(r.From)
		where.sql(" AND ")
		where.int(r.To)
	}
	where.sql("))")
	reportScope(&where, results)
	if own, all, err = s.applyReports(ctx, k.AccountID, results, where, k.ID); err != nil {
		return own, all, 0, err
	}
	var n int64
	for _, c := range all {
		n += c
	}
	if n >= int64(len(results)) {
		return own, all, 0, nil // every report moved its message
	}
	// What is held: the reports still to apply to the campaign's messages. A
	// report that left its message owed a fallback was applied (the mark is
	// on the row), and one about a send the message has moved past
	// (reportScope) never will be.
	var q sqlText
	q.sql("SELECT COUNT(*) FROM campaign_messages m WHERE m.account_id = ")
	q.int(k.AccountID)
	q.sql(" AND m.campaign_id = ")
	q.int(k.ID)
	q.sql(" AND m.status IN ")
	q.strs([]string{MessageSent, MessageSending})
	q.sql(" AND m.id IN ")
	idList(&q, results)
	q.sql(" AND (m.status = 'sending' OR m.fallback_due = 0 AND ")
	sentScope(&q, results)
	q.sql(")")
	if err := s.db.GetContext(ctx, &held, q.String()); err != nil {
		return own, all, 0, fmt.Errorf("count the reports to read again of campaign %d: %w", k.ID, err)
	}
	return own, all, held, nil
}

// idList writes the results' message ids, (1,2,…), into t.
func idList(t *sqlText, results []MessageResult) {
	ids := make([]int64, len(results))
	for i, r := range results {
		ids[i] = r.ID
	}
	t.ints(ids)
}

// applyResults writes results, up to 500 rows per statement, to the rows of
// account the condition where (appended to each statement's id condition)
// admits, and answers the rows changed by status: those of campaign own (0:
// none asked for), and all of them.
//
// Where the results name no message of the account's other campaigns (a
// campaign sending alone; campaign_id never changes, so one look tells), own's
// changes are all of them. Otherwise each statement's rows of the account are
// first locked in id order, as the UPDATE itself takes them, reading which of
// them the UPDATE will change and whose they are; locked, none can change
// meanwhile, so the count is exact, and two polls applying one page still lock
// its rows in one order.
func (s *Store) applyResults(ctx context.Context, account int64, results []MessageResult, where sqlText, own int64) (map[string]int64, map[string]int64, error) {
	return s.writeResults(ctx, account, results, where, own, false)
}

// applyReports is applyResults for delivery reports: a message a report moves
// while still sending (its chunk's write is yet to come, or never comes: it
// was held in doubt) takes its claim's time, taken just before the send, as
// its send time, so it is counted sent as it is counted delivered or failed.
// The chunk's write, if it comes, keeps that time (CompleteHandOvers).
func (s *Store) applyReports(ctx context.Context, account int64, results []MessageResult, where sqlText, own int64) (map[string]int64, map[string]int64, error) {
	return s.writeResults(ctx, account, results, where, own, true)
}

// writeResults is applyResults, and with reports applyReports.
func (s *Store) writeResults(ctx context.Context, account int64, results []MessageResult, where sqlText, own int64, reports bool) (map[string]int64, map[string]int64, error) {
	changed := map[string]int64{}
	if len(results) == 0 {
		return changed, changed, nil
	}
	mixed := false
	if own != 0 {
		var q sqlText
		q.sql("SELECT EXISTS (SELECT 1 FROM campaign_messages WHERE account_id = ")
		q.int(account)
		q.sql(" AND campaign_id <> ")
		q.int(own)
		q.sql(" AND id IN ")
		idList(&q, results)
		q.sql(")")
		if err := s.db.GetContext(ctx, &mixed, q.String()); err != nil {
			return changed, changed, fmt.Errorf("find whose messages %d results name: %w", len(results), err)
		}
	}
	ownChanged := changed
	if mixed {
		ownChanged = map[string]int64{}
	}
	// The rows of each status, statuses in the order they first appear, in
	// one array made to size: a hand-over slice or a report page is thousands
	// of rows, and growing a list per status allocated more than anything else
	// the send does per message.
	var order []string
	var ends []int
	for _, r := range results {
		k := slices.Index(order, r.Status)
		if k < 0 {
			order, ends = append(order, r.Status), append(ends, 0)
			k = len(order) - 1
		}
		ends[k]++
	}
	for k := 1; k < len(ends); k++ {
		ends[k] += ends[k-1]
	}
	all := make([]resultRow, len(results))
	next := make([]int, len(order))
	for k := 1; k < len(order); k++ {
		next[k] = ends[k-1]
	}
	for _, r := range results {
		k := slices.Index(order, r.Status)
		all[next[k]] = storedResult(r)
		next[k]++
	}
	var q sqlText
	err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		for k, st := range order {
			from := 0
			if k > 0 {
				from = ends[k-1]
			}
			rows := all[from:ends[k]]
			// In id order: statements take their rows' locks in one order, and
			// each covers a narrow id range. A message named twice takes its
			// first outcome (as a row is updated once per statement).
			slices.SortStableFunc(rows, func(a, b resultRow) int { return cmp.Compare(a.id, b.id) })
			rows = slices.CompactFunc(rows, func(a, b resultRow) bool { return a.id == b.id })
			for i := 0; i < len(rows); {
				end := partEnd(rows, i)
				part := rows[i:end]
				i = end
				if mixed {
					// Whether the UPDATE below changes each row, and whether
					// the row is own's, read with the rows locked.
					q.b = append(q.b[:0], "SELECT m.campaign_id = "...)
					q.int(own)
					q.sql(" AND (TRUE")
					q.b = append(q.b, where.b...)
					q.sql(") FROM campaign_messages m FORCE INDEX (PRIMARY)")
					resultIDs(&q, part)
					q.sql(" AND m.account_id = ")
					q.int(account)
					q.sql(" ORDER BY m.id FOR UPDATE")
					var mine []bool
					if err := tx.SelectContext(ctx, &mine, q.String()); err != nil {
						return fmt.Errorf("lock %d messages for their %s results: %w", len(part), st, err)
					}
					for _, m := range mine {
						if m {
							ownChanged[st]++
						}
					}
				}
				q.b = q.b[:0]
				resultUpdate(&q, st, part, reports)
				q.b = append(q.b, where.b...)
				res, err := tx.ExecContext(ctx, q.String())
				if err != nil {
					return fmt.Errorf("write %d %s results: %w", len(part), st, err)
				}
				n64, _ := res.RowsAffected()
				changed[st] += n64
			}
		}
		return nil
	})
	return ownChanged, changed, err
}

// resultRow is a MessageResult as it is stored: truncated, times formatted.
type resultRow struct {
	id                     int64
	relay                  int64
	channel                string
	fallback               int
	due                    int // fallback_due to write; -1 leaves the row's own
	provider, code, reason string
	sentAt, resultAt       string
}

// storedResult is r as the result statements write it.
func storedResult(r MessageResult) resultRow {
	fb, due := 0, -1
	if r.Fallback {
		fb = 1
	}
	switch {
	case r.FallbackDue:
		due = 1
	case r.Fallback || r.clearsDue:
		due = 0
	}
	return resultRow{id: r.ID, relay: r.RelayID, channel: r.SentChannel, fallback: fb, due: due,
		provider: truncateASCII(r.ProviderID, 40), code: truncateASCII(r.Code, 32), reason: render.TruncateRunes(r.Reason, 255),
		sentAt: sqlTime(r.SentAt), resultAt: sqlTime(r.ResultAt)}
}

// partEnd is the end of the statement that writes rows (in id order) from
// rows[i]: at most resultBatch of them, within resultSpan ids.
func partEnd(rows []resultRow, i int) int {
	n := 1
	for i+n < len(rows) && n < resultBatch && rows[i+n].id-rows[i].id < resultSpan {
		n++
	}
	return i + n
}

// unsetTime is the sent or result time that leaves a row's own as it is.
const unsetTime = "1970-01-02"

// resultColumn is a result column ApplyResults writes: its name, whether two
// rows' values are the same, whether a row's value leaves the row's own as it
// is (no relay, channel, provider id or time; no fallback), and its literal.
type resultColumn struct {
	name  string
	same  func(a, b resultRow) bool
	keep  func(r resultRow) bool
	write func(t *sqlText, r resultRow)
}

// resultColumns are written in this order, after the status.
var resultColumns = []resultColumn{
	{"relay_id", func(a, b resultRow) bool { return a.relay == b.relay },
		func(r resultRow) bool { return r.relay <= 0 }, func(t *sqlText, r resultRow) { t.int(r.relay) }},
	{"sent_channel", func(a, b resultRow) bool { return a.channel == b.channel },
		func(r resultRow) bool { return r.channel == "" }, func(t *sqlText, r resultRow) { t.str(r.channel) }},
	{"fallback", func(a, b resultRow) bool { return a.fallback == b.fallback },
		func(r resultRow) bool { return r.fallback == 0 }, func(t *sqlText, r resultRow) { t.int(int64(r.fallback)) }},
	{"fallback_due", func(a, b resultRow) bool { return a.due == b.due },
		func(r resultRow) bool { return r.due < 0 }, func(t *sqlText, r resultRow) { t.int(int64(r.due)) }},
	{"provider_id", func(a, b resultRow) bool { return a.provider == b.provider },
		func(r resultRow) bool { return r.provider == "" }, func(t *sqlText, r resultRow) { t.str(r.provider) }},
	{"code", func(a, b resultRow) bool { return a.code == b.code },
		func(resultRow) bool { return false }, func(t *sqlText, r resultRow) { t.str(r.code) }},
	{"reason", func(a, b resultRow) bool { return a.reason == b.reason },
		func(resultRow) bool { return false }, func(t *sqlText, r resultRow) { t.str(r.reason) }},
	{"sent_at", func(a, b resultRow) bool { return a.sentAt == b.sentAt },
		func(r resultRow) bool { return r.sentAt <= unsetTime }, func(t *sqlText, r resultRow) { t.str(r.sentAt) }},
	{"result_at", func(a, b resultRow) bool { return a.resultAt == b.resultAt },
		func(r resultRow) bool { return r.resultAt <= unsetTime }, func(t *sqlText, r resultRow) { t.str(r.resultAt) }},
}

// handOverColumns are the columns of a hand-over (CompleteOwedHandOvers): how
// the message went out, not what became of it.
var handOverColumns = slices.DeleteFunc(slices.Clone(resultColumns), func(c resultColumn) bool {
	return c.name == "fallback_due" || c.name == "code" || c.name == "reason" || c.name == "result_at"
})

// handOverColumnsKeepingSent are handOverColumns but the send time
// (CompleteHandOvers): a chunk stamps its hand-overs when the relay has
// answered, later than a report that came first says the message arrived,
// and the report already gave the message its claim's time, taken just
// before the send.
var handOverColumnsKeepingSent = slices.DeleteFunc(slices.Clone(handOverColumns), func(c resultColumn) bool {
	return c.name == "sent_at"
})

// resultUpdate writes into t the UPDATE of status and the rows' results
// (rows in id order, within resultSpan), up to and including its WHERE's id
// condition, with the values as literals (columnsUpdate). With fromClaim, a
// row still sending without a send time takes its claim's (applyReports);
// that is assigned first, while m.status is still the row's own.
func resultUpdate(t *sqlText, status string, rows []resultRow, fromClaim bool) {
	t.sql(`UPDATE campaign_messages m FORCE INDEX (PRIMARY) SET `)
	if fromClaim {
		t.sql(`m.sent_at = IF(m.status = 'sending' AND m.sent_at < '` + unsetTime + `', m.claimed_at, m.sent_at), `)
	}
	t.sql(`m.status = `)
	t.str(status)
	columnsUpdate(t, resultColumns, rows)
}

// columnsUpdate writes into t, after an UPDATE's first assignment, the rows'
// values of columns and the WHERE's id condition. A column the rows share is
// written once (or left out, when the shared value keeps the row's own); a
// varying column is COALESCE(ELT(m.id - (first id - 1), v₁, …, vₙ), own) with
// an entry per id of the range, NULL where a row keeps its own or no row of
// the statement has that id.
func columnsUpdate(t *sqlText, columns []resultColumn, rows []resultRow) {
	first := rows[0].id
	for _, c := range columns {
		same := true
		for _, r := range rows[1:] {
			if !c.same(rows[0], r) {
				same = false
				break
			}
		}
		if same {
			if !c.keep(rows[0]) {
				t.sql(", m." + c.name + " = ")
				c.write(t, rows[0])
			}
			continue
		}
		t.sql(", m." + c.name + " = COALESCE(ELT(m.id - ")
		t.int(first - 1)
		next := first
		for _, r := range rows {
			for ; next < r.id; next++ {
				t.sql(",NULL")
			}
			next = r.id + 1
			t.sql(",")
			if c.keep(r) {
				t.sql("NULL")
			} else {
				c.write(t, r)
			}
		}
		t.sql("), m." + c.name + ")")
	}
	t.sql(resultNotBeforeSent)
	resultIDs(t, rows)
}

// resultNotBeforeSent, the last assignment of a result or hand-over UPDATE
// (assignments are made left to right, so it reads the row as written), keeps
// a message's outcome from predating its send: a report carries the relay's
// clock at the relay's resolution (Aligo's to the second, the simulator's to
// the millisecond), a send time ours, so a report of a message delivered at
// once can say it arrived before we record handing it over.
const resultNotBeforeSent = ", m.result_at = IF(m.result_at > '" + unsetTime + "' AND m.result_at < m.sent_at, m.sent_at, m.result_at)"

// resultIDs writes the WHERE of rows' ids (in id order): a range when they are
// consecutive.
func resultIDs(t *sqlText, rows []resultRow) {
	first, last := rows[0].id, rows[len(rows)-1].id
	if last-first+1 == int64(len(rows)) {
		t.sql(" WHERE m.id BETWEEN ")
		t.int(first)
		t.sql(" AND ")
		t.int(last)
		return
	}
	t.sql(" WHERE m.id IN (")
	for i, r := range rows {
		if i > 0 {
			t.sql(",")
		}
		t.int(r.id)
	}
	t.sql(")")
}

func truncateASCII(s string, n int) string {
	out := make([]byte, 0, min(len(s), n))
	for i := 0; i < len(s) && len(out) < n; i++ {
		if s[i] < 0x80 {
			out = append(out, s[i])
		}
	}
	return string(out)
}

// RevertToPending gives back messages the claim at holds (their send did not
// happen): rows a later attempt has taken over since are that attempt's. The
// code of a hold in doubt goes with them (see ChunkMessage.HeldInDoubt).
func (s *Store) RevertToPending(ctx context.Context, k CampaignKey, at time.Time, ids []int64) error {
	for i := 0; i < len(ids); i += 5000 {
		q, args, _ := sqlx.In(`UPDATE campaign_messages SET status = 'pending', code = '', reason = ''
			WHERE campaign_id = ? AND account_id = ? AND status = 'sending' AND claimed_at = ? AND id IN (?)`,
			k.ID, k.AccountID, sqlTime(at), ids[i:min(i+5000, len(ids))])
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("revert messages to pending: %w", err)
		}
	}
	return nil
}
