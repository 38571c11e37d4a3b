package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// InvitationTTL is how long an invitation's link works.
const InvitationTTL = 72 * time.Hour

// memberErr answers the errors of member changes; it reports whether err was nil.
func memberErr(c *gin.Context, err error) bool {
	switch {
	case errors.Is(err, store.ErrOwnerOnly):
		problem(c, http.StatusForbidden, "owner-only", "Only an owner can do this", err.Error())
	case errors.Is(err, store.ErrLastOwner):
		problem(c, http.StatusConflict, "last-owner", "The last owner stays", err.Error()+"; make another member an owner first")
	default:
		return storeErr(c, err, "member")
	}
	return false
}

func (s *Server) listMembers(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	us, total, err := s.store.Members(c.Request.Context(), account(c), p)
	if !storeErr(c, err, "members") {
		return
	}
	c.JSON(http.StatusOK, list[store.User]{Items: us, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(us, p.Size, func(u store.User) string { return store.Cursor(u.ID) })})
}

type memberRequest struct {
	Role *string `json:"role"`
}

// checkRole validates a role field; keys may not be owners.
func checkRole(errs *Fields, field string, role *string, allowOwner bool) string {
	switch {
	case role == nil || *role == "":
		errs.Add(field, "is required")
	case store.RoleRank(*role) == 0 || (!allowOwner && *role == store.RoleOwner):
		allowed := store.Roles
		if !allowOwner {
			allowed = allowed[:len(allowed)-1]
		}
		errs.Add(field, "must be one of %s", strings.Join(allowed, ", "))
	default:
		return *role
	}
	return ""
}

// updateMember changes a member's role. Only an owner grants or takes away
// the owner role, and the last owner keeps it.
func (s *Server) updateMember(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req memberRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	role := checkRole(&errs, "role", req.Role, true)
	if errs.Abort(c) {
		return
	}
	u, err := s.store.SetMemberRole(c.Request.Context(), account(c), id, role, callerOf(c).Role == store.RoleOwner)
	if !memberErr(c, err) {
		return
	}
	s.log.Info("member role changed", "account_id", account(c), "user_id", id, "role", role, "by", callerOf(c).UserID)
	c.JSON(http.StatusOK, u)
}

// removeMember deletes a member's login; only an owner removes an owner, and
// the last owner stays.
func (s *Server) removeMember(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	err := s.store.RemoveMember(c.Request.Context(), account(c), id, callerOf(c).Role == store.RoleOwner)
	if !memberErr(c, err) {
		return
	}
	s.log.Info("member removed", "account_id", account(c), "user_id", id, "by", callerOf(c).UserID)
	c.Status(http.StatusNoContent)
}

// invitationJSON is an invitation as the API shows it. AcceptURL is set in
// the answer that creates it, and never again: only the token's hash is kept.
type invitationJSON struct {
	store.Invitation
	Status    string `json:"status"` // pending | expired
	AcceptURL string `json:"accept_url,omitempty"`
}

func toInvitationJSON(inv store.Invitation, now time.Time) invitationJSON {
	st := "pending"
	if !now.Before(inv.ExpiresAt) {
		st = "expired"
	}
	return invitationJSON{Invitation: inv, Status: st}
}

type invitationRequest struct {
	Email string  `json:"email"`
	Role  *string `json:"role"`
}

// createInvitation invites an address with a role: the answer carries the
// link once (to share another way too), and a workflow mails it through the
// platform's mail server.
func (s *Server) createInvitation(c *gin.Context) {
	var req invitationRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	email := errs.Email("email", req.Email)
	role := checkRole(&errs, "role", req.Role, true)
	if errs.Abort(c) {
		return
	}
	me := callerOf(c)
	if role == store.RoleOwner && me.Role != store.RoleOwner {
		problem(c, http.StatusForbidden, "owner-only", "Only an owner can do this", "only an owner can invite another owner")
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	// Each invitation is a mail from the platform's own server, to any
	// address, with the account's name in it: an account cannot make it a
	// bulk mailer.
	if s.countAttempt(c, limit{key: store.LimitKey{Scope: store.LimitInvitation, Subject: itoa(acc)}, max: s.cfg.InvitationsPerAccount,
		why: "too many invitations from this account"}) {
		return
	}
	nonce, token, hash := onetime.New(s.linkKey, onetime.Invitation)
	inv, err := s.store.CreateInvitation(ctx, acc, store.Invitation{Email: email, Role: role, TokenHash: hash, Nonce: nonce,
		InvitedBy: me.UserID, InvitedByName: me.Name, ExpiresAt: s.now().Add(InvitationTTL)})
	if !storeErr(c, err, "invitation") {
		return
	}
	link := onetime.Link(s.cfg.PublicURL, onetime.InvitationPath, token)
	if s.cfg.Dev {
		s.log.Info("invitation link (dev)", "account_id", acc, "invitation_id", inv.ID, "email", email, "accept_url", link)
	}
	if err := s.startInvitationMail(ctx, acc, inv.ID); err != nil {
		// The invitation and the mail it owes were committed together (the
		// outbox): the sweeper starts the mail once Temporal answers, and
		// the inviter has the link meanwhile.
		s.log.Warn("invitation mail not started; the outbox sweeper starts it", "account_id", acc, "invitation_id", inv.ID, "error", err)
	}
	out := toInvitationJSON(inv, s.now())
	out.AcceptURL = link
	c.Header("Location", "/api/v1/invitations/"+itoa(inv.ID))
	c.JSON(http.StatusCreated, out)
}

func (s *Server) startInvitationMail(ctx context.Context, accountID, invitationID int64) error {
	if s.temporal == nil {
		return errors.New("no Temporal client configured")
	}
	_, err := s.temporal.ExecuteWorkflow(ctx, workflows.InvitationMailStartOptions(s.cfg.TaskQueue, accountID, invitationID),
		workflows.InvitationMail, workflows.InvitationMailInput{AccountID: accountID, InvitationID: invitationID})
	return err
}

func (s *Server) listInvitations(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	invs, total, err := s.store.Invitations(c.Request.Context(), account(c), p)
	if !storeErr(c, err, "invitations") {
		return
	}
	now := s.now()
	items := make([]invitationJSON, len(invs))
	for i, inv := range invs {
		items[i] = toInvitationJSON(inv, now)
	}
	c.JSON(http.StatusOK, list[invitationJSON]{Items: items, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(items, p.Size, func(i invitationJSON) string { return store.Cursor(i.ID) })})
}

// deleteInvitation withdraws an invitation: its link stops working (a mail
// still queued is not sent).
func (s *Server) deleteInvitation(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !storeErr(c, s.store.DeleteInvitation(c.Request.Context(), account(c), id), "invitation") {
		return
	}
	c.Status(http.StatusNoContent)
}

type acceptInvitationRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

type acceptInvitationResponse struct {
	User      store.User `json:"user"`
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
}

// acceptInvitation creates the invited member and logs them in.
func (s *Server) acceptInvitation(c *gin.Context) {
	var req acceptInvitationRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if strings.TrimSpace(req.Token) == "" {
		errs.Add("token", "is required")
	}
	req.Name = errs.Text("name", &req.Name, 200, "is required")
	checkNewPassword(&errs, "password", req.Password)
	if errs.Abort(c) {
		return
	}
	u, _, ok := s.spendLink(c, "invitation", req.Token, req.Password,
		func(ctx context.Context, hash []byte) (bool, time.Time, error) {
			inv, err := s.store.InvitationByToken(ctx, hash)
			return inv.Accepted(), inv.ExpiresAt, err
		},
		func(ctx context.Context, hash []byte, pw string) (store.User, error) {
			return s.store.AcceptInvitation(ctx, hash, store.NewMember{Name: req.Name, PasswordHash: pw}, s.now())
		})
	if !ok {
		return
	}
	tok, exp, err := s.issueToken(u)
	if err != nil {
		internalError(c, err)
		return
	}
	s.log.Info("invitation accepted", "account_id", u.AccountID, "user_id", u.ID, "role", u.Role)
	s.setSession(c, tok, exp)
	c.Header("Location", "/api/v1/me")
	c.JSON(http.StatusCreated, acceptInvitationResponse{User: u, Token: tok, ExpiresAt: exp})
}

// anonymousActor is the request's context with where it came from, for the
// audit rows of routes nobody is logged in to (the store names the user).
func (s *Server) anonymousActor(c *gin.Context) context.Context {
	return store.WithActor(c.Request.Context(), store.Actor{Kind: store.ActorSystem, IP: c.ClientIP(), RequestID: requestIDOf(c)})
}

// checkNewPassword checks a new password given in field.
func checkNewPassword(errs *Fields, field, password string) {
	if password == "" {
		errs.Add(field, "is required")
	} else if msg := checkPassword(password); msg != "" {
		errs.Add(field, "%s", msg)
	}
}

// spendLink spends a single-use link (an invitation, a password reset) that
// sets a password: check looks the token up, so a token that cannot work
// (unknown, used, expired) is refused before any password hashing; spend
// then spends it with the password's hash. Attempts count against the
// client's limit. It answers every refusal itself, and gives the user and the
// request's (anonymous) context when the link was spent.
func (s *Server) spendLink(c *gin.Context, what, token, password string,
	check func(ctx context.Context, hash []byte) (used bool, expiresAt time.Time, err error),
	spend func(ctx context.Context, hash []byte, passwordHash string) (store.User, error)) (store.User, context.Context, bool) {
	if s.overLimit(c, s.ipLimit(c)) {
		return store.User{}, nil, false
	}
	ctx := s.anonymousActor(c)
	hash := onetime.Hash(strings.TrimSpace(token))
	used, expiresAt, err := check(ctx, hash)
	if err == nil {
		switch {
		case used:
			err = store.ErrLinkUsed
		case !s.now().Before(expiresAt):
			err = store.ErrLinkExpired
		}
	}
	if !s.linkErr(c, err, what) {
		return store.User{}, nil, false
	}
	pw, ok := s.newPasswordHash(ctx, c, password)
	if !ok {
		return store.User{}, nil, false
	}
	u, err := spend(ctx, hash, pw)
	if !s.linkErr(c, err, what) {
		return store.User{}, nil, false
	}
	return u, ctx, true
}

// linkErr answers the errors of single-use links; it reports whether err was
// nil. An unknown token counts against the client's failure limit.
func (s *Server) linkErr(c *gin.Context, err error, what string) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrNotFound):
		s.hit(c, s.ipLimit(c))
		Fields{{Field: "token", Message: "is not a valid " + what + " token: it may have been withdrawn, replaced by a newer one, or mistyped"}}.Abort(c)
	case errors.Is(err, store.ErrLinkUsed):
		problem(c, http.StatusGone, "link-used", "Link already used", "this "+what+" link has already been used; each link works once")
	case errors.Is(err, store.ErrLinkExpired):
		problem(c, http.StatusGone, "link-expired", "Link expired", "this "+what+" link has expired; ask for a new one")
	case errors.Is(err, store.ErrConflict):
		conflict(c, conflictDetail(err))
	default:
		internalError(c, err)
	}
	return false
}
