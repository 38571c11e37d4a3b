// Package testenv gives tests the real things: a freshly created and migrated
// MariaDB/MySQL database per test package, and the pinned Temporal dev server.
//
// Typical use in a package's TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m, testenv.WithTemporal) }
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/migrations"
	"github.com/sendingo/sendingo/store"
)

// ServerDSN is the MySQL server tests use, without a database name. Override with
// SENDINGO_TEST_MYSQL_DSN.
func ServerDSN() string {
	if v := os.Getenv("SENDINGO_TEST_MYSQL_DSN"); v != "" {
		return v
	}
	return "root@tcp(127.0.0.1:3306)/"
}

var nonWord = regexp.MustCompile(`[^a-z0-9_]+`)

// CreateDatabase creates a uniquely named empty database and returns its DSN and a
// function that drops it.
func CreateDatabase(label string) (dsn string, drop func() error, err error) {
	cfg, err := mysql.ParseDSN(ServerDSN())
	if err != nil {
		return "", nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	name := fmt.Sprintf("sendingo_test_%s_%s", nonWord.ReplaceAllString(strings.ToLower(label), "_"), hex.EncodeToString(b[:]))
	if len(name) > 64 {
		name = name[:55] + "_" + hex.EncodeToString(b[:])
	}
	admin, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("MySQL at %s is not reachable (is MariaDB running?): %w", cfg.Addr, err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	cfg.DBName = name
	drop = func() error {
		defer admin.Close()
		_, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`")
		return err
	}
	return cfg.FormatDSN(), drop, nil
}

// MigratedDatabase is CreateDatabase followed by every migration.
func MigratedDatabase(label string) (string, func() error, error) {
	dsn, drop, err := CreateDatabase(label)
	if err != nil {
		return "", nil, err
	}
	if err := migrations.Up(dsn); err != nil {
		_ = drop()
		return "", nil, fmt.Errorf("migrate test database: %w", err)
	}
	return dsn, drop, nil
}

// Temporal starts a headless, in-memory dev server of the pinned CLI, writing its
// output to a file in the temp directory. Stop it when done.
func Temporal() (*devserver.Server, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cli, err := devserver.EnsureCLI(ctx, slog.Default())
	if err != nil {
		return nil, err
	}
	logFile := filepath.Join(os.TempDir(), fmt.Sprintf("sendingo-test-temporal-%d.log", os.Getpid()))
	return devserver.Start(ctx, devserver.Options{CLI: cli, LogFile: logFile})
}

// OpenDB opens a pool on dsn with the connection parameters the store uses (UTC
// times parsed into time.Time, utf8mb4). Tests that check or arrange rows with
// raw SQL use it: the store keeps its own pool to itself.
func OpenDB(dsn string) (*sqlx.DB, error) {
	full, err := store.DSN(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sqlx.Open("mysql", full)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to the test database: %w", err)
	}
	return db, nil
}

var (
	dbOnce sync.Once
	db     *sqlx.DB
	dbErr  error
)

// DB is a pool on the database Main prepared, for raw SQL in tests; opened on
// first use and closed when the package's tests end.
func DB(t testing.TB) *sqlx.DB {
	t.Helper()
	dbOnce.Do(func() { db, dbErr = OpenDB(current.DSN) })
	if dbErr != nil {
		t.Fatal("testenv:", dbErr)
	}
	return db
}

// Store opens a store on the database Main prepared, closed when t ends.
func Store(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), current.DSN)
	if err != nil {
		t.Fatal("testenv:", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// Env is what Main prepared for the package's tests.
type Env struct {
	DSN      string
	Temporal *devserver.Server // nil unless WithTemporal
}

// Option selects what Main starts.
type Option int

// WithTemporal also starts a Temporal dev server.
const WithTemporal Option = 1

var current Env

// Current returns the environment Main prepared.
func Current() Env { return current }

// Main prepares a migrated database named after the calling package (and a
// Temporal dev server if asked), runs the tests, and tears everything down.
func Main(m *testing.M, opts ...Option) {
	os.Exit(run(m, opts))
}

func run(m *testing.M, opts []Option) int {
	label := callerPackage()
	dsn, drop, err := MigratedDatabase(label)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testenv:", err)
		return 1
	}
	defer func() {
		if err := drop(); err != nil {
			fmt.Fprintln(os.Stderr, "testenv: drop database:", err)
		}
	}()
	current = Env{DSN: dsn}
	for _, o := range opts {
		if o == WithTemporal {
			srv, err := Temporal()
			if err != nil {
				fmt.Fprintln(os.Stderr, "testenv:", err)
				return 1
			}
			defer srv.Stop()
			current.Temporal = srv
			fmt.Fprintf(os.Stderr, "testenv: temporal dev server at %s\n", srv.Address)
		}
	}
	fmt.Fprintf(os.Stderr, "testenv: database %s\n", dbName(dsn))
	defer func() {
		if db != nil {
			db.Close()
		}
	}()
	return m.Run()
}

func dbName(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "?"
	}
	return cfg.DBName
}

// callerPackage names the test package that called Main (its last path element).
func callerPackage() string {
	pc := make([]uintptr, 8)
	n := runtime.Callers(4, pc)
	frames := runtime.CallersFrames(pc[:n])
	for {
		f, more := frames.Next()
		if fn := f.Function; fn != "" && !strings.Contains(fn, "/testenv.") {
			pkg := fn
			if i := strings.LastIndex(pkg, "/"); i >= 0 {
				pkg = pkg[i+1:]
			}
			if i := strings.Index(pkg, "."); i >= 0 {
				pkg = pkg[:i]
			}
			return pkg
		}
		if !more {
			return "pkg"
		}
	}
}
