package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// APIKey is a server-to-server credential of an account. Only a SHA-256 hash of
// the secret is stored; Prefix lets operators tell keys apart. Role caps what
// the key may do, as a user's role does.
type APIKey struct {
	ID         int64      `db:"id" json:"id"`
	AccountID  int64      `db:"account_id" json:"-"`
	Name       string     `db:"name" json:"name"`
	Prefix     string     `db:"prefix" json:"prefix"`
	Role       string     `db:"role" json:"role"`
	KeyHash    []byte     `db:"key_hash" json:"-"`
	CreatedBy  int64      `db:"created_by" json:"created_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt time.Time  `db:"last_used_at" json:"-"`
	LastUsed   *time.Time `db:"-" json:"last_used_at"` // nil: never used
}

func (k *APIKey) fill() {
	if IsSet(k.LastUsedAt) {
		t := k.LastUsedAt
		k.LastUsed = &t
	}
}

type apiKeySnapshot struct {
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Role   string `json:"role"`
}

func snapshotAPIKey(k APIKey) apiKeySnapshot {
	return apiKeySnapshot{Name: k.Name, Prefix: k.Prefix, Role: k.Role}
}

// CreateAPIKey stores a key's hash (audited).
func (s *Store) CreateAPIKey(ctx context.Context, accountID, userID int64, name, role, prefix string, hash []byte) (APIKey, error) {
	k := APIKey{AccountID: accountID, Name: name, Prefix: prefix, Role: role, CreatedBy: userID, CreatedAt: now()}
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO api_keys (account_id, name, prefix, role, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			accountID, name, prefix, role, hash, userID, k.CreatedAt)
		if err != nil {
			return fmt.Errorf("insert api key: %w", err)
		}
		k.ID, _ = res.LastInsertId()
		return audit(ctx, tx, accountID, Change{Action: AuditAPIKeyCreate, Subject: SubjectAPIKey, SubjectID: k.ID,
			After: snapshotAPIKey(k)})
	})
	return k, err
}

// APIKeys lists the account's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, accountID int64) ([]APIKey, error) {
	keys := []APIKey{}
	err := s.db.SelectContext(ctx, &keys,
		`SELECT `+apiKeysColumns+` FROM api_keys WHERE account_id = ? ORDER BY id DESC`, accountID)
	for i := range keys {
		keys[i].fill()
	}
	return keys, err
}

// DeleteAPIKey revokes a key of the account (audited).
func (s *Store) DeleteAPIKey(ctx context.Context, accountID, id int64) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var k APIKey
		if err := tx.GetContext(ctx, &k, `SELECT `+apiKeysColumns+` FROM api_keys WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM api_keys WHERE id = ?`, id); err != nil {
			return fmt.Errorf("delete api key %d: %w", id, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditAPIKeyDelete, Subject: SubjectAPIKey, SubjectID: id,
			Before: snapshotAPIKey(k)})
	})
}

// APIKeyByHash resolves a presented key to its account.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error) {
	var k APIKey
	err := s.db.GetContext(ctx, &k, `SELECT `+apiKeysColumns+` FROM api_keys WHERE key_hash = ?`, hash)
	k.fill()
	return k, notFound(err)
}

// KeyUseResolution is how stale a key's last_used_at may get: a key in use
// is written at most once per this much time, not on every request.
const KeyUseResolution = time.Minute

// TouchAPIKey records that the key was used at t, unless a use within
// KeyUseResolution is already recorded (by this or another API process).
func (s *Store) TouchAPIKey(ctx context.Context, accountID, id int64, t time.Time) error {
	t = t.UTC().Truncate(time.Microsecond)
	if _, err := s.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = ? WHERE account_id = ? AND id = ? AND last_used_at <= ?`,
		t, accountID, id, t.Add(-KeyUseResolution)); err != nil {
		return fmt.Errorf("touch api key %d: %w", id, err)
	}
	return nil
}
