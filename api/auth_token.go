package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/sendingo/sendingo/store"
)

const tokenIssuer = "sendingo"

// accessClaims are the claims of an access token: the user is the subject,
// Version the user's token version when it was issued.
type accessClaims struct {
	Account int64 `json:"acc"`
	Version int64 `json:"ver"`
	jwt.RegisteredClaims
}

// issueToken signs an access token for the user at their token version.
func (s *Server) issueToken(u store.User) (string, time.Time, error) {
	now := time.Now().UTC()
	exp := now.Add(s.cfg.TokenTTL).Truncate(time.Second)
	claims := accessClaims{
		Account: u.AccountID,
		Version: u.TokenVersion,
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    tokenIssuer,
			Subject:   strconv.FormatInt(u.ID, 10),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(s.cfg.JWTSecret))
	return tok, exp, err
}

// tokenError says why an access token is refused (401); other errors of
// parseToken are the server's own (500).
type tokenError struct{ detail string }

func (e *tokenError) Error() string { return e.detail }

// parseToken verifies an access token — signature, algorithm, issuer, expiry —
// and that it is still good: its user exists and it carries the user's
// current token version (logout-all, a password change or reset raise it).
// Every way a token arrives (the Authorization header, the console's session
// cookie) goes through here. The caller it answers has the user's role as it
// is now.
func (s *Server) parseToken(ctx context.Context, raw string) (caller, error) {
	var claims accessClaims
	_, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) {
		return []byte(s.cfg.JWTSecret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(tokenIssuer), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt())
	if errors.Is(err, jwt.ErrTokenExpired) {
		return caller{}, &tokenError{"the access token has expired; log in again"}
	}
	if err != nil {
		return caller{}, &tokenError{"the access token is not valid"}
	}
	userID, err := strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || userID <= 0 || claims.Account <= 0 {
		return caller{}, &tokenError{"the access token is not valid"}
	}
	u, err := s.store.User(ctx, claims.Account, userID)
	if errors.Is(err, store.ErrNotFound) {
		return caller{}, &tokenError{"the user no longer exists"}
	}
	if err != nil {
		return caller{}, fmt.Errorf("load the token's user: %w", err)
	}
	if claims.Version != u.TokenVersion {
		return caller{}, &tokenError{"the access token was revoked (signed out everywhere, or the password changed); log in again"}
	}
	return caller{AccountID: u.AccountID, UserID: u.ID, Role: u.Role, Name: u.Name}, nil
}

// API keys look like "sgo_" + 43 URL-safe characters (256 random bits).
const apiKeyPrefix = "sgo_"

func newAPIKey() (key, prefix string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	key = apiKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	h := sha256.Sum256([]byte(key))
	return key, key[:len(apiKeyPrefix)+6], h[:]
}

func hashAPIKey(key string) []byte {
	h := sha256.Sum256([]byte(key))
	return h[:]
}

// caller is who makes a request: a user (UserID) or an API key (KeyID), with
// the role that bounds what they may do.
type caller struct {
	AccountID int64
	UserID    int64
	KeyID     int64
	Role      string
	Name      string
}

// callerOf is the authenticated caller of the request.
func callerOf(c *gin.Context) caller {
	p, _ := c.Get(ctxCaller)
	cl, _ := p.(caller)
	return cl
}

// setCaller records the authenticated caller: in the gin context for the
// handlers, and in the request's context as the actor the audit log records.
func setCaller(c *gin.Context, cl caller) {
	c.Set(ctxCaller, cl)
	c.Set(ctxAccountID, cl.AccountID)
	a := store.Actor{Kind: store.ActorUser, UserID: cl.UserID, Name: cl.Name, IP: c.ClientIP(), RequestID: requestIDOf(c)}
	if cl.KeyID != 0 {
		c.Set(ctxAuthKind, "api_key")
		a.Kind, a.UserID, a.KeyID = store.ActorAPIKey, 0, cl.KeyID
	} else {
		c.Set(ctxUserID, cl.UserID)
		c.Set(ctxAuthKind, "token")
	}
	c.Request = c.Request.WithContext(store.WithActor(c.Request.Context(), a))
}

// authenticate accepts a Bearer access token or an X-API-Key and records the
// caller (account, user or key, role). Anything else is 401. What the caller
// may do is authorize's business.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		if key := c.GetHeader("X-API-Key"); key != "" {
			if !strings.HasPrefix(key, apiKeyPrefix) {
				unauthorized(c, "the API key is not valid")
				return
			}
			k, err := s.store.APIKeyByHash(c.Request.Context(), hashAPIKey(key))
			if !authOK(c, err, store.ErrNotFound, "the API key is not valid") {
				return
			}
			s.touchAPIKey(c, k)
			setCaller(c, caller{AccountID: k.AccountID, KeyID: k.ID, Role: k.Role, Name: k.Name})
			c.Next()
			return
		}
		h := c.GetHeader("Authorization")
		scheme, tok, ok := strings.Cut(h, " ")
		if h == "" {
			// No header credentials: the browser's session cookie, if any.
			if tok, ok = s.sessionToken(c); !ok {
				return
			}
			scheme, ok = "Bearer", tok != ""
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			unauthorized(c, "send Authorization: Bearer <token> or X-API-Key: <key>, or log in")
			return
		}
		cl, err := s.parseToken(c.Request.Context(), strings.TrimSpace(tok))
		var bad *tokenError
		if errors.As(err, &bad) {
			unauthorized(c, bad.detail)
			return
		}
		if err != nil {
			internalError(c, err)
			return
		}
		setCaller(c, cl)
		c.Next()
	}
}

// touchAPIKey keeps the key's last_used_at current to within
// store.KeyUseResolution: a write only when the stored time is older, so a
// busy key costs one UPDATE a minute, not one per request.
func (s *Server) touchAPIKey(c *gin.Context, k store.APIKey) {
	now := time.Now()
	if now.Sub(k.LastUsedAt) < store.KeyUseResolution {
		return
	}
	if err := s.store.TouchAPIKey(context.WithoutCancel(c.Request.Context()), k.AccountID, k.ID, now); err != nil {
		s.log.Warn("record API key use", "key_id", k.ID, "error", err)
	}
}

func unauthorized(c *gin.Context, detail string) {
	c.Header("WWW-Authenticate", `Bearer realm="sendingo"`)
	problem(c, 401, "unauthorized", "Unauthorized", detail)
}

// authOK answers 401 with detail when err is target (the caller's credentials
// or who they name are gone) and 500 for any other error; it reports whether
// err was nil.
func authOK(c *gin.Context, err, target error, detail string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, target):
		unauthorized(c, detail)
	default:
		internalError(c, err)
	}
	return false
}

// account returns the authenticated account id; every handler scopes by it.
func account(c *gin.Context) int64 { return c.GetInt64(ctxAccountID) }
