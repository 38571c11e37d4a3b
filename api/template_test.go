package api_test

import (
	"fmt"
	"strings"
	"testing"
)

type templateOut struct {
	ID        int64    `json:"id"`
	Channel   string   `json:"channel"`
	Variables []string `json:"variables"`
}

type previewOut struct {
	Channel      string `json:"channel"`
	Subject      string `json:"subject"`
	Body         string `json:"body"`
	Bytes        int    `json:"bytes"`
	Characters   int    `json:"characters"`
	AligoButtons string `json:"aligo_buttons"`
	HTML         bool   `json:"html"`
	Buttons      []struct {
		Name      string `json:"name"`
		MobileURL string `json:"mobile_url"`
	} `json:"buttons"`
	Fallback *struct {
		Channel string `json:"channel"`
		Body    string `json:"body"`
	} `json:"fallback"`
}

func alimtalkTemplate() map[string]any {
	return map[string]any{
		"name": "주문 안내", "channel": "alimtalk",
		"body":                   "#{이름}님, 주문 #{order_no} 이(가) 접수되었습니다.",
		"provider_template_code": "TP_ORDER_1", "sender_key": "sk-test-1",
		"buttons":       []map[string]string{{"name": "주문 보기", "mobile_url": "https://shop.example/o/#{order_no}"}},
		"fallback_text": "#{이름}님 주문 #{order_no} 접수",
	}
}

func TestTemplateVariablesPreviewAndRefusals(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)

	var tpl templateOut
	c.Do("POST", "/api/v1/templates", alimtalkTemplate()).Expect(201).JSON(&tpl)
	if strings.Join(tpl.Variables, ",") != "이름,order_no" {
		t.Fatalf("derived variables %v", tpl.Variables)
	}

	// A declared variable list must match what the text uses.
	wrong := alimtalkTemplate()
	wrong["variables"] = []string{"이름"}
	p := c.Do("POST", "/api/v1/templates", wrong).Expect(422).Problem()
	if p.Errors[0].Field != "variables" || !strings.Contains(p.Errors[0].Message, "order_no") {
		t.Fatalf("variables problem %+v", p.Errors)
	}

	// Preview for a real customer: its fields and attributes are the variables.
	var cust customerOut
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "김하늘", "phone": "010-3030-4040",
		"attributes": map[string]string{"order_no": "A-77"}}).Expect(201).JSON(&cust)
	var pv previewOut
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tpl.ID), map[string]any{"customer_id": cust.ID}).Expect(200).JSON(&pv)
	if pv.Body != "김하늘님, 주문 A-77 이(가) 접수되었습니다." || pv.Buttons[0].MobileURL != "https://shop.example/o/A-77" ||
		pv.Fallback == nil || pv.Fallback.Body != "김하늘님 주문 A-77 접수" || pv.Fallback.Channel != "sms" ||
		!strings.Contains(pv.AligoButtons, `"linkMo":"https://shop.example/o/A-77"`) {
		t.Fatalf("preview %+v", pv)
	}

	// Missing variables are all named.
	p = c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tpl.ID), map[string]any{"variables": map[string]string{"x": "1"}}).Expect(422).Problem()
	var named []string
	for _, e := range p.Errors {
		named = append(named, e.Field)
	}
	if strings.Join(named, ",") != "variables.이름,variables.order_no" || !strings.Contains(p.Detail, "order_no") {
		t.Fatalf("missing-variable problem %+v", p)
	}

	// Button and AlimTalk rules.
	six := alimtalkTemplate()
	var buttons []map[string]string
	for i := 0; i < 6; i++ {
		buttons = append(buttons, map[string]string{"name": "b", "mobile_url": "https://a.example"})
	}
	six["buttons"] = buttons
	c.Do("POST", "/api/v1/templates", six).Expect(422)
	long := alimtalkTemplate()
	long["buttons"] = []map[string]string{{"name": "열다섯글자가넘는아주긴버튼이름", "mobile_url": "https://a.example"}}
	c.Do("POST", "/api/v1/templates", long).Expect(422)
	ftp := alimtalkTemplate()
	ftp["buttons"] = []map[string]string{{"name": "파일", "mobile_url": "ftp://a.example/x"}}
	if f := c.Do("POST", "/api/v1/templates", ftp).Expect(422).Problem().Errors[0].Field; !strings.HasPrefix(f, "buttons[0]") {
		t.Fatalf("ftp button problem names %q", f)
	}
	noCode := alimtalkTemplate()
	delete(noCode, "provider_template_code")
	c.Do("POST", "/api/v1/templates", noCode).Expect(422)
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "x", "channel": "fax", "body": "hi"}).Expect(422)

	// Each field is refused past what a template keeps (once, a 501-character
	// subject was a 500 from the database), and a template whose values make
	// it too long cannot be previewed.
	for _, tc := range []struct {
		field, value string
		tpl          map[string]any
	}{
		{"subject", strings.Repeat("가", 501), map[string]any{"name": "긴 제목", "channel": "email", "body": "본문"}},
		{"subject", strings.Repeat("가", 501), alimtalkTemplate()},
		{"provider_template_code", strings.Repeat("T", 65), alimtalkTemplate()},
		{"sender_key", strings.Repeat("k", 129), alimtalkTemplate()},
		{"buttons", "", alimtalkTemplate()},
	} {
		if tc.field == "buttons" {
			tc.tpl["buttons"] = []map[string]string{{"name": "b", "mobile_url": "https://a.example/" + strings.Repeat("a", 1983)}}
			tc.field = "buttons[0].mobile_url"
		} else {
			tc.tpl[tc.field] = tc.value
		}
		p := c.Do("POST", "/api/v1/templates", tc.tpl).Expect(422).Problem()
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || !strings.Contains(p.Errors[0].Message, "over the") {
			t.Fatalf("%s too long: %+v", tc.field, p)
		}
	}
	var mail templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "메일", "channel": "email", "subject": "#{제목}", "body": "#{본문}"}).
		Expect(201).JSON(&mail)
	// The preview says whether an e-mail goes as HTML: its template's body, as
	// written, opens with a tag; a value that looks like one does not count.
	var pv2 previewOut
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", mail.ID), map[string]any{"variables": map[string]string{
		"제목": "안내", "본문": "<p>안녕</p>"}}).Expect(200).JSON(&pv2)
	if pv2.HTML || pv2.Body != "<p>안녕</p>" {
		t.Fatalf("a text e-mail previewed %+v", pv2)
	}
	var page templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "HTML 메일", "channel": "email", "subject": "안내",
		"body": "<p>#{본문}</p>"}).Expect(201).JSON(&page)
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", page.ID), map[string]any{"variables": map[string]string{
		"본문": "A & B"}}).Expect(200).JSON(&pv2)
	if !pv2.HTML || pv2.Body != "<p>A &amp; B</p>" {
		t.Fatalf("an HTML e-mail previewed %+v", pv2)
	}
	for _, tc := range []struct{ subject, body, want string }{
		{strings.Repeat("가", 501), "본문", "subject is 501 characters as it will be sent, over the subject limit of 500 characters"},
		{"제목", strings.Repeat("가", 21334), "body is 64,002 bytes (UTF-8) as it will be sent, over the e-mail body limit of 64,000 bytes (UTF-8)"},
	} {
		p = c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", mail.ID), map[string]any{"variables": map[string]string{
			"제목": tc.subject, "본문": tc.body}}).Expect(422).Problem()
		if p.Detail != tc.want {
			t.Fatalf("preview of an e-mail too long: %+v", p)
		}
	}

	// Another account neither sees nor previews it.
	other, _ := h.signup(t)
	h.c.As(other).Do("GET", fmt.Sprintf("/api/v1/templates/%d", tpl.ID), nil).Expect(404)
	h.c.As(other).Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tpl.ID), map[string]any{"variables": map[string]string{}}).Expect(404)
	h.c.As(other).Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", tpl.ID), map[string]any{"customer_id": cust.ID}).Expect(404)
}

func TestSMSBytesLMSAndAdvertisements(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)

	// 45 Korean characters are 90 bytes: still an SMS. One more makes an LMS.
	var sms templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "sms", "channel": "sms", "body": "#{msg}"}).Expect(201).JSON(&sms)
	var pv previewOut
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", sms.ID), map[string]any{"variables": map[string]string{"msg": strings.Repeat("가", 45)}}).Expect(200).JSON(&pv)
	if pv.Channel != "sms" || pv.Bytes != 90 || pv.Characters != 45 {
		t.Fatalf("90-byte preview %+v", pv)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", sms.ID), map[string]any{"variables": map[string]string{"msg": strings.Repeat("가", 45) + "a"}}).Expect(200).JSON(&pv)
	if pv.Channel != "lms" || pv.Bytes != 91 {
		t.Fatalf("91-byte preview %+v", pv)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", sms.ID), map[string]any{"variables": map[string]string{"msg": strings.Repeat("가", 1001)}}).Expect(422)

	// An advertising SMS needs the account's opt-out number.
	ad := map[string]any{"name": "광고", "channel": "sms", "body": "주말 특가 #{pct}% 할인! 매장에서 이 문자를 보여 주세요", "advertisement": true}
	p := c.Do("POST", "/api/v1/templates", ad).Expect(422).Problem()
	if !strings.Contains(fmt.Sprint(p.Errors), "optout_number") {
		t.Fatalf("ad without opt-out number: %+v", p.Errors)
	}
	c.Do("PATCH", "/api/v1/account", map[string]any{"optout_number": "not a number"}).Expect(422)
	c.Do("PATCH", "/api/v1/account", map[string]any{"optout_number": "080-123-4567"}).Expect(200)
	var adTpl templateOut
	c.Do("POST", "/api/v1/templates", ad).Expect(201).JSON(&adTpl)
	c.Do("POST", fmt.Sprintf("/api/v1/templates/%d/preview", adTpl.ID), map[string]any{"variables": map[string]string{"pct": "30"}}).Expect(200).JSON(&pv)
	if !strings.HasPrefix(pv.Body, "(광고)") || !strings.HasSuffix(pv.Body, "무료수신거부 080-123-4567") {
		t.Fatalf("ad preview %q", pv.Body)
	}
	// The added text counts: this body fits 90 bytes alone, not with the ad text.
	// UTF-8 spends 3 bytes on a Korean character, EUC-KR 2.
	alone := len("주말 특가 30% 할인! 매장에서 이 문자를 보여 주세요") - len([]rune("주말특가할인매장에서이문자를보여주세요"))
	if alone > 90 || pv.Channel != "lms" || pv.Bytes <= 90 {
		t.Fatalf("ad preview channel %s, %d bytes", pv.Channel, pv.Bytes)
	}

	// PATCH re-validates the whole template.
	c.Do("PATCH", fmt.Sprintf("/api/v1/templates/%d", sms.ID), map[string]any{"channel": "email"}).Expect(422)
	var patched templateOut
	c.Do("PATCH", fmt.Sprintf("/api/v1/templates/%d", sms.ID), map[string]any{"body": "안녕 #{이름}"}).Expect(200).JSON(&patched)
	if strings.Join(patched.Variables, ",") != "이름" {
		t.Fatalf("patched variables %v", patched.Variables)
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/templates/%d", sms.ID), nil).Expect(204)
	c.Do("GET", fmt.Sprintf("/api/v1/templates/%d", sms.ID), nil).Expect(404)
}
