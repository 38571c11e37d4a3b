package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Scopes of the login, sign-up, password reset and invitation limits.
const (
	LimitLoginEmail = "login-email" // failed logins of an e-mail
	LimitAuthIP     = "auth-ip"     // failed logins and sign-ups of a client IP
	LimitSignupIP   = "signup-ip"   // sign-ups of a client IP
	LimitResetEmail = "reset-email" // password reset requests for an e-mail
	LimitResetIP    = "reset-ip"    // password reset requests of a client IP
	LimitInvitation = "invitation"  // invitations an account makes (its id)
)

// LimitKey names one counter: a scope and what it counts (an IP or an
// e-mail, stored hashed).
type LimitKey struct {
	Scope, Subject string
}

func (k LimitKey) hash() []byte {
	h := sha256.Sum256([]byte(k.Subject))
	return h[:]
}

// LimitWindow is a counter's current window.
type LimitWindow struct {
	Start time.Time
	Hits  int
}

// Ends is when the window is over.
func (w LimitWindow) Ends(window time.Duration) time.Time { return w.Start.Add(window) }

// LimitCount answers key's counter as of now: its window and hits, or a zero
// LimitWindow when it has none running.
func (s *Store) LimitCount(ctx context.Context, key LimitKey, window time.Duration, now time.Time) (LimitWindow, error) {
	var w struct {
		Start time.Time `db:"window_start"`
		Hits  int       `db:"hits"`
	}
	err := s.db.GetContext(ctx, &w, `SELECT window_start, hits FROM auth_limits WHERE scope = ? AND subject = ? AND window_start > ?`,
		key.Scope, key.hash(), now.UTC().Add(-window))
	if errors.Is(err, sql.ErrNoRows) {
		return LimitWindow{}, nil
	}
	if err != nil {
		return LimitWindow{}, fmt.Errorf("read %s limit: %w", key.Scope, err)
	}
	return LimitWindow{Start: w.Start, Hits: w.Hits}, nil
}

// LimitHit counts one hit against key and answers the hits of its window,
// this one included, in one statement: concurrent processes never lose a hit
// or read a stale count. A window that has run out starts again at now.
func (s *Store) LimitHit(ctx context.Context, key LimitKey, window time.Duration, now time.Time) (int, error) {
	now = now.UTC().Truncate(time.Microsecond)
	expired := now.Add(-window)
	// ON DUPLICATE KEY UPDATE assigns left to right: hits still sees the old
	// window_start. LAST_INSERT_ID(expr) hands the new count back (a fresh
	// row, with no AUTO_INCREMENT column, answers 0: its one hit).
	res, err := s.db.ExecContext(ctx, `INSERT INTO auth_limits (scope, subject, window_start, hits) VALUES (?, ?, ?, 1)
		ON DUPLICATE KEY UPDATE hits = LAST_INSERT_ID(IF(window_start <= ?, 1, hits + 1)),
		                        window_start = IF(window_start <= ?, ?, window_start)`,
		key.Scope, key.hash(), now, expired, expired, now)
	if err != nil {
		return 0, fmt.Errorf("count %s limit: %w", key.Scope, err)
	}
	hits, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("count %s limit: %w", key.Scope, err)
	}
	return int(max(hits, 1)), nil
}

// LimitUndo takes back one hit (an attempt counted up front that succeeded).
func (s *Store) LimitUndo(ctx context.Context, key LimitKey) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE auth_limits SET hits = hits - 1 WHERE scope = ? AND subject = ? AND hits > 0`,
		key.Scope, key.hash()); err != nil {
		return fmt.Errorf("undo %s limit: %w", key.Scope, err)
	}
	return nil
}

// LimitReset clears key's counter (a successful login clears its e-mail's
// failures).
func (s *Store) LimitReset(ctx context.Context, key LimitKey) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_limits WHERE scope = ? AND subject = ?`, key.Scope, key.hash()); err != nil {
		return fmt.Errorf("reset %s limit: %w", key.Scope, err)
	}
	return nil
}

// PruneLimitsBatch is how many counters one PruneLimits deletes at most.
const PruneLimitsBatch = 5000

// PruneLimits deletes counters whose window ended before now, up to
// PruneLimitsBatch of them, and answers how many it deleted.
func (s *Store) PruneLimits(ctx context.Context, window time.Duration, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM auth_limits WHERE window_start <= ? LIMIT ?`, now.UTC().Add(-window), PruneLimitsBatch)
	if err != nil {
		return 0, fmt.Errorf("prune limits: %w", err)
	}
	return res.RowsAffected()
}
