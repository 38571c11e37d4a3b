package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/render"
)

// AwaitedRelay is a relay with messages of the campaign awaiting reports.
type AwaitedRelay struct {
	RelayID     int64     `db:"relay_id"`
	Awaiting    int64     `db:"awaiting"`
	FirstID     int64     `db:"first_id"` // the lowest id among them
	FirstSentAt time.Time `db:"first_sent_at"`
	// Owed: how many of them are owed their fallback or have it being sent
	// (OwedMessagesFrom, ClaimOwed).
	Owed int64 `db:"owed"`
}

// AwaitedRelays lists, per relay, the campaign's messages with ids in [first,
// last] still awaiting a report. It reads every row of the range, a large
// range in parts side by side (inIDRanges): the first report poll after a
// send reads the whole campaign before it asks any relay.
func (s *Store) AwaitedRelays(ctx context.Context, k CampaignKey, first, last int64) ([]AwaitedRelay, error) {
	var (
		out []AwaitedRelay
		mu  sync.Mutex
	)
	err := inIDRanges(ctx, first, last, func(ctx context.Context, lo, hi int64) error {
		var part []AwaitedRelay
		if err := s.db.SelectContext(ctx, &part, `SELECT relay_id, COUNT(*) AS awaiting, MIN(id) AS first_id, MIN(sent_at) AS first_sent_at,
				SUM(fallback_due > 0) AS owed
			FROM campaign_messages FORCE INDEX (PRIMARY)
			WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent' GROUP BY relay_id`,
			lo, hi, k.ID, k.AccountID); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, p := range part {
			i := slices.IndexFunc(out, func(aw AwaitedRelay) bool { return aw.RelayID == p.RelayID })
			if i < 0 {
				out = append(out, p)
				continue
			}
			out[i].Awaiting += p.Awaiting
			out[i].Owed += p.Owed
			out[i].FirstID = min(out[i].FirstID, p.FirstID)
			if p.FirstSentAt.Before(out[i].FirstSentAt) {
				out[i].FirstSentAt = p.FirstSentAt
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b AwaitedRelay) int { return cmp.Compare(a.RelayID, b.RelayID) })
	return out, nil
}

// FirstAwaited answers the lowest id in [first, last] of the campaign's
// messages still awaiting a report, 0 when none does. It reads the range in id
// order up to that message.
func (s *Store) FirstAwaited(ctx context.Context, k CampaignKey, first, last int64) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT id FROM campaign_messages FORCE INDEX (PRIMARY)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent' ORDER BY id LIMIT 1`,
		first, last, k.ID, k.AccountID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("first message of campaign %d awaiting a report: %w", k.ID, err)
	}
	return id, nil
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
				SET m.status = j.st, m.code = j.cd, m.reason = j.rs, m.result_at = GREATEST(CAST(j.ra AS DATETIME(6)), m.sent_at)
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
	// A message owed its fallback awaits no report of this relay: the
	// fallback goes through the SMS relays.
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
		SET status = 'unknown', code = ?, reason = ?, result_at = ?
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND relay_id = ? AND status = 'sent' AND fallback_due = 0`,
		truncateASCII(code, 32), render.TruncateRunes(reason, 255), sqlTime(at), first, last, k.ID, k.AccountID, relayID)
	if err != nil {
		return 0, fmt.Errorf("give up reports of relay %d: %w", relayID, err)
	}
	return res.RowsAffected()
}

// GiveUpReports marks the campaign's messages still awaiting a report unknown,
// and those still owed their fallback failed, as their AlimTalk's report said
// (a fallback being sent may have gone out: unknown). It answers how many
// became unknown, and the ids of those it failed (for their statistics).
func (s *Store) GiveUpReports(ctx context.Context, k CampaignKey, first, last int64, at time.Time) (unknown int64, failed []int64, err error) {
	if err := s.db.SelectContext(ctx, &failed, `SELECT id FROM campaign_messages m FORCE INDEX (PRIMARY)
		WHERE m.id BETWEEN ? AND ?`+owedWhere, first, last, k.ID, k.AccountID); err != nil {
		return 0, nil, err
	}
	for part := range slices.Chunk(failed, resultBatch) {
		var list sqlText
		list.ints(part)
		if _, err := s.db.ExecContext(ctx, `UPDATE campaign_messages m
			SET m.status = 'failed', m.fallback_due = 0, m.result_at = ?,
				m.reason = LEFT(CONCAT(m.reason, '; its fallback could not be sent before the deadline'), 255)
			WHERE m.id IN `+list.String()+owedWhere, sqlTime(at), k.ID, k.AccountID); err != nil {
			return 0, nil, err
		}
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
		SET status = 'unknown', code = 'no_report', reason = 'no delivery report before the deadline', result_at = ?, fallback_due = 0
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent'`, sqlTime(at), first, last, k.ID, k.AccountID)
	if err != nil {
		return 0, nil, err
	}
	unknown, _ = res.RowsAffected()
	return unknown, failed, nil
}

// SentReport names the send a delivery report is about: its message and the
// campaign run that sent it (a retry run's key, "42-r2", names it; the relay
// echoes the key).
type SentReport struct {
	MessageID int64
	Run       int
}

// OutrunReports answers which of reports (read from a relay of the account)
// are about a send their message has been reset from since: a retry
// (RetryCampaign) sends a failed message again in a later run, and the
// earlier send's report read again afterwards (a relay that delivers its
// reports again, a page read again after it was held) must not move the new
// one. A report of run r about a message whose campaign has run since is
// outrun when the message is pending or being sent again (a run that ends
// leaves nothing sending, and a retry resets what it sends again to pending),
// or was handed over after run r ended (campaign_runs.previous_end of the first
// recorded run after r). A message run r left awaiting its report, which a
// retry does not send again, was handed over before, and takes it. Reports
// about campaigns never retried cost one read of the account's retried
// campaigns, from an index alone (ix_campaigns_retried).
func (s *Store) OutrunReports(ctx context.Context, accountID int64, reports []SentReport) ([]bool, error) {
	outrun := make([]bool, len(reports))
	if len(reports) == 0 {
		return outrun, nil
	}
	lo, hi := reports[0].MessageID, reports[0].MessageID
	for _, r := range reports {
		lo, hi = min(lo, r.MessageID), max(hi, r.MessageID)
	}
	var retried []struct {
		Run   int   `db:"run"`
		First int64 `db:"first_message_id"`
		Last  int64 `db:"last_message_id"`
	}
	if err := s.db.SelectContext(ctx, &retried, `SELECT run, first_message_id, last_message_id FROM campaigns FORCE INDEX (ix_campaigns_retried)
		WHERE account_id = ? AND run > 1 AND last_message_id >= ? AND first_message_id <= ?`, accountID, lo, hi); err != nil {
		return nil, fmt.Errorf("find the retried campaigns of account %d: %w", accountID, err)
	}
	var ids []int64
	for _, r := range reports {
		for _, c := range retried {
			if r.MessageID >= c.First && r.MessageID <= c.Last && r.Run < c.Run {
				ids = append(ids, r.MessageID)
				break
			}
		}
	}
	if len(ids) == 0 {
		return outrun, nil
	}
	// Campaigns' id ranges may overlap: each message's own campaign decides.
	var q sqlText
	q.sql(`SELECT m.id, m.campaign_id, c.run, m.status IN ('pending', 'sending') AS unsent, m.sent_at
		FROM campaign_messages m JOIN campaigns c ON c.id = m.campaign_id WHERE m.account_id = `)
	q.int(accountID)
	q.sql(" AND m.id IN ")
	q.ints(ids)
	type message struct {
		ID       int64     `db:"id"`
		Campaign int64     `db:"campaign_id"`
		Run      int       `db:"run"`
		Unsent   bool      `db:"unsent"`
		SentAt   time.Time `db:"sent_at"`
	}
	var rows []message
	if err := s.db.SelectContext(ctx, &rows, q.String()); err != nil {
		return nil, fmt.Errorf("read the messages %d reports of earlier runs are about: %w", len(ids), err)
	}
	byID := make(map[int64]message, len(rows))
	campaigns := make([]int64, 0, len(rows))
	for _, m := range rows {
		byID[m.ID] = m
		if !slices.Contains(campaigns, m.Campaign) {
			campaigns = append(campaigns, m.Campaign)
		}
	}
	if len(campaigns) == 0 {
		return outrun, nil // none of them is the account's
	}
	q.b = q.b[:0]
	q.sql("SELECT campaign_id, run, previous_end FROM campaign_runs WHERE account_id = ")
	q.int(accountID)
	q.sql(" AND campaign_id IN ")
	q.ints(campaigns)
	var runs []struct {
		Campaign int64     `db:"campaign_id"`
		Run      int       `db:"run"`
		End      time.Time `db:"previous_end"`
	}
	if err := s.db.SelectContext(ctx, &runs, q.String()); err != nil {
		return nil, fmt.Errorf("read the run records of %d campaigns: %w", len(campaigns), err)
	}
	type runKey struct {
		campaign int64
		run      int
	}
	ended := make(map[runKey]time.Time, len(runs))
	for _, r := range runs {
		ended[runKey{r.Campaign, r.Run}] = r.End
	}
	for i, r := range reports {
		m, ok := byID[r.MessageID]
		if !ok || r.Run >= m.Run {
			continue
		}
		if m.Unsent {
			outrun[i] = true
			continue
		}
		// Run r ended no later than the first run after it that was
		// recorded (a campaign retried before runs were recorded has
		// none: a message it handed over takes its reports as before).
		for next := r.Run + 1; next <= m.Run; next++ {
			if after, known := ended[runKey{m.Campaign, next}]; known {
				outrun[i] = m.SentAt.After(after)
				break
			}
		}
	}
	return outrun, nil
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

// OwedFallbacks answers which of the messages ids (of any campaign of the
// account: a relay's report stream is shared) an AlimTalk failure report would
// leave owed an SMS/LMS fallback: AlimTalks still awaiting their report, whose
// fallback has not been sent and which have fallback text. An AlimTalk still
// sending in its chunk is one too: another campaign's poll may read its report
// before the chunk writes the hand-over (CompleteHandOvers).
func (s *Store) OwedFallbacks(ctx context.Context, accountID int64, ids []int64) (map[int64]bool, error) {
	owed := map[int64]bool{}
	for part := range slices.Chunk(ids, resultBatch) {
		var q sqlText
		q.sql("SELECT id FROM campaign_messages WHERE account_id = ")
		q.int(accountID)
		q.sql(" AND (status = 'sent' AND sent_channel = 'alimtalk' OR status = 'sending' AND channel = 'alimtalk')")
		q.sql(" AND fallback = 0 AND fallback_due < 2 AND fallback_body <> '' AND id IN ")
		q.ints(part)
		var found []int64
		if err := s.db.SelectContext(ctx, &found, q.String()); err != nil {
			return nil, fmt.Errorf("find the messages owed a fallback: %w", err)
		}
		for _, id := range found {
			owed[id] = true
		}
	}
	return owed, nil
}

// owedWhere selects campaign k's messages owed their fallback: awaiting, with
// the mark (MessageResult.FallbackDue) and no fallback sent.
const owedWhere = ` AND m.campaign_id = ? AND m.account_id = ? AND m.status = 'sent' AND m.fallback_due = 1 AND m.fallback = 0`

// OwedMessages loads those of the messages ids that campaign k owes their
// fallback (ChunkMessage.Code is the AlimTalk's failure).
func (s *Store) OwedMessages(ctx context.Context, k CampaignKey, ids []int64) ([]ChunkMessage, error) {
	var out []ChunkMessage
	for part := range slices.Chunk(ids, resultBatch) {
		var q sqlText
		q.sql("SELECT " + chunkColumns + " FROM campaign_messages m WHERE m.id IN ")
		q.ints(part)
		q.sql(owedWhere + " ORDER BY m.id")
		ms, err := s.scanChunk(ctx, 0, 0, q.String(), k.ID, k.AccountID)
		if err != nil {
			return nil, fmt.Errorf("load the messages owed a fallback: %w", err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// OwedMessagesFrom loads up to limit messages with ids in [first, last] that
// campaign k owes their fallback, in id order: those a report poll marked and
// did not send (its worker died, or no relay took them then).
func (s *Store) OwedMessagesFrom(ctx context.Context, k CampaignKey, first, last int64, limit int) ([]ChunkMessage, error) {
	ms, err := s.scanChunk(ctx, 0, 0, `SELECT `+chunkColumns+` FROM campaign_messages m FORCE INDEX (PRIMARY)
		WHERE m.id BETWEEN ? AND ?`+owedWhere+` ORDER BY m.id LIMIT ?`, first, last, k.ID, k.AccountID, limit)
	if err != nil {
		return nil, fmt.Errorf("load the messages owed a fallback: %w", err)
	}
	return ms, nil
}

// ClaimOwed claims, for one sending of their fallbacks, those of the messages
// ids that campaign k still owes theirs (fallback_due 1 → 2, stamped with at
// in claimed_at, which a sent message no longer needs), and answers the ids
// this claim holds. Two polls at once (one that outlived its heartbeat
// timeout, and its retry) never both send a fallback; a report read again
// meanwhile does not touch a claimed message (reportScope).
func (s *Store) ClaimOwed(ctx context.Context, k CampaignKey, ids []int64, at time.Time) (map[int64]bool, error) {
	mine := map[int64]bool{}
	// The rows still owed are locked as they are read, so the UPDATE takes
	// exactly those, and no other claim (even one stamped with the same at)
	// can take any of them meanwhile.
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		for part := range slices.Chunk(ids, resultBatch) {
			var list sqlText
			list.ints(part)
			var got []int64
			if err := tx.SelectContext(ctx, &got, `SELECT m.id FROM campaign_messages m WHERE m.id IN `+list.String()+owedWhere+
				` ORDER BY m.id FOR UPDATE`, k.ID, k.AccountID); err != nil {
				return err
			}
			if len(got) == 0 {
				continue
			}
			list.b = list.b[:0]
			list.ints(got)
			if _, err := tx.ExecContext(ctx, `UPDATE campaign_messages m SET m.fallback_due = 2, m.claimed_at = ?
				WHERE m.id IN `+list.String()+owedWhere, sqlTime(at), k.ID, k.AccountID); err != nil {
				return err
			}
			for _, id := range got {
				mine[id] = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim the fallbacks owed: %w", err)
	}
	return mine, nil
}

// ApplyOwedResults writes the outcomes of the fallbacks a claim (ClaimOwed at
// at) sent, onto the messages that claim still holds, and answers the rows
// changed by status. A fallback no relay took goes back to owed.
func (s *Store) ApplyOwedResults(ctx context.Context, k CampaignKey, results []MessageResult, retry []int64, at time.Time) (map[string]int64, error) {
	where := movedFrom(k.AccountID, []string{MessageSent})
	where.sql(" AND m.campaign_id = ")
	where.int(k.ID)
	where.sql(" AND m.fallback_due = 2 AND m.claimed_at = ")
	where.str(sqlTime(at))
	// First what certainly did not go out: should the results fail to be
	// written, the claim left on the rest is settled as maybe sent
	// (SettleStaleOwed), never these.
	if err := s.giveBackOwed(ctx, retry, where); err != nil {
		return nil, err
	}
	results = slices.Clone(results)
	for i := range results {
		results[i].clearsDue = true
	}
	_, changed, err := s.applyResults(ctx, k.AccountID, results, where, 0)
	return changed, err
}

// CompleteOwedHandOvers writes the relay's message id and the send time of
// the fallbacks a claim (ClaimOwed at at) sent whose own delivery report came
// before ApplyOwedResults wrote them (changed is what that answered): the
// report gave such a message its outcome, the fallback's relay and channel
// (reportScope) and took the claim's mark, so that write passed it by.
func (s *Store) CompleteOwedHandOvers(ctx context.Context, k CampaignKey, results []MessageResult, changed map[string]int64, at time.Time) error {
	var where sqlText
	where.sql(" AND m.account_id = ")
	where.int(k.AccountID)
	where.sql(" AND m.campaign_id = ")
	where.int(k.ID)
	where.sql(" AND m.status IN ")
	where.strs([]string{MessageDelivered, MessageFailed})
	where.sql(" AND m.fallback = 1 AND m.fallback_due = 0 AND m.claimed_at = ")
	where.str(sqlTime(at))
	return s.writeHandOvers(ctx, handOverColumns, handOverRows(results, changed), where)
}

// giveBackOwed makes the fallbacks of retry, which no relay took, owed again.
func (s *Store) giveBackOwed(ctx context.Context, retry []int64, where sqlText) error {
	for part := range slices.Chunk(retry, resultBatch) {
		var q sqlText
		q.sql("UPDATE campaign_messages m SET m.fallback_due = 1 WHERE m.id IN ")
		q.ints(part)
		q.b = append(q.b, where.b...)
		if _, err := s.db.ExecContext(ctx, q.String()); err != nil {
			return fmt.Errorf("give back the fallbacks no relay took: %w", err)
		}
	}
	return nil
}

// SettleStaleOwed records unknown the messages of campaign k with ids in
// [first, last] whose fallback a poll claimed before before and never wrote
// back (its worker died, perhaps after the relay took the fallback: it is not
// sent again), and answers how many.
func (s *Store) SettleStaleOwed(ctx context.Context, k CampaignKey, first, last int64, before, at time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY)
		SET status = 'unknown', fallback_due = 0, result_at = ?,
			reason = LEFT(CONCAT(reason, '; its fallback may have been sent, but the outcome was never written'), 255)
		WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sent' AND fallback_due = 2
			AND fallback = 0 AND claimed_at < ?`, sqlTime(at), first, last, k.ID, k.AccountID, sqlTime(before))
	if err != nil {
		return 0, fmt.Errorf("settle the fallbacks left claimed: %w", err)
	}
	return res.RowsAffected()
}
