package render

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"
)

// A template compiled once renders for one recipient after another exactly
// what Render renders for each, a recipient's missing variable or broken limit
// failing that recipient alone; a template the account's settings refuse does
// not compile.
func TestCompiledRendersWhatRenderDoes(t *testing.T) {
	tpl := Template{Channel: ChannelSMS, Subject: "#{이름}님께", Body: "#{이름}님, #{등급} 혜택을 확인하세요", Advertisement: true}
	acct := AccountSettings{Name: "샘플상점", OptoutNumber: "080-123-4567"}
	c, err := Compile(tpl, acct)
	if err != nil {
		t.Fatal(err)
	}
	recipients := []map[string]string{
		{"이름": "홍길동", "등급": "VIP"},
		{"이름": "김철수"},                                  // no 등급
		{"이름": strings.Repeat("가", 40), "등급": "골드"},    // LMS by length
		{"이름": "이영희", "등급": strings.Repeat("나", 1100)}, // past the LMS limit
		{"이름": "박민수", "등급": "실버"},
	}
	for i, vars := range recipients {
		got, gerr := c.Render(vars)
		want, werr := Render(tpl, vars, acct)
		if !reflect.DeepEqual(got, want) || (gerr == nil) != (werr == nil) || (gerr != nil && gerr.Error() != werr.Error()) {
			t.Errorf("recipient %d: compiled %+v (%v), Render %+v (%v)", i, got, gerr, want, werr)
		}
	}
	if _, err := c.Render(recipients[1]); !errors.As(err, new(*MissingVariablesError)) {
		t.Errorf("a recipient without 등급 rendered (%v)", err)
	}
	if got, _ := c.Render(recipients[0]); got.Channel != ChannelSMS || !strings.Contains(got.Body, "VIP") {
		t.Errorf("the first recipient again renders %+v", got)
	}
	if _, err := Compile(tpl, AccountSettings{Name: "샘플상점"}); !errors.As(err, new(*InvalidTemplateError)) {
		t.Errorf("an advertisement without an opt-out number compiled (%v)", err)
	}
}

// BenchmarkCompiledRender renders one template for many recipients, checked
// for each (Render) and compiled once, in the same run, and reports the ratio.
//
//	go test ./render -run '^$' -bench CompiledRender -benchtime 200000x
func BenchmarkCompiledRender(b *testing.B) {
	tpl := Template{Channel: ChannelAlimTalk, ProviderTemplateCode: "VIP_01", SenderKey: "sk-1", Subject: "#{이름}님", Body: "#{이름}님, #{등급} 회원 혜택을 확인하세요",
		Buttons:      []Button{{Name: "혜택 보기", MobileURL: "https://shop.example/vip?u=#{이름}"}},
		FallbackText: "#{이름}님, #{등급} 회원 혜택: https://shop.example/vip"}
	acct := AccountSettings{Name: "샘플상점", OptoutNumber: "080-123-4567"}
	vars := map[string]string{"이름": "홍길동", "등급": "VIP"}
	c, err := Compile(tpl, acct)
	if err != nil {
		b.Fatal(err)
	}
	var each, once time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := Render(tpl, vars, acct); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if _, err := c.Render(vars); err != nil {
			b.Fatal(err)
		}
		each, once = each+t1.Sub(t0), once+time.Since(t1)
	}
	b.ReportMetric(float64(each.Nanoseconds())/float64(b.N), "ns-checked-each")
	b.ReportMetric(float64(once.Nanoseconds())/float64(b.N), "ns-compiled")
	b.ReportMetric(float64(each)/float64(max(once, 1)), "x")
}

// A name's form is remembered once known; a name not in NFC still matches its
// NFC placeholder however often it is rendered (and its NFC twin still wins).
func TestNamesFormIsRememberedRightly(t *testing.T) {
	c, err := Compile(Template{Channel: ChannelSMS, Body: "#{등급} 회원 #{이름}님"}, AccountSettings{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r, err := c.Render(map[string]string{norm.NFD.String("등급"): "VIP", "이름": "홍길동"})
		if err != nil || r.Body != "VIP 회원 홍길동님" {
			t.Fatalf("render %d with an NFD name: %q %v", i, r.Body, err)
		}
		r, err = c.Render(map[string]string{norm.NFD.String("이름"): "NFD", "이름": "NFC", "등급": "VIP"})
		if err != nil || r.Body != "VIP 회원 NFC님" {
			t.Fatalf("render %d with both forms: %q %v", i, r.Body, err)
		}
	}
}
