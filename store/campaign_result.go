package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// MessageFilter narrows a campaign's message list.
type MessageFilter struct {
	Status  string // one message status, or ""
	GroupID int64
	Phone   string // an E.164 number to match exactly
	Q       string // digits of a phone number to match anywhere, when Phone is empty
}

// MessageRow is a campaign message as the results list shows it.
type MessageRow struct {
	ID           int64     `db:"id"`
	CustomerID   int64     `db:"customer_id"`
	GroupID      int64     `db:"group_id"`
	Recipient    string    `db:"recipient"`
	Name         string    `db:"name"`
	Channel      string    `db:"channel"`
	Subject      string    `db:"subject"`
	Body         string    `db:"body"`
	Buttons      string    `db:"buttons"`
	FallbackBody string    `db:"fallback_body"`
	Status       string    `db:"status"`
	RelayID      int64     `db:"relay_id"`
	SentChannel  string    `db:"sent_channel"`
	Fallback     bool      `db:"fallback"`
	ProviderID   string    `db:"provider_id"`
	Code         string    `db:"code"`
	Reason       string    `db:"reason"`
	SentAt       time.Time `db:"sent_at"`
	ResultAt     time.Time `db:"result_at"`
}

func (f MessageFilter) where(c Campaign, after int64) (string, []any) {
	// The primary key drives the scan (keyset on id); the optimizer is told so,
	// because after bulk loads it may prefer the (campaign, recipient) index.
	w := []string{"m.id > ?", "m.id <= ?", "m.campaign_id = ?"}
	args := []any{max(after, c.FirstMessageID-1), c.LastMessageID, c.ID}
	if f.Status != "" {
		w, args = append(w, "m.status = ?"), append(args, f.Status)
	}
	if f.GroupID != 0 {
		w, args = append(w, "m.group_id = ?"), append(args, f.GroupID)
	}
	if f.Phone != "" {
		w, args = append(w, "m.recipient = ?"), append(args, f.Phone)
	} else if f.Q != "" {
		w, args = append(w, "m.recipient LIKE ?"), append(args, "%"+escapeLike(f.Q)+"%")
	}
	return strings.Join(w, " AND "), args
}

const messageColumns = `m.id, m.customer_id, m.group_id, m.recipient, m.name, m.channel, m.subject, m.body, m.buttons,
	m.fallback_body, m.status, m.relay_id, m.sent_channel, m.fallback, m.provider_id, m.code, m.reason, m.sent_at, m.result_at`

// Messages answers up to limit messages of the campaign after the cursor (a
// message id; 0 starts at the beginning), in id order. Keyset pagination: a deep
// page costs what the first one does.
func (s *Store) Messages(ctx context.Context, c Campaign, f MessageFilter, after int64, limit int) ([]MessageRow, error) {
	if c.LastMessageID == 0 {
		return []MessageRow{}, nil
	}
	where, args := f.where(c, after)
	index := "FORCE INDEX (PRIMARY)"
	if f.Phone != "" {
		index = ""
	}
	rows := []MessageRow{}
	err := s.db.SelectContext(ctx, &rows, `SELECT `+messageColumns+` FROM campaign_messages m `+index+`
		WHERE `+where+` ORDER BY m.id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("list messages of campaign %d: %w", c.ID, err)
	}
	return rows, nil
}

// MessageIDAt returns the id of the message at offset (from 0) among those
// matching f, in id order; found is false when fewer match. It reads ids
// only, so skipping rows costs the index, not the rows.
func (s *Store) MessageIDAt(ctx context.Context, c Campaign, f MessageFilter, offset int) (id int64, found bool, err error) {
	if c.LastMessageID == 0 || offset < 0 {
		return 0, false, nil
	}
	where, args := f.where(c, 0)
	index := "FORCE INDEX (PRIMARY)"
	if f.Phone != "" {
		index = ""
	}
	err = s.db.GetContext(ctx, &id, `SELECT m.id FROM campaign_messages m `+index+` WHERE `+where+` ORDER BY m.id LIMIT 1 OFFSET ?`,
		append(args, offset)...)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find message %d of campaign %d: %w", offset, c.ID, err)
	}
	return id, true, nil
}

// CountMessagesMatching counts the campaign's messages that match f.
func (s *Store) CountMessagesMatching(ctx context.Context, c Campaign, f MessageFilter) (int64, error) {
	if c.LastMessageID == 0 {
		return 0, nil
	}
	where, args := f.where(c, 0)
	index := "FORCE INDEX (PRIMARY)"
	if f.Phone != "" {
		index = ""
	}
	var n int64
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM campaign_messages m `+index+` WHERE `+where, args...)
	return n, err
}

// LinkClicks are a link's human clicks.
type LinkClicks struct {
	Token      string       `db:"token"`
	MessageID  int64        `db:"message_id"`
	Index      int          `db:"idx"`
	URL        string       `db:"url"`
	Clicks     int64        `db:"clicks"`
	FirstClick sql.NullTime `db:"first_click"`
}

// MessageLinks answers the tracking links of messages with their human clicks.
func (s *Store) MessageLinks(ctx context.Context, k CampaignKey, messageIDs []int64) ([]LinkClicks, error) {
	if len(messageIDs) == 0 {
		return nil, nil
	}
	q, args, _ := sqlx.In(`SELECT l.token, l.message_id, l.idx, l.url, COUNT(k.id) AS clicks,
		MIN(k.clicked_at) AS first_click
		FROM message_links l LEFT JOIN clicks k ON k.campaign_id = l.campaign_id AND k.bot = 0 AND k.message_id = l.message_id AND k.token = l.token
		  AND k.account_id = l.account_id
		WHERE l.message_id IN (?) AND l.campaign_id = ? AND l.account_id = ?
		GROUP BY l.token, l.message_id, l.idx, l.url ORDER BY l.message_id, l.idx, l.token`, messageIDs, k.ID, k.AccountID)
	var out []LinkClicks
	if err := s.db.SelectContext(ctx, &out, q, args...); err != nil {
		return nil, fmt.Errorf("load message links: %w", err)
	}
	return out, nil
}

// GroupResult is a campaign's outcome among the members of one of its groups.
type GroupResult struct {
	GroupID   int64  `db:"group_id" json:"group_id"`
	GroupName string `db:"group_name" json:"group_name"`
	Total     int64  `db:"total" json:"total"`
	Sent      int64  `db:"sent" json:"sent"`
	Delivered int64  `db:"delivered" json:"delivered"`
	Failed    int64  `db:"failed" json:"failed"`
	Unknown   int64  `db:"unknown" json:"unknown"`
	Pending   int64  `db:"pending" json:"pending"`
	Clicked   int64  `db:"clicked" json:"clicked"`
}

// GroupResults aggregates the campaign's messages by group (a recipient in
// several of the campaign's groups counts under the first of them). Sent counts
// every message a relay accepted, delivered or not.
func (s *Store) GroupResults(ctx context.Context, c Campaign) ([]GroupResult, error) {
	out := []GroupResult{}
	if c.LastMessageID == 0 {
		return out, nil
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT m.group_id, COALESCE(g.name, '') AS group_name, COUNT(*) AS total,
		SUM(m.status IN ('sent', 'delivered') OR (m.status IN ('failed', 'unknown') AND m.relay_id > 0 AND m.code NOT IN ('no_relay', 'not_sent'))) AS sent,
		SUM(m.status = 'delivered') AS delivered, SUM(m.status = 'failed') AS failed,
		SUM(m.status = 'unknown') AS unknown, SUM(m.status IN ('pending', 'sending')) AS pending, 0 AS clicked
		FROM campaign_messages m FORCE INDEX (PRIMARY)
		LEFT JOIN customer_groups g ON g.id = m.group_id AND g.account_id = m.account_id
		WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? GROUP BY m.group_id, g.name ORDER BY m.group_id`,
		c.FirstMessageID, c.LastMessageID, c.ID, c.AccountID); err != nil {
		return nil, fmt.Errorf("results of campaign %d: %w", c.ID, err)
	}
	var clicked []struct {
		GroupID int64 `db:"group_id"`
		N       int64 `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &clicked, `SELECT m.group_id, COUNT(DISTINCT k.message_id) AS n
		FROM clicks k JOIN campaign_messages m ON m.id = k.message_id
		WHERE k.campaign_id = ? AND k.account_id = ? AND k.bot = 0 GROUP BY m.group_id`, c.ID, c.AccountID); err != nil {
		return nil, fmt.Errorf("clicks of campaign %d: %w", c.ID, err)
	}
	for _, cl := range clicked {
		for i := range out {
			if out[i].GroupID == cl.GroupID {
				out[i].Clicked = cl.N
			}
		}
	}
	return out, nil
}

// CampaignClicks answers the campaign's clicked messages and clicks (humans only).
func (s *Store) CampaignClicks(ctx context.Context, k CampaignKey) (messages, clicks int64, err error) {
	var r struct {
		Messages int64 `db:"messages"`
		Clicks   int64 `db:"clicks"`
	}
	err = s.db.GetContext(ctx, &r, `SELECT COUNT(DISTINCT message_id) AS messages, COUNT(*) AS clicks FROM clicks
		WHERE campaign_id = ? AND account_id = ? AND bot = 0`, k.ID, k.AccountID)
	return r.Messages, r.Clicks, err
}

// RelayResult is the messages one relay carried for a campaign, by outcome.
type RelayResult struct {
	RelayID   int64 `db:"relay_id" json:"relay_id"`
	Total     int64 `db:"total" json:"total"`
	Delivered int64 `db:"delivered" json:"delivered"`
	Failed    int64 `db:"failed" json:"failed"`
	Unknown   int64 `db:"unknown" json:"unknown"`
	Fallback  int64 `db:"fallback" json:"fallback"`
}

// RelayResults aggregates the campaign's messages by the relay that carried
// them (the last one tried); messages no relay took are left out. Like
// GroupResults it reads the campaign's id range once.
func (s *Store) RelayResults(ctx context.Context, c Campaign) ([]RelayResult, error) {
	out := []RelayResult{}
	if c.LastMessageID == 0 {
		return out, nil
	}
	if err := s.db.SelectContext(ctx, &out, `SELECT m.relay_id, COUNT(*) AS total,
		SUM(m.status = 'delivered') AS delivered, SUM(m.status = 'failed') AS failed,
		SUM(m.status = 'unknown') AS unknown, SUM(m.fallback) AS fallback
		FROM campaign_messages m FORCE INDEX (PRIMARY)
		WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? AND m.relay_id > 0 GROUP BY m.relay_id ORDER BY m.relay_id`,
		c.FirstMessageID, c.LastMessageID, c.ID, c.AccountID); err != nil {
		return nil, fmt.Errorf("results by relay of campaign %d: %w", c.ID, err)
	}
	return out, nil
}
