package render

import (
	"html"
	"strings"
)

// Advertisement markers (see the package doc for where they go).
const (
	AdPrefix    = "(광고)"
	OptoutLabel = "무료수신거부"
)

// adText wraps an SMS/LMS body the way an advertisement must go out:
// "(광고) [name\n]body\n무료수신거부 number".
func adText(body string, acct AccountSettings) string {
	head := AdPrefix + " "
	if name := oneLine(strings.TrimSpace(acct.Name)); name != "" {
		head += name + "\n"
	}
	return head + body + adFooter(acct)
}

func adSubject(subject string) string {
	return AdPrefix + " " + subject
}

func adFooter(acct AccountSettings) string {
	return "\n" + OptoutLabel + " " + strings.TrimSpace(acct.OptoutNumber)
}

// emailAdBody is an advertising e-mail's body with its opt-out line: a line
// for text, a paragraph before "</body>" for HTML (where a line break would
// vanish, and text after "</html>" is out of place).
func emailAdBody(body string, acct AccountSettings, isHTML bool) string {
	if !isHTML {
		return body + adFooter(acct)
	}
	return inBody(body, `<p style="font-size:12px;color:#666">`+OptoutLabel+" "+html.EscapeString(strings.TrimSpace(acct.OptoutNumber))+`</p>`)
}

// inBody adds an HTML fragment at the end of body's <body>, or at its end.
func inBody(body, fragment string) string {
	if i := strings.LastIndex(strings.ToLower(body), "</body>"); i >= 0 {
		return body[:i] + fragment + body[i:]
	}
	return body + fragment
}

// adMark returns the advertisement mark s starts with ("(광고)" or "[광고]"), or "".
// It catches operators writing the mark themselves, which would either double it
// or, on a template not marked as an advertisement, reveal an unmarked one.
func adMark(s string) string {
	s = strings.TrimSpace(s)
	for _, m := range []string{AdPrefix, "[광고]"} {
		if strings.HasPrefix(s, m) {
			return m
		}
	}
	return ""
}

// oneLine turns line breaks into spaces: subjects, titles and button names are
// single lines, and a header must never be split by a value.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", " ")
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// IsHTML tells whether an e-mail template's body is HTML: it starts with a
// tag or a declaration ("<" and an ASCII letter, or "<!"), so a text mail that
// opens with a bracketed notice such as "<공지>" stays text. The body is judged
// as written, once: Render escapes the values of an HTML one, and its messages
// go as text/html (relay.Message.HTML); a text body led by a value such as
// "<VIP>" stays text.
func IsHTML(body string) bool {
	s := strings.TrimSpace(body)
	if len(s) < 2 || s[0] != '<' {
		return false
	}
	c := s[1] | 0x20 // ASCII lower case
	return 'a' <= c && c <= 'z' || s[1] == '!'
}

// UnsubscribeLabel introduces the unsubscribe link of an advertising e-mail.
const UnsubscribeLabel = "수신거부 (Unsubscribe)"

// WithUnsubscribeLink adds the recipient's unsubscribe link to the body of an
// advertising e-mail: a paragraph with a link for an HTML body (isHTML: its
// template's body IsHTML), a line for text.
func WithUnsubscribeLink(body, url string, isHTML bool) string {
	if isHTML {
		return inBody(body, `<p style="font-size:12px;color:#666"><a href="`+html.EscapeString(url)+`">`+UnsubscribeLabel+`</a></p>`)
	}
	return body + "\n" + UnsubscribeLabel + ": " + url
}
