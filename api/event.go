package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
	"github.com/sendingo/sendingo/workflows"
)

// Limits of an event's settings.
const (
	defaultEventTimezone = tz.Default
	maxAlertEmails       = 20
	maxTierDays          = 3660
	maxStock             = store.MaxStock
)

// Event statuses as the API shows them, from the event's local today.
const (
	eventUpcoming = "upcoming"
	eventRunning  = "running"
	eventEnded    = "ended"
)

type reminderJSON struct {
	Time       string        `json:"time"`
	TemplateID int64         `json:"template_id"`
	Routing    store.Routing `json:"routing"`
	ScheduleID string        `json:"schedule_id,omitempty"`
}

type noticeJSON struct {
	TemplateID int64         `json:"template_id"`
	Routing    store.Routing `json:"routing"`
}

type alertJSON struct {
	Emails     []string `json:"emails"`
	WebhookURL string   `json:"webhook_url"`
}

// eventJSON is an event as the API shows it.
type eventJSON struct {
	ID        int64         `json:"id"`
	Name      string        `json:"name"`
	Timezone  string        `json:"timezone"`
	StartsOn  string        `json:"starts_on"`
	EndsOn    string        `json:"ends_on"`
	Counting  string        `json:"counting"`
	Status    string        `json:"status"`
	Today     string        `json:"today"`
	Reminder  *reminderJSON `json:"reminder"`
	Notice    *noticeJSON   `json:"notice"`
	Alert     alertJSON     `json:"alert"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
}

func eventStatus(e store.Event, today time.Time) string {
	switch {
	case today.Before(e.StartsOn):
		return eventUpcoming
	case today.After(e.EndsOn):
		return eventEnded
	}
	return eventRunning
}

func (s *Server) toEventJSON(e store.Event) eventJSON {
	today := e.LocalDay(s.now())
	out := eventJSON{ID: e.ID, Name: e.Name, Timezone: e.Timezone, StartsOn: e.StartsOn.Format(time.DateOnly),
		EndsOn: e.EndsOn.Format(time.DateOnly), Counting: e.Counting, Status: eventStatus(e, today),
		Today: today.Format(time.DateOnly), Alert: alertJSON{Emails: e.AlertEmails, WebhookURL: e.AlertWebhookURL},
		CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	if out.Alert.Emails == nil {
		out.Alert.Emails = []string{}
	}
	if e.ReminderTime != "" {
		out.Reminder = &reminderJSON{Time: e.ReminderTime, TemplateID: e.ReminderTemplateID,
			Routing: routingOut(e.ReminderRouting), ScheduleID: workflows.ReminderScheduleID(e.ID)}
	}
	if e.NoticeTemplateID != 0 {
		out.Notice = &noticeJSON{TemplateID: e.NoticeTemplateID, Routing: routingOut(e.NoticeRouting)}
	}
	return out
}

func routingOut(r store.Routing) store.Routing {
	if r.Relays == nil {
		r.Relays = []store.RoutingRelay{}
	}
	return r
}

// eventRequest creates an event, or changes the fields present. reminder and
// notice are kept raw to tell "absent" (unchanged) from null (removed).
type eventRequest struct {
	Name     *string         `json:"name"`
	Timezone *string         `json:"timezone"`
	StartsOn *string         `json:"starts_on"`
	EndsOn   *string         `json:"ends_on"`
	Counting *string         `json:"counting"`
	Reminder json.RawMessage `json:"reminder"`
	Notice   json.RawMessage `json:"notice"`
	Alert    *struct {
		Emails     *[]string `json:"emails"`
		WebhookURL *string   `json:"webhook_url"`
	} `json:"alert"`
}

type reminderRequest struct {
	Time       string         `json:"time"`
	TemplateID int64          `json:"template_id"`
	Routing    *store.Routing `json:"routing"`
}

type noticeRequest struct {
	TemplateID int64          `json:"template_id"`
	Routing    *store.Routing `json:"routing"`
}

// isNull reports an explicit JSON null.
func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

// decodePart decodes a nested object of the request, recording a field error
// when it is not the expected shape.
func decodePart(raw json.RawMessage, v any, field string, errs *Fields) bool {
	if err := json.Unmarshal(raw, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			errs.Add(field+"."+typeErr.Field, "must be %s, not %s", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)
		} else {
			errs.Add(field, "must be an object")
		}
		return false
	}
	return true
}

// apply merges the request into e and validates the result; references to
// templates and relays are checked against the account. It answers a non-nil
// error only for a failure of ours.
func (s *Server) applyEvent(ctx context.Context, acc int64, r eventRequest, e *store.Event, create bool, errs *Fields) error {
	if r.Name != nil || create {
		e.Name = errs.Text("name", r.Name, 200, "is required")
	}
	if r.Timezone != nil {
		e.Timezone = strings.TrimSpace(*r.Timezone)
	} else if create {
		e.Timezone = defaultEventTimezone
	}
	if _, err := time.LoadLocation(e.Timezone); err != nil || e.Timezone == "" || e.Timezone == "Local" {
		errs.Add("timezone", "is not an IANA time zone such as Asia/Seoul")
	}
	date := func(field string, v *string, dst *time.Time) {
		if v == nil {
			if create {
				errs.Add(field, "is required: a date such as 2026-03-01")
			}
			return
		}
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(*v))
		if err != nil {
			errs.Add(field, "must be a date such as 2026-03-01")
			return
		}
		*dst = d
	}
	date("starts_on", r.StartsOn, &e.StartsOn)
	date("ends_on", r.EndsOn, &e.EndsOn)
	if !errs.Has("starts_on") && !errs.Has("ends_on") && e.EndsOn.Before(e.StartsOn) {
		errs.Add("ends_on", "must not be before starts_on")
	}
	if r.Counting != nil {
		e.Counting = *r.Counting
	} else if create {
		e.Counting = store.CountingTotal
	}
	if e.Counting != store.CountingTotal && e.Counting != store.CountingConsecutive {
		errs.Add("counting", "must be total or consecutive")
	}
	switch {
	case len(r.Reminder) == 0:
	case isNull(r.Reminder):
		e.ReminderTime, e.ReminderTemplateID, e.ReminderRouting = "", 0, store.Routing{}
	default:
		var rr reminderRequest
		if decodePart(r.Reminder, &rr, "reminder", errs) {
			if _, _, ok := parseClock(rr.Time); !ok {
				errs.Add("reminder.time", "must be a local time such as 20:00 (HH:MM, 24-hour)")
			}
			e.ReminderTime = strings.TrimSpace(rr.Time)
			if err := s.checkTemplateRef(ctx, acc, rr.TemplateID, "reminder.template_id", errs); err != nil {
				return err
			}
			e.ReminderTemplateID = rr.TemplateID
			e.ReminderRouting = store.Routing{Mode: string(relay.ModeWeighted)}
			if rr.Routing != nil {
				e.ReminderRouting = *rr.Routing
			}
			if err := s.checkRouting(ctx, acc, &e.ReminderRouting, "reminder.routing", errs); err != nil {
				return err
			}
		}
	}
	switch {
	case len(r.Notice) == 0:
	case isNull(r.Notice):
		e.NoticeTemplateID, e.NoticeRouting = 0, store.Routing{}
	default:
		var nr noticeRequest
		if decodePart(r.Notice, &nr, "notice", errs) {
			if err := s.checkTemplateRef(ctx, acc, nr.TemplateID, "notice.template_id", errs); err != nil {
				return err
			}
			e.NoticeTemplateID = nr.TemplateID
			e.NoticeRouting = store.Routing{Mode: string(relay.ModeWeighted)}
			if nr.Routing != nil {
				e.NoticeRouting = *nr.Routing
			}
			if err := s.checkRouting(ctx, acc, &e.NoticeRouting, "notice.routing", errs); err != nil {
				return err
			}
		}
	}
	if r.Alert != nil {
		if r.Alert.Emails != nil {
			e.AlertEmails = store.StringList{}
			if len(*r.Alert.Emails) > maxAlertEmails {
				errs.Add("alert.emails", "may hold at most %d addresses", maxAlertEmails)
			}
			for i, raw := range *r.Alert.Emails {
				email, ok := normalizeEmail(raw)
				if !ok {
					errs.Add(fmt.Sprintf("alert.emails[%d]", i), "%q is not a valid e-mail address", raw)
					continue
				}
				e.AlertEmails = append(e.AlertEmails, email)
			}
		}
		if r.Alert.WebhookURL != nil {
			e.AlertWebhookURL = strings.TrimSpace(*r.Alert.WebhookURL)
			if e.AlertWebhookURL != "" {
				if len(e.AlertWebhookURL) > 2000 {
					errs.Add("alert.webhook_url", "must be an http(s) URL of at most 2000 characters")
				} else if err := s.egress.CheckURL(e.AlertWebhookURL); err != nil {
					errs.Add("alert.webhook_url", "%s", err.Error())
				}
			}
		}
	}
	return nil
}

// parseClock reads "HH:MM" (24-hour).
func parseClock(v string) (hour, minute int, ok bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(v))
	if err != nil {
		return 0, 0, false
	}
	return t.Hour(), t.Minute(), true
}

func (s *Server) checkTemplateRef(ctx context.Context, acc, id int64, field string, errs *Fields) error {
	if id <= 0 {
		errs.Add(field, "is required: the id of one of your templates")
		return nil
	}
	_, err := s.store.Template(ctx, acc, id)
	if errors.Is(err, store.ErrNotFound) {
		errs.Add(field, "template %d does not exist", id)
		return nil
	}
	return err
}

// checkRoutingRules validates a routing (store.Routing.Check), reporting its
// problems under field.
func checkRoutingRules(r *store.Routing, field string, errs *Fields) {
	problems, _ := r.Check(nil)
	addRoutingProblems(problems, field, errs)
}

func addRoutingProblems(problems []store.RoutingProblem, field string, errs *Fields) {
	for _, p := range problems {
		errs.Add(field+"."+p.Field, "%s", p.Message)
	}
}

// checkRouting validates a routing the way campaigns do, and checks that the
// relays it names are the account's.
func (s *Server) checkRouting(ctx context.Context, acc int64, r *store.Routing, field string, errs *Fields) error {
	problems, err := r.Check(func(id int64) (bool, error) {
		_, err := s.store.Relay(ctx, acc, id)
		if errors.Is(err, store.ErrNotFound) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return err
	}
	addRoutingProblems(problems, field, errs)
	return nil
}

func (s *Server) createEvent(c *gin.Context) {
	var req eventRequest
	if !bindJSON(c, &req) {
		return
	}
	saved, ok := s.saveEvent(c, req, store.Event{}, true)
	if !ok {
		return
	}
	if store.ReminderScheduleOwed(saved, true) {
		s.followReminderSchedule(c.Request.Context(), account(c), saved.ID)
	}
	s.log.Info("event created", "account_id", account(c), "event_id", saved.ID)
	c.Header("Location", "/api/v1/events/"+itoa(saved.ID))
	c.JSON(http.StatusCreated, s.toEventJSON(saved))
}

// saveEvent applies the request to e (a new event when create), validates it
// and saves it, answering every refusal itself.
func (s *Server) saveEvent(c *gin.Context, req eventRequest, e store.Event, create bool) (store.Event, bool) {
	ctx, acc := c.Request.Context(), account(c)
	var errs Fields
	if err := s.applyEvent(ctx, acc, req, &e, create, &errs); err != nil {
		internalError(c, err)
		return store.Event{}, false
	}
	if errs.Abort(c) {
		return store.Event{}, false
	}
	saved, err := s.store.SaveEvent(ctx, acc, e)
	if !storeErr(c, err, "event") {
		return store.Event{}, false
	}
	return saved, true
}

func (s *Server) getEvent(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, s.toEventJSON(e))
}

// pathEvent loads the event named by :id, answering 404 for another account's.
func (s *Server) pathEvent(c *gin.Context) (store.Event, bool) {
	return pathRow(c, "event", s.store.Event)
}

func (s *Server) listEvents(c *gin.Context) {
	listPage(c, "events", s.store.Events, s.toEventJSON, func(x store.Event) string { return store.Cursor(x.ID) })
}

// updateEvent changes an event and brings its reminder schedule in line: a new
// time, time zone or date range updates it, a removed reminder deletes it.
func (s *Server) updateEvent(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	var req eventRequest
	if !bindJSON(c, &req) {
		return
	}
	saved, ok := s.saveEvent(c, req, e, false)
	if !ok {
		return
	}
	s.followReminderSchedule(c.Request.Context(), account(c), saved.ID)
	c.JSON(http.StatusOK, s.toEventJSON(saved))
}

// deleteEvent deletes the event with everything in it (its reminder Schedule
// follows, see followReminderSchedule; a reminder that fires meanwhile finds no
// event and sends nothing), then ends its tiers' stock monitors.
func (s *Server) deleteEvent(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	tiers, err := s.store.DeleteEvent(ctx, acc, e.ID)
	if !storeErr(c, err, "event") {
		return
	}
	s.followReminderSchedule(ctx, acc, e.ID)
	for _, id := range tiers {
		err := s.temporal.TerminateWorkflow(context.WithoutCancel(ctx), workflows.StockMonitorWorkflowID(id), "", "event deleted")
		var missing *serviceerror.NotFound
		if err != nil && !errors.As(err, &missing) {
			// Not fatal: the monitor ends by itself at its next reconcile.
			s.log.Warn("end stock monitor", "tier_id", id, "error", err)
		}
	}
	s.log.Info("event deleted", "account_id", acc, "event_id", e.ID)
	c.Status(http.StatusNoContent)
}

// scheduleSyncWait bounds how long a request that changed an event waits for
// its reminder Schedule to follow: long enough for the usual sync, so the answer
// reflects it; past it the sync goes on without the request.
const scheduleSyncWait = 10 * time.Second

// followReminderSchedule makes the event's reminder Schedule follow the row the
// request has just committed (created, changed or deleted). The commit recorded
// that in the outbox, so this is the fast path: it signals (or starts) the
// event's ReminderScheduleSync workflow and waits a little for it. If Temporal
// cannot be reached now, the change stands and the outbox sweeper syncs the
// Schedule later.
func (s *Server) followReminderSchedule(ctx context.Context, acc, eventID int64) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), scheduleSyncWait)
	defer cancel()
	run, err := workflows.SignalReminderScheduleSync(ctx, s.temporal, s.cfg.TaskQueue, acc, eventID)
	if err == nil {
		err = run.Get(ctx, nil)
	}
	if err != nil {
		s.log.Warn("reminder schedule not synced yet; the outbox sweeper will", "account_id", acc, "event_id", eventID, "error", err)
	}
}
