package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
)

// Browser sessions. Login and sign-up answer the access token in the body (for API
// clients) and also set it in an HttpOnly cookie, so the web console never holds
// the token where an injected script could read it. Cookie-authenticated writes
// need the CSRF token: the readable sendingo_csrf cookie echoed in X-CSRF-Token.
// The CSRF token is an HMAC of the session token, so it cannot be planted by
// someone who can only set cookies, and a request authenticated by a Bearer token
// or an API key (which a browser never sends by itself) needs none.
const (
	sessionCookie = "sendingo_session"
	csrfCookie    = "sendingo_csrf"
	csrfHeader    = "X-CSRF-Token"
	// sessionPath keeps the session cookie off everything but the API.
	sessionPath = "/api"
)

// csrfToken derives the CSRF token of a session token.
func (s *Server) csrfToken(session string) string {
	m := hmac.New(sha256.New, []byte(s.cfg.JWTSecret))
	m.Write([]byte("csrf\x00" + session))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// secureRequest reports whether the browser reached us over TLS (directly or
// through a proxy that says so), where cookies must be Secure.
func secureRequest(c *gin.Context) bool {
	return c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// setSession sets the session and CSRF cookies for an issued access token.
func (s *Server) setSession(c *gin.Context, token string, exp time.Time) {
	maxAge := int(time.Until(exp).Seconds())
	secure := secureRequest(c)
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: sessionPath, MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: s.csrfToken(token), Path: "/", MaxAge: maxAge,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// logout clears the browser session. The JWT itself stays valid until it expires
// (or until POST /auth/logout-all); the browser just no longer has it.
func (s *Server) logout(c *gin.Context) {
	clearSession(c)
	c.Status(http.StatusNoContent)
}

// clearSession makes the browser forget its session and CSRF cookies.
func clearSession(c *gin.Context) {
	secure := secureRequest(c)
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Path: sessionPath, MaxAge: -1,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteStrictMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Path: "/", MaxAge: -1,
		Secure: secure, SameSite: http.SameSiteStrictMode})
}

// sessionToken returns the session cookie's token, checking the CSRF token on
// unsafe methods. ok is false when it has already answered (403).
func (s *Server) sessionToken(c *gin.Context) (tok string, ok bool) {
	ck, err := c.Request.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		return "", true
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ck.Value, true
	}
	got := c.GetHeader(csrfHeader)
	if got == "" {
		problem(c, http.StatusForbidden, "csrf", "CSRF token missing",
			"a request authenticated by the session cookie must send the "+csrfCookie+" cookie's value in "+csrfHeader)
		return "", false
	}
	if !hmac.Equal([]byte(got), []byte(s.csrfToken(ck.Value))) {
		problem(c, http.StatusForbidden, "csrf", "CSRF token wrong",
			"the "+csrfHeader+" header does not match this session; reload the page")
		return "", false
	}
	return ck.Value, true
}
