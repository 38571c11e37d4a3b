package workflows

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// fakeTeamMail is an in-memory TeamActivities.
type fakeTeamMail struct {
	mu       sync.Mutex
	sendErr  error // what every invitation mail attempt answers
	attempts int
	failed   []MarkInvitationMailFailedInput
	resets   []SendPasswordResetMailInput
}

func (f *fakeTeamMail) SendInvitationMail(context.Context, InvitationMailInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts++
	return f.sendErr
}

func (f *fakeTeamMail) MarkInvitationMailFailed(_ context.Context, in MarkInvitationMailFailedInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failed = append(f.failed, in)
	return nil
}

func (f *fakeTeamMail) SendPasswordResetMail(_ context.Context, in SendPasswordResetMailInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.resets = append(f.resets, in)
	return nil
}

func teamEnv(t *testing.T, f *fakeTeamMail) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterActivityWithOptions(f.SendInvitationMail, activity.RegisterOptions{Name: ActivitySendInvitationMail})
	env.RegisterActivityWithOptions(f.MarkInvitationMailFailed, activity.RegisterOptions{Name: ActivityMarkInvitationMailFailed})
	env.RegisterActivityWithOptions(f.SendPasswordResetMail, activity.RegisterOptions{Name: ActivitySendPasswordResetMail})
	t.Cleanup(func() { env.AssertExpectations(t) })
	return env
}

// A mail server that refuses the address: one attempt, and the invitation
// says the mail failed, with the refusal.
func TestInvitationMailRefusedIsMarkedFailed(t *testing.T) {
	f := &fakeTeamMail{sendErr: temporal.NewNonRetryableApplicationError("refused a@b.c: 550 no such user", ErrTypeInvalidInput, nil)}
	env := teamEnv(t, f)
	env.ExecuteWorkflow(InvitationMail, InvitationMailInput{AccountID: 1, InvitationID: 9})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.attempts != 1 || len(f.failed) != 1 || f.failed[0].InvitationID != 9 || f.failed[0].Reason != "refused a@b.c: 550 no such user" {
		t.Fatalf("attempts %d, marked %+v", f.attempts, f.failed)
	}
}

// A mail server that is down is retried for up to an hour, then the
// invitation says the mail failed.
func TestInvitationMailRetriesThenGivesUp(t *testing.T) {
	f := &fakeTeamMail{sendErr: errors.New("dial tcp: connection refused")}
	env := teamEnv(t, f)
	env.ExecuteWorkflow(InvitationMail, InvitationMailInput{AccountID: 1, InvitationID: 9})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if f.attempts < 5 || len(f.failed) != 1 {
		t.Fatalf("attempts %d, marked %+v", f.attempts, f.failed)
	}
}

// A reset for an address without a login does nothing; one for a user
// mails once, keyed by the run.
func TestPasswordResetMailsOnlyForAUser(t *testing.T) {
	f := &fakeTeamMail{}
	env := teamEnv(t, f)
	env.ExecuteWorkflow(PasswordReset, PasswordResetInput{TTL: time.Hour})
	if err := env.GetWorkflowError(); err != nil || len(f.resets) != 0 {
		t.Fatalf("err %v, resets %+v", err, f.resets)
	}
	env = teamEnv(t, f)
	env.ExecuteWorkflow(PasswordReset, PasswordResetInput{AccountID: 1, UserID: 2, TTL: time.Hour})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(f.resets) != 1 || f.resets[0].UserID != 2 || f.resets[0].RequestKey == "" || f.resets[0].TTL != time.Hour {
		t.Fatalf("resets %+v", f.resets)
	}
}
