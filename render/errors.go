package render

import (
	"strconv"
	"strings"
)

// FieldProblem names one invalid field of a template. Field is the REST API's
// name ("body", "buttons[2].name"); Message completes a sentence that starts with
// the field name ("is required"), the way the API reports validation errors.
type FieldProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p FieldProblem) String() string { return p.Field + " " + p.Message }

// InvalidTemplateError is returned by Render for a template Validate refuses,
// e.g. one saved before the account's opt-out number was removed.
type InvalidTemplateError struct {
	Problems []FieldProblem
}

func (e *InvalidTemplateError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "the template cannot be sent: " + strings.Join(parts, "; ")
}

// MissingVariablesError lists every variable the template uses that has no
// value, in order of first appearance in the template (Template.Variables order).
type MissingVariablesError struct {
	Names []string
}

func (e *MissingVariablesError) Error() string {
	quoted := make([]string, len(e.Names))
	for i, n := range e.Names {
		quoted[i] = "#{" + n + "}"
	}
	noun := "variable"
	if len(e.Names) > 1 {
		noun = "variables"
	}
	return "no value for the " + noun + " " + strings.Join(quoted, ", ")
}

// LimitError reports a rendered text that exceeds a length limit.
type LimitError struct {
	Field string // API field name: "body", "subject", "fallback_text", "buttons[0].name", …
	Rule  string // the limit broken: "LMS body", "LMS title", "AlimTalk body", "AlimTalk button name"
	Max   int
	Size  int
	Unit  string // UnitBytes, UnitChars or UnitUTF8Bytes
}

// Units of LimitError.
const (
	UnitBytes     = "bytes" // as Korean carriers count them (SMSBytes)
	UnitChars     = "characters"
	UnitUTF8Bytes = "bytes (UTF-8)"
)

func (e *LimitError) Error() string {
	return e.Field + " is " + count(e.Size, e.Unit) + " as it will be sent, over the " +
		e.Rule + " limit of " + count(e.Max, e.Unit) + unitNote(e.Unit)
}

// InvalidURLError reports a button URL that is no longer a valid web address
// once the values are filled in. Values are percent-encoded where they stand
// and the host comes before any of them, so this is a guard, not an outcome
// any value is known to reach.
type InvalidURLError struct {
	Field  string // "buttons[0].mobile_url" or "buttons[0].pc_url"
	URL    string // the URL as rendered
	Reason string
}

func (e *InvalidURLError) Error() string {
	return e.Field + " " + strconv.Quote(e.URL) + " is not a valid web address once the values are filled in: " + e.Reason
}

// count formats a non-negative n with thousands separators and its unit: "2,013 bytes".
func count(n int, unit string) string {
	s := strconv.Itoa(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String() + " " + unit
}

// unitNote explains the byte count, which surprises operators used to characters.
func unitNote(unit string) string {
	if unit == UnitBytes {
		return " (Korean characters count 2 bytes)"
	}
	return ""
}
