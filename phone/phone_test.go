package phone

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

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

// The fast path answers exactly what libphonenumber answers, for every shape it
// takes (010 numbers in the usual spellings) and for numbers it passes on.
func TestFastPathAgreesWithLibphonenumber(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	spell := []func(d string) string{
		func(d string) string { return "010" + d },
		func(d string) string { return "010-" + d[:4] + "-" + d[4:] },
		func(d string) string { return "010 " + d[:4] + " " + d[4:] },
		func(d string) string { return "010." + d[:4] + "." + d[4:] },
		func(d string) string { return "+8210" + d },
		func(d string) string { return "+82 10 " + d[:4] + " " + d[4:] },
		func(d string) string { return "+82-10-" + d[:4] + "-" + d[4:] },
	}
	for i := 0; i < 50000; i++ {
		d := fmt.Sprintf("%08d", rng.IntN(100_000_000))
		raw := spell[i%len(spell)](d)
		got, err := Normalize(raw, "")
		want, werr := normalizeSlow(raw, "KR")
		if got != want || (err == nil) != (werr == nil) {
			t.Fatalf("Normalize(%q) = %q, %v; libphonenumber says %q, %v", raw, got, err, want, werr)
		}
		if n, slow := National(got), nationalSlow(got); n != slow {
			t.Fatalf("National(%q) = %q; libphonenumber says %q", got, n, slow)
		}
	}
}

func nationalSlow(e164 string) string {
	num, err := phonenumbers.Parse(e164, DefaultRegion)
	if err != nil {
		return e164
	}
	return phonenumbers.Format(num, phonenumbers.NATIONAL)
}

func BenchmarkNormalize(b *testing.B) {
	for b.Loop() {
		_, _ = Normalize("010-1234-5678", "")
	}
}

func BenchmarkNational(b *testing.B) {
	for b.Loop() {
		National("+821012345678")
	}
}

// Landlines, 070 and the other non-mobile Korean ranges are not mobile; Korean
// mobile numbers and numbers abroad are.
func TestIsMobile(t *testing.T) {
	for raw, want := range map[string]bool{
		"010-1234-5678":   true,
		"011-123-4567":    true,
		"016-123-4567":    true,
		"02-123-4567":     false,
		"031-123-4567":    false,
		"070-1234-5678":   false,
		"080-123-4567":    false,
		"0505-123-4567":   false,
		"1588-1234":       false,
		"1600-1234":       false,
		"+1 650 253 0000": true,
	} {
		e164, err := Normalize(raw, "")
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		if got := IsMobile(e164); got != want {
			t.Errorf("IsMobile(%s = %s) = %v, want %v", raw, e164, got, want)
		}
	}
}
