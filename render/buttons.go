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
	inPath urlPart = iota
	inQuery
	inFragment
)

// substituteURL fills a button address's variables, each value percent-encoded
// for where it stands, so that a value is text and never changes the
// address's shape: in the query, as one component (a value's "&", "=", "+",
// "#" or space can neither split nor end it); in the path or the fragment,
// segment by segment, its "/" kept so that a value may still carry a path
// ("shoes/123"). "%" is encoded too: "50%" goes as "50%25", which the site
// reads back as "50%". The scheme and
// host come before any variable (templateURLProblem). Like substitute, it
// leaves a malformed placeholder or a name without a value as written.
func substituteURL(s string, values map[string]string) string {
	phs := scan(s)
	if len(phs) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	part, last := inPath, 0
	for _, ph := range phs {
		literal := s[last:ph.start]
		part = partAfter(part, literal)
		b.WriteString(literal)
		last = ph.end
		v, ok := values[ph.name]
		if ph.problem != "" || !ok {
			b.WriteString(s[ph.start:ph.end])
			continue
		}
		b.WriteString(escapeURLValue(v, part))
	}
	b.WriteString(s[last:])
	return b.String()
}

// partAfter is the part of the address after literal text (no placeholder in
// it) that follows a position in part: a "?" starts the query, a "#" the
// fragment.
func partAfter(part urlPart, literal string) urlPart {
	for i := 0; i < len(literal) && part != inFragment; i++ {
		switch literal[i] {
		case '?':
			part = inQuery
		case '#':
			part = inFragment
		}
	}
	return part
}

// escapeURLValue percent-encodes v for part: in the query as
// encodeURIComponent does (a space as %20, which every server reads as one,
// where "+" is a space only to form decoders); elsewhere each "/"-separated
// segment with url.PathEscape.
func escapeURLValue(v string, part urlPart) string {
	if part == inQuery {
		return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
	}
	segments := strings.Split(v, "/")
	for i, seg := range segments {
		segments[i] = url.PathEscape(seg)
	}
	return strings.Join(segments, "/")
}
