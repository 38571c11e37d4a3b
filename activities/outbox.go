package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// sweepBatch is the most owed items one sweep starts.
const sweepBatch = 200

// SweepOutbox starts the workflows the outbox still owes, for work older than
// in.Grace (younger work is the API's, which starts it right after its commit):
// the Campaign workflow of a draft notice campaign (which begins the draft; a
// campaign no longer a draft owes nothing), the mail of an invitation (one
// whose mail has an outcome, or that is gone, owes nothing), the reminder
// Schedule sync of an event, a new tier's stock monitor, and the sync of every campaign schedule whose Temporal Schedule does
// not match its row. Starting is idempotent (the workflow IDs are the work's), so the API and
// the sweeper may both start the same work; it is done once.
func (a *Activities) SweepOutbox(ctx context.Context, in workflows.SweepOutboxInput) (workflows.SweepOutboxResult, error) {
	var out workflows.SweepOutboxResult
	if a.Temporal == nil {
		return out, temporal.NewNonRetryableApplicationError("no Temporal client is configured", workflows.ErrTypeInvalidState, nil)
	}
	items, err := a.Store.PendingOutbox(ctx, time.Now().Add(-in.Grace), sweepBatch)
	if err != nil {
		return out, err
	}
	taskQueue := activity.GetInfo(ctx).TaskQueue
	for _, it := range items {
		activity.RecordHeartbeat(ctx, it.ID)
		done, err := a.sweepItem(ctx, taskQueue, it)
		switch {
		case err != nil:
			out.Failed++
			a.Log.Warn("outbox item not started; the next sweep tries again", "kind", it.Kind, "ref_id", it.RefID,
				"account_id", it.AccountID, "error", err)
		case done:
			out.Cleared++
		default:
			out.Started++
			a.Log.Info("outbox item started", "kind", it.Kind, "ref_id", it.RefID, "account_id", it.AccountID,
				"owed_since", it.CreatedAt)
		}
	}
	// Campaign schedules keep what they owe on their rows (see
	// reconcileCampaignSchedules); the same sweep catches them up.
	signalled, failed, err := a.reconcileCampaignSchedules(ctx, taskQueue, in.Grace)
	out.Started += signalled
	out.Failed += failed
	if err != nil {
		a.Log.Warn("campaign schedules not reconciled; the next sweep tries again", "error", err)
	}
	return out, nil
}

// sweepItem starts the work of one item; done means there was none left (the
// item is cleared).
func (a *Activities) sweepItem(ctx context.Context, taskQueue string, it store.OutboxItem) (bool, error) {
	switch it.Kind {
	case store.OutboxCampaignStart:
		c, err := a.Store.Campaign(ctx, it.AccountID, it.RefID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && c.Status != store.CampaignDraft) {
			return true, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID)
		}
		if err != nil {
			return false, err
		}
		_, err = a.Temporal.ExecuteWorkflow(ctx, workflows.CampaignStartOptions(taskQueue, it.AccountID, it.RefID, 1),
			workflows.Campaign, workflows.CampaignInput{AccountID: it.AccountID, CampaignID: it.RefID, Run: 1})
		if err != nil {
			return false, fmt.Errorf("start campaign %d: %w", it.RefID, err)
		}
		return false, nil
	case store.OutboxInvitationMail:
		// Owed no more: gone (withdrawn, replaced), its mail has an outcome,
		// or it can no longer be used (accepted, expired), which the mail
		// workflow would skip without an outcome.
		inv, err := a.Store.Invitation(ctx, it.AccountID, it.RefID)
		if errors.Is(err, store.ErrNotFound) ||
			(err == nil && (inv.MailStatus != store.MailPending || inv.Accepted() || !time.Now().Before(inv.ExpiresAt))) {
			return true, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID)
		}
		if err != nil {
			return false, err
		}
		run, err := a.Temporal.ExecuteWorkflow(ctx, workflows.InvitationMailStartOptions(taskQueue, it.AccountID, it.RefID),
			workflows.InvitationMail, workflows.InvitationMailInput{AccountID: it.AccountID, InvitationID: it.RefID})
		if err != nil {
			return false, fmt.Errorf("start the mail of invitation %d: %w", it.RefID, err)
		}
		// A start after the workflow ended joins that run: it did what it
		// could (its last step failed to record the outcome), and starting
		// it again would not run it again, so nothing more is owed.
		d, err := a.Temporal.DescribeWorkflowExecution(ctx, run.GetID(), run.GetRunID())
		if err != nil {
			return false, fmt.Errorf("describe the mail of invitation %d: %w", it.RefID, err)
		}
		if d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return true, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID)
		}
		return false, nil
	case store.OutboxStockMonitor:
		ts, err := a.Store.TierStock(ctx, it.AccountID, it.RefID)
		if errors.Is(err, store.ErrNotFound) {
			return true, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID) // the tier is gone: no monitor owed
		}
		if err != nil {
			return false, err
		}
		if err := workflows.SignalStockMonitor(ctx, a.Temporal, taskQueue, it.AccountID, ts.EventID, ts.TierID,
			workflows.StockChanged{Version: ts.Version, Stock: ts.Stock, Threshold: ts.Threshold}); err != nil {
			return false, fmt.Errorf("start the stock monitor of tier %d: %w", it.RefID, err)
		}
		// Started (or found running) with the tier's stock: from here the
		// monitor keeps up by itself.
		return false, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID)
	case store.OutboxReminderSchedule:
		_, err := workflows.SignalReminderScheduleSync(ctx, a.Temporal, taskQueue, it.AccountID, it.RefID)
		if err != nil {
			return false, fmt.Errorf("sync reminder schedule of event %d: %w", it.RefID, err)
		}
		return false, nil
	}
	a.Log.Error("unknown outbox kind; dropped", "kind", it.Kind, "ref_id", it.RefID)
	return true, a.Store.ClearOutbox(ctx, it.Kind, it.RefID, it.ID)
}
