package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// How an event counts attendance days.
const (
	CountingTotal       = "total"       // every day checked in counts
	CountingConsecutive = "consecutive" // the run of days ending today; a missed day resets it
)

// Event is an attendance event: customers check in once per local calendar day
// between StartsOn and EndsOn (inclusive, in Timezone) and reach reward tiers.
type Event struct {
	ID        int64  `db:"id"`
	AccountID int64  `db:"account_id"`
	Name      string `db:"name"`
	Timezone  string `db:"timezone"`
	// StartsOn and EndsOn are local dates, held as midnight UTC of that date.
	StartsOn time.Time `db:"starts_on"`
	EndsOn   time.Time `db:"ends_on"`
	Counting string    `db:"counting"`
	// ReminderTime is "HH:MM" in Timezone; empty when the event sends no reminder.
	ReminderTime       string  `db:"reminder_time"`
	ReminderTemplateID int64   `db:"reminder_template_id"`
	ReminderRouting    Routing `db:"reminder_routing"`
	// NoticeTemplateID is sent to customers granted a reward off the wait list
	// (0: they are not notified).
	NoticeTemplateID int64      `db:"notice_template_id"`
	NoticeRouting    Routing    `db:"notice_routing"`
	AlertEmails      StringList `db:"alert_emails"`
	AlertWebhookURL  string     `db:"alert_webhook_url"`
	CreatedAt        time.Time  `db:"created_at"`
	UpdatedAt        time.Time  `db:"updated_at"`
}

// Location is the event's time zone (UTC if the stored name no longer loads).
func (e Event) Location() *time.Location {
	loc, err := time.LoadLocation(e.Timezone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// LocalDay is the event's calendar day at instant t, as midnight UTC of that date
// (the form DATE columns are read in).
func (e Event) LocalDay(t time.Time) time.Time {
	y, m, d := t.In(e.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Runs reports whether day (a local date) is one of the event's days.
func (e Event) Runs(day time.Time) bool {
	return !day.Before(e.StartsOn) && !day.After(e.EndsOn)
}

const eventColumns = `id, account_id, name, timezone, starts_on, ends_on, counting, reminder_time,
	reminder_template_id, reminder_routing, notice_template_id, notice_routing, alert_emails,
	alert_webhook_url, created_at, updated_at`

func (e Event) columns() []any {
	emails := e.AlertEmails
	if emails == nil {
		emails = StringList{}
	}
	routing := func(r Routing) string {
		if r.Relays == nil {
			r.Relays = []RoutingRelay{}
		}
		return jsonText(r)
	}
	return []any{e.Name, e.Timezone, e.StartsOn.Format(time.DateOnly), e.EndsOn.Format(time.DateOnly), e.Counting,
		e.ReminderTime, e.ReminderTemplateID, routing(e.ReminderRouting), e.NoticeTemplateID, routing(e.NoticeRouting),
		jsonText(emails), e.AlertWebhookURL}
}

// SaveEvent creates (e.ID == 0) or replaces an event of the account; the caller
// has validated it and checked that its templates and relays are the account's.
// In the same transaction it records in the outbox that the event's reminder
// Schedule must follow the row (a new event without a reminder owes nothing):
// see ReminderScheduleOwed.
func (s *Store) SaveEvent(ctx context.Context, accountID int64, e Event) (Event, error) {
	t := now()
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if e.ID == 0 {
			res, err := tx.ExecContext(ctx, `INSERT INTO events (name, timezone, starts_on, ends_on, counting, reminder_time,
				reminder_template_id, reminder_routing, notice_template_id, notice_routing, alert_emails, alert_webhook_url,
				account_id, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, append(e.columns(), accountID, t, t)...)
			if err != nil {
				return fmt.Errorf("insert event: %w", err)
			}
			e.ID, _ = res.LastInsertId()
			if e.ReminderTime == "" {
				return nil
			}
			return insertOutbox(ctx, tx, accountID, OutboxReminderSchedule, e.ID)
		}
		res, err := tx.ExecContext(ctx, `UPDATE events SET name = ?, timezone = ?, starts_on = ?, ends_on = ?, counting = ?,
			reminder_time = ?, reminder_template_id = ?, reminder_routing = ?, notice_template_id = ?, notice_routing = ?,
			alert_emails = ?, alert_webhook_url = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
			append(e.columns(), t, accountID, e.ID)...)
		if err != nil {
			return fmt.Errorf("update event %d: %w", e.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var one int
			if err := tx.GetContext(ctx, &one, `SELECT 1 FROM events WHERE account_id = ? AND id = ?`, accountID, e.ID); err != nil {
				return notFound(err)
			}
		}
		return insertOutbox(ctx, tx, accountID, OutboxReminderSchedule, e.ID)
	})
	if err != nil {
		return Event{}, err
	}
	return s.Event(ctx, accountID, e.ID)
}

// ReminderScheduleOwed says whether saving e (created when create) left its
// reminder Schedule to be synced, as SaveEvent records it.
func ReminderScheduleOwed(e Event, create bool) bool { return !create || e.ReminderTime != "" }

// Event returns one event of the account.
func (s *Store) Event(ctx context.Context, accountID, id int64) (Event, error) {
	var e Event
	err := s.db.GetContext(ctx, &e, `SELECT `+eventColumns+` FROM events WHERE account_id = ? AND id = ?`, accountID, id)
	return e, notFound(err)
}

// Events pages the account's events, newest first.
func (s *Store) Events(ctx context.Context, accountID int64, p Page) ([]Event, int64, error) {
	where, args, err := p.afterID("id", true, []string{"account_id = ?"}, []any{accountID})
	if err != nil {
		return nil, 0, err
	}
	es := []Event{}
	if err := s.db.SelectContext(ctx, &es, `SELECT `+eventColumns+` FROM events WHERE `+strings.Join(where, " AND ")+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list events: %w", err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM events WHERE account_id = ?`, accountID); err != nil {
		return nil, 0, fmt.Errorf("count events: %w", err)
	}
	return es, total, nil
}

// DeleteEvent deletes an event with its tiers, check-ins, grants, adjustments and
// alerts, records in the outbox that its reminder Schedule must be deleted, and
// answers the ids of the tiers it had (so their stock monitors can end).
func (s *Store) DeleteEvent(ctx context.Context, accountID, id int64) ([]int64, error) {
	var tiers []int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var one int
		if err := tx.GetContext(ctx, &one, `SELECT 1 FROM events WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if err := tx.SelectContext(ctx, &tiers, `SELECT id FROM event_tiers WHERE event_id = ? ORDER BY id`, id); err != nil {
			return fmt.Errorf("tiers of event %d: %w", id, err)
		}
		// Tiers and check-ins cascade from the event; grants, adjustments and
		// alerts from the tiers.
		if _, err := tx.ExecContext(ctx, `DELETE FROM events WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return fmt.Errorf("delete event %d: %w", id, err)
		}
		// Its reminder Schedule must go too: owed until the sync has deleted it.
		return insertOutbox(ctx, tx, accountID, OutboxReminderSchedule, id)
	})
	return tiers, err
}

// ReminderCampaign finds the reminder campaign of an event for one local day.
func (s *Store) ReminderCampaign(ctx context.Context, accountID, eventID int64, day time.Time) (Campaign, error) {
	var c Campaign
	err := s.db.GetContext(ctx, &c, `SELECT `+campaignsColumns+` FROM campaigns WHERE account_id = ? AND audience_kind = ?
		AND event_id = ? AND event_day = ? ORDER BY id LIMIT 1`, accountID, AudienceEventReminder, eventID, day.Format(time.DateOnly))
	return c, notFound(err)
}

// EnsureReminderCampaign answers the event's reminder campaign for n.EventDay,
// creating it from n when there is none; created says which. Runs for the same
// event and day are serialised with a named lock, so a retried or doubly
// triggered reminder makes one campaign.
func (s *Store) EnsureReminderCampaign(ctx context.Context, accountID int64, n NewCampaign) (c Campaign, created bool, err error) {
	lock := fmt.Sprintf("sendingo:reminder:%d:%s", n.EventID, n.EventDay.Format(time.DateOnly))
	err = s.withNamedLock(ctx, lock, func() error {
		c, err = s.ReminderCampaign(ctx, accountID, n.EventID, n.EventDay)
		if !errors.Is(err, ErrNotFound) {
			return err
		}
		n.AudienceKind = AudienceEventReminder
		c, err = s.CreateCampaign(ctx, accountID, n)
		created = err == nil
		return err
	})
	return c, created, err
}

// withNamedLock runs fn while holding the MySQL/MariaDB user lock name (GET_LOCK),
// waiting up to 30 seconds for it.
func (s *Store) withNamedLock(ctx context.Context, name string, fn func() error) error {
	conn, err := s.db.Connx(ctx)
	if err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	defer conn.Close()
	var got sql.NullInt64
	if err := conn.GetContext(ctx, &got, `SELECT GET_LOCK(?, 30)`, name); err != nil {
		return fmt.Errorf("lock %s: %w", name, err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("lock %s: not acquired within 30 seconds", name)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(?)`, name)
	return fn()
}
