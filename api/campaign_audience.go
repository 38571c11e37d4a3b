package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Retargeting: POST /campaigns/{id}/audience turns the campaign's outcome into
// a group's members, as a CampaignAudience workflow whose progress is kept in
// the job's row (GET /campaigns/{id}/audience/{audience_id}).

type audienceRequest struct {
	Outcome      string `json:"outcome"`
	GroupID      int64  `json:"group_id"`
	NewGroupName string `json:"new_group_name"`
}

func (s *Server) createAudience(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req audienceRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if !slices.Contains(store.Outcomes, req.Outcome) {
		errs.Add("outcome", "must be one of %s", strings.Join(store.Outcomes, ", "))
	}
	req.NewGroupName = checkTargetGroup(&errs, req.GroupID, req.NewGroupName, "to add the customers to")
	if errs.Abort(c) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	camp, err := s.store.Campaign(ctx, acc, id)
	if !storeErr(c, err, "campaign") {
		return
	}
	if camp.Status == store.CampaignDraft {
		conflict(c, fmt.Sprintf("campaign %d is a draft; it has no outcomes yet", id))
		return
	}
	job, err := s.store.BeginCampaignAudience(ctx, acc, id, req.Outcome, req.GroupID, req.NewGroupName)
	if !storeErr(c, err, "group") {
		return
	}
	// One workflow per run of the job: a run still going is joined (or, if its
	// workflow is gone, started again from the job's resume point); a finished
	// job runs again as a new run, adding nothing its first run added.
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.CampaignAudienceWorkflowID(job.ID, job.Run),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.AccountSearchAttributes(acc),
	}, workflows.CampaignAudience, workflows.CampaignAudienceInput{AccountID: acc, AudienceID: job.ID, Run: job.Run})
	if err != nil {
		// The job's row says running; starting it again (the same request)
		// resumes it from its resume point.
		workflowEngineDown(c, err, "the job is recorded but not running; send the same request again shortly to start it")
		return
	}
	s.log.Info("campaign audience started", "account_id", acc, "campaign_id", id, "audience_id", job.ID,
		"outcome", job.Outcome, "group_id", job.GroupID)
	c.Header("Location", fmt.Sprintf("/api/v1/campaigns/%d/audience/%d", id, job.ID))
	c.JSON(http.StatusAccepted, job)
}

func (s *Server) getAudience(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	aid, ok := pathID(c, "audience_id")
	if !ok {
		return
	}
	job, err := s.store.CampaignAudience(c.Request.Context(), account(c), id, aid)
	if !storeErr(c, err, "campaign audience") {
		return
	}
	c.JSON(http.StatusOK, job)
}
