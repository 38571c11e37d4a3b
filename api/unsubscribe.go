package api

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
)

// The public unsubscribe routes /u/{token}: the address every campaign e-mail
// carries in List-Unsubscribe and advertising mail shows in its body. No login:
// the token (128 random bits, one per message) is the secret. They are cheap and
// bounded for anyone to call: a malformed token is answered without touching the
// database, a well-formed one costs one primary-key look-up (GET) or one
// statement over it (POST), the request body is never parsed beyond 1 KB, and
// the answer is a small fixed page.

// unsubscribePage is the page both routes answer, in the reader's language.
var unsubscribePage = template.Must(template.New("u").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}}</title></head>
<body style="font-family:sans-serif;margin:3em auto;max-width:32em;line-height:1.5">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{if .Form}}<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit" style="font-size:1.1em;padding:.5em 1.5em">{{.Button}}</button></form>{{end}}
</body></html>
`))

type unsubscribeView struct {
	Lang, Title, Text, Button string
	Form                      bool
}

// unsubscribeText holds the page's words per language.
var unsubscribeText = map[string]map[string]string{
	"ko": {
		"confirm.title": "수신거부", "confirm.text": "%s에서 보내는 광고·안내 메일을 더 이상 받지 않으시려면 아래 버튼을 눌러 주세요. (%s)",
		"button": "수신거부하기", "done.title": "수신거부되었습니다", "done.text": "%s의 메일을 더 이상 보내 드리지 않습니다. (%s)",
		"missing.title": "링크를 찾을 수 없습니다", "missing.text": "이 수신거부 링크가 없거나 만료되었습니다.",
	},
	"en": {
		"confirm.title": "Unsubscribe", "confirm.text": "To stop receiving e-mail from %s, press the button below. (%s)",
		"button": "Unsubscribe", "done.title": "You are unsubscribed", "done.text": "%s will not e-mail you again. (%s)",
		"missing.title": "Link not found", "missing.text": "This unsubscribe link does not exist or has expired.",
	},
}

// pageLanguage is en when the reader's browser prefers English to Korean, else ko.
func pageLanguage(c *gin.Context) string {
	if c.Query("lang") == "en" || c.Query("lang") == "ko" {
		return c.Query("lang")
	}
	for _, part := range strings.Split(c.GetHeader("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ko"):
			return "ko"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "ko"
}

func (s *Server) renderUnsubscribe(c *gin.Context, status int, kind string, u store.Unsubscription) {
	lang := pageLanguage(c)
	words := unsubscribeText[lang]
	v := unsubscribeView{Lang: lang, Title: words[kind+".title"], Button: words["button"], Form: kind == "confirm"}
	switch kind {
	case "missing":
		v.Text = words["missing.text"]
	default:
		v.Text = fmt.Sprintf(words[kind+".text"], u.AccountName, maskEmail(u.Email))
	}
	// Referrer-Policy: no-referrer comes with every answer (securityHeaders).
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Type", "text/html; charset=utf-8")
	c.Status(status)
	if err := unsubscribePage.Execute(c.Writer, v); err != nil {
		s.log.Warn("write unsubscribe page", "error", err)
	}
}

// unsubscribeForm shows what the link does, with a button that POSTs: a GET
// never opts anyone out, since mail scanners fetch every link they see.
func (s *Server) unsubscribeForm(c *gin.Context) {
	token := c.Param("token")
	if !isToken(token) {
		s.renderUnsubscribe(c, http.StatusNotFound, "missing", store.Unsubscription{})
		return
	}
	u, err := s.store.UnsubscriptionByToken(c.Request.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		s.renderUnsubscribe(c, http.StatusNotFound, "missing", u)
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	if u.OptedOut {
		s.renderUnsubscribe(c, http.StatusOK, "done", u)
		return
	}
	s.renderUnsubscribe(c, http.StatusOK, "confirm", u)
}

// unsubscribe is the RFC 8058 one-click POST (mailbox providers send
// "List-Unsubscribe=One-Click") and the confirmation form's submit: it opts the
// customer out, idempotently, and answers the done page.
func (s *Server) unsubscribe(c *gin.Context) {
	token := c.Param("token")
	// The body says nothing we need; read at most a little of it so the
	// connection can be reused, and never more.
	_, _ = io.Copy(io.Discard, io.LimitReader(c.Request.Body, 1<<10))
	if !isToken(token) {
		s.renderUnsubscribe(c, http.StatusNotFound, "missing", store.Unsubscription{})
		return
	}
	ctx := c.Request.Context()
	changed, err := s.store.Unsubscribe(ctx, token, s.now())
	if errors.Is(err, store.ErrNotFound) {
		s.renderUnsubscribe(c, http.StatusNotFound, "missing", store.Unsubscription{})
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	if changed {
		// Once per customer: the same link posted again changes nothing, and
		// a public route must not be a way to fill the log.
		s.log.Info("customer unsubscribed", "token_prefix", token[:4])
	}
	u, err := s.store.UnsubscriptionByToken(ctx, token)
	if err != nil {
		u = store.Unsubscription{}
	}
	s.renderUnsubscribe(c, http.StatusOK, "done", u)
}

// maskEmail shows enough of an address for its owner to recognise it and not
// much more to whoever else holds the link: h***@example.com.
func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" {
		return ""
	}
	r := []rune(local)
	return string(r[0]) + "***@" + domain
}
