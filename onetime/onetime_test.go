package onetime

import (
	"bytes"
	"strings"
	"testing"
)

func TestTokensAreDerivedFromTheNonceAndPurpose(t *testing.T) {
	key := Key("a-secret-of-the-server-0123456789")
	nonce, token, hash := New(key, Invitation)
	if len(nonce) != NonceSize || len(token) != 43 {
		t.Fatalf("nonce %d bytes, token %q", len(nonce), token)
	}
	if Derive(key, Invitation, nonce) != token {
		t.Fatal("the token cannot be rebuilt from its nonce")
	}
	if !bytes.Equal(Hash(token), hash) {
		t.Fatal("hash differs")
	}
	if Derive(key, PasswordReset, nonce) == token {
		t.Fatal("an invitation token is also a reset token")
	}
	if Derive(Key("another-secret-of-the-server-0123"), Invitation, nonce) == token {
		t.Fatal("another key makes the same token")
	}
	if _, again, _ := New(key, Invitation); again == token {
		t.Fatal("two tokens are equal")
	}
	link := Link("https://app.example/", InvitationPath, token)
	if link != "https://app.example/accept-invitation#token="+token || strings.Contains(link, "?") {
		t.Fatalf("link %q", link)
	}
}
