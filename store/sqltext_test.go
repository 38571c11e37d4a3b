package store_test

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// TestSQLTextLiteralsReadBackAsWritten: every string written as a literal
// reads back from MariaDB byte for byte, with backslashes escaping or not
// (sql_mode NO_BACKSLASH_ESCAPES), and nothing in a value can end its literal.
// A string that is not UTF-8 is refused by MariaDB (as it was when the driver
// wrote it), never read as another string.
func TestSQLTextLiteralsReadBackAsWritten(t *testing.T) {
	values := []string{"", "plain", "고객1님, VIP 회원 혜택을 확인하세요", "emoji 🎉", "it's", `back\slash`, `\'`, `\`,
		"' OR '1'='1", "'; DROP TABLE campaign_messages; -- ", "nul\x00byte", "\x1a", "line\nbreak\r\t", `"double"`,
		"\xc3'", "\xff' OR 1=1 -- ", "%_", "2026-11-26 05:04:03.123456"}
	ctx := context.Background()
	db := testenv.DB(t)
	for _, mode := range []string{"", "NO_BACKSLASH_ESCAPES"} {
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.ExecContext(ctx, `SET SESSION sql_mode = CONCAT(@@sql_mode, ?)`, ","+mode); mode != "" && err != nil {
			t.Fatal(err)
		}
		for _, v := range values {
			lit := store.StringLiteral(v)
			var got []byte
			err := conn.QueryRowContext(ctx, "SELECT CAST("+lit+" AS BINARY)").Scan(&got)
			if err != nil && !utf8.ValidString(v) && strings.Contains(err.Error(), "Invalid utf8mb4") {
				continue
			}
			if err != nil {
				t.Fatalf("sql_mode +%q: %q as %s: %v", mode, v, lit, err)
			}
			if string(got) != v {
				t.Errorf("sql_mode +%q: %q written as %s read back as %q", mode, v, lit, got)
			}
			if strings.Count(strings.TrimPrefix(lit, "_utf8mb4 X"), "'") != 2 {
				t.Errorf("%q is written as %s: a quote inside the literal", v, lit)
			}
		}
		conn.Close()
	}
}
