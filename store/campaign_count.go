package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/jmoiron/sqlx"
	"golang.org/x/sync/errgroup"
)

// CampaignCounts aggregates the campaign's messages by status with SQL.
type CampaignCounts struct {
	Total, Pending, Sending, Sent, Delivered, Failed, Unknown, Fallback int64
	// Reported are the delivered and failed messages of each relay (by relay
	// id, in id order), as CountMessages found them.
	Reported []RelayReported
}

// RelayReported is how many of a campaign's messages a relay delivered and
// failed.
type RelayReported struct {
	RelayID           int64
	Delivered, Failed int64
}

// reported adds n messages of the relay with the status to c.Reported.
func (c *CampaignCounts) reported(relayID int64, status string, n int64) {
	if status != MessageDelivered && status != MessageFailed {
		return
	}
	i, found := slices.BinarySearchFunc(c.Reported, relayID, func(r RelayReported, id int64) int { return cmp.Compare(r.RelayID, id) })
	if !found {
		c.Reported = slices.Insert(c.Reported, i, RelayReported{RelayID: relayID})
	}
	if status == MessageDelivered {
		c.Reported[i].Delivered += n
	} else {
		c.Reported[i].Failed += n
	}
}

// CountMessages aggregates the campaign's messages, a large range in parts
// side by side (inIDRanges): one statement over a million messages took about
// a second at the end of every send (FinalizeCampaign), with a core idle.
func (s *Store) CountMessages(ctx context.Context, k CampaignKey, first, last int64) (CampaignCounts, error) {
	var (
		c  CampaignCounts
		mu sync.Mutex
	)
	err := inIDRanges(ctx, first, last, func(ctx context.Context, lo, hi int64) error {
		var rows []RangeCount
		if err := s.db.SelectContext(ctx, &rows, `SELECT relay_id, status, fallback, COUNT(*) AS n FROM campaign_messages FORCE INDEX (PRIMARY)
			WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? GROUP BY relay_id, status, fallback`,
			lo, hi, k.ID, k.AccountID); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rows {
			st := strings.TrimSpace(r.Status)
			c.count(st, r.Fallback, r.N)
			c.reported(r.RelayID, st, r.N)
		}
		return nil
	})
	if err != nil {
		return CampaignCounts{}, fmt.Errorf("count messages of campaign %d: %w", k.ID, err)
	}
	return c, nil
}

// inIDRanges calls fn for [first, last], or, when the range holds at least
// rangeSplit ids, for each of rangeParts consecutive ranges that cover it,
// all at once. MariaDB runs a statement on one core: a scan of a large
// campaign's rows (or of the customers, AudienceCheck) in one statement
// leaves the other idle.
func inIDRanges(ctx context.Context, first, last int64, fn func(ctx context.Context, lo, hi int64) error) error {
	parts := int64(1)
	if last-first+1 >= rangeSplit {
		parts = rangeParts
	}
	step := max((last-first+parts)/parts, 1)
	g, gctx := errgroup.WithContext(ctx)
	for lo := first; lo <= last; lo += step {
		hi := min(lo+step-1, last)
		g.Go(func() error { return fn(gctx, lo, hi) })
	}
	return g.Wait()
}

// inIDRanges' split: a range of at least rangeSplit ids is read in rangeParts
// ranges at once.
var (
	rangeSplit int64 = 200_000
	rangeParts int64 = 4
)

// count adds n messages of the status to c.
func (c *CampaignCounts) count(status string, fallback bool, n int64) {
	c.Total += n
	if fallback {
		c.Fallback += n
	}
	switch status {
	case MessagePending:
		c.Pending += n
	case MessageSending:
		c.Sending += n
	case MessageSent:
		c.Sent += n
	case MessageDelivered:
		c.Delivered += n
	case MessageFailed:
		c.Failed += n
	case MessageUnknown:
		c.Unknown += n
	}
}

// FinalizeCampaign writes the aggregated counts and the final status.
//
// A run that ends has no chunk running, and leaves nothing sending: a
// cancelled campaign's rows go back to pending (nothing will send them), and
// a failed run's rows still in doubt (held at a relay that did not answer, or
// left by a dead attempt) become unknown: their relay may have them, and a
// retry run, which sends the failed ones again under a key of its own, must
// not send them a second time.
func (s *Store) FinalizeCampaign(ctx context.Context, k CampaignKey, status string) (CampaignCounts, error) {
	accountID, campaignID := k.AccountID, k.ID
	c, err := s.Campaign(ctx, accountID, campaignID)
	if err != nil {
		return CampaignCounts{}, err
	}
	if err := s.settleLeftSending(ctx, c, status); err != nil {
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

// settleLeftSending gives the rows a run left sending the state its end gives
// them (see FinalizeCampaign).
func (s *Store) settleLeftSending(ctx context.Context, c Campaign, status string) error {
	if c.Total == 0 {
		return nil
	}
	const left = ` WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status = 'sending'`
	var err error
	switch status {
	case CampaignCancelled:
		_, err = s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY) SET status = 'pending', code = '', reason = ''`+left,
			c.FirstMessageID, c.LastMessageID, c.ID, c.AccountID)
	case CampaignFailed:
		_, err = s.db.ExecContext(ctx, `UPDATE campaign_messages FORCE INDEX (PRIMARY) SET status = 'unknown', result_at = ?,
			reason = 'the campaign stopped before it was known whether a relay took it'`+left,
			now(), c.FirstMessageID, c.LastMessageID, c.ID, c.AccountID)
	}
	if err != nil {
		return fmt.Errorf("settle the messages campaign %d left sending: %w", c.ID, err)
	}
	return nil
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
	if c.Status != CampaignScheduled && c.Status != CampaignRunning && c.Status != CampaignPaused {
		return false, nil
	}
	if err := s.settleLeftSending(ctx, c, CampaignCancelled); err != nil {
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
