package render

import "unicode/utf8"

// TruncateRunes cuts s to at most n characters (runes), for columns and
// answers whose limit counts characters.
func TruncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
