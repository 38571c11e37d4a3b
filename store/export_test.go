package store

import "testing"

// StringLiteral is how sqlText writes s into a statement.
func StringLiteral(s string) string {
	var t sqlText
	t.str(s)
	return t.String()
}

// SplitRangeScans makes the scans over an id range (AudienceCheck,
// CountMessages, AwaitedRelays) read in parts ranges whenever the range holds
// at least minSpan ids, until the test ends.
func SplitRangeScans(t testing.TB, minSpan, parts int64) {
	split, n := rangeSplit, rangeParts
	rangeSplit, rangeParts = minSpan, parts
	t.Cleanup(func() { rangeSplit, rangeParts = split, n })
}
