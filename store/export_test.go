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

// SplitRangeScans makes the scans over a campaign's id range (CountMessages,
// AwaitedRelays) read in parts ranges whenever the range holds at least
// minSpan ids, until the test ends.
func SplitRangeScans(t testing.TB, minSpan, parts int64) {
	split, n := rangeSplit, rangeParts
	rangeSplit, rangeParts = minSpan, parts
	t.Cleanup(func() { rangeSplit, rangeParts = split, n })
}
