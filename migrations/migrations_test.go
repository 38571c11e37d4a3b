package migrations_test

import (
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/migrations"
	"github.com/sendingo/sendingo/testenv"
)

func tables(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sqlx.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var names []string
	if err := db.Select(&names, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name <> 'schema_migrations' ORDER BY table_name"); err != nil {
		t.Fatal(err)
	}
	return names
}

// A fresh database migrates up, all the way down (leaving no table), and up again.
func TestUpDownUpOnFreshDatabase(t *testing.T) {
	dsn, drop, err := testenv.CreateDatabase("migrations")
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	m, err := migrations.New(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	v, dirty, latest, err := m.Status()
	if err != nil || dirty || v != latest || v == 0 {
		t.Fatalf("after up: version %d of %d dirty=%v err=%v", v, latest, dirty, err)
	}
	first := tables(t, dsn)
	for _, want := range []string{"accounts", "users", "api_keys", "customer_groups"} {
		found := false
		for _, n := range first {
			found = found || n == want
		}
		if !found {
			t.Errorf("table %s missing after up (have %v)", want, first)
		}
	}
	if err := m.Down(0); err != nil {
		t.Fatalf("down: %v", err)
	}
	if left := tables(t, dsn); len(left) != 0 {
		t.Fatalf("tables left after down: %v", left)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if again := tables(t, dsn); len(again) != len(first) {
		t.Fatalf("second up made %v, first made %v", again, first)
	}
	// Stepping back one migration and forward again also works.
	if err := m.Down(1); err != nil {
		t.Fatalf("down 1: %v", err)
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up after down 1: %v", err)
	}
}
