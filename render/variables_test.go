package render

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestVariables(t *testing.T) {
	tests := []struct {
		name  string
		texts []string
		want  []string
	}{
		{"none", []string{"안녕하세요"}, nil},
		{"korean and ascii", []string{"#{이름}님, 쿠폰 #{coupon_code}"}, []string{"이름", "coupon_code"}},
		{"duplicates keep first position", []string{"#{a} #{b} #{a}", "#{b} #{c}"}, []string{"a", "b", "c"}},
		{"across texts in order", []string{"#{body}", "", "https://x.example/#{code}", "#{이름}"}, []string{"body", "code", "이름"}},
		{"dot hyphen digits", []string{"#{order.id} #{쿠폰-코드} #{item2}"}, []string{"order.id", "쿠폰-코드", "item2"}},
		{"adjacent", []string{"#{a}#{b}"}, []string{"a", "b"}},
		{"malformed skipped", []string{"#{} #{ 이름 } #{ok} #{open"}, []string{"ok"}},
		{"hash without brace is text", []string{"#1 #tag {x} #{y}"}, []string{"y"}},
		{"unclosed before next", []string{"#{a #{b}"}, []string{"b"}},
		{"NFD name reported as NFC", []string{"#{" + norm.NFD.String("이름") + "}"}, []string{"이름"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Variables(tc.texts...); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Variables(%q) = %q, want %q", tc.texts, got, tc.want)
			}
		})
	}
}

func TestTemplateVariablesReadingOrder(t *testing.T) {
	tpl := Template{
		Subject:         "#{s}",
		Body:            "#{b} #{s}",
		Buttons:         []Button{{Name: "#{n}", MobileURL: "https://x.example/#{m}", PCURL: "https://x.example/#{p}"}},
		FallbackSubject: "#{fs}",
		FallbackText:    "#{ft} #{b}",
	}
	want := []string{"s", "b", "n", "m", "p", "fs", "ft"}
	if got := tpl.Variables(); !reflect.DeepEqual(got, want) {
		t.Errorf("Variables() = %q, want %q", got, want)
	}
}

func TestPlaceholderProblems(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // substrings, one per problem
	}{
		{"valid", "#{이름}님 #{a.b-c_1}", nil},
		{"empty", "쿠폰 #{}", []string{"line 1, column 4", "name is empty"}},
		{"unclosed at end", "안녕 #{이름", []string{`unclosed variable at line 1, column 4: "#{이름"`}},
		{"unclosed at line end", "첫 줄\n둘째 #{이름\n셋째 }", []string{"unclosed", "line 2, column 4"}},
		{"space", "#{ 이름 }", []string{"cannot contain spaces", "line 1, column 1"}},
		{"bad char", "x #{a/b}", []string{"'/' cannot appear", "column 3"}},
		{"lone opener", "#{", []string{"unclosed", "column 1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := placeholderProblems("body", tc.text)
			if tc.want == nil {
				if len(got) != 0 {
					t.Fatalf("problems %v, want none", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("problems %v, want exactly one", got)
			}
			if got[0].Field != "body" {
				t.Errorf("field %q, want body", got[0].Field)
			}
			for _, w := range tc.want {
				if !strings.Contains(got[0].Message, w) {
					t.Errorf("message %q does not contain %q", got[0].Message, w)
				}
			}
		})
	}
}

func TestSubstituteIsLiteral(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		values map[string]string
		want   string
	}{
		{"plain", "#{이름}님 안녕하세요", map[string]string{"이름": "홍길동"}, "홍길동님 안녕하세요"},
		{"value with placeholder not re-expanded", "#{a}", map[string]string{"a": "#{b}", "b": "X"}, "#{b}"},
		{"value with dollar and braces", "#{a}!", map[string]string{"a": "$1 {x} }"}, "$1 {x} }!"},
		{"empty value", "[#{a}]", map[string]string{"a": ""}, "[]"},
		{"repeated", "#{a}-#{a}", map[string]string{"a": "1"}, "1-1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := substitute(tc.text, tc.values); got != tc.want {
				t.Errorf("substitute(%q) = %q, want %q", tc.text, got, tc.want)
			}
		})
	}
}
