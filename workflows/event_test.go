package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

type fakeReminder struct {
	got    []PrepareReminderInput
	answer PrepareReminderResult
}

func (f *fakeReminder) PrepareReminder(_ context.Context, in PrepareReminderInput) (PrepareReminderResult, error) {
	f.got = append(f.got, in)
	return f.answer, nil
}

// childRecorder stands in for the Campaign workflow.
type childRecorder struct {
	ids    []string
	inputs []CampaignInput
}

func (c *childRecorder) register(env *testsuite.TestWorkflowEnvironment) {
	env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in CampaignInput) (FinalizeResult, error) {
		c.ids = append(c.ids, workflow.GetInfo(ctx).WorkflowExecution.ID)
		c.inputs = append(c.inputs, in)
		return FinalizeResult{}, nil
	}, workflow.RegisterOptions{Name: "Campaign"})
}

// The run asks for the campaign of the day it runs on and starts it as the
// Campaign child with the campaign's workflow ID.
func TestReminderStartsTheDaysCampaignAsAChild(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	start := time.Date(2026, 3, 2, 11, 0, 0, 0, time.UTC) // 20:00 in Seoul
	env.SetStartTime(start)
	f := &fakeReminder{answer: PrepareReminderResult{Day: "2026-03-02", CampaignID: 42}}
	env.RegisterWorkflow(AttendanceReminder)
	env.RegisterActivityWithOptions(f.PrepareReminder, activity.RegisterOptions{Name: ActivityPrepareReminder})
	child := &childRecorder{}
	child.register(env)

	env.ExecuteWorkflow(AttendanceReminder, ReminderInput{AccountID: 7, EventID: 9})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res ReminderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.CampaignID != 42 || res.Day != "2026-03-02" || res.Skipped != "" {
		t.Fatalf("result %+v", res)
	}
	if len(f.got) != 1 || f.got[0].AccountID != 7 || f.got[0].EventID != 9 || !f.got[0].At.Equal(start) {
		t.Fatalf("prepare got %+v", f.got)
	}
	if len(child.ids) != 1 || child.ids[0] != "campaign:42" ||
		child.inputs[0] != (CampaignInput{AccountID: 7, CampaignID: 42, Run: 1}) {
		t.Fatalf("children %v %+v", child.ids, child.inputs)
	}
}

// A day the event does not run on sends nothing and does not fail.
func TestReminderSkipsWithoutAChild(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeReminder{answer: PrepareReminderResult{Day: "2026-04-01", Skipped: "the event runs from 2026-03-01 to 2026-03-31"}}
	env.RegisterWorkflow(AttendanceReminder)
	env.RegisterActivityWithOptions(f.PrepareReminder, activity.RegisterOptions{Name: ActivityPrepareReminder})
	child := &childRecorder{}
	child.register(env)

	env.ExecuteWorkflow(AttendanceReminder, ReminderInput{AccountID: 7, EventID: 9})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res ReminderResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Skipped == "" || res.CampaignID != 0 || len(child.ids) != 0 {
		t.Fatalf("result %+v, children %v", res, child.ids)
	}
}
