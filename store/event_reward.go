package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/render"
)

// StockAdjustment is one entry of a tier's stock audit trail.
type StockAdjustment struct {
	ID          int64  `db:"id" json:"id"`
	AccountID   int64  `db:"account_id" json:"-"`
	EventID     int64  `db:"event_id" json:"event_id"`
	TierID      int64  `db:"tier_id" json:"tier_id"`
	Delta       int64  `db:"delta" json:"delta"`
	StockBefore int64  `db:"stock_before" json:"stock_before"`
	StockAfter  int64  `db:"stock_after" json:"stock_after"`
	Reason      string `db:"reason" json:"reason"`
	// WaitlistGranted is how many waiting customers the adjustment served; the
	// stock after it is what was left then.
	WaitlistGranted  int64     `db:"waitlist_granted" json:"waitlist_granted"`
	ActorKind        string    `db:"actor_kind" json:"actor_kind"`
	ActorUserID      int64     `db:"actor_user_id" json:"actor_user_id,omitempty"`
	ActorKeyID       int64     `db:"actor_key_id" json:"actor_key_id,omitempty"`
	ActorName        string    `db:"actor_name" json:"actor_name"`
	NoticeCampaignID int64     `db:"notice_campaign_id" json:"notice_campaign_id,omitempty"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
}

func insertAdjustment(ctx context.Context, tx *sqlx.Tx, accountID, eventID, tierID int64, a StockAdjustment, by Actor, at time.Time) (int64, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO stock_adjustments (account_id, event_id, tier_id, delta, stock_before,
		stock_after, waitlist_granted, reason, actor_kind, actor_user_id, actor_key_id, actor_name, created_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		accountID, eventID, tierID, a.Delta, a.StockBefore, a.StockAfter, a.WaitlistGranted, a.Reason,
		by.Kind, by.UserID, by.KeyID, by.Name, at)
	if err != nil {
		return 0, fmt.Errorf("insert stock adjustment of tier %d: %w", tierID, err)
	}
	id, _ := res.LastInsertId()
	return id, nil
}

// StockChange asks for a tier's stock to move by Delta, or to be Set.
type StockChange struct {
	Delta  *int64
	Set    *int64
	Reason string
	By     Actor
}

// StockResult is what an adjustment did.
type StockResult struct {
	Adjustment StockAdjustment
	Stock      TierStock
	// Granted are the waiting customers the new stock served, in wait-list order.
	Granted []Grant
	// Notice is how those customers are told (zero when nobody was served).
	Notice RestockNotice
}

// RestockNotice is the campaign that tells the customers a restock served that
// their reward is ready, made in the restock's transaction as a draft with a
// campaign_start in the outbox, so it is sent exactly once even if the process
// dies right after the commit. Skipped says why there is none.
type RestockNotice struct {
	CampaignID int64
	Skipped    string
}

// AdjustStock changes a tier's stock under a row lock, records who did it and why,
// serves the wait list in order from what is available and, when stock was
// added, tells the operators (stock.restocked), all in one transaction. A
// change that would leave less than zero is ErrStockOutOfRange.
func (s *Store) AdjustStock(ctx context.Context, accountID, eventID, tierID int64, ch StockChange) (StockResult, error) {
	var out StockResult
	err := s.inTxRetrying(ctx, func(tx *sqlx.Tx) error {
		out = StockResult{}
		var before int64
		if err := tx.GetContext(ctx, &before, `SELECT stock FROM event_tiers WHERE account_id = ? AND event_id = ? AND id = ?
			FOR UPDATE`, accountID, eventID, tierID); err != nil {
			return notFound(err)
		}
		after := before
		switch {
		case ch.Set != nil:
			after = *ch.Set
		case ch.Delta != nil:
			after = before + *ch.Delta
		}
		if after < 0 || after > MaxStock {
			return fmt.Errorf("the stock is %d; the change would leave %d: %w", before, after, ErrStockOutOfRange)
		}
		var waiting []int64
		if after > 0 {
			if err := tx.SelectContext(ctx, &waiting, `SELECT id FROM event_grants WHERE tier_id = ? AND status = 'waitlisted'
				ORDER BY id LIMIT ? FOR UPDATE`, tierID, after); err != nil {
				return fmt.Errorf("wait list of tier %d: %w", tierID, err)
			}
		}
		t := now()
		adj := StockAdjustment{AccountID: accountID, EventID: eventID, TierID: tierID, Delta: after - before,
			StockBefore: before, StockAfter: after - int64(len(waiting)), WaitlistGranted: int64(len(waiting)),
			Reason: ch.Reason, ActorKind: ch.By.Kind, ActorUserID: ch.By.UserID, ActorKeyID: ch.By.KeyID, ActorName: ch.By.Name,
			CreatedAt: t}
		id, err := insertAdjustment(ctx, tx, accountID, eventID, tierID, adj, ch.By, t)
		if err != nil {
			return err
		}
		adj.ID = id
		out.Adjustment = adj
		if err := audit(ctx, tx, accountID, Change{Action: AuditStockAdjust, Subject: SubjectTier, SubjectID: tierID,
			Before: map[string]any{"stock": before},
			After: map[string]any{"stock": adj.StockAfter, "event_id": eventID, "delta": adj.Delta, "reason": ch.Reason,
				"waitlist_granted": adj.WaitlistGranted, "adjustment_id": id}}); err != nil {
			return err
		}
		if len(waiting) > 0 {
			query, args, _ := sqlx.In(`UPDATE event_grants SET status = 'granted', granted_at = ?, adjustment_id = ?
				WHERE id IN (?) AND status = 'waitlisted'`, t, id, waiting)
			if _, err := tx.ExecContext(ctx, query, args...); err != nil {
				return fmt.Errorf("grant the wait list of tier %d: %w", tierID, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE event_tiers SET stock = ?, version = version + 1, updated_at = ? WHERE id = ?`,
			adj.StockAfter, t, tierID); err != nil {
			return fmt.Errorf("set stock of tier %d: %w", tierID, err)
		}
		if out.Stock, err = tierStockTx(ctx, tx, tierID); err != nil {
			return err
		}
		if out.Granted, err = grantsByID(ctx, tx, waiting); err != nil {
			return err
		}
		if adj.Delta > 0 {
			if err := notifyRestock(ctx, tx, accountID, adj); err != nil {
				return err
			}
		}
		if len(out.Granted) == 0 {
			return nil
		}
		out.Notice, err = restockNotice(ctx, tx, accountID, eventID, tierID, id, out.Granted)
		if err == nil && out.Notice.CampaignID != 0 {
			out.Adjustment.NoticeCampaignID = out.Notice.CampaignID
		}
		return err
	})
	return out, err
}

// notifyRestock tells the operators, in the adjustment's transaction, that stock
// was added and how many waiting customers it served (stock.restocked).
func notifyRestock(ctx context.Context, tx *sqlx.Tx, accountID int64, adj StockAdjustment) error {
	var names struct {
		Event string `db:"event_name"`
		Tier  string `db:"tier_name"`
	}
	if err := tx.GetContext(ctx, &names, `SELECT e.name AS event_name, t.name AS tier_name
		FROM event_tiers t JOIN events e ON e.id = t.event_id WHERE t.id = ?`, adj.TierID); err != nil {
		return fmt.Errorf("names of tier %d: %w", adj.TierID, err)
	}
	_, _, err := notifyWith(ctx, tx, accountID, notify.Restocked(notify.Tier{EventID: adj.EventID, TierID: adj.TierID,
		EventName: names.Event, TierName: names.Tier}, adj.ID, adj.Delta, adj.StockAfter, adj.WaitlistGranted))
	return err
}

// restockNotice makes the notice campaign of adjustment adjID inside its
// transaction: the event's notice template to exactly the granted customers, with
// the reward and the event as variables every recipient gets. An event without a
// notice template (or whose template or relays are gone) records the grants and
// notifies nobody.
func restockNotice(ctx context.Context, tx *sqlx.Tx, accountID, eventID, tierID, adjID int64, granted []Grant) (RestockNotice, error) {
	var ev struct {
		Name       string  `db:"name"`
		TemplateID int64   `db:"notice_template_id"`
		Routing    Routing `db:"notice_routing"`
		Tier       string  `db:"tier"`
	}
	if err := tx.GetContext(ctx, &ev, `SELECT e.name, e.notice_template_id, e.notice_routing, t.name AS tier
		FROM events e JOIN event_tiers t ON t.event_id = e.id WHERE e.account_id = ? AND e.id = ? AND t.id = ?`,
		accountID, eventID, tierID); err != nil {
		return RestockNotice{}, fmt.Errorf("notice settings of event %d: %w", eventID, notFound(err))
	}
	if ev.TemplateID == 0 {
		return RestockNotice{Skipped: "the event has no notice template"}, nil
	}
	ids := make([]int64, len(granted))
	for i, g := range granted {
		ids[i] = g.CustomerID
	}
	suffix := fmt.Sprintf(" · %s restocked (adjustment %d)", ev.Tier, adjID)
	n := NewCampaign{
		Name:       render.TruncateRunes(ev.Name, max(0, 200-len([]rune(suffix)))) + suffix,
		TemplateID: ev.TemplateID, AudienceKind: AudienceCustomers, CustomerIDs: ids,
		Variables: Attributes{"reward": ev.Tier, "event": ev.Name}, Routing: ev.Routing,
	}
	if err := checkCampaignRefs(ctx, tx, accountID, n); err != nil {
		var missing *MissingError
		if errors.As(err, &missing) {
			return RestockNotice{Skipped: "the notice's " + missing.Error()}, nil
		}
		return RestockNotice{}, err
	}
	id, err := insertCampaign(ctx, tx, accountID, n)
	if err != nil {
		return RestockNotice{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE stock_adjustments SET notice_campaign_id = ? WHERE id = ?`, id, adjID); err != nil {
		return RestockNotice{}, fmt.Errorf("record notice campaign of adjustment %d: %w", adjID, err)
	}
	return RestockNotice{CampaignID: id}, insertOutbox(ctx, tx, accountID, OutboxCampaignStart, id)
}

// StockAdjustments pages a tier's stock audit trail, newest first.
func (s *Store) StockAdjustments(ctx context.Context, accountID, eventID, tierID int64, p Page) ([]StockAdjustment, int64, error) {
	where, args, err := p.afterID("id", true, []string{"account_id = ?", "event_id = ?", "tier_id = ?"}, []any{accountID, eventID, tierID})
	if err != nil {
		return nil, 0, err
	}
	as := []StockAdjustment{}
	if err := s.db.SelectContext(ctx, &as, `SELECT `+stockAdjustmentsColumns+` FROM stock_adjustments WHERE `+strings.Join(where, " AND ")+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list stock adjustments of tier %d: %w", tierID, err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM stock_adjustments WHERE account_id = ? AND event_id = ? AND tier_id = ?`,
		accountID, eventID, tierID); err != nil {
		return nil, 0, fmt.Errorf("count stock adjustments of tier %d: %w", tierID, err)
	}
	return as, total, nil
}

// Alert delivery statuses, per channel ("" when the event names no recipient).
// An alert e-mail is skipped when its account's alerts already went out the
// most an hour allows.
const (
	AlertPending = "pending"
	AlertSent    = "sent"
	AlertFailed  = "failed"
	AlertSkipped = "skipped"
)

// AlertMailsSince counts the account's alerts mailed at or after since.
func (s *Store) AlertMailsSince(ctx context.Context, accountID int64, since time.Time) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM stock_alerts WHERE account_id = ? AND email_status = 'sent' AND email_sent_at >= ?`,
		accountID, since.UTC()); err != nil {
		return 0, fmt.Errorf("count alert mails of account %d: %w", accountID, err)
	}
	return n, nil
}

// StockAlert is a low-stock alert: the tier's stock fell to or below its threshold.
type StockAlert struct {
	ID            int64      `db:"id" json:"id"`
	AccountID     int64      `db:"account_id" json:"-"`
	EventID       int64      `db:"event_id" json:"event_id"`
	TierID        int64      `db:"tier_id" json:"tier_id"`
	TierName      string     `db:"tier_name" json:"tier_name"`
	Version       int64      `db:"version" json:"-"`
	Stock         int64      `db:"stock" json:"stock"`
	Threshold     int64      `db:"threshold" json:"threshold"`
	Emails        StringList `db:"emails" json:"emails"`
	WebhookURL    string     `db:"webhook_url" json:"webhook_url"`
	EmailStatus   string     `db:"email_status" json:"email_status"`
	EmailError    string     `db:"email_error" json:"email_error,omitempty"`
	EmailSentAt   time.Time  `db:"email_sent_at" json:"email_sent_at,omitzero"`
	WebhookStatus string     `db:"webhook_status" json:"webhook_status"`
	WebhookError  string     `db:"webhook_error" json:"webhook_error,omitempty"`
	WebhookSentAt time.Time  `db:"webhook_sent_at" json:"webhook_sent_at,omitzero"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	// EventName is the event's name, for the alert's text.
	EventName string `db:"event_name" json:"-"`
}

const alertColumns = `a.id, a.account_id, a.event_id, a.tier_id, t.name AS tier_name, a.version, a.stock, a.threshold,
	a.emails, a.webhook_url, a.email_status, a.email_error, a.email_sent_at, a.webhook_status, a.webhook_error,
	a.webhook_sent_at, a.created_at, e.name AS event_name
	FROM stock_alerts a JOIN event_tiers t ON t.id = a.tier_id JOIN events e ON e.id = a.event_id`

func tidyAlerts(as []StockAlert) []StockAlert {
	for i := range as {
		if !IsSet(as[i].EmailSentAt) {
			as[i].EmailSentAt = time.Time{}
		}
		if !IsSet(as[i].WebhookSentAt) {
			as[i].WebhookSentAt = time.Time{}
		}
	}
	return as
}

// RecordStockAlert records the alert for a tier as of stock version ts.Version,
// addressed to the event's alert recipients as they are now. It is idempotent: the
// alert of a (tier, version) is recorded once and answered again afterwards.
func (s *Store) RecordStockAlert(ctx context.Context, accountID int64, ts TierStock) (StockAlert, error) {
	_, err := s.db.ExecContext(ctx, `INSERT INTO stock_alerts (account_id, event_id, tier_id, version, stock, threshold, emails,
		webhook_url, email_status, webhook_status, created_at)
		SELECT e.account_id, e.id, t.id, ?, ?, ?, e.alert_emails, e.alert_webhook_url,
			IF(JSON_LENGTH(e.alert_emails) > 0, 'pending', ''), IF(e.alert_webhook_url <> '', 'pending', ''), ?
		FROM event_tiers t JOIN events e ON e.id = t.event_id WHERE t.account_id = ? AND t.id = ?`,
		ts.Version, ts.Stock, ts.Threshold, now(), accountID, ts.TierID)
	if err != nil && !isDuplicate(err) {
		return StockAlert{}, fmt.Errorf("record stock alert of tier %d: %w", ts.TierID, err)
	}
	var a StockAlert
	if err := s.db.GetContext(ctx, &a, `SELECT `+alertColumns+` WHERE a.account_id = ? AND a.tier_id = ? AND a.version = ?`,
		accountID, ts.TierID, ts.Version); err != nil {
		return StockAlert{}, fmt.Errorf("read stock alert of tier %d: %w", ts.TierID, notFound(err))
	}
	return tidyAlerts([]StockAlert{a})[0], nil
}

// StockAlert returns one alert of the account.
func (s *Store) StockAlert(ctx context.Context, accountID, id int64) (StockAlert, error) {
	var a StockAlert
	if err := s.db.GetContext(ctx, &a, `SELECT `+alertColumns+` WHERE a.account_id = ? AND a.id = ?`, accountID, id); err != nil {
		return a, notFound(err)
	}
	return tidyAlerts([]StockAlert{a})[0], nil
}

// Alert channels.
const (
	AlertEmail   = "email"
	AlertWebhook = "webhook"
)

// MarkStockAlert records how delivering an alert on one channel ended.
func (s *Store) MarkStockAlert(ctx context.Context, accountID, id int64, channel, status, reason string) error {
	if r := []rune(reason); len(r) > 500 {
		reason = string(r[:500])
	}
	col := map[string]string{AlertEmail: "email", AlertWebhook: "webhook"}[channel]
	if col == "" {
		return fmt.Errorf("alert channel %q: %w", channel, ErrNotFound)
	}
	sentAt := time.Unix(0, 0).UTC()
	if status == AlertSent {
		sentAt = now()
	}
	_, err := s.db.ExecContext(ctx, `UPDATE stock_alerts SET `+col+`_status = ?, `+col+`_error = ?, `+col+`_sent_at = ?
		WHERE account_id = ? AND id = ?`, status, reason, sentAt, accountID, id)
	if err != nil {
		return fmt.Errorf("mark %s of stock alert %d: %w", channel, id, err)
	}
	return nil
}

// StockAlerts pages an event's low-stock alerts, newest first.
func (s *Store) StockAlerts(ctx context.Context, accountID, eventID int64, p Page) ([]StockAlert, int64, error) {
	where, args, err := p.afterID("a.id", true, []string{"a.account_id = ?", "a.event_id = ?"}, []any{accountID, eventID})
	if err != nil {
		return nil, 0, err
	}
	as := []StockAlert{}
	if err := s.db.SelectContext(ctx, &as, `SELECT `+alertColumns+` WHERE `+strings.Join(where, " AND ")+`
		ORDER BY a.id DESC LIMIT ? OFFSET ?`, append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list stock alerts of event %d: %w", eventID, err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM stock_alerts WHERE account_id = ? AND event_id = ?`,
		accountID, eventID); err != nil {
		return nil, 0, fmt.Errorf("count stock alerts of event %d: %w", eventID, err)
	}
	return tidyAlerts(as), total, nil
}

// Grant statuses.
const (
	GrantGranted    = "granted"
	GrantWaitlisted = "waitlisted"
)

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

// Tier is a reward of an event, reached at Days attendance days.
type Tier struct {
	ID                int64     `db:"id" json:"id"`
	AccountID         int64     `db:"account_id" json:"-"`
	EventID           int64     `db:"event_id" json:"event_id"`
	Days              int       `db:"days" json:"days"`
	Name              string    `db:"name" json:"name"`
	Stock             int64     `db:"stock" json:"stock"`
	LowStockThreshold int64     `db:"low_stock_threshold" json:"low_stock_threshold"`
	Version           int64     `db:"version" json:"-"`
	Granted           int64     `db:"granted" json:"granted"`
	Waitlisted        int64     `db:"waitlisted" json:"waitlisted"`
	CreatedAt         time.Time `db:"created_at" json:"created_at"`
	UpdatedAt         time.Time `db:"updated_at" json:"updated_at"`
}

// TierStock is a tier's stock as one version: what stock-changed signals carry.
type TierStock struct {
	TierID    int64 `db:"id"`
	EventID   int64 `db:"event_id"`
	Version   int64 `db:"version"`
	Stock     int64 `db:"stock"`
	Threshold int64 `db:"low_stock_threshold"`
}

// MaxStock is the most a tier may hold.
const MaxStock = 1_000_000_000

// ErrStockOutOfRange refuses a stock change that would leave less than nothing
// (or more than MaxStock).
var ErrStockOutOfRange = errors.New("stock must stay between 0 and 1000000000")

const tierColumns = `t.id, t.account_id, t.event_id, t.days, t.name, t.stock, t.low_stock_threshold, t.version,
	t.created_at, t.updated_at,
	(SELECT COUNT(*) FROM event_grants g WHERE g.tier_id = t.id AND g.status = 'granted') AS granted,
	(SELECT COUNT(*) FROM event_grants g WHERE g.tier_id = t.id AND g.status = 'waitlisted') AS waitlisted`

// TierInput creates a tier.
type TierInput struct {
	Days              int
	Name              string
	Stock             int64
	LowStockThreshold int64
}

// CreateTier adds a tier to an event. Its initial stock is the first entry of the
// tier's stock audit trail, and its stock monitor is owed (OutboxStockMonitor).
// A second tier with the same day count is ErrConflict.
func (s *Store) CreateTier(ctx context.Context, accountID, eventID int64, in TierInput, by Actor) (Tier, error) {
	var id int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var one int
		if err := tx.GetContext(ctx, &one, `SELECT 1 FROM events WHERE account_id = ? AND id = ?`, accountID, eventID); err != nil {
			return notFound(err)
		}
		t := now()
		res, err := tx.ExecContext(ctx, `INSERT INTO event_tiers (account_id, event_id, days, name, stock, low_stock_threshold,
			created_at, updated_at) VALUES (?,?,?,?,?,?,?,?)`, accountID, eventID, in.Days, in.Name, in.Stock, in.LowStockThreshold, t, t)
		if err != nil {
			if isDuplicate(err) {
				return fmt.Errorf("the event already has a tier for %d days: %w", in.Days, ErrConflict)
			}
			return fmt.Errorf("insert tier: %w", err)
		}
		id, _ = res.LastInsertId()
		if _, err = insertAdjustment(ctx, tx, accountID, eventID, id, StockAdjustment{
			Delta: in.Stock, StockBefore: 0, StockAfter: in.Stock, Reason: "initial stock"}, by, t); err != nil {
			return err
		}
		return insertOutbox(ctx, tx, accountID, OutboxStockMonitor, id)
	})
	if err != nil {
		return Tier{}, err
	}
	return s.Tier(ctx, accountID, eventID, id)
}

// Tier returns one tier of one of the account's events, with its grant counts.
func (s *Store) Tier(ctx context.Context, accountID, eventID, id int64) (Tier, error) {
	var t Tier
	err := s.db.GetContext(ctx, &t, `SELECT `+tierColumns+` FROM event_tiers t
		WHERE t.account_id = ? AND t.event_id = ? AND t.id = ?`, accountID, eventID, id)
	return t, notFound(err)
}

// Tiers lists an event's tiers by day count.
func (s *Store) Tiers(ctx context.Context, accountID, eventID int64) ([]Tier, error) {
	ts := []Tier{}
	err := s.db.SelectContext(ctx, &ts, `SELECT `+tierColumns+` FROM event_tiers t
		WHERE t.account_id = ? AND t.event_id = ? ORDER BY t.days`, accountID, eventID)
	if err != nil {
		return nil, fmt.Errorf("list tiers of event %d: %w", eventID, err)
	}
	return ts, nil
}

// TierPatch changes the fields that are set. Stock changes go through AdjustStock.
type TierPatch struct {
	Days              *int
	Name              *string
	LowStockThreshold *int64
}

// UpdateTier applies a patch. A threshold change bumps the tier's version, so the
// stock monitor takes it into account.
func (s *Store) UpdateTier(ctx context.Context, accountID, eventID, id int64, p TierPatch) (Tier, error) {
	sets := []string{"updated_at = ?"}
	args := []any{now()}
	if p.Days != nil {
		sets, args = append(sets, "days = ?"), append(args, *p.Days)
	}
	if p.Name != nil {
		sets, args = append(sets, "name = ?"), append(args, *p.Name)
	}
	if p.LowStockThreshold != nil {
		sets = append(sets, "version = version + IF(low_stock_threshold = ?, 0, 1)", "low_stock_threshold = ?")
		args = append(args, *p.LowStockThreshold, *p.LowStockThreshold)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE event_tiers SET `+strings.Join(sets, ", ")+`
		WHERE account_id = ? AND event_id = ? AND id = ?`, append(args, accountID, eventID, id)...)
	if err != nil {
		if isDuplicate(err) {
			return Tier{}, fmt.Errorf("the event already has a tier for %d days: %w", *p.Days, ErrConflict)
		}
		return Tier{}, fmt.Errorf("update tier %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Tier(ctx, accountID, eventID, id); err != nil {
			return Tier{}, err
		}
	}
	return s.Tier(ctx, accountID, eventID, id)
}

// TierStock reads a tier's current stock, threshold and version.
func (s *Store) TierStock(ctx context.Context, accountID, tierID int64) (TierStock, error) {
	var ts TierStock
	err := s.db.GetContext(ctx, &ts, `SELECT id, event_id, version, stock, low_stock_threshold FROM event_tiers
		WHERE account_id = ? AND id = ?`, accountID, tierID)
	return ts, notFound(err)
}

func tierStockTx(ctx context.Context, tx *sqlx.Tx, tierID int64) (TierStock, error) {
	var ts TierStock
	err := tx.GetContext(ctx, &ts, `SELECT id, event_id, version, stock, low_stock_threshold FROM event_tiers WHERE id = ?`, tierID)
	if err != nil {
		return ts, fmt.Errorf("read stock of tier %d: %w", tierID, notFound(err))
	}
	return ts, nil
}
