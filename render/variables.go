package render

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sendingo/sendingo/memo"
	"golang.org/x/text/unicode/norm"
)

// placeholder is one "#{" found in a text: a variable, or a malformed placeholder
// when problem is set.
type placeholder struct {
	start, end int    // byte offsets: s[start:end] is the placeholder as written
	name       string // NFC-normalised name; set only for a well-formed variable
	problem    string // what is malformed ("an unclosed variable"); "" for a variable
	hint       string // how to fix it
}

// scan finds every placeholder in s. It works on bytes: "#", "{", "}" and line
// breaks are ASCII and never occur inside a multi-byte UTF-8 sequence.
func scan(s string) []placeholder {
	var out []placeholder
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "#{")
		if j < 0 {
			break
		}
		start := i + j
		nameStart := start + 2
		closeAt, stop := -1, len(s)
		for p := nameStart; p < len(s); p++ {
			c := s[p]
			if c == '}' {
				closeAt = p
				break
			}
			// A name never spans lines or another "#{"; stopping there points the
			// operator at the placeholder actually left open.
			if c == '\n' || c == '\r' || (c == '#' && p+1 < len(s) && s[p+1] == '{') {
				stop = p
				break
			}
		}
		if closeAt < 0 {
			out = append(out, placeholder{start: start, end: stop,
				problem: "an unclosed variable", hint: `add "}" after the name`})
			i = stop
			continue
		}
		name := s[nameStart:closeAt]
		ph := placeholder{start: start, end: closeAt + 1}
		if hint := checkName(name); hint != "" {
			ph.problem, ph.hint = "a malformed variable", hint
		} else {
			ph.name = norm.NFC.String(name)
		}
		out = append(out, ph)
		i = closeAt + 1
	}
	return out
}

// checkName explains what is wrong with a variable name, or returns "".
func checkName(name string) string {
	if name == "" {
		return "the name is empty; write one between the braces, e.g. #{이름}"
	}
	for _, r := range name {
		if isNameRune(r) {
			continue
		}
		if unicode.IsSpace(r) {
			return "a variable name cannot contain spaces"
		}
		return fmt.Sprintf("%q cannot appear in a variable name (use letters, digits, _ . -)", r)
	}
	return ""
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '.' || r == '-' ||
		// Combining marks keep decomposed (NFD) text such as Mac-typed Hangul valid;
		// the name is compared in NFC anyway.
		unicode.Is(unicode.Mn, r)
}

// Variables returns the distinct variable names used in texts, in order of first
// appearance. Malformed placeholders are skipped; Validate reports them.
func Variables(texts ...string) []string {
	var names []string
	seen := map[string]bool{}
	for _, s := range texts {
		for _, ph := range scan(s) {
			if ph.problem == "" && !seen[ph.name] {
				seen[ph.name] = true
				names = append(names, ph.name)
			}
		}
	}
	return names
}

// placeholderProblems reports every malformed placeholder in s with its line and
// column (1-based, columns counted in characters).
func placeholderProblems(field, s string) []FieldProblem {
	var out []FieldProblem
	for _, ph := range scan(s) {
		if ph.problem == "" {
			continue
		}
		line, col := position(s, ph.start)
		out = append(out, FieldProblem{Field: field, Message: fmt.Sprintf("has %s at line %d, column %d: %q — %s",
			ph.problem, line, col, snippet(s[ph.start:ph.end]), ph.hint)})
	}
	return out
}

// snippet shortens a quoted placeholder so a runaway one does not flood the message.
func snippet(s string) string {
	const max = 24
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	return string([]rune(s)[:max]) + "…"
}

func position(s string, offset int) (line, col int) {
	before := s[:offset]
	line = strings.Count(before, "\n") + 1
	lineStart := strings.LastIndex(before, "\n") + 1
	return line, utf8.RuneCountInString(before[lineStart:]) + 1
}

// substitute replaces every variable in s with its value, inserted literally.
// Callers check for missing names and malformed placeholders first; a name absent
// from values is left as written.
func substitute(s string, values map[string]string) string {
	return substituteEscaped(s, values, nil)
}

// substituteEscaped is substitute with each value passed through escape
// (when not nil) on its way in.
func substituteEscaped(s string, values map[string]string, escape func(string) string) string {
	phs := scan(s)
	if len(phs) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, ph := range phs {
		v, ok := values[ph.name]
		if ph.problem != "" || !ok {
			continue
		}
		if escape != nil {
			v = escape(v)
		}
		b.WriteString(s[last:ph.start])
		b.WriteString(v)
		last = ph.end
	}
	b.WriteString(s[last:])
	return b.String()
}

// nfcKeys returns values keyed by NFC-normalised names, so that lookups by the
// normalised names scan produces succeed. An exact NFC key wins over a key that
// only normalises to it.
func nfcKeys(values map[string]string) map[string]string {
	normal := true
	for k := range values {
		if !isNFC(k) {
			normal = false
			break
		}
	}
	if normal {
		return values
	}
	out := make(map[string]string, len(values))
	for k, v := range values {
		if isNFC(k) {
			out[k] = v
		}
	}
	for k, v := range values {
		n := norm.NFC.String(k)
		if _, ok := out[n]; !ok {
			out[n] = v
		}
	}
	return out
}

// nfcKnown remembers which variable names are in NFC: a campaign renders the
// same few names for every recipient, and checking a Korean name's form each
// time was a twentieth of the prepare's CPU. Bounded, as names come from
// tenants' data.
var nfcKnown = memo.New[bool](4096, 128)

// isNFC reports whether name is in NFC (ASCII always is).
func isNFC(name string) bool {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return true
	}
	if ok, known := nfcKnown.Get(name); known {
		return ok
	}
	ok := norm.NFC.IsNormalString(name)
	nfcKnown.Put(name, ok)
	return ok
}
