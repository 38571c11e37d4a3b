package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
)

// Purchase is an order a customer placed; one is enough to take part in the
// account's attendance events.
type Purchase struct {
	ID          int64     `db:"id" json:"id"`
	AccountID   int64     `db:"account_id" json:"-"`
	CustomerID  int64     `db:"customer_id" json:"customer_id"`
	OrderID     string    `db:"order_id" json:"order_id"`
	Amount      int64     `db:"amount" json:"amount"`
	PurchasedAt time.Time `db:"purchased_at" json:"purchased_at"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// RecordPurchase stores a purchase. The order id is unique per account: the same
// order recorded again answers the stored purchase with created false, and an
// order id already used for another customer or amount is ErrConflict.
func (s *Store) RecordPurchase(ctx context.Context, accountID int64, p Purchase) (Purchase, bool, error) {
	t := now()
	_, err := s.db.ExecContext(ctx, `INSERT INTO purchases (account_id, customer_id, order_id, amount, purchased_at, created_at)
		VALUES (?,?,?,?,?,?)`, accountID, p.CustomerID, p.OrderID, p.Amount, p.PurchasedAt.UTC(), t)
	created := err == nil
	if err != nil && !isDuplicate(err) {
		return Purchase{}, false, fmt.Errorf("insert purchase: %w", err)
	}
	var stored Purchase
	if err := s.db.GetContext(ctx, &stored, `SELECT `+purchasesColumns+` FROM purchases WHERE account_id = ? AND order_id = ?`,
		accountID, p.OrderID); err != nil {
		return Purchase{}, false, fmt.Errorf("read purchase %q: %w", p.OrderID, err)
	}
	if !created && (stored.CustomerID != p.CustomerID || stored.Amount != p.Amount) {
		return stored, false, fmt.Errorf("order %q was already recorded for customer %d with amount %d: %w",
			p.OrderID, stored.CustomerID, stored.Amount, ErrConflict)
	}
	return stored, created, nil
}

// Purchases pages the account's purchases, newest first, of one customer when
// customerID is not 0.
func (s *Store) Purchases(ctx context.Context, accountID, customerID int64, p Page) ([]Purchase, int64, error) {
	where, args := "account_id = ?", []any{accountID}
	if customerID != 0 {
		where, args = where+" AND customer_id = ?", append(args, customerID)
	}
	// Sorted by (purchased_at DESC, id DESC): the cursor is PurchaseCursor's pair.
	page, pargs := where, args
	k, ok, err := p.keys(2)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		at := time.UnixMicro(k[0]).UTC()
		page += " AND (purchased_at < ? OR (purchased_at = ? AND id < ?))"
		pargs = append(append([]any{}, args...), at, at, k[1])
	}
	ps := []Purchase{}
	if err := s.db.SelectContext(ctx, &ps, `SELECT `+purchasesColumns+` FROM purchases WHERE `+page+` ORDER BY purchased_at DESC, id DESC
		LIMIT ? OFFSET ?`, append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list purchases: %w", err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM purchases WHERE `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count purchases: %w", err)
	}
	return ps, total, nil
}

// PurchaseCursor is a purchase's cursor in the list of purchases.
func PurchaseCursor(p Purchase) string { return Cursor(p.PurchasedAt.UnixMicro(), p.ID) }

// HasPurchased reports whether the customer has at least one purchase.
func (s *Store) HasPurchased(ctx context.Context, accountID, customerID int64) (bool, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM (SELECT 1 FROM purchases WHERE account_id = ? AND customer_id = ? LIMIT 1) p`,
		accountID, customerID)
	if err != nil {
		return false, fmt.Errorf("purchases of customer %d: %w", customerID, err)
	}
	return n > 0, nil
}

// Grant statuses.
const (
	GrantGranted    = "granted"
	GrantWaitlisted = "waitlisted"
)

// CheckIn is one customer's attendance on one local day of an event.
type CheckIn struct {
	ID          int64     `db:"id"`
	AccountID   int64     `db:"account_id"`
	EventID     int64     `db:"event_id"`
	CustomerID  int64     `db:"customer_id"`
	Day         time.Time `db:"day"`
	TotalDays   int       `db:"total_days"`
	StreakDays  int       `db:"streak_days"`
	CheckedInAt time.Time `db:"checked_in_at"`
}

// DayCount is the check-in's attendance count under the event's counting mode.
func (c CheckIn) DayCount(counting string) int {
	if counting == CountingConsecutive {
		return c.StreakDays
	}
	return c.TotalDays
}

// Standing is a customer's attendance counts in an event as of a local day.
type Standing struct {
	TotalDays int
	// StreakDays is the run of days ending at the last check-in while the run
	// is alive (its last day is the day asked about or the one before); 0 once
	// a day was missed.
	StreakDays int
	// DayCount is what tiers are reached by: TotalDays, or StreakDays when the
	// event counts consecutive days.
	DayCount int
}

// StandingOn is the standing on today (a local date) of a customer whose last
// check-in was on lastDay with those counts (zero values: none yet).
func (e Event) StandingOn(today, lastDay time.Time, totalDays, streakDays int) Standing {
	out := Standing{TotalDays: totalDays}
	if !lastDay.Before(today.AddDate(0, 0, -1)) {
		out.StreakDays = streakDays
	}
	out.DayCount = out.TotalDays
	if e.Counting == CountingConsecutive {
		out.DayCount = out.StreakDays
	}
	return out
}

// NextTier is the lowest tier (tiers by days) the customer does not hold yet,
// and how many more check-ins reach it: at least one, since a tier the count
// has passed already (added later) comes with the next check-in.
func NextTier(tiers []Tier, held map[int64]bool, dayCount int) (next Tier, daysUntil int, ok bool) {
	for _, t := range tiers {
		if !held[t.ID] {
			return t, max(t.Days-dayCount, 1), true
		}
	}
	return Tier{}, 0, false
}

// Grant is a customer's reward of one tier: granted, or waitlisted until the tier
// is restocked.
type Grant struct {
	ID            int64     `db:"id" json:"id"`
	AccountID     int64     `db:"account_id" json:"-"`
	EventID       int64     `db:"event_id" json:"event_id"`
	TierID        int64     `db:"tier_id" json:"tier_id"`
	TierName      string    `db:"tier_name" json:"tier_name"`
	TierDays      int       `db:"tier_days" json:"tier_days"`
	CustomerID    int64     `db:"customer_id" json:"customer_id"`
	CustomerName  string    `db:"customer_name" json:"customer_name"`
	CustomerPhone string    `db:"customer_phone" json:"customer_phone"`
	Status        string    `db:"status" json:"status"`
	CheckInID     int64     `db:"checkin_id" json:"checkin_id"`
	AdjustmentID  int64     `db:"adjustment_id" json:"adjustment_id,omitempty"`
	ReachedAt     time.Time `db:"reached_at" json:"reached_at"`
	GrantedAt     time.Time `db:"granted_at" json:"granted_at,omitzero"`
	// WaitlistPosition is the grant's place in its tier's wait list (1 is served
	// first); 0 once granted.
	WaitlistPosition int64 `db:"waitlist_position" json:"waitlist_position,omitempty"`
}

const grantColumns = `g.id, g.account_id, g.event_id, g.tier_id, t.name AS tier_name, t.days AS tier_days,
	g.customer_id, c.name AS customer_name, c.phone AS customer_phone, g.status, g.checkin_id, g.adjustment_id,
	g.reached_at, g.granted_at,
	IF(g.status = 'waitlisted', (SELECT COUNT(*) FROM event_grants w
		WHERE w.tier_id = g.tier_id AND w.status = 'waitlisted' AND w.id <= g.id), 0) AS waitlist_position
	FROM event_grants g JOIN event_tiers t ON t.id = g.tier_id JOIN customers c ON c.id = g.customer_id`

func tidyGrants(gs []Grant) []Grant {
	for i := range gs {
		if !IsSet(gs[i].GrantedAt) {
			gs[i].GrantedAt = time.Time{}
		}
	}
	return gs
}

// CheckInInput records one check-in.
type CheckInInput struct {
	EventID    int64
	CustomerID int64
	Counting   string    // the event's counting mode, which decides the tiers reached
	Day        time.Time // the local day in the event's time zone (midnight UTC of it)
	At         time.Time
}

// CheckInResult is what a check-in did.
type CheckInResult struct {
	CheckIn CheckIn
	// Grants are the tiers this check-in reached: granted, or waitlisted when the
	// tier was out of stock.
	Grants []Grant
	// Stock holds the tiers whose stock this check-in took, as they are after it.
	Stock []TierStock
}

// ErrAlreadyCheckedIn refuses a second check-in on the same local day.
var ErrAlreadyCheckedIn = fmt.Errorf("already checked in on this day: %w", ErrConflict)

// CheckIn records a customer's attendance for in.Day and grants, in the same
// transaction, every tier the new day count reaches that the customer does not
// hold yet. The unique key (event, customer, day) is what refuses a second
// check-in that day (ErrAlreadyCheckedIn); stock is taken with a conditional
// decrement that cannot go below zero, and a tier out of stock puts the customer
// on its wait list. Deadlocks and lock waits retry the whole transaction.
func (s *Store) CheckIn(ctx context.Context, accountID int64, in CheckInInput) (CheckInResult, error) {
	var out CheckInResult
	err := s.inTxRetrying(ctx, func(tx *sqlx.Tx) error {
		out = CheckInResult{}
		ci, err := insertCheckIn(ctx, tx, accountID, in)
		if err != nil {
			return err
		}
		out.CheckIn = ci
		var reached []Tier
		if err := tx.SelectContext(ctx, &reached, `SELECT id, days, name FROM event_tiers t
			WHERE t.event_id = ? AND t.days <= ?
			AND NOT EXISTS (SELECT 1 FROM event_grants g WHERE g.tier_id = t.id AND g.customer_id = ?)
			ORDER BY t.days`, in.EventID, ci.DayCount(in.Counting), in.CustomerID); err != nil {
			return fmt.Errorf("tiers reached: %w", err)
		}
		var ids []int64
		for _, t := range reached {
			id, granted, err := grantTier(ctx, tx, accountID, in, ci.ID, t.ID)
			if err != nil {
				return err
			}
			ids = append(ids, id)
			if granted {
				ts, err := tierStockTx(ctx, tx, t.ID)
				if err != nil {
					return err
				}
				out.Stock = append(out.Stock, ts)
			}
		}
		out.Grants, err = grantsByID(ctx, tx, ids)
		return err
	})
	return out, err
}

// insertCheckIn counts the new day from the customer's previous check-in and
// inserts the row; the unique key refuses a second one the same day.
func insertCheckIn(ctx context.Context, tx *sqlx.Tx, accountID int64, in CheckInInput) (CheckIn, error) {
	ci := CheckIn{AccountID: accountID, EventID: in.EventID, CustomerID: in.CustomerID, Day: in.Day,
		TotalDays: 1, StreakDays: 1, CheckedInAt: in.At.UTC().Truncate(time.Microsecond)}
	var prev CheckIn
	err := tx.GetContext(ctx, &prev, `SELECT `+checkinsColumns+` FROM checkins WHERE event_id = ? AND customer_id = ? AND day < ?
		ORDER BY day DESC LIMIT 1`, in.EventID, in.CustomerID, in.Day.Format(time.DateOnly))
	switch {
	case err == nil:
		ci.TotalDays = prev.TotalDays + 1
		if prev.Day.AddDate(0, 0, 1).Equal(in.Day) {
			ci.StreakDays = prev.StreakDays + 1
		}
	case !errors.Is(err, sql.ErrNoRows):
		return ci, fmt.Errorf("previous check-in: %w", err)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO checkins (account_id, event_id, customer_id, day, total_days, streak_days,
		checked_in_at) VALUES (?,?,?,?,?,?,?)`, accountID, in.EventID, in.CustomerID, in.Day.Format(time.DateOnly),
		ci.TotalDays, ci.StreakDays, ci.CheckedInAt)
	if err != nil {
		if isDuplicate(err) {
			return ci, ErrAlreadyCheckedIn
		}
		return ci, fmt.Errorf("insert check-in: %w", err)
	}
	ci.ID, _ = res.LastInsertId()
	return ci, nil
}

// grantTier gives the customer the tier: one unit of stock if there is any left,
// else a place on the wait list.
//
// The tier row is locked first. Without the lock, a READ COMMITTED decrement
// skips a row another transaction holds (it judges "stock > 0" on the last
// committed version), so a check-in racing a restock could join the wait list
// while the restock leaves stock behind; and the grant row's foreign key would
// share-lock the tier before the decrement asks for the exclusive lock, which
// deadlocks two check-ins. Check-ins that reach the same tier therefore queue on
// its row for a few statements; tiers are locked in day order, the same in every
// check-in. The decrement keeps its "stock > 0" guard all the same.
//
// The grant's unique key (tier, customer) makes it once per customer; the caller
// has filtered out the tiers the customer holds, so a duplicate here is a race
// that a retry of the whole transaction resolves.
func grantTier(ctx context.Context, tx *sqlx.Tx, accountID int64, in CheckInInput, checkInID, tierID int64) (int64, bool, error) {
	at := in.At.UTC().Truncate(time.Microsecond)
	var stock int64
	if err := tx.GetContext(ctx, &stock, `SELECT stock FROM event_tiers WHERE id = ? FOR UPDATE`, tierID); err != nil {
		return 0, false, fmt.Errorf("lock tier %d: %w", tierID, notFound(err))
	}
	granted := false
	if stock > 0 {
		res, err := tx.ExecContext(ctx, `UPDATE event_tiers SET stock = stock - 1, version = version + 1, updated_at = ?
			WHERE id = ? AND stock > 0`, at, tierID)
		if err != nil {
			return 0, false, fmt.Errorf("take stock of tier %d: %w", tierID, err)
		}
		n, _ := res.RowsAffected()
		granted = n == 1
	}
	status, grantedAt := GrantWaitlisted, time.Unix(0, 0).UTC()
	if granted {
		status, grantedAt = GrantGranted, at
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO event_grants (account_id, event_id, tier_id, customer_id, status, checkin_id,
		reached_at, granted_at) VALUES (?,?,?,?,?,?,?,?)`, accountID, in.EventID, tierID, in.CustomerID, status, checkInID, at, grantedAt)
	if err != nil {
		if isDuplicate(err) {
			return 0, false, fmt.Errorf("customer %d already holds tier %d: %w", in.CustomerID, tierID, errRetryTx)
		}
		return 0, false, fmt.Errorf("insert grant of tier %d: %w", tierID, err)
	}
	id, _ := res.LastInsertId()
	return id, granted, nil
}

func grantsByID(ctx context.Context, q sqlx.QueryerContext, ids []int64) ([]Grant, error) {
	if len(ids) == 0 {
		return []Grant{}, nil
	}
	query, args, _ := sqlx.In(`SELECT `+grantColumns+` WHERE g.id IN (?) ORDER BY g.id`, ids)
	var gs []Grant
	if err := sqlx.SelectContext(ctx, q, &gs, query, args...); err != nil {
		return nil, fmt.Errorf("read grants: %w", err)
	}
	return tidyGrants(gs), nil
}

// GrantFilter narrows a list of grants.
type GrantFilter struct {
	Status     string // granted, waitlisted, or "" for both
	TierID     int64
	CustomerID int64
}

// Grants pages an event's grants, wait list included, in the order customers
// reached their tiers (which is the wait list's order).
func (s *Store) Grants(ctx context.Context, accountID, eventID int64, f GrantFilter, p Page) ([]Grant, int64, error) {
	where := []string{"g.account_id = ?", "g.event_id = ?"}
	args := []any{accountID, eventID}
	if f.Status != "" {
		where, args = append(where, "g.status = ?"), append(args, f.Status)
	}
	if f.TierID != 0 {
		where, args = append(where, "g.tier_id = ?"), append(args, f.TierID)
	}
	if f.CustomerID != 0 {
		where, args = append(where, "g.customer_id = ?"), append(args, f.CustomerID)
	}
	w := strings.Join(where, " AND ")
	page, pargs, err := p.afterID("g.id", false, where, args)
	if err != nil {
		return nil, 0, err
	}
	gs := []Grant{}
	if err := s.db.SelectContext(ctx, &gs, `SELECT `+grantColumns+` WHERE `+strings.Join(page, " AND ")+` ORDER BY g.id LIMIT ? OFFSET ?`,
		append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list grants: %w", err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM event_grants g WHERE `+w, args...); err != nil {
		return nil, 0, fmt.Errorf("count grants: %w", err)
	}
	return tidyGrants(gs), total, nil
}

// CustomerAttendance is one customer's record in an event.
type CustomerAttendance struct {
	Last   *CheckIn  // the latest check-in, nil when none
	Days   []CheckIn // check-ins in the asked range, oldest first
	Grants []Grant   // every tier the customer holds, granted or waitlisted
}

// CustomerAttendance reads a customer's check-ins between from and to (local
// days, inclusive), the latest check-in, and the customer's grants.
func (s *Store) CustomerAttendance(ctx context.Context, accountID, eventID, customerID int64, from, to time.Time) (CustomerAttendance, error) {
	var out CustomerAttendance
	var last CheckIn
	err := s.db.GetContext(ctx, &last, `SELECT `+checkinsColumns+` FROM checkins WHERE account_id = ? AND event_id = ? AND customer_id = ?
		ORDER BY day DESC LIMIT 1`, accountID, eventID, customerID)
	switch {
	case err == nil:
		out.Last = &last
	case !errors.Is(err, sql.ErrNoRows):
		return out, fmt.Errorf("latest check-in: %w", err)
	}
	out.Days = []CheckIn{}
	if err := s.db.SelectContext(ctx, &out.Days, `SELECT `+checkinsColumns+` FROM checkins WHERE account_id = ? AND event_id = ? AND customer_id = ?
		AND day BETWEEN ? AND ? ORDER BY day`, accountID, eventID, customerID, from.Format(time.DateOnly), to.Format(time.DateOnly)); err != nil {
		return out, fmt.Errorf("check-ins: %w", err)
	}
	out.Grants = []Grant{}
	if err := s.db.SelectContext(ctx, &out.Grants, `SELECT `+grantColumns+` WHERE g.account_id = ? AND g.event_id = ?
		AND g.customer_id = ? ORDER BY t.days`, accountID, eventID, customerID); err != nil {
		return out, fmt.Errorf("grants: %w", err)
	}
	out.Grants = tidyGrants(out.Grants)
	return out, nil
}

// AttendanceCursor is a row's cursor in an event's attendance list.
func AttendanceCursor(r AttendanceRow) string { return Cursor(int64(r.Days), r.CustomerID) }

// AttendanceRow is one customer's attendance in an event, for the admin.
type AttendanceRow struct {
	CustomerID    int64     `db:"customer_id"`
	CustomerName  string    `db:"customer_name"`
	CustomerPhone string    `db:"customer_phone"`
	Days          int       `db:"days"`
	FirstDay      time.Time `db:"first_day"`
	LastDay       time.Time `db:"last_day"`
	LastStreak    int       `db:"last_streak"` // consecutive days ending on LastDay
	Granted       int       `db:"granted"`
	Waitlisted    int       `db:"waitlisted"`
}

// Attendance pages the customers who checked in to an event, most days first.
func (s *Store) Attendance(ctx context.Context, accountID, eventID int64, p Page) ([]AttendanceRow, int64, error) {
	// Sorted by (days DESC, customer_id): the cursor is AttendanceCursor's pair.
	after, args := "", []any{eventID, eventID, eventID, accountID, eventID}
	k, ok, err := p.keys(2)
	if err != nil {
		return nil, 0, err
	}
	if ok {
		after = "WHERE (a.days < ? OR (a.days = ? AND a.customer_id > ?))"
		args = append(args, k[0], k[0], k[1])
	}
	rows := []AttendanceRow{}
	if err := s.db.SelectContext(ctx, &rows, `SELECT a.customer_id, c.name AS customer_name, c.phone AS customer_phone,
			a.days, a.first_day, a.last_day,
			(SELECT x.streak_days FROM checkins x WHERE x.event_id = ? AND x.customer_id = a.customer_id AND x.day = a.last_day) AS last_streak,
			(SELECT COUNT(*) FROM event_grants g WHERE g.event_id = ? AND g.customer_id = a.customer_id AND g.status = 'granted') AS granted,
			(SELECT COUNT(*) FROM event_grants g WHERE g.event_id = ? AND g.customer_id = a.customer_id AND g.status = 'waitlisted') AS waitlisted
		FROM (SELECT customer_id, COUNT(*) AS days, MIN(day) AS first_day, MAX(day) AS last_day
			FROM checkins WHERE account_id = ? AND event_id = ? GROUP BY customer_id) a
		JOIN customers c ON c.id = a.customer_id `+after+`
		ORDER BY a.days DESC, a.customer_id LIMIT ? OFFSET ?`,
		append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("attendance of event %d: %w", eventID, err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(DISTINCT customer_id) FROM checkins WHERE account_id = ? AND event_id = ?`,
		accountID, eventID); err != nil {
		return nil, 0, fmt.Errorf("count attendance of event %d: %w", eventID, err)
	}
	return rows, total, nil
}

// inTxRetrying runs fn in a READ COMMITTED transaction and runs it again, up to
// five times in all, when the database chose it as a deadlock victim or a lock
// wait timed out: both roll the whole transaction back, so running it again is safe.
func (s *Store) inTxRetrying(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	const attempts = 5
	var err error
	for attempt := 1; attempt <= attempts; attempt++ {
		err = s.inTx(ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, fn)
		if err == nil || !isTransient(err) {
			return err
		}
		pause := time.Duration(attempt*attempt)*10*time.Millisecond + rand.N(10*time.Millisecond)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(pause):
		}
	}
	return fmt.Errorf("gave up after %d attempts: %w", attempts, err)
}

// errRetryTx marks a failure that running the transaction again resolves.
var errRetryTx = errors.New("transaction raced another; run it again")

// isTransient reports a deadlock (1213), a lock wait timeout (1205), or errRetryTx.
func isTransient(err error) bool {
	var me *mysql.MySQLError
	return errors.Is(err, errRetryTx) || errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205)
}
