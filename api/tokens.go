package api

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/golang-jwt/jwt/v5"

	"github.com/sendingo/sendingo/store"
)

const tokenIssuer = "sendingo"

// accessClaims are the claims of an access token: the user is the subject.
type accessClaims struct {
	Account int64 `json:"acc"`
	jwt.RegisteredClaims
}

// issueToken signs an access token for the user.
func (s *Server) issueToken(u store.User) (string, time.Time, error) {
	now := time.Now().UTC()
	exp := now.Add(s.cfg.TokenTTL).Truncate(time.Second)
	claims := accessClaims{
		Account: u.AccountID,
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

// parseToken verifies signature, algorithm, issuer and expiry.
func (s *Server) parseToken(raw string) (accountID, userID int64, err error) {
	var claims accessClaims
	_, err = jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) {
		return []byte(s.cfg.JWTSecret), nil
	}, jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(tokenIssuer), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt())
	if err != nil {
		return 0, 0, err
	}
	userID, err = strconv.ParseInt(claims.Subject, 10, 64)
	if err != nil || userID <= 0 || claims.Account <= 0 {
		return 0, 0, errors.New("token names no user or account")
	}
	return claims.Account, userID, nil
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

// authenticate accepts a Bearer access token or an X-API-Key and puts the account
// (and the user, for tokens) in the context. Anything else is 401.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		if key := c.GetHeader("X-API-Key"); key != "" {
			if !strings.HasPrefix(key, apiKeyPrefix) {
				unauthorized(c, "the API key is not valid")
				return
			}
			k, err := s.store.APIKeyByHash(c.Request.Context(), hashAPIKey(key))
			if errors.Is(err, store.ErrNotFound) {
				unauthorized(c, "the API key is not valid")
				return
			}
			if err != nil {
				internalError(c, err)
				return
			}
			c.Set(ctxAccountID, k.AccountID)
			c.Set(ctxAuthKind, "api_key")
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
		accountID, userID, err := s.parseToken(strings.TrimSpace(tok))
		if err != nil {
			detail := "the access token is not valid"
			if errors.Is(err, jwt.ErrTokenExpired) {
				detail = "the access token has expired; log in again"
			}
			unauthorized(c, detail)
			return
		}
		c.Set(ctxAccountID, accountID)
		c.Set(ctxUserID, userID)
		c.Set(ctxAuthKind, "token")
		c.Next()
	}
}

// requireUser refuses API-key callers on routes meant for people (key management).
func requireUser() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.GetInt64(ctxUserID) == 0 {
			problem(c, 403, "forbidden", "Forbidden", "this route needs a user's access token, not an API key")
			return
		}
		c.Next()
	}
}

func unauthorized(c *gin.Context, detail string) {
	c.Header("WWW-Authenticate", `Bearer realm="sendingo"`)
	problem(c, 401, "unauthorized", "Unauthorized", detail)
}

// account returns the authenticated account id; every handler scopes by it.
func account(c *gin.Context) int64 { return c.GetInt64(ctxAccountID) }
