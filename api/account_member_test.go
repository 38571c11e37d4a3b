package api_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/workflows"
)

// mailTo waits for the mailbox's message to addr.
func (m *mailbox) mailTo(t *testing.T, addr string) receivedMail {
	t.Helper()
	var got receivedMail
	waitFor(t, "a mail to "+addr, func() bool {
		for _, ml := range m.received() {
			for _, to := range ml.To {
				if strings.EqualFold(to, addr) {
					got = ml
					return true
				}
			}
		}
		return false
	})
	return got
}

// historyText is a workflow's whole history as JSON, to search for secrets.
func (h *harness) historyText(t *testing.T, workflowID, runID string) string {
	t.Helper()
	it := h.tc.GetWorkflowHistory(context.Background(), workflowID, runID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var b strings.Builder
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		j, _ := protojson.Marshal(ev)
		b.Write(j)
	}
	return b.String()
}

func (h *harness) countWhere(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := h.db.Get(&n, query, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

// An invitation from the answer to the new member: the link is shown once and
// mailed through the platform's mail server from a workflow (and logged in
// dev); only its hash is stored, and neither the database nor the workflow's
// history holds the token. It works once, for 72 hours; a withdrawn or
// replaced one never.
func TestInvitationIsMailedAndWorksOnce(t *testing.T) {
	box := startMailbox(t)
	clock := &testClock{t: time.Now()}
	h := newHarness(t, withSMTP(box.Addr), withDev(), withClock(clock.Now))
	token, _ := h.signup(t)
	owner := h.c.As(token)

	email := uniqueEmail("Invited")
	var inv invitationOut
	owner.Do("POST", "/api/v1/invitations", map[string]any{"email": email, "role": "viewer"}).Expect(201).JSON(&inv)
	if !strings.HasPrefix(inv.AcceptURL, h.cfg.PublicURL+"/accept-invitation#token=") || inv.Role != "viewer" ||
		inv.Status != "pending" || inv.Email != strings.ToLower(email) {
		t.Fatalf("invitation %+v", inv)
	}
	tok := linkToken(t, inv.AcceptURL)

	mail := box.mailTo(t, strings.ToLower(email))
	if !strings.Contains(mail.Body, inv.AcceptURL) {
		t.Fatalf("the mail does not carry the link %s:\n%s", inv.AcceptURL, mail.Body)
	}
	if !strings.Contains(h.logs.String(), tok) {
		t.Fatal("dev mode does not log the link")
	}
	waitFor(t, "mail_status sent", func() bool {
		var l struct{ Items []invitationOut }
		owner.Do("GET", "/api/v1/invitations", nil).Expect(200).JSON(&l)
		return len(l.Items) == 1 && l.Items[0].MailStatus == "sent"
	})
	if strings.Contains(string(owner.Do("GET", "/api/v1/invitations", nil).Expect(200).Body), tok) {
		t.Fatal("the list shows the link again")
	}
	sum := sha256.Sum256([]byte(tok))
	if h.countWhere(t, `SELECT COUNT(*) FROM invitations WHERE token_hash = ? AND nonce <> ? AND nonce <> ?`, sum[:], tok, sum[:]) != 1 {
		t.Fatal("the invitation is not stored by its token's hash alone")
	}
	if hist := h.historyText(t, workflows.InvitationMailWorkflowID(inv.ID), ""); strings.Contains(hist, tok) || !strings.Contains(hist, "SendInvitationMail") {
		t.Fatal("the mail workflow's history holds the token (or is not the mail workflow)")
	}
	h.recordFinished(t, workflows.InvitationMailWorkflowID(inv.ID), "", "invitation-mail.json")

	// Refusals change nothing.
	users := h.count(t, "users")
	accepting := func(tok, password string) *apitest.Response {
		return h.c.Do("POST", "/api/v1/auth/accept-invitation", map[string]any{"token": tok, "name": "이영희", "password": password})
	}
	fieldNamed(t, accepting(tok+"x", memberPassword).Expect(422), "token", "")
	fieldNamed(t, accepting(tok, "short").Expect(422), "password", "")
	if h.count(t, "users") != users {
		t.Fatal("a refused acceptance created a user")
	}

	var acc acceptedOut
	accepting(tok, memberPassword).Expect(201).JSON(&acc)
	if acc.User.Role != "viewer" || acc.User.Email != strings.ToLower(email) || acc.Token == "" {
		t.Fatalf("accepted %+v", acc)
	}
	me := h.c.As(acc.Token).Do("GET", "/api/v1/me", nil).Expect(200).Map()
	if me["user"].(map[string]any)["role"] != "viewer" {
		t.Fatalf("/me %v", me)
	}
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": memberPassword}).Expect(200)

	// Used: 410, nothing changes.
	if accepting(tok, "An0ther-Passw0rd").Expect(http.StatusGone).Slug() != "link-used" || h.count(t, "users") != users+1 {
		t.Fatal("a used invitation worked again")
	}
	var l struct{ Items []invitationOut }
	owner.Do("GET", "/api/v1/invitations", nil).Expect(200).JSON(&l)
	if len(l.Items) != 0 {
		t.Fatalf("an accepted invitation is still listed: %+v", l.Items)
	}
	// A member cannot be invited again.
	owner.Do("POST", "/api/v1/invitations", map[string]any{"email": email, "role": "admin"}).Expect(409)

	// Expired after 72 hours: 410, nothing changes.
	late := invite(t, owner, "sender")
	clock.Set(time.Now().Add(72*time.Hour + time.Second))
	owner.Do("GET", "/api/v1/invitations", nil).Expect(200).JSON(&l)
	if len(l.Items) != 1 || l.Items[0].Status != "expired" {
		t.Fatalf("an old invitation is listed as %+v", l.Items)
	}
	if accepting(linkToken(t, late.AcceptURL), memberPassword).Expect(http.StatusGone).Slug() != "link-expired" ||
		h.count(t, "users") != users+1 {
		t.Fatal("an expired invitation worked")
	}
	clock.Set(time.Now())

	// Withdrawn, or replaced by a newer invitation of the same address: the
	// link no longer names an invitation.
	gone := invite(t, owner, "sender")
	owner.Do("DELETE", fmt.Sprintf("/api/v1/invitations/%d", gone.ID), nil).Expect(204)
	fieldNamed(t, accepting(linkToken(t, gone.AcceptURL), memberPassword).Expect(422), "token", "")
	first := invite(t, owner, "sender")
	var second invitationOut
	owner.Do("POST", "/api/v1/invitations", map[string]any{"email": first.Email, "role": "admin"}).Expect(201).JSON(&second)
	fieldNamed(t, accepting(linkToken(t, first.AcceptURL), memberPassword).Expect(422), "token", "")
	if h.count(t, "users") != users+1 {
		t.Fatal("a withdrawn or replaced invitation created a user")
	}

	// Another account sees none of it.
	other, _ := h.signup(t)
	h.c.As(other).Do("DELETE", fmt.Sprintf("/api/v1/invitations/%d", second.ID), nil).Expect(404)
	if strings.Contains(string(h.c.As(other).Do("GET", "/api/v1/invitations", nil).Expect(200).Body), second.Email) {
		t.Fatal("another account lists the invitation")
	}
	accepting(linkToken(t, second.AcceptURL), memberPassword).Expect(201)
}

// Roles of members: admins manage members but not ownership, the last owner
// stays, a role change holds at once for tokens already issued, and a removed
// member's token stops working.
func TestMemberRolesAndTheLastOwner(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	owner := h.c.As(token)
	var me struct {
		User memberOut `json:"user"`
	}
	owner.Do("GET", "/api/v1/me", nil).Expect(200).JSON(&me)
	ownerID := me.User.ID
	admin, _ := h.member(t, owner, "admin")
	viewer, v := h.member(t, owner, "viewer")

	var l struct {
		Items []memberOut
		Total int
	}
	viewer.Do("GET", "/api/v1/members", nil).Expect(200).JSON(&l)
	if l.Total != 3 || l.Items[0].ID != ownerID || l.Items[0].Role != "owner" {
		t.Fatalf("members %+v", l)
	}

	// A viewer cannot create; made a sender, the same token can.
	viewer.Do("POST", "/api/v1/groups", map[string]any{"name": "뷰어 그룹"}).Expect(403)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", v.ID), map[string]any{"role": "sender"}).Expect(200)
	viewer.Do("POST", "/api/v1/groups", map[string]any{"name": "뷰어 그룹"}).Expect(201)

	// Ownership is the owners' business.
	for _, r := range []*apitest.Response{
		admin.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", ownerID), map[string]any{"role": "admin"}),
		admin.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", v.ID), map[string]any{"role": "owner"}),
		admin.Do("DELETE", fmt.Sprintf("/api/v1/members/%d", ownerID), nil),
		admin.Do("POST", "/api/v1/invitations", map[string]any{"email": uniqueEmail("o"), "role": "owner"}),
	} {
		if r.Expect(403).Slug() != "owner-only" {
			t.Fatalf("admin touching ownership: %s", r.Body)
		}
	}
	// The last owner can neither be demoted nor removed, not even by themself.
	for _, r := range []*apitest.Response{
		owner.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", ownerID), map[string]any{"role": "admin"}),
		owner.Do("DELETE", fmt.Sprintf("/api/v1/members/%d", ownerID), nil),
	} {
		if r.Expect(409).Slug() != "last-owner" {
			t.Fatalf("last owner: %s", r.Body)
		}
	}
	fieldNamed(t, owner.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", v.ID), map[string]any{"role": "boss"}).Expect(422), "role", "")

	// With a second owner, the first may step down.
	owner.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", v.ID), map[string]any{"role": "owner"}).Expect(200)
	owner.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", ownerID), map[string]any{"role": "admin"}).Expect(200)
	owner.Do("GET", "/api/v1/api-keys", nil).Expect(200) // admin still

	// Another account's members are not found.
	other, _ := h.signup(t)
	h.c.As(other).Do("PATCH", fmt.Sprintf("/api/v1/members/%d", v.ID), map[string]any{"role": "viewer"}).Expect(404)
	h.c.As(other).Do("DELETE", fmt.Sprintf("/api/v1/members/%d", v.ID), nil).Expect(404)

	// A removed member's token stops working at once.
	gone, g := h.member(t, viewer, "sender")
	gone.Do("GET", "/api/v1/me", nil).Expect(200)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/members/%d", g.ID), nil).Expect(204)
	if p := gone.Do("GET", "/api/v1/me", nil).Expect(401).Problem(); !strings.Contains(p.Detail, "no longer exists") {
		t.Fatalf("removed member: %s", p.Detail)
	}

	// Two owners demoting each other at once: one of them stays owner.
	owner2Client, o2 := h.member(t, viewer, "owner")
	var wg sync.WaitGroup
	statuses := make([]int, 2)
	for i, step := range []struct {
		c      *apitest.Client
		target int64
	}{{viewer, o2.ID}, {owner2Client, v.ID}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = step.c.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", step.target), map[string]any{"role": "viewer"}).Status
		}()
	}
	wg.Wait()
	if owners := h.countWhere(t, `SELECT COUNT(*) FROM users WHERE account_id = ? AND role = 'owner'`, accountID); owners != 1 {
		t.Fatalf("after two owners demoted each other (%v) the account has %d owners", statuses, owners)
	}
}

// A password change: the current password must be right (a wrong one
// changes nothing), every earlier token stops working, the answer's token
// carries on.
func TestPasswordChangeSignsOutEverywhereElse(t *testing.T) {
	h := newHarness(t)
	email := uniqueEmail("pw")
	var su struct{ Token string }
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(email)).Expect(201).JSON(&su)
	var other struct{ Token string }
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "Corr3ct-Horse"}).Expect(200).JSON(&other)
	c := h.c.As(su.Token)

	fieldNamed(t, c.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": "Wrong-Horse-1", "new_password": "N3w-Battery-Staple"}).Expect(422),
		"current_password", "wrong")
	fieldNamed(t, c.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": "Corr3ct-Horse", "new_password": "weak"}).Expect(422),
		"new_password", "")
	h.c.As(other.Token).Do("GET", "/api/v1/me", nil).Expect(200)
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "Corr3ct-Horse"}).Expect(200)

	var fresh struct{ Token string }
	c.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": "Corr3ct-Horse", "new_password": "N3w-Battery-Staple"}).
		Expect(200).JSON(&fresh)
	for _, old := range []string{su.Token, other.Token} {
		if p := h.c.As(old).Do("GET", "/api/v1/me", nil).Expect(401).Problem(); !strings.Contains(p.Detail, "revoked") {
			t.Fatalf("old token: %s", p.Detail)
		}
	}
	h.c.As(fresh.Token).Do("GET", "/api/v1/me", nil).Expect(200)
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "Corr3ct-Horse"}).Expect(401)
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "N3w-Battery-Staple"}).Expect(200)
	// API keys are no people: they have no password to change.
	key, _ := createKey(t, h.c.As(fresh.Token), "admin")
	key.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": "N3w-Battery-Staple", "new_password": "X3w-Battery-Staple"}).Expect(403)
}

// Logout-all: every token issued before it stops working, the caller's too;
// logging in again works.
func TestLogoutAllRevokesEveryEarlierToken(t *testing.T) {
	h := newHarness(t)
	email := uniqueEmail("out")
	var a, b struct{ Token string }
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(email)).Expect(201).JSON(&a)
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "Corr3ct-Horse"}).Expect(200).JSON(&b)
	key, _ := createKey(t, h.c.As(a.Token), "sender")

	h.c.As(b.Token).Do("POST", "/api/v1/auth/logout-all", nil).Expect(204)
	h.c.As(a.Token).Do("GET", "/api/v1/me", nil).Expect(401)
	h.c.As(b.Token).Do("GET", "/api/v1/me", nil).Expect(401)
	key.Do("GET", "/api/v1/me", nil).Expect(200) // keys are not sessions
	var again struct{ Token string }
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "Corr3ct-Horse"}).Expect(200).JSON(&again)
	h.c.As(again.Token).Do("GET", "/api/v1/me", nil).Expect(200)
}

// A password reset: the answer is the same whether or not the address has a
// login, and only a real one gets a mail; its link works once, for an hour,
// signs out everywhere, and neither the database nor the workflow's history
// holds its token. Requests are rate limited per address.
func TestPasswordResetByMail(t *testing.T) {
	box := startMailbox(t)
	clock := &testClock{t: time.Now()}
	h := newHarness(t, withSMTP(box.Addr), withClock(clock.Now))
	email := uniqueEmail("Reset")
	var su struct{ Token string }
	h.c.Do("POST", "/api/v1/auth/signup", signupBody(email)).Expect(201).JSON(&su)

	unknown := h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": uniqueEmail("nobody")}).Expect(202)
	known := h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": email}).Expect(202)
	if string(unknown.Body) != string(known.Body) {
		t.Fatalf("the answers differ: %s / %s", unknown.Body, known.Body)
	}
	fieldNamed(t, h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": "not-an-address"}).Expect(422), "email", "")
	mail := box.mailTo(t, strings.ToLower(email))
	if n := len(box.received()); n != 1 {
		t.Fatalf("%d mails; only the address with a login gets one", n)
	}
	link := ""
	for _, f := range strings.Fields(mail.Body) {
		if strings.HasPrefix(f, h.cfg.PublicURL+"/reset-password#token=") {
			link = f
		}
	}
	if link == "" {
		t.Fatalf("no reset link in the mail:\n%s", mail.Body)
	}
	tok := linkToken(t, link)
	sum := sha256.Sum256([]byte(tok))
	if h.countWhere(t, `SELECT COUNT(*) FROM password_resets WHERE token_hash = ?`, sum[:]) != 1 {
		t.Fatal("the reset is not stored by its token's hash")
	}
	confirm := func(tok, pw string) *apitest.Response {
		return h.c.Do("POST", "/api/v1/auth/password-reset/confirm", map[string]any{"token": tok, "new_password": pw})
	}
	fieldNamed(t, confirm(tok, "weak").Expect(422), "new_password", "")
	fieldNamed(t, confirm("not-the-token", "N3w-Battery-Staple").Expect(422), "token", "")
	h.c.As(su.Token).Do("GET", "/api/v1/me", nil).Expect(200)

	var fresh struct{ Token string }
	confirm(tok, "N3w-Battery-Staple").Expect(200).JSON(&fresh)
	h.c.As(su.Token).Do("GET", "/api/v1/me", nil).Expect(401)
	h.c.As(fresh.Token).Do("GET", "/api/v1/me", nil).Expect(200)
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "N3w-Battery-Staple"}).Expect(200)
	if confirm(tok, "Th1rd-Battery-Staple").Expect(http.StatusGone).Slug() != "link-used" {
		t.Fatal("a used link worked again")
	}
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "N3w-Battery-Staple"}).Expect(200)

	// An hour later the next link no longer works, and nothing changes.
	h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": email}).Expect(202)
	waitFor(t, "a second mail", func() bool { return len(box.received()) == 2 })
	second := ""
	for _, f := range strings.Fields(box.received()[1].Body) {
		if strings.HasPrefix(f, h.cfg.PublicURL+"/reset-password#token=") {
			second = linkToken(t, f)
		}
	}
	clock.Set(time.Now().Add(time.Hour + time.Second))
	if confirm(second, "F0urth-Battery-Staple").Expect(http.StatusGone).Slug() != "link-expired" {
		t.Fatal("an expired link worked")
	}
	clock.Set(time.Now())
	h.c.Do("POST", "/api/v1/auth/login", map[string]any{"email": email, "password": "N3w-Battery-Staple"}).Expect(200)

	// The reset workflows' histories hold neither the tokens nor the address.
	runs := map[[2]string]bool{}
	waitFor(t, "the reset workflows listed", func() bool {
		resp, err := h.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: "WorkflowType = 'PasswordReset'"})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range resp.Executions {
			runs[[2]string{e.Execution.WorkflowId, e.Execution.RunId}] = true
		}
		return len(runs) >= 3
	})
	var mailed [2]string // a run that mailed a link, for the replay tests
	for run := range runs {
		hist := h.historyText(t, run[0], run[1])
		if strings.Contains(hist, tok) || strings.Contains(hist, second) || strings.Contains(strings.ToLower(hist), strings.ToLower(email)) {
			t.Fatalf("reset workflow %s holds a token or the address", run[0])
		}
		if strings.Contains(hist, workflows.ActivitySendPasswordResetMail) {
			mailed = run
		}
	}
	h.recordFinished(t, mailed[0], mailed[1], "password-reset.json")

	// Beyond the per-address limit: 429, for known and unknown addresses alike.
	for i := 0; i < h.cfg.PasswordResetsPerEmail-2; i++ {
		h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": email}).Expect(202)
	}
	h.c.Do("POST", "/api/v1/auth/password-reset", map[string]any{"email": email}).Expect(429)
}

// TestInvitationsPerAccountAreCapped: every invitation is a mail from the
// platform's own server to any address, so an account makes a bounded number
// a window: past it 429 with Retry-After and no invitation or mail, another
// account unaffected, and the next window opens again.
func TestInvitationsPerAccountAreCapped(t *testing.T) {
	clock := &testClock{t: time.Now()}
	h := newHarness(t, withClock(clock.Now), withConfig(func(cfg *config.Config) { cfg.InvitationsPerAccount = 3 }))
	token, _ := h.signup(t)
	owner := h.c.As(token)
	var me struct{ Account struct{ ID int64 } }
	owner.Do("GET", "/api/v1/me", nil).Expect(200).JSON(&me)
	account := me.Account
	for range 3 {
		owner.Do("POST", "/api/v1/invitations", map[string]any{"email": uniqueEmail("crowd"), "role": "viewer"}).Expect(201)
	}
	refused := uniqueEmail("crowd")
	retryAfter(t, owner.Do("POST", "/api/v1/invitations", map[string]any{"email": refused, "role": "viewer"}))
	if n := h.countWhere(t, `SELECT COUNT(*) FROM invitations WHERE account_id = ?`, account.ID); n != 3 {
		t.Fatalf("the account has %d invitations after a refused fourth, want 3", n)
	}
	if n := h.countWhere(t, `SELECT COUNT(*) FROM invitations WHERE email = ?`, strings.ToLower(refused)); n != 0 {
		t.Fatal("the refused invitation was stored")
	}
	otherToken, _ := h.signup(t)
	h.c.As(otherToken).Do("POST", "/api/v1/invitations", map[string]any{"email": uniqueEmail("other"), "role": "viewer"}).Expect(201)
	clock.Set(clock.Now().Add(16 * time.Minute))
	owner.Do("POST", "/api/v1/invitations", map[string]any{"email": refused, "role": "viewer"}).Expect(201)
}
