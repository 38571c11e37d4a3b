package activities

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/sendingo/sendingo/onetime"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// SendInvitationMail mails an invitation's link through the platform's mail
// server. The token is rebuilt from the stored nonce with the link key, so it
// never passed through the workflow's history. An invitation that was
// withdrawn, replaced, accepted or has expired meanwhile is not mailed.
func (a *Activities) SendInvitationMail(ctx context.Context, in workflows.InvitationMailInput) error {
	inv, err := a.Store.InvitationMail(ctx, in.AccountID, in.InvitationID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // withdrawn or replaced: its link no longer works
	}
	if err != nil {
		return err
	}
	if inv.Accepted() || !time.Now().Before(inv.ExpiresAt) || inv.MailStatus == store.MailSent {
		return nil
	}
	link, err := a.link(onetime.Invitation, onetime.InvitationPath, inv.Nonce, inv.TokenHash)
	if err != nil {
		return err
	}
	err = a.sendPlatformMail(ctx, invitationMail(inv, link))
	var refused *outbound.MailRefusedError
	switch {
	case err == nil:
		a.Log.Info("invitation mailed", "account_id", in.AccountID, "invitation_id", inv.ID)
		return a.Store.MarkInvitationMail(ctx, in.AccountID, inv.ID, store.MailSent, "")
	case errors.As(err, &refused):
		_ = a.Store.MarkInvitationMail(ctx, in.AccountID, inv.ID, store.MailFailed, refused.Public())
		return temporal.NewNonRetryableApplicationError(refused.Public(), workflows.ErrTypeInvalidInput, nil)
	default:
		a.Log.Warn("invitation mail not sent", "account_id", in.AccountID, "invitation_id", inv.ID, "error", err)
		_ = a.Store.MarkInvitationMail(ctx, in.AccountID, inv.ID, store.MailPending,
			"the mail server did not take the invitation yet: "+relay.ErrorCode(err))
		return err
	}
}

// MarkInvitationMailFailed records that an invitation's mail gave up.
func (a *Activities) MarkInvitationMailFailed(ctx context.Context, in workflows.MarkInvitationMailFailedInput) error {
	return a.Store.MarkInvitationMail(ctx, in.AccountID, in.InvitationID, store.MailFailed, in.Reason)
}

// SendPasswordResetMail issues a reset link for the user (once per request
// key, so a retry mails the same link) and mails it.
func (a *Activities) SendPasswordResetMail(ctx context.Context, in workflows.SendPasswordResetMailInput) error {
	nonce, _, hash := onetime.New(a.LinkKey, onetime.PasswordReset)
	ttl := in.TTL
	if ttl <= 0 {
		ttl = time.Hour
	}
	r, err := a.Store.IssuePasswordReset(ctx, in.AccountID, in.UserID, in.RequestKey, nonce, hash, time.Now().Add(ttl))
	if errors.Is(err, store.ErrNotFound) {
		return nil // the user was removed meanwhile
	}
	if err != nil {
		return err
	}
	if store.IsSet(r.UsedAt) || !time.Now().Before(r.ExpiresAt) {
		return nil
	}
	link, err := a.link(onetime.PasswordReset, onetime.PasswordResetPath, r.Nonce, r.TokenHash)
	if err != nil {
		return err
	}
	err = a.sendPlatformMail(ctx, resetMail(r, link))
	var refused *outbound.MailRefusedError
	switch {
	case err == nil:
		a.Log.Info("password reset link mailed", "account_id", in.AccountID, "user_id", in.UserID)
		return nil
	case errors.As(err, &refused):
		return temporal.NewNonRetryableApplicationError(refused.Public(), workflows.ErrTypeInvalidInput, nil)
	default:
		a.Log.Warn("password reset mail not sent", "account_id", in.AccountID, "user_id", in.UserID, "error", err)
		return err
	}
}

// link rebuilds a row's token and makes its console link, checking it is the
// token the row was stored with (a changed signing secret makes other tokens,
// and mailing a dead link helps nobody).
func (a *Activities) link(purpose, path string, nonce, storedHash []byte) (string, error) {
	if len(a.LinkKey) == 0 {
		return "", temporal.NewNonRetryableApplicationError("no link key is configured", workflows.ErrTypeInvalidState, nil)
	}
	token := onetime.Derive(a.LinkKey, purpose, nonce)
	if !bytes.Equal(onetime.Hash(token), storedHash) {
		return "", temporal.NewNonRetryableApplicationError("the link was made with another signing secret",
			workflows.ErrTypeInvalidState, nil)
	}
	link := onetime.Link(a.PublicURL, path, token)
	if a.LogLinks {
		// Development only: the link shows in the worker's log too.
		a.Log.Info("one-time link (dev)", "purpose", purpose, "link", link)
	}
	return link, nil
}

// sendPlatformMail sends through the operator's mail server.
func (a *Activities) sendPlatformMail(ctx context.Context, m outbound.Mail) error {
	if a.Mail == nil {
		return temporal.NewNonRetryableApplicationError("no mailer is configured", workflows.ErrTypeInvalidState, nil)
	}
	return a.Mail.SendMail(ctx, m)
}

func invitationMail(inv store.InvitationForMail, link string) outbound.Mail {
	subject := fmt.Sprintf("[sendingo] %s 팀에 초대되었습니다 / You are invited to %s", inv.AccountName, inv.AccountName)
	expires := inv.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	body := fmt.Sprintf(`%s 님이 sendingo의 %s 팀에 %s 역할로 초대했습니다.
아래 링크에서 이름과 비밀번호를 정하면 가입됩니다 (%s까지, 한 번만 쓸 수 있습니다).

%s invited you to the %s team on sendingo as %s.
Open the link below to choose your name and password (valid until %s, once).

%s

초대를 기대하지 않았다면 이 메일을 무시하세요.
If you did not expect this invitation, ignore this mail.
`, inv.InvitedByName, inv.AccountName, inv.Role, expires, inv.InvitedByName, inv.AccountName, inv.Role, expires, link)
	return outbound.Mail{To: []string{inv.Email}, Subject: subject, Body: body, Key: "invitation-" + strconv.FormatInt(inv.ID, 10)}
}

func resetMail(r store.PasswordResetForMail, link string) outbound.Mail {
	expires := r.ExpiresAt.UTC().Format("2006-01-02 15:04 MST")
	body := fmt.Sprintf(`%s 님, sendingo 비밀번호 재설정을 요청하셨습니다.
아래 링크에서 새 비밀번호를 정하세요 (%s까지, 한 번만 쓸 수 있습니다).
새 비밀번호를 정하면 모든 기기에서 로그아웃됩니다.

%s, a password reset was asked for your sendingo login.
Choose a new password at the link below (valid until %s, once).
Setting it signs you out everywhere.

%s

요청하지 않았다면 이 메일을 무시하세요. 비밀번호는 그대로입니다.
If you did not ask for this, ignore this mail; your password stays as it is.
`, r.Name, expires, r.Name, expires, link)
	return outbound.Mail{To: []string{r.Email}, Subject: "[sendingo] 비밀번호 재설정 / Reset your password", Body: body,
		Key: "password-reset-" + strconv.FormatInt(r.ID, 10)}
}
