package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/sendingo/sendingo/workflows"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
)

// putSchedule updates the Temporal Schedule opts.ID to opts' spec and action
// (and, withState, to its paused state and note), or creates it from opts when
// there is none. It answers "updated" or "created"; a failed update is wrapped
// with what the schedule is, a failed create by createErr.
func (a *Activities) putSchedule(ctx context.Context, what string, opts client.ScheduleOptions, withState bool,
	createErr func(error) error) (string, error) {
	err := a.Temporal.ScheduleClient().GetHandle(ctx, opts.ID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sched := in.Description.Schedule
			sched.Spec, sched.Action = &opts.Spec, opts.Action
			if withState {
				sched.State = &client.ScheduleState{Paused: opts.Paused, Note: opts.Note}
			}
			return &client.ScheduleUpdate{Schedule: &sched}, nil
		},
	})
	var missing *serviceerror.NotFound
	switch {
	case err == nil:
		return "updated", nil
	case !errors.As(err, &missing):
		return "", fmt.Errorf("update %s %s: %w", what, opts.ID, err)
	}
	if _, err := a.Temporal.ScheduleClient().Create(ctx, opts); err != nil {
		return "", createErr(err)
	}
	return "created", nil
}

// workflowAction is a Schedule's action: workflow wf run as id with in, on
// taskQueue, findable by the account's search attribute.
func workflowAction(id string, wf, in any, taskQueue string, accountID int64) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{
		ID:                    id,
		Workflow:              wf,
		Args:                  []any{in},
		TaskQueue:             taskQueue,
		TypedSearchAttributes: workflows.AccountSearchAttributes(accountID),
	}
}
