package relay

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// AligoAlimTalkBaseURL is Aligo's AlimTalk API.
const AligoAlimTalkBaseURL = "https://kakaoapi.aligo.in"

// aligoAlimTalkCodes maps the "code" of Aligo AlimTalk API answers onto our
// vocabulary. Aligo answers one code per call, so a code applies to every message of
// the call. 0 means accepted (delivery is reported later, see kakaoResultCodes).
// A code missing here is a RelayFault with CodeUnknown: we would rather fail over
// and be noticed than silently drop messages.
var aligoAlimTalkCodes = map[int64]codeInfo{
	-99:  {RelayFault, CodeServerError, "system error"},
	-101: {RelayFault, CodeAuth, "API key or user id refused"},
	-102: {RelayFault, CodeAuth, "calling IP not allowed"},
	-103: {RelayFault, CodeInvalidProfile, "sender profile key refused"},
	-104: {RecipientFailed, CodeTemplateNotFound, "template not registered or not approved"},
	-105: {RelayFault, CodeSenderUnregistered, "calling number not registered"},
	-106: {RecipientFailed, CodeTemplateMismatch, "message does not match the template"},
	-201: {RelayFault, CodeInsufficientFunds, "insufficient balance"},
	-301: {RecipientFailed, CodeInvalidNumber, "invalid receiver number"},
	-302: {RelayFault, CodeBadRequest, "required parameter missing"},
	-501: {RelayFault, CodeServerError, "temporary service failure"},
}

// kakaoResultCodes maps the per-recipient "rslt" of Aligo's history detail — the
// KakaoTalk BizMessage result code Aligo passes through — onto our vocabulary.
// "0" means delivered. A code missing here is a RecipientFailed with
// CodeUndeliverable: the message is final and failed, and guessing "relay fault"
// would resend a message that may have arrived.
var kakaoResultCodes = map[string]codeInfo{
	"1025": {RelayFault, CodeInvalidProfile, "sender profile blocked"},
	"1021": {RelayFault, CodeInvalidProfile, "sender profile blocked"},
	"3005": {RecipientFailed, CodeUndeliverable, "sent but no receipt from the handset"},
	"3006": {RelayFault, CodeServerError, "KakaoTalk internal error"},
	"3008": {RecipientFailed, CodeInvalidNumber, "invalid phone number"},
	"3013": {RecipientFailed, CodeContentRejected, "empty message"},
	"3014": {RecipientFailed, CodeContentRejected, "message too long"},
	"3015": {RecipientFailed, CodeTemplateNotFound, "template not found"},
	"3016": {RecipientFailed, CodeTemplateMismatch, "message does not match the template"},
	"3018": {RecipientFailed, CodeBlocked, "cannot deliver: blocked, or KakaoTalk unused for 72 h"},
	"3019": {RecipientFailed, CodeNotKakaoUser, "not a KakaoTalk user"},
	"3022": {RecipientFailed, CodeOutsideHours, "outside sendable hours"},
	"3025": {RecipientFailed, CodeTemplateMismatch, "variable longer than the template allows"},
	"3027": {RecipientFailed, CodeTemplateMismatch, "buttons do not match the template"},
	"9998": {RelayFault, CodeServerError, "service unavailable"},
	"9999": {RelayFault, CodeServerError, "unknown system error"},
}

func aligoAlimTalkCode(code int64, message string) (Outcome, string, string) {
	info, ok := aligoAlimTalkCodes[code]
	if !ok {
		info = codeInfo{RelayFault, CodeUnknown, "unknown code"}
	}
	return info.outcome, info.code, SanitizeReason(fmt.Sprintf("aligo code %d (%s): %s", code, info.meaning, message))
}

func kakaoResult(rslt, message string) (Outcome, string, string) {
	if rslt == "0" {
		return Delivered, "", ""
	}
	info, ok := kakaoResultCodes[rslt]
	if !ok {
		info = codeInfo{RecipientFailed, CodeUndeliverable, "unknown result"}
	}
	return info.outcome, info.code, SanitizeReason(fmt.Sprintf("kakao result %s (%s): %s", rslt, info.meaning, message))
}

// AligoAlimTalk sends KakaoTalk AlimTalk through Aligo.
//
// What is guaranteed: Aligo has no idempotency key, so a resent message may arrive
// twice. Rows left in "sending" after a crash must be reconciled with Lookup before
// they are resent; Lookup matches by recipient within the requests Aligo lists since
// the claim, which is exact unless the same number got another AlimTalk from the
// same account in that window (the message text, when Aligo returns it, narrows the
// match further).
type AligoAlimTalk struct {
	aligoAPI
	aligoHistory[aligoDetailItem] // Reports, Lookup
	cfg                           AligoAlimTalkConfig
}

// NewAligoAlimTalk builds the adapter; cfg is assumed valid (see ValidateConfig).
func NewAligoAlimTalk(cfg AligoAlimTalkConfig, opts Options) *AligoAlimTalk {
	api := newAligoAPI(opts, KindAligoAlimTalk, cfg.BaseURL, AligoAlimTalkBaseURL, cfg.APIKey, url.Values{"apikey": {cfg.APIKey}, "userid": {cfg.UserID}}, 0, aligoAlimTalkCode)
	a := &AligoAlimTalk{aligoAPI: api, cfg: cfg}
	a.aligoHistory = aligoHistory[aligoDetailItem]{clock: api.now, listPage: a.requests, linesPage: a.details}
	return a
}

// MaxBatch is Aligo's 500 recipients per call.
func (a *AligoAlimTalk) MaxBatch() int { return aligoMaxBatch }

// GroupKey: one call carries one sender profile and one template, and failover is a
// per-call switch.
func (a *AligoAlimTalk) GroupKey(m Message) string {
	return a.senderKey(m) + "\x00" + m.TemplateCode + "\x00" + yn(m.Fallback != nil)
}

func (a *AligoAlimTalk) senderKey(m Message) string {
	if m.SenderKey != "" {
		return m.SenderKey
	}
	return a.cfg.SenderKey
}

// aligoButtons is the button_n JSON.
type aligoButtons struct {
	Button []aligoButton `json:"button"`
}

type aligoButton struct {
	Name         string `json:"name"`
	LinkType     string `json:"linkType"`
	LinkTypeName string `json:"linkTypeName"`
	LinkMo       string `json:"linkMo"`
	LinkPc       string `json:"linkPc,omitempty"`
}

type aligoSendAnswer struct {
	Code    *flexInt `json:"code"`
	Message string   `json:"message"`
	Info    struct {
		Type  string     `json:"type"`
		MID   flexString `json:"mid"`
		Scnt  flexInt    `json:"scnt"`
		Fcnt  flexInt    `json:"fcnt"`
		Total flexInt    `json:"total"`
	} `json:"info"`
}

// Send sends msgs as AlimTalk: one call per (sender profile, template, failover)
// group. Numbers that are not Korean mobile numbers are refused locally
// (RecipientFailed, CodeInvalidNumber) so that one bad number cannot make Aligo
// refuse a whole call. Aligo answers per call, so a call's code applies to all of
// its messages; accepted messages carry the call's mid as ProviderID.
func (a *AligoAlimTalk) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	return aligoSend(ctx, KindAligoAlimTalk, msgs, func(c Channel) bool { return c == ChannelAlimTalk },
		func(m Message) (string, string) {
			if m.TemplateCode == "" {
				return CodeTemplateNotFound, "the message has no AlimTalk template code"
			}
			return "", ""
		}, a.GroupKey, a.sendCall)
}

func (a *AligoAlimTalk) sendCall(ctx context.Context, batch []Message, numbers []string) ([]Result, error) {
	first := batch[0]
	form := url.Values{
		"apikey":    {a.cfg.APIKey},
		"userid":    {a.cfg.UserID},
		"senderkey": {a.senderKey(first)},
		"tpl_code":  {first.TemplateCode},
		"sender":    {digitsOnly(a.cfg.Sender)},
		"testMode":  {yn(a.cfg.TestMode)},
	}
	if first.Fallback != nil {
		form.Set("failover", "Y")
	}
	for j, m := range batch {
		n := strconv.Itoa(j + 1)
		form.Set("receiver_"+n, numbers[j])
		form.Set("recvname_"+n, m.Name)
		form.Set("subject_"+n, alimTalkSubject(m))
		form.Set("message_"+n, m.Body)
		if len(m.Buttons) > 0 {
			b, err := AligoButtonJSON(m.Buttons)
			if err != nil {
				return nil, fmt.Errorf("encode buttons of message %d: %w", m.ID, err)
			}
			form.Set("button_"+n, b)
		}
		if m.Fallback != nil {
			form.Set("fsubject_"+n, m.Fallback.Subject)
			form.Set("fmessage_"+n, m.Fallback.Body)
		}
	}
	return aligoSendCall(ctx, &a.aligoAPI, batch, "/akv10/alimtalk/send/", form, "aligo alimtalk send", "aligo alimtalk call", "code",
		func(v *aligoSendAnswer) (*flexInt, string, string) { return v.Code, string(v.Info.MID), v.Message })
}

// AligoButtonJSON is the button_n value an AlimTalk carries:
// {"button":[{"name":…,"linkType":"WL","linkTypeName":"웹링크","linkMo":…,"linkPc":…}]}.
// A button without a PC URL opens its mobile URL on PCs too. The template
// preview shows this same string, so what operators see is what Aligo gets.
func AligoButtonJSON(bs []Button) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep "&" in query strings as written
	if err := enc.Encode(aligoButtons{Button: toAligoButtons(bs)}); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func toAligoButtons(bs []Button) []aligoButton {
	out := make([]aligoButton, len(bs))
	for i, b := range bs {
		pc := b.PCURL
		if pc == "" {
			pc = b.MobileURL
		}
		out[i] = aligoButton{Name: b.Name, LinkType: "WL", LinkTypeName: "웹링크", LinkMo: b.MobileURL, LinkPc: pc}
	}
	return out
}

func digitsOnly(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// aligoHistoryPage is an answer of /akv10/history/list/ (of aligoHistoryRequest)
// or /akv10/history/detail/ (of aligoDetailItem).
type aligoHistoryPage[T any] struct {
	Code      *flexInt `json:"code"`
	Message   string   `json:"message"`
	List      []T      `json:"list"`
	TotalPage flexInt  `json:"totalPage"`
}

type aligoHistoryRequest struct {
	MID     flexString `json:"mid"`
	Type    string     `json:"type"`
	RegDate string     `json:"regdate"`
}

type aligoDetailItem struct {
	MsgID       flexString `json:"msgid"`
	Phone       string     `json:"phone"`
	Status      string     `json:"status"`
	ReqDate     string     `json:"reqdate"`
	RsltDate    string     `json:"rsltdate"`
	ReportDate  string     `json:"reportdate"`
	Rslt        flexString `json:"rslt"`
	RsltMessage string     `json:"rslt_message"`
	Message     string     `json:"message"`
	TplCode     string     `json:"tpl_code"`
}

// requests is one page of /akv10/history/list/ (by day, from since's).
func (a *AligoAlimTalk) requests(ctx context.Context, since time.Time, page int) ([]aligoRequest, bool, error) {
	var v aligoHistoryPage[aligoHistoryRequest]
	form := url.Values{
		"page":      {strconv.Itoa(page)},
		"limit":     {strconv.Itoa(aligoPageSize)},
		"startdate": {since.In(aligoZone).Format("20060102")},
		"enddate":   {a.now().In(aligoZone).Format("20060102")},
	}
	if err := a.post(ctx, "/akv10/history/list/", form, &v, func() *flexInt { return v.Code }, func() string { return v.Message }); err != nil {
		return nil, false, err
	}
	out := make([]aligoRequest, len(v.List))
	for i, r := range v.List {
		out[i] = aligoRequest{mid: string(r.MID), regDate: r.RegDate}
	}
	return out, len(v.List) >= aligoPageSize && page < int(v.TotalPage), nil
}

// details is one page of request mid's recipient lines (/akv10/history/detail/).
func (a *AligoAlimTalk) details(ctx context.Context, mid string, page int) ([]aligoDetailItem, bool, error) {
	var v aligoHistoryPage[aligoDetailItem]
	form := url.Values{"mid": {mid}, "page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(aligoPageSize)}}
	if err := a.post(ctx, "/akv10/history/detail/", form, &v, func() *flexInt { return v.Code }, func() string { return v.Message }); err != nil {
		return nil, false, err
	}
	return v.List, len(v.List) >= aligoPageSize && page < int(v.TotalPage), nil
}

func (it aligoDetailItem) recipient() string    { return digitsOnly(it.Phone) }
func (it aligoDetailItem) text() string         { return it.Message }
func (it aligoDetailItem) templateCode() string { return it.TplCode }

func (it aligoDetailItem) report(mid string) (Report, bool) {
	rslt := strings.TrimSpace(string(it.Rslt))
	r := Report{ProviderID: mid, To: e164FromDomestic(it.Phone)}
	if rslt == "" {
		r.Outcome = Accepted
		return r, false
	}
	r.Outcome, r.Code, r.Reason = kakaoResult(rslt, it.RsltMessage)
	r.At = aligoTime(it.RsltDate)
	if r.At.IsZero() {
		r.At = aligoTime(it.ReportDate)
	}
	return r, true
}

// alimTalkSubject is a message's subject_n: its subject, or, for a template
// without one (the console asks for none on AlimTalk), the first line of its
// text cut to an LMS title's length. Aligo asks every recipient for a subject,
// which its send history shows and the customer does not see.
func alimTalkSubject(m Message) string {
	if strings.TrimSpace(m.Subject) != "" {
		return m.Subject
	}
	for _, line := range strings.Split(m.Body, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return truncateBytes(line, LMSSubjectMaxBytes)
		}
	}
	return ""
}
