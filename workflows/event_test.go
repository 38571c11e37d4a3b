package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
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
	if len(f.got) != 1 || f.got[0].AccountID != 7 || f.got[0].EventID != 9 || !f.got[0].At.Equal(start) || !f.got[0].RunAt.Equal(start) {
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

// A run its Schedule started late (the worker was down at the reminder time,
// and the Schedule caught up after midnight) asks for the day it was due on,
// and says when it ran, so the day's reminder is not mistaken for the next's.
func TestReminderAsksForTheDayItWasScheduledFor(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	due := time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC) // 23:30 in Seoul
	ran := due.Add(40 * time.Minute)                     // 00:10 the next day
	env.SetStartTime(ran)
	if err := env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(scheduledStartKey.ValueSet(due))); err != nil {
		t.Fatal(err)
	}
	f := &fakeReminder{answer: PrepareReminderResult{Day: "2026-03-02", Skipped: "late"}}
	env.RegisterWorkflow(AttendanceReminder)
	env.RegisterActivityWithOptions(f.PrepareReminder, activity.RegisterOptions{Name: ActivityPrepareReminder})
	(&childRecorder{}).register(env)

	env.ExecuteWorkflow(AttendanceReminder, ReminderInput{AccountID: 7, EventID: 9})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	if len(f.got) != 1 || !f.got[0].At.Equal(due) || !f.got[0].RunAt.Equal(ran) {
		t.Fatalf("prepare got %+v, want At %s and RunAt %s", f.got, due, ran)
	}
}
