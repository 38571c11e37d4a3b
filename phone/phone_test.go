package phone

import "testing"

func TestNormalize(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"010-1234-5678", "+821012345678", true},
		{"01012345678", "+821012345678", true},
		{"+82 10 1234 5678", "+821012345678", true},
		{"+821012345678", "+821012345678", true},
		{"(010) 1234.5678", "+821012345678", true},
		{"1012345678", "+821012345678", true}, // Excel dropped the leading 0
		{"011-234-5678", "+82112345678", true},
		{"02-312-3456", "+8223123456", true},
		{"+1 650-253-0000", "+16502530000", true},
		{"", "", false},
		{"abc", "", false},
		{"010-1234", "", false},
		{"010-1234-5678 ext", "", false},
		{"+82 10 1234 5678 9999 99", "", false},
	}
	for _, c := range cases {
		got, err := Normalize(c.in, "")
		if (err == nil) != c.ok || got != c.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q, ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestNational(t *testing.T) {
	if got := National("+821012345678"); got != "010-1234-5678" {
		t.Errorf("National = %q", got)
	}
	if got := NationalDigits("+821012345678"); got != "01012345678" {
		t.Errorf("NationalDigits = %q", got)
	}
}
