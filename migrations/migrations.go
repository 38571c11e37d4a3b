// Package migrations embeds the numbered SQL migrations and applies them with
// golang-migrate. Each migration is written to run on MySQL 8 and MariaDB 10.11.
package migrations

import (
	"embed"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
	"github.com/golang-migrate/migrate/v4"
	migratemysql "github.com/golang-migrate/migrate/v4/database/mysql"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/jmoiron/sqlx"
)

//go:embed *.sql
var files embed.FS

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m *migrate.Migrate
}

// New opens a migrator for the database named in dsn. The DSN may be any
// go-sql-driver DSN; multi-statement support is switched on here.
func New(dsn string) (*Migrator, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse MySQL DSN: %w", err)
	}
	cfg.MultiStatements = true
	cfg.ParseTime = true
	db, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return nil, err
	}
	driver, err := migratemysql.WithInstance(db.DB, &migratemysql.Config{DatabaseName: cfg.DBName})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migration driver: %w", err)
	}
	src, err := iofs.New(files, ".")
	if err != nil {
		db.Close()
		return nil, err
	}
	m, err := migrate.NewWithInstance("iofs", src, cfg.DBName, driver)
	if err != nil {
		db.Close()
		return nil, err
	}
	return &Migrator{m: m}, nil
}

// Up applies every pending migration.
func (g *Migrator) Up() error { return ignoreNoChange(g.m.Up()) }

// Down rolls back n migrations; n <= 0 rolls back all of them.
func (g *Migrator) Down(n int) error {
	if n <= 0 {
		return ignoreNoChange(g.m.Down())
	}
	return ignoreNoChange(g.m.Steps(-n))
}

// Status reports the applied version, whether the last migration failed half-way,
// and the newest version embedded in this binary.
func (g *Migrator) Status() (version uint, dirty bool, latest uint, err error) {
	version, dirty, err = g.m.Version()
	if errors.Is(err, migrate.ErrNilVersion) {
		version, err = 0, nil
	}
	if err != nil {
		return 0, false, 0, err
	}
	src, err := iofs.New(files, ".")
	if err != nil {
		return 0, false, 0, err
	}
	defer src.Close()
	v, err := src.First()
	for err == nil {
		latest = v
		v, err = src.Next(v)
	}
	return version, dirty, latest, nil
}

// Close releases the migrator's connections.
func (g *Migrator) Close() error {
	srcErr, dbErr := g.m.Close()
	return errors.Join(srcErr, dbErr)
}

func ignoreNoChange(err error) error {
	if errors.Is(err, migrate.ErrNoChange) {
		return nil
	}
	return err
}

// Up is a one-call convenience: open, migrate up, close.
func Up(dsn string) error {
	g, err := New(dsn)
	if err != nil {
		return err
	}
	defer g.Close()
	return g.Up()
}
