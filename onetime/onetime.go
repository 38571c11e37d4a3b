// Package onetime makes the single-use tokens of the links sendingo mails to
// people: invitations and password resets.
//
// A token is never stored. It is an HMAC, under the server's link key, of a
// random nonce that is stored; the database keeps the nonce and the token's
// SHA-256 (to find it when it comes back). So the API can answer an
// invitation's link at once, the worker's mail activity can rebuild the same
// link from the row, the token never passes through Temporal's history, and
// someone who reads the database alone cannot make a working link.
package onetime

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/url"
	"strings"
)

// Purposes keep an invitation token from ever being valid as a reset token
// (and the other way round), even for the same nonce.
const (
	Invitation    = "invitation"
	PasswordReset = "password-reset"
)

// Paths of the console pages the links open; the token travels in the
// fragment, which browsers send to no server (no access log, no Referer).
const (
	InvitationPath    = "/accept-invitation"
	PasswordResetPath = "/reset-password"
)

// NonceSize is the stored nonce's length in bytes.
const NonceSize = 16

// Key derives the link key from the server's signing secret, so that a link
// key is never also a valid JWT or CSRF key.
func Key(secret string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("sendingo one-time link key v1"))
	return m.Sum(nil)
}

// New makes a nonce and its token and the token's hash.
func New(key []byte, purpose string) (nonce []byte, token string, hash []byte) {
	nonce = make([]byte, NonceSize)
	_, _ = rand.Read(nonce)
	token = Derive(key, purpose, nonce)
	return nonce, token, Hash(token)
}

// Derive rebuilds the token of a nonce.
func Derive(key []byte, purpose string, nonce []byte) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(nonce)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Hash is what the database keeps to find a token.
func Hash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// Link is the console page at path under base, carrying token in the fragment.
func Link(base, path, token string) string {
	return strings.TrimRight(base, "/") + path + "#token=" + url.QueryEscape(token)
}
