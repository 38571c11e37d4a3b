package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// AudienceMember is one customer a campaign goes to.
type AudienceMember struct {
	Customer
	GroupID int64 `db:"group_id"`
}

// AudienceBatch returns up to limit members of the campaign's audience with a
// customer id above after, in id order, and the cursor to continue from (0 when
// the audience is exhausted). Which customers those are is audienceCondition's
// one definition, the one the preview and counts use (the account, opt-outs,
// the groups or customers named, the event reminder's rule); a customer in
// several of the campaign's groups comes once, under the first of them.
//
// For groups and explicit customers the batch's candidates are read first from
// the membership (an index range, whatever the account's size), then loaded
// through the condition; an event reminder's audience is read through it
// directly.
func (s *Store) AudienceBatch(ctx context.Context, c Campaign, after int64, limit int) ([]AudienceMember, int64, error) {
	cond, condArgs, err := audienceCondition(c)
	if err != nil {
		return nil, 0, fmt.Errorf("campaign %d: %w", c.ID, err)
	}
	groupOf := "0"
	var groupArgs []any
	if c.AudienceKind == AudienceGroups && len(c.GroupIDs) > 0 {
		q, a, _ := sqlx.In(`(SELECT MIN(g.group_id) FROM group_members g
			WHERE g.account_id = c.account_id AND g.customer_id = c.id AND g.group_id IN (?))`, []int64(c.GroupIDs))
		groupOf, groupArgs = q, a
	}
	load := func(where string, whereArgs ...any) ([]AudienceMember, error) {
		q := `SELECT ` + audienceColumns + `, ` + groupOf + ` AS group_id FROM customers c
			WHERE ` + cond + ` AND ` + where + ` ORDER BY c.id LIMIT ?`
		args := append(append(append(append([]any{}, groupArgs...), condArgs...), whereArgs...), limit)
		var out []AudienceMember
		if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
			return nil, fmt.Errorf("load the audience of campaign %d: %w", c.ID, err)
		}
		return out, nil
	}

	var candidates []int64
	switch c.AudienceKind {
	case AudienceGroups:
		if len(c.GroupIDs) == 0 {
			return nil, 0, nil
		}
		q, args, _ := sqlx.In(`SELECT DISTINCT customer_id FROM group_members
			WHERE account_id = ? AND group_id IN (?) AND customer_id > ?
			ORDER BY customer_id LIMIT ?`, c.AccountID, []int64(c.GroupIDs), after, limit)
		if err := s.db.SelectContext(ctx, &candidates, q, args...); err != nil {
			return nil, 0, fmt.Errorf("audience of campaign %d: %w", c.ID, err)
		}
	case AudienceCustomers:
		for _, id := range uniqueIDs(c.CustomerIDs) {
			if id > after {
				candidates = append(candidates, id)
			}
		}
		slices.Sort(candidates)
		if len(candidates) > limit {
			candidates = candidates[:limit]
		}
	default: // read through the condition itself
		out, err := load(`c.id > ?`, after)
		if err != nil || len(out) == 0 {
			return nil, 0, err
		}
		return out, out[len(out)-1].ID, nil
	}
	if len(candidates) == 0 {
		return nil, 0, nil
	}
	in, inArgs, _ := sqlx.In(`c.id IN (?)`, candidates)
	out, err := load(in, inArgs...)
	if err != nil {
		return nil, 0, err
	}
	return out, candidates[len(candidates)-1], nil
}

// audienceColumns are the customer columns an AudienceMember carries.
const audienceColumns = `c.id, c.account_id, c.name, c.phone, c.email, c.attributes, c.opted_out, c.night_ad_consent,
	c.not_mobile, c.opted_out_at, c.opt_out_source, c.created_at, c.updated_at`

// NewMessage is a message materialised for one recipient.
type NewMessage struct {
	CustomerID      int64
	GroupID         int64
	Recipient       string
	Name            string
	Channel         string
	Subject, Body   string
	Buttons         string // JSON, or "" when none
	FallbackChannel string
	FallbackSubject string
	FallbackBody    string
	Links           []NewLink
	// UnsubscribeToken is the e-mail's one-click unsubscribe token ("" for
	// other channels).
	UnsubscribeToken string
}

// NewLink is a tracking link of a message's button.
type NewLink struct {
	Token string
	Index int
	URL   string
}

// InsertMessages stores a batch of messages and their tracking links. A recipient
// already in the campaign (a replayed batch) keeps its row (INSERT IGNORE on the
// unique recipient key); the replay's links then point at that row but appear in
// no message, so nobody holds them. It answers how many rows it inserted.
func (s *Store) InsertMessages(ctx context.Context, c Campaign, msgs []NewMessage) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	inserted := 0
	err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		skip := make(map[string]bool, len(msgs))
		var b strings.Builder
		b.WriteString(`INSERT IGNORE INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, subject, body, buttons, fallback_channel, fallback_subject, fallback_body) VALUES `)
		vals := make([]any, 0, len(msgs)*13)
		var withLinks []NewMessage
		for _, m := range msgs {
			if skip[m.Recipient] {
				continue
			}
			skip[m.Recipient] = true // a recipient twice in one batch is inserted once
			if len(vals) > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
			vals = append(vals, c.ID, c.AccountID, m.CustomerID, m.GroupID, m.Recipient, m.Name, m.Channel,
				m.Subject, m.Body, m.Buttons, m.FallbackChannel, m.FallbackSubject, m.FallbackBody)
			if len(m.Links) > 0 {
				withLinks = append(withLinks, m)
			}
		}
		if len(vals) == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, b.String(), vals...)
		if err != nil {
			return fmt.Errorf("insert %d messages: %w", len(vals)/13, err)
		}
		n, _ := res.RowsAffected()
		inserted = int(n)
		var unsubscribes []NewUnsubscribe
		for _, m := range msgs {
			if m.UnsubscribeToken != "" {
				unsubscribes = append(unsubscribes, NewUnsubscribe{Token: m.UnsubscribeToken, CustomerID: m.CustomerID})
			}
		}
		if err := insertUnsubscribes(ctx, tx, c, unsubscribes); err != nil {
			return err
		}
		if len(withLinks) == 0 {
			return nil
		}
		recipients := make([]string, 0, len(withLinks))
		for _, m := range withLinks {
			recipients = append(recipients, m.Recipient)
		}
		q, args, _ := sqlx.In(`SELECT id, recipient FROM campaign_messages WHERE campaign_id = ? AND account_id = ? AND recipient IN (?)`,
			c.ID, c.AccountID, recipients)
		rows, err := tx.QueryxContext(ctx, q, args...)
		if err != nil {
			return err
		}
		idOf := make(map[string]int64, len(withLinks))
		for rows.Next() {
			var id int64
			var r string
			if err := rows.Scan(&id, &r); err != nil {
				rows.Close()
				return err
			}
			idOf[r] = id
		}
		rows.Close()
		b.Reset()
		b.WriteString(`INSERT IGNORE INTO message_links (token, message_id, campaign_id, account_id, idx, url) VALUES `)
		vals = vals[:0]
		for _, m := range withLinks {
			for _, l := range m.Links {
				if len(vals) > 0 {
					b.WriteByte(',')
				}
				b.WriteString("(?,?,?,?,?,?)")
				vals = append(vals, l.Token, idOf[m.Recipient], c.ID, c.AccountID, l.Index, l.URL)
			}
		}
		if _, err := tx.ExecContext(ctx, b.String(), vals...); err != nil {
			return fmt.Errorf("insert tracking links: %w", err)
		}
		return nil
	})
	return inserted, err
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
func (s *Store) ApplyResults(ctx context.Context, accountID int64, results []MessageResult, from ...string) (map[string]int64, error) {
	changed := map[string]int64{}
	if len(results) == 0 {
		return changed, nil
	}
	type row struct {
		I  int64  `json:"i"`
		S  string `json:"s"`
		R  int64  `json:"r"`
		C  string `json:"c"`
		F  int    `json:"f"`
		P  string `json:"p"`
		D  string `json:"d"`
		X  string `json:"x"`
		SA string `json:"sa"`
		RA string `json:"ra"`
	}
	byStatus := map[string][]row{}
	var order []string
	for _, r := range results {
		if _, ok := byStatus[r.Status]; !ok {
			order = append(order, r.Status)
		}
		fb := 0
		if r.Fallback {
			fb = 1
		}
		byStatus[r.Status] = append(byStatus[r.Status], row{I: r.ID, S: r.Status, R: r.RelayID, C: r.SentChannel, F: fb,
			P: truncateASCII(r.ProviderID, 40), D: truncateASCII(r.Code, 32), X: render.TruncateRunes(r.Reason, 255),
			SA: sqlTime(r.SentAt), RA: sqlTime(r.ResultAt)})
	}
	fromSQL, fromArgs, _ := sqlx.In(`m.status IN (?)`, from)
	err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
		for _, st := range order {
			rows := byStatus[st]
			for i := 0; i < len(rows); i += resultBatch {
				part := rows[i:min(i+resultBatch, len(rows))]
				doc, _ := json.Marshal(part)
				// The JSON rows drive the join and find their message by primary key,
				// whatever the table statistics say. Left to the optimizer, stale
				// statistics (a freshly filled table after a server restart says 0
				// rows) make it scan the messages and re-read the JSON per message:
				// tens of seconds a statement, lock waits, a stalled campaign.
				res, err := tx.ExecContext(ctx, `UPDATE JSON_TABLE(?, '$[*]' COLUMNS (
						id BIGINT UNSIGNED PATH '$.i', st VARCHAR(9) PATH '$.s', rl BIGINT UNSIGNED PATH '$.r',
						ch VARCHAR(8) PATH '$.c', fb INT PATH '$.f', pid VARCHAR(40) PATH '$.p',
						cd VARCHAR(32) PATH '$.d', rs VARCHAR(255) PATH '$.x',
						sa VARCHAR(26) PATH '$.sa', ra VARCHAR(26) PATH '$.ra')) j
					STRAIGHT_JOIN campaign_messages m FORCE INDEX (PRIMARY) ON m.id = j.id
					SET m.status = j.st,
					    m.relay_id = IF(j.rl > 0, j.rl, m.relay_id),
					    m.sent_channel = IF(j.ch <> '', j.ch, m.sent_channel),
					    m.fallback = GREATEST(m.fallback, j.fb),
					    m.provider_id = IF(j.pid <> '', j.pid, m.provider_id),
					    m.code = j.cd, m.reason = j.rs,
					    m.sent_at = IF(j.sa > '1970-01-02', j.sa, m.sent_at),
					    m.result_at = IF(j.ra > '1970-01-02', j.ra, m.result_at)
					WHERE m.account_id = ? AND `+fromSQL, append([]any{string(doc), accountID}, fromArgs...)...)
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

// AwaitedRelay is a relay with messages of the campaign awaiting reports.
type AwaitedRelay struct {
	RelayID     int64     `db:"relay_id"`
	Awaiting    int64     `db:"awaiting"`
	FirstSentAt time.Time `db:"first_sent_at"`
}

// AwaitedRelays lists, per relay, the campaign's messages still awaiting a report.
func (s *Store) AwaitedRelays(ctx context.Context, k CampaignKey, first, last int64) ([]AwaitedRelay, error) {
	var out []AwaitedRelay
	err := s.db.SelectContext(ctx, &out, `SELECT relay_id, COUNT(*) AS awaiting, MIN(sent_at) AS first_sent_at
		FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent' GROUP BY relay_id ORDER BY relay_id`,
		first, last, k.ID, k.AccountID)
	return out, err
}

// AwaitedProviderIDs lists the provider request ids (Aligo mids) of a relay's
// messages in the campaign that still await a report.
func (s *Store) AwaitedProviderIDs(ctx context.Context, k CampaignKey, first, last, relayID int64) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT DISTINCT provider_id FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent' AND relay_id = ? AND provider_id <> ''`,
		first, last, k.ID, k.AccountID, relayID)
	return out, err
}

// ReportByRecipient is a delivery report matched by the provider's request id and
// the recipient (Aligo names no message id).
type ReportByRecipient struct {
	ProviderID, Recipient string
	Status                string
	Code, Reason          string
	At                    time.Time
}

// ApplyRecipientReports writes reports matched by (provider id, recipient) to the
// campaign's messages awaiting them.
func (s *Store) ApplyRecipientReports(ctx context.Context, k CampaignKey, relayID int64, reports []ReportByRecipient) (map[string]int64, error) {
	changed := map[string]int64{}
	for i := 0; i < len(reports); i += resultBatch {
		part := reports[i:min(i+resultBatch, len(reports))]
		type row struct {
			P, T, S, D, X, A string
		}
		rows := make([]row, len(part))
		for j, r := range part {
			rows[j] = row{P: r.ProviderID, T: r.Recipient, S: r.Status, D: truncateASCII(r.Code, 32), X: render.TruncateRunes(r.Reason, 255), A: sqlTime(r.At)}
		}
		doc, _ := json.Marshal(rows)
		for _, st := range []string{MessageDelivered, MessageFailed} {
			res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages m
				JOIN JSON_TABLE(?, '$[*]' COLUMNS (pid VARCHAR(40) PATH '$.P', rcpt VARCHAR(254) PATH '$.T',
					st VARCHAR(9) PATH '$.S', cd VARCHAR(32) PATH '$.D', rs VARCHAR(255) PATH '$.X', ra VARCHAR(26) PATH '$.A')) j
				  ON m.campaign_id = ? AND m.recipient = j.rcpt AND m.provider_id = j.pid
				SET m.status = j.st, m.code = j.cd, m.reason = j.rs, m.result_at = j.ra
				WHERE m.account_id = ? AND m.relay_id = ? AND m.status IN ('sent', 'sending') AND j.st = ?`,
				string(doc), k.ID, k.AccountID, relayID, st)
			if err != nil {
				return changed, fmt.Errorf("apply reports: %w", err)
			}
			n, _ := res.RowsAffected()
			changed[st] += n
		}
	}
	return changed, nil
}

// GiveUpRelayReports marks the campaign's messages that still await a report of
// relayID unknown, with code and reason: the relay will never report them (its
// reports endpoint is missing, or it refuses our credentials).
func (s *Store) GiveUpRelayReports(ctx context.Context, k CampaignKey, first, last, relayID int64, code, reason string, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
		SET status = 'unknown', code = ?, reason = ?, result_at = ?
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND relay_id = ? AND status = 'sent'`,
		truncateASCII(code, 32), render.TruncateRunes(reason, 255), sqlTime(at), first, last, k.ID, k.AccountID, relayID)
	if err != nil {
		return 0, fmt.Errorf("give up reports of relay %d: %w", relayID, err)
	}
	return res.RowsAffected()
}

// GiveUpReports marks the campaign's messages still awaiting a report unknown.
func (s *Store) GiveUpReports(ctx context.Context, k CampaignKey, first, last int64, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
		SET status = 'unknown', code = 'no_report', reason = 'no delivery report before the deadline', result_at = ?
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent'`, sqlTime(at), first, last, k.ID, k.AccountID)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// ReportCursor reads relay's report cursor (a new relay's is empty). No lock is
// taken: pollers of one relay may read the same page; applying a report twice
// changes nothing (results are written only onto rows still awaiting one).
func (s *Store) ReportCursor(ctx context.Context, accountID, relayID int64) (string, error) {
	var cur string
	err := s.db.GetContext(ctx, &cur, `SELECT cursor_value FROM relay_report_cursors WHERE account_id = ? AND relay_id = ?`,
		accountID, relayID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("report cursor of relay %d: %w", relayID, err)
	}
	return cur, nil
}

// AdvanceReportCursor moves relay's report cursor from `from` to `to`, in one
// short statement after the reports read from `from` are applied. It answers false
// when another poller moved the cursor first (that poller is then ahead, and this
// one stops). The cursor never goes back, and no lock is held while a relay is
// being asked.
func (s *Store) AdvanceReportCursor(ctx context.Context, accountID, relayID int64, from, to string) (bool, error) {
	if from == to {
		return true, nil
	}
	res, err := s.db.ExecContext(ctx, `UPDATE relay_report_cursors SET cursor_value = ?, updated_at = ?
		WHERE account_id = ? AND relay_id = ? AND cursor_value = ?`, to, now(), accountID, relayID, from)
	if err != nil {
		return false, fmt.Errorf("advance report cursor of relay %d: %w", relayID, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return true, nil
	}
	if from != "" {
		return false, nil
	}
	// The relay's first cursor: the row may not exist yet.
	res, err = s.db.ExecContext(ctx, `INSERT IGNORE INTO relay_report_cursors (account_id, relay_id, cursor_value, updated_at)
		VALUES (?,?,?,?)`, accountID, relayID, to, now())
	if err != nil {
		return false, fmt.Errorf("store report cursor of relay %d: %w", relayID, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// CampaignCounts aggregates the campaign's messages by status with SQL.
type CampaignCounts struct {
	Total, Pending, Sending, Sent, Delivered, Failed, Unknown, Fallback int64
}

// CountMessages aggregates the campaign's messages.
func (s *Store) CountMessages(ctx context.Context, k CampaignKey, first, last int64) (CampaignCounts, error) {
	var rows []struct {
		Status   string `db:"status"`
		Fallback bool   `db:"fallback"`
		N        int64  `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT status, fallback, COUNT(*) AS n FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? GROUP BY status, fallback`,
		first, last, k.ID, k.AccountID); err != nil {
		return CampaignCounts{}, fmt.Errorf("count messages of campaign %d: %w", k.ID, err)
	}
	var c CampaignCounts
	for _, r := range rows {
		c.Total += r.N
		if r.Fallback {
			c.Fallback += r.N
		}
		switch strings.TrimSpace(r.Status) {
		case MessagePending:
			c.Pending += r.N
		case MessageSending:
			c.Sending += r.N
		case MessageSent:
			c.Sent += r.N
		case MessageDelivered:
			c.Delivered += r.N
		case MessageFailed:
			c.Failed += r.N
		case MessageUnknown:
			c.Unknown += r.N
		}
	}
	return c, nil
}

// FinalizeCampaign writes the aggregated counts and the final status.
func (s *Store) FinalizeCampaign(ctx context.Context, k CampaignKey, status string) (CampaignCounts, error) {
	accountID, campaignID := k.AccountID, k.ID
	c, err := s.Campaign(ctx, accountID, campaignID)
	if err != nil {
		return CampaignCounts{}, err
	}
	counts := CampaignCounts{}
	if c.Total > 0 {
		if counts, err = s.CountMessages(ctx, k, c.FirstMessageID, c.LastMessageID); err != nil {
			return counts, err
		}
	}
	_, err = s.db.ExecContext(ctx, `UPDATE campaigns SET status = ?, total = ?, pending = ?, sending = ?, sent = ?,
		delivered = ?, failed = ?, unknown = ?, fallback = ?, completed_at = ?, updated_at = ?
		WHERE account_id = ? AND id = ?`, status, counts.Total, counts.Pending, counts.Sending, counts.Sent,
		counts.Delivered, counts.Failed, counts.Unknown, counts.Fallback, now(), now(), accountID, campaignID)
	return counts, err
}

// CancelStrandedCampaign finishes a campaign that is still scheduled, running or
// paused as cancelled, with its counts aggregated, for a campaign whose workflow
// has ended without finishing it. It answers false (changing nothing) when the
// campaign is not in one of those states.
func (s *Store) CancelStrandedCampaign(ctx context.Context, k CampaignKey) (bool, error) {
	accountID, campaignID := k.AccountID, k.ID
	c, err := s.Campaign(ctx, accountID, campaignID)
	if err != nil {
		return false, err
	}
	counts := CampaignCounts{}
	if c.Total > 0 {
		if counts, err = s.CountMessages(ctx, k, c.FirstMessageID, c.LastMessageID); err != nil {
			return false, err
		}
	}
	var n int64
	err = s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = 'cancelled', total = ?, pending = ?, sending = ?, sent = ?,
			delivered = ?, failed = ?, unknown = ?, fallback = ?, completed_at = ?, updated_at = ?
			WHERE account_id = ? AND id = ? AND status IN ('scheduled', 'running', 'paused')`, counts.Total, counts.Pending,
			counts.Sending, counts.Sent, counts.Delivered, counts.Failed, counts.Unknown, counts.Fallback, now(), now(), accountID, campaignID)
		if err != nil {
			return fmt.Errorf("cancel stranded campaign %d: %w", campaignID, err)
		}
		if n, _ = res.RowsAffected(); n == 0 {
			return nil
		}
		return audit(ctx, tx, accountID, Change{Action: AuditCampaignCancel, Subject: SubjectCampaign, SubjectID: campaignID,
			Before: map[string]any{"status": c.Status}, After: map[string]any{"status": CampaignCancelled}})
	})
	return n == 1, err
}

// RangeCount is how many messages of an id range a relay holds in a status.
type RangeCount struct {
	RelayID  int64  `db:"relay_id"`
	Status   string `db:"status"`
	Fallback bool   `db:"fallback"`
	N        int64  `db:"n"`
}

// RangeCounts counts the messages with ids in [from, to] by relay, status and
// fallback: what a chunk's range holds, whichever attempt wrote it.
func (s *Store) RangeCounts(ctx context.Context, k CampaignKey, from, to int64) ([]RangeCount, error) {
	var out []RangeCount
	err := s.db.SelectContext(ctx, &out, `SELECT relay_id, status, fallback, COUNT(*) AS n
		FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? GROUP BY relay_id, status, fallback ORDER BY relay_id`,
		from, to, k.ID, k.AccountID)
	return out, err
}
