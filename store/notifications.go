package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/notify"
)

// Notification is a fact told to an account's operators.
type Notification struct {
	ID        int64     `db:"id" json:"id"`
	AccountID int64     `db:"account_id" json:"-"`
	Kind      string    `db:"kind" json:"kind"`
	Severity  string    `db:"severity" json:"severity"`
	Title     string    `db:"title" json:"title"`
	Body      string    `db:"body" json:"body"`
	Link      string    `db:"link" json:"link"`
	Subject   Subject   `db:"subject" json:"subject"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	// Read is the caller's read state (lists only).
	Read bool `db:"is_read" json:"read"`
}

// Subject is a JSON column naming the ids a notification is about.
type Subject map[string]int64

// Scan reads the JSON column.
func (s *Subject) Scan(src any) error { return scanJSON(src, s, Subject{}) }

// Column limits of notifications.
const (
	maxNotificationTitle = 200
	maxNotificationBody  = 2000
)

const notificationColumns = `n.id, n.account_id, n.kind, n.severity, n.title, n.body, n.link, n.subject, n.created_at`

// Notify stores n for the account, in the account's language, unless a
// notification with the same key is stored already: a retried activity or a
// second worker telling the same fact stores it once. It answers the
// notification's id and whether this call stored it; an account that no longer
// exists stores nothing and answers ErrNotFound.
func (s *Store) Notify(ctx context.Context, accountID int64, n notify.Notice) (int64, bool, error) {
	return notifyWith(ctx, s.db, accountID, n)
}

// execer is what notifyWith needs of a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	GetContext(ctx context.Context, dest any, query string, args ...any) error
}

func notifyWith(ctx context.Context, db execer, accountID int64, n notify.Notice) (int64, bool, error) {
	if n.Key == "" || n.Kind == "" {
		return 0, false, fmt.Errorf("notification of account %d: kind and key are required", accountID)
	}
	subject := n.Subject
	if subject == nil {
		subject = map[string]int64{}
	}
	// The account's language picks the text in the same statement that stores it.
	res, err := db.ExecContext(ctx, `INSERT INTO notifications (account_id, kind, severity, title, body, link, subject,
		idem_key, created_at)
		SELECT a.id, ?, ?, IF(a.language = 'en', ?, ?), IF(a.language = 'en', ?, ?), ?, ?, ?, ?
		FROM accounts a WHERE a.id = ?`,
		n.Kind, n.Severity, clip(n.En.Title, maxNotificationTitle), clip(n.Ko.Title, maxNotificationTitle),
		clip(n.En.Body, maxNotificationBody), clip(n.Ko.Body, maxNotificationBody), n.Link, jsonText(subject), n.Key,
		now(), accountID)
	if err != nil && !isDuplicate(err) {
		return 0, false, fmt.Errorf("store notification %s of account %d: %w", n.Key, accountID, err)
	}
	if err == nil {
		if rows, _ := res.RowsAffected(); rows == 0 {
			return 0, false, fmt.Errorf("notification %s: account %d: %w", n.Key, accountID, ErrNotFound)
		}
		id, _ := res.LastInsertId()
		return id, true, nil
	}
	var id int64
	if err := db.GetContext(ctx, &id, `SELECT id FROM notifications WHERE account_id = ? AND idem_key = ?`,
		accountID, n.Key); err != nil {
		return 0, false, fmt.Errorf("find notification %s of account %d: %w", n.Key, accountID, notFound(err))
	}
	return id, false, nil
}

// clip keeps the first n characters of s.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// NotificationQuery selects a page of the account's notifications for a user,
// newest first.
type NotificationQuery struct {
	UnreadOnly bool
	// Before pages by key: only notifications with a smaller id (0: the newest).
	Before int64
	Limit  int
}

// readState is the SQL that says whether user ? has read notification n: it is at
// or below the user's watermark, or read on its own.
const readState = `(n.id <= COALESCE((SELECT w.read_through FROM notification_watermarks w WHERE w.user_id = ?), 0)
	OR EXISTS (SELECT 1 FROM notification_reads r WHERE r.user_id = ? AND r.notification_id = n.id))`

// Notifications answers a page of the account's notifications with the user's
// read state, and how many there are in all (of the unread ones, with UnreadOnly).
func (s *Store) Notifications(ctx context.Context, accountID, userID int64, q NotificationQuery) ([]Notification, int64, error) {
	where := `n.account_id = ?`
	args := []any{accountID}
	if q.UnreadOnly {
		where += ` AND NOT ` + readState
		args = append(args, userID, userID)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM notifications n WHERE `+where, args...); err != nil {
		return nil, 0, fmt.Errorf("count notifications of account %d: %w", accountID, err)
	}
	page := where
	pageArgs := append([]any{userID, userID}, args...)
	if q.Before > 0 {
		page += ` AND n.id < ?`
		pageArgs = append(pageArgs, q.Before)
	}
	out := []Notification{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+`, `+readState+` AS is_read
		FROM notifications n WHERE `+page+` ORDER BY n.id DESC LIMIT ?`, append(pageArgs, q.Limit)...); err != nil {
		return nil, 0, fmt.Errorf("list notifications of account %d: %w", accountID, err)
	}
	return out, total, nil
}

// UnreadNotifications counts the account's notifications the user has not read.
func (s *Store) UnreadNotifications(ctx context.Context, accountID, userID int64) (int64, error) {
	var n int64
	err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM notifications n WHERE n.account_id = ? AND NOT `+readState,
		accountID, userID, userID)
	if err != nil {
		return 0, fmt.Errorf("count unread notifications of account %d: %w", accountID, err)
	}
	return n, nil
}

// MarkNotificationsRead marks the account's notifications ids read for the user;
// ids of other accounts (or none at all) are ignored.
func (s *Store) MarkNotificationsRead(ctx context.Context, accountID, userID int64, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	query, args, err := sqlx.In(`INSERT INTO notification_reads (user_id, notification_id, account_id, read_at)
		SELECT ?, n.id, n.account_id, ? FROM notifications n WHERE n.account_id = ? AND n.id IN (?)
		ON DUPLICATE KEY UPDATE read_at = notification_reads.read_at`, userID, now(), accountID, ids)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("mark notifications read for user %d: %w", userID, err)
	}
	return nil
}

// MarkAllNotificationsRead marks every notification the account has now read for
// the user: the watermark moves up to the newest, and the single reads below it
// are no longer needed.
func (s *Store) MarkAllNotificationsRead(ctx context.Context, accountID, userID int64) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var newest int64
		if err := tx.GetContext(ctx, &newest, `SELECT COALESCE(MAX(id), 0) FROM notifications WHERE account_id = ?`,
			accountID); err != nil {
			return fmt.Errorf("newest notification of account %d: %w", accountID, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO notification_watermarks (user_id, account_id, read_through, updated_at)
			VALUES (?, ?, ?, ?)
			ON DUPLICATE KEY UPDATE read_through = GREATEST(read_through, VALUES(read_through)), updated_at = VALUES(updated_at)`,
			userID, accountID, newest, now()); err != nil {
			return fmt.Errorf("move the read watermark of user %d: %w", userID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notification_reads WHERE user_id = ? AND notification_id <= ?`,
			userID, newest); err != nil {
			return fmt.Errorf("tidy the reads of user %d: %w", userID, err)
		}
		return nil
	})
}

// NotificationsAfter answers the account's notifications with an id above after
// and created at or after since, oldest first: what a reconnecting stream replays.
func (s *Store) NotificationsAfter(ctx context.Context, accountID, after int64, since time.Time, limit int) ([]Notification, error) {
	var out []Notification
	if err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.account_id = ? AND n.id > ? AND n.created_at >= ? ORDER BY n.id LIMIT ?`,
		accountID, after, since.UTC(), limit); err != nil {
		return nil, fmt.Errorf("notifications of account %d after %d: %w", accountID, after, err)
	}
	return out, nil
}

// NewestNotificationID answers the id of the account's newest notification (0: none).
func (s *Store) NewestNotificationID(ctx context.Context, accountID int64) (int64, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, `SELECT COALESCE(MAX(id), 0) FROM notifications WHERE account_id = ?`,
		accountID); err != nil {
		return 0, fmt.Errorf("newest notification of account %d: %w", accountID, err)
	}
	return id, nil
}

// The stream hub of each API process tails the table across accounts and routes
// each notification to its account's streams; these two reads are the only ones
// that are not scoped to one account.

// TailNotifications answers notifications of every account with an id above
// after, oldest first.
func (s *Store) TailNotifications(ctx context.Context, after int64, limit int) ([]Notification, error) {
	var out []Notification
	if err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.id > ? ORDER BY n.id LIMIT ?`, after, limit); err != nil {
		return nil, fmt.Errorf("tail notifications after %d: %w", after, err)
	}
	return out, nil
}

// NotificationsByID answers those of ids that exist, oldest first (the tail's
// look-back for transactions that committed out of id order).
func (s *Store) NotificationsByID(ctx context.Context, ids []int64) ([]Notification, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT `+notificationColumns+` FROM notifications n WHERE n.id IN (?) ORDER BY n.id`, ids)
	if err != nil {
		return nil, err
	}
	var out []Notification
	if err := s.db.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("notifications by id: %w", err)
	}
	return out, nil
}

// NewestNotificationIDOfAll is where a starting tail begins.
func (s *Store) NewestNotificationIDOfAll(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, `SELECT COALESCE(MAX(id), 0) FROM notifications`); err != nil {
		return 0, fmt.Errorf("newest notification: %w", err)
	}
	return id, nil
}

// ErrTicketInvalid answers a stream ticket that is unknown, used or expired.
var ErrTicketInvalid = errors.New("the stream ticket is unknown, used or expired")

// CreateStreamTicket stores a ticket's hash for the user until expires, and
// drops tickets that expired long ago.
func (s *Store) CreateStreamTicket(ctx context.Context, accountID, userID int64, hash []byte, expires time.Time) error {
	t := now()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO stream_tickets (ticket_hash, account_id, user_id, expires_at, created_at)
		VALUES (?, ?, ?, ?, ?)`, hash, accountID, userID, expires.UTC(), t); err != nil {
		return fmt.Errorf("store stream ticket of user %d: %w", userID, err)
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM stream_tickets WHERE expires_at < ? LIMIT 1000`,
		t.Add(-time.Hour)); err != nil {
		return fmt.Errorf("drop expired stream tickets: %w", err)
	}
	return nil
}

// UseStreamTicket spends the ticket with hash at t: the one conditional UPDATE
// lets exactly one caller use it, and only before it expires. It answers the
// ticket's account and user, or ErrTicketInvalid.
func (s *Store) UseStreamTicket(ctx context.Context, hash []byte, t time.Time) (accountID, userID int64, err error) {
	res, err := s.db.ExecContext(ctx, `UPDATE stream_tickets SET used_at = ?
		WHERE ticket_hash = ? AND used_at = '1970-01-01 00:00:00' AND expires_at > ?`, now(), hash, t.UTC())
	if err != nil {
		return 0, 0, fmt.Errorf("use stream ticket: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, 0, ErrTicketInvalid
	}
	var row struct {
		AccountID int64 `db:"account_id"`
		UserID    int64 `db:"user_id"`
	}
	if err := s.db.GetContext(ctx, &row, `SELECT account_id, user_id FROM stream_tickets WHERE ticket_hash = ?`, hash); err != nil {
		return 0, 0, fmt.Errorf("read stream ticket: %w", notFound(err))
	}
	return row.AccountID, row.UserID, nil
}

// RecordCircuit records that a worker's breaker of relayID opened (open) or
// closed again. The workers share one record per relay: only a call that changes
// it counts as a transition and stores the notification, keyed by the
// transition count, in the same transaction. So however many workers see the
// same outage, it is told once when it starts and once when it ends. A relay that
// no longer exists records nothing.
func (s *Store) RecordCircuit(ctx context.Context, relayID int64, open bool) (changed bool, err error) {
	state, from := "closed", "open"
	if open {
		state, from = "open", "closed"
	}
	err = s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		t := now()
		var r struct {
			AccountID int64  `db:"account_id"`
			Name      string `db:"name"`
		}
		if err := tx.GetContext(ctx, &r, `SELECT account_id, name FROM relays WHERE id = ?`, relayID); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO relay_circuits (relay_id, account_id, state, changes, changed_at)
			VALUES (?, ?, 'closed', 0, ?) ON DUPLICATE KEY UPDATE relay_id = relay_id`, relayID, r.AccountID, t); err != nil {
			return fmt.Errorf("circuit of relay %d: %w", relayID, err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE relay_circuits SET state = ?, changes = changes + 1, changed_at = ?
			WHERE relay_id = ? AND state = ?`, state, t, relayID, from)
		if err != nil {
			return fmt.Errorf("record circuit of relay %d %s: %w", relayID, state, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another worker recorded this transition already
		}
		changed = true
		var changes int64
		if err := tx.GetContext(ctx, &changes, `SELECT changes FROM relay_circuits WHERE relay_id = ?`, relayID); err != nil {
			return fmt.Errorf("circuit of relay %d: %w", relayID, err)
		}
		_, _, err = notifyWith(ctx, tx, r.AccountID, notify.Circuit(relayID, r.Name, open, changes))
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	return changed, err
}

// CircuitState answers the workers' shared circuit state of a relay ("closed"
// when none was recorded).
func (s *Store) CircuitState(ctx context.Context, accountID, relayID int64) (string, int64, error) {
	var row struct {
		State   string `db:"state"`
		Changes int64  `db:"changes"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT state, changes FROM relay_circuits WHERE account_id = ? AND relay_id = ?`,
		accountID, relayID)
	if errors.Is(err, sql.ErrNoRows) {
		return "closed", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("circuit of relay %d: %w", relayID, err)
	}
	return row.State, row.Changes, nil
}

// ActiveCampaign is a campaign whose progress the streams show.
type ActiveCampaign struct {
	ID        int64  `db:"id"`
	AccountID int64  `db:"account_id"`
	Status    string `db:"status"`
	LeftOut   int64  `db:"left_out"`
}

// ActiveCampaigns answers the scheduled, running and paused campaigns of the accounts.
func (s *Store) ActiveCampaigns(ctx context.Context, accountIDs []int64) ([]ActiveCampaign, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT id, account_id, status, left_out FROM campaigns
		WHERE status IN ('scheduled', 'running', 'paused') AND account_id IN (?) ORDER BY id`, accountIDs)
	if err != nil {
		return nil, err
	}
	var out []ActiveCampaign
	if err := s.db.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("active campaigns: %w", err)
	}
	return out, nil
}

// CommittingImports answers the imports of the accounts that are committing.
func (s *Store) CommittingImports(ctx context.Context, accountIDs []int64) ([]Import, error) {
	if len(accountIDs) == 0 {
		return nil, nil
	}
	query, args, err := sqlx.In(`SELECT `+importsColumns+` FROM imports WHERE status = 'committing' AND account_id IN (?) ORDER BY id`,
		accountIDs)
	if err != nil {
		return nil, err
	}
	var out []Import
	if err := s.db.SelectContext(ctx, &out, query, args...); err != nil {
		return nil, fmt.Errorf("committing imports: %w", err)
	}
	return out, nil
}
