package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

var seq atomic.Int64

func uniqueEmail(prefix string) string {
	return fmt.Sprintf("%s-%d-%d@example.com", prefix, time.Now().UnixNano(), seq.Add(1))
}

func signupBody(email string) map[string]any {
	return map[string]any{
		"account_name": "Acme 상점", "name": "김철수", "email": email,
		"password": "Corr3ct-Horse", "phone": "010-1234-5678",
	}
}

// signup creates an account and returns its token and account id.
func (h *harness) signup(t *testing.T) (token string, accountID int64) {
	t.Helper()
	var out struct {
		Token   string `json:"token"`
		Account struct {
			ID int64 `json:"id"`
		} `json:"account"`
	}
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(uniqueEmail("owner"))).Expect(201).JSON(&out)
	return out.Token, out.Account.ID
}

func TestSignupLoginMeAndDefaultGroup(t *testing.T) {
	h := newHarness(t)
	email := uniqueEmail("Kim")
	var su struct {
		Account struct {
			ID       int64  `json:"id"`
			Name     string `json:"name"`
			Timezone string `json:"timezone"`
		} `json:"account"`
		User struct {
			Email string `json:"email"`
			Phone string `json:"phone"`
			Role  string `json:"role"`
		} `json:"user"`
		Token     string    `json:"token"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	resp := h.c.Do("POST", "/api/v1/auth/signup", signupBody(email)).Expect(http.StatusCreated)
	resp.JSON(&su)
	if strings.Contains(string(resp.Body), "password") {
		t.Fatalf("sign-up answer mentions the password: %s", resp.Body)
	}
	if su.Token == "" || su.Account.Timezone != "Asia/Seoul" || su.User.Role != "owner" ||
		su.User.Email != strings.ToLower(email) || su.User.Phone != "+821012345678" {
		t.Fatalf("unexpected sign-up answer: %+v", su)
	}
	if d := time.Until(su.ExpiresAt); d < 23*time.Hour || d > 25*time.Hour {
		t.Fatalf("token expires in %v, want the configured 24h", d)
	}

	me := h.c.As(su.Token).Do("GET", "/api/v1/me", nil).Expect(200).Map()
	if me["account"].(map[string]any)["name"] != "Acme 상점" || me["user"].(map[string]any)["name"] != "김철수" {
		t.Fatalf("/me = %v", me)
	}

	var groups struct {
		Items []struct {
			Name      string `json:"name"`
			IsDefault bool   `json:"is_default"`
		} `json:"items"`
	}
	h.c.As(su.Token).Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&groups)
	if len(groups.Items) != 1 || groups.Items[0].Name != "미지정" || !groups.Items[0].IsDefault {
		t.Fatalf("groups after sign-up = %+v, want only the default 미지정", groups.Items)
	}

	// Login is case-insensitive in the e-mail and answers a working token.
	var lo struct {
		Token string `json:"token"`
	}
	h.c.Do("POST", "/api/v1/auth/login", map[string]string{"email": strings.ToUpper(email), "password": "Corr3ct-Horse"}).
		Expect(200).JSON(&lo)
	h.c.As(lo.Token).Do("GET", "/api/v1/me", nil).Expect(200)
}

func TestLoginFailureRevealsNothing(t *testing.T) {
	h := newHarness(t)
	email := uniqueEmail("known")
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(email)).Expect(201)
	wrongPassword := h.c.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "Wrong-Passw0rd"}).Expect(401).Problem()
	unknownEmail := h.c.Do("POST", "/api/v1/auth/login", map[string]string{"email": uniqueEmail("nobody"), "password": "Wrong-Passw0rd"}).Expect(401).Problem()
	if wrongPassword.Detail != unknownEmail.Detail || wrongPassword.Type != unknownEmail.Type {
		t.Fatalf("failures differ: %+v vs %+v", wrongPassword, unknownEmail)
	}
}

func TestSignupRefusalsStoreNothing(t *testing.T) {
	h := newHarness(t)
	taken := uniqueEmail("taken")
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(taken)).Expect(201)

	weak := signupBody(uniqueEmail("weak"))
	weak["password"] = "password12"
	missing := map[string]any{"email": uniqueEmail("missing")}
	badTZ := signupBody(uniqueEmail("tz"))
	badTZ["timezone"] = "Mars/Olympus"
	badPhone := signupBody(uniqueEmail("phone"))
	badPhone["phone"] = "12"
	wrongType := signupBody(uniqueEmail("type"))
	wrongType["name"] = 42
	dup := signupBody(strings.ToUpper(taken))

	cases := []struct {
		name   string
		body   any
		status int
		slug   string
		fields []string
	}{
		{"malformed JSON", `{"account_name": "x",`, 400, "bad-request", nil},
		{"not JSON at all", `account_name=x`, 400, "bad-request", nil},
		{"empty body", ``, 400, "bad-request", nil},
		{"array instead of object", `[1,2]`, 400, "bad-request", nil},
		{"missing fields", missing, 422, "validation", []string{"account_name", "name", "password"}},
		{"weak password", weak, 422, "validation", []string{"password"}},
		{"short password", map[string]any{"account_name": "a", "name": "b", "email": uniqueEmail("s"), "password": "Ab1!"}, 422, "validation", []string{"password"}},
		{"bad e-mail", map[string]any{"account_name": "a", "name": "b", "email": "not-an-email", "password": "Corr3ct-Horse"}, 422, "validation", []string{"email"}},
		{"unknown time zone", badTZ, 422, "validation", []string{"timezone"}},
		{"bad phone", badPhone, 422, "validation", []string{"phone"}},
		{"wrong type", wrongType, 422, "validation", []string{"name"}},
		{"duplicate e-mail", dup, 409, "conflict", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			accounts, users, groups := h.count(t, "accounts"), h.count(t, "users"), h.count(t, "customer_groups")
			c := *h.c
			if s, ok := tc.body.(string); ok && s != "" && !strings.HasPrefix(s, "{") {
				c.SkipSpec = true
			}
			resp := c.Do("POST", "/api/v1/auth/signup", tc.body).Expect(tc.status)
			if slug := resp.Slug(); slug != tc.slug {
				t.Fatalf("problem %q, want %q: %s", slug, tc.slug, resp.Body)
			}
			p := resp.Problem()
			if p.Detail == "" {
				t.Fatal("problem has no detail")
			}
			for _, f := range tc.fields {
				found := false
				for _, e := range p.Errors {
					found = found || (e.Field == f && e.Message != "")
				}
				if !found {
					t.Errorf("no error for field %q in %+v", f, p.Errors)
				}
			}
			if a, u, g := h.count(t, "accounts"), h.count(t, "users"), h.count(t, "customer_groups"); a != accounts || u != users || g != groups {
				t.Fatalf("refused sign-up stored rows: accounts %d→%d, users %d→%d, groups %d→%d", accounts, a, users, u, groups, g)
			}
		})
	}
}

func TestBodyOverLimitIs413(t *testing.T) {
	h := newHarness(t)
	big := `{"account_name":"` + strings.Repeat("x", int(h.cfg.MaxBodyBytes)) + `"}`
	if slug := h.c.Do("POST", "/api/v1/auth/signup", big).Expect(413).Slug(); slug != "body-too-large" {
		t.Fatalf("slug %q", slug)
	}
}

func TestTokensThatMustBeRefused(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	sign := func(secret string, method jwt.SigningMethod, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString([]byte(secret))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	valid := jwt.MapClaims{"iss": "sendingo", "sub": "1", "acc": accountID, "iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix()}
	expired := jwt.MapClaims{"iss": "sendingo", "sub": "1", "acc": accountID, "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(-time.Hour).Unix()}
	noExp := jwt.MapClaims{"iss": "sendingo", "sub": "1", "acc": accountID}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, valid).SignedString(jwt.UnsafeAllowNoneSignatureType)
	tampered := token[:len(token)-4] + "AAAA"

	cases := map[string]string{
		"forged (other secret)": sign("some-other-secret-some-other-secret", jwt.SigningMethodHS256, valid),
		"expired":               sign(h.cfg.JWTSecret, jwt.SigningMethodHS256, expired),
		"no expiry":             sign(h.cfg.JWTSecret, jwt.SigningMethodHS256, noExp),
		"alg none":              none,
		"tampered signature":    tampered,
		"garbage":               "not.a.token",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			p := h.c.As(tok).Do("GET", "/api/v1/me", nil).Expect(401).Problem()
			if name == "expired" && !strings.Contains(p.Detail, "expired") {
				t.Fatalf("expired token detail %q should say it expired", p.Detail)
			}
		})
	}
	h.c.Do("GET", "/api/v1/me", nil).Expect(401)
	h.c.As(token).Do("GET", "/api/v1/me", nil).Expect(200)
}

func TestAPIKeys(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	other, _ := h.signup(t)
	owner := h.c.As(token)

	var created struct {
		ID     int64  `json:"id"`
		Key    string `json:"key"`
		Prefix string `json:"prefix"`
	}
	owner.Do("POST", "/api/v1/api-keys", map[string]string{"name": "shop backend"}).Expect(201).JSON(&created)
	if !strings.HasPrefix(created.Key, created.Prefix) || len(created.Key) < 40 {
		t.Fatalf("key %q / prefix %q", created.Key, created.Prefix)
	}
	list := owner.Do("GET", "/api/v1/api-keys", nil).Expect(200)
	if strings.Contains(string(list.Body), created.Key) {
		t.Fatal("the key list shows the secret")
	}
	var stored []byte
	if err := h.db.Get(&stored, "SELECT key_hash FROM api_keys WHERE id = ?", created.ID); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(stored), created.Key[4:]) {
		t.Fatal("the secret is stored in clear")
	}

	byKey := h.c.WithKey(created.Key)
	me := byKey.Do("GET", "/api/v1/me", nil).Expect(200).Map()
	if me["auth"] != "api_key" || int64(me["account"].(map[string]any)["id"].(float64)) != accountID {
		t.Fatalf("/me by key = %v", me)
	}
	byKey.Do("GET", "/api/v1/api-keys", nil).Expect(403)
	h.c.WithKey("sgo_"+strings.Repeat("A", 43)).Do("GET", "/api/v1/me", nil).Expect(401)

	// Another account can neither see nor revoke it.
	if strings.Contains(string(h.c.As(other).Do("GET", "/api/v1/api-keys", nil).Expect(200).Body), created.Prefix) {
		t.Fatal("another account sees the key")
	}
	h.c.As(other).Do("DELETE", fmt.Sprintf("/api/v1/api-keys/%d", created.ID), nil).Expect(404)
	byKey.Do("GET", "/api/v1/me", nil).Expect(200)

	owner.Do("DELETE", fmt.Sprintf("/api/v1/api-keys/%d", created.ID), nil).Expect(204)
	byKey.Do("GET", "/api/v1/me", nil).Expect(401)
}
