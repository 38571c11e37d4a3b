package api_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
)

// testClock is a settable clock for the API (check-ins are dated by it).
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// seoulDay is a fixed API clock at noon in Seoul on 2026-03-10, and that day.
// Tests whose events run "today" use it: the check-ins the API dates by its
// clock and the event's days agree however long the test takes, whatever the
// real time (a real today flakes near midnight in Seoul, 15:00 UTC).
func seoulDay(t *testing.T) (now func() time.Time, today string) {
	t.Helper()
	noon := time.Date(2026, 3, 10, 12, 0, 0, 0, mustZone(t, "Asia/Seoul"))
	return func() time.Time { return noon }, noon.Format(time.DateOnly)
}

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

type eventOut struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
	Counting string `json:"counting"`
	Status   string `json:"status"`
	Today    string `json:"today"`
	Reminder *struct {
		Time       string `json:"time"`
		TemplateID int64  `json:"template_id"`
		ScheduleID string `json:"schedule_id"`
	} `json:"reminder"`
	Notice *struct {
		TemplateID int64 `json:"template_id"`
	} `json:"notice"`
	Alert struct {
		Emails     []string `json:"emails"`
		WebhookURL string   `json:"webhook_url"`
	} `json:"alert"`
}

type tierOut struct {
	ID                int64  `json:"id"`
	Days              int    `json:"days"`
	Name              string `json:"name"`
	Stock             int64  `json:"stock"`
	LowStockThreshold int64  `json:"low_stock_threshold"`
	Granted           int64  `json:"granted"`
	Waitlisted        int64  `json:"waitlisted"`
}

type rewardOut struct {
	TierID           int64  `json:"tier_id"`
	Name             string `json:"name"`
	Days             int    `json:"days"`
	Status           string `json:"status"`
	WaitlistPosition int64  `json:"waitlist_position"`
}

type attendanceOut struct {
	DayCount       int         `json:"day_count"`
	TotalDays      int         `json:"total_days"`
	StreakDays     int         `json:"streak_days"`
	CheckedInToday bool        `json:"checked_in_today"`
	Today          string      `json:"today"`
	LastCheckIn    string      `json:"last_check_in"`
	CurrentReward  *rewardOut  `json:"current_reward"`
	Rewards        []rewardOut `json:"rewards"`
	NextReward     *struct {
		TierID    int64  `json:"tier_id"`
		Name      string `json:"name"`
		Days      int    `json:"days"`
		DaysUntil int    `json:"days_until"`
	} `json:"next_reward"`
	Calendar []struct {
		Day       string `json:"day"`
		CheckedIn bool   `json:"checked_in"`
	} `json:"calendar"`
}

type grantOut struct {
	ID               int64  `json:"id"`
	TierID           int64  `json:"tier_id"`
	CustomerID       int64  `json:"customer_id"`
	CustomerPhone    string `json:"customer_phone"`
	Status           string `json:"status"`
	WaitlistPosition int64  `json:"waitlist_position"`
	AdjustmentID     int64  `json:"adjustment_id"`
}

type checkInOut struct {
	CheckIn struct {
		ID  int64  `json:"id"`
		Day string `json:"day"`
	} `json:"checkin"`
	attendanceOut
	Granted []grantOut `json:"granted"`
}

func createEvent(t *testing.T, c *apitest.Client, body map[string]any) eventOut {
	t.Helper()
	var e eventOut
	c.Do("POST", "/api/v1/events", body).Expect(201).JSON(&e)
	return e
}

func createTier(t *testing.T, c *apitest.Client, eventID int64, days int, name string, stock, threshold int64) tierOut {
	t.Helper()
	var out tierOut
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", eventID), map[string]any{
		"days": days, "name": name, "stock": stock, "low_stock_threshold": threshold}).Expect(201).JSON(&out)
	return out
}

func recordPurchase(t *testing.T, c *apitest.Client, customerID int64, orderID string) {
	t.Helper()
	c.Do("POST", "/api/v1/purchases", map[string]any{"customer": map[string]any{"id": customerID},
		"order_id": orderID, "amount": 15000}).Expect(201)
}

// buyerOn is a harness dating check-ins by clock, a signed-up account's client,
// and one customer of it, name, who has bought something (as a check-in
// requires).
func buyerOn(t *testing.T, clock *testClock, name string) (*harness, *apitest.Client, customerOut) {
	t.Helper()
	h := newHarness(t, withClock(clock.Now))
	token, _ := h.signup(t)
	c := h.c.As(token)
	cust := createCustomer(t, c, name)
	recordPurchase(t, c, cust.ID, "order-"+name)
	return h, c, cust
}

func checkIn(c *apitest.Client, eventID int64, customer map[string]any) *apitest.Response {
	return c.Do("POST", fmt.Sprintf("/api/v1/events/%d/check-ins", eventID), map[string]any{"customer": customer})
}

func checkInOK(t *testing.T, c *apitest.Client, eventID, customerID int64) checkInOut {
	t.Helper()
	var out checkInOut
	checkIn(c, eventID, map[string]any{"id": customerID}).Expect(201).JSON(&out)
	return out
}

// A check-in at 23:59:59 and one at 00:00:00 Seoul time fall on two days; an
// event in Los Angeles counts its own days from the same instants.
func TestCheckInDaysFollowTheEventsTimeZone(t *testing.T) {
	seoul, la := mustZone(t, "Asia/Seoul"), mustZone(t, "America/Los_Angeles")
	clock := &testClock{t: time.Date(2026, 3, 2, 23, 59, 59, 0, seoul)}
	_, c, cust := buyerOn(t, clock, "김출석")

	inSeoul := createEvent(t, c, map[string]any{"name": "3월 출석체크", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	if inSeoul.Timezone != "Asia/Seoul" || inSeoul.Counting != "total" || inSeoul.Status != "running" || inSeoul.Today != "2026-03-02" {
		t.Fatalf("event defaults %+v", inSeoul)
	}
	tier := createTier(t, c, inSeoul.ID, 2, "아메리카노", 10, 2)

	first := checkInOK(t, c, inSeoul.ID, cust.ID)
	if first.CheckIn.Day != "2026-03-02" || first.DayCount != 1 || len(first.Granted) != 0 ||
		first.NextReward == nil || first.NextReward.TierID != tier.ID || first.NextReward.DaysUntil != 1 {
		t.Fatalf("check-in at 23:59:59: %+v", first)
	}
	// Still the same Seoul day half a second later: refused, with the standing.
	clock.Set(time.Date(2026, 3, 2, 23, 59, 59, 500_000_000, seoul))
	p := checkIn(c, inSeoul.ID, map[string]any{"id": cust.ID}).Expect(409)
	if p.Slug() != "already-checked-in" {
		t.Fatalf("second check-in: %s", p.Body)
	}
	var again struct{ Attendance attendanceOut }
	p.JSON(&again)
	if again.Attendance.DayCount != 1 || !again.Attendance.CheckedInToday || again.Attendance.Today != "2026-03-02" {
		t.Fatalf("409 attendance %+v", again.Attendance)
	}

	clock.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, seoul))
	second := checkInOK(t, c, inSeoul.ID, cust.ID)
	if second.CheckIn.Day != "2026-03-03" || second.DayCount != 2 || len(second.Granted) != 1 ||
		second.Granted[0].TierID != tier.ID || second.Granted[0].Status != "granted" ||
		second.CurrentReward == nil || second.CurrentReward.Name != "아메리카노" || second.NextReward != nil {
		t.Fatalf("check-in at 00:00:00: %+v", second)
	}

	// 2026-03-03 00:00 in Seoul is 2026-03-02 07:00 in Los Angeles.
	inLA := createEvent(t, c, map[string]any{"name": "LA store", "timezone": "America/Los_Angeles",
		"starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	if inLA.Today != "2026-03-02" {
		t.Fatalf("LA today %q", inLA.Today)
	}
	if got := checkInOK(t, c, inLA.ID, cust.ID); got.CheckIn.Day != "2026-03-02" {
		t.Fatalf("LA check-in dated %s", got.CheckIn.Day)
	}
	// 16:59:59 in Seoul (a new Seoul day) is still 23:59:59 of the same LA day.
	clock.Set(time.Date(2026, 3, 2, 23, 59, 59, 0, la))
	if p := checkIn(c, inLA.ID, map[string]any{"id": cust.ID}).Expect(409); p.Slug() != "already-checked-in" {
		t.Fatalf("LA same day: %s", p.Body)
	}
	clock.Set(time.Date(2026, 3, 3, 0, 0, 0, 0, la))
	if got := checkInOK(t, c, inLA.ID, cust.ID); got.CheckIn.Day != "2026-03-03" || got.DayCount != 2 {
		t.Fatalf("LA next day: %+v", got)
	}
	// The Seoul event still holds exactly its two days (it is 17:00 on the 3rd there).
	var att attendanceOut
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/customers/%d/attendance?days=3", inSeoul.ID, cust.ID), nil).Expect(200).JSON(&att)
	if att.TotalDays != 2 || att.Today != "2026-03-03" || len(att.Calendar) != 3 || att.Calendar[0].Day != "2026-03-01" ||
		att.Calendar[0].CheckedIn || !att.Calendar[1].CheckedIn || !att.Calendar[2].CheckedIn {
		t.Fatalf("Seoul attendance on %s: %+v", att.Today, att)
	}
}

// Consecutive counting resets after a missed day; total counting does not.
func TestConsecutiveCountingResetsAfterAGap(t *testing.T) {
	seoul := mustZone(t, "Asia/Seoul")
	day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, seoul) }
	clock := &testClock{t: day(1)}
	_, c, cust := buyerOn(t, clock, "박연속")
	streak := createEvent(t, c, map[string]any{"name": "연속 출석", "counting": "consecutive", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	total := createEvent(t, c, map[string]any{"name": "누적 출석", "counting": "total", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	sticker := createTier(t, c, streak.ID, 2, "스티커", 5, 0)
	coupon := createTier(t, c, streak.ID, 3, "쿠폰", 5, 0)
	totalCoupon := createTier(t, c, total.ID, 3, "쿠폰", 5, 0)

	for _, d := range []int{1, 2, 4} { // the 3rd is missed
		clock.Set(day(d))
		s := checkInOK(t, c, streak.ID, cust.ID)
		tt := checkInOK(t, c, total.ID, cust.ID)
		switch d {
		case 2:
			if s.DayCount != 2 || len(s.Granted) != 1 || s.Granted[0].TierID != sticker.ID ||
				s.NextReward == nil || s.NextReward.TierID != coupon.ID || s.NextReward.DaysUntil != 1 {
				t.Fatalf("day 2, consecutive: %+v", s)
			}
		case 4:
			if s.DayCount != 1 || s.StreakDays != 1 || s.TotalDays != 3 || len(s.Granted) != 0 {
				t.Fatalf("day 4 after the gap, consecutive: %+v", s)
			}
			// The sticker stays held; the coupon is two more days away.
			if s.CurrentReward == nil || s.CurrentReward.TierID != sticker.ID ||
				s.NextReward == nil || s.NextReward.TierID != coupon.ID || s.NextReward.DaysUntil != 2 {
				t.Fatalf("day 4 rewards, consecutive: %+v", s)
			}
			if tt.DayCount != 3 || len(tt.Granted) != 1 || tt.Granted[0].TierID != totalCoupon.ID {
				t.Fatalf("day 4, total: %+v", tt)
			}
		}
	}
	var att attendanceOut
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/customers/%d/attendance?days=5", streak.ID, cust.ID), nil).Expect(200).JSON(&att)
	var cal []string
	for _, d := range att.Calendar {
		mark := "-"
		if d.CheckedIn {
			mark = "x"
		}
		cal = append(cal, d.Day[5:]+mark)
	}
	if got := strings.Join(cal, " "); got != "02-28- 03-01x 03-02x 03-03- 03-04x" {
		t.Fatalf("calendar %q", got)
	}
	// Two days later without a check-in the run is broken: nothing counts yet.
	clock.Set(day(6))
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/customers/%d/attendance", streak.ID, cust.ID), nil).Expect(200).JSON(&att)
	if att.DayCount != 0 || att.StreakDays != 0 || att.TotalDays != 3 || att.CheckedInToday || att.LastCheckIn != "2026-03-04" ||
		att.NextReward == nil || att.NextReward.DaysUntil != 3 || len(att.Calendar) != 30 {
		t.Fatalf("broken run: %+v", att)
	}
	// The admin view agrees.
	var rows struct {
		Items []struct {
			CustomerID int64  `json:"customer_id"`
			TotalDays  int    `json:"total_days"`
			StreakDays int    `json:"streak_days"`
			DayCount   int    `json:"day_count"`
			LastDay    string `json:"last_day"`
			Granted    int    `json:"granted"`
		}
		Total int64
	}
	c.Do("GET", fmt.Sprintf("/api/v1/events/%d/attendance", streak.ID), nil).Expect(200).JSON(&rows)
	if rows.Total != 1 || rows.Items[0].CustomerID != cust.ID || rows.Items[0].TotalDays != 3 || rows.Items[0].DayCount != 0 ||
		rows.Items[0].LastDay != "2026-03-04" || rows.Items[0].Granted != 1 {
		t.Fatalf("admin attendance %+v", rows)
	}
}

// What the refusals leave behind: nothing.
type attendanceFootprint struct{ checkins, grants, purchases, stock int }

func (h *harness) footprint(t *testing.T, tierID int64) attendanceFootprint {
	t.Helper()
	var stock int
	if err := h.db.Get(&stock, `SELECT stock FROM event_tiers WHERE id = ?`, tierID); err != nil {
		t.Fatal(err)
	}
	return attendanceFootprint{h.count(t, "checkins"), h.count(t, "event_grants"), h.count(t, "purchases"), stock}
}

// Every refusal answers a problem document that names it, and writes nothing.
func TestCheckInRefusalsNameTheReasonAndWriteNothing(t *testing.T) {
	seoul := mustZone(t, "Asia/Seoul")
	clock := &testClock{t: time.Date(2026, 5, 10, 9, 0, 0, 0, seoul)}
	h := newHarness(t, withClock(clock.Now))
	tokA, _ := h.signup(t)
	tokB, _ := h.signup(t)
	a, b := h.c.As(tokA), h.c.As(tokB)
	buyer := createCustomer(t, a, "구매고객")
	recordPurchase(t, a, buyer.ID, "A-1001")
	browser := createCustomer(t, a, "구경고객")
	outsider := createCustomer(t, b, "다른계정고객")
	recordPurchase(t, b, outsider.ID, "B-1001")
	running := createEvent(t, a, map[string]any{"name": "5월 출석", "starts_on": "2026-05-01", "ends_on": "2026-05-31"})
	tier := createTier(t, a, running.ID, 1, "첫 출석 쿠폰", 3, 0)
	ended := createEvent(t, a, map[string]any{"name": "4월 출석", "starts_on": "2026-04-01", "ends_on": "2026-04-30"})
	upcoming := createEvent(t, a, map[string]any{"name": "6월 출석", "starts_on": "2026-06-01", "ends_on": "2026-06-30"})
	eventB := createEvent(t, b, map[string]any{"name": "B 출석", "starts_on": "2026-05-01", "ends_on": "2026-05-31"})
	if ended.Status != "ended" || upcoming.Status != "upcoming" {
		t.Fatalf("statuses %s %s", ended.Status, upcoming.Status)
	}

	before := h.footprint(t, tier.ID)
	refusals := []struct {
		name     string
		c        *apitest.Client
		eventID  int64
		customer map[string]any
		status   int
		slug     string
		detail   string // a part of the detail that says which
	}{
		{"unknown phone", a, running.ID, map[string]any{"phone": "010-4040-4040"}, 422, "unknown-customer", "010-4040-4040"},
		{"unknown e-mail", a, running.ID, map[string]any{"email": "nobody@example.com"}, 422, "unknown-customer", "nobody@example.com"},
		{"another account's customer", a, running.ID, map[string]any{"id": outsider.ID}, 422, "unknown-customer", fmt.Sprintf("id %d", outsider.ID)},
		{"no purchase", a, running.ID, map[string]any{"id": browser.ID}, 422, "no-purchase-history", "no purchase"},
		{"ended", a, ended.ID, map[string]any{"id": buyer.ID}, 409, "event-not-running", "has ended"},
		{"not started", a, upcoming.ID, map[string]any{"id": buyer.ID}, 409, "event-not-running", "has not started"},
		{"another account's event", b, running.ID, map[string]any{"id": outsider.ID}, 404, "not-found", "event"},
		{"own customer on another account's event", a, eventB.ID, map[string]any{"id": buyer.ID}, 404, "not-found", "event"},
		{"no customer", a, running.ID, nil, 422, "validation", "customer"},
		{"two identifiers", a, running.ID, map[string]any{"id": buyer.ID, "phone": "010-1111-2222"}, 422, "validation", "customer"},
		{"bad phone", a, running.ID, map[string]any{"phone": "12"}, 422, "validation", "customer.phone"},
	}
	for _, r := range refusals {
		body := map[string]any{}
		if r.customer != nil {
			body["customer"] = r.customer
		}
		resp := r.c.Do("POST", fmt.Sprintf("/api/v1/events/%d/check-ins", r.eventID), body)
		if resp.Status != r.status {
			t.Errorf("%s: status %d, want %d: %s", r.name, resp.Status, r.status, resp.Body)
			continue
		}
		p := resp.Problem()
		if resp.Slug() != r.slug || !strings.Contains(p.Detail, r.detail) {
			t.Errorf("%s: %s %q, want %s mentioning %q", r.name, resp.Slug(), p.Detail, r.slug, r.detail)
		}
	}
	if after := h.footprint(t, tier.ID); after != before {
		t.Fatalf("refusals wrote something: %+v → %+v", before, after)
	}

	// The one that is allowed, then the same again: already checked in.
	first := checkInOK(t, a, running.ID, buyer.ID)
	if len(first.Granted) != 1 || first.Granted[0].Status != "granted" {
		t.Fatalf("first check-in %+v", first)
	}
	afterFirst := h.footprint(t, tier.ID)
	if afterFirst != (attendanceFootprint{before.checkins + 1, before.grants + 1, before.purchases, before.stock - 1}) {
		t.Fatalf("first check-in footprint %+v (before %+v)", afterFirst, before)
	}
	for _, ref := range []map[string]any{{"id": buyer.ID}, {"phone": buyer.Phone}} {
		resp := checkIn(a, running.ID, ref).Expect(409)
		if resp.Slug() != "already-checked-in" {
			t.Fatalf("second check-in: %s", resp.Body)
		}
	}
	if again := h.footprint(t, tier.ID); again != afterFirst {
		t.Fatalf("already-checked-in wrote something: %+v → %+v", afterFirst, again)
	}

	// A purchase for an unknown customer is refused the same way.
	resp := a.Do("POST", "/api/v1/purchases", map[string]any{"customer": map[string]any{"phone": "010-4040-4040"},
		"order_id": "A-404", "amount": 1000}).Expect(422)
	if resp.Slug() != "unknown-customer" {
		t.Fatalf("purchase for unknown customer: %s", resp.Body)
	}
	if h.footprint(t, tier.ID) != afterFirst {
		t.Fatal("the refused purchase was stored")
	}
}

// Purchases are idempotent per order id; a reused order id for something else
// is a conflict.
func TestPurchasesAreIdempotentPerOrder(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	cust := createCustomer(t, c, "최구매")
	other := createCustomer(t, c, "최구매2")
	body := map[string]any{"customer": map[string]any{"phone": cust.Phone}, "order_id": "ORD-7", "amount": 32000,
		"purchased_at": "2026-03-01T14:30:00+09:00"}
	var first, again struct {
		ID          int64     `json:"id"`
		CustomerID  int64     `json:"customer_id"`
		PurchasedAt time.Time `json:"purchased_at"`
	}
	c.Do("POST", "/api/v1/purchases", body).Expect(201).JSON(&first)
	c.Do("POST", "/api/v1/purchases", body).Expect(200).JSON(&again)
	if first.ID != again.ID || first.CustomerID != cust.ID || !first.PurchasedAt.Equal(time.Date(2026, 3, 1, 5, 30, 0, 0, time.UTC)) {
		t.Fatalf("purchases %+v %+v", first, again)
	}
	body["customer"] = map[string]any{"id": other.ID}
	c.Do("POST", "/api/v1/purchases", body).Expect(409)
	p := c.Do("POST", "/api/v1/purchases", map[string]any{"customer": map[string]any{"id": cust.ID}, "amount": -1,
		"purchased_at": "yesterday"}).Expect(422).Problem()
	fields := map[string]bool{}
	for _, e := range p.Errors {
		fields[e.Field] = true
	}
	if !fields["order_id"] || !fields["amount"] || !fields["purchased_at"] {
		t.Fatalf("validation errors %+v", p.Errors)
	}
	var list struct{ Total int64 }
	c.Do("GET", fmt.Sprintf("/api/v1/purchases?customer_id=%d", cust.ID), nil).Expect(200).JSON(&list)
	var stored []struct {
		CustomerID int64 `db:"customer_id"`
		Amount     int64 `db:"amount"`
	}
	if err := h.db.Select(&stored, `SELECT customer_id, amount FROM purchases
		WHERE order_id = 'ORD-7' AND account_id = (SELECT account_id FROM customers WHERE id = ?)`, cust.ID); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || len(stored) != 1 || stored[0].CustomerID != cust.ID || stored[0].Amount != 32000 {
		t.Fatalf("purchases of the customer: %d; stored for ORD-7: %+v", list.Total, stored)
	}
}

// Event and tier validation names each field.
func TestEventAndTierValidationNamesTheFields(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	fieldsOf := func(r *apitest.Response) map[string]bool {
		out := map[string]bool{}
		for _, e := range r.Expect(422).Problem().Errors {
			out[e.Field] = true
		}
		return out
	}
	got := fieldsOf(c.Do("POST", "/api/v1/events", map[string]any{"timezone": "Mars/Olympus", "starts_on": "2026-03-10",
		"ends_on": "2026-03-01", "counting": "sometimes", "reminder": map[string]any{"time": "25:00", "template_id": 999999},
		"alert": map[string]any{"emails": []string{"ops@shop.example", "nope"}, "webhook_url": "ftp://x"}}))
	for _, f := range []string{"name", "timezone", "ends_on", "counting", "reminder.time", "reminder.template_id", "alert.emails[1]", "alert.webhook_url"} {
		if !got[f] {
			t.Errorf("no error for %s: %v", f, got)
		}
	}
	e := createEvent(t, c, map[string]any{"name": "검증", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	if e.Reminder != nil || e.Notice != nil || len(e.Alert.Emails) != 0 {
		t.Fatalf("event without extras %+v", e)
	}
	got = fieldsOf(c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", e.ID), map[string]any{"days": 0, "stock": -1}))
	for _, f := range []string{"days", "name", "stock"} {
		if !got[f] {
			t.Errorf("no tier error for %s: %v", f, got)
		}
	}
	tier := createTier(t, c, e.ID, 7, "일주일 선물", 10, 3)
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers", e.ID), map[string]any{"days": 7, "name": "dup", "stock": 1}).Expect(409)
	got = fieldsOf(c.Do("PATCH", fmt.Sprintf("/api/v1/events/%d/tiers/%d", e.ID, tier.ID), map[string]any{"stock": 99}))
	if !got["stock"] {
		t.Errorf("PATCH stock was not refused: %v", got)
	}
	got = fieldsOf(c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", e.ID, tier.ID), map[string]any{"delta": 5, "set": 3}))
	if !got["set"] || !got["reason"] {
		t.Errorf("stock errors %v", got)
	}
	p := c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", e.ID, tier.ID), map[string]any{"delta": -11, "reason": "파손"}).Expect(422)
	if p.Slug() != "stock-out-of-range" {
		t.Fatalf("taking more than there is: %s", p.Body)
	}
	var updated tierOut
	c.Do("PATCH", fmt.Sprintf("/api/v1/events/%d/tiers/%d", e.ID, tier.ID), map[string]any{"name": "7일 선물", "low_stock_threshold": 5}).Expect(200).JSON(&updated)
	if updated.Name != "7일 선물" || updated.LowStockThreshold != 5 || updated.Stock != 10 {
		t.Fatalf("patched tier %+v", updated)
	}
}

// Account B can never see or change anything of account A's events: every
// attempt answers 404, and A's event is untouched.
func TestAnotherAccountsEventsAreInvisible(t *testing.T) {
	now, today := seoulDay(t)
	h := newHarness(t, withClock(now))
	tokA, _ := h.signup(t)
	tokB, _ := h.signup(t)
	a, b := h.c.As(tokA), h.c.As(tokB)
	custA := createCustomer(t, a, "에이")
	custB := createCustomer(t, b, "비")
	ev := createEvent(t, a, map[string]any{"name": "A 이벤트", "starts_on": today, "ends_on": today})
	tier := createTier(t, a, ev.ID, 1, "A 선물", 5, 1)
	base := fmt.Sprintf("/api/v1/events/%d", ev.ID)
	tierPath := fmt.Sprintf("%s/tiers/%d", base, tier.ID)
	attempts := []struct {
		method, path string
		body         any
	}{
		{"GET", base, nil},
		{"PATCH", base, map[string]any{"name": "hacked"}},
		{"DELETE", base, nil},
		{"GET", base + "/tiers", nil},
		{"POST", base + "/tiers", map[string]any{"days": 2, "name": "x", "stock": 1}},
		{"GET", tierPath, nil},
		{"PATCH", tierPath, map[string]any{"name": "hacked"}},
		{"GET", tierPath + "/stock", nil},
		{"POST", tierPath + "/stock", map[string]any{"delta": 100, "reason": "hack"}},
		{"POST", base + "/check-ins", map[string]any{"customer": map[string]any{"id": custB.ID}}},
		{"GET", fmt.Sprintf("%s/customers/%d/attendance", base, custA.ID), nil},
		{"GET", fmt.Sprintf("%s/customers/%d/attendance", base, custB.ID), nil},
		{"GET", base + "/attendance", nil},
		{"GET", base + "/grants", nil},
		{"GET", base + "/alerts", nil},
	}
	for _, at := range attempts {
		if resp := b.Do(at.method, at.path, at.body); resp.Status != 404 {
			t.Errorf("B %s %s answered %d, want 404: %s", at.method, at.path, resp.Status, resp.Body)
		}
	}
	var events struct {
		Items []eventOut
		Total int64
	}
	b.Do("GET", "/api/v1/events", nil).Expect(200).JSON(&events)
	if events.Total != 0 {
		t.Fatalf("B lists A's events: %+v", events.Items)
	}
	var purchases struct{ Total int64 }
	b.Do("GET", fmt.Sprintf("/api/v1/purchases?customer_id=%d", custA.ID), nil).Expect(200).JSON(&purchases)
	if purchases.Total != 0 {
		t.Fatal("B lists A's purchases")
	}
	var still eventOut
	a.Do("GET", base, nil).Expect(200).JSON(&still)
	var stillTier tierOut
	a.Do("GET", tierPath, nil).Expect(200).JSON(&stillTier)
	if still.Name != "A 이벤트" || stillTier.Name != "A 선물" || stillTier.Stock != 5 {
		t.Fatalf("A's event changed: %+v %+v", still, stillTier)
	}
}

// A check-in just before midnight that is still in its transaction (here it
// waits for its tier's row) and a retry just after midnight are counted one
// after the other: the retry counts from the day before it, so the total loses
// no day and a streak that never broke is not reset to 1.
func TestACheckInAcrossMidnightCountsFromTheOneBeforeIt(t *testing.T) {
	seoul := mustZone(t, "Asia/Seoul")
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, seoul)}
	h, c, cust := buyerOn(t, clock, "한자정")
	ev := createEvent(t, c, map[string]any{"name": "연속 출석", "counting": "consecutive", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	tier := createTier(t, c, ev.ID, 3, "쿠폰", 5, 0)
	checkInOK(t, c, ev.ID, cust.ID)
	clock.Set(time.Date(2026, 3, 2, 12, 0, 0, 0, seoul))
	checkInOK(t, c, ev.ID, cust.ID)

	// waiting counts this database's connections in the middle of a statement
	// that contains what: with the tier's row held below, those are waiting for
	// a lock. (PROCESSLIST, not INNODB_TRX: MariaDB 10.11 shows a transaction
	// waiting in its first locking read there only now and then.)
	var db string
	if err := h.db.Get(&db, `SELECT DATABASE()`); err != nil {
		t.Fatal(err)
	}
	waiting := func(what string) int {
		var rows []struct {
			DB      sql.NullString `db:"DB"`
			Command string         `db:"COMMAND"`
			Info    sql.NullString `db:"INFO"`
		}
		if err := h.db.Select(&rows, `SELECT DB, COMMAND, INFO FROM information_schema.PROCESSLIST`); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range rows {
			if r.DB.String == db && r.Command == "Query" && strings.Contains(r.Info.String, what) {
				n++
			}
		}
		return n
	}
	hold, err := h.db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT stock FROM event_tiers WHERE id = ? FOR UPDATE`, tier.ID); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   []byte
	}
	send := func() chan answer {
		ch := make(chan answer, 1)
		go func() {
			r := c.Do("POST", fmt.Sprintf("/api/v1/events/%d/check-ins", ev.ID), map[string]any{"customer": map[string]any{"id": cust.ID}})
			ch <- answer{r.Status, r.Body}
		}()
		return ch
	}
	// The 3rd's check-in reaches the tier and waits for its row.
	clock.Set(time.Date(2026, 3, 3, 23, 59, 59, 0, seoul))
	before := send()
	waitFor(t, "the 3rd's check-in waiting for its tier", func() bool {
		select {
		case a := <-before:
			t.Fatalf("the 3rd's check-in answered while its tier was locked: %d %s", a.status, a.body)
		default:
		}
		return waiting("FROM event_tiers WHERE id") == 1
	})
	// The retry after midnight starts while it waits.
	clock.Set(time.Date(2026, 3, 4, 0, 0, 5, 0, seoul))
	after := send()
	var early *answer
	waitFor(t, "the 4th's check-in answered or waiting", func() bool {
		select {
		case a := <-after:
			early = &a
			return true
		default:
			return waiting("FOR UPDATE") == 2
		}
	})
	if early != nil {
		t.Fatalf("the 4th's check-in answered while the 3rd's was still open: %d %s", early.status, early.body)
	}
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	var third, fourth checkInOut
	for _, x := range []struct {
		ch  chan answer
		out *checkInOut
	}{{before, &third}, {after, &fourth}} {
		a := <-x.ch
		if a.status != 201 {
			t.Fatalf("check-in answered %d: %s", a.status, a.body)
		}
		if err := json.Unmarshal(a.body, x.out); err != nil {
			t.Fatal(err)
		}
	}
	if third.CheckIn.Day != "2026-03-03" || len(third.Granted) != 1 || third.Granted[0].TierID != tier.ID {
		t.Fatalf("the 3rd: %+v", third)
	}
	if fourth.CheckIn.Day != "2026-03-04" || fourth.TotalDays != 4 || fourth.StreakDays != 4 || len(fourth.Granted) != 0 {
		t.Fatalf("the 4th counted %d days, a streak of %d (want 4 and 4): %+v", fourth.TotalDays, fourth.StreakDays, fourth)
	}
	var rows []struct {
		Day    string `db:"day"`
		Total  int    `db:"total_days"`
		Streak int    `db:"streak_days"`
	}
	if err := h.db.Select(&rows, `SELECT DATE_FORMAT(day, '%Y-%m-%d') AS day, total_days, streak_days FROM checkins
		WHERE event_id = ? AND customer_id = ? ORDER BY day`, ev.ID, cust.ID); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(rows); got != "[{2026-03-01 1 1} {2026-03-02 2 2} {2026-03-03 3 3} {2026-03-04 4 4}]" {
		t.Fatalf("stored check-ins (day, total, streak): %s", got)
	}
}
