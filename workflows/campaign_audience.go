package workflows

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// Retargeting: a campaign's outcome (clicked, not clicked, delivered, failed,
// unknown) turned into the members of a group. The job's row holds its resume
// point and counts, advanced in the same transaction as each batch's inserts,
// so a retried batch adds nothing twice and a second run adds nothing at all.

// CampaignAudienceWorkflowID is the ID of the workflow of run `run` of
// audience job id. Each run has its own, so a new run never joins the previous
// one while that is still closing.
func CampaignAudienceWorkflowID(id int64, run int) string {
	return fmt.Sprintf("campaign-audience:%d-%d", id, run)
}

// CampaignAudienceInput starts CampaignAudience.
type CampaignAudienceInput struct {
	AccountID, AudienceID int64
	Run                   int
}

// QueryAudienceProgress answers an AudienceProgress.
const QueryAudienceProgress = "progress"

// AudienceProgress is how far a job has come.
type AudienceProgress struct {
	Total     int64 `json:"total"`     // messages to scan
	Processed int64 `json:"processed"` // messages scanned
	Matched   int64 `json:"matched"`   // customers with the outcome, so far
	Added     int64 `json:"added"`     // of them, those this run added to the group
	Done      bool  `json:"done"`
}

// Activity names of the audience job.
const (
	ActivityAddAudienceBatch = "AddAudienceBatch"
	ActivityFailAudience     = "FailCampaignAudience"
)

// AddAudienceBatchInput asks for the next batch of run Run of the job.
type AddAudienceBatchInput struct {
	AccountID, AudienceID int64
	Run                   int
}

// FailAudienceInput records why run Run of a job stopped.
type FailAudienceInput struct {
	AccountID, AudienceID int64
	Run                   int
	Error                 string
}

// AudienceActivities is what CampaignAudience calls; activities.Activities
// implements it.
type AudienceActivities interface {
	AddAudienceBatch(context.Context, AddAudienceBatchInput) (AudienceProgress, error)
	FailCampaignAudience(context.Context, FailAudienceInput) error
}

// audienceBatchesPerRun bounds the history before continue-as-new.
const audienceBatchesPerRun = 1000

// CampaignAudience adds the customers of a campaign's messages with an outcome
// to a group, batch by batch over the message ids, with a progress query.
func CampaignAudience(ctx workflow.Context, in CampaignAudienceInput) (AudienceProgress, error) {
	var p AudienceProgress
	_ = workflow.SetQueryHandler(ctx, QueryAudienceProgress, func() (AudienceProgress, error) { return p, nil })
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		RetryPolicy:         storeBackoff.retry(10),
	})
	for batch := 1; ; batch++ {
		err := workflow.ExecuteActivity(actx, ActivityAddAudienceBatch, AddAudienceBatchInput(in)).Get(ctx, &p)
		if err != nil {
			_ = workflow.ExecuteActivity(actx, ActivityFailAudience, FailAudienceInput{AccountID: in.AccountID,
				AudienceID: in.AudienceID, Run: in.Run, Error: err.Error()}).Get(ctx, nil)
			return p, err
		}
		if p.Done {
			return p, nil
		}
		if batch >= audienceBatchesPerRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return p, workflow.NewContinueAsNewError(ctx, CampaignAudience, in)
		}
	}
}
