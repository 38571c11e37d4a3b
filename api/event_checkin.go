package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/phone"
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

// customerRef names a customer by exactly one of id, e-mail or phone.
type customerRef struct {
	ID    *int64  `json:"id"`
	Email *string `json:"email"`
	Phone *string `json:"phone"`
}

// resolved is a validated reference: what to look the customer up by.
type resolved struct {
	id           int64
	email, phone string
	said         string // how the caller named the customer, for messages
}

func (r *customerRef) validate(errs *Fields) resolved {
	var out resolved
	if r == nil {
		errs.Add("customer", "is required: {\"id\": ...}, {\"email\": ...} or {\"phone\": ...}")
		return out
	}
	given := 0
	for _, set := range []bool{r.ID != nil, r.Email != nil, r.Phone != nil} {
		if set {
			given++
		}
	}
	if given != 1 {
		errs.Add("customer", "name the customer by exactly one of id, email or phone")
		return out
	}
	switch {
	case r.ID != nil:
		if *r.ID <= 0 {
			errs.Add("customer.id", "must be a customer id")
		}
		out.id, out.said = *r.ID, fmt.Sprintf("id %d", *r.ID)
	case r.Email != nil:
		email, ok := normalizeEmail(*r.Email)
		if !ok {
			errs.Add("customer.email", "is not a valid e-mail address")
		}
		out.email, out.said = email, "e-mail "+email
	case r.Phone != nil:
		e164, err := phone.Normalize(*r.Phone, "")
		if err != nil {
			errs.Add("customer.phone", "%q is not a valid phone number", *r.Phone)
		}
		out.phone, out.said = e164, "phone "+phone.National(e164)
	}
	return out
}

// findCustomer looks the customer up in the caller's account, answering the
// unknown-customer refusal itself.
func (s *Server) findCustomer(c *gin.Context, r resolved) (store.Customer, bool) {
	ctx, acc := c.Request.Context(), account(c)
	var cust store.Customer
	var err error
	switch {
	case r.id != 0:
		cust, err = s.store.Customer(ctx, acc, r.id)
	case r.email != "":
		cust, err = s.store.CustomerByEmail(ctx, acc, r.email)
	default:
		cust, err = s.store.CustomerByPhone(ctx, acc, r.phone)
	}
	if errors.Is(err, store.ErrNotFound) {
		unprocessable(c, slugUnknownCustomer, "Unknown customer",
			fmt.Sprintf("no customer with %s exists in this account; add the customer first", r.said))
		return cust, false
	}
	if err != nil {
		internalError(c, err)
		return cust, false
	}
	return cust, true
}

type purchaseRequest struct {
	Customer    *customerRef `json:"customer"`
	OrderID     *string      `json:"order_id"`
	Amount      *int64       `json:"amount"`
	PurchasedAt *string      `json:"purchased_at"`
}

// createPurchase records an order of a customer (the shop backend's call). The
// order id makes it idempotent: the same order again answers 200 with the stored
// purchase; the same order id with another customer or amount is 409.
func (s *Server) createPurchase(c *gin.Context) {
	var req purchaseRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	ref := req.Customer.validate(&errs)
	p := store.Purchase{PurchasedAt: s.now()}
	if req.OrderID != nil {
		p.OrderID = strings.TrimSpace(*req.OrderID)
	}
	switch {
	case p.OrderID == "":
		errs.Add("order_id", "is required: the shop's id of the order")
	case utf8.RuneCountInString(p.OrderID) > 100:
		errs.Add("order_id", "must be at most 100 characters")
	}
	switch {
	case req.Amount == nil:
		errs.Add("amount", "is required: the order total in the smallest currency unit (원)")
	case *req.Amount < 0:
		errs.Add("amount", "must not be negative")
	default:
		p.Amount = *req.Amount
	}
	if req.PurchasedAt != nil {
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(*req.PurchasedAt))
		switch {
		case err != nil:
			errs.Add("purchased_at", "must be an RFC 3339 time such as 2026-03-01T14:30:00+09:00")
		case t.After(s.now().Add(time.Hour)):
			errs.Add("purchased_at", "must not be in the future")
		default:
			p.PurchasedAt = t
		}
	}
	if errs.Abort(c) {
		return
	}
	cust, ok := s.findCustomer(c, ref)
	if !ok {
		return
	}
	p.CustomerID = cust.ID
	stored, created, err := s.store.RecordPurchase(c.Request.Context(), account(c), p)
	if !storeErr(c, err, "purchase") {
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.JSON(status, stored)
}

func (s *Server) listPurchases(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	customerID, ok := queryID(c, "customer_id")
	if !ok {
		return
	}
	ps, total, err := s.store.Purchases(c.Request.Context(), account(c), customerID, p)
	if !storeErr(c, err, "purchases") {
		return
	}
	c.JSON(http.StatusOK, list[store.Purchase]{Items: ps, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(ps, p.Size, store.PurchaseCursor)})
}

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
	p, ok := pageParams(c)
	if !ok {
		return
	}
	rows, total, err := s.store.Attendance(c.Request.Context(), account(c), e.ID, p)
	if !storeErr(c, err, "attendance") {
		return
	}
	today := e.LocalDay(s.now())
	out := make([]attendanceRowJSON, len(rows))
	for i, r := range rows {
		o := attendanceRowJSON{CustomerID: r.CustomerID, CustomerName: r.CustomerName, CustomerPhone: r.CustomerPhone,
			TotalDays: r.Days, FirstDay: r.FirstDay.Format(time.DateOnly), LastDay: r.LastDay.Format(time.DateOnly),
			Granted: r.Granted, Waitlisted: r.Waitlisted}
		st := e.StandingOn(today, r.LastDay, r.Days, r.LastStreak)
		o.StreakDays, o.DayCount = st.StreakDays, st.DayCount
		out[i] = o
	}
	c.JSON(http.StatusOK, list[attendanceRowJSON]{Items: out, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(rows, p.Size, store.AttendanceCursor)})
}

// listGrants answers who received which reward, wait list included, in the order
// the tiers were reached (?status=, ?tier_id=, ?customer_id= narrow it).
func (s *Server) listGrants(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	p, ok := pageParams(c)
	if !ok {
		return
	}
	f := store.GrantFilter{Status: c.Query("status")}
	switch f.Status {
	case "", store.GrantGranted, store.GrantWaitlisted:
	default:
		Fields{{Field: "status", Message: "must be granted or waitlisted"}}.Abort(c)
		return
	}
	if f.TierID, ok = queryID(c, "tier_id"); !ok {
		return
	}
	if f.CustomerID, ok = queryID(c, "customer_id"); !ok {
		return
	}
	gs, total, err := s.store.Grants(c.Request.Context(), account(c), e.ID, f, p)
	if !storeErr(c, err, "grants") {
		return
	}
	c.JSON(http.StatusOK, list[store.Grant]{Items: gs, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(gs, p.Size, func(x store.Grant) string { return store.Cursor(x.ID) })})
}

// listAlerts answers the event's low-stock alerts and how each was delivered.
func (s *Server) listAlerts(c *gin.Context) {
	e, ok := s.pathEvent(c)
	if !ok {
		return
	}
	p, ok := pageParams(c)
	if !ok {
		return
	}
	as, total, err := s.store.StockAlerts(c.Request.Context(), account(c), e.ID, p)
	if !storeErr(c, err, "alerts") {
		return
	}
	c.JSON(http.StatusOK, list[store.StockAlert]{Items: as, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(as, p.Size, func(x store.StockAlert) string { return store.Cursor(x.ID) })})
}
