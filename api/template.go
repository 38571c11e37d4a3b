package api

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
)

type templateRequest struct {
	Name                 *string          `json:"name"`
	Channel              *string          `json:"channel"`
	Subject              *string          `json:"subject"`
	Body                 *string          `json:"body"`
	Buttons              *[]render.Button `json:"buttons"`
	Variables            *[]string        `json:"variables"`
	ProviderTemplateCode *string          `json:"provider_template_code"`
	SenderKey            *string          `json:"sender_key"`
	FallbackText         *string          `json:"fallback_text"`
	FallbackSubject      *string          `json:"fallback_subject"`
	Advertisement        *bool            `json:"advertisement"`
}

// apply copies the fields that are present onto t.
func (r templateRequest) apply(t *store.Template) {
	setIf(&t.Name, r.Name)
	setIf(&t.Channel, r.Channel)
	setIf(&t.Subject, r.Subject)
	setIf(&t.Body, r.Body)
	setIf(&t.ProviderTemplateCode, r.ProviderTemplateCode)
	setIf(&t.SenderKey, r.SenderKey)
	setIf(&t.FallbackText, r.FallbackText)
	setIf(&t.FallbackSubject, r.FallbackSubject)
	if r.Buttons != nil {
		t.Buttons = *r.Buttons
	}
	setIf(&t.Advertisement, r.Advertisement)
	t.Name = strings.TrimSpace(t.Name)
}

// setIf sets *dst to *v when v is given (a field present in a request).
func setIf[T any](dst, v *T) {
	if v != nil {
		*dst = *v
	}
}

// accountSettings are the account values rendering depends on.
func (s *Server) accountSettings(c *gin.Context) (render.AccountSettings, bool) {
	acc, err := s.store.Account(c.Request.Context(), account(c))
	if !storeErr(c, err, "account") {
		return render.AccountSettings{}, false
	}
	return render.AccountSettings{Name: acc.Name, OptoutNumber: acc.OptoutNumber}, true
}

// checkTemplate validates t, derives its variables, and checks a client-given
// variable list against them. It answers 422 itself and reports success.
func (s *Server) checkTemplate(c *gin.Context, t *store.Template, given *[]string) bool {
	acct, ok := s.accountSettings(c)
	if !ok {
		return false
	}
	var errs Fields
	switch {
	case t.Name == "":
		errs.Add("name", "is required")
	case utf8.RuneCountInString(t.Name) > 200:
		errs.Add("name", "must be at most 200 characters")
	}
	switch t.Channel {
	case render.ChannelAlimTalk, render.ChannelSMS, render.ChannelLMS, render.ChannelEmail:
		for _, p := range render.Validate(t.Content(), acct) {
			errs.Add(p.Field, "%s", p.Message)
		}
	case "":
		errs.Add("channel", "is required: alimtalk, sms, lms or email")
	default:
		errs.Add("channel", "must be alimtalk, sms, lms or email, not %q", t.Channel)
	}
	t.Variables = t.Content().Variables()
	if given != nil && !sameSet(*given, t.Variables) {
		errs.Add("variables", "must list exactly the variables the template uses: %s", strings.Join(t.Variables, ", "))
	}
	return !errs.Abort(c)
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := append([]string(nil), a...), append([]string(nil), b...)
	sort.Strings(x)
	sort.Strings(y)
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

func (s *Server) createTemplate(c *gin.Context) {
	var req templateRequest
	if !bindJSON(c, &req) {
		return
	}
	saved, ok := s.saveTemplate(c, req, store.Template{})
	if !ok {
		return
	}
	c.Header("Location", "/api/v1/templates/"+itoa(saved.ID))
	c.JSON(http.StatusCreated, saved)
}

func (s *Server) updateTemplate(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req templateRequest
	if !bindJSON(c, &req) {
		return
	}
	t, err := s.store.Template(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "template") {
		return
	}
	if saved, ok := s.saveTemplate(c, req, t); ok {
		c.JSON(http.StatusOK, saved)
	}
}

// saveTemplate applies req to t (a new template, or the stored one), checks
// and saves it; it answers errors itself and reports success.
func (s *Server) saveTemplate(c *gin.Context, req templateRequest, t store.Template) (store.Template, bool) {
	req.apply(&t)
	if !s.checkTemplate(c, &t, req.Variables) {
		return t, false
	}
	saved, err := s.store.SaveTemplate(c.Request.Context(), account(c), t)
	return saved, storeErr(c, err, "template")
}

func (s *Server) getTemplate(c *gin.Context) {
	showRow(c, "template", s.store.Template, same[store.Template])
}

func (s *Server) listTemplates(c *gin.Context) {
	listPage(c, "templates", func(ctx context.Context, acc int64, p store.Page) ([]store.Template, int64, error) {
		return s.store.Templates(ctx, acc, c.Query("channel"), p)
	}, same[store.Template], func(x store.Template) string { return store.Cursor(x.ID) })
}

func (s *Server) deleteTemplate(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !storeErr(c, s.store.DeleteTemplate(c.Request.Context(), account(c), id), "template") {
		return
	}
	c.Status(http.StatusNoContent)
}

type previewRequest struct {
	CustomerID int64             `json:"customer_id"`
	Variables  map[string]string `json:"variables"`
}

// Preview is a template rendered exactly as it will go out, with the sizes the
// carriers count.
type Preview struct {
	render.Rendered
	Bytes      int `json:"bytes"`      // EUC-KR bytes of the body (what SMS/LMS limits count)
	Characters int `json:"characters"` // characters of the body (what AlimTalk limits count)
	// AligoButtons is the button_n value an AlimTalk carries, when it has buttons.
	AligoButtons string `json:"aligo_buttons,omitempty"`
	// HTML says an e-mail goes as HTML (render.IsHTML judged its template's body);
	// otherwise it goes as plain text.
	HTML bool `json:"html,omitempty"`
}

// previewTemplate renders a template for a real customer (its attributes and
// fields as variables, overridable by given values) or for given values only.
func (s *Server) previewTemplate(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req previewRequest
	if !bindJSON(c, &req) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	t, err := s.store.Template(ctx, acc, id)
	if !storeErr(c, err, "template") {
		return
	}
	vars := map[string]string{}
	if req.CustomerID != 0 {
		cust, err := s.store.Customer(ctx, acc, req.CustomerID)
		if !storeErr(c, err, "customer") {
			return
		}
		vars = cust.Variables()
	}
	for k, v := range req.Variables {
		vars[k] = v
	}
	settings, ok := s.accountSettings(c)
	if !ok {
		return
	}
	out, err := render.Render(t.Content(), vars, settings)
	if err != nil {
		renderProblem(c, err)
		return
	}
	// The message a relay would be given: its buttons as Aligo carries them,
	// whether it goes as HTML.
	msg := routing.MessageFor(0, "", "", t, out)
	p := Preview{Rendered: out, Bytes: render.SMSBytes(out.Body), Characters: utf8.RuneCountInString(out.Body), HTML: msg.HTML}
	if out.Channel == render.ChannelAlimTalk && len(out.Buttons) > 0 {
		if p.AligoButtons, err = relay.AligoButtonJSON(msg.Buttons); err != nil {
			internalError(c, err)
			return
		}
	}
	c.JSON(http.StatusOK, p)
}

// renderProblem answers why a template could not be rendered, naming every
// missing variable or broken limit.
func renderProblem(c *gin.Context, err error) {
	var missing *render.MissingVariablesError
	var invalid *render.InvalidTemplateError
	switch {
	case errors.As(err, &missing):
		var errs Fields
		for _, n := range missing.Names {
			errs = append(errs, FieldError{Field: "variables." + n, Message: "has no value"})
		}
		writeProblem(c, Problem{Type: ProblemBase + "missing-variables", Title: "Missing variables",
			Status: http.StatusUnprocessableEntity, Detail: missing.Error(), Errors: errs})
	case errors.As(err, &invalid):
		var errs Fields
		for _, p := range invalid.Problems {
			errs = append(errs, FieldError{Field: p.Field, Message: p.Message})
		}
		writeProblem(c, Problem{Type: ProblemBase + "invalid-template", Title: "Invalid template",
			Status: http.StatusUnprocessableEntity, Detail: invalid.Error(), Errors: errs})
	default:
		unprocessable(c, "render-failed", "Message cannot be rendered", err.Error())
	}
}
