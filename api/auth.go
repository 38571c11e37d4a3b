package api

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"golang.org/x/crypto/bcrypt"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/phone"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 10

// checkPassword states the password policy: 10 to 72 bytes (bcrypt's limit), with
// at least three of lower-case letters, upper-case letters, digits and symbols.
func checkPassword(p string) string {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return "must be at least 10 characters long"
	}
	if len(p) > 72 {
		return "must be at most 72 bytes long"
	}
	var lower, upper, digit, other bool
	for _, r := range p {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes < 3 {
		return "must mix at least three of: lower-case letters, upper-case letters, digits, symbols"
	}
	return ""
}

// normalizeEmail checks an e-mail address and lower-cases it.
func normalizeEmail(s string) (string, bool) {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndex(s, "@"):], ".") {
		return "", false
	}
	return strings.ToLower(s), true
}

type signupRequest struct {
	AccountName string `json:"account_name"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Password    string `json:"password"`
	Phone       string `json:"phone"`
	Timezone    string `json:"timezone"`
	Language    string `json:"language"`
}

type authResponse struct {
	Account   *store.Account `json:"account,omitempty"`
	User      *store.User    `json:"user,omitempty"`
	Token     string         `json:"token"`
	ExpiresAt time.Time      `json:"expires_at"`
}

func (s *Server) signup(c *gin.Context) {
	var req signupRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	req.AccountName = errs.Text("account_name", &req.AccountName, 200, "is required")
	req.Name = errs.Text("name", &req.Name, 200, "is required")
	email := errs.Email("email", req.Email)
	if req.Password == "" {
		errs.Add("password", "is required")
	} else if msg := checkPassword(req.Password); msg != "" {
		errs.Add("password", "%s", msg)
	}
	var ph string
	if strings.TrimSpace(req.Phone) != "" {
		var err error
		if ph, err = phone.Normalize(req.Phone, ""); err != nil {
			errs.Add("phone", "is not a valid phone number")
		}
	}
	zone := strings.TrimSpace(req.Timezone)
	if zone == "" {
		zone = tz.Default
	} else if _, err := time.LoadLocation(zone); err != nil || zone == "Local" {
		errs.Add("timezone", "is not an IANA time zone such as Asia/Seoul")
	}
	req.Language = strings.TrimSpace(req.Language)
	if req.Language == "" {
		req.Language = "ko"
	} else if !slices.Contains(notify.Languages, req.Language) {
		errs.Add("language", "must be ko or en")
	}
	if errs.Abort(c) {
		return
	}
	// Sign-ups per address are capped (mass account creation), and an address
	// with too many failures is refused here as at login.
	if s.overLimit(c, s.ipLimit(c)) || s.countAttempt(c, limit{key: store.LimitKey{Scope: store.LimitSignupIP, Subject: clientNetwork(c)},
		max: s.cfg.SignupsPerIP, why: "too many sign-ups from this address"}) {
		return
	}
	hash, ok := s.newPasswordHash(c.Request.Context(), c, req.Password)
	if !ok {
		return
	}
	acc, user, err := s.store.Signup(c.Request.Context(), store.SignupParams{
		AccountName: req.AccountName, Timezone: zone, Language: req.Language, UserName: req.Name, Email: email, Phone: ph,
		PasswordHash: hash,
	})
	if errors.Is(err, store.ErrConflict) {
		// Probing which e-mails have accounts counts as failing.
		s.hit(c, s.ipLimit(c))
		conflict(c, "an account with this e-mail already exists")
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	tok, exp, err := s.issueToken(user)
	if err != nil {
		internalError(c, err)
		return
	}
	s.log.Info("account created", "account_id", acc.ID, "user_id", user.ID)
	s.setSession(c, tok, exp)
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, authResponse{Account: &acc, User: &user, Token: tok, ExpiresAt: exp})
}

type loginRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

// dummyHash is compared against when the e-mail is unknown, so that a failed
// login takes as long whether or not the address exists.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("not-a-real-password-0"), bcrypt.DefaultCost)

func (s *Server) login(c *gin.Context) {
	var req loginRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if strings.TrimSpace(req.Email) == "" {
		errs.Add("email", "is required")
	}
	if req.Password == "" {
		errs.Add("password", "is required")
	}
	if errs.Abort(c) {
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	byEmail, byIP := s.loginLimits(c, email)
	if s.countAttempt(c, byIP, byEmail) {
		return
	}
	ctx := c.Request.Context()
	user, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		internalError(c, err)
		return
	}
	hash := dummyHash
	if err == nil {
		hash = []byte(user.PasswordHash)
	}
	match, herr := s.compareHash(ctx, hash, req.Password)
	if errors.Is(herr, errHashBusy) {
		hashBusy(c)
		return
	}
	if !match || err != nil {
		unauthorized(c, "the e-mail or password is wrong")
		return
	}
	// The attempt was counted up front; a success takes it back, and clears
	// the e-mail's failures.
	undo := context.WithoutCancel(ctx)
	if err := s.store.LimitReset(undo, byEmail.key); err != nil {
		s.log.Error("reset login failures", "user_id", user.ID, "error", err)
	}
	if err := s.store.LimitUndo(undo, byIP.key); err != nil {
		s.log.Error("undo login attempt", "user_id", user.ID, "error", err)
	}
	tok, exp, err := s.issueToken(user)
	if err != nil {
		internalError(c, err)
		return
	}
	s.setSession(c, tok, exp)
	c.JSON(http.StatusOK, authResponse{Token: tok, ExpiresAt: exp})
}

type meResponse struct {
	User    *store.User   `json:"user,omitempty"`
	Account store.Account `json:"account"`
	Auth    string        `json:"auth"`
}

func (s *Server) me(c *gin.Context) {
	ctx := c.Request.Context()
	acc, err := s.store.Account(ctx, account(c))
	if !authOK(c, err, store.ErrNotFound, "the account no longer exists") {
		return
	}
	resp := meResponse{Account: acc, Auth: c.GetString(ctxAuthKind)}
	if uid := c.GetInt64(ctxUserID); uid != 0 {
		u, err := s.store.User(ctx, acc.ID, uid)
		if !authOK(c, err, store.ErrNotFound, "the user no longer exists") {
			return
		}
		resp.User = &u
	}
	c.JSON(http.StatusOK, resp)
}

type apiKeyRequest struct {
	Name string  `json:"name"`
	Role *string `json:"role"` // default sender
}

type apiKeyCreated struct {
	store.APIKey
	Key string `json:"key"`
}

func (s *Server) createAPIKey(c *gin.Context) {
	var req apiKeyRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	req.Name = errs.Text("name", &req.Name, 100, "is required")
	role := store.RoleSender
	if req.Role != nil {
		// A key never owns the account: ownership is a person's.
		role = checkRole(&errs, "role", req.Role, false)
	}
	if errs.Abort(c) {
		return
	}
	key, prefix, hash := newAPIKey()
	k, err := s.store.CreateAPIKey(c.Request.Context(), account(c), c.GetInt64(ctxUserID), req.Name, role, prefix, hash)
	if err != nil {
		internalError(c, err)
		return
	}
	c.Header("Location", "/api/v1/api-keys/"+itoa(k.ID))
	c.JSON(http.StatusCreated, apiKeyCreated{APIKey: k, Key: key})
}

func (s *Server) listAPIKeys(c *gin.Context) {
	keys, err := s.store.APIKeys(c.Request.Context(), account(c))
	if err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": keys})
}

func (s *Server) deleteAPIKey(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	err := s.store.DeleteAPIKey(c.Request.Context(), account(c), id)
	if errors.Is(err, store.ErrNotFound) {
		notFound(c, "API key")
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
