package migrations_test

import (
	"bytes"
	"crypto/sha256"
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

// migrated is a fresh database migrated up, and its migrator; both go when
// the test ends.
func migrated(t *testing.T) (string, *migrations.Migrator) {
	t.Helper()
	dsn, drop, err := testenv.CreateDatabase("migrations")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = drop() })
	m, err := migrations.New(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	return dsn, m
}

// A fresh database migrates up, all the way down (leaving no table), and up again.
func TestUpDownUpOnFreshDatabase(t *testing.T) {
	dsn, m := migrated(t)
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

// Moving click agents into user_agents keeps every click's agent and what it
// parsed to, one row per distinct agent (agents differing only in case are
// two), and stepping back puts them on the clicks again.
func TestClickAgentsSurviveTheirMove(t *testing.T) {
	dsn, m := migrated(t)
	// Back to version 21, the last with the agent on every click.
	_, _, latest, err := m.Status()
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Down(int(latest) - 21); err != nil {
		t.Fatalf("down to 21: %v", err)
	}
	db, err := sqlx.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type click struct {
		Token   string `db:"token"`
		Agent   string `db:"user_agent"`
		Device  string `db:"device"`
		OS      string `db:"os"`
		Browser string `db:"browser"`
	}
	clicks := []click{
		{"tok0000000000000000001", "Mozilla/5.0 KAKAOTALK", "mobile", "Android", "KakaoTalk"},
		{"tok0000000000000000002", "mozilla/5.0 kakaotalk", "mobile", "Android", "KakaoTalk"},
		{"tok0000000000000000003", "Mozilla/5.0 KAKAOTALK", "mobile", "Android", "KakaoTalk 10"}, // a later parser's reading
		{"tok0000000000000000004", "Mozilla/5.0 (Linux; 안드로이드)", "mobile", "Android", "Chrome"},
		{"tok0000000000000000005", "Slackbot-LinkExpanding 1.0", "bot", "", "Slackbot"},
	}
	// Moved, an agent's clicks read its latest click's parse.
	moved := append([]click(nil), clicks...)
	moved[0].Browser = "KakaoTalk 10"
	for i, c := range clicks {
		if _, err := db.Exec(`INSERT INTO clicks (token, message_id, campaign_id, account_id, link_idx, bot, clicked_at, user_agent, device, os, browser)
			VALUES (?, ?, 9, 3, 0, 0, NOW(6), ?, ?, ?, ?)`, c.Token, 100+i, c.Agent, c.Device, c.OS, c.Browser); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Up(); err != nil {
		t.Fatalf("up: %v", err)
	}
	// One row per agent, keyed by the SHA-256 the recorder computes in Go.
	var agents []struct {
		Hash  []byte `db:"hash"`
		Agent string `db:"agent"`
	}
	if err := db.Select(&agents, `SELECT hash, agent FROM user_agents`); err != nil || len(agents) != 4 {
		t.Fatalf("%d user_agents rows (%v), want 4", len(agents), err)
	}
	for _, a := range agents {
		if h := sha256.Sum256([]byte(a.Agent)); !bytes.Equal(a.Hash, h[:]) {
			t.Errorf("agent %q stored with hash %x, Go's is %x", a.Agent, a.Hash, h)
		}
	}
	check := func(q string, want []click) {
		t.Helper()
		var got []click
		if err := db.Select(&got, q); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("%d clicks, want %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("click %d reads %+v, want %+v", i, got[i], want[i])
			}
		}
	}
	check(`SELECT c.token, a.agent AS user_agent, a.device, a.os, a.browser FROM clicks c JOIN user_agents a ON a.id = c.agent_id ORDER BY c.token`, moved)
	if err := m.Down(int(latest) - 21); err != nil {
		t.Fatalf("down to 21 again: %v", err)
	}
	check(`SELECT token, user_agent, device, os, browser FROM clicks ORDER BY token`, moved)
}
