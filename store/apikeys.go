package store

import (
	"context"
	"fmt"
	"time"
)

// APIKey is a server-to-server credential of an account. Only a SHA-256 hash of
// the secret is stored; Prefix lets operators tell keys apart.
type APIKey struct {
	ID         int64     `db:"id" json:"id"`
	AccountID  int64     `db:"account_id" json:"-"`
	Name       string    `db:"name" json:"name"`
	Prefix     string    `db:"prefix" json:"prefix"`
	KeyHash    []byte    `db:"key_hash" json:"-"`
	CreatedBy  int64     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	LastUsedAt time.Time `db:"last_used_at" json:"-"`
}

// CreateAPIKey stores a key's hash.
func (s *Store) CreateAPIKey(ctx context.Context, accountID, userID int64, name, prefix string, hash []byte) (APIKey, error) {
	t := now()
	res, err := s.db.ExecContext(ctx,
		`INSERT INTO api_keys (account_id, name, prefix, key_hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
		accountID, name, prefix, hash, userID, t)
	if err != nil {
		return APIKey{}, fmt.Errorf("insert api key: %w", err)
	}
	id, _ := res.LastInsertId()
	return APIKey{ID: id, AccountID: accountID, Name: name, Prefix: prefix, CreatedBy: userID, CreatedAt: t}, nil
}

// APIKeys lists the account's keys, newest first.
func (s *Store) APIKeys(ctx context.Context, accountID int64) ([]APIKey, error) {
	keys := []APIKey{}
	err := s.db.SelectContext(ctx, &keys,
		`SELECT * FROM api_keys WHERE account_id = ? ORDER BY id DESC`, accountID)
	return keys, err
}

// DeleteAPIKey revokes a key of the account.
func (s *Store) DeleteAPIKey(ctx context.Context, accountID, id int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM api_keys WHERE account_id = ? AND id = ?`, accountID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// APIKeyByHash resolves a presented key to its account.
func (s *Store) APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error) {
	var k APIKey
	err := s.db.GetContext(ctx, &k, `SELECT * FROM api_keys WHERE key_hash = ?`, hash)
	return k, notFound(err)
}
