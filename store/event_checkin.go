package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
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
// inserts the row. A customer's check-ins are counted one at a time (the
// customer's row is locked first): two on different days — one just before
// midnight, a retry just after — must not both count from the same earlier
// one, which would lose a day and break a streak that never broke. A check-in
// on or before the customer's latest day is refused (ErrAlreadyCheckedIn), as
// the unique key refuses a second one the same day.
func insertCheckIn(ctx context.Context, tx *sqlx.Tx, accountID int64, in CheckInInput) (CheckIn, error) {
	ci := CheckIn{AccountID: accountID, EventID: in.EventID, CustomerID: in.CustomerID, Day: in.Day,
		TotalDays: 1, StreakDays: 1, CheckedInAt: in.At.UTC().Truncate(time.Microsecond)}
	var locked int64
	if err := tx.GetContext(ctx, &locked, `SELECT id FROM customers WHERE account_id = ? AND id = ? FOR UPDATE`,
		accountID, in.CustomerID); err != nil {
		return ci, fmt.Errorf("lock customer %d: %w", in.CustomerID, notFound(err))
	}
	var prev CheckIn
	err := tx.GetContext(ctx, &prev, `SELECT `+checkinsColumns+` FROM checkins WHERE event_id = ? AND customer_id = ?
		ORDER BY day DESC LIMIT 1`, in.EventID, in.CustomerID)
	switch {
	case err == nil && !prev.Day.Before(in.Day):
		return ci, ErrAlreadyCheckedIn
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
