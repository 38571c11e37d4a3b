package store

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"time"

	"github.com/jmoiron/sqlx"
)

// StatsBlock is how many consecutive message ids one roll-up row set covers.
const StatsBlock = 10000

// BlocksOf lists the roll-up blocks of message ids in [first, last].
func BlocksOf(first, last int64) []int64 {
	var out []int64
	for b := first / StatsBlock; b <= last/StatsBlock && last > 0; b++ {
		out = append(out, b)
	}
	return out
}

// BlocksOfIDs lists the distinct roll-up blocks of ids, sorted.
func BlocksOfIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	var out []int64
	for _, id := range ids {
		if b := id / StatsBlock; !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// RollUp recomputes the hourly statistics of the given blocks from the messages
// themselves. It is idempotent: run it whenever messages of a block change.
func (s *Store) RollUp(ctx context.Context, blocks []int64) error {
	for _, b := range blocks {
		lo, hi := b*StatsBlock, b*StatsBlock+StatsBlock-1
		err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
			// Deleting first locks the block's rows, so concurrent roll-ups of one
			// block take turns and the last one writes the newest state.
			if _, err := tx.ExecContext(ctx, `DELETE FROM message_stats WHERE block_id = ?`, b); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO message_stats (block_id, account_id, hour, sent, delivered, failed)
				SELECT ?, account_id, h, SUM(s), SUM(d), SUM(f) FROM (
					SELECT account_id, DATE_FORMAT(sent_at, '%Y-%m-%d %H:00:00') AS h, 1 AS s, 0 AS d, 0 AS f
					  FROM campaign_messages WHERE id BETWEEN ? AND ? AND sent_at > '1970-01-02'
					UNION ALL
					SELECT account_id, DATE_FORMAT(result_at, '%Y-%m-%d %H:00:00'), 0, status = 'delivered', status = 'failed'
					  FROM campaign_messages WHERE id BETWEEN ? AND ? AND result_at > '1970-01-02' AND status IN ('delivered', 'failed')
				) x GROUP BY account_id, h
				ON DUPLICATE KEY UPDATE sent = VALUES(sent), delivered = VALUES(delivered), failed = VALUES(failed)`,
				b, lo, hi, lo, hi)
			return err
		})
		if err != nil {
			return fmt.Errorf("roll up block %d: %w", b, err)
		}
	}
	return nil
}

// HourStats is one hour of an account's outcomes.
type HourStats struct {
	Hour      time.Time `db:"hour"`
	Sent      int64     `db:"sent"`
	Delivered int64     `db:"delivered"`
	Failed    int64     `db:"failed"`
	Clicks    int64     `db:"clicks"`
}

// HourlyStats answers the account's hours in [from, to) that had any activity.
func (s *Store) HourlyStats(ctx context.Context, accountID int64, from, to time.Time) ([]HourStats, error) {
	var msgs []HourStats
	if err := s.db.SelectContext(ctx, &msgs, `SELECT hour, SUM(sent) AS sent, SUM(delivered) AS delivered,
		SUM(failed) AS failed, 0 AS clicks FROM message_stats
		WHERE account_id = ? AND hour >= ? AND hour < ? GROUP BY hour ORDER BY hour`,
		accountID, sqlTime(from), sqlTime(to)); err != nil {
		return nil, fmt.Errorf("hourly statistics: %w", err)
	}
	var clicks []struct {
		Hour time.Time `db:"hour"`
		N    int64     `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &clicks, `SELECT CAST(DATE_FORMAT(clicked_at, '%Y-%m-%d %H:00:00') AS DATETIME) AS hour, COUNT(*) AS n
		FROM clicks WHERE account_id = ? AND bot = 0 AND clicked_at >= ? AND clicked_at < ? GROUP BY hour`,
		accountID, sqlTime(from), sqlTime(to)); err != nil {
		return nil, fmt.Errorf("hourly clicks: %w", err)
	}
	byHour := map[time.Time]int{}
	for i, m := range msgs {
		byHour[m.Hour.UTC()] = i
	}
	for _, c := range clicks {
		if i, ok := byHour[c.Hour.UTC()]; ok {
			msgs[i].Clicks = c.N
		} else {
			msgs = append(msgs, HourStats{Hour: c.Hour, Clicks: c.N})
		}
	}
	sort.Slice(msgs, func(i, j int) bool { return msgs[i].Hour.Before(msgs[j].Hour) })
	return msgs, nil
}

// CurrentStats are an account's figures now.
type CurrentStats struct {
	Customers       int64 `db:"customers"`
	Groups          int64 `db:"groups"`
	Campaigns       int64 `db:"campaigns"`
	Sent            int64 `db:"sent"`
	Delivered       int64 `db:"delivered"`
	Failed          int64 `db:"failed"`
	ClickedMessages int64 `db:"clicked_messages"`
	Clicks          int64 `db:"clicks"`
}

// Current answers the account's figures from counts and roll-ups. The customer
// count is account_counts' (kept by triggers in the same statements that add or
// remove customers), never a COUNT(*) over a million customers.
func (s *Store) Current(ctx context.Context, accountID int64) (CurrentStats, error) {
	var c CurrentStats
	err := s.db.GetContext(ctx, &c, `SELECT
		(SELECT COALESCE(SUM(customers), 0) FROM account_counts WHERE account_id = ?) AS customers,
		(SELECT COUNT(*) FROM customer_groups WHERE account_id = ?) AS `+"`groups`"+`,
		(SELECT COUNT(*) FROM campaigns WHERE account_id = ?) AS campaigns,
		(SELECT COALESCE(SUM(sent), 0) FROM message_stats WHERE account_id = ?) AS sent,
		(SELECT COALESCE(SUM(delivered), 0) FROM message_stats WHERE account_id = ?) AS delivered,
		(SELECT COALESCE(SUM(failed), 0) FROM message_stats WHERE account_id = ?) AS failed,
		(SELECT COUNT(DISTINCT message_id) FROM clicks WHERE account_id = ? AND bot = 0) AS clicked_messages,
		(SELECT COUNT(*) FROM clicks WHERE account_id = ? AND bot = 0) AS clicks`,
		accountID, accountID, accountID, accountID, accountID, accountID, accountID, accountID)
	return c, err
}
