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

func TestAligoButtonJSON(t *testing.T) {
	tests := []struct {
		name    string
		buttons []Button
		want    string
		wantErr string
	}{
		{"none", nil, "", ""},
		{"one with both links", []Button{{Name: "쿠폰 받기", MobileURL: "https://m.shop.example/c?a=1&b=2", PCURL: "https://shop.example/c"}},
			`{"button":[{"name":"쿠폰 받기","linkType":"WL","linkTypeName":"웹링크","linkMo":"https://m.shop.example/c?a=1&b=2","linkPc":"https://shop.example/c"}]}`, ""},
		{"no pc link", []Button{{Name: "a", MobileURL: "https://a.example"}, {Name: "b", MobileURL: "https://b.example"}},
			`{"button":[{"name":"a","linkType":"WL","linkTypeName":"웹링크","linkMo":"https://a.example"},{"name":"b","linkType":"WL","linkTypeName":"웹링크","linkMo":"https://b.example"}]}`, ""},
		{"quotes escaped", []Button{{Name: `say "hi"`, MobileURL: "https://a.example"}},
			`{"button":[{"name":"say \"hi\"","linkType":"WL","linkTypeName":"웹링크","linkMo":"https://a.example"}]}`, ""},
		{"too many", make([]Button, 6), "", "at most 5 buttons"},
		{"no name", []Button{{MobileURL: "https://a.example"}}, "", "buttons[0].name is required"},
		{"no mobile url", []Button{{Name: "a"}}, "", "buttons[0].mobile_url is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AligoButtonJSON(tc.buttons)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
