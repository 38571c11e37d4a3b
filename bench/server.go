package bench

import (
	"context"
	"fmt"
)

// Server is what a benchmark's figures depend on in the MySQL server it ran
// against: its version and the memory InnoDB keeps pages and redo in. A 1M
// campaign runs a fifth faster with a 2 GiB buffer pool than with the stock
// 128 MiB (docs/BENCHMARKS.md), so a figure without them cannot be compared.
type Server struct {
	Version    string
	BufferPool int64 // bytes
	RedoLog    int64 // bytes
}

func (s Server) String() string {
	return fmt.Sprintf("%s; InnoDB buffer pool %d MiB, redo log %d MiB", s.Version, s.BufferPool>>20, s.RedoLog>>20)
}

// ServerOf reads Server from the MySQL server dsn names. The redo log's size
// is innodb_redo_log_capacity on MySQL 8.0.30 and later, and
// innodb_log_file_size on MariaDB (one log file) and older MySQL.
func ServerOf(ctx context.Context, dsn string) (Server, error) {
	var s Server
	db, _, err := openServer(dsn)
	if err != nil {
		return s, err
	}
	defer db.Close()
	if err := db.QueryRowContext(ctx, `SELECT VERSION(), @@innodb_buffer_pool_size`).Scan(&s.Version, &s.BufferPool); err != nil {
		return s, fmt.Errorf("read the MySQL server's settings: %w", err)
	}
	if err := db.QueryRowContext(ctx, `SELECT @@innodb_redo_log_capacity`).Scan(&s.RedoLog); err != nil {
		if err := db.QueryRowContext(ctx, `SELECT @@innodb_log_file_size`).Scan(&s.RedoLog); err != nil {
			return s, fmt.Errorf("read the MySQL server's redo log size: %w", err)
		}
	}
	return s, nil
}
