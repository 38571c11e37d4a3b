package render

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// Advertisement overhead in bytes for withOptout:
// "(광고) 샘플상점\n" = 16 and "\n무료수신거부 080-123-4567" = 26.
const adBytes = 16 + 26

func TestRenderSMSAndLMS(t *testing.T) {
	tests := []struct {
		name        string
		tpl         Template
		vars        map[string]string
		acct        AccountSettings
		wantChannel string
		wantSubject string
		wantBody    string
	}{
		{"sms", Template{Channel: ChannelSMS, Body: "#{이름}님 안녕하세요"}, map[string]string{"이름": "홍길동"}, noOptout,
			ChannelSMS, "", "홍길동님 안녕하세요"},
		{"sms at exactly 90 bytes stays sms", Template{Channel: ChannelSMS, Subject: "제목", Body: "#{x}"},
			map[string]string{"x": strings.Repeat("가", 45)}, noOptout, ChannelSMS, "", strings.Repeat("가", 45)},
		{"sms at 91 bytes becomes lms and keeps its subject", Template{Channel: ChannelSMS, Subject: "제목", Body: "#{x}a"},
			map[string]string{"x": strings.Repeat("가", 45)}, noOptout, ChannelLMS, "제목", strings.Repeat("가", 45) + "a"},
		{"lms stays lms when short", Template{Channel: ChannelLMS, Subject: "#{s}", Body: "짧음"}, map[string]string{"s": "공지\n사항"}, noOptout,
			ChannelLMS, "공지 사항", "짧음"},
		{"ad sms without account name", Template{Channel: ChannelSMS, Body: "봄 세일", Advertisement: true}, nil,
			AccountSettings{OptoutNumber: "080-123-4567"}, ChannelSMS, "", "(광고) 봄 세일\n무료수신거부 080-123-4567"},
		{"ad sms with account name", Template{Channel: ChannelSMS, Body: "봄 세일", Advertisement: true}, nil, withOptout,
			ChannelSMS, "", "(광고) 샘플상점\n봄 세일\n무료수신거부 080-123-4567"},
		{"ad text fills sms to exactly 90 bytes", Template{Channel: ChannelSMS, Body: strings.Repeat("a", 90-adBytes), Advertisement: true}, nil, withOptout,
			ChannelSMS, "", "(광고) 샘플상점\n" + strings.Repeat("a", 90-adBytes) + "\n무료수신거부 080-123-4567"},
		{"fits 90 alone but not with the ad text: lms", Template{Channel: ChannelSMS, Body: strings.Repeat("a", 91-adBytes), Advertisement: true}, nil, withOptout,
			ChannelLMS, "", "(광고) 샘플상점\n" + strings.Repeat("a", 91-adBytes) + "\n무료수신거부 080-123-4567"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Render(tc.tpl, tc.vars, tc.acct)
			if err != nil {
				t.Fatal(err)
			}
			if r.Channel != tc.wantChannel || r.Subject != tc.wantSubject || r.Body != tc.wantBody {
				t.Errorf("got %s %q %q, want %s %q %q", r.Channel, r.Subject, r.Body, tc.wantChannel, tc.wantSubject, tc.wantBody)
			}
			if r.Buttons != nil || r.Fallback != nil {
				t.Errorf("unexpected buttons or fallback: %+v", r)
			}
		})
	}
}

func TestRenderLimits(t *testing.T) {
	tests := []struct {
		name    string
		tpl     Template
		vars    map[string]string
		want    *LimitError // nil: renders
		wantMsg string
	}{
		{"lms at 2000 bytes", Template{Channel: ChannelLMS, Body: "#{x}"}, map[string]string{"x": strings.Repeat("가", 1000)}, nil, ""},
		{"lms at 2001 bytes", Template{Channel: ChannelLMS, Body: "#{x}a"}, map[string]string{"x": strings.Repeat("가", 1000)},
			&LimitError{Field: "body", Rule: "LMS body", Max: 2000, Size: 2001, Unit: UnitBytes},
			"body is 2,001 bytes as it will be sent, over the LMS body limit of 2,000 bytes (Korean characters count 2 bytes)"},
		{"sms grown past lms", Template{Channel: ChannelSMS, Body: "#{x}"}, map[string]string{"x": strings.Repeat("a", 2001)},
			&LimitError{Field: "body", Rule: "LMS body", Max: 2000, Size: 2001, Unit: UnitBytes}, ""},
		{"lms title grown past 40 bytes", Template{Channel: ChannelLMS, Subject: "#{s}", Body: "x"}, map[string]string{"s": strings.Repeat("가", 21)},
			&LimitError{Field: "subject", Rule: "LMS title", Max: 40, Size: 42, Unit: UnitBytes}, ""},
		{"sms title ignored while it stays sms", Template{Channel: ChannelSMS, Subject: "#{s}", Body: "x"}, map[string]string{"s": strings.Repeat("가", 21)}, nil, ""},
		{"alimtalk at 1000 chars", Template{Channel: ChannelAlimTalk, Body: "#{x}", ProviderTemplateCode: "T", SenderKey: "K"},
			map[string]string{"x": strings.Repeat("가", 1000)}, nil, ""},
		{"alimtalk at 1001 chars", Template{Channel: ChannelAlimTalk, Body: "#{x}", ProviderTemplateCode: "T", SenderKey: "K"},
			map[string]string{"x": strings.Repeat("가", 1001)},
			&LimitError{Field: "body", Rule: "AlimTalk body", Max: 1000, Size: 1001, Unit: UnitChars},
			"body is 1,001 characters as it will be sent, over the AlimTalk body limit of 1,000 characters"},
		{"button name grown past 14", func() Template { t := alimTalk(); t.Buttons[0].Name = "#{n} 보기"; return t }(),
			map[string]string{"이름": "a", "order_id": "1", "n": strings.Repeat("쿠폰", 6)},
			&LimitError{Field: "buttons[0].name", Rule: "AlimTalk button name", Max: 14, Size: 15, Unit: UnitChars}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.tpl, tc.vars, withOptout)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) {
				t.Fatalf("err = %v, want *LimitError", err)
			}
			if !reflect.DeepEqual(le, tc.want) {
				t.Errorf("got %+v, want %+v", le, tc.want)
			}
			if tc.wantMsg != "" && err.Error() != tc.wantMsg {
				t.Errorf("message %q, want %q", err.Error(), tc.wantMsg)
			}
		})
	}
}

func TestRenderMissingVariables(t *testing.T) {
	tpl := alimTalk()
	tpl.Subject = "#{제목}"
	tpl.Buttons = append(tpl.Buttons, Button{Name: "#{버튼}", MobileURL: "https://shop.example/c/#{coupon_code}"})
	tpl.FallbackText = "#{이름}님 쿠폰 #{coupon_code}, #{만료일}까지"

	tests := []struct {
		name string
		vars map[string]string
		want []string // nil: renders
	}{
		{"all missing, in order of appearance", nil, []string{"제목", "이름", "order_id", "버튼", "coupon_code", "만료일"}},
		{"some missing", map[string]string{"제목": "t", "이름": "홍길동", "버튼": "b"}, []string{"order_id", "coupon_code", "만료일"}},
		{"empty value is a value", map[string]string{"제목": "", "이름": "", "order_id": "1", "버튼": "b", "coupon_code": "C", "만료일": ""}, nil},
		{"NFD key matches NFC name", map[string]string{"제목": "t", norm.NFD.String("이름"): "홍길동", "order_id": "1", "버튼": "b", "coupon_code": "C", "만료일": "d"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tpl, tc.vars, noOptout)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var me *MissingVariablesError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want *MissingVariablesError", err)
			}
			if !reflect.DeepEqual(me.Names, tc.want) {
				t.Errorf("missing %q, want %q", me.Names, tc.want)
			}
			for _, n := range tc.want {
				if !strings.Contains(err.Error(), "#{"+n+"}") {
					t.Errorf("message %q does not name %s", err, n)
				}
			}
		})
	}
}

func TestRenderAlimTalk(t *testing.T) {
	tpl := alimTalk()
	tpl.Subject = "배송 안내"
	tpl.Buttons = []Button{
		{Name: "배송 조회", MobileURL: "https://m.shop.example/track/#{order_id}", PCURL: "https://shop.example/track/#{order_id}"},
		{Name: "#{쿠폰명} 받기", MobileURL: "https://shop.example/c/#{code}?src=kakao"},
	}
	vars := map[string]string{"이름": "홍길동", "order_id": "A-1", "쿠폰명": "봄", "code": "SPRING"}

	r, err := Render(tpl, vars, noOptout)
	if err != nil {
		t.Fatal(err)
	}
	want := Rendered{
		Channel: ChannelAlimTalk,
		Subject: "배송 안내",
		Body:    "홍길동님, 주문하신 상품이 발송되었습니다.",
		Buttons: []Button{
			{Name: "배송 조회", MobileURL: "https://m.shop.example/track/A-1", PCURL: "https://shop.example/track/A-1"},
			{Name: "봄 받기", MobileURL: "https://shop.example/c/SPRING?src=kakao"},
		},
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got  %+v\nwant %+v", r, want)
	}

	t.Run("values are encoded where they stand in the address", func(t *testing.T) {
		v := map[string]string{"이름": "a", "order_id": "A 1/2", "쿠폰명": "b", "code": "봄 50%"}
		r, err := Render(tpl, v, noOptout)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := r.Buttons[0].MobileURL, "https://m.shop.example/track/A%201/2"; got != want {
			t.Errorf("mobile_url = %q, want %q", got, want)
		}
		if got, want := r.Buttons[1].MobileURL, "https://shop.example/c/%EB%B4%84%2050%25?src=kakao"; got != want {
			t.Errorf("mobile_url = %q, want %q", got, want)
		}
	})

	t.Run("an address the values make too long is refused", func(t *testing.T) {
		// 300 Hangul characters are 2,700 once encoded (3 bytes of %XX each).
		v := map[string]string{"이름": "a", "order_id": strings.Repeat("가", 300), "쿠폰명": "b", "code": "c"}
		_, err := Render(tpl, v, noOptout)
		var le *LimitError
		if !errors.As(err, &le) {
			t.Fatalf("err = %v, want *LimitError", err)
		}
		if le.Field != "buttons[0].mobile_url" || le.Size != 2729 || le.Max != ButtonURLMaxChars {
			t.Errorf("got %+v", le)
		}
		// Both URLs of button 0 break; each is reported.
		if !strings.Contains(err.Error(), "buttons[0].pc_url") {
			t.Errorf("error %q does not report pc_url too", err)
		}
	})
}

func TestRenderFallback(t *testing.T) {
	tests := []struct {
		name string
		text string
		subj string
		ad   bool
		want RenderedFallback
	}{
		{"short is sms, title dropped", "#{이름}님 배송 시작", "배송", false,
			RenderedFallback{Channel: ChannelSMS, Body: "홍길동님 배송 시작"}},
		{"long is lms with title", "#{이름}님 " + strings.Repeat("가", 45), "#{이름}님 배송", false,
			RenderedFallback{Channel: ChannelLMS, Subject: "홍길동님 배송", Body: "홍길동님 " + strings.Repeat("가", 45)}},
		{"ad fallback is wrapped", "#{이름}님 세일", "", true,
			RenderedFallback{Channel: ChannelSMS, Body: "(광고) 샘플상점\n홍길동님 세일\n무료수신거부 080-123-4567"}},
		{"ad text pushes fallback to lms", strings.Repeat("a", 91-adBytes), "", true,
			RenderedFallback{Channel: ChannelLMS, Body: "(광고) 샘플상점\n" + strings.Repeat("a", 91-adBytes) + "\n무료수신거부 080-123-4567"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tpl := alimTalk()
			tpl.FallbackText, tpl.FallbackSubject, tpl.Advertisement = tc.text, tc.subj, tc.ad
			r, err := Render(tpl, map[string]string{"이름": "홍길동", "order_id": "1"}, withOptout)
			if err != nil {
				t.Fatal(err)
			}
			if r.Fallback == nil || *r.Fallback != tc.want {
				t.Errorf("fallback %+v, want %+v", r.Fallback, tc.want)
			}
			// The AlimTalk itself must match the approved template: never wrapped.
			if r.Body != "홍길동님, 주문하신 상품이 발송되었습니다." {
				t.Errorf("alimtalk body changed: %q", r.Body)
			}
		})
	}
}

func TestRenderEmailAdvertisement(t *testing.T) {
	tpl := Template{Channel: ChannelEmail, Subject: "#{이름}님께 봄 세일", Body: "본문", Advertisement: true}
	r, err := Render(tpl, map[string]string{"이름": "홍길동"}, withOptout)
	if err != nil {
		t.Fatal(err)
	}
	want := Rendered{Channel: ChannelEmail, Subject: "(광고) 홍길동님께 봄 세일", Body: "본문\n무료수신거부 080-123-4567"}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("got %+v, want %+v", r, want)
	}
	// In HTML the opt-out line is a paragraph at the end of the body.
	tpl.Body = "<html><body><p>#{이름}님 봄 세일</p></BODY></html>"
	if r, err = Render(tpl, map[string]string{"이름": "홍길동"}, withOptout); err != nil {
		t.Fatal(err)
	}
	if want := `<html><body><p>홍길동님 봄 세일</p><p style="font-size:12px;color:#666">무료수신거부 080-123-4567</p></BODY></html>`; r.Body != want {
		t.Errorf("HTML body %q, want %q", r.Body, want)
	}
}

// In an HTML e-mail a value is text: a customer's "<" or "&" shows as
// written and adds no markup. A text e-mail takes values as they are.
func TestRenderEmailEscapesValuesInHTMLOnly(t *testing.T) {
	vars := map[string]string{"이름": `김&이 <b>`, "code": `a"b`}
	for _, tc := range []struct{ body, want string }{
		{`  <p>#{이름}님, <a href="https://shop.example/c?u=#{code}">쿠폰</a></p>`,
			`  <p>김&amp;이 &lt;b&gt;님, <a href="https://shop.example/c?u=a&#34;b">쿠폰</a></p>`},
		{"#{이름}님, 쿠폰 #{code}", `김&이 <b>님, 쿠폰 a"b`},
		// A bracketed notice or label is text, not a tag.
		{"<공지> #{이름}님", `<공지> 김&이 <b>님`},
		{"<SALE> #{이름}님", `<SALE> 김&이 <b>님`},
		{"<!doctype html><p>#{이름}", `<!doctype html><p>김&amp;이 &lt;b&gt;`},
		{"<P>#{이름}</P>", `<P>김&amp;이 &lt;b&gt;</P>`},
	} {
		r, err := Render(Template{Channel: ChannelEmail, Subject: "#{이름}님 쿠폰", Body: tc.body}, vars, noOptout)
		if err != nil {
			t.Fatal(err)
		}
		if r.Body != tc.want || r.Subject != `김&이 <b>님 쿠폰` {
			t.Errorf("%q rendered as subject %q, body %q; want body %q", tc.body, r.Subject, r.Body, tc.want)
		}
	}
}

// What the values make too long for its row is refused, naming the field and
// the limit; at the limit it renders.
func TestRenderBoundsSubjectsAndEmailBodies(t *testing.T) {
	alim := alimTalk()
	alim.Subject = "#{s}"
	vars := func(s, body string) map[string]string {
		return map[string]string{"s": s, "b": body, "이름": "a", "order_id": "1"}
	}
	tests := []struct {
		name string
		tpl  Template
		vars map[string]string
		want string // "" renders
	}{
		{"AlimTalk subject at the limit", alim, vars(strings.Repeat("가", 500), ""), ""},
		{"AlimTalk subject over it", alim, vars(strings.Repeat("가", 501), ""),
			"subject is 501 characters as it will be sent, over the subject limit of 500 characters"},
		{"advertising e-mail subject over it with its prefix",
			Template{Channel: ChannelEmail, Subject: "#{s}", Body: "#{b}", Advertisement: true}, vars(strings.Repeat("가", 496), "b"),
			"subject is 501 characters as it will be sent"},
		{"e-mail body at the limit", Template{Channel: ChannelEmail, Subject: "s", Body: "#{b}"},
			vars("", strings.Repeat("a", EmailBodyMaxBytes)), ""},
		{"e-mail body over it", Template{Channel: ChannelEmail, Subject: "s", Body: "#{b}"},
			vars("", strings.Repeat("a", EmailBodyMaxBytes+1)),
			"body is 64,001 bytes (UTF-8) as it will be sent, over the e-mail body limit of 64,000 bytes (UTF-8)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Render(tc.tpl, tc.vars, withOptout)
			var le *LimitError
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (!errors.As(err, &le) || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("err = %v, want a *LimitError saying %q", err, tc.want)
			}
		})
	}
}

func TestIsHTML(t *testing.T) {
	for body, want := range map[string]bool{
		// Documents and comments.
		"<!DOCTYPE html>\n<html>": true, "<!doctype html><title>x</title>": true, "<!-- 머리말 -->\n안녕": true,
		"\n  <html>": true, "<HTML lang=\"ko\">": true, "<body>": true, "<head><title>x": true,
		"\ufeff<html>": true, "\u00a0<html>": true,
		`<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN"><html>`: true,
		// A tag with an attribute, a void element closed in place.
		`<img src="https://s.example/b.png">`: true, `<a href="https://s.example">쿠폰`: true,
		"<table width=\"600\">\n<tr><td>#{x}": true, "<div\nclass=x>#{본문}": true, "<br/>안녕": true, "<hr />": true,
		// A bare tag with more markup after it.
		"<p>안녕</p>": true, "<B>특가</b>": true, "<h1>제목</h1>": true, "<p>첫 문단\n<p>둘째 문단": true,
		"<p>a<br>b": true, "<p>a<BR />b": true, "<div>\n<table>": true, "<svg>…</svg>": true, "<video>x</video>": true,
		// Bracketed labels, a lone bare tag, and other text.
		"<공지> 안내": false, "<SALE> 50% 할인": false, "<B> 안내": false, "<MAIN EVENT> 안내": false,
		"<HR> 2026 인사 발령 안내": false, "<LINK> 아래 링크": false, "<META> 광고 결과": false, "<INPUT> 안내": false,
		"<P>#{이름}": false, "<VIP>님께": false, "<NEW>\n</3": false, "<B> 특가 <brand>": false, "<B> 1 </ 2": false,
		"<3 고마워요": false, "< p>": false, "<": false, "<p": false, "<Hello!>": false, "안녕 <p>": false, "": false,
		"<@x>": false, "<[x]>": false, "<![CDATA[x]]>": false, "<?xml version=\"1.0\"?><note/>": false,
		"<h7>x</h7>": false, "<B> 안내" + strings.Repeat(" ", 5000) + "</b>": false,
		"<A> 코스 안내\n<B> 코스 안내": false, "<B> 등급 혜택\n<S> 등급 혜택": false, "<Q> 질문 <A> 답변": false,
		"<HR> 인사 발령\n<HR>": false, "<B> 특가 <b>x": false, "<DATA> 분석 결과 <TIME> 10시": false,
		"<B> 특가 <font color=red>x": true, strings.Repeat("\n", 9000) + "<html>": false,
	} {
		if got := IsHTML(body); got != want {
			t.Errorf("IsHTML(%.80q) = %v, want %v", body, got, want)
		}
	}
}

// The unsubscribe link goes as the template's kind says, not as the body looks.
func TestWithUnsubscribeLinkFollowsTheTemplatesKind(t *testing.T) {
	const u = "https://s.example/u/tok?a=1&b=2"
	for _, tc := range []struct {
		body   string
		isHTML bool
		want   string
	}{
		{"<공지> 봄 세일", false, "<공지> 봄 세일\n" + UnsubscribeLabel + ": " + u},
		{"<VIP> 고객님께", false, "<VIP> 고객님께\n" + UnsubscribeLabel + ": " + u},
		{"<html><body><p>세일</p></BODY></html>", true, `<html><body><p>세일</p><p style="font-size:12px;color:#666"><a href="https://s.example/u/tok?a=1&amp;b=2">` +
			UnsubscribeLabel + `</a></p></BODY></html>`},
		{"<p>세일</p>", true, `<p>세일</p><p style="font-size:12px;color:#666"><a href="https://s.example/u/tok?a=1&amp;b=2">` +
			UnsubscribeLabel + `</a></p>`},
	} {
		if got := WithUnsubscribeLink(tc.body, u, tc.isHTML); got != tc.want {
			t.Errorf("%q (html %v):\n got %q\nwant %q", tc.body, tc.isHTML, got, tc.want)
		}
	}
}

func TestRenderRefusesInvalidTemplate(t *testing.T) {
	// Saved while the account had an opt-out number, sent after it was removed.
	tpl := Template{Channel: ChannelSMS, Body: "봄 세일", Advertisement: true}
	_, err := Render(tpl, nil, noOptout)
	var ie *InvalidTemplateError
	if !errors.As(err, &ie) {
		t.Fatalf("err = %v, want *InvalidTemplateError", err)
	}
	if len(ie.Problems) != 1 || ie.Problems[0].Field != "advertisement" || !strings.Contains(err.Error(), "optout_number") {
		t.Errorf("got %v", err)
	}

	_, err = Render(Template{Channel: ChannelSMS, Body: "#{이름"}, map[string]string{"이름": "x"}, noOptout)
	if !errors.As(err, &ie) {
		t.Fatalf("malformed placeholder: err = %v, want *InvalidTemplateError", err)
	}
}

func TestRenderDoesNotReExpand(t *testing.T) {
	tpl := Template{Channel: ChannelSMS, Body: "#{a} / #{b}"}
	r, err := Render(tpl, map[string]string{"a": "#{b}", "b": "#{x}"}, noOptout)
	if err != nil {
		t.Fatal(err)
	}
	if r.Body != "#{b} / #{x}" {
		t.Errorf("body %q", r.Body)
	}
}
