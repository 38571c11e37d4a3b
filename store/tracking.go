package store

import (
	"context"
	"fmt"
	"time"

	"github.com/sendingo/sendingo/render"
)

// Link is a message's tracking link.
type Link struct {
	Token      string `db:"token"`
	MessageID  int64  `db:"message_id"`
	CampaignID int64  `db:"campaign_id"`
	AccountID  int64  `db:"account_id"`
	Index      int    `db:"idx"`
	URL        string `db:"url"`
}

// LinkByToken resolves a tracking token (any account: the token is the secret).
func (s *Store) LinkByToken(ctx context.Context, token string) (Link, error) {
	var l Link
	err := s.db.GetContext(ctx, &l, `SELECT token, message_id, campaign_id, account_id, idx, url FROM message_links WHERE token = ?`, token)
	return l, notFound(err)
}

// Click is one fetch of a tracking link.
type Click struct {
	Link
	Bot       bool
	At        time.Time
	UserAgent string
	Device    string
	OS        string
	Browser   string
}

// RecordClick stores a click: one single-row insert, nothing else.
func (s *Store) RecordClick(ctx context.Context, c Click) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO clicks (token, message_id, campaign_id, account_id, link_idx, bot, clicked_at,
		user_agent, device, os, browser) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, c.Token, c.MessageID, c.CampaignID, c.AccountID,
		c.Index, c.Bot, sqlTime(c.At), render.TruncateRunes(c.UserAgent, 512), c.Device, c.OS, c.Browser)
	if err != nil {
		return fmt.Errorf("record click: %w", err)
	}
	return nil
}

// LinkTokens lists up to limit tracking tokens of a campaign (benchmarks).
func (s *Store) LinkTokens(ctx context.Context, campaignID int64, limit int) ([]string, error) {
	var out []string
	err := s.db.SelectContext(ctx, &out, `SELECT token FROM message_links WHERE campaign_id = ? LIMIT ?`, campaignID, limit)
	return out, err
}

// CountClicks counts a campaign's recorded link fetches (bots included).
func (s *Store) CountClicks(ctx context.Context, campaignID int64) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM clicks WHERE campaign_id = ?`, campaignID)
	return n, err
}
