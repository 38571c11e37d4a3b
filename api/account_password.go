package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// PasswordResetTTL is how long a reset link works.
const PasswordResetTTL = time.Hour

type passwordChangeRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// changePassword sets a new password for the caller, who proves they know the
// current one. Every token issued before stops working; the answer carries a
// fresh one, so this session goes on.
func (s *Server) changePassword(c *gin.Context) {
	var req passwordChangeRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if req.CurrentPassword == "" {
		errs.Add("current_password", "is required")
	}
	switch msg := checkPassword(req.NewPassword); {
	case req.NewPassword == "":
		errs.Add("new_password", "is required")
	case msg != "":
		errs.Add("new_password", "%s", msg)
	case req.NewPassword == req.CurrentPassword:
		errs.Add("new_password", "must differ from the current password")
	}
	if errs.Abort(c) {
		return
	}
	ctx, me := c.Request.Context(), callerOf(c)
	u, err := s.store.User(ctx, me.AccountID, me.UserID)
	if !storeErr(c, err, "user") {
		return
	}
	// A wrong current password is a failed login of the address: whoever holds
	// a stolen session cannot guess it faster than they could log in.
	byEmail, _ := s.loginLimits(c, u.Email)
	if s.countAttempt(c, byEmail) {
		return
	}
	match, err := s.compareHash(ctx, []byte(u.PasswordHash), req.CurrentPassword)
	if errors.Is(err, errHashBusy) {
		hashBusy(c)
		return
	}
	if !match {
		Fields{{Field: "current_password", Message: "is wrong"}}.Abort(c)
		return
	}
	if err := s.store.LimitReset(context.WithoutCancel(ctx), byEmail.key); err != nil {
		s.log.Error("reset login failures", "user_id", u.ID, "error", err)
	}
	hash, ok := s.newPasswordHash(ctx, c, req.NewPassword)
	if !ok {
		return
	}
	if u, err = s.store.ChangePassword(ctx, me.AccountID, me.UserID, hash); !storeErr(c, err, "user") {
		return
	}
	s.log.Info("password changed", "account_id", u.AccountID, "user_id", u.ID)
	s.answerToken(c, http.StatusOK, u)
}

// answerToken answers a fresh access token for the user, and makes it the
// browser's session (the old one stopped working).
func (s *Server) answerToken(c *gin.Context, status int, u store.User) {
	tok, exp, err := s.issueToken(u)
	if err != nil {
		internalError(c, err)
		return
	}
	s.setSession(c, tok, exp)
	c.JSON(status, authResponse{Token: tok, ExpiresAt: exp})
}

// logoutAll signs the caller out everywhere: every token issued before,
// this one included, stops working.
func (s *Server) logoutAll(c *gin.Context) {
	me := callerOf(c)
	if _, err := s.store.LogoutAll(c.Request.Context(), me.AccountID, me.UserID); !storeErr(c, err, "user") {
		return
	}
	s.log.Info("signed out everywhere", "account_id", me.AccountID, "user_id", me.UserID)
	clearSession(c)
	c.Status(http.StatusNoContent)
}

type passwordResetRequest struct {
	Email string `json:"email"`
}

// resetRequested is the one answer of a reset request, whether or not the
// address has a login.
var resetRequested = gin.H{"detail": "if a login uses this address, a link to choose a new password is on its way; it works once, for an hour"}

// requestPasswordReset mails a reset link when a login uses the address. The
// answer is the same either way (202), and so is the work: a workflow is
// started for every request, and for an unknown address it ends at once.
// Requests are limited per address and per client.
func (s *Server) requestPasswordReset(c *gin.Context) {
	var req passwordResetRequest
	if !bindJSON(c, &req) {
		return
	}
	email, ok := normalizeEmail(req.Email)
	switch {
	case strings.TrimSpace(req.Email) == "":
		Fields{{Field: "email", Message: "is required"}}.Abort(c)
		return
	case !ok:
		Fields{{Field: "email", Message: "is not a valid e-mail address"}}.Abort(c)
		return
	}
	if s.countAttempt(c,
		limit{key: store.LimitKey{Scope: store.LimitResetIP, Subject: clientNetwork(c)}, max: s.cfg.PasswordResetsPerIP,
			why: "too many password reset requests from this address"},
		limit{key: store.LimitKey{Scope: store.LimitResetEmail, Subject: email}, max: s.cfg.PasswordResetsPerEmail,
			why: "too many password reset requests for this e-mail"}) {
		return
	}
	ctx := c.Request.Context()
	in := workflows.PasswordResetInput{TTL: PasswordResetTTL}
	u, err := s.store.UserByEmail(ctx, email)
	switch {
	case err == nil:
		in.AccountID, in.UserID = u.AccountID, u.ID
	case !errors.Is(err, store.ErrNotFound):
		internalError(c, err)
		return
	}
	if s.temporal == nil {
		internalError(c, errors.New("no Temporal client configured"))
		return
	}
	// One run at a time per address: a burst of requests mails one link.
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.PasswordResetWorkflowID(s.addressKey(email)),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowExecutionTimeout: 2 * PasswordResetTTL,
	}, workflows.PasswordReset, in)
	if err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusAccepted, resetRequested)
}

// addressKey names an e-mail address in a workflow ID without showing it.
func (s *Server) addressKey(email string) string {
	m := hmac.New(sha256.New, s.linkKey)
	m.Write([]byte("password-reset-address\x00" + email))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

type passwordResetConfirmRequest struct {
	Token       string `json:"token"`
	NewPassword string `json:"new_password"`
}

// confirmPasswordReset spends a reset link: the new password is set, every
// token issued before stops working, and the answer logs the user in.
func (s *Server) confirmPasswordReset(c *gin.Context) {
	var req passwordResetConfirmRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if strings.TrimSpace(req.Token) == "" {
		errs.Add("token", "is required")
	}
	checkNewPassword(&errs, "new_password", req.NewPassword)
	if errs.Abort(c) {
		return
	}
	u, ctx, ok := s.spendLink(c, "password reset", req.Token, req.NewPassword,
		func(ctx context.Context, hash []byte) (bool, time.Time, error) {
			r, err := s.store.PasswordResetByToken(ctx, hash)
			return store.IsSet(r.UsedAt), r.ExpiresAt, err
		},
		func(ctx context.Context, hash []byte, pw string) (store.User, error) {
			return s.store.ResetPassword(ctx, hash, pw, s.now())
		})
	if !ok {
		return
	}
	// Whoever reset the password controls the mailbox: the address's failed
	// logins no longer count against it.
	if err := s.store.LimitReset(context.WithoutCancel(ctx), store.LimitKey{Scope: store.LimitLoginEmail, Subject: u.Email}); err != nil {
		s.log.Error("reset login failures", "user_id", u.ID, "error", err)
	}
	s.log.Info("password reset", "account_id", u.AccountID, "user_id", u.ID)
	s.answerToken(c, http.StatusOK, u)
}
