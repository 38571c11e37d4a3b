// Package phone normalises phone numbers so that every spelling of one number is
// one customer: 010-1234-5678, 01012345678, +82 10 1234 5678 and +821012345678 all
// become +821012345678 (E.164).
package phone

import (
	"errors"
	"strings"
	"sync"

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
	if region == "KR" {
		if e164, ok := koreanMobile(s); ok {
			return e164, nil
		}
	}
	return normalizeSlow(s, region)
}

// normalizeSlow is libphonenumber's parse and validation, for every number the
// fast path does not recognise.
func normalizeSlow(s, region string) (string, error) {
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
	// +8210XXXXXXXX is most of any Korean customer list; libphonenumber takes
	// ~11 µs per call, which dominates rendering a million messages.
	if len(e164) == 13 && strings.HasPrefix(e164, "+8210") && allDigits(e164[5:]) {
		return "010-" + e164[5:9] + "-" + e164[9:]
	}
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

// validMobilePrefix caches libphonenumber's verdict per 010-XXXX block: its
// metadata leaves some blocks out (010-597x, ...), and within a block the last
// four digits are free. phone_test checks the cache against libphonenumber.
var validMobilePrefix sync.Map // "XXXX" → bool

func mobilePrefixValid(prefix string) bool {
	if v, ok := validMobilePrefix.Load(prefix); ok {
		return v.(bool)
	}
	_, err := normalizeSlow("010"+prefix+"0000", "KR")
	validMobilePrefix.Store(prefix, err == nil)
	return err == nil
}

// koreanMobile recognises a domestic or +82 mobile number of the 010 range
// written with the usual separators, and answers its E.164 form when
// libphonenumber would call it valid; anything else goes to libphonenumber.
func koreanMobile(s string) (string, bool) {
	var d [16]byte
	n := 0
	plus := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if n == len(d) {
				return "", false
			}
			d[n] = c
			n++
		case c == '+' && i == 0:
			plus = true
		case c == '-' || c == ' ' || c == '.':
		default:
			return "", false
		}
	}
	digits := string(d[:n])
	var local string // the 8 digits after 010
	switch {
	case !plus && n == 11 && strings.HasPrefix(digits, "010"):
		local = digits[3:]
	case plus && n == 12 && strings.HasPrefix(digits, "8210"):
		local = digits[4:]
	default:
		return "", false
	}
	if !mobilePrefixValid(local[:4]) {
		return "", false // libphonenumber decides (and refuses)
	}
	return "+8210" + local, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
