package render

// Channels a template can be written for.
const (
	ChannelAlimTalk = "alimtalk"
	ChannelSMS      = "sms"
	ChannelLMS      = "lms"
	ChannelEmail    = "email"
)

// Limits set by the Korean carriers (SMS, LMS) and by Kakao (AlimTalk).
const (
	SMSMaxBytes        = 90
	LMSMaxBytes        = 2000
	LMSMaxTitleBytes   = 40
	AlimTalkMaxChars   = 1000
	MaxButtons         = 5
	ButtonNameMaxChars = 14
	// ButtonURLMaxChars bounds a button's address as written and as sent
	// (values filled in and percent-encoded): each is kept to redirect its
	// tracking link, in a column of this many characters.
	ButtonURLMaxChars = 2000
	// SubjectMaxChars bounds an e-mail's or an AlimTalk's subject, as written
	// and as sent: what a message row keeps.
	SubjectMaxChars = 500
	// EmailBodyMaxBytes bounds an e-mail's body as sent (UTF-8 bytes): a
	// message row keeps 65,535, less room for the unsubscribe link added after
	// rendering.
	EmailBodyMaxBytes = 64000
)

// Button is an AlimTalk web-link button. Both URLs may contain variables. PCURL
// is optional; without it Kakao opens MobileURL on PCs too.
type Button struct {
	Name      string `json:"name"`
	MobileURL string `json:"mobile_url"`
	PCURL     string `json:"pc_url,omitempty"`
}

// Template is a message template as the operator wrote it. Field names in
// FieldProblem use the JSON names below, which are the REST API's.
type Template struct {
	Channel string `json:"channel"`
	// Subject is the e-mail subject, the LMS title, or AlimTalk's subject (which
	// Aligo wants but does not show). For sms it is used only if the message
	// outgrows 90 bytes and goes out as LMS.
	Subject string   `json:"subject"`
	Body    string   `json:"body"`
	Buttons []Button `json:"buttons"`
	// FallbackText is sent as SMS/LMS when an AlimTalk cannot be delivered.
	FallbackText string `json:"fallback_text"`
	// FallbackSubject is the LMS title of the fallback, used when it is an LMS.
	FallbackSubject      string `json:"fallback_subject"`
	Advertisement        bool   `json:"advertisement"`
	ProviderTemplateCode string `json:"provider_template_code"`
	SenderKey            string `json:"sender_key"`
}

// AccountSettings are the account values a message depends on.
type AccountSettings struct {
	// Name is the business name shown after "(광고)" in advertisements; optional.
	Name string
	// OptoutNumber is the free opt-out number (e.g. 080-123-4567) that ends every
	// advertisement. Advertisements cannot be saved or sent without it.
	OptoutNumber string
}

// Variables returns the distinct variable names of t in reading order: subject,
// body, each button (name, mobile URL, PC URL), fallback subject, fallback text.
func (t Template) Variables() []string {
	return Variables(t.texts()...)
}

// texts lists every text of t that may hold variables, in reading order.
func (t Template) texts() []string {
	out := []string{t.Subject, t.Body}
	for _, b := range t.Buttons {
		out = append(out, b.Name, b.MobileURL, b.PCURL)
	}
	return append(out, t.FallbackSubject, t.FallbackText)
}
