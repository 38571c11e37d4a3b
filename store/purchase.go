package store

import (
	"context"
	"fmt"
	"time"
)

// Purchase is an order a customer placed; one is enough to take part in the
// account's attendance events.
type Purchase struct {
	ID          int64     `db:"id" json:"id"`
	AccountID   int64     `db:"account_id" json:"-"`
	CustomerID  int64     `db:"customer_id" json:"customer_id"`
	OrderID     string    `db:"order_id" json:"order_id"`
	Amount      int64     `db:"amount" json:"amount"`
	PurchasedAt time.Time `db:"purchased_at" json:"purchased_at"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// RecordPurchase stores a purchase. The order id is unique per account: the same
// order recorded again answers the stored purchase with created false, and an
// order id already used for another customer or amount is ErrConflict.
func (s *Store) RecordPurchase(ctx context.Context, accountID int64, p Purchase) (Purchase, bool, error) {
	t := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO purchases (account_id, customer_id, order_id, amount, purchased_at, created_at)
		VALUES (?,?,?,?,?,?)`, accountID, p.CustomerID, p.OrderID, p.Amount, p.PurchasedAt.UTC(), t)
	created := err == nil
	if err != nil && !isDuplicate(err) {
		return Purchase{}, false, fmt.Errorf("insert purchase: %w", err)
	}
	var stored Purchase
	if err := s.db.GetContext(ctx, &stored, `SELECT `+purchasesColumns+` FROM purchases WHERE account_id = ? AND order_id = ?`,
		accountID, p.OrderID); err != nil {
		return Purchase{}, false, fmt.Errorf("read purchase %q: %w", p.OrderID, err)
	}
	if !created && (stored.CustomerID != p.CustomerID || stored.Amount != p.Amount) {
		return stored, false, fmt.Errorf("order %q was already recorded for customer %d with amount %d: %w",
			p.OrderID, stored.CustomerID, stored.Amount, ErrConflict)
	}
	return stored, created, nil
}

// Purchases pages the account's purchases, newest first, of one customer when
// customerID is not 0.
func (s *Store) Purchases(ctx context.Context, accountID, customerID int64, p Page) ([]Purchase, int64, error) {
	where, args := "account_id = ?", []any{accountID}
	if customerID != 0 {
		where, args = where+" AND customer_id = ?", append(args, customerID)
	}
	// Sorted by (purchased_at DESC, id DESC): the cursor is PurchaseCursor's pair.
	page, pargs := where, args
	k, ok, err := p.keys(2)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		at := time.UnixMicro(k[0]).UTC()
		page += " AND (purchased_at < ? OR (purchased_at = ? AND id < ?))"
		pargs = append(append([]any{}, args...), at, at, k[1])
	}
	ps := []Purchase{}
	if err := s.db.SelectContext(ctx, &ps, `SELECT `+purchasesColumns+` FROM purchases WHERE `+page+` ORDER BY purchased_at DESC, id DESC
		LIMIT ? OFFSET ?`, append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list purchases: %w", err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM purchases WHERE `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count purchases: %w", err)
	}
	return ps, total, nil
}

// PurchaseCursor is a purchase's cursor in the list of purchases.
func PurchaseCursor(p Purchase) string { return Cursor(p.PurchasedAt.UnixMicro(), p.ID) }

// HasPurchased reports whether the customer has at least one purchase.
func (s *Store) HasPurchased(ctx context.Context, accountID, customerID int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM purchases WHERE account_id = ? AND customer_id = ? LIMIT 1) p`,
		accountID, customerID)
	if err != nil {
		return false, fmt.Errorf("purchases of customer %d: %w", customerID, err)
	}
	return n > 0, nil
}
