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
