package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Campaign send tuning.
const (
	audienceBatch = 5000 // recipients rendered and inserted per statement
	// sendSlice is how many messages of a chunk one Router.Send carries.
	sendSlice = 2500
	// relayFaultAttempts is how many times a chunk retries messages no relay
	// would take before it records them failed.
	relayFaultAttempts = 10
	reportPageLimit    = 5000
	reportPagesPerPoll = 40
	// reportApplyDepth is how many pages of one relay's reports are written
	// at once: one transaction at a time left a core idle after the send.
	reportApplyDepth = 2
)

// StartCampaign begins the workflow's run of the campaign and loads what the
// workflow needs to know about it. It is the workflow's first step and the only
// place a send or a retry changes the database before anything is sent, so a
// send that reached Temporal is never half done: run 1 moves a draft to
// scheduled or running (freezing the template's content), a later run resets the
// finished campaign's failed messages to pending. Both are idempotent (the API
// makes the same change right after starting the workflow, to answer with it). A
// workflow whose run has already been done or superseded by another is told to
// Skip.
func (a *Activities) StartCampaign(ctx context.Context, in workflows.StartCampaignInput) (workflows.StartCampaignResult, error) {
	if by := in.RequestedBy; by != nil {
		// The change below is audited as made by whoever asked for it.
		actor := store.Actor{Kind: by.Kind, Name: by.Name, IP: by.IP, RequestID: by.RequestID}
		if by.Kind == store.ActorAPIKey {
			actor.KeyID = by.ID
		} else {
			actor.UserID = by.ID
		}
		ctx = store.WithActor(ctx, actor)
	}
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return workflows.StartCampaignResult{}, classify(err)
	}
	tz, err := a.Store.AccountTimezone(ctx, in.AccountID)
	if err != nil {
		return workflows.StartCampaignResult{}, classify(err)
	}
	skip := func() (workflows.StartCampaignResult, error) {
		a.Log.Info("campaign workflow has nothing to do", "account_id", in.AccountID, "campaign_id", in.CampaignID,
			"run", in.Run, "campaign_run", c.Run, "status", c.Status)
		return workflows.StartCampaignResult{Status: c.Status, Skip: true}, nil
	}
	switch {
	case in.Run == 0: // recorded before runs were passed: the API began the send
	case in.Run == 1 && c.Status == store.CampaignDraft:
		// The template cannot be gone: campaigns reference it (a foreign key).
		tpl, err := a.Store.Template(ctx, in.AccountID, c.TemplateID)
		if err != nil {
			return workflows.StartCampaignResult{}, classify(fmt.Errorf("template of campaign %d: %w", c.ID, err))
		}
		status := store.CampaignRunning
		if c.ScheduledAt.After(time.Now()) {
			status = store.CampaignScheduled
		}
		if _, err := a.Store.BeginSend(ctx, in.AccountID, c.ID, tpl, status); err != nil {
			return workflows.StartCampaignResult{}, err
		}
		if c, err = a.Store.Campaign(ctx, in.AccountID, in.CampaignID); err != nil {
			return workflows.StartCampaignResult{}, classify(err)
		}
	case c.Run > in.Run:
		return skip() // a later run exists
	case c.Run < in.Run:
		if _, err := a.Store.RetryCampaign(ctx, in.AccountID, c.ID, in.Run); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return skip() // not finished, or nothing failed: nothing to retry
			}
			return workflows.StartCampaignResult{}, classify(err)
		}
		if c, err = a.Store.Campaign(ctx, in.AccountID, in.CampaignID); err != nil {
			return workflows.StartCampaignResult{}, classify(err)
		}
	case c.Status == store.CampaignCompleted || c.Status == store.CampaignFailed:
		return skip() // this run has been done by an earlier workflow
	}
	out := workflows.StartCampaignResult{Timezone: tz, Ad: c.Content.Advertisement, Status: c.Status}
	if store.IsSet(c.ScheduledAt) {
		out.ScheduledAt = c.ScheduledAt
	}
	return out, nil
}

// SetCampaignStatus records the campaign's status.
func (a *Activities) SetCampaignStatus(ctx context.Context, in workflows.SetStatusInput) error {
	return a.Store.SetCampaignStatus(ctx, in.AccountID, in.CampaignID, in.Status)
}

// FinalizeCampaign aggregates the campaign's counts with SQL into its row and
// tells the operators how the run ended (campaign.completed, .failed,
// .cancelled; reminder.sent for an attendance reminder).
func (a *Activities) FinalizeCampaign(ctx context.Context, in workflows.FinalizeInput) (workflows.FinalizeResult, error) {
	c, err := a.Store.FinalizeCampaign(ctx, keyOf(in.AccountID, in.CampaignID), in.Status)
	if err != nil {
		return workflows.FinalizeResult{}, classify(err)
	}
	a.Log.Info("campaign finished", "account_id", in.AccountID, "campaign_id", in.CampaignID, "status", in.Status,
		"total", c.Total, "delivered", c.Delivered, "failed", c.Failed, "unknown", c.Unknown)
	camp, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return workflows.FinalizeResult{}, classify(err)
	}
	if err := a.notify(ctx, in.AccountID, campaignNotice(camp)); err != nil {
		return workflows.FinalizeResult{}, err
	}
	res := workflows.FinalizeResult{Counts: workflows.Counts{Total: c.Total, Pending: c.Pending + c.Sending, Sent: c.Sent,
		Delivered: c.Delivered, Failed: c.Failed, Unknown: c.Unknown, Fallback: c.Fallback}}
	for _, r := range c.Reported {
		res.Reported = append(res.Reported, workflows.RelayCounts{RelayID: r.RelayID, Delivered: r.Delivered, Failed: r.Failed})
	}
	return res, nil
}

// accountSettings are the account values rendering depends on.
func (a *Activities) accountSettings(ctx context.Context, accountID int64) (render.AccountSettings, error) {
	acc, err := a.Store.Account(ctx, accountID)
	if err != nil {
		return render.AccountSettings{}, err
	}
	return render.AccountSettings{Name: acc.Name, OptoutNumber: acc.OptoutNumber}, nil
}

// heartbeatEvery heartbeats until the returned function is called, each
// heartbeat carrying what details answers then (nothing when details is nil).
func heartbeatEvery(ctx context.Context, d time.Duration, details func() any) func() {
	beat := func() {
		if details == nil {
			activity.RecordHeartbeat(ctx)
			return
		}
		activity.RecordHeartbeat(ctx, details())
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				beat()
			}
		}
	}()
	beat()
	return func() { close(done) }
}

// keyOf is the store's key of a workflow's campaign.
func keyOf(accountID, campaignID int64) store.CampaignKey {
	return store.CampaignKey{AccountID: accountID, ID: campaignID}
}
