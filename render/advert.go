package render

import (
	"html"
	"strings"
	"unicode"
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

// IsHTML tells whether an e-mail template's body is HTML. The body is judged as
// written, once: Render escapes the values of an HTML one, and its messages go
// as text/html (relay.Message.HTML); a text body led by a value such as
// "<VIP>" stays text.
//
// A body is HTML when, past a byte-order mark and white space, it opens with a
// document type ("<!DOCTYPE html>"), a comment, an XML declaration of an XHTML
// document, or a tag of an HTML element ("<p>", "<table …>"). An element that
// may stand alone in an HTML mail (html, head, body, and the void ones: img,
// br, hr, …) is enough; with any other the body must also hold an end tag
// ("</" and a letter) or a line break ("<br>"). So a text mail that opens with a bracketed label, "<공지>",
// "<SALE> 50%" or "<B> 안내", stays text, and so does "<MAIN EVENT>" without
// an end tag.
func IsHTML(body string) bool {
	s := strings.TrimLeftFunc(body, func(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) })
	if len(s) < 2 || s[0] != '<' {
		return false
	}
	switch {
	case hasFoldedPrefix(s, "<!--"), hasFoldedPrefix(s, "<!doctype"):
		return true
	case hasFoldedPrefix(s, "<?xml"):
		return strings.Contains(strings.ToLower(s), "<html")
	}
	end := 1
	for end < len(s) && (isASCIILetter(s[end]) || end > 1 && '0' <= s[end] && s[end] <= '9') {
		end++
	}
	if end == 1 || end == len(s) || strings.IndexByte(" \t\r\n\f/>", s[end]) < 0 {
		return false // not a tag: "<3", "<Hello!>", "<p" and nothing after
	}
	standsAlone, ok := htmlElements[strings.ToLower(s[1:end])]
	return ok && (standsAlone || marksUp(s))
}

// hasFoldedPrefix is strings.HasPrefix ignoring ASCII case (prefix in lower case).
func hasFoldedPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// marksUp tells whether s holds an end tag ("</" and an ASCII letter) or a
// line break tag ("<br>", "<br/>", "<br />").
func marksUp(s string) bool {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		switch {
		case len(s) > 1 && s[0] == '/' && isASCIILetter(s[1]):
			return true
		case hasFoldedPrefix(s, "br") && len(s) > 2 && strings.IndexByte(" /\t\r\n>", s[2]) >= 0:
			return true
		}
	}
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// htmlElements are the elements an HTML e-mail may open with (HTML's own and
// the older ones mail still uses), true for those that need no end tag to tell
// a document: the document's own, and the void elements.
var htmlElements = map[string]bool{
	"html": true, "head": true, "body": true, "meta": true, "link": true, "base": true,
	"img": true, "br": true, "hr": true, "wbr": true, "area": true, "input": true,
	"a": false, "abbr": false, "address": false, "article": false, "aside": false, "b": false,
	"bdi": false, "bdo": false, "big": false, "blockquote": false, "button": false,
	"caption": false, "center": false, "cite": false, "code": false, "col": false,
	"colgroup": false, "dd": false, "del": false, "details": false, "dfn": false,
	"div": false, "dl": false, "dt": false, "em": false, "figure": false, "figcaption": false,
	"font": false, "footer": false, "form": false, "h1": false, "h2": false, "h3": false,
	"h4": false, "h5": false, "h6": false, "header": false, "i": false, "ins": false,
	"kbd": false, "label": false, "li": false, "main": false, "map": false, "mark": false,
	"nav": false, "ol": false, "p": false, "picture": false, "pre": false, "q": false,
	"s": false, "samp": false, "section": false, "small": false, "span": false,
	"strike": false, "strong": false, "style": false, "sub": false, "summary": false,
	"sup": false, "table": false, "tbody": false, "td": false, "tfoot": false, "th": false,
	"thead": false, "title": false, "tr": false, "tt": false, "u": false, "ul": false,
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
