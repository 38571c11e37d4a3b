package api_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/apitest"
)

// browser returns a client that keeps cookies, as the web console's browser does,
// and sends no Authorization header.
func (h *harness) browser(t *testing.T) *apitest.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := apitest.New(t, h.srv.URL)
	c.HTTP.Jar = jar
	return c
}

func cookieNamed(resp *apitest.Response, name string) *http.Cookie {
	for _, ck := range (&http.Response{Header: resp.Header}).Cookies() {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

func jarValue(t *testing.T, c *apitest.Client, base, name string) string {
	t.Helper()
	u, _ := url.Parse(base + "/api/v1/")
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func TestBrowserSessionCookieAndCSRF(t *testing.T) {
	h := newHarness(t)
	b := h.browser(t)
	resp := b.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("browser"))).Expect(201)
	sess, csrf := cookieNamed(resp, "sendingo_session"), cookieNamed(resp, "sendingo_csrf")
	if sess == nil || csrf == nil {
		t.Fatalf("sign-up set no session cookies: %v", resp.Header.Values("Set-Cookie"))
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteStrictMode || sess.Path != "/api" || sess.Secure || sess.MaxAge <= 0 {
		t.Errorf("session cookie = %+v, want HttpOnly, SameSite=Strict, Path=/api, not Secure over plain HTTP", sess)
	}
	if csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Value == "" {
		t.Errorf("CSRF cookie = %+v, want readable by the page and SameSite=Strict", csrf)
	}

	// The cookie alone authenticates reads.
	if m := b.Do("GET", "/api/v1/me", nil).Expect(200).Map(); m["auth"] != "token" {
		t.Fatalf("me = %v", m)
	}

	// Writes need the CSRF token, and only the right one.
	customer := map[string]any{"name": "홍길동", "phone": "010-2222-3333"}
	b.SkipSpec = true // a 403 csrf is described once, on the session scheme
	if slug := b.Do("POST", "/api/v1/customers", customer).Expect(403).Slug(); slug != "csrf" {
		t.Fatalf("no CSRF header answered %q", slug)
	}
	req, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/customers", strings.NewReader(`{"name":"a","phone":"010-2222-3333"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf.Value+"x")
	if slug := b.Send(req).Expect(403).Slug(); slug != "csrf" {
		t.Fatalf("a wrong CSRF header answered %q", slug)
	}
	// Another session's CSRF token does not fit this session.
	other := h.browser(t)
	other.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("other"))).Expect(201)
	req, _ = http.NewRequest("DELETE", h.srv.URL+"/api/v1/customers/1", nil)
	req.Header.Set("X-CSRF-Token", jarValue(t, other, h.srv.URL, "sendingo_csrf"))
	if slug := b.Send(req).Expect(403).Slug(); slug != "csrf" {
		t.Fatalf("another session's CSRF token answered %q", slug)
	}
	b.SkipSpec = false
	req, _ = http.NewRequest("POST", h.srv.URL+"/api/v1/customers", strings.NewReader(`{"name":"홍길동","phone":"010-2222-3333"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", jarValue(t, b, h.srv.URL, "sendingo_csrf"))
	b.Send(req).Expect(201)

	// Bearer clients are unaffected: no cookie, no CSRF token.
	tok, _ := h.signup(t)
	h.c.As(tok).Do("POST", "/api/v1/customers", customer).Expect(201)

	// Logging out clears both cookies; the browser is then logged out.
	out := b.Do("POST", "/api/v1/auth/logout", nil).Expect(204)
	for _, name := range []string{"sendingo_session", "sendingo_csrf"} {
		if ck := cookieNamed(out, name); ck == nil || ck.MaxAge >= 0 {
			t.Errorf("logout left %s: %v", name, out.Header.Values("Set-Cookie"))
		}
	}
	b.Do("GET", "/api/v1/me", nil).Expect(401)

	// Logging in sets a session again; behind a TLS proxy the cookies are Secure.
	req, _ = http.NewRequest("POST", h.srv.URL+"/api/v1/auth/login",
		strings.NewReader(`{"email":"`+jsonEmail(t, h, tok)+`","password":"Corr3ct-Horse"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-Proto", "https")
	login := h.c.Send(req).Expect(200)
	if s, c := cookieNamed(login, "sendingo_session"), cookieNamed(login, "sendingo_csrf"); s == nil || !s.Secure || c == nil || !c.Secure {
		t.Errorf("login over TLS set %v", login.Header.Values("Set-Cookie"))
	}
}

// jsonEmail is the e-mail of the user the token belongs to.
func jsonEmail(t *testing.T, h *harness, tok string) string {
	t.Helper()
	m := h.c.As(tok).Do("GET", "/api/v1/me", nil).Expect(200).Map()
	return m["user"].(map[string]any)["email"].(string)
}
