package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
)

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
// For groups and explicit customers the batch's candidates are read first (from
// the membership, an index range whatever the account's size, or from the
// campaign's list), then loaded by id with the account and opt-out part of the
// condition: the candidates are already the members, so the membership is not
// checked again per customer (that look-up was most of the load's work). For
// groups both reads share one snapshot, so the load sees the membership the
// candidates came from. An event reminder's audience is read through the
// condition directly.
func (s *Store) AudienceBatch(ctx context.Context, c Campaign, after int64, limit int) ([]AudienceMember, int64, error) {
	var (
		out  []AudienceMember
		next int64
	)
	switch c.AudienceKind {
	case AudienceGroups:
		if len(c.GroupIDs) == 0 {
			return nil, 0, nil
		}
		err := s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, func(tx *sqlx.Tx) error {
			// Each candidate with the first of the campaign's groups it is in,
			// read in the same pass over the membership.
			q, args, _ := sqlx.In(`SELECT customer_id, MIN(group_id) AS group_id FROM group_members
				WHERE account_id = ? AND group_id IN (?) AND customer_id > ?
				GROUP BY customer_id ORDER BY customer_id LIMIT ?`, c.AccountID, []int64(c.GroupIDs), after, limit)
			var rows []struct {
				Customer int64 `db:"customer_id"`
				Group    int64 `db:"group_id"`
			}
			if err := tx.SelectContext(ctx, &rows, q, args...); err != nil {
				return fmt.Errorf("audience of campaign %d: %w", c.ID, err)
			}
			if len(rows) == 0 {
				return nil
			}
			candidates := make([]int64, len(rows))
			for i, r := range rows {
				candidates[i] = r.Customer
			}
			var err error
			if out, err = loadCandidates(ctx, tx, c, candidates); err != nil {
				return err
			}
			// Both in id order, the members a subset: each takes its
			// candidate's group.
			i := 0
			for j := range out {
				for rows[i].Customer < out[j].ID {
					i++
				}
				out[j].GroupID = rows[i].Group
			}
			next = candidates[len(candidates)-1]
			return nil
		})
		return out, next, err
	case AudienceCustomers:
		var candidates []int64
		for _, id := range uniqueIDs(c.CustomerIDs) {
			if id > after {
				candidates = append(candidates, id)
			}
		}
		if len(candidates) == 0 {
			return nil, 0, nil
		}
		slices.Sort(candidates)
		candidates = candidates[:min(len(candidates), limit)]
		out, err := loadCandidates(ctx, s.db, c, candidates)
		if err != nil {
			return nil, 0, err
		}
		return out, candidates[len(candidates)-1], nil
	}
	cond, condArgs, err := audienceCondition(c)
	if err != nil {
		return nil, 0, fmt.Errorf("campaign %d: %w", c.ID, err)
	}
	if out, err = selectMembers(ctx, s.db, limit, `SELECT `+audienceColumns+` FROM customers c
		WHERE `+cond+` AND c.id > ? ORDER BY c.id LIMIT ?`, append(condArgs, after, limit)...); err != nil {
		return nil, 0, fmt.Errorf("load the audience of campaign %d: %w", c.ID, err)
	}
	if len(out) == 0 {
		return nil, 0, nil
	}
	return out, out[len(out)-1].ID, nil
}

// loadCandidates loads the customers among candidates (members of the
// campaign's audience, in id order) that it may still reach: the account's,
// not opted out (audienceBase). Candidates that fill most of their id span (a
// group imported at once, an account's whole list) are read as that range and
// picked out here: one range read instead of an index look-up per id.
func loadCandidates(ctx context.Context, q sqlx.QueryerContext, c Campaign, candidates []int64) ([]AudienceMember, error) {
	first, last := candidates[0], candidates[len(candidates)-1]
	dense := last-first+1 <= int64(len(candidates))*denseSpan
	var (
		query string
		args  []any
	)
	if dense {
		query, args = `SELECT `+audienceColumns+` FROM customers c
			WHERE `+audienceBase+` AND c.id BETWEEN ? AND ? ORDER BY c.id`, []any{c.AccountID, first, last}
	} else {
		query, args, _ = sqlx.In(`SELECT `+audienceColumns+` FROM customers c
			WHERE `+audienceBase+` AND c.id IN (?) ORDER BY c.id`, c.AccountID, candidates)
	}
	out, err := selectMembers(ctx, q, len(candidates), query, args...)
	if err != nil {
		return nil, fmt.Errorf("load the audience of campaign %d: %w", c.ID, err)
	}
	if !dense {
		return out, nil
	}
	// Both in id order: keep the rows that are candidates.
	kept, i := out[:0], 0
	for _, m := range out {
		for i < len(candidates) && candidates[i] < m.ID {
			i++
		}
		if i < len(candidates) && candidates[i] == m.ID {
			kept = append(kept, m)
		}
	}
	return kept, nil
}

// denseSpan: candidates are read as their id range when it is at most this
// many times their number (the rows read beyond them are discarded).
const denseSpan = 2

// audienceColumns are the customer columns an AudienceMember carries: what
// rendering and addressing its message need (not the opt-out record or the
// row's times, which cost a fifth of the load to read).
const audienceColumns = `c.id, c.account_id, c.name, c.phone, c.email, c.attributes, c.night_ad_consent, c.not_mobile`

// selectMembers runs a query of audienceColumns and scans its rows field by
// field into room for n made up front (an audience batch is thousands of rows:
// sqlx's reflection per row, and a slice grown row by row, cost more than
// reading them).
func selectMembers(ctx context.Context, q sqlx.QueryerContext, n int, query string, args ...any) ([]AudienceMember, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]AudienceMember, 0, n)
	for rows.Next() {
		out = append(out, AudienceMember{})
		m := &out[len(out)-1]
		if err := rows.Scan(&m.ID, &m.AccountID, &m.Name, &m.Phone, &m.Email, &m.Attributes, &m.NightAdConsent, &m.NotMobile); err != nil {
			return nil, err
		}
	}
	return out, rows.Err()
}

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

// insertRowBytes is about what a message row takes in the INSERT's text.
const insertRowBytes = 256

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
		// The rows' values are written into the statement (sqlText): a batch
		// is thousands of rows of 13 values.
		ins := sqlText{b: make([]byte, 0, len(msgs)*insertRowBytes)}
		ins.sql(`INSERT IGNORE INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, subject, body, buttons, fallback_channel, fallback_subject, fallback_body) VALUES `)
		n := 0
		var withLinks []NewMessage
		for _, m := range msgs {
			if skip[m.Recipient] {
				continue
			}
			skip[m.Recipient] = true // a recipient twice in one batch is inserted once
			if n > 0 {
				ins.sql(",")
			}
			n++
			ins.sql("(")
			ins.int(c.ID)
			ins.sql(",")
			ins.int(c.AccountID)
			ins.sql(",")
			ins.int(m.CustomerID)
			ins.sql(",")
			ins.int(m.GroupID)
			for _, v := range [...]string{m.Recipient, m.Name, m.Channel, m.Subject, m.Body, m.Buttons,
				m.FallbackChannel, m.FallbackSubject, m.FallbackBody} {
				ins.sql(",")
				ins.str(v)
			}
			ins.sql(")")
			if len(m.Links) > 0 {
				withLinks = append(withLinks, m)
			}
		}
		if n == 0 {
			return nil
		}
		res, err := tx.ExecContext(ctx, ins.String())
		if err != nil {
			return fmt.Errorf("insert %d messages: %w", n, err)
		}
		affected, _ := res.RowsAffected()
		inserted = int(affected)
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
		var b strings.Builder
		b.WriteString(`INSERT IGNORE INTO message_links (token, message_id, campaign_id, account_id, idx, url) VALUES `)
		vals := make([]any, 0, 6*len(withLinks))
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
