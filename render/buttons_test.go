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

func TestSubstituteURLEncodesEachValueForWhereItStands(t *testing.T) {
	values := map[string]string{
		"q":    "a&b=c+d #e",
		"path": "shoes/큰 사이즈?ref=kakao",
		"pct":  "50% %EA%B0%80",
		"utm":  "utm_source=kakao&utm_medium=alimtalk",
		"odd":  "<\"x\">[1]^{|}`\\\x01",
		"id":   "42",
		"qv":   "a?x=1",
		"g":    "1&admin=1",
		"ends": "x% y%4",
		"k":    "a&admin=1&x",
		"src":  "a=b",
		"hex":  "26",
	}
	tests := []struct {
		url, want string
		unfilled  bool // a placeholder is left as written, so the result is no address yet
	}{
		// Where a parameter's value goes, a value is one component: & = + # and
		// spaces are its own.
		{"https://s.example/?q=#{q}&id=#{id}", "https://s.example/?q=a%26b%3Dc%2Bd%20%23e&id=42", false},
		{"https://s.example/?a=1&q=#{q}#top", "https://s.example/?a=1&q=a%26b%3Dc%2Bd%20%23e#top", false},
		// In a whole parameter it may carry parameters of its own.
		{"https://s.example/l?#{utm}", "https://s.example/l?utm_source=kakao&utm_medium=alimtalk", false},
		{"https://s.example/l?x=1&#{utm}", "https://s.example/l?x=1&utm_source=kakao&utm_medium=alimtalk", false},
		// In the path a value may carry a path and a query; what an address
		// cannot hold is encoded, an escape already made is kept, a stray % is not.
		{"https://s.example/p/#{path}", "https://s.example/p/shoes/%ED%81%B0%20%EC%82%AC%EC%9D%B4%EC%A6%88?ref=kakao", false},
		{"https://s.example/#{pct}/off", "https://s.example/50%25%20%EA%B0%80/off", false},
		// A "?" of a value before the template's own query is encoded: the
		// template's parameters stay the template's.
		{"https://s.example/p/#{path}?utm=kakao&g=#{g}", "https://s.example/p/shoes/%ED%81%B0%20%EC%82%AC%EC%9D%B4%EC%A6%88%3Fref=kakao?utm=kakao&g=1%26admin%3D1", false},
		{"https://m.s.example/#/r/#{qv}?c=#{g}", "https://m.s.example/#/r/a%3Fx=1?c=1%26admin%3D1", false},
		// In a parameter's name it is one component too; a whole parameter may
		// still carry parameters.
		{"https://s.example/c?#{k}=1&admin=0", "https://s.example/c?a%26admin%3D1%26x=1&admin=0", false},
		{"https://s.example/c?utm_#{src}=kakao", "https://s.example/c?utm_a%3Db=kakao", false},
		{"https://m.s.example/#/e?#{k}=1", "https://m.s.example/#/e?a%26admin%3D1%26x=1", false},
		{"https://s.example/c?#{src}&g=1", "https://s.example/c?a=b&g=1", false},
		{"https://s.example/c?#{src}#x=1", "https://s.example/c?a=b#x=1", false},
		// A "%" of the template's that starts no escape does not make one with the value.
		{"https://s.example/c?code=%#{hex}", "https://s.example/c?code=%2526", false},
		{"https://s.example/c?code=%4#{hex}", "https://s.example/c?code=%25426", false},
		{"https://s.example/c?code=%41#{hex}", "https://s.example/c?code=%4126", false},
		// A value that starts the query itself: what follows it is in the query.
		{"https://s.example/#{qv}&g=#{g}", "https://s.example/a?x=1&g=1%26admin%3D1", false},
		{"https://s.example/#{ends}", "https://s.example/x%25%20y%254", false},
		{"https://s.example/#{odd}", "https://s.example/%3C%22x%22%3E%5B1%5D%5E%7B%7C%7D%60%5C%01", false},
		// The same variable in the path, then in a parameter's value.
		{"https://s.example/c/#{q}?again=#{q}", "https://s.example/c/a&b=c+d%20%23e?again=a%26b%3Dc%2Bd%20%23e", false},
		// A "=" in the path or a parameter's name is no parameter's value.
		{"https://s.example/k=#{id}/#{q}", "https://s.example/k=42/a&b=c+d%20%23e", false},
		// A literal "#" starts the fragment, even right before a variable.
		{"https://s.example/p##{id}", "https://s.example/p#42", false},
		{"https://s.example/p?a=1#sec-#{pct}", "https://s.example/p?a=1#sec-50%25%20%EA%B0%80", false},
		// A hash-routed page's parameters are parameters too.
		{"https://m.s.example/#/event?code=#{q}&x=1", "https://m.s.example/#/event?code=a%26b%3Dc%2Bd%20%23e&x=1", false},
		{"https://m.s.example/#/event?x=1&#{utm}", "https://m.s.example/#/event?x=1&utm_source=kakao&utm_medium=alimtalk", false},
		// Without a value, or malformed, a placeholder stays as written and
		// does not count as a literal "#".
		{"https://s.example/?k=#{none}&q=#{q}", "https://s.example/?k=#{none}&q=a%26b%3Dc%2Bd%20%23e", true},
		{"https://s.example/#{a b}?q=#{q}", "https://s.example/#{a b}?q=a%26b%3Dc%2Bd%20%23e", true},
		{"https://s.example/plain", "https://s.example/plain", false},
	}
	for _, tc := range tests {
		got := substituteURL(tc.url, values)
		if got != tc.want {
			t.Errorf("%s\n got %s\nwant %s", tc.url, got, tc.want)
		}
		if p := urlProblem(got); !tc.unfilled && p != "" {
			t.Errorf("%s: %s", got, p)
		}
	}
}

func TestValidateBoundsAButtonAddress(t *testing.T) {
	long := "https://shop.example/" + strings.Repeat("a", ButtonURLMaxChars-len("https://shop.example/")+1)
	tpl := alimTalk()
	tpl.Buttons = []Button{
		{Name: "보기", MobileURL: long[:ButtonURLMaxChars], PCURL: long},
		{Name: "보기", MobileURL: long},
	}
	problems := Validate(tpl, noOptout)
	if len(problems) != 2 || problems[0].Field != "buttons[0].pc_url" || problems[1].Field != "buttons[1].mobile_url" ||
		!strings.Contains(problems[0].Message, "is 2,001 characters, over the button address limit of 2,000") {
		t.Fatalf("problems = %+v", problems)
	}
}
