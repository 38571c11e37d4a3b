package store

// StringLiteral is how sqlText writes s into a statement.
func StringLiteral(s string) string {
	var t sqlText
	t.str(s)
	return t.String()
}
