package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"
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
// Blocks are rolled up rollUpParallel at a time, each in its own transaction
// (they are disjoint id ranges): a report poll's roll-up of the forty-odd
// blocks its pages touched otherwise keeps one core busy while the other waits.
func (s *Store) RollUp(ctx context.Context, blocks []int64) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(rollUpParallel)
	for _, b := range blocks {
		g.Go(func() error {
			if err := s.inTx(gctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sqlx.Tx) error {
				return rollUpBlock(gctx, tx, b)
			}); err != nil {
				return fmt.Errorf("roll up block %d: %w", b, err)
			}
			return nil
		})
	}
	return g.Wait()
}

// rollUpParallel is how many blocks RollUp rolls up at once.
const rollUpParallel = 2

// statsHour is one (account, hour) row of a block's statistics; hour is the
// hour as MariaDB writes its first 13 characters ("2006-01-02 15").
type statsHour struct {
	account                 int64
	hour                    [len(hourLayout)]byte
	sent, delivered, failed int64
}

// hourLayout is the hour of a DATETIME as LEFT(column, 13) answers it.
const hourLayout = "2006-01-02 15"

// unsetHour is the last hour of the day of the columns' unset value
// ('1970-01-01 00:00:00'): an hour on that day is no time at all.
var unsetHour = []byte("1970-01-01 23")

// rollUpBlock replaces block b's rows of message_stats with what its messages
// say: each message counts as sent in the hour of sent_at, and as delivered or
// failed in the hour of result_at. The messages are read in one pass over the
// block's ids and counted here: the database reads each row once (counting
// sends and results in SQL took two scans of the block, and the roll-up is
// run for every chunk and every report poll). The times come as their hours'
// text, compared as bytes: parsing two times a row into time.Time, each boxed
// by the driver, was most of the worker's share of a roll-up.
func rollUpBlock(ctx context.Context, tx *sqlx.Tx, b int64) error {
	lo, hi := b*StatsBlock, b*StatsBlock+StatsBlock-1
	// Deleting first locks the block's rows, so concurrent roll-ups of one
	// block take turns and the last one writes the newest state.
	if _, err := tx.ExecContext(ctx, `DELETE FROM message_stats WHERE block_id = ?`, b); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT account_id, LEFT(sent_at, 13), LEFT(result_at, 13), status
		FROM campaign_messages WHERE id BETWEEN ? AND ?`, lo, hi)
	if err != nil {
		return err
	}
	defer rows.Close()
	var hours []statsHour // a block's messages fall in a few hours: a short list beats a map
	at := func(account int64, hour []byte) *statsHour {
		for i := range hours {
			if hours[i].account == account && string(hours[i].hour[:]) == string(hour) {
				return &hours[i]
			}
		}
		hours = append(hours, statsHour{account: account})
		copy(hours[len(hours)-1].hour[:], hour)
		return &hours[len(hours)-1]
	}
	var (
		account                  int64
		sentHour, resultHour, st sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&account, &sentHour, &resultHour, &st); err != nil {
			return err
		}
		if len(sentHour) != len(hourLayout) || len(resultHour) != len(hourLayout) {
			return fmt.Errorf("roll up block %d: unexpected hour %q or %q", b, sentHour, resultHour)
		}
		if bytes.Compare(sentHour, unsetHour) > 0 {
			at(account, sentHour).sent++
		}
		if bytes.Compare(resultHour, unsetHour) > 0 {
			switch string(st) {
			case MessageDelivered:
				at(account, resultHour).delivered++
			case MessageFailed:
				at(account, resultHour).failed++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(hours) == 0 {
		return nil
	}
	var q strings.Builder
	q.WriteString(`INSERT INTO message_stats (block_id, account_id, hour, sent, delivered, failed) VALUES `)
	args := make([]any, 0, len(hours)*6)
	for i, h := range hours {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString("(?,?,?,?,?,?)")
		hour, err := time.Parse(hourLayout, string(h.hour[:]))
		if err != nil {
			return fmt.Errorf("roll up block %d: hour %q: %w", b, h.hour[:], err)
		}
		args = append(args, b, h.account, sqlTime(hour), h.sent, h.delivered, h.failed)
	}
	// Under READ COMMITTED two roll-ups of a block that had no rows yet can
	// both reach here: the later one's counts win.
	q.WriteString(` ON DUPLICATE KEY UPDATE sent = VALUES(sent), delivered = VALUES(delivered), failed = VALUES(failed)`)
	_, err = tx.ExecContext(ctx, q.String(), args...)
	return err
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
