package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// savedRow says how saveAudited writes one kind of row.
type savedRow[T any] struct {
	what, table, columns string // "relay", its table and its SELECT list
	// insert takes cols, then created_at and account_id; update takes cols,
	// then account_id and id (WHERE account_id = ? AND id = ?).
	insert, update   string
	created, updated string // the audit actions
	subject          string
	snapshot         func(T) any // what the audit log keeps of a row
	nameWrites       bool        // a failed insert or update says which ("insert template: …")
}

// saveAudited creates (id 0) or replaces the account's row id within tx, audits
// the change with the row before (a replace) and after, and answers the row as
// stored. A row to replace that is not the account's is ErrNotFound.
func saveAudited[T any](ctx context.Context, tx *sqlx.Tx, accountID, id int64, r savedRow[T], cols []any, ts time.Time) (T, error) {
	var out T
	ch := Change{Action: r.created, Subject: r.subject}
	if id == 0 {
		res, err := tx.ExecContext(ctx, r.insert, append(cols, ts, accountID)...)
		if err != nil {
			if r.nameWrites {
				err = fmt.Errorf("insert %s: %w", r.what, err)
			}
			return out, err
		}
		id, _ = res.LastInsertId()
	} else {
		var before T
		if err := tx.GetContext(ctx, &before, `SELECT `+r.columns+` FROM `+r.table+` WHERE account_id = ? AND id = ? FOR UPDATE`,
			accountID, id); err != nil {
			return out, notFound(err)
		}
		if _, err := tx.ExecContext(ctx, r.update, append(cols, accountID, id)...); err != nil {
			if r.nameWrites {
				err = fmt.Errorf("update %s %d: %w", r.what, id, err)
			}
			return out, err
		}
		ch.Action, ch.Before = r.updated, r.snapshot(before)
	}
	if err := tx.GetContext(ctx, &out, `SELECT `+r.columns+` FROM `+r.table+` WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
		return out, fmt.Errorf("read %s %d: %w", r.what, id, err)
	}
	ch.SubjectID, ch.After = id, r.snapshot(out)
	return out, audit(ctx, tx, accountID, ch)
}
