package store

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// sqlText builds a statement with its values written in as literals. It is for
// the statements that carry thousands of values (a batch of message rows, a
// slice's results): passed as arguments, each value was boxed into an
// interface, converted twice by database/sql and then copied by the driver
// into the same statement text anyway — a sixth of what the worker allocated
// in a 1M campaign.
//
// A string is written between single quotes as it is only when that text means
// the same to MariaDB whatever the session's sql_mode: valid UTF-8 without a
// quote, a backslash or a NUL (so nothing in it can end or escape the
// literal). Any other string is written as a hex literal of its bytes with
// the utf8mb4 introducer, whose text is hex digits alone.
type sqlText struct{ b []byte }

// sql appends SQL text (never a value).
func (t *sqlText) sql(s string) { t.b = append(t.b, s...) }

// str appends the literal of a string value.
func (t *sqlText) str(s string) {
	if plainLiteral(s) {
		t.b = append(t.b, '\'')
		t.b = append(t.b, s...)
		t.b = append(t.b, '\'')
		return
	}
	t.b = append(t.b, "_utf8mb4 X'"...)
	t.b = hex.AppendEncode(t.b, []byte(s))
	t.b = append(t.b, '\'')
}

// int appends the literal of an integer value.
func (t *sqlText) int(n int64) { t.b = strconv.AppendInt(t.b, n, 10) }

// ints appends a parenthesised list of integer literals, (1,2,…).
func (t *sqlText) ints(ns []int64) {
	t.list(len(ns), func(i int) { t.int(ns[i]) })
}

// strs appends a parenthesised list of string literals, ('a','b',…).
func (t *sqlText) strs(ss []string) {
	t.list(len(ss), func(i int) { t.str(ss[i]) })
}

// list appends (item 0,item 1,…) for n items.
func (t *sqlText) list(n int, item func(i int)) {
	t.sql("(")
	for i := range n {
		if i > 0 {
			t.sql(",")
		}
		item(i)
	}
	t.sql(")")
}

// String is the statement.
func (t *sqlText) String() string { return string(t.b) }

// plainLiteral tells whether s may be written between quotes as it is.
func plainLiteral(s string) bool {
	return !strings.ContainsAny(s, "'\\\x00") && utf8.ValidString(s)
}
