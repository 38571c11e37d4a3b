package render

import (
	"strings"
	"testing"
)

var (
	withOptout = AccountSettings{Name: "샘플상점", OptoutNumber: "080-123-4567"}
	noOptout   = AccountSettings{Name: "샘플상점"}
)

func alimTalk() Template {
	return Template{
		Channel:              ChannelAlimTalk,
		Body:                 "#{이름}님, 주문하신 상품이 발송되었습니다.",
		Buttons:              []Button{{Name: "배송 조회", MobileURL: "https://shop.example/track/#{order_id}"}},
		ProviderTemplateCode: "TPL_001",
		SenderKey:            "abc123",
	}
}

func buttons(n int) []Button {
	out := make([]Button, n)
	for i := range out {
		out[i] = Button{Name: "버튼", MobileURL: "https://shop.example/"}
	}
	return out
}

// want is one expected problem: the field and a substring of its message.
type want struct{ field, msg string }

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		tpl  func() Template
		acct AccountSettings
		want []want // nil: valid
	}{
		{"valid sms", func() Template { return Template{Channel: ChannelSMS, Body: "#{이름}님 안녕하세요"} }, noOptout, nil},
		{"valid lms", func() Template {
			return Template{Channel: ChannelLMS, Subject: "공지", Body: strings.Repeat("가", 1000)}
		}, noOptout, nil},
		{"valid alimtalk", alimTalk, noOptout, nil},
		{"valid email", func() Template { return Template{Channel: ChannelEmail, Subject: "#{이름}님", Body: "본문"} }, noOptout, nil},
		{"valid ad sms", func() Template { return Template{Channel: ChannelSMS, Body: "봄 세일", Advertisement: true} }, withOptout, nil},

		{"no channel", func() Template { return Template{Body: "x"} }, noOptout, []want{{"channel", "is required"}}},
		{"unknown channel", func() Template { return Template{Channel: "mms", Body: "x"} }, noOptout, []want{{"channel", `not "mms"`}}},
		{"no body", func() Template { return Template{Channel: ChannelSMS, Body: "  "} }, noOptout, []want{{"body", "is required"}}},
		{"email needs subject", func() Template { return Template{Channel: ChannelEmail, Body: "x"} }, noOptout, []want{{"subject", "is required"}}},
		{"multi-line subject", func() Template { return Template{Channel: ChannelEmail, Subject: "a\nb", Body: "x"} }, noOptout, []want{{"subject", "single line"}}},
		{"malformed placeholders", func() Template { return Template{Channel: ChannelSMS, Body: "#{이름님 #{}"} }, noOptout,
			[]want{{"body", "unclosed variable at line 1, column 1"}, {"body", "malformed variable at line 1, column 7"}}},

		{"alimtalk ids required", func() Template { t := alimTalk(); t.ProviderTemplateCode, t.SenderKey = "", " "; return t }, noOptout,
			[]want{{"provider_template_code", "is required"}, {"sender_key", "is required"}}},
		{"ids only for alimtalk", func() Template {
			return Template{Channel: ChannelSMS, Body: "x", ProviderTemplateCode: "T", SenderKey: "K"}
		}, noOptout, []want{{"provider_template_code", "only for AlimTalk"}, {"sender_key", "only for AlimTalk"}}},
		{"sms has no buttons", func() Template { return Template{Channel: ChannelSMS, Body: "x", Buttons: buttons(1)} }, noOptout,
			[]want{{"buttons", "only for AlimTalk"}}},
		{"lms has no fallback", func() Template {
			return Template{Channel: ChannelLMS, Body: "x", FallbackText: "y", FallbackSubject: "z"}
		}, noOptout, []want{{"fallback_text", "only for AlimTalk"}, {"fallback_subject", "only for AlimTalk"}}},

		{"5 buttons allowed", func() Template { t := alimTalk(); t.Buttons = buttons(5); return t }, noOptout, nil},
		{"6 buttons refused", func() Template { t := alimTalk(); t.Buttons = buttons(6); return t }, noOptout,
			[]want{{"buttons", "at most 5"}}},
		{"button name 14 runes allowed", func() Template { t := alimTalk(); t.Buttons[0].Name = strings.Repeat("가", 14); return t }, noOptout, nil},
		{"button name 15 runes refused", func() Template { t := alimTalk(); t.Buttons[0].Name = strings.Repeat("가", 15); return t }, noOptout,
			[]want{{"buttons[0].name", "15 characters"}}},
		{"button name required", func() Template { t := alimTalk(); t.Buttons[0].Name = ""; return t }, noOptout,
			[]want{{"buttons[0].name", "is required"}}},
		{"button mobile url required", func() Template { t := alimTalk(); t.Buttons[0].MobileURL = ""; return t }, noOptout,
			[]want{{"buttons[0].mobile_url", "is required"}}},
		{"ftp refused", func() Template { t := alimTalk(); t.Buttons[0].MobileURL = "ftp://shop.example/x"; return t }, noOptout,
			[]want{{"buttons[0].mobile_url", "not ftp:"}}},
		{"javascript refused", func() Template {
			t := alimTalk()
			t.Buttons = append(t.Buttons, Button{Name: "b", MobileURL: "https://shop.example", PCURL: "javascript:alert(1)"})
			return t
		}, noOptout, []want{{"buttons[1].pc_url", "not javascript:"}}},
		{"relative refused", func() Template { t := alimTalk(); t.Buttons[0].MobileURL = "/track/1"; return t }, noOptout,
			[]want{{"buttons[0].mobile_url", "full address"}}},
		{"variable host refused", func() Template { t := alimTalk(); t.Buttons[0].MobileURL = "https://#{host}/x"; return t }, noOptout,
			[]want{{"buttons[0].mobile_url", "host name before any variable"}}},
		{"malformed placeholder in url", func() Template { t := alimTalk(); t.Buttons[0].MobileURL = "https://shop.example/#{a"; return t }, noOptout,
			[]want{{"buttons[0].mobile_url", "unclosed variable at line 1, column 22"}}},

		{"alimtalk 1000 chars allowed", func() Template { t := alimTalk(); t.Body = strings.Repeat("가", 1000); return t }, noOptout, nil},
		{"alimtalk 1001 chars refused", func() Template { t := alimTalk(); t.Body = strings.Repeat("가", 1001); return t }, noOptout,
			[]want{{"body", "1,001 characters, over the AlimTalk limit of 1,000 characters"}}},
		{"lms 2000 bytes allowed", func() Template { return Template{Channel: ChannelLMS, Body: strings.Repeat("가", 1000)} }, noOptout, nil},
		{"lms 2001 bytes refused", func() Template { return Template{Channel: ChannelLMS, Body: strings.Repeat("가", 1000) + "a"} }, noOptout,
			[]want{{"body", "2,001 bytes, over the LMS limit of 2,000 bytes (Korean characters count 2 bytes)"}}},
		{"sms over 90 bytes is fine: it goes out as LMS", func() Template { return Template{Channel: ChannelSMS, Body: strings.Repeat("가", 100)} }, noOptout, nil},
		{"sms over 2000 bytes refused", func() Template { return Template{Channel: ChannelSMS, Body: strings.Repeat("a", 2001)} }, noOptout,
			[]want{{"body", "over the LMS limit"}}},
		{"ad text counts toward the LMS limit", func() Template {
			return Template{Channel: ChannelLMS, Body: strings.Repeat("가", 990), Advertisement: true}
		}, withOptout, []want{{"body", "with the advertisement text, over the LMS limit"}}},
		{"lms title 40 bytes allowed", func() Template { return Template{Channel: ChannelLMS, Subject: strings.Repeat("가", 20), Body: "x"} }, noOptout, nil},
		{"lms title 41 bytes refused", func() Template {
			return Template{Channel: ChannelLMS, Subject: strings.Repeat("가", 20) + "a", Body: "x"}
		}, noOptout,
			[]want{{"subject", "41 bytes, over the LMS title limit of 40 bytes"}}},

		{"fallback title needs text", func() Template { t := alimTalk(); t.FallbackSubject = "제목"; return t }, noOptout,
			[]want{{"fallback_subject", "needs fallback_text"}}},
		{"fallback too long", func() Template { t := alimTalk(); t.FallbackText = strings.Repeat("가", 1001); return t }, noOptout,
			[]want{{"fallback_text", "2,002 bytes"}}},
		{"fallback title too long", func() Template {
			t := alimTalk()
			t.FallbackText, t.FallbackSubject = "x", strings.Repeat("a", 41)
			return t
		}, noOptout, []want{{"fallback_subject", "LMS title limit"}}},

		{"ad sms without opt-out number", func() Template { return Template{Channel: ChannelSMS, Body: "봄 세일", Advertisement: true} }, noOptout,
			[]want{{"advertisement", "set optout_number in the account settings"}}},
		{"ad lms without opt-out number", func() Template { return Template{Channel: ChannelLMS, Body: "봄 세일", Advertisement: true} },
			AccountSettings{OptoutNumber: "  "}, []want{{"advertisement", "optout_number"}}},
		{"non-ad without opt-out number is fine", func() Template { return Template{Channel: ChannelSMS, Body: "안내"} }, noOptout, nil},
		{"ad prefix written by hand", func() Template {
			return Template{Channel: ChannelSMS, Body: "(광고) 봄 세일", Advertisement: true}
		}, withOptout,
			[]want{{"body", "added automatically"}}},
		{"opt-out line written by hand", func() Template {
			return Template{Channel: ChannelSMS, Body: "봄 세일\n무료수신거부 080-123-4567", Advertisement: true}
		}, withOptout, []want{{"body", "must not contain the opt-out line"}}},
		{"ad prefix on a template not marked as ad", func() Template { return Template{Channel: ChannelLMS, Body: "(광고) 봄 세일"} }, withOptout,
			[]want{{"body", "not marked as an advertisement"}}},
		{"ad prefix in alimtalk fallback", func() Template { t := alimTalk(); t.FallbackText = "(광고) 세일"; return t }, withOptout,
			[]want{{"fallback_text", "not marked as an advertisement"}}},
		{"ad prefix in email subject", func() Template {
			return Template{Channel: ChannelEmail, Subject: "(광고) 세일", Body: "x", Advertisement: true}
		}, withOptout, []want{{"subject", "added automatically"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate(tc.tpl(), tc.acct)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems %v, want %d %v", len(got), got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if got[i].Field != w.field || !strings.Contains(got[i].Message, w.msg) {
					t.Errorf("problem %d = %q, want field %q with %q", i, got[i], w.field, w.msg)
				}
			}
		})
	}
}

// What a template keeps is bounded as written, advertisement text included, so
// that a template Validate accepts can be rendered for someone.
func TestValidateBoundsWhatATemplateKeeps(t *testing.T) {
	email := func(subject, body string, ad bool) func() Template {
		return func() Template {
			return Template{Channel: ChannelEmail, Subject: subject, Body: body, Advertisement: ad}
		}
	}
	withIDs := func(code, key string) func() Template {
		return func() Template {
			tpl := alimTalk()
			tpl.ProviderTemplateCode, tpl.SenderKey = code, key
			return tpl
		}
	}
	// "(광고) " is 5 characters; the footer "\n무료수신거부 080-123-4567" 32 bytes.
	tests := []struct {
		name string
		tpl  func() Template
		want []want
	}{
		{"e-mail subject at the limit", email(strings.Repeat("가", 500), "본문", false), nil},
		{"e-mail subject over it", email(strings.Repeat("가", 501), "본문", false),
			[]want{{"subject", "is 501 characters, over the subject limit of 500 characters"}}},
		{"advertising subject with its prefix at the limit", email(strings.Repeat("가", 495), "본문", true), nil},
		{"advertising subject over it with its prefix", email(strings.Repeat("가", 496), "본문", true),
			[]want{{"subject", "is 501 characters with the advertisement text, over the subject limit of 500"}}},
		{"AlimTalk subject over it", func() Template { tpl := alimTalk(); tpl.Subject = strings.Repeat("a", 501); return tpl },
			[]want{{"subject", "is 501 characters, over the subject limit"}}},
		{"e-mail body at the limit", email("s", strings.Repeat("a", EmailBodyMaxBytes), false), nil},
		{"e-mail body over it", email("s", strings.Repeat("가", 21334), false),
			[]want{{"body", "is 64,002 bytes (UTF-8), over the e-mail body limit of 64,000 bytes (UTF-8)"}}},
		{"advertising body over it with its footer", email("s", strings.Repeat("a", EmailBodyMaxBytes-31), true),
			[]want{{"body", "is 64,001 bytes (UTF-8) with the advertisement text"}}},
		{"AlimTalk ids at their limits", withIDs(strings.Repeat("T", 64), strings.Repeat("k", 128)), nil},
		{"AlimTalk ids over them", withIDs(strings.Repeat("T", 65), strings.Repeat("k", 129)), []want{
			{"provider_template_code", "is 65 characters, over the template code limit of 64"},
			{"sender_key", "is 129 characters, over the sender key limit of 128"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Validate(tc.tpl(), withOptout)
			if len(got) != len(tc.want) {
				t.Fatalf("problems %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				if got[i].Field != w.field || !strings.Contains(got[i].Message, w.msg) {
					t.Errorf("problem %d: %+v, want %+v", i, got[i], w)
				}
			}
		})
	}
}
