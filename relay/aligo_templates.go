package relay

import (
	"context"
	"errors"
	"net/url"
	"strings"
)

// Inspection (검수) statuses of an AlimTalk template at the provider, in our words.
const (
	TemplateRegistered = "registered" // saved, not yet sent for inspection
	TemplateRequested  = "requested"  // under inspection
	TemplateApproved   = "approved"   // may be sent
	TemplateRejected   = "rejected"
)

// ProviderTemplate is an AlimTalk template as the provider knows it.
type ProviderTemplate struct {
	Code      string
	Name      string
	Body      string
	Buttons   []Button // web-link buttons; other kinds are counted in OtherButtons
	Status    string   // one of the Template* statuses, or "unknown"
	SenderKey string
	// OtherButtons counts buttons of kinds sendingo does not send (delivery
	// tracking, bot keyword, app link, ...).
	OtherButtons int
}

// TemplateLister is a relay that can list the provider's AlimTalk templates.
type TemplateLister interface {
	Templates(ctx context.Context) ([]ProviderTemplate, error)
}

var _ TemplateLister = (*AligoAlimTalk)(nil)

// aligoInspection maps Aligo's inspStatus codes.
var aligoInspection = map[string]string{
	"REG": TemplateRegistered, "REQ": TemplateRequested, "APR": TemplateApproved, "REJ": TemplateRejected,
}

type aligoTokenAnswer struct {
	Code    *flexInt `json:"code"`
	Message string   `json:"message"`
	Token   string   `json:"token"`
}

type aligoTemplateList struct {
	Code    *flexInt `json:"code"`
	Message string   `json:"message"`
	List    []struct {
		TempltCode    string `json:"templtCode"`
		TempltName    string `json:"templtName"`
		TempltContent string `json:"templtContent"`
		InspStatus    string `json:"inspStatus"`
		SenderKey     string `json:"senderKey"`
		Buttons       []struct {
			Name     string `json:"name"`
			LinkType string `json:"linkType"`
			LinkMo   string `json:"linkMo"`
			LinkPc   string `json:"linkPc"`
		} `json:"buttons"`
	} `json:"list"`
}

// Templates lists the AlimTalk templates of the relay's sender profile, as
// Aligo documents it: a token from /akv10/token/create/30/s/, then
// /akv10/template/list/ with apikey, userid, token and senderkey (post adds
// the credentials and checks each answer's code).
func (a *AligoAlimTalk) Templates(ctx context.Context) ([]ProviderTemplate, error) {
	form := url.Values{}
	var tok aligoTokenAnswer
	if err := a.post(ctx, "/akv10/token/create/30/s/", form, &tok, func() *flexInt { return tok.Code }, func() string { return tok.Message }); err != nil {
		return nil, err
	}
	if tok.Token == "" {
		return nil, fault(CodeBadAnswer, errors.New("aligo token: the answer carries no token"))
	}
	form = url.Values{"token": {tok.Token}, "senderkey": {a.cfg.SenderKey}}
	var list aligoTemplateList
	if err := a.post(ctx, "/akv10/template/list/", form, &list, func() *flexInt { return list.Code }, func() string { return list.Message }); err != nil {
		return nil, err
	}
	out := make([]ProviderTemplate, 0, len(list.List))
	for _, it := range list.List {
		if it.TempltCode == "" {
			continue
		}
		status, ok := aligoInspection[strings.ToUpper(strings.TrimSpace(it.InspStatus))]
		if !ok {
			status = "unknown"
		}
		pt := ProviderTemplate{Code: it.TempltCode, Name: it.TempltName, Body: it.TempltContent, Status: status, SenderKey: it.SenderKey}
		if pt.SenderKey == "" {
			pt.SenderKey = a.cfg.SenderKey
		}
		for _, b := range it.Buttons {
			if b.LinkType != "WL" {
				pt.OtherButtons++
				continue
			}
			pt.Buttons = append(pt.Buttons, Button{Name: b.Name, MobileURL: b.LinkMo, PCURL: b.LinkPc})
		}
		out = append(out, pt)
	}
	return out, nil
}
