// Package store is sendingo's data access layer and the only package that holds
// SQL. Every method that touches a domain table takes the account id as a required
// argument and filters on it, so no caller can forget tenancy.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/phone"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store wraps the connection pool.
type Store struct {
	db *sqlx.DB
}

// DSN returns dsn with the parameters sendingo relies on: UTC times parsed into
// time.Time, utf8mb4, and interpolated parameters for fewer round trips.
func DSN(dsn string) (string, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("parse MySQL DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["charset"] = "utf8mb4"
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.InterpolateParams = true
	// Sessions run in UTC so NOW() and DATETIME comparisons agree with Go.
	cfg.Params["time_zone"] = "'+00:00'"
	return cfg.FormatDSN(), nil
}

// Open connects and pings.
func Open(ctx context.Context, dsn string) (*Store, error) {
	full, err := DSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open("mysql", full)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxLifetime(30 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to MySQL: %w", err)
	}
	return &Store{db: db}, nil
}

// DB exposes the pool for health checks and tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// inTx runs fn in a transaction, committing on nil and rolling back otherwise.
func (s *Store) inTx(ctx context.Context, opts *sql.TxOptions, fn func(tx *sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isDuplicate reports a unique-key violation (MySQL/MariaDB error 1062).
func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

// isForeignKey reports a row still referenced by another table (error 1451).
func isForeignKey(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1451
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// now is the store's clock: UTC with microseconds, as DATETIME(6) keeps it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Page is a request for one page of a list.
type Page struct {
	Page, Size int
}

// Offset is the row offset of the page (pages count from 1).
func (p Page) Offset() int { return (p.Page - 1) * p.Size }

// phoneNational shows an E.164 number the way its owner writes it.
func phoneNational(e164 string) string { return phone.National(e164) }
