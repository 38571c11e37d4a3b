package render

import (
	"errors"
	"fmt"
	"html"
)

// Rendered is exactly what will be sent for one recipient.
type Rendered struct {
	// Channel is the template's channel, except that an SMS whose body outgrows
	// 90 bytes is sent as "lms".
	Channel string `json:"channel"`
	// Subject is the e-mail subject, the LMS title or the AlimTalk subject;
	// empty for an SMS, which has none.
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
	// Buttons are the template's buttons in the same order, values filled in:
	// Buttons[i] comes from the template's button i. The campaign sender swaps
	// each URL for a tracking link after rendering.
	Buttons []Button `json:"buttons,omitempty"`
	// Fallback is the SMS/LMS sent when the AlimTalk cannot be delivered; nil when
	// the template has no fallback text.
	Fallback *RenderedFallback `json:"fallback,omitempty"`
}

// RenderedFallback is the SMS or LMS that replaces an undeliverable AlimTalk.
type RenderedFallback struct {
	Channel string `json:"channel"` // ChannelSMS or ChannelLMS, by rendered length
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body"`
}

// Render fills vars into t and returns what will be sent, advertisement text
// included. It fails with
//   - *InvalidTemplateError when Validate refuses t (e.g. an advertisement in an
//     account that no longer has an opt-out number);
//   - *MissingVariablesError naming every variable without a value;
//   - *LimitError or *InvalidURLError when the filled-in text breaks a rule; when
//     several break, they are joined (errors.As finds each).
//
// Values are inserted as they are and never expanded again; in a button's
// address each is percent-encoded for where it stands (substituteURL). vars may
// be nil when the template has no variables.
func Render(t Template, vars map[string]string, acct AccountSettings) (Rendered, error) {
	c, err := Compile(t, acct)
	if err != nil {
		return Rendered{}, err
	}
	return c.Render(vars)
}

// Compiled is a template Validate accepted for an account, with its variables
// listed: what rendering it for one recipient after another needs only once.
type Compiled struct {
	t    Template
	acct AccountSettings
	vars []string
	html bool // an e-mail whose body IsHTML
}

// Compile checks t for acct once (*InvalidTemplateError when Validate refuses
// it), for many Render calls on the result.
func Compile(t Template, acct AccountSettings) (*Compiled, error) {
	if problems := Validate(t, acct); len(problems) > 0 {
		return nil, &InvalidTemplateError{Problems: problems}
	}
	return &Compiled{t: t, acct: acct, vars: t.Variables(), html: t.Channel == ChannelEmail && IsHTML(t.Body)}, nil
}

// Render is Render(t, vars, acct) for the compiled template.
func (c *Compiled) Render(vars map[string]string) (Rendered, error) {
	t, acct := c.t, c.acct
	values := nfcKeys(vars)
	var missing []string
	for _, name := range c.vars {
		if _, ok := values[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return Rendered{}, &MissingVariablesError{Names: missing}
	}
	fill := func(s string) string { return substitute(s, values) }

	var (
		r    = Rendered{Channel: t.Channel}
		errs []error
	)
	switch t.Channel {
	case ChannelSMS, ChannelLMS:
		var m textMessage
		m, errs = renderText(t.Channel, fill(t.Subject), fill(t.Body), "subject", "body", t.Advertisement, acct)
		r.Channel, r.Subject, r.Body = m.channel, m.subject, m.body

	case ChannelAlimTalk:
		r.Subject = oneLine(fill(t.Subject))
		errs = append(errs, maxSubject(r.Subject)...)
		r.Body = fill(t.Body) // never wrapped: it must match the approved template
		if n := chars(r.Body); n > AlimTalkMaxChars {
			errs = append(errs, &LimitError{Field: "body", Rule: "AlimTalk body", Max: AlimTalkMaxChars, Size: n, Unit: UnitChars})
		}
		var berrs []error
		r.Buttons, berrs = renderButtons(t.Buttons, fill, func(s string) string { return substituteURL(s, values) })
		errs = append(errs, berrs...)
		if t.FallbackText != "" {
			m, ferrs := renderText(ChannelSMS, fill(t.FallbackSubject), fill(t.FallbackText),
				"fallback_subject", "fallback_text", t.Advertisement, acct)
			r.Fallback = &RenderedFallback{Channel: m.channel, Subject: m.subject, Body: m.body}
			errs = append(errs, ferrs...)
		}

	case ChannelEmail:
		r.Subject = oneLine(fill(t.Subject))
		if c.html {
			// A value is text in HTML too: "<", "&" and quotes are escaped,
			// so a customer's data shows as written and adds no markup.
			r.Body = substituteEscaped(t.Body, values, html.EscapeString)
		} else {
			r.Body = fill(t.Body)
		}
		if t.Advertisement {
			r.Subject = adSubject(r.Subject)
			r.Body = emailAdBody(r.Body, acct, c.html)
		}
		errs = append(errs, maxSubject(r.Subject)...)
		if n := len(r.Body); n > EmailBodyMaxBytes {
			errs = append(errs, &LimitError{Field: "body", Rule: "e-mail body", Max: EmailBodyMaxBytes, Size: n, Unit: UnitUTF8Bytes})
		}
	}

	switch len(errs) {
	case 0:
		return r, nil
	case 1:
		return Rendered{}, errs[0]
	default:
		return Rendered{}, errors.Join(errs...)
	}
}

// maxSubject checks an e-mail's or AlimTalk's subject as sent.
func maxSubject(subject string) []error {
	if n := chars(subject); n > SubjectMaxChars {
		return []error{&LimitError{Field: "subject", Rule: "subject", Max: SubjectMaxChars, Size: n, Unit: UnitChars}}
	}
	return nil
}

type textMessage struct{ channel, subject, body string }

// renderText finishes an SMS or LMS whose values are already filled in: it adds
// the advertisement text, moves an SMS that outgrew 90 bytes to LMS and checks the
// LMS limits. An SMS has no title, so its subject is dropped.
func renderText(channel, subject, body, subjectField, bodyField string, ad bool, acct AccountSettings) (textMessage, []error) {
	if ad {
		body = adText(body, acct)
	}
	m := textMessage{channel: channel, subject: oneLine(subject), body: body}
	if m.channel == ChannelSMS && !FitsSMS(body) {
		m.channel = ChannelLMS
	}
	if m.channel == ChannelSMS {
		m.subject = ""
		return m, nil
	}
	var errs []error
	if n := SMSBytes(m.body); n > LMSMaxBytes {
		errs = append(errs, &LimitError{Field: bodyField, Rule: "LMS body", Max: LMSMaxBytes, Size: n, Unit: UnitBytes})
	}
	if n := SMSBytes(m.subject); n > LMSMaxTitleBytes {
		errs = append(errs, &LimitError{Field: subjectField, Rule: "LMS title", Max: LMSMaxTitleBytes, Size: n, Unit: UnitBytes})
	}
	return m, errs
}

// renderButtons fills the buttons in, keeping their order (names with fill,
// addresses with fillURL), and checks what the values may have broken: the
// name's length and the addresses'.
func renderButtons(buttons []Button, fill, fillURL func(string) string) ([]Button, []error) {
	if len(buttons) == 0 {
		return nil, nil
	}
	out := make([]Button, len(buttons))
	var errs []error
	for i, b := range buttons {
		rb := Button{Name: oneLine(fill(b.Name)), MobileURL: fillURL(b.MobileURL), PCURL: fillURL(b.PCURL)}
		out[i] = rb
		if n := chars(rb.Name); n > ButtonNameMaxChars {
			errs = append(errs, &LimitError{Field: fmt.Sprintf("buttons[%d].name", i), Rule: "AlimTalk button name",
				Max: ButtonNameMaxChars, Size: n, Unit: UnitChars})
		}
		for _, u := range []struct{ field, url string }{
			{fmt.Sprintf("buttons[%d].mobile_url", i), rb.MobileURL},
			{fmt.Sprintf("buttons[%d].pc_url", i), rb.PCURL},
		} {
			if u.url == "" {
				continue
			}
			if n := chars(u.url); n > ButtonURLMaxChars {
				errs = append(errs, &LimitError{Field: u.field, Rule: "button address", Max: ButtonURLMaxChars, Size: n, Unit: UnitChars})
			} else if reason := urlProblem(u.url); reason != "" {
				errs = append(errs, &InvalidURLError{Field: u.field, URL: u.url, Reason: reason})
			}
		}
	}
	return out, errs
}

// Template is the template compiled.
func (c *Compiled) Template() Template { return c.t }

// HTML tells whether the template is an e-mail whose body is HTML (IsHTML,
// judged once when compiled).
func (c *Compiled) HTML() bool { return c.html }
