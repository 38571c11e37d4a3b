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
// document, or a start tag of an HTML element that shows markup: <html>,
// <head> or <body>; a tag with an attribute given a value ("<table
// width=\"600\">", "<a href=…>"); a void element closed in place ("<br/>"); or
// a bare tag ("<p>", "<B>") with more markup after it: an end tag, a tag with
// an attribute, or a structural element's tag (<p>, <br>, <div>, <table>, …).
// So a text mail that opens with a bracketed label, "<공지>", "<SALE> 50%",
// "<B> 안내" or "<HR> 인사 발령", stays text, and so does one with two such
// labels ("<A> 코스\n<B> 코스"); so does a body whose only markup is one bare tag.
// Only the first htmlSniff bytes past the leading white space are read (and
// at most htmlSniff bytes of that white space).
func IsHTML(body string) bool {
	s := body
	if len(s) > 2*htmlSniff {
		s = s[:2*htmlSniff] // the white space before the first tag is bounded too
	}
	s = strings.TrimLeftFunc(s, func(r rune) bool { return r == '\ufeff' || unicode.IsSpace(r) })
	if len(s) > htmlSniff {
		s = s[:htmlSniff]
	}
	if len(s) < 2 || s[0] != '<' {
		return false
	}
	switch {
	case hasFoldedPrefix(s, "<!--"), hasFoldedPrefix(s, "<!doctype"):
		return true
	case hasFoldedPrefix(s, "<?xml"):
		for rest := s; ; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				return false
			}
			name, after := tagName(rest[i+1:])
			if name == "html" {
				return true
			}
			rest = after
		}
	}
	name, rest := tagName(s[1:])
	void, known := htmlElements[name]
	switch {
	case !known:
		return false // "<공지>", "<SALE>", "<3", "<Hello!>"
	case name == "html" || name == "head" || name == "body", hasAttribute(rest):
		return true
	case void && strings.HasPrefix(strings.TrimLeft(rest, " \t\r\n\f"), "/>"):
		return true
	}
	return marksUp(rest)
}

// htmlSniff is how much of a body IsHTML reads: a document shows what it is
// long before this.
const htmlSniff = 4096

// tagName reads the element name a start tag opens with (s follows its "<"),
// in lower case, and what follows it; "" when s holds no name ended by white
// space, "/" or ">".
func tagName(s string) (string, string) {
	end := 0
	for end < len(s) && (isASCIILetter(s[end]) || end > 0 && '0' <= s[end] && s[end] <= '9') {
		end++
	}
	if end == 0 || end == len(s) || strings.IndexByte(" \t\r\n\f/>", s[end]) < 0 {
		return "", s
	}
	return strings.ToLower(s[:end]), s[end:]
}

// hasAttribute tells whether a start tag's rest (after its name) begins with an
// attribute given a value: white space, a name, "=".
func hasAttribute(rest string) bool {
	s := strings.TrimLeft(rest, " \t\r\n\f")
	if len(s) == len(rest) {
		return false
	}
	end := 0
	for end < len(s) && (isASCIILetter(s[end]) || end > 0 && strings.IndexByte("-_:.0123456789", s[end]) >= 0) {
		end++
	}
	return end > 0 && strings.HasPrefix(strings.TrimLeft(s[end:], " \t\r\n\f"), "=")
}

// hasFoldedPrefix is strings.HasPrefix ignoring ASCII case (prefix in lower case).
func hasFoldedPrefix(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// marksUp tells whether s holds an end tag ("</" and an ASCII letter), an
// HTML element's start tag with an attribute given a value, or a structural
// element's start tag. A bare tag of any other element may be a label, as
// "<A>" and "<B>" are in "<A> 코스 안내\n<B> 코스 안내".
func marksUp(s string) bool {
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			return false
		}
		s = s[i+1:]
		if len(s) > 1 && s[0] == '/' && isASCIILetter(s[1]) {
			return true
		}
		if name, rest := tagName(s); name != "" {
			if _, known := htmlElements[name]; known && (structural[name] || hasAttribute(rest)) {
				return true
			}
		}
	}
}

// structural are the elements whose bare start tag, after the first tag,
// tells an HTML body: the ones that lay out text, which labels do not name.
var structural = map[string]bool{
	"p": true, "br": true, "div": true, "span": true, "table": true, "thead": true, "tbody": true,
	"tfoot": true, "tr": true, "td": true, "th": true, "ul": true, "ol": true, "li": true, "dl": true,
	"dt": true, "dd": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
	"center": true, "font": true, "blockquote": true, "pre": true, "img": true,
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// htmlElements are HTML's elements (and the older ones mail still uses), true
// for the void ones, which have no end tag.
var htmlElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true,
	"input": true, "link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true,
	"a": false, "abbr": false, "address": false, "article": false, "aside": false, "audio": false,
	"b": false, "bdi": false, "bdo": false, "big": false, "blockquote": false, "body": false,
	"button": false, "canvas": false, "caption": false, "center": false, "cite": false,
	"code": false, "colgroup": false, "data": false, "datalist": false, "dd": false, "del": false,
	"details": false, "dfn": false, "dialog": false, "div": false, "dl": false, "dt": false,
	"em": false, "fieldset": false, "figcaption": false, "figure": false, "font": false,
	"footer": false, "form": false, "h1": false, "h2": false, "h3": false, "h4": false,
	"h5": false, "h6": false, "head": false, "header": false, "hgroup": false, "html": false,
	"i": false, "iframe": false, "ins": false, "kbd": false, "label": false, "legend": false,
	"li": false, "main": false, "map": false, "mark": false, "menu": false, "meter": false,
	"nav": false, "noscript": false, "object": false, "ol": false, "optgroup": false,
	"option": false, "output": false, "p": false, "picture": false, "pre": false,
	"progress": false, "q": false, "rp": false, "rt": false, "ruby": false, "s": false,
	"samp": false, "script": false, "search": false, "section": false, "select": false,
	"slot": false, "small": false, "span": false, "strike": false, "strong": false,
	"style": false, "sub": false, "summary": false, "sup": false, "svg": false, "table": false,
	"tbody": false, "td": false, "template": false, "textarea": false, "tfoot": false,
	"th": false, "thead": false, "time": false, "title": false, "tr": false, "tt": false,
	"u": false, "ul": false, "var": false, "video": false,
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
