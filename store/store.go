// Package store is sendingo's data access layer and the only package that holds
// SQL. Every method that touches a domain table takes the account id as a required
// argument and filters on it, so no caller can forget tenancy.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/memo"
	"github.com/sendingo/sendingo/phone"
)

// Sentinel errors callers branch on.
var (
	ErrNotFound = errors.New("not found")
	ErrConflict = errors.New("conflict")
)

// Store wraps the connection pool.
type Store struct {
	db     *sqlx.DB
	agents *memo.Bounded[int64] // user_agents ids of recent click agents
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
	return &Store{db: db, agents: memo.New[int64](agentMemoryMax, agentMemoryLen)}, nil
}

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

// Page is a request for one page of a list: by number (Page, from 1), or,
// when After is set, the page that follows the item After names, by key.
// Offset paging costs what it skips, so callers keep Page × Size small
// (MaxOffsetRows) and go deeper by key; a keyset page costs the same however
// deep it is.
type Page struct {
	Page, Size int
	// After is the cursor of the last item of the previous page, as the
	// list's Cursor function made it; "" pages by number.
	After string
}

// MaxOffsetRows is how far offset paging may reach (Page × Size).
const MaxOffsetRows = 10000

// Offset is the row offset of the page (pages count from 1); 0 with a cursor.
func (p Page) Offset() int {
	if p.After != "" {
		return 0
	}
	return (p.Page - 1) * p.Size
}

// ErrBadCursor: the cursor is not one a list handed out.
var ErrBadCursor = errors.New("the cursor is not a next_cursor of this list")

// Cursor makes the cursor of an item from its sort key (one or more
// integers): the form every list's next_cursor takes.
func Cursor(keys ...int64) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = strconv.FormatInt(k, 10)
	}
	return strings.Join(parts, ".")
}

// keys parses p.After into n integers; ok is false without a cursor.
func (p Page) keys(n int) (keys []int64, ok bool, err error) {
	if p.After == "" {
		return nil, false, nil
	}
	parts := strings.Split(p.After, ".")
	if len(parts) != n {
		return nil, false, ErrBadCursor
	}
	keys = make([]int64, n)
	for i, part := range parts {
		if keys[i], err = strconv.ParseInt(part, 10, 64); err != nil {
			return nil, false, ErrBadCursor
		}
	}
	return keys, true, nil
}

// afterID adds the keyset condition of a list sorted by id alone (desc: newest
// first) to where and args.
func (p Page) afterID(col string, desc bool, where []string, args []any) ([]string, []any, error) {
	k, ok, err := p.keys(1)
	if !ok || err != nil {
		return where, args, err
	}
	op := " > ?"
	if desc {
		op = " < ?"
	}
	return append(where, col+op), append(args, k[0]), nil
}

// phoneNational shows an E.164 number the way its owner writes it.
func phoneNational(e164 string) string { return phone.National(e164) }
