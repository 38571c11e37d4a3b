package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// PasswordReset is a single-use link to set a new password. Its token is not
// stored (see package onetime): Nonce rebuilds it, TokenHash finds it.
type PasswordReset struct {
	ID         int64     `db:"id"`
	AccountID  int64     `db:"account_id"`
	UserID     int64     `db:"user_id"`
	RequestKey string    `db:"request_key"`
	TokenHash  []byte    `db:"token_hash"`
	Nonce      []byte    `db:"nonce"`
	CreatedAt  time.Time `db:"created_at"`
	ExpiresAt  time.Time `db:"expires_at"`
	UsedAt     time.Time `db:"used_at"`
}

// PasswordResetForMail is a reset with the user it is for.
type PasswordResetForMail struct {
	PasswordReset
	Email string `db:"email"`
	Name  string `db:"name"`
}

// IssuePasswordReset creates a reset link for a user, once per requestKey: a
// retried call answers the row the first call made (with its nonce, not the
// one passed again). A user who is gone is ErrNotFound.
func (s *Store) IssuePasswordReset(ctx context.Context, accountID, userID int64, requestKey string, nonce, tokenHash []byte, expires time.Time) (PasswordResetForMail, error) {
	var r PasswordResetForMail
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var u User
		if err := tx.GetContext(ctx, &u, `SELECT `+usersColumns+` FROM users WHERE account_id = ? AND id = ?`, accountID, userID); err != nil {
			return notFound(err)
		}
		res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO password_resets (account_id, user_id, request_key, token_hash, nonce,
			created_at, expires_at) VALUES (?,?,?,?,?,?,?)`, accountID, userID, requestKey, tokenHash, nonce, now(),
			expires.UTC().Truncate(time.Microsecond))
		if err != nil {
			return fmt.Errorf("insert password reset: %w", err)
		}
		if err := tx.GetContext(ctx, &r, `SELECT `+qualify("r", passwordResetsColumns)+`, u.email, u.name FROM password_resets r JOIN users u ON u.id = r.user_id
			WHERE r.request_key = ?`, requestKey); err != nil {
			return fmt.Errorf("read password reset: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // a retry: audited the first time
		}
		return audit(ctx, tx, accountID, Change{Action: AuditPasswordResetRequest, Subject: SubjectUser, SubjectID: userID,
			After: map[string]any{"expires_at": r.ExpiresAt}})
	})
	return r, err
}

// PasswordResetByToken finds a reset link by its token's hash.
func (s *Store) PasswordResetByToken(ctx context.Context, tokenHash []byte) (PasswordReset, error) {
	var r PasswordReset
	err := s.db.GetContext(ctx, &r, `SELECT `+passwordResetsColumns+` FROM password_resets WHERE token_hash = ?`, tokenHash)
	return r, notFound(err)
}

// ResetPassword spends the reset link whose token hashes to tokenHash and
// stores the new password hash, raising the token version (audited, as done
// by the user). An unknown token is ErrNotFound; a spent one ErrLinkUsed, an
// old one ErrLinkExpired; on any error nothing changes.
func (s *Store) ResetPassword(ctx context.Context, tokenHash []byte, hash string, at time.Time) (User, error) {
	var u User
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var r PasswordReset
		if err := tx.GetContext(ctx, &r, `SELECT `+passwordResetsColumns+` FROM password_resets WHERE token_hash = ? FOR UPDATE`, tokenHash); err != nil {
			return notFound(err)
		}
		switch {
		case IsSet(r.UsedAt):
			return ErrLinkUsed
		case !at.Before(r.ExpiresAt):
			return ErrLinkExpired
		}
		var err error
		if u, err = setPassword(ctx, tx, r.AccountID, r.UserID, hash); err != nil {
			return err
		}
		by := ActorFrom(ctx)
		by.Kind, by.UserID, by.Name = ActorUser, u.ID, u.Name
		return audit(WithActor(ctx, by), tx, r.AccountID, Change{Action: AuditPasswordReset, Subject: SubjectUser, SubjectID: u.ID})
	})
	return u, err
}
