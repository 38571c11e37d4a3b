package sheet

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/sendingo/sendingo/phone"
)

// validator turns the cells of a data row into a validated Row. It reads
// only the columns it maps (name, phone, e-mail, attributes): project keeps
// those cells of a file row, so rows waiting in the pipeline hold nothing
// else.
type validator struct {
	region   string
	maxValue int   // longest attribute value, in characters
	keep     []int // the file columns a projected row holds, in order
	name     int   // positions in a projected row, -1 when absent
	phone    int
	email    int
	attrs    []int // positions in a projected row
	attrCol  []int // their file columns
	keys     []string
}

func newValidator(m columnMap, region string, maxValue int) *validator {
	v := &validator{region: region, maxValue: maxValue, name: -1, phone: -1, email: -1}
	keepCol := func(i int) int {
		if i < 0 {
			return -1
		}
		v.keep = append(v.keep, i)
		return len(v.keep) - 1
	}
	v.name, v.phone, v.email = keepCol(m.name), keepCol(m.phone), keepCol(m.email)
	for _, i := range m.attrs {
		v.attrs = append(v.attrs, keepCol(i))
		v.attrCol = append(v.attrCol, i)
		v.keys = append(v.keys, m.columns[i].Key)
	}
	return v
}

// project returns the cells of a file row the validator reads, and how many
// bytes of text they hold.
func (v *validator) project(cells []string) ([]string, int) {
	out := make([]string, len(v.keep))
	n := 0
	for j, i := range v.keep {
		if i < len(cells) {
			out[j] = cells[i]
			n += len(cells[i])
		}
	}
	return out, n
}

// row validates a projected row. The error is a *LimitError for an attribute
// value over the limit.
func (v *validator) row(line int, cells []string) (Row, error) {
	cell := func(i int) string {
		if i < 0 || i >= len(cells) {
			return ""
		}
		return clean(trim(cells[i]))
	}
	r := Row{
		Line:     line,
		Name:     cell(v.name),
		RawPhone: cell(v.phone),
		Email:    cell(v.email),
	}
	for j, i := range v.attrs {
		val := cell(i)
		if val == "" {
			continue
		}
		if n := utf8.RuneCountInString(val); n > v.maxValue {
			return r, limitErr(LimitAttributeValue, int64(v.maxValue), "line %d, column %s (%q): the value is %d characters long; attribute values may have at most %d",
				line, columnName(v.attrCol[j]), v.keys[j], n, v.maxValue)
		}
		if r.Attributes == nil {
			r.Attributes = make(map[string]string, len(v.attrs))
		}
		r.Attributes[v.keys[j]] = val
	}

	var problems []string
	r.Verdict = VerdictOK
	verdict := func(v, reason string) {
		if r.Verdict == VerdictOK {
			r.Verdict = v
		}
		problems = append(problems, reason)
	}
	if r.RawPhone == "" {
		verdict(VerdictMissingPhone, "phone is empty")
	} else if e164, reason := normalizePhone(r.RawPhone, v.region); reason != "" {
		verdict(VerdictInvalidPhone, reason)
	} else {
		r.Phone = e164
	}
	if r.Name == "" {
		verdict(VerdictMissingName, "name is empty")
	}
	if r.Email != "" && !validEmail(r.Email) {
		verdict(VerdictInvalidEmail, fmt.Sprintf("e-mail %s is not a valid address", short(r.Email)))
	}
	r.Reason = strings.Join(problems, "; ")
	return r, nil
}

// normalizePhone returns the E.164 form of a phone cell, or a reason it has none.
//
// Spreadsheets store a phone typed without quotes as a number: the leading 0
// goes (1012345678, which phone.Normalize restores), a leading + goes
// (821012345678), and some writers render the number as 1012345678.0 or
// 1.012345678E+09. Those renderings are turned back into digits first. Excel's
// CSV export of a narrow column writes 1.01E+09: the digits are gone, and the
// reason says so instead of guessing.
func normalizePhone(raw, region string) (string, string) {
	s := raw
	if digits, lost, ok := numericDigits(raw); ok {
		if lost {
			return "", fmt.Sprintf("phone %s lost its digits: Excel wrote the number in scientific notation; format the phone column as text and save the file again", short(raw))
		}
		s = digits
	}
	e164, err := phone.Normalize(s, region)
	if err != nil && isDigits(s) {
		// A number typed as +82 10... loses its +; if the digits start with
		// the region's country code, read them as international.
		if region == "" {
			region = phone.DefaultRegion
		}
		if cc := phonenumbers.GetCountryCodeForRegion(region); cc > 0 && strings.HasPrefix(s, strconv.Itoa(cc)) {
			e164, err = phone.Normalize("+"+s, region)
		}
	}
	if err != nil {
		return "", fmt.Sprintf("phone %s is not a valid number", short(raw))
	}
	return e164, ""
}

// numericDigits reads the float renderings of an integer, "1012345678.0" and
// "1.012345678E+09", as its digits. ok is false for anything else (including
// plain digits, which need no help). lost is true when the rendering has fewer
// significant digits than the number ("1.01E+09").
func numericDigits(s string) (digits string, lost, ok bool) {
	if i := strings.IndexByte(s, '.'); i > 0 && isDigits(s[:i]) && strings.Trim(s[i+1:], "0") == "" {
		return s[:i], false, true
	}
	e := strings.IndexAny(s, "eE")
	if e < 1 {
		return "", false, false
	}
	mant, exp := s[:e], strings.TrimPrefix(s[e+1:], "+")
	if !isDigits(exp) || len(exp) > 2 {
		return "", false, false
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	if len(intPart) != 1 || !isDigits(intPart) || intPart == "0" || (frac != "" && !isDigits(frac)) {
		return "", false, false
	}
	n, _ := strconv.Atoi(exp)
	sig := intPart + frac
	width := n + 1 // digits of the integer
	if width > 15 {
		return "", false, false // longer than any phone number
	}
	if len(sig) > width {
		if strings.Trim(sig[width:], "0") != "" {
			return "", false, false // not an integer
		}
		return sig[:width], false, true
	}
	return sig + strings.Repeat("0", width-len(sig)), len(sig) < width, true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validEmail is a deliberately plain check: one @, something before it, a
// dotted domain after it, no spaces. Deliverability is the mail relay's
// business; this catches typos like "hong@naver" or "hong.naver.com".
func validEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || len(s) > 254 || len(local) > 64 || strings.ContainsAny(domain, "@") {
		return false
	}
	if strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == ',' || r == ';' || r == '<' || r == '>' || r == '"' || r == '\u00a0' || r == '\u3000'
	}) {
		return false
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return false
		}
	}
	return true
}

// clean makes a cell safe to store: MySQL's utf8mb4 columns refuse invalid
// UTF-8, which a mis-detected CSV encoding would otherwise produce.
func clean(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// short shortens a cell quoted in a Reason, so a pasted paragraph does
// not become the message.
func short(s string) string {
	const limit = 40
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "…"
	}
	return s
}
