package relay

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sendingo/sendingo/render"
)

// AligoSMSBaseURL is Aligo's SMS API.
const AligoSMSBaseURL = "https://apis.aligo.in"

// aligoSMSCodes maps the "result_code" of Aligo SMS API answers onto our vocabulary.
// 1 is success; the negative codes are per call, so they apply to every message of
// the call. A code missing here is a RelayFault with CodeUnknown.
var aligoSMSCodes = map[int64]codeInfo{
	-99:  {RelayFault, CodeServerError, "system error"},
	-101: {RelayFault, CodeAuth, "key or user id refused"},
	-102: {RelayFault, CodeBadRequest, "required parameter missing"},
	-103: {RelayFault, CodeSenderUnregistered, "calling number not registered"},
	-104: {RelayFault, CodeAuth, "calling IP not allowed"},
	-201: {RelayFault, CodeInsufficientFunds, "insufficient balance"},
	-301: {RecipientFailed, CodeInvalidNumber, "invalid receiver number"},
	-302: {RecipientFailed, CodeContentRejected, "message too long or empty"},
	-501: {RelayFault, CodeServerError, "temporary service failure"},
}

// aligoSMSStates maps the per-recipient "sms_state" of sms_list onto our
// vocabulary. States that are not final ("전송중", "대기", "예약대기", "") are
// absent: the line is still pending. Any other state is a RecipientFailed with
// CodeUndeliverable.
var aligoSMSStates = map[string]codeInfo{
	"발송완료": {Delivered, "", "delivered"},
	"수신거부": {RecipientFailed, CodeOptedOut, "recipient opted out"},
	"결번":   {RecipientFailed, CodeInvalidNumber, "number not in service"},
	"번호오류": {RecipientFailed, CodeInvalidNumber, "invalid number"},
	"전원꺼짐": {RecipientFailed, CodeUndeliverable, "handset switched off"},
	"음영지역": {RecipientFailed, CodeUndeliverable, "out of coverage"},
	"스팸차단": {RecipientFailed, CodeContentRejected, "blocked as spam"},
	"발송실패": {RecipientFailed, CodeUndeliverable, "delivery failed"},
}

var aligoSMSPending = map[string]bool{"": true, "전송중": true, "대기": true, "예약대기": true}

func aligoSMSCode(code int64, message string) (Outcome, string, string) {
	info, ok := aligoSMSCodes[code]
	if !ok {
		info = codeInfo{RelayFault, CodeUnknown, "unknown code"}
	}
	return info.outcome, info.code, SanitizeReason(fmt.Sprintf("aligo result_code %d (%s): %s", code, info.meaning, message))
}

// SMS and LMS limits of Korean carriers, in EUC-KR bytes (see SMSBytes).
const (
	SMSMaxBytes        = render.SMSMaxBytes
	LMSMaxBytes        = render.LMSMaxBytes
	LMSSubjectMaxBytes = render.LMSMaxTitleBytes
)

// AligoSMS sends SMS and LMS through Aligo's send_mass (different text per number).
//
// What is guaranteed: like AlimTalk, Aligo SMS has no idempotency key; Lookup
// matches by recipient within the requests Aligo lists since the claim.
type AligoSMS struct {
	aligoAPI
	aligoHistory[aligoSMSLineItem] // Reports, Lookup
	cfg                            AligoSMSConfig
}

// NewAligoSMS builds the adapter; cfg is assumed valid (see ValidateConfig).
func NewAligoSMS(cfg AligoSMSConfig, opts Options) *AligoSMS {
	api := newAligoAPI(opts, KindAligoSMS, cfg.BaseURL, AligoSMSBaseURL, cfg.Key, url.Values{"key": {cfg.Key}, "user_id": {cfg.UserID}}, 1, aligoSMSCode)
	a := &AligoSMS{aligoAPI: api, cfg: cfg}
	a.aligoHistory = aligoHistory[aligoSMSLineItem]{clock: api.now, listPage: a.requests, linesPage: a.lines}
	return a
}

// MaxBatch is send_mass's 500 numbers per call.
func (a *AligoSMS) MaxBatch() int { return aligoMaxBatch }

// GroupKey: msg_type and the LMS title are per call.
func (a *AligoSMS) GroupKey(m Message) string {
	if m.Channel == ChannelLMS {
		return "LMS\x00" + m.Subject
	}
	return "SMS"
}

type aligoSMSAnswer struct {
	ResultCode *flexInt   `json:"result_code"`
	Message    string     `json:"message"`
	MsgID      flexString `json:"msg_id"`
	SuccessCnt flexInt    `json:"success_cnt"`
	ErrorCnt   flexInt    `json:"error_cnt"`
	MsgType    string     `json:"msg_type"`
}

// Send sends msgs with send_mass, one call per (type, title) group. Texts over the
// SMS or LMS limit, and numbers that are not Korean mobile numbers, are refused
// locally (RecipientFailed) rather than letting Aligo refuse the whole call.
func (a *AligoSMS) Send(ctx context.Context, msgs []Message) ([]Result, error) {
	return aligoSend(ctx, KindAligoSMS, msgs, func(c Channel) bool { return c == ChannelSMS || c == ChannelLMS },
		func(m Message) (string, string) {
			limit := SMSMaxBytes
			if m.Channel == ChannelLMS {
				limit = LMSMaxBytes
			}
			if n := SMSBytes(m.Body); n > limit || n == 0 {
				return CodeContentRejected, fmt.Sprintf("%s text is %d bytes; the limit is %d", m.Channel, n, limit)
			}
			return "", ""
		}, a.GroupKey, a.sendCall)
}

func (a *AligoSMS) sendCall(ctx context.Context, batch []Message, numbers []string) ([]Result, error) {
	msgType := "SMS"
	if batch[0].Channel == ChannelLMS {
		msgType = "LMS"
	}
	form := url.Values{
		"key":         {a.cfg.Key},
		"user_id":     {a.cfg.UserID},
		"sender":      {digitsOnly(a.cfg.Sender)},
		"cnt":         {strconv.Itoa(len(batch))},
		"msg_type":    {msgType},
		"testmode_yn": {yn(a.cfg.TestMode)},
	}
	if msgType == "LMS" && batch[0].Subject != "" {
		form.Set("title", truncateBytes(batch[0].Subject, LMSSubjectMaxBytes))
	}
	for j, m := range batch {
		n := strconv.Itoa(j + 1)
		form.Set("rec_"+n, numbers[j])
		form.Set("msg_"+n, m.Body)
	}
	return aligoSendCall(ctx, &a.aligoAPI, batch, "/send_mass/", form, "aligo sms send_mass", "aligo sms call", "result_code",
		func(v *aligoSMSAnswer) (*flexInt, string, string) { return v.ResultCode, string(v.MsgID), v.Message })
}

// aligoSMSPage is an answer of /list/ (of aligoSMSRequest) or /sms_list/ (of
// aligoSMSLineItem).
type aligoSMSPage[T any] struct {
	ResultCode *flexInt `json:"result_code"`
	Message    string   `json:"message"`
	List       []T      `json:"list"`
	NextYN     string   `json:"next_yn"`
}

type aligoSMSRequest struct {
	MID     flexString `json:"mid"`
	RegDate string     `json:"reg_date"`
}

type aligoSMSLineItem struct {
	MDID     flexString `json:"mdid"`
	Receiver string     `json:"receiver"`
	SMSState string     `json:"sms_state"`
	SendDate string     `json:"send_date"`
	Msg      string     `json:"msg"`
}

// requests is one page of /list/: the requests of the days from since's to today.
func (a *AligoSMS) requests(ctx context.Context, since time.Time, page int) ([]aligoRequest, bool, error) {
	var v aligoSMSPage[aligoSMSRequest]
	form := url.Values{
		"page":       {strconv.Itoa(page)},
		"page_size":  {strconv.Itoa(aligoPageSize)},
		"start_date": {a.now().In(aligoZone).Format("20060102")},
		"limit_day":  {strconv.Itoa(int(a.now().Sub(since).Hours()/24) + 1)},
	}
	if err := a.post(ctx, "/list/", form, &v, func() *flexInt { return v.ResultCode }, func() string { return v.Message }); err != nil {
		return nil, false, err
	}
	out := make([]aligoRequest, len(v.List))
	for i, r := range v.List {
		out[i] = aligoRequest{mid: string(r.MID), regDate: r.RegDate}
	}
	return out, v.NextYN == "Y" && len(v.List) > 0, nil
}

// lines is one page of request mid's recipient lines (/sms_list/).
func (a *AligoSMS) lines(ctx context.Context, mid string, page int) ([]aligoSMSLineItem, bool, error) {
	var v aligoSMSPage[aligoSMSLineItem]
	form := url.Values{"mid": {mid}, "page": {strconv.Itoa(page)}, "page_size": {strconv.Itoa(aligoPageSize)}}
	if err := a.post(ctx, "/sms_list/", form, &v, func() *flexInt { return v.ResultCode }, func() string { return v.Message }); err != nil {
		return nil, false, err
	}
	return v.List, v.NextYN == "Y" && len(v.List) > 0, nil
}

func (it aligoSMSLineItem) recipient() string    { return digitsOnly(it.Receiver) }
func (it aligoSMSLineItem) text() string         { return it.Msg }
func (it aligoSMSLineItem) templateCode() string { return "" }

func (it aligoSMSLineItem) report(mid string) (Report, bool) {
	state := strings.TrimSpace(it.SMSState)
	r := Report{ProviderID: mid, To: e164FromDomestic(it.Receiver), At: aligoTime(it.SendDate)}
	if aligoSMSPending[state] {
		r.Outcome, r.At = Accepted, time.Time{}
		return r, false
	}
	info, ok := aligoSMSStates[state]
	if !ok {
		info = codeInfo{RecipientFailed, CodeUndeliverable, "unknown state"}
	}
	r.Outcome, r.Code = info.outcome, info.code
	if info.outcome != Delivered {
		r.Reason = fmt.Sprintf("aligo sms_state %q (%s)", state, info.meaning)
	}
	return r, true
}
