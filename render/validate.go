package render

import (
	"fmt"
	"strings"
)

// Validate checks a template before it is saved and again before every render.
// Lengths are checked on the text as written, variables left as "#{name}" and
// advertisement text included; Render checks them again with the values in place.
// It returns nil when the template is valid. acct supplies the opt-out number
// that advertisements need.
func Validate(t Template, acct AccountSettings) []FieldProblem {
	v := &validator{t: t, acct: acct}
	switch t.Channel {
	case ChannelAlimTalk, ChannelSMS, ChannelLMS, ChannelEmail:
	case "":
		v.add("channel", "is required: alimtalk, sms, lms or email")
		return v.problems
	default:
		v.add("channel", "must be alimtalk, sms, lms or email, not %q", t.Channel)
		return v.problems
	}
	v.subject()
	v.body()
	v.buttons()
	v.fallback()
	v.alimTalkIDs()
	v.advertisement()
	return v.problems
}

type validator struct {
	t        Template
	acct     AccountSettings
	problems []FieldProblem
}

func (v *validator) add(field, format string, args ...any) {
	v.problems = append(v.problems, FieldProblem{Field: field, Message: fmt.Sprintf(format, args...)})
}

// text runs the checks every text field shares: well-formed placeholders.
func (v *validator) text(field, s string) {
	v.problems = append(v.problems, placeholderProblems(field, s)...)
}

func (v *validator) isAlimTalk() bool { return v.t.Channel == ChannelAlimTalk }
func (v *validator) isText() bool     { return v.t.Channel == ChannelSMS || v.t.Channel == ChannelLMS }

func (v *validator) subject() {
	s := v.t.Subject
	v.text("subject", s)
	if v.t.Channel == ChannelEmail && strings.TrimSpace(s) == "" {
		v.add("subject", "is required for an e-mail")
		return
	}
	if strings.ContainsAny(s, "\r\n") {
		v.add("subject", "must be a single line")
	}
	if v.isText() {
		v.maxBytes("subject", s, LMSMaxTitleBytes, "LMS title", false)
		return
	}
	// An advertising e-mail's subject goes with "(광고) " before it.
	ad := v.t.Channel == ChannelEmail && v.t.Advertisement
	if ad {
		s = adSubject(s)
	}
	v.maxSize("subject", chars(s), SubjectMaxChars, "subject", UnitChars, ad)
}

func (v *validator) body() {
	s := v.t.Body
	v.text("body", s)
	if strings.TrimSpace(s) == "" {
		v.add("body", "is required")
		return
	}
	switch {
	case v.isText():
		v.maxBytes("body", v.adWrapped(s), LMSMaxBytes, "LMS", v.t.Advertisement)
	case v.isAlimTalk():
		if n := chars(s); n > AlimTalkMaxChars {
			v.add("body", "is %s, over the AlimTalk limit of %s", count(n, UnitChars), count(AlimTalkMaxChars, UnitChars))
		}
	case v.t.Channel == ChannelEmail:
		if v.t.Advertisement {
			s = emailAdBody(s, v.acct, IsHTML(s))
		}
		v.maxSize("body", len(s), EmailBodyMaxBytes, "e-mail body", UnitUTF8Bytes, v.t.Advertisement)
	}
}

func (v *validator) buttons() {
	bs := v.t.Buttons
	if len(bs) == 0 {
		return
	}
	if !v.isAlimTalk() {
		v.add("buttons", "are only for AlimTalk templates; remove them or choose channel alimtalk")
		return
	}
	if len(bs) > MaxButtons {
		v.add("buttons", "has %d buttons; an AlimTalk holds at most %d", len(bs), MaxButtons)
	}
	for i, b := range bs {
		field := fmt.Sprintf("buttons[%d].", i)
		v.text(field+"name", b.Name)
		switch {
		case strings.TrimSpace(b.Name) == "":
			v.add(field+"name", "is required")
		case strings.ContainsAny(b.Name, "\r\n"):
			v.add(field+"name", "must be a single line")
		case chars(b.Name) > ButtonNameMaxChars:
			v.add(field+"name", "is %s, over the AlimTalk button name limit of %s",
				count(chars(b.Name), UnitChars), count(ButtonNameMaxChars, UnitChars))
		}
		v.text(field+"mobile_url", b.MobileURL)
		if strings.TrimSpace(b.MobileURL) == "" {
			v.add(field+"mobile_url", "is required")
		} else if msg := templateURLProblem(b.MobileURL); msg != "" {
			v.add(field+"mobile_url", "is not a valid button address: %s", msg)
		} else {
			v.maxURL(field+"mobile_url", b.MobileURL)
		}
		v.text(field+"pc_url", b.PCURL)
		if b.PCURL != "" {
			if msg := templateURLProblem(b.PCURL); msg != "" {
				v.add(field+"pc_url", "is not a valid button address: %s", msg)
			} else {
				v.maxURL(field+"pc_url", b.PCURL)
			}
		}
	}
}

// maxURL checks a button address as written against ButtonURLMaxChars (Render
// checks it again with the values in place).
func (v *validator) maxURL(field, s string) {
	v.maxSize(field, chars(s), ButtonURLMaxChars, "button address", UnitChars, false)
}

func (v *validator) fallback() {
	text, subject := v.t.FallbackText, v.t.FallbackSubject
	if !v.isAlimTalk() {
		if text != "" {
			v.add("fallback_text", "is only for AlimTalk templates: it is the SMS/LMS sent when an AlimTalk cannot be delivered")
		}
		if subject != "" {
			v.add("fallback_subject", "is only for AlimTalk templates: it is the title of the LMS sent when an AlimTalk cannot be delivered")
		}
		return
	}
	v.text("fallback_subject", subject)
	v.text("fallback_text", text)
	if strings.TrimSpace(text) == "" {
		if strings.TrimSpace(subject) != "" {
			v.add("fallback_subject", "needs fallback_text: it is the title of the fallback LMS")
		}
		return
	}
	v.maxBytes("fallback_text", v.adWrapped(text), LMSMaxBytes, "LMS", v.t.Advertisement)
	if strings.ContainsAny(subject, "\r\n") {
		v.add("fallback_subject", "must be a single line")
	}
	v.maxBytes("fallback_subject", subject, LMSMaxTitleBytes, "LMS title", false)
}

func (v *validator) alimTalkIDs() {
	ids := []struct {
		field, value, what, rule string
		max                      int // characters a template keeps
	}{
		{"provider_template_code", v.t.ProviderTemplateCode, "the template code Kakao approved", "template code", 64},
		{"sender_key", v.t.SenderKey, "the Kakao channel's sender profile key", "sender key", 128},
	}
	for _, id := range ids {
		blank := strings.TrimSpace(id.value) == ""
		switch {
		case v.isAlimTalk() && blank:
			v.add(id.field, "is required for an AlimTalk: it is %s", id.what)
		case !v.isAlimTalk() && !blank:
			v.add(id.field, "is only for AlimTalk templates")
		default:
			v.maxSize(id.field, chars(id.value), id.max, id.rule, UnitChars, false)
		}
	}
}

// advertisement checks what the automatic advertisement text depends on, and
// that the operator has not written it by hand.
func (v *validator) advertisement() {
	ad := v.t.Advertisement
	if ad && strings.TrimSpace(v.acct.OptoutNumber) == "" {
		v.add("advertisement", "needs the account's free opt-out number, which ends every advertisement; "+
			"set optout_number in the account settings first")
	}
	// Where the channel puts the added text. An AlimTalk body is sent unchanged,
	// so only its fallback carries it.
	var prefixed, suffixed string
	switch v.t.Channel {
	case ChannelSMS, ChannelLMS:
		prefixed, suffixed = "body", "body"
	case ChannelAlimTalk:
		prefixed, suffixed = "fallback_text", "fallback_text"
	case ChannelEmail:
		prefixed, suffixed = "subject", "body"
	}
	if mark := adMark(v.field(prefixed)); mark != "" {
		if ad {
			v.add(prefixed, "must not start with %s: %s is added automatically to advertisements", mark, AdPrefix)
		} else {
			v.add(prefixed, "starts with %s but the template is not marked as an advertisement; "+
				"set advertisement to true and remove %s — %s and the opt-out line are then added automatically",
				mark, mark, AdPrefix)
		}
	}
	if s := v.field(suffixed); ad && (strings.Contains(s, OptoutLabel) || strings.Contains(s, "무료거부")) {
		v.add(suffixed, "must not contain the opt-out line: %s and the account's opt-out number are added automatically to advertisements",
			OptoutLabel)
	}
}

// field returns the text of a top-level template field by its API name.
func (v *validator) field(name string) string {
	switch name {
	case "subject":
		return v.t.Subject
	case "body":
		return v.t.Body
	case "fallback_text":
		return v.t.FallbackText
	}
	return ""
}

// adWrapped returns s as an SMS/LMS advertisement would carry it, so lengths
// include the added text.
func (v *validator) adWrapped(s string) string {
	if v.t.Advertisement {
		return adText(s, v.acct)
	}
	return s
}

// maxSize reports a size over a limit, saying when the advertisement text is
// counted in it.
func (v *validator) maxSize(field string, n, limit int, rule, unit string, withAd bool) {
	if n <= limit {
		return
	}
	with := ""
	if withAd {
		with = " with the advertisement text"
	}
	v.add(field, "is %s%s, over the %s limit of %s%s", count(n, unit), with, rule, count(limit, unit), unitNote(unit))
}

func (v *validator) maxBytes(field, s string, limit int, rule string, withAd bool) {
	v.maxSize(field, SMSBytes(s), limit, rule, UnitBytes, withAd)
}
