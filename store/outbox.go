package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Outbox kinds: work a committed change still owes the workflow engine.
const (
	// OutboxCampaignStart: the draft campaign RefID is to be sent (a restock
	// notice). Removed when the campaign begins (BeginSend).
	OutboxCampaignStart = "campaign_start"
	// OutboxReminderSchedule: the reminder Schedule of event RefID must be made to
	// match the event's row (which may be gone). Removed once synced.
	OutboxReminderSchedule = "reminder_schedule"
	// OutboxInvitationMail: invitation RefID is to be mailed. Removed once
	// nothing more can come of it: its mail has an outcome (sent or failed),
	// the invitation is gone, accepted or expired, or its mail workflow ended.
	OutboxInvitationMail = "invitation_mail"
	// OutboxStockMonitor: the RewardStockMonitor of tier RefID, created with
	// the tier, must be running. Removed once it has been signalled (and so
	// started); later signals may be lost, since the running monitor reads
	// the stock again every reconcile interval.
	OutboxStockMonitor = "stock_monitor"
)

// OutboxItem is one piece of owed work. ID is the newest row of its (kind, ref):
// clearing up to it leaves rows written later for another pass.
type OutboxItem struct {
	ID        int64     `db:"id"`
	AccountID int64     `db:"account_id"`
	Kind      string    `db:"kind"`
	RefID     int64     `db:"ref_id"`
	CreatedAt time.Time `db:"created_at"`
}

// insertOutbox records owed work inside the transaction that makes it owed.
func insertOutbox(ctx context.Context, tx sqlx.ExtContext, accountID int64, kind string, refID int64) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (account_id, kind, ref_id, created_at) VALUES (?,?,?,?)`,
		accountID, kind, refID, now()); err != nil {
		return fmt.Errorf("record %s %d in the outbox: %w", kind, refID, err)
	}
	return nil
}

// PendingOutbox lists owed work whose first row is older than before (the API
// normally does it within moments, so younger rows are left to it), oldest first,
// one item per (kind, ref), at most limit items.
func (s *Store) PendingOutbox(ctx context.Context, before time.Time, limit int) ([]OutboxItem, error) {
	var out []OutboxItem
	err := s.db.SelectContext(ctx, &out, `SELECT MAX(id) AS id, account_id, kind, ref_id, MIN(created_at) AS created_at
		FROM outbox GROUP BY account_id, kind, ref_id HAVING MIN(created_at) < ? ORDER BY MIN(id) LIMIT ?`, before, limit)
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	return out, nil
}

// OutboxMark is the newest outbox row of (kind, ref), 0 when there is none. Read
// it before doing the work: ClearOutbox(upTo: mark) then leaves any row written
// meanwhile, whose change the work may have missed.
func (s *Store) OutboxMark(ctx context.Context, kind string, refID int64) (int64, error) {
	var id int64
	err := s.db.GetContext(ctx, &id, `SELECT COALESCE(MAX(id), 0) FROM outbox WHERE kind = ? AND ref_id = ?`, kind, refID)
	if err != nil {
		return 0, fmt.Errorf("read the outbox of %s %d: %w", kind, refID, err)
	}
	return id, nil
}

// ClearOutbox removes the rows of (kind, ref) up to id upTo.
func (s *Store) ClearOutbox(ctx context.Context, kind string, refID, upTo int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ? AND ref_id = ? AND id <= ?`, kind, refID, upTo); err != nil {
		return fmt.Errorf("clear the outbox of %s %d: %w", kind, refID, err)
	}
	return nil
}
