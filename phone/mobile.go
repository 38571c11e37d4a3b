package phone

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// IsMobile reports whether SMS, LMS and AlimTalk can reach the E.164 number e164.
// A Korean number must be a mobile one (010, and the old 011 and 016–019):
// landlines (02, 031, ...), 070 internet phones, 080 toll-free, 050x personal and
// 15xx/16xx representative numbers are not. Numbers of other countries are
// answered true: which of their ranges take texts is the provider's business, and
// refusing them here would silently drop customers abroad.
func IsMobile(e164 string) bool {
	if !strings.HasPrefix(e164, "+82") {
		return true
	}
	if len(e164) == 13 && strings.HasPrefix(e164, "+8210") && allDigits(e164[5:]) {
		return true // most of any Korean list; libphonenumber costs ~10 µs
	}
	num, err := phonenumbers.Parse(e164, DefaultRegion)
	if err != nil {
		return false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return true
	}
	return false
}
