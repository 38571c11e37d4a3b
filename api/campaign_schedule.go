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
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Recurring campaigns. The API writes the schedule's row and asks the
// schedule's CampaignScheduleSync workflow to make the Temporal Schedule
// campaign-schedule:{id} follow it. If Temporal cannot be reached then, the
// change still stands (the answer says the sync is pending) and the worker's
// reconciler syncs it once Temporal is back.

// scheduleRunsShown is how many recent runs a schedule's answer lists.
const scheduleRunsShown = 10

// nextRunsShown is how many upcoming run times a schedule's answer lists.
const nextRunsShown = 5

type scheduleJSON struct {
	ID         int64         `json:"id"`
	Name       string        `json:"name"`
	TemplateID int64         `json:"template_id"`
	GroupIDs   []int64       `json:"group_ids"`
	Routing    store.Routing `json:"routing"`
	Cron       string        `json:"cron"`
	Timezone   string        `json:"timezone"`
	StartsAt   *time.Time    `json:"starts_at"`
	EndsAt     *time.Time    `json:"ends_at"`
	Paused     bool          `json:"paused"`
	// ScheduleID is the Temporal Schedule's ID (Temporal Web).
	ScheduleID string `json:"schedule_id"`
	// Sync says whether the Temporal Schedule matches this row yet.
	Sync syncJSON `json:"sync"`
	// NextRunTimes are the next run times as the Temporal Schedule computes
	// them (one schedule's answer only; empty while the sync is pending).
	NextRunTimes []time.Time         `json:"next_run_times,omitempty"`
	RecentRuns   []store.ScheduleRun `json:"recent_runs,omitempty"`
	CreatedAt    time.Time           `json:"created_at"`
	UpdatedAt    time.Time           `json:"updated_at"`
}

type syncJSON struct {
	State string `json:"state"` // synced or pending
	Error string `json:"error,omitempty"`
}

func toScheduleJSON(cs store.CampaignSchedule) scheduleJSON {
	out := scheduleJSON{ID: cs.ID, Name: cs.Name, TemplateID: cs.TemplateID, GroupIDs: cs.GroupIDs, Routing: cs.Routing,
		Cron: cs.Cron, Timezone: cs.Timezone, StartsAt: timeOrNil(cs.StartsAt), EndsAt: timeOrNil(cs.EndsAt), Paused: cs.Paused,
		ScheduleID: workflows.CampaignScheduleID(cs.ID), Sync: syncJSON{State: "synced", Error: cs.SyncError},
		CreatedAt: cs.CreatedAt, UpdatedAt: cs.UpdatedAt}
	if out.GroupIDs == nil {
		out.GroupIDs = []int64{}
	}
	if out.Routing.Relays == nil {
		out.Routing.Relays = []store.RoutingRelay{}
	}
	if cs.SyncedVersion != cs.Version {
		out.Sync.State = "pending"
	}
	return out
}

type scheduleRequest struct {
	Name       *string        `json:"name"`
	TemplateID *int64         `json:"template_id"`
	GroupIDs   *[]int64       `json:"group_ids"`
	Routing    *store.Routing `json:"routing"`
	Cron       *string        `json:"cron"`
	Timezone   *string        `json:"timezone"`
	StartsAt   *string        `json:"starts_at"`
	EndsAt     *string        `json:"ends_at"`
}

// apply merges the request into n and validates it; name, template, groups
// and routing follow the campaign rules.
func (r scheduleRequest) apply(n *store.NewCampaignSchedule) Fields {
	nc := store.NewCampaign{Name: n.Name, TemplateID: n.TemplateID, GroupIDs: n.GroupIDs, Routing: n.Routing}
	errs := campaignRequest{Name: r.Name, TemplateID: r.TemplateID, GroupIDs: r.GroupIDs, Routing: r.Routing}.apply(&nc)
	n.Name, n.TemplateID, n.GroupIDs, n.Routing = nc.Name, nc.TemplateID, nc.GroupIDs, nc.Routing
	if len(n.GroupIDs) > MaxIDsPerRequest {
		errs.Add("group_ids", "may hold at most %d ids", MaxIDsPerRequest)
	}
	if r.Cron != nil {
		n.Cron = strings.Join(strings.Fields(*r.Cron), " ")
	}
	if n.Cron == "" {
		errs.Add("cron", "is required: minute hour day-of-month month day-of-week, such as \"0 9 * * mon\"")
	} else if msg := checkCron(n.Cron); msg != "" {
		errs.Add("cron", "%s", msg)
	}
	if r.Timezone != nil {
		n.Timezone = strings.TrimSpace(*r.Timezone)
	}
	if _, err := time.LoadLocation(n.Timezone); err != nil || n.Timezone == "" || utf8.RuneCountInString(n.Timezone) > 64 {
		errs.Add("timezone", "must be an IANA time zone such as Asia/Seoul")
	}
	parse := func(field string, v *string, dst *time.Time) {
		if v == nil {
			return
		}
		if *v == "" {
			*dst = time.Time{}
			return
		}
		t, err := time.Parse(time.RFC3339, *v)
		if err != nil {
			errs.Add(field, "must be an RFC 3339 time such as 2026-12-01T09:00:00+09:00")
			return
		}
		*dst = t.UTC()
	}
	parse("starts_at", r.StartsAt, &n.StartsAt)
	parse("ends_at", r.EndsAt, &n.EndsAt)
	if !n.StartsAt.IsZero() && !n.EndsAt.IsZero() && !n.EndsAt.After(n.StartsAt) {
		errs.Add("ends_at", "must be after starts_at")
	}
	return errs
}

func newScheduleOf(cs store.CampaignSchedule) store.NewCampaignSchedule {
	return store.NewCampaignSchedule{Name: cs.Name, TemplateID: cs.TemplateID, GroupIDs: cs.GroupIDs, Routing: cs.Routing,
		Cron: cs.Cron, Timezone: cs.Timezone, StartsAt: setOrZero(cs.StartsAt), EndsAt: setOrZero(cs.EndsAt)}
}

func (s *Server) createSchedule(c *gin.Context) {
	var req scheduleRequest
	if !bindJSON(c, &req) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	var n store.NewCampaignSchedule
	if req.Timezone == nil {
		tz, err := s.store.AccountTimezone(ctx, acc)
		if !storeErr(c, err, "account") {
			return
		}
		n.Timezone = tz
	}
	if req.apply(&n).Abort(c) {
		return
	}
	cs, err := s.store.CreateCampaignSchedule(ctx, acc, n)
	if !storeErr(c, err, "campaign schedule") {
		return
	}
	cs = s.followSchedule(ctx, cs)
	s.log.Info("campaign schedule created", "account_id", acc, "schedule_id", cs.ID, "cron", cs.Cron)
	c.Header("Location", "/api/v1/campaign-schedules/"+itoa(cs.ID))
	c.JSON(http.StatusCreated, s.describeSchedule(ctx, cs))
}

// pathSchedule loads the schedule named by :id (404 for another account's, or
// a deleted one).
func (s *Server) pathSchedule(c *gin.Context) (store.CampaignSchedule, bool) {
	return pathRow(c, "campaign schedule", s.store.CampaignSchedule)
}

func (s *Server) getSchedule(c *gin.Context) {
	cs, ok := s.pathSchedule(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.describeSchedule(c.Request.Context(), cs))
}

func (s *Server) listSchedules(c *gin.Context) {
	listPage(c, "campaign schedules", s.store.CampaignSchedules, toScheduleJSON, nil)
}

func (s *Server) updateSchedule(c *gin.Context) {
	cs, ok := s.pathSchedule(c)
	if !ok {
		return
	}
	var req scheduleRequest
	if !bindJSON(c, &req) {
		return
	}
	n := newScheduleOf(cs)
	if req.apply(&n).Abort(c) {
		return
	}
	s.answerScheduleChange(c, cs.ID, func(ctx context.Context, acc, id int64) (store.CampaignSchedule, error) {
		return s.store.UpdateCampaignSchedule(ctx, acc, id, n)
	})
}

// pauseSchedule pauses (or unpauses) a schedule: no run starts while paused.
func (s *Server) pauseSchedule(paused bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		cs, ok := s.pathSchedule(c)
		if !ok {
			return
		}
		s.answerScheduleChange(c, cs.ID, func(ctx context.Context, acc, id int64) (store.CampaignSchedule, error) {
			return s.store.SetCampaignSchedulePaused(ctx, acc, id, paused)
		})
	}
}

// answerScheduleChange makes a change to the schedule id and answers the
// schedule as it then is, its Temporal Schedule asked to follow.
func (s *Server) answerScheduleChange(c *gin.Context, id int64,
	change func(ctx context.Context, accountID, id int64) (store.CampaignSchedule, error)) {
	ctx := c.Request.Context()
	cs, err := change(ctx, account(c), id)
	if !storeErr(c, err, "campaign schedule") {
		return
	}
	cs = s.followSchedule(ctx, cs)
	c.JSON(http.StatusOK, s.describeSchedule(ctx, cs))
}

// triggerSchedule runs the schedule once now (paused or not), through its
// Temporal Schedule, so the overlap policy holds: a run still sending makes
// this one skip.
func (s *Server) triggerSchedule(c *gin.Context) {
	cs, ok := s.pathSchedule(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if cs.SyncedVersion == 0 {
		cs = s.followSchedule(ctx, cs)
	}
	err := s.temporal.ScheduleClient().GetHandle(ctx, workflows.CampaignScheduleID(cs.ID)).Trigger(ctx, client.ScheduleTriggerOptions{})
	var missing *serviceerror.NotFound
	switch {
	case errors.As(err, &missing):
		conflict(c, fmt.Sprintf("campaign schedule %d is not in Temporal yet (its sync is pending); try again shortly", cs.ID))
		return
	case err != nil:
		workflowEngineDown(c, err, "the run was not started; try again shortly")
		return
	}
	s.log.Info("campaign schedule triggered", "account_id", cs.AccountID, "schedule_id", cs.ID)
	c.Header("Location", "/api/v1/campaign-schedules/"+itoa(cs.ID))
	c.JSON(http.StatusAccepted, s.describeSchedule(ctx, cs))
}

// deleteSchedule deletes the schedule at once for the API; its Temporal
// Schedule follows (the row stays as a tombstone until it is gone).
func (s *Server) deleteSchedule(c *gin.Context) {
	cs, ok := s.pathSchedule(c)
	if !ok {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	if !storeErr(c, s.store.DeleteCampaignSchedule(ctx, acc, cs.ID), "campaign schedule") {
		return
	}
	s.signalScheduleSync(ctx, acc, cs.ID)
	s.log.Info("campaign schedule deleted", "account_id", acc, "schedule_id", cs.ID)
	c.Status(http.StatusNoContent)
}

// followSchedule asks the schedule's sync workflow to make the Temporal
// Schedule match the row just committed, waits a little for it, and answers the
// row as it then is. Failing to reach Temporal is not an error: the change
// stands and the reconciler syncs it later.
func (s *Server) followSchedule(ctx context.Context, cs store.CampaignSchedule) store.CampaignSchedule {
	// As for reminder Schedules: long enough for the usual sync, so the answer
	// reflects it; past it the sync goes on without the request.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), scheduleSyncWait)
	defer cancel()
	if run := s.signalScheduleSync(ctx, cs.AccountID, cs.ID); run != nil {
		if err := run.Get(ctx, nil); err != nil {
			s.log.Warn("campaign schedule not synced yet; the reconciler will", "schedule_id", cs.ID, "error", err)
		}
	}
	if fresh, err := s.store.CampaignSchedule(ctx, cs.AccountID, cs.ID); err == nil {
		return fresh
	}
	return cs
}

// signalScheduleSync starts (or signals) the schedule's sync workflow; nil when
// Temporal could not be reached.
func (s *Server) signalScheduleSync(ctx context.Context, acc, id int64) client.WorkflowRun {
	run, err := workflows.SignalCampaignScheduleSync(context.WithoutCancel(ctx), s.temporal, s.cfg.TaskQueue, acc, id)
	if err != nil {
		s.log.Warn("signal campaign schedule sync; the reconciler will", "account_id", acc, "schedule_id", id, "error", err)
		return nil
	}
	return run
}

// describeSchedule is the schedule with its recent runs and, from its Temporal
// Schedule, the next run times.
func (s *Server) describeSchedule(ctx context.Context, cs store.CampaignSchedule) scheduleJSON {
	out := toScheduleJSON(cs)
	if runs, err := s.store.ScheduleRuns(ctx, cs.AccountID, cs.ID, scheduleRunsShown); err == nil {
		out.RecentRuns = runs
	} else {
		s.log.Warn("list schedule runs", "schedule_id", cs.ID, "error", err)
	}
	if out.Sync.State != "synced" || cs.Paused {
		return out // what Temporal would say is not this row's (yet), or nothing runs
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	d, err := s.temporal.ScheduleClient().GetHandle(dctx, workflows.CampaignScheduleID(cs.ID)).Describe(dctx)
	if err != nil {
		s.log.Warn("describe campaign schedule", "schedule_id", cs.ID, "error", err)
		return out
	}
	next := d.Info.NextActionTimes
	if len(next) > nextRunsShown {
		next = next[:nextRunsShown]
	}
	out.NextRunTimes = next
	return out
}
