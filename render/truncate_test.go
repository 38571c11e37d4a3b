package render

import "testing"

func TestTruncateRunes(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"안녕하세요", 3, "안녕하"}, {"abc", 3, "abc"}, {"abc", 5, "abc"}, {"héllo", 2, "hé"}, {"", 1, ""}, {"ab", 0, ""}} {
		if got := TruncateRunes(c.in, c.n); got != c.want {
			t.Errorf("TruncateRunes(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
