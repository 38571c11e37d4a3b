package sheet

import "strings"

// Verdicts sendingo adds on top of the file's own (see Row.Verdict): the import
// pipeline gives them, because they depend on columns Parse keeps as attributes
// and on what a number can receive.
const (
	// VerdictNotMobile: a valid number SMS, LMS and AlimTalk cannot reach (a
	// Korean landline, 070, ...). The row is imported; the customer is never texted.
	VerdictNotMobile = "not_mobile"
	// VerdictInvalidConsent: the night consent cell is neither yes nor no.
	VerdictInvalidConsent = "invalid_consent"
)

// NightConsentTitles are the header titles of the night-time advertising
// consent column (the customer's separate consent to ads between 21:00 and
// 08:00). Parse keeps the column as an attribute; IsNightConsentKey finds it.
var NightConsentTitles = []string{"야간수신동의", "야간광고수신동의", "야간 광고 수신 동의", "night consent", "night ad consent", "night_ad_consent"}

var nightConsentKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, t := range NightConsentTitles {
		m[titleKey(t)] = true
	}
	return m
}()

// IsNightConsentKey reports whether an attribute key (a column title) names the
// night consent column, matched like the other titles (case, spaces, '-', '_'
// and '.' ignored).
func IsNightConsentKey(key string) bool { return nightConsentKeys[titleKey(key)] }

// ParseConsent reads a yes/no cell as people write them in Korean and English
// lists: Y/N, yes/no, 예/아니오, 동의/미동의 (비동의, 거부), O/X, true/false, 1/0.
// ok is false for anything else.
func ParseConsent(cell string) (consent, ok bool) {
	switch strings.ToLower(strings.ReplaceAll(trim(cell), " ", "")) {
	case "y", "yes", "예", "네", "동의", "수신동의", "o", "○", "true", "1":
		return true, true
	case "n", "no", "아니오", "아니요", "미동의", "비동의", "거부", "수신거부", "x", "×", "false", "0":
		return false, true
	}
	return false, false
}

// hasEmailTitle reports whether a row names an e-mail column (a contacts list's
// header may have no phone column).
func hasEmailTitle(cells []string) bool {
	for _, c := range cells {
		if titleFields[titleKey(c)] == FieldEmail {
			return true
		}
	}
	return false
}
