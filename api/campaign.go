package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/sendingo/sendingo/campaign"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// campaignJSON is a campaign as the API shows it.
type campaignJSON struct {
	store.Campaign
	ScheduledAt *time.Time `json:"scheduled_at"`
	StartedAt   *time.Time `json:"started_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

func timeOrNil(t time.Time) *time.Time {
	if !store.IsSet(t) {
		return nil
	}
	return &t
}

func toCampaignJSON(c store.Campaign) campaignJSON {
	return campaignJSON{Campaign: c, ScheduledAt: timeOrNil(c.ScheduledAt), StartedAt: timeOrNil(c.StartedAt),
		CompletedAt: timeOrNil(c.CompletedAt)}
}

type campaignRequest struct {
	Name        *string        `json:"name"`
	TemplateID  *int64         `json:"template_id"`
	GroupIDs    *[]int64       `json:"group_ids"`
	Routing     *store.Routing `json:"routing"`
	ScheduledAt *string        `json:"scheduled_at"`
}

// apply merges the request into n and validates it.
func (r campaignRequest) apply(n *store.NewCampaign) Fields {
	var errs Fields
	if r.Name != nil {
		n.Name = strings.TrimSpace(*r.Name)
	}
	if n.Name == "" || utf8.RuneCountInString(n.Name) > 200 {
		errs.Add("name", "is required, at most 200 characters")
	}
	if r.TemplateID != nil {
		n.TemplateID = *r.TemplateID
	}
	if n.TemplateID <= 0 {
		errs.Add("template_id", "is required")
	}
	if r.GroupIDs != nil {
		n.GroupIDs = *r.GroupIDs
	}
	if len(n.GroupIDs) == 0 {
		errs.Add("group_ids", "is required: the groups to send to")
	}
	for _, id := range n.GroupIDs {
		if id <= 0 {
			errs.Add("group_ids", "ids must be positive numbers")
			break
		}
	}
	if r.Routing != nil {
		n.Routing = *r.Routing
	}
	checkRoutingRules(&n.Routing, "routing", &errs)
	if r.ScheduledAt != nil {
		if *r.ScheduledAt == "" {
			n.ScheduledAt = time.Time{}
		} else if t, err := time.Parse(time.RFC3339, *r.ScheduledAt); err != nil {
			errs.Add("scheduled_at", "must be an RFC 3339 time such as 2026-12-01T09:00:00+09:00")
		} else {
			n.ScheduledAt = t.UTC()
		}
	}
	return errs
}

func newCampaignOf(c store.Campaign) store.NewCampaign {
	return store.NewCampaign{Name: c.Name, TemplateID: c.TemplateID, AudienceKind: c.AudienceKind, GroupIDs: c.GroupIDs,
		CustomerIDs: c.CustomerIDs, Variables: c.Variables, EventID: c.EventID, Routing: c.Routing,
		EventDay: setOrZero(c.EventDay), ScheduledAt: setOrZero(c.ScheduledAt)}
}

// setOrZero is a stored time as a request carries it: zero when unset.
func setOrZero(t time.Time) time.Time {
	if store.IsSet(t) {
		return t
	}
	return time.Time{}
}

func (s *Server) createCampaign(c *gin.Context) {
	var req campaignRequest
	if !bindJSON(c, &req) {
		return
	}
	var n store.NewCampaign
	if req.apply(&n).Abort(c) {
		return
	}
	camp, err := s.store.CreateCampaign(c.Request.Context(), account(c), n)
	if !storeErr(c, err, "campaign") {
		return
	}
	c.Header("Location", "/api/v1/campaigns/"+itoa(camp.ID))
	c.JSON(http.StatusCreated, toCampaignJSON(camp))
}

func (s *Server) updateCampaign(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req campaignRequest
	if !bindJSON(c, &req) {
		return
	}
	cur, err := s.store.Campaign(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "campaign") {
		return
	}
	if cur.Status != store.CampaignDraft {
		conflict(c, fmt.Sprintf("campaign %d is %s; only drafts can be changed", id, cur.Status))
		return
	}
	n := newCampaignOf(cur)
	if req.apply(&n).Abort(c) {
		return
	}
	camp, err := s.store.UpdateCampaign(c.Request.Context(), account(c), id, n)
	if !storeErr(c, err, "campaign") {
		return
	}
	c.JSON(http.StatusOK, toCampaignJSON(camp))
}

func (s *Server) getCampaign(c *gin.Context) {
	camp, ok := pathRow(c, "campaign", s.store.Campaign)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, toCampaignJSON(camp))
}

func (s *Server) listCampaigns(c *gin.Context) {
	listPage(c, "campaigns", s.store.Campaigns, toCampaignJSON, func(x store.Campaign) string { return store.Cursor(x.ID) })
}

func (s *Server) deleteCampaign(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !storeErr(c, s.store.DeleteCampaign(c.Request.Context(), account(c), id), "campaign") {
		return
	}
	c.Status(http.StatusNoContent)
}

// sendCampaign starts the send. Everything that would make it fail for all or
// some recipients is checked first, and refused with the reason, before any
// message exists: no enabled relay for the channel, no recipients, customers
// without a variable the template needs (listed). A second call answers 202
// with the campaign as it is: one workflow per campaign.
func (s *Server) sendCampaign(c *gin.Context) {
	ctx, acc := c.Request.Context(), account(c)
	camp, ok := pathRow(c, "campaign", s.store.Campaign)
	if !ok {
		return
	}
	id := camp.ID
	if camp.Status != store.CampaignDraft {
		c.Header("Location", "/api/v1/campaigns/"+itoa(id)+"/progress")
		c.JSON(http.StatusAccepted, toCampaignJSON(camp))
		return
	}
	ready, err := s.campaigns.CheckSend(ctx, camp)
	if !sendRefused(c, err) {
		return
	}

	// The workflow is started first, under the campaign's ID: its first activity
	// moves the draft to running (or scheduled), so a send either reached
	// Temporal, and then happens, or did not, and then nothing has changed.
	if err := s.campaigns.Start(ctx, acc, id, 1, requestedBy(ctx)); err != nil {
		workflowEngineDown(c, err, fmt.Sprintf("campaign %d was not started and is still a draft; try again", id))
		return
	}
	// The same change the workflow makes, made here too so the answer shows it;
	// whichever comes first makes it.
	status := store.CampaignRunning
	if camp.ScheduledAt.After(time.Now()) {
		status = store.CampaignScheduled
	}
	if _, err := s.store.BeginSend(ctx, acc, id, ready.Template, status); err != nil {
		s.log.Warn("begin send; the campaign's workflow makes the change", "campaign_id", id, "error", err)
	}
	s.log.Info("campaign send started", "account_id", acc, "campaign_id", id, "recipients", ready.Recipients)
	camp, err = s.store.Campaign(ctx, acc, id)
	if !storeErr(c, err, "campaign") {
		return
	}
	c.Header("Location", "/api/v1/campaigns/"+itoa(id)+"/progress")
	c.JSON(http.StatusAccepted, toCampaignJSON(camp))
}

// temporalCallTimeout bounds a request's wait for Temporal: an unreachable
// Temporal answers 503 in this time rather than holding the request.
const temporalCallTimeout = campaign.TemporalCallTimeout

// workflowEngineDown answers 503 for a Temporal call that failed, saying what
// that means for the request (detail); the cause is logged, not shown.
func workflowEngineDown(c *gin.Context, err error, detail string) {
	_ = c.Error(err)
	c.Header("Retry-After", "10")
	problem(c, http.StatusServiceUnavailable, "workflow-engine-unavailable", "Workflow engine unavailable", detail)
}

// sendRefused answers a send's refusal (campaign.CheckSend) and reports
// whether the send may go on.
func sendRefused(c *gin.Context, err error) bool {
	var refused *campaign.Refusal
	var invalid *render.InvalidTemplateError
	switch {
	case err == nil:
		return true
	case errors.As(err, &refused):
		writeProblem(c, Problem{Type: ProblemBase + refused.Slug, Title: refused.Title,
			Status: http.StatusUnprocessableEntity, Detail: refused.Detail, Extensions: refused.Extensions})
	case errors.As(err, &invalid):
		renderProblem(c, invalid)
	default:
		storeErr(c, err, "campaign")
	}
	return false
}

// requestedBy is the request's actor as the campaign workflow carries it: its
// first activity may begin the send (or the retry) before the API does, and
// then records it in the audit log as done by this caller.
func requestedBy(ctx context.Context) *workflows.Actor {
	a := store.ActorFrom(ctx)
	if a.Kind == store.ActorSystem {
		return nil
	}
	return &workflows.Actor{Kind: a.Kind, ID: a.ID(), Name: a.Name, IP: a.IP, RequestID: a.RequestID}
}

// campaignProgress answers live progress from the workflow while it runs, and
// the stored counts once it has finished (or before it started).
func (s *Server) campaignProgress(c *gin.Context) {
	ctx := c.Request.Context()
	camp, ok := pathRow(c, "campaign", s.store.Campaign)
	if !ok {
		return
	}
	id := camp.ID
	switch camp.Status {
	case store.CampaignScheduled, store.CampaignRunning, store.CampaignPaused:
		v, err := s.temporal.QueryWorkflow(ctx, workflows.CampaignWorkflowID(id), "", workflows.QueryCampaignProgress)
		if err == nil {
			var p workflows.CampaignProgress
			if err := v.Get(&p); err == nil {
				c.JSON(http.StatusOK, progressJSON{CampaignID: id, Status: camp.Status, LeftOut: camp.LeftOut, CampaignProgress: p})
				return
			}
		}
		s.log.Warn("campaign progress query failed; answering stored counts", "campaign_id", id, "error", err)
	}
	c.JSON(http.StatusOK, storedProgress(camp))
}

type progressJSON struct {
	CampaignID int64  `json:"campaign_id"`
	Status     string `json:"status"`
	// LeftOut is the campaign's left_out as stored (it grows while a
	// pipelined prepare goes on).
	LeftOut int64 `json:"left_out"`
	workflows.CampaignProgress
}

// controlAudit is the audit action of each campaign control.
var controlAudit = map[string]string{
	workflows.ControlPause:  store.AuditCampaignPause,
	workflows.ControlResume: store.AuditCampaignResume,
	workflows.ControlCancel: store.AuditCampaignCancel,
}

// signalCampaign handles pause, resume and cancel: one control signal to the
// workflow, which acts on them in the order they arrive (chunks in flight finish
// on a pause; a cancel cancels them, and a report poll in progress).
func (s *Server) signalCampaign(action string, allowed ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c, "id")
		if !ok {
			return
		}
		ctx, acc := c.Request.Context(), account(c)
		camp, err := s.store.Campaign(ctx, acc, id)
		if !storeErr(c, err, "campaign") {
			return
		}
		ok = false
		for _, st := range allowed {
			ok = ok || camp.Status == st
		}
		if !ok {
			conflict(c, fmt.Sprintf("campaign %d is %s; %s needs it to be %s", id, camp.Status, action, strings.Join(allowed, " or ")))
			return
		}
		sctx, cancel := context.WithTimeout(ctx, temporalCallTimeout)
		defer cancel()
		err = s.temporal.SignalWorkflow(sctx, workflows.CampaignWorkflowID(id), "", workflows.SignalCampaignControl,
			workflows.CampaignControl{Action: action})
		var nf *serviceerror.NotFound
		switch {
		case errors.As(err, &nf) && action == workflows.ControlCancel:
			// No workflow runs the campaign (it ended without finishing the row):
			// cancelling it is then finishing the row, so it is never stuck.
			cancelled, err := s.store.CancelStrandedCampaign(ctx, store.CampaignKey{AccountID: acc, ID: id})
			if !storeErr(c, err, "campaign") {
				return
			}
			if !cancelled {
				conflict(c, fmt.Sprintf("campaign %d is no longer running", id))
				return
			}
			s.log.Warn("cancelled a campaign no workflow was running", "account_id", acc, "campaign_id", id)
			c.Header("Location", "/api/v1/campaigns/"+itoa(id)+"/progress")
			c.JSON(http.StatusAccepted, gin.H{"campaign_id": id, "requested": action, "status": store.CampaignCancelled})
			return
		case errors.As(err, &nf):
			conflict(c, fmt.Sprintf("campaign %d is no longer running", id))
			return
		case err != nil:
			workflowEngineDown(c, err, fmt.Sprintf("the %s of campaign %d was not delivered; try again", action, id))
			return
		}
		// A signal is no database change: its audit entry follows it.
		if err := s.store.RecordAudit(ctx, acc, store.Change{Action: controlAudit[action], Subject: store.SubjectCampaign,
			SubjectID: id, Before: gin.H{"status": camp.Status}}); err != nil {
			s.log.Error("audit campaign control", "campaign_id", id, "action", action, "error", err)
		}
		c.Header("Location", "/api/v1/campaigns/"+itoa(id)+"/progress")
		c.JSON(http.StatusAccepted, gin.H{"campaign_id": id, "requested": action, "status": camp.Status})
	}
}

// retryFailed re-sends only the failed messages, as a new run of the campaign's
// workflow. As with a send, the workflow is started first and its first
// activity resets the failed messages, so a retry that did not reach Temporal
// changed nothing.
func (s *Server) retryFailed(c *gin.Context) {
	ctx, acc := c.Request.Context(), account(c)
	camp, ok := pathRow(c, "campaign", s.store.Campaign)
	if !ok {
		return
	}
	id := camp.ID
	switch {
	case camp.Status != store.CampaignCompleted && camp.Status != store.CampaignFailed:
		conflict(c, fmt.Sprintf("campaign %d is %s; only a finished campaign can retry its failed messages", id, camp.Status))
		return
	case camp.Failed == 0:
		conflict(c, fmt.Sprintf("campaign %d has no failed messages to retry", id))
		return
	}
	run := camp.Run + 1
	err := s.campaigns.Start(ctx, acc, id, run, requestedBy(ctx))
	var running *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &running) {
		// The finished run's workflow may still be closing (the campaign is
		// finished before its workflow is): wait for it, then try once more.
		wctx, cancel := context.WithTimeout(ctx, temporalCallTimeout)
		_ = s.temporal.GetWorkflow(wctx, workflows.CampaignWorkflowID(id), "").Get(wctx, nil)
		cancel()
		err = s.campaigns.Start(ctx, acc, id, run, requestedBy(ctx))
	}
	switch {
	case errors.As(err, &running):
		conflict(c, fmt.Sprintf("campaign %d is running again already", id))
		return
	case err != nil:
		workflowEngineDown(c, err, fmt.Sprintf("the retry of campaign %d was not started; nothing changed; try again", id))
		return
	}
	// The reset the workflow makes, made here too so the answer shows it.
	reset, err := s.store.RetryCampaign(ctx, acc, id, run)
	if err != nil {
		s.log.Warn("retry reset; the campaign's workflow makes it", "campaign_id", id, "error", err)
	}
	if reset == 0 {
		reset = camp.Failed
	}
	if camp, err = s.store.Campaign(ctx, acc, id); !storeErr(c, err, "campaign") {
		return
	}
	s.log.Info("campaign retry started", "account_id", acc, "campaign_id", id, "run", run, "messages", reset)
	c.Header("Location", "/api/v1/campaigns/"+itoa(id)+"/progress")
	c.JSON(http.StatusAccepted, gin.H{"campaign": toCampaignJSON(camp), "retrying": reset})
}

type audiencePreviewRequest struct {
	GroupIDs   []int64 `json:"group_ids"`
	TemplateID int64   `json:"template_id"`
}

type missingVariablesJSON struct {
	Count     int64                    `json:"count"`
	Variables []string                 `json:"variables"`
	Customers []store.MissingVariables `json:"customers"`
}

// previewAudience answers what a campaign to the given groups would come to
// before anything is created: the memberships, the distinct customers (a
// customer in several groups gets one message), those left out as opted out
// (and, for an e-mail template, without an address), and the recipients. With
// a template it also names the recipients a send would be refused for, the way
// the send itself checks them (missing-variables).
func (s *Server) previewAudience(c *gin.Context) {
	var req audiencePreviewRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if len(req.GroupIDs) == 0 {
		errs.Add("group_ids", "is required: the groups to send to")
	}
	if len(req.GroupIDs) > 1000 {
		errs.Add("group_ids", "at most 1000 groups")
	}
	for _, id := range req.GroupIDs {
		if id <= 0 {
			errs.Add("group_ids", "ids must be positive numbers")
			break
		}
	}
	if req.TemplateID < 0 {
		errs.Add("template_id", "must be a template id")
	}
	if errs.Abort(c) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	var tpl *store.Template
	if req.TemplateID > 0 {
		t, err := s.store.Template(ctx, acc, req.TemplateID)
		if !storeErr(c, err, "template") {
			return
		}
		tpl = &t
	}
	p, err := s.store.PreviewAudience(ctx, acc, req.GroupIDs)
	if !storeErr(c, err, "groups") {
		return
	}
	recipients := p.Customers - p.OptedOut
	out := gin.H{"group_members": p.Memberships, "customers": p.Customers, "duplicates": p.Memberships - p.Customers,
		"opted_out": p.OptedOut, "without_email": int64(0), "recipients": recipients, "missing_variables": nil}
	if tpl == nil {
		c.JSON(http.StatusOK, out)
		return
	}
	if tpl.Channel == render.ChannelEmail {
		out["without_email"] = p.WithoutEmail
		out["recipients"] = recipients - p.WithoutEmail
	}
	camp := store.Campaign{AccountID: acc, AudienceKind: store.AudienceGroups, GroupIDs: req.GroupIDs}
	needed := tpl.Content().Variables()
	missing, customers, err := s.store.AudienceMissing(ctx, camp, needed, campaign.MaxListedCustomers)
	if !storeErr(c, err, "groups") {
		return
	}
	if missing > 0 {
		out["missing_variables"] = missingVariablesJSON{Count: missing, Variables: needed, Customers: customers}
	}
	c.JSON(http.StatusOK, out)
}
