// Package phone normalises phone numbers so that every spelling of one number is
// one customer: 010-1234-5678, 01012345678, +82 10 1234 5678 and +821012345678 all
// become +821012345678 (E.164).
package phone

import (
	"errors"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// DefaultRegion is used for numbers written without a country code.
const DefaultRegion = "KR"

// ErrInvalid is returned for anything that is not a dialable number.
var ErrInvalid = errors.New("invalid phone number")

// Normalize returns the E.164 form of raw, read in region when it has no country code.
//
// Spreadsheets often store a mobile number as a number and drop its leading 0
// ("1012345678"); for Korea such a 9–10 digit value starting with 1 is read with
// the 0 restored.
func Normalize(raw, region string) (string, error) {
	if region == "" {
		region = DefaultRegion
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", ErrInvalid
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == '-' || r == ' ' || r == '(' || r == ')' || r == '.' || r == '\u00a0':
		default:
			return "", ErrInvalid
		}
	}
	if digits < 7 || digits > 15 {
		return "", ErrInvalid
	}
	if region == "KR" && !strings.HasPrefix(s, "+") && !strings.HasPrefix(s, "0") &&
		(len(s) == 9 || len(s) == 10) && s[0] == '1' && digits == len(s) {
		s = "0" + s
	}
	num, err := phonenumbers.Parse(s, region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", ErrInvalid
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// National formats an E.164 number the way people of its country write it
// (+821012345678 → 010-1234-5678). Providers that want domestic numbers get
// NationalDigits instead.
func National(e164 string) string {
	num, err := phonenumbers.Parse(e164, DefaultRegion)
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.NATIONAL)
}

// NationalDigits is National without separators (+821012345678 → 01012345678).
func NationalDigits(e164 string) string {
	n := National(e164)
	var b strings.Builder
	for _, r := range n {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
