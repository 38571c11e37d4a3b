package api_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/apitest"
)

// memberPassword is the password of every member the tests create.
const memberPassword = "Memb3r-Passw0rd"

type invitationOut struct {
	ID         int64  `json:"id"`
	Email      string `json:"email"`
	Role       string `json:"role"`
	Status     string `json:"status"`
	MailStatus string `json:"mail_status"`
	MailError  string `json:"mail_error"`
	AcceptURL  string `json:"accept_url"`
}

type memberOut struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
	Role  string `json:"role"`
}

// linkToken is the token in a mailed or answered link's fragment.
func linkToken(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Fragment, "token=") {
		t.Fatalf("link %q carries no #token=", link)
	}
	tok, err := url.QueryUnescape(strings.TrimPrefix(u.Fragment, "token="))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// invite has by invite a new address with the role.
func invite(t *testing.T, by *apitest.Client, role string) invitationOut {
	t.Helper()
	var inv invitationOut
	by.Do("POST", "/api/v1/invitations", map[string]any{"email": uniqueEmail(role), "role": role}).Expect(201).JSON(&inv)
	return inv
}

type acceptedOut struct {
	User  memberOut `json:"user"`
	Token string    `json:"token"`
}

// accept accepts an invitation through the API.
func accept(t *testing.T, c *apitest.Client, inv invitationOut) acceptedOut {
	t.Helper()
	var out acceptedOut
	c.Do("POST", "/api/v1/auth/accept-invitation", map[string]any{"token": linkToken(t, inv.AcceptURL),
		"name": "팀원 " + inv.Role, "password": memberPassword}).Expect(201).JSON(&out)
	return out
}

// member makes a member with the role in owner's account, through an
// invitation, and answers a client logged in as them and their id.
func (h *harness) member(t *testing.T, owner *apitest.Client, role string) (*apitest.Client, memberOut) {
	t.Helper()
	a := accept(t, h.c, invite(t, owner, role))
	return h.c.As(a.Token), a.User
}

// createKey makes an API key with the role and answers a client using it.
func createKey(t *testing.T, owner *apitest.Client, role string) (*apitest.Client, int64) {
	t.Helper()
	var k struct {
		ID   int64  `json:"id"`
		Key  string `json:"key"`
		Role string `json:"role"`
	}
	owner.Do("POST", "/api/v1/api-keys", map[string]any{"name": role + " key", "role": role}).Expect(201).JSON(&k)
	if k.Role != role {
		t.Fatalf("key made with role %s has %s", role, k.Role)
	}
	return owner.WithKey(k.Key), k.ID
}
