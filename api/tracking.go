package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/useragent"
)

// tokenPattern is a tracking token: 128 random bits, base64url (22 characters).
var tokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

const linkNotFound = `<!doctype html><html lang="ko"><meta charset="utf-8"><title>링크를 찾을 수 없습니다</title>
<body style="font-family:sans-serif;margin:3em"><h1>링크를 찾을 수 없습니다</h1><p>This link does not exist or has expired.</p></body></html>`

// track answers a customer's click on a tracking link: it records the click
// (time, user agent; link-preview bots are recorded but flagged) with one small
// insert and redirects to the link's own URL. An unknown or malformed token gets a
// plain page, never a redirect to anything a caller supplied.
func (s *Server) track(c *gin.Context) {
	token := c.Param("token")
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	if !tokenPattern.MatchString(token) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
		return
	}
	link, err := s.store.LinkByToken(c.Request.Context(), token)
	if errors.Is(err, store.ErrNotFound) {
		c.Data(http.StatusNotFound, "text/html; charset=utf-8", []byte(linkNotFound))
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	ua := c.GetHeader("User-Agent")
	agent := useragent.Parse(ua)
	click := store.Click{Link: link, Bot: agent.Bot, At: s.now(), UserAgent: ua,
		Device: agent.Device, OS: agent.OS, Browser: agent.Browser}
	// The click is recorded even if the customer's browser goes away meanwhile.
	if err := s.store.RecordClick(context.WithoutCancel(c.Request.Context()), click); err != nil {
		s.log.Error("record click", "token", token, "message_id", link.MessageID, "error", err)
	}
	c.Redirect(http.StatusFound, link.URL)
}
