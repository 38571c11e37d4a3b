package workflows

import (
	"context"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"
)

// InvitationMailWorkflowID is the ID of the workflow that mails an invitation.
func InvitationMailWorkflowID(invitationID int64) string {
	return fmt.Sprintf("invitation-mail:%d", invitationID)
}

// InvitationMailStartOptions start an invitation's mail workflow, once: the
// API (right after the commit) and the outbox sweeper (for a commit whose
// start never happened) may both start it, and a start while it runs, or
// after it ended, joins that run.
func InvitationMailStartOptions(taskQueue string, accountID, invitationID int64) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       InvitationMailWorkflowID(invitationID),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    AccountSearchAttributes(accountID),
	}
}

// PasswordResetWorkflowID is the ID of the workflow that mails a reset link
// for an address; emailHash is a hash of the address (never the address), so
// one request at a time runs per address and a burst mails once.
func PasswordResetWorkflowID(emailHash string) string { return "password-reset:" + emailHash }

// Activity names of the team mails.
const (
	ActivitySendInvitationMail       = "SendInvitationMail"
	ActivityMarkInvitationMailFailed = "MarkInvitationMailFailed"
	ActivitySendPasswordResetMail    = "SendPasswordResetMail"
)

// InvitationMailInput mails one invitation. The link's token is not carried:
// the activity rebuilds it from the stored invitation (see package onetime).
type InvitationMailInput struct{ AccountID, InvitationID int64 }

// MarkInvitationMailFailedInput records that an invitation's mail gave up.
type MarkInvitationMailFailedInput struct {
	AccountID, InvitationID int64
	Reason                  string
}

// PasswordResetInput mails a reset link to a user. UserID 0 means the address
// that was asked for has no login: the workflow ends at once. It is started
// all the same, so the API answers as fast whether or not the address exists.
type PasswordResetInput struct {
	AccountID, UserID int64
	// TTL is how long the link is valid.
	TTL time.Duration
}

// SendPasswordResetMailInput issues a reset link (once per RequestKey) and mails it.
type SendPasswordResetMailInput struct {
	AccountID, UserID int64
	RequestKey        string
	TTL               time.Duration
}

// TeamActivities is what the team workflows call; activities.Activities
// implements it.
type TeamActivities interface {
	SendInvitationMail(context.Context, InvitationMailInput) error
	MarkInvitationMailFailed(context.Context, MarkInvitationMailFailedInput) error
	SendPasswordResetMail(context.Context, SendPasswordResetMailInput) error
}

// mailOptions retry a mail for a while: the mail server may be down for a
// moment; a refusal (non-retryable) ends at once.
func mailOptions(ctx workflow.Context, within time.Duration) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    time.Minute,
		ScheduleToCloseTimeout: within,
		RetryPolicy:            mailBackoff.retry(0),
	})
}

// InvitationMail mails an invitation's link to the invited address through the
// platform's mail server, and records a mail that gave up on the invitation
// (the inviter sees it, and still has the link to share another way).
func InvitationMail(ctx workflow.Context, in InvitationMailInput) error {
	err := workflow.ExecuteActivity(mailOptions(ctx, time.Hour), ActivitySendInvitationMail, in).Get(ctx, nil)
	if err == nil {
		return nil
	}
	workflow.GetLogger(ctx).Warn("invitation mail not sent", "invitation_id", in.InvitationID, "error", err)
	mark := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         quickRetry(10),
	})
	return workflow.ExecuteActivity(mark, ActivityMarkInvitationMailFailed, MarkInvitationMailFailedInput{
		AccountID: in.AccountID, InvitationID: in.InvitationID, Reason: failureReason(err),
	}).Get(ctx, nil)
}

// PasswordReset issues a reset link and mails it, once per run (the run's id
// keys the link, so a retried activity mails the same link).
func PasswordReset(ctx workflow.Context, in PasswordResetInput) error {
	if in.UserID == 0 {
		return nil
	}
	// A link mailed after its own expiry helps nobody: stop retrying before.
	within := in.TTL / 2
	if within <= 0 {
		within = 30 * time.Minute
	}
	return workflow.ExecuteActivity(mailOptions(ctx, within), ActivitySendPasswordResetMail, SendPasswordResetMailInput{
		AccountID: in.AccountID, UserID: in.UserID, RequestKey: "password-reset:" + workflow.GetInfo(ctx).WorkflowExecution.RunID,
		TTL: in.TTL,
	}).Get(ctx, nil)
}
