package bench

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/testenv"
)

// The line a bench prints under its machine line names the server and its
// InnoDB memory as the server itself reports them (SHOW VARIABLES, a path of
// its own), in MiB.
func TestServerOfNamesTheServersMemory(t *testing.T) {
	ctx := context.Background()
	srv, err := ServerOf(ctx, testenv.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	db, _, err := openServer(testenv.ServerDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	vars := map[string]int64{}
	rows, err := db.QueryContext(ctx, `SHOW GLOBAL VARIABLES WHERE Variable_name IN
		('innodb_buffer_pool_size', 'innodb_redo_log_capacity', 'innodb_log_file_size')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var v int64
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatal(err)
		}
		vars[name] = v
	}
	redo, ok := vars["innodb_redo_log_capacity"]
	if !ok {
		redo = vars["innodb_log_file_size"]
	}
	var version string
	if err := db.QueryRowContext(ctx, `SELECT VERSION()`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	line := srv.String()
	for _, want := range []string{version + "; InnoDB",
		fmt.Sprintf("buffer pool %d MiB", vars["innodb_buffer_pool_size"]>>20),
		fmt.Sprintf("redo log %d MiB", redo>>20)} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	if vars["innodb_buffer_pool_size"] == 0 || redo == 0 {
		t.Fatalf("the server reported no buffer pool or redo log: %v", vars)
	}
}
