package store

import "testing"

// StringLiteral is how sqlText writes s into a statement.
func StringLiteral(s string) string {
	var t sqlText
	t.str(s)
	return t.String()
}

// SplitAudienceCheck makes AudienceCheck count in parts ranges whenever the
// customers' ids span at least minSpan, until the test ends.
func SplitAudienceCheck(t testing.TB, minSpan int64, parts int) {
	split, n := audienceCheckSplit, audienceCheckParts
	audienceCheckSplit, audienceCheckParts = minSpan, parts
	t.Cleanup(func() { audienceCheckSplit, audienceCheckParts = split, n })
}

// SplitCountMessages makes CountMessages count in parts ranges whenever its
// range holds at least minSpan ids, until the test ends.
func SplitCountMessages(t testing.TB, minSpan, parts int64) {
	split, n := countSplit, countParts
	countSplit, countParts = minSpan, parts
	t.Cleanup(func() { countSplit, countParts = split, n })
}
