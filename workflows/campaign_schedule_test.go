package workflows

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
)

// A run with nothing to send starts no campaign; a run with a campaign sends it
// as a Campaign child and answers how it ended.
func TestScheduledCampaignSkipsOrSendsAsAChild(t *testing.T) {
	t.Run("skipped", func(t *testing.T) {
		var s testsuite.WorkflowTestSuite
		env := s.NewTestWorkflowEnvironment()
		env.RegisterWorkflow(ScheduledCampaign)
		env.RegisterWorkflow(Campaign)
		env.RegisterActivityWithOptions(func(context.Context, StartScheduledCampaignInput) (StartScheduledCampaignResult, error) {
			return StartScheduledCampaignResult{Skipped: "the audience is empty"}, nil
		}, activity.RegisterOptions{Name: ActivityStartScheduledCampaign})
		env.ExecuteWorkflow(ScheduledCampaign, ScheduledCampaignInput{AccountID: 1, ScheduleID: 2})
		var r ScheduledCampaignResult
		if err := env.GetWorkflowResult(&r); err != nil || r.Skipped != "the audience is empty" || r.CampaignID != 0 {
			t.Fatalf("result %+v (%v)", r, err)
		}
	})
	t.Run("sent", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 3)
		f.start = StartCampaignResult{Timezone: "Asia/Seoul", Status: "running"}
		var asked StartScheduledCampaignInput
		f.register = func(env *testsuite.TestWorkflowEnvironment) {
			env.RegisterWorkflow(ScheduledCampaign)
			env.RegisterActivityWithOptions(func(_ context.Context, in StartScheduledCampaignInput) (StartScheduledCampaignResult, error) {
				asked = in
				return StartScheduledCampaignResult{CampaignID: 9}, nil
			}, activity.RegisterOptions{Name: ActivityStartScheduledCampaign})
		}
		env := f.newEnv(t0)
		env.ExecuteWorkflow(ScheduledCampaign, ScheduledCampaignInput{AccountID: 1, ScheduleID: 2})
		var r ScheduledCampaignResult
		if err := env.GetWorkflowResult(&r); err != nil || r.CampaignID != 9 || r.Counts.Delivered != 3 {
			t.Fatalf("result %+v (%v)", r, err)
		}
		if asked.ScheduleID != 2 || !asked.ScheduledFor.Equal(t0) {
			t.Fatalf("asked for %+v, want schedule 2 at %v", asked, t0)
		}
	})
}

// A change signalled while a sync runs gets a sync of its own before the
// workflow ends.
func TestCampaignScheduleSyncRunsAgainForAChangeDuringASync(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(CampaignScheduleSync)
	var syncs atomic.Int32
	sync := func(context.Context, SyncCampaignScheduleInput) (SyncCampaignScheduleResult, error) {
		return SyncCampaignScheduleResult{Action: "updated", Version: int64(syncs.Add(1))}, nil
	}
	env.RegisterActivityWithOptions(sync, activity.RegisterOptions{Name: ActivitySyncCampaignSchedule})
	// Each sync takes a second of workflow time; the change arrives mid-sync.
	env.OnActivity(ActivitySyncCampaignSchedule, mock.Anything, mock.Anything).After(time.Second).Return(sync)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignScheduleChanged, nil) }, 500*time.Millisecond)
	env.ExecuteWorkflow(CampaignScheduleSync, CampaignScheduleSyncInput{AccountID: 1, ScheduleID: 2})
	var r SyncCampaignScheduleResult
	if err := env.GetWorkflowResult(&r); err != nil || syncs.Load() != 2 || r.Version != 2 {
		t.Fatalf("%d syncs, result %+v (%v); want 2", syncs.Load(), r, err)
	}
}
