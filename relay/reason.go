package relay

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reasons are what a tenant reads next to a failed message (the message list, the
// export). They carry the classified code's sentence and, at most, a short cleaned
// provider text from a structured field (Aligo's message, an SMTP reply line, a
// generic relay's error_message) — never an answer body. A relay address that is
// not what it claims to be (an internal service, a metadata endpoint) must not be
// able to hand its answers back to the tenant through them. The full detail stays
// in the error, which only the operator's logs see.

// maxReasonRunes bounds the provider text one reason keeps.
const maxReasonRunes = 160

// codeSentences say what each code means, for reasons of whole-call failures.
var codeSentences = map[string]string{
	CodeAuth:               "the relay refused the credentials",
	CodeInsufficientFunds:  "the relay account has no balance left",
	CodeInvalidProfile:     "the relay refused the sender profile",
	CodeSenderUnregistered: "the relay refused the sender",
	CodeBadRequest:         "the relay refused the request",
	CodeRateLimited:        "the relay asked to slow down",
	CodeServerError:        "the relay failed to process the request",
	CodeTimeout:            "the relay did not answer in time",
	CodeNoAnswer:           "the relay got the request, but the connection broke before its answer came",
	CodeUnreachable:        "the relay could not be reached",
	CodeBadAnswer:          "the relay's answer could not be read",
	CodeAddressRefused:     "the relay's address is private or internal and not allowed",
	CodeCircuitOpen:        "the relay was not tried: its circuit breaker is open",
	CodeNoRelay:            "no relay carries the channel",
	CodeNotSent:            "not sent: the send was stopped first",
	CodeUnknown:            "the relay answered with a code we do not know",
}

// CodeSentence is the sentence for a failure code ("" for codes without one).
func CodeSentence(code string) string { return codeSentences[code] }

// PublicReason is the tenant-visible reason of a whole-call failure: the code's
// sentence, and the HTTP status or the short cleaned detail the adapter chose to
// keep (Error.Public). Never the error text itself.
func PublicReason(err error) string { return publicReason(codeOf(err), err) }

func publicReason(code string, err error) string {
	if err == nil {
		return ""
	}
	s := codeSentences[code]
	if s == "" {
		s = "the relay call failed"
	}
	var re *Error
	if errors.As(err, &re) && re.Public != "" {
		s += " (" + re.Public + ")"
	}
	return s
}

// withPublic returns err (an *Error) with a tenant-visible detail attached.
func withPublic(err error, public string) error {
	var re *Error
	if errors.As(err, &re) {
		return &Error{Code: re.Code, Err: re.Err, Public: public}
	}
	return &Error{Code: codeOf(err), Err: err, Public: public}
}

// httpFault is a classified fault for an HTTP status that is not a success; the
// tenant sees the status, the log the detail.
func httpFault(code string, status int, err error) error {
	return &Error{Code: code, Err: err, Public: fmt.Sprintf("HTTP %d", status)}
}

// SanitizeReason cleans provider-supplied text for a tenant-visible reason:
// control characters dropped, whitespace collapsed, anything that looks like a
// credential (a long unbroken run of letters and digits, a JWT, a key) masked,
// and at most maxReasonRunes runes kept. Activities apply it to every reason
// they store, whatever the adapter did.
func SanitizeReason(s string) string {
	if s == "" {
		return ""
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "")
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
	for i, f := range fields {
		fields[i] = maskTokens(f)
	}
	s = strings.Join(fields, " ")
	if utf8.RuneCountInString(s) > maxReasonRunes {
		s = string([]rune(s)[:maxReasonRunes-1]) + "…"
	}
	return s
}

// maskTokens masks the secret-looking runs of one whitespace-free field. A run
// is a maximal stretch of characters that appear in keys and tokens
// (letters, digits, + / _ - .); it looks secret when it is long and mixes
// letters with digits, as API keys, AWS keys, JWTs and session tokens do, and
// words, codes and phone numbers do not.
func maskTokens(f string) string {
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := f[start:end]
		if secretLooking(run) {
			b.WriteString(Mask)
		} else {
			b.WriteString(run)
		}
		start = -1
	}
	for i, r := range f {
		if tokenRune(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(f))
	return b.String()
}

func tokenRune(r rune) bool {
	return r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
		r == '+' || r == '/' || r == '_' || r == '-' || r == '.')
}

func secretLooking(run string) bool {
	if len(run) < 16 {
		return false
	}
	var letters, digits int
	for i := 0; i < len(run); i++ {
		c := run[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			letters++
		}
	}
	return letters > 0 && digits > 0 || len(run) >= 32
}
