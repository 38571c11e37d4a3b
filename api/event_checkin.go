package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
)

// Refusals of a check-in (and of a purchase for an unknown customer), each with
// its own stable problem type.
const (
	slugUnknownCustomer   = "unknown-customer"
	slugNoPurchaseHistory = "no-purchase-history"
	slugEventNotRunning   = "event-not-running"
	slugAlreadyCheckedIn  = "already-checked-in"
)

const (
	defaultCalendarDays = 30
	maxCalendarDays     = 366
)

// rewardJSON is a tier as a customer holds it.
type rewardJSON struct {
	TierID int64  `json:"tier_id"`
	Name   string `json:"name"`
	Days   int    `json:"days"`
	Status string `json:"status"` // granted | waitlisted
	// WaitlistPosition is the place in the tier's wait list (1 is served first).
	WaitlistPosition int64 `json:"waitlist_position,omitempty"`
}

// nextRewardJSON is the next tier the customer can reach.
type nextRewardJSON struct {
	TierID    int64  `json:"tier_id"`
	Name      string `json:"name"`
	Days      int    `json:"days"`
	DaysUntil int    `json:"days_until"`
}

// attendanceJSON is a customer's standing in an event.
type attendanceJSON struct {
	EventID    int64  `json:"event_id"`
	CustomerID int64  `json:"customer_id"`
	Counting   string `json:"counting"`
	Today      string `json:"today"`
	// DayCount is what tiers are reached by: TotalDays or StreakDays.
	DayCount       int    `json:"day_count"`
	TotalDays      int    `json:"total_days"`
	StreakDays     int    `json:"streak_days"`
	CheckedInToday bool   `json:"checked_in_today"`
	LastCheckIn    string `json:"last_check_in,omitempty"`
	// CurrentReward is the highest tier the customer holds (granted or waiting).
	CurrentReward *rewardJSON `json:"current_reward"`
	// NextReward is the lowest tier the customer does not hold yet, and how many
	// more check-ins reach it.
	NextReward *nextRewardJSON `json:"next_reward"`
	Rewards    []rewardJSON    `json:"rewards"`
}

// calendarDay is one day of a customer's attendance calendar.
type calendarDay struct {
	Day       string `json:"day"`
	CheckedIn bool   `json:"checked_in"`
}

// attendanceOf works out a customer's standing in the event at now, and the
// calendar of the last days (none when days is 0).
func (s *Server) attendanceOf(ctx context.Context, acc int64, e store.Event, customerID int64, now time.Time, days int) (attendanceJSON, []calendarDay, error) {
	today := e.LocalDay(now)
	from := today.AddDate(0, 0, -max(days-1, 0))
	rec, err := s.store.CustomerAttendance(ctx, acc, e.ID, customerID, from, today)
	if err != nil {
		return attendanceJSON{}, nil, err
	}
	tiers, err := s.store.Tiers(ctx, acc, e.ID)
	if err != nil {
		return attendanceJSON{}, nil, err
	}
	out := attendanceJSON{EventID: e.ID, CustomerID: customerID, Counting: e.Counting,
		Today: today.Format(time.DateOnly), Rewards: []rewardJSON{}}
	var lastDay time.Time
	var total, streak int
	if last := rec.Last; last != nil {
		lastDay, total, streak = last.Day, last.TotalDays, last.StreakDays
		out.LastCheckIn = last.Day.Format(time.DateOnly)
		out.CheckedInToday = !last.Day.Before(today)
	}
	st := e.StandingOn(today, lastDay, total, streak)
	out.TotalDays, out.StreakDays, out.DayCount = st.TotalDays, st.StreakDays, st.DayCount
	held := map[int64]bool{}
	for _, g := range rec.Grants { // by tier days
		r := rewardJSON{TierID: g.TierID, Name: g.TierName, Days: g.TierDays, Status: g.Status, WaitlistPosition: g.WaitlistPosition}
		out.Rewards = append(out.Rewards, r)
		out.CurrentReward = &r
		held[g.TierID] = true
	}
	if t, until, ok := store.NextTier(tiers, held, out.DayCount); ok {
		out.NextReward = &nextRewardJSON{TierID: t.ID, Name: t.Name, Days: t.Days, DaysUntil: until}
	}
	if days == 0 {
		return out, nil, nil
	}
	checked := map[string]bool{}
	for _, d := range rec.Days {
		checked[d.Day.Format(time.DateOnly)] = true
	}
	cal := make([]calendarDay, 0, days)
	for d := from; !d.After(today); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		cal = append(cal, calendarDay{Day: day, CheckedIn: checked[day]})
	}
	return out, cal, nil
}

type checkInRequest struct {
	Customer *customerRef `json:"customer"`
}

type checkInJSON struct {
	ID          int64     `json:"id"`
	Day         string    `json:"day"`
	CheckedInAt time.Time `json:"checked_in_at"`
}

type checkInResponse struct {
	CheckIn checkInJSON `json:"checkin"`
	attendanceJSON
	// Granted are the tiers this check-in reached (granted, or waitlisted when
	// out of stock).
	Granted []store.Grant `json:"granted"`
}

// checkIn records today's attendance of a customer, in the event's time zone.
// The refusals, each its own problem type, write nothing: event-not-running
// (409), unknown-customer and no-purchase-history (422), already-checked-in (409,
// with the customer's attendance as it stands).
func (s *Server) checkIn(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	var req checkInRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	ref := req.Customer.validate(&errs)
	if errs.Abort(c) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	now := s.now()
	today := e.LocalDay(now)
	if !e.Runs(today) {
		when := "has ended"
		if today.Before(e.StartsOn) {
			when = "has not started yet"
		}
		problem(c, http.StatusConflict, slugEventNotRunning, "Event not running",
			fmt.Sprintf("the event %s: it runs from %s to %s (%s), and today there is %s", when,
				e.StartsOn.Format(time.DateOnly), e.EndsOn.Format(time.DateOnly), e.Timezone, today.Format(time.DateOnly)))
		return
	}
	cust, ok := s.findCustomer(c, ref)
	if !ok {
		return
	}
	purchased, err := s.store.HasPurchased(ctx, acc, cust.ID)
	if err != nil {
		internalError(c, err)
		return
	}
	if !purchased {
		unprocessable(c, slugNoPurchaseHistory, "No purchase history",
			fmt.Sprintf("customer %d has no purchase on record; the event is for customers who have bought something (record one with POST /api/v1/purchases)", cust.ID))
		return
	}
	res, err := s.store.CheckIn(ctx, acc, store.CheckInInput{EventID: e.ID, CustomerID: cust.ID, Counting: e.Counting, Day: today, At: now})
	if errors.Is(err, store.ErrAlreadyCheckedIn) {
		att, _, aerr := s.attendanceOf(ctx, acc, e, cust.ID, now, 0)
		if aerr != nil {
			internalError(c, aerr)
			return
		}
		writeProblem(c, Problem{Type: ProblemBase + slugAlreadyCheckedIn, Title: "Already checked in",
			Status: http.StatusConflict,
			Detail: fmt.Sprintf("customer %d has already checked in today (%s, %s); come back tomorrow", cust.ID,
				today.Format(time.DateOnly), e.Timezone),
			Extensions: map[string]any{"attendance": att}})
		return
	}
	if err != nil {
		internalError(c, err)
		return
	}
	for _, ts := range res.Stock {
		s.signalStock(ctx, acc, ts)
	}
	att, _, err := s.attendanceOf(ctx, acc, e, cust.ID, now, 0)
	if err != nil {
		internalError(c, err)
		return
	}
	c.Header("Location", fmt.Sprintf("/api/v1/events/%d/customers/%d/attendance", e.ID, cust.ID))
	c.JSON(http.StatusCreated, checkInResponse{
		CheckIn:        checkInJSON{ID: res.CheckIn.ID, Day: res.CheckIn.Day.Format(time.DateOnly), CheckedInAt: res.CheckIn.CheckedInAt},
		attendanceJSON: att, Granted: res.Grants})
}

type customerAttendanceResponse struct {
	attendanceJSON
	Calendar []calendarDay `json:"calendar"`
}

// customerAttendance answers a customer's standing and the calendar of the last
// ?days= days (default 30).
func (s *Server) customerAttendance(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	customerID, ok := pathID(c, "customer_id")
	if !ok {
		return
	}
	days := defaultCalendarDays
	if v := c.Query("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCalendarDays {
			Fields{{Field: "days", Message: fmt.Sprintf("must be a whole number from 1 to %d", maxCalendarDays)}}.Abort(c)
			return
		}
		days = n
	}
	ctx, acc := c.Request.Context(), account(c)
	if _, err := s.store.Customer(ctx, acc, customerID); !storeErr(c, err, "customer") {
		return
	}
	att, cal, err := s.attendanceOf(ctx, acc, e, customerID, s.now(), days)
	if err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, customerAttendanceResponse{attendanceJSON: att, Calendar: cal})
}

type attendanceRowJSON struct {
	CustomerID    int64  `json:"customer_id"`
	CustomerName  string `json:"customer_name"`
	CustomerPhone string `json:"customer_phone"`
	TotalDays     int    `json:"total_days"`
	StreakDays    int    `json:"streak_days"`
	DayCount      int    `json:"day_count"`
	FirstDay      string `json:"first_day"`
	LastDay       string `json:"last_day"`
	Granted       int    `json:"granted"`
	Waitlisted    int    `json:"waitlisted"`
}

// eventAttendance lists every customer who checked in, most days first.
func (s *Server) eventAttendance(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	var today time.Time
	listPage(c, "attendance", func(ctx context.Context, acc int64, p store.Page) ([]store.AttendanceRow, int64, error) {
		rows, total, err := s.store.Attendance(ctx, acc, e.ID, p)
		today = e.LocalDay(s.now())
		return rows, total, err
	}, func(r store.AttendanceRow) attendanceRowJSON {
		o := attendanceRowJSON{CustomerID: r.CustomerID, CustomerName: r.CustomerName, CustomerPhone: r.CustomerPhone,
			TotalDays: r.Days, FirstDay: r.FirstDay.Format(time.DateOnly), LastDay: r.LastDay.Format(time.DateOnly),
			Granted: r.Granted, Waitlisted: r.Waitlisted}
		st := e.StandingOn(today, r.LastDay, r.Days, r.LastStreak)
		o.StreakDays, o.DayCount = st.StreakDays, st.DayCount
		return o
	}, store.AttendanceCursor)
}
