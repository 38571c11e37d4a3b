package sheet

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Header titles recognised for the customer fields, for showing to people
// (error messages, the upload page); changing them changes no matching. Matching ignores case, spaces, '-', '_' and '.', and a
// trailing "*" or "(필수)"-style remark, so "Phone Number", "phone_number",
// "E-Mail" and "전화번호 (필수)" all match.
var (
	NameTitles  = []string{"이름", "성명", "name", "고객명"}
	PhoneTitles = []string{"전화번호", "휴대폰", "휴대전화", "핸드폰", "연락처", "phone", "mobile", "phone number"}
	EmailTitles = []string{"이메일", "메일", "email", "e-mail"}
)

// titleFields maps a normalised title (see titleKey) to its field: the titles
// above plus the spellings people commonly write next to them.
var titleFields = func() map[string]Field {
	m := make(map[string]Field)
	add := func(f Field, titles ...string) {
		for _, t := range titles {
			m[titleKey(t)] = f
		}
	}
	add(FieldName, NameTitles...)
	add(FieldName, "성함", "고객이름", "고객 성명", "full name", "customer name")
	add(FieldPhone, PhoneTitles...)
	add(FieldPhone, "휴대폰번호", "휴대전화번호", "핸드폰번호", "전화", "연락처(휴대폰)", "mobile phone", "cell phone", "mobile number", "tel")
	add(FieldEmail, EmailTitles...)
	add(FieldEmail, "이메일주소", "메일주소", "email address", "e-mail address")
	return m
}()

// titleKey normalises a header title for matching against titleFields.
func titleKey(title string) string {
	s := strings.ToLower(trim(title))
	s = strings.TrimRight(s, "* ")
	// A trailing remark in brackets: "전화번호(필수)", "Phone (required)".
	// A title that is only a bracketed remark is left alone.
	if strings.HasSuffix(s, ")") {
		if i := strings.LastIndexByte(s, '('); i > 0 {
			s = s[:i]
		}
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '_', '.', '\u00a0', '\u3000':
			return -1
		}
		return r
	}, s)
}

// hasPhoneTitle reports whether a row names a phone column; used to find the
// header below title lines.
func hasPhoneTitle(cells []string) bool {
	for _, c := range cells {
		if titleFields[titleKey(c)] == FieldPhone {
			return true
		}
	}
	return false
}

// maxTitleLen caps a header title (in characters), and so an attribute key:
// titles are names, and a "title" of kilobytes is a data row taken for a header.
const maxTitleLen = 100

// columnMap is the header row turned into positions of the fields.
type columnMap struct {
	columns            []Column
	name, phone, email int // column index, -1 when absent
	attrs              []int
}

// mobileTitles are the phone titles that say "mobile". When a list has two
// phone columns (say 전화번호 for the office and 휴대폰), messages should go
// to the mobile one.
var mobileTitles = func() map[string]bool {
	m := make(map[string]bool)
	for _, t := range []string{"휴대폰", "휴대전화", "핸드폰", "휴대폰번호", "휴대전화번호", "핸드폰번호", "mobile", "mobile phone", "mobile number", "cell phone"} {
		m[titleKey(t)] = true
	}
	return m
}()

// mapHeader maps the header cells to fields. The first column titled as a
// field takes it, except that a mobile-titled phone column is preferred over
// a generic one (see mobileTitles). Other columns titled as a field (a second
// "이름", the office phone) are kept as attributes, with a Note, so no data is
// lost. Repeated titles get " (2)", " (3)", ... in their attribute keys, so
// every key is unique (ignoring case).
func mapHeader(cells []string) columnMap {
	m := columnMap{name: -1, phone: -1, email: -1}
	// Trailing blank header cells are formatting left-overs, not columns.
	n := len(cells)
	for n > 0 && trim(cells[n-1]) == "" {
		n--
	}
	titles := make([]string, n)
	fields := make([]Field, n)
	mobile := -1
	for i := range n {
		title := clean(trim(cells[i]))
		if utf8.RuneCountInString(title) > maxTitleLen {
			title = string([]rune(title)[:maxTitleLen])
		}
		titles[i] = title
		if title == "" {
			fields[i] = FieldIgnored
			continue
		}
		fields[i] = titleFields[titleKey(title)]
		switch fields[i] {
		case FieldName:
			m.name = firstOf(m.name, i)
		case FieldEmail:
			m.email = firstOf(m.email, i)
		case FieldPhone:
			m.phone = firstOf(m.phone, i)
			if mobileTitles[titleKey(title)] {
				mobile = firstOf(mobile, i)
			}
		}
	}
	if mobile >= 0 {
		m.phone = mobile
	}

	seen := make(map[string]bool) // lower-cased titles and keys in use
	for _, i := range []int{m.name, m.phone, m.email} {
		if i >= 0 {
			seen[strings.ToLower(titles[i])] = true
		}
	}
	unique := func(title string) string {
		key := title
		for i := 2; seen[strings.ToLower(key)]; i++ {
			key = fmt.Sprintf("%s (%d)", title, i)
		}
		seen[strings.ToLower(key)] = true
		return key
	}
	for i, title := range titles {
		col := Column{Index: i, Title: title, Field: fields[i]}
		switch {
		case col.Field == FieldIgnored:
			col.Note = "the column has no title, so its cells are not imported"
		case i == m.name || i == m.phone || i == m.email:
		default:
			col.Field = FieldAttribute
			col.Key = unique(title)
			if fields[i] != "" {
				taken := map[Field]int{FieldName: m.name, FieldPhone: m.phone, FieldEmail: m.email}[fields[i]]
				col.Note = fmt.Sprintf("another column (%q) is the %s; this one is kept as the attribute %q",
					titles[taken], fields[i], col.Key)
			} else if col.Key != title {
				col.Note = fmt.Sprintf("the title %q is repeated; this column is kept as the attribute %q", title, col.Key)
			}
			m.attrs = append(m.attrs, i)
		}
		m.columns = append(m.columns, col)
	}
	return m
}

func firstOf(current, i int) int {
	if current < 0 {
		return i
	}
	return current
}
