package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/spf13/cobra"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/migrations"
)

func migrateCmd(load loader) *cobra.Command {
	cmd := &cobra.Command{Use: "migrate", Short: "Apply or roll back database migrations"}
	open := func() (*migrations.Migrator, error) {
		cfg, _, err := load()
		if err != nil {
			return nil, err
		}
		if err := ensureDatabase(context.Background(), cfg); err != nil {
			return nil, err
		}
		return migrations.New(cfg.MySQLDSN)
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "up",
		Short: "Apply every pending migration (creates the database if missing)",
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Up(); err != nil {
				return err
			}
			v, _, _, err := m.Status()
			fmt.Fprintf(cmd.OutOrStdout(), "migrated to version %d\n", v)
			return err
		},
	}, &cobra.Command{
		Use:   "down [N]",
		Short: "Roll back N migrations (all when N is omitted)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			if len(args) == 1 {
				var err error
				if n, err = strconv.Atoi(args[0]); err != nil || n < 1 {
					return fmt.Errorf("the number of migrations to roll back must be positive, got %q", args[0])
				}
			}
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			if err := m.Down(n); err != nil {
				return err
			}
			v, _, _, err := m.Status()
			fmt.Fprintf(cmd.OutOrStdout(), "database at version %d\n", v)
			return err
		},
	}, &cobra.Command{
		Use:   "status",
		Short: "Show the applied and the latest migration version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			m, err := open()
			if err != nil {
				return err
			}
			defer m.Close()
			v, dirty, latest, err := m.Status()
			if err != nil {
				return err
			}
			state := "up to date"
			switch {
			case dirty:
				state = "DIRTY: the last migration failed half-way; fix it by hand, then force the version"
			case v < latest:
				state = fmt.Sprintf("%d pending", latest-v)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "version %d of %d (%s)\n", v, latest, state)
			return nil
		},
	})
	return cmd
}

// ensureDatabase creates the DSN's database when it does not exist yet.
func ensureDatabase(ctx context.Context, cfg config.Config) error {
	dc, err := mysql.ParseDSN(cfg.MySQLDSN)
	if err != nil {
		return fmt.Errorf("SENDINGO_MYSQL_DSN: %w", err)
	}
	name := dc.DBName
	if name == "" {
		return fmt.Errorf("SENDINGO_MYSQL_DSN names no database (…/dbname)")
	}
	dc.DBName = ""
	db, err := sqlx.Open("mysql", dc.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		return mysqlHint(cfg, err)
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	return err
}
