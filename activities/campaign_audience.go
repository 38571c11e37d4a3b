package activities

import (
	"context"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// AddAudienceBatch runs the next batch of a retargeting job (see
// store.AddAudienceBatch): idempotent, since the resume point moves in the
// batch's transaction.
func (a *Activities) AddAudienceBatch(ctx context.Context, in workflows.AddAudienceBatchInput) (workflows.AudienceProgress, error) {
	j, err := a.Store.AddAudienceBatch(ctx, in.AccountID, in.AudienceID, in.Run)
	if err != nil {
		return workflows.AudienceProgress{}, classify(err)
	}
	return workflows.AudienceProgress{Total: j.Total, Processed: j.Processed, Matched: j.Matched, Added: j.Added,
		Done: j.Status != store.AudienceRunning || j.Run != in.Run}, nil
}

// FailCampaignAudience records why a retargeting job stopped.
func (a *Activities) FailCampaignAudience(ctx context.Context, in workflows.FailAudienceInput) error {
	return a.Store.FailCampaignAudience(ctx, in.AccountID, in.AudienceID, in.Run, in.Error)
}
