package render

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/korean"
)

func TestSMSBytes(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello", 5},
		{"안녕하세요", 10},
		{"Hi 홍길동님!", 12},
		{"쿠폰: ABC-123\n", 14},
		{"똠방각하", 8}, // 똠 is outside KS X 1001 but in CP949
		{"😀", 2},
		{"좋아요😀", 8},
		{"❤️", 4}, // U+2764 U+FE0F
		{"\r\n", 2},
		{"\xff", 2}, // invalid UTF-8 counts like an unencodable character
	}
	for _, tc := range tests {
		if got := SMSBytes(tc.in); got != tc.want {
			t.Errorf("SMSBytes(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestSMSBytesMatchesEUCKR checks the counting rule against a real CP949 encoder
// for text it can encode.
func TestSMSBytesMatchesEUCKR(t *testing.T) {
	for _, s := range []string{"안녕하세요", "Hi 홍길동님!", "똠방각하 ㄱㄴㄷ ①②", "가격: 10,000원 (부가세 포함)"} {
		enc, err := korean.EUCKR.NewEncoder().String(s)
		if err != nil {
			t.Fatalf("encode %q: %v", s, err)
		}
		if got := SMSBytes(s); got != len(enc) {
			t.Errorf("SMSBytes(%q) = %d, EUC-KR length %d", s, got, len(enc))
		}
	}
}

func TestFitsSMS(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"90 ascii", strings.Repeat("a", 90), true},
		{"91 ascii", strings.Repeat("a", 91), false},
		{"45 hangul = 90", strings.Repeat("가", 45), true},
		{"45 hangul + 1 = 91", strings.Repeat("가", 45) + "a", false},
		{"46 hangul = 92", strings.Repeat("가", 46), false},
	}
	for _, tc := range tests {
		if got := FitsSMS(tc.in); got != tc.want {
			t.Errorf("%s: FitsSMS = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 bytes", 90: "90 bytes", 1000: "1,000 bytes", 2013: "2,013 bytes", 1234567: "1,234,567 bytes"} {
		if got := count(n, UnitBytes); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
