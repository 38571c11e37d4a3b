package render

import (
	"strings"
	"testing"
)

func TestTemplateURLProblem(t *testing.T) {
	tests := []struct {
		url  string
		want string // substring of the problem; "" means allowed
	}{
		{"https://shop.example/c/1", ""},
		{"http://shop.example", ""},
		{"HTTPS://shop.example/x?a=1&b=2", ""},
		{"https://shop.example/c/#{code}", ""},
		{"https://shop.example/?u=#{id}&c=#{coupon_code}", ""},
		{"https://shop.example#{frag}", "host name before any variable"},
		{"https://#{host}/x", "host name before any variable"},
		{"#{link}", "full address"},
		{"ftp://files.example/x", "not ftp:"},
		{"javascript:alert(1)", "not javascript:"},
		{"/c/1", "full address"},
		{"shop.example/c/1", "full address"},
		{"//shop.example/c/1", "full address"},
		{"https:///c/1", "no host name"},
		{"https://shop.example/a b", "space"},
		{"https://shop.example@evil.example/", "user name or password"},
		{"https://shop.example/#{a b}", ""}, // malformed placeholder: reported elsewhere
	}
	for _, tc := range tests {
		got := templateURLProblem(tc.url)
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%q refused: %s", tc.url, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%q: problem %q, want one containing %q", tc.url, got, tc.want)
		}
	}
}
