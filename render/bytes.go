package render

import "unicode/utf8"

// SMSBytes returns the length of s as Korean carriers count it for SMS and LMS:
// its EUC-KR (CP949) byte length, where ASCII is 1 byte and Hangul and other
// EUC-KR characters are 2.
//
// Characters EUC-KR cannot encode (emoji, most non-Korean scripts) are counted as
// 2 bytes per code point too: carriers either drop them, turn them into "?" or
// refuse the message, and counting them like Hangul never under-counts what fits.
// A composed emoji counts each of its code points ("❤️" is U+2764 U+FE0F, 4 bytes).
// Line breaks count as written: "\n" is 1 byte, "\r\n" 2.
func SMSBytes(s string) int {
	n := 0
	for _, r := range s {
		// Invalid UTF-8 arrives here as utf8.RuneError, one per bad byte: 2 each.
		if r < utf8.RuneSelf {
			n++
		} else {
			n += 2
		}
	}
	return n
}

// FitsSMS reports whether s fits in one SMS (90 bytes by SMSBytes).
func FitsSMS(s string) bool {
	return SMSBytes(s) <= SMSMaxBytes
}

// chars counts s as Kakao counts AlimTalk text: in Unicode code points.
func chars(s string) int {
	return utf8.RuneCountInString(s)
}
