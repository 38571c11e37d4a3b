package store

import (
	"context"
	"fmt"
	"time"
)

// During quiet hours (21:00–08:00) an advertisement goes only to customers who
// consented to night-time advertising. A night chunk reads and claims just their
// messages; the rest stay pending for the day. Consent is read from the customer
// at send time, so a consent withdrawn after the audience was prepared holds.

// NightChunkMessages is ChunkMessages for the messages of customers who
// currently consent to advertising at night.
func (s *Store) NightChunkMessages(ctx context.Context, k CampaignKey, from, to int64) ([]ChunkMessage, error) {
	ms, err := s.scanChunk(ctx, from, to, `SELECT `+chunkColumns+` FROM campaign_messages m FORCE INDEX (PRIMARY)
		JOIN customers c ON c.id = m.customer_id AND c.account_id = m.account_id
		WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? AND m.status IN ('pending', 'sending')
		  AND c.night_ad_consent = 1
		ORDER BY m.id`, from, to, k.ID, k.AccountID)
	if err != nil {
		return nil, fmt.Errorf("load night chunk %d-%d of campaign %d: %w", from, to, k.ID, err)
	}
	return ms, nil
}

// ClaimNightChunk is ClaimChunk for the messages of customers who currently
// consent to advertising at night (stale rows given were read by
// NightChunkMessages, so they are consenting customers' too).
func (s *Store) ClaimNightChunk(ctx context.Context, k CampaignKey, from, to int64, at time.Time, stale []ChunkMessage) (map[int64]bool, error) {
	return s.claimChunk(ctx, k, from, to, at, stale, `UPDATE campaign_messages m FORCE INDEX (PRIMARY)
			JOIN customers c ON c.id = m.customer_id AND c.account_id = m.account_id
			SET m.status = 'sending', m.attempt = m.attempt + 1, m.claimed_at = ?
			WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? AND m.status = 'pending' AND c.night_ad_consent = 1`)
}

// NightConsentPending counts the campaign's pending messages in [first, last]
// whose customers consent to advertising at night: whether a night pass has
// anything to send.
func (s *Store) NightConsentPending(ctx context.Context, k CampaignKey, first, last int64) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM campaign_messages m FORCE INDEX (PRIMARY)
		JOIN customers c ON c.id = m.customer_id AND c.account_id = m.account_id
		WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND m.account_id = ? AND m.status = 'pending' AND c.night_ad_consent = 1`,
		first, last, k.ID, k.AccountID)
	if err != nil {
		return 0, fmt.Errorf("count night-consenting recipients of campaign %d: %w", k.ID, err)
	}
	return n, nil
}
