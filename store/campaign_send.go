package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
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
}

// ChunkMessages loads the messages with ids in [from, to] that are not final:
// pending, or sending (claimed by an attempt that may have died mid-send).
func (s *Store) ChunkMessages(ctx context.Context, k CampaignKey, from, to int64) ([]ChunkMessage, error) {
	var ms []ChunkMessage
	err := s.db.SelectContext(ctx, &ms, `SELECT id, customer_id, recipient, name, channel, subject, body, buttons,
		fallback_channel, fallback_subject, fallback_body, status, attempt, claimed_at
		FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status IN ('pending', 'sending') ORDER BY id`,
		from, to, k.ID, k.AccountID)
	if err != nil {
		return nil, fmt.Errorf("load chunk %d-%d of campaign %d: %w", from, to, k.ID, err)
	}
	return ms, nil
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
}

// resultBatch is how many rows one JSON_TABLE update carries.
const resultBatch = 500

// ApplyResults writes outcomes to messages still in one of the from statuses,
// 500 rows per statement (UPDATE ... JOIN JSON_TABLE), and answers how many rows
// changed for each new status. A row that has meanwhile moved on is left alone,
// so replaying results is harmless.
//
// A statement's JSON carries per row only the columns whose values differ
// between its rows; the rest are parameters. A relay's hand-over of a slice
// differs only in the provider id (the status, relay, channel and sent time
// are the slice's), a page of delivery reports only in the result time, and
// MariaDB's cost of the statement follows what it reads per row
// (BenchmarkHandOverWrite).
func (s *Store) ApplyResults(ctx context.Context, accountID int64, results []MessageResult, from ...string) (map[string]int64, error) {
	changed := map[string]int64{}
	if len(results) == 0 {
		return changed, nil
	}
	byStatus := map[string][]resultRow{}
	var order []string
	for _, r := range results {
		if _, ok := byStatus[r.Status]; !ok {
			order = append(order, r.Status)
		}
		fb := 0
		if r.Fallback {
			fb = 1
		}
		byStatus[r.Status] = append(byStatus[r.Status], resultRow{id: r.ID, relay: r.RelayID, channel: r.SentChannel, fallback: fb,
			provider: truncateASCII(r.ProviderID, 40), code: truncateASCII(r.Code, 32), reason: render.TruncateRunes(r.Reason, 255),
			sentAt: sqlTime(r.SentAt), resultAt: sqlTime(r.ResultAt)})
	}
	fromSQL, fromArgs, _ := sqlx.In(`m.status IN (?)`, from)
	err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		for _, st := range order {
			rows := byStatus[st]
			for i := 0; i < len(rows); i += resultBatch {
				part := rows[i:min(i+resultBatch, len(rows))]
				q, args := resultUpdate(st, part)
				// The JSON rows drive the join and find their message by primary key,
				// whatever the table statistics say. Left to the optimizer, stale
				// statistics (a freshly filled table after a server restart says 0
				// rows) make it scan the messages and re-read the JSON per message:
				// tens of seconds a statement, lock waits, a stalled campaign.
				res, err := tx.ExecContext(ctx, q+` WHERE m.account_id = ? AND `+fromSQL, append(append(args, accountID), fromArgs...)...)
				if err != nil {
					return fmt.Errorf("write %d %s results: %w", len(part), st, err)
				}
				n, _ := res.RowsAffected()
				changed[st] += n
			}
		}
		return nil
	})
	return changed, err
}

// resultRow is a MessageResult as it is stored: truncated, times formatted.
type resultRow struct {
	id                     int64
	relay                  int64
	channel                string
	fallback               int
	provider, code, reason string
	sentAt, resultAt       string
}

// unsetTime is the sent or result time that leaves a row's own as it is.
const unsetTime = "1970-01-02"

// resultColumn is a result column ApplyResults writes: its JSON key and
// JSON_TABLE column, its value in a row, the SET for a value the rows share
// (false: leave the row's own) and the SET from the JSON column.
type resultColumn struct {
	key, def string
	of       func(resultRow) any
	shared   func(v any) (string, bool)
	varying  string
}

// resultColumns are written in this order, after the status.
var resultColumns = []resultColumn{
	{"r", "rl BIGINT UNSIGNED PATH '$.r'", func(r resultRow) any { return r.relay },
		func(v any) (string, bool) { return "m.relay_id = ?", v.(int64) > 0 }, "m.relay_id = IF(j.rl > 0, j.rl, m.relay_id)"},
	{"c", "ch VARCHAR(8) PATH '$.c'", func(r resultRow) any { return r.channel },
		func(v any) (string, bool) { return "m.sent_channel = ?", v.(string) != "" }, "m.sent_channel = IF(j.ch <> '', j.ch, m.sent_channel)"},
	{"f", "fb INT PATH '$.f'", func(r resultRow) any { return r.fallback },
		func(v any) (string, bool) { return "m.fallback = GREATEST(m.fallback, ?)", v.(int) > 0 }, "m.fallback = GREATEST(m.fallback, j.fb)"},
	{"p", "pid VARCHAR(40) PATH '$.p'", func(r resultRow) any { return r.provider },
		func(v any) (string, bool) { return "m.provider_id = ?", v.(string) != "" }, "m.provider_id = IF(j.pid <> '', j.pid, m.provider_id)"},
	{"d", "cd VARCHAR(32) PATH '$.d'", func(r resultRow) any { return r.code },
		func(any) (string, bool) { return "m.code = ?", true }, "m.code = j.cd"},
	{"x", "rs VARCHAR(255) PATH '$.x'", func(r resultRow) any { return r.reason },
		func(any) (string, bool) { return "m.reason = ?", true }, "m.reason = j.rs"},
	{"sa", "sa VARCHAR(26) PATH '$.sa'", func(r resultRow) any { return r.sentAt },
		func(v any) (string, bool) { return "m.sent_at = ?", v.(string) > unsetTime }, "m.sent_at = IF(j.sa > '" + unsetTime + "', j.sa, m.sent_at)"},
	{"ra", "ra VARCHAR(26) PATH '$.ra'", func(r resultRow) any { return r.resultAt },
		func(v any) (string, bool) { return "m.result_at = ?", v.(string) > unsetTime }, "m.result_at = IF(j.ra > '" + unsetTime + "', j.ra, m.result_at)"},
}

// resultUpdate is the UPDATE (without its WHERE) writing status and the rows'
// results, and its arguments: the JSON document first, then the values the
// rows share.
func resultUpdate(status string, rows []resultRow) (string, []any) {
	same := func(f func(resultRow) any) bool {
		for _, r := range rows[1:] {
			if f(r) != f(rows[0]) {
				return false
			}
		}
		return true
	}
	first := rows[0]
	var cols, set []string
	var args []any
	var varying []resultColumn
	for _, c := range resultColumns {
		if same(c.of) {
			if clause, ok := c.shared(c.of(first)); ok {
				set = append(set, clause)
				args = append(args, c.of(first))
			}
			continue
		}
		varying = append(varying, c)
		cols = append(cols, c.def)
		set = append(set, c.varying)
	}
	// The document: per row its id and the varying columns only.
	var doc []byte
	doc = append(doc, '[')
	for i, r := range rows {
		if i > 0 {
			doc = append(doc, ',')
		}
		doc = append(doc, `{"i":`...)
		doc = strconv.AppendInt(doc, r.id, 10)
		for _, c := range varying {
			doc = append(doc, `,"`...)
			doc = append(doc, c.key...)
			doc = append(doc, `":`...)
			switch v := c.of(r).(type) {
			case int64:
				doc = strconv.AppendInt(doc, v, 10)
			case int:
				doc = strconv.AppendInt(doc, int64(v), 10)
			case string:
				b, _ := json.Marshal(v)
				doc = append(doc, b...)
			}
		}
		doc = append(doc, '}')
	}
	doc = append(doc, ']')
	q := `UPDATE JSON_TABLE(?, '$[*]' COLUMNS (id BIGINT UNSIGNED PATH '$.i'`
	for _, c := range cols {
		q += ", " + c
	}
	q += `)) j STRAIGHT_JOIN campaign_messages m FORCE INDEX (PRIMARY) ON m.id = j.id SET m.status = ?`
	for _, c := range set {
		q += ", " + c
	}
	return q, append([]any{string(doc), status}, args...)
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

// RevertToPending gives claimed messages back (their send did not happen).
func (s *Store) RevertToPending(ctx context.Context, k CampaignKey, ids []int64) error {
	for i := 0; i < len(ids); i += 5000 {
		q, args, _ := sqlx.In(`UPDATE campaign_messages SET status = 'pending'
			WHERE campaign_id = ? AND account_id = ? AND status = 'sending' AND id IN (?)`,
			k.ID, k.AccountID, ids[i:min(i+5000, len(ids))])
		if _, err := s.db.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("revert messages to pending: %w", err)
		}
	}
	return nil
}
