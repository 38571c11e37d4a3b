package store

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// CampaignKey names one campaign of one account. Store methods on the send and
// report path take it instead of a bare campaign id, so a caller cannot reach a
// campaign's rows without saying whose campaign it is; every statement filters on
// both fields.
type CampaignKey struct {
	AccountID int64
	ID        int64
}

// Key returns the campaign's key.
func (c Campaign) Key() CampaignKey { return CampaignKey{AccountID: c.AccountID, ID: c.ID} }

// checkOwned verifies that every id names a row of table owned by the account;
// a *MissingError (what) lists the others.
func checkOwned(ctx context.Context, q sqlx.QueryerContext, accountID int64, table, what string, ids []int64) error {
	ids = uniqueIDs(ids)
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`SELECT id FROM `+table+` WHERE account_id = ? AND id IN (?)`, accountID, ids)
	if err != nil {
		return err
	}
	var found []int64
	if err := sqlx.SelectContext(ctx, q, &found, query, args...); err != nil {
		return err
	}
	if missing := missingIDs(ids, found); len(missing) > 0 {
		return &MissingError{What: what, IDs: missing}
	}
	return nil
}

// missingIDs are the ids (distinct) not among found.
func missingIDs(ids, found []int64) []int64 {
	if len(found) == len(ids) {
		return nil
	}
	have := make(map[int64]bool, len(found))
	for _, id := range found {
		have[id] = true
	}
	var missing []int64
	for _, id := range ids {
		if !have[id] {
			missing = append(missing, id)
		}
	}
	return missing
}
