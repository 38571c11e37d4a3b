package render

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"
)

// urlProblem explains why raw is not an address a button may open, or returns "".
// Only absolute http(s) addresses with a host pass: anything else (javascript:,
// ftp:, a relative path) either does nothing in KakaoTalk or is an attack.
func urlProblem(raw string) string {
	for _, r := range raw {
		if unicode.IsSpace(r) {
			return "it contains a space or line break"
		}
		if unicode.IsControl(r) {
			return "it contains a control character"
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "it is not a well-formed address"
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
	case "":
		return "it must be a full address starting with https:// or http://"
	default:
		return fmt.Sprintf("only https:// and http:// addresses are allowed, not %s:", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "it has no host name after " + u.Scheme + "://"
	}
	if u.User != nil {
		// "https://shop.example@evil.example" shows one host and opens another.
		return "it must not contain a user name or password before the host"
	}
	return ""
}

// templateURLProblem checks a button URL as written in a template, variables
// included. The scheme and host must be written out before any variable, so a
// value can change the path or query but never send the customer to another site.
// Malformed placeholders are reported separately and skip this check.
func templateURLProblem(raw string) string {
	sample := map[string]string{}
	for _, ph := range scan(raw) {
		if ph.problem != "" {
			return ""
		}
		sample[ph.name] = "x"
	}
	if msg := urlProblem(substitute(raw, sample)); msg != "" {
		return msg
	}
	if i := strings.Index(raw, "#{"); i >= 0 {
		prefix := raw[:i]
		k := strings.Index(prefix, "://")
		if k < 0 || !strings.ContainsAny(prefix[k+3:], "/?#") {
			return "it must spell out https:// and the host name before any variable, e.g. https://shop.example/c/#{code}"
		}
	}
	return ""
}

// urlPart is where in an address a variable stands.
type urlPart int

const (
	inPath       urlPart = iota // before any "?" or "#"
	inQueryKey                  // a query parameter's name, or a whole parameter
	inQueryValue                // after a parameter's "="
	inFragment
	inFragmentQueryKey   // after a "?" in the fragment (a hash-routed page's parameters)
	inFragmentQueryValue // after such a parameter's "="
)

// substituteURL fills a button address's variables, each value percent-encoded
// for where it stands. In a query parameter's value or name (after its "=", or
// before it, in the query or in a hash-routed fragment's), a value is one
// component: its "&", "=", "+", "#" and spaces are encoded, so it can neither
// add a parameter nor end the query. Anywhere else (the path, the fragment, a
// whole parameter such as "?#{utm}") it is normalised: what an address cannot hold (spaces, other
// control characters, non-ASCII, '"', "<", ">", "\\", "#", a "%" that starts no
// escape, and "?" before the template's own) is encoded, and the rest is kept,
// "/", "?", "&" and "=" included, so a value may carry a path or parameters of
// its own ("item/123?ref=kakao"), which the text after it then follows. The
// scheme and host come before any variable (templateURLProblem), so no value
// can change them. Like substitute, it leaves a malformed placeholder or a name
// without a value as written.
func substituteURL(s string, values map[string]string) string {
	phs := scan(s)
	if len(phs) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	part, last := inPath, 0
	for i, ph := range phs {
		literal := s[last:ph.start]
		part = partAfter(part, literal)
		if k := strings.LastIndexByte(literal, '%'); k >= 0 && k >= len(literal)-2 {
			// A "%" of the template's that starts no escape of its own would
			// make one with the value's first characters ("%" and "26").
			literal = literal[:k] + "%25" + literal[k+1:]
		}
		b.WriteString(literal)
		last = ph.end
		v, ok := values[ph.name]
		if ph.problem != "" || !ok {
			b.WriteString(s[ph.start:ph.end])
			continue
		}
		var out string
		inKey := part == inQueryKey || part == inFragmentQueryKey
		if part == inQueryValue || part == inFragmentQueryValue || inKey && nextLiteral(s, phs, i, "=&#") == '=' {
			// In a parameter's value, or its name: the template's own "="
			// follows before the parameter ends ("?utm_#{src}=kakao").
			// url.QueryEscape, with a space as %20: every server reads that
			// as a space, where "+" is one only to form decoders.
			out = strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
		} else {
			// A value before the template's own "?" keeps no "?" of its
			// own, which would move the template's parameters into its.
			out = normaliseURLValue(v, nextLiteral(s, phs, i, "?") == '?')
		}
		b.WriteString(out)
		// A normalised value may itself start the query or a parameter
		// ("a?x=1"): the text after it stands where the value left off.
		part = partAfter(part, out)
	}
	b.WriteString(s[last:])
	return b.String()
}

// nextLiteral is the first of chars in the template's own text after phs[i]
// (placeholders skipped), or 0 if none follows.
func nextLiteral(s string, phs []placeholder, i int, chars string) byte {
	pos := phs[i].end
	for k := i + 1; ; k++ {
		end := len(s)
		if k < len(phs) {
			end = phs[k].start
		}
		if j := strings.IndexAny(s[pos:end], chars); j >= 0 {
			return s[pos+j]
		}
		if k >= len(phs) {
			return 0
		}
		pos = phs[k].end
	}
}

// partAfter is the part of the address that literal text (no placeholder in
// it) ends in, when it starts in part.
func partAfter(part urlPart, literal string) urlPart {
	for i := 0; i < len(literal); i++ {
		switch c := literal[i]; {
		case c == '#' && part <= inQueryValue:
			part = inFragment
		case c == '?' && part == inPath:
			part = inQueryKey
		case c == '?' && part == inFragment:
			part = inFragmentQueryKey
		case c == '&' && (part == inQueryKey || part == inQueryValue):
			part = inQueryKey
		case c == '&' && (part == inFragmentQueryKey || part == inFragmentQueryValue):
			part = inFragmentQueryKey
		case c == '=' && part == inQueryKey:
			part = inQueryValue
		case c == '=' && part == inFragmentQueryKey:
			part = inFragmentQueryValue
		}
	}
	return part
}

// normaliseURLValue percent-encodes the bytes of v an address cannot hold as
// they are, keeping the unreserved characters, the delimiters of paths and
// queries (RFC 3986's reserved characters but "[" and "]", which belong to
// hosts, "#": a "#" in a value is text, as in "Apt #3", more often than a
// fragment, and "?" when noQuery: the template's own query follows) and each
// "%" that starts an escape.
func normaliseURLValue(v string, noQuery bool) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			strings.IndexByte("-._~:/@!$&'()*+,;=", c) >= 0, c == '?' && !noQuery:
			b.WriteByte(c)
		case c == '%' && i+2 < len(v) && isHex(v[i+1]) && isHex(v[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
