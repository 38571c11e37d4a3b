package store

import (
	"context"
	"time"
)

// Group is a named set of an account's customers.
type Group struct {
	ID            int64     `db:"id" json:"id"`
	AccountID     int64     `db:"account_id" json:"-"`
	Name          string    `db:"name" json:"name"`
	IsDefault     bool      `db:"is_default" json:"is_default"`
	CustomerCount int64     `db:"customer_count" json:"customer_count"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
}

// Groups lists the account's groups, the default group first.
func (s *Store) Groups(ctx context.Context, accountID int64) ([]Group, error) {
	groups := []Group{}
	err := s.db.SelectContext(ctx, &groups,
		`SELECT g.id, g.account_id, g.name, g.is_default, g.created_at, 0 AS customer_count
		   FROM customer_groups g WHERE g.account_id = ? ORDER BY g.is_default DESC, g.id`, accountID)
	return groups, err
}
