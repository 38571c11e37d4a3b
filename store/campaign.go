package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// Campaign statuses.
const (
	CampaignDraft     = "draft"
	CampaignScheduled = "scheduled"
	CampaignRunning   = "running"
	CampaignPaused    = "paused"
	CampaignCompleted = "completed"
	CampaignCancelled = "cancelled"
	CampaignFailed    = "failed"
)

// Audience kinds: who a campaign goes to.
const (
	AudienceGroups        = "groups"         // the union of GroupIDs
	AudienceCustomers     = "customers"      // CustomerIDs (small explicit lists: notices)
	AudienceEventReminder = "event_reminder" // eligible customers of EventID not checked in on EventDay
)

// ErrCampaignState refuses what the campaign's status does not allow.
var ErrCampaignState = fmt.Errorf("campaign state: %w", ErrConflict)

// Routing is how a campaign picks relays.
type Routing struct {
	Mode   string         `json:"mode"` // weighted, cheapest, fastest
	Relays []RoutingRelay `json:"relays"`
}

// RoutingRelay is one relay of a campaign and its weight (weighted mode).
type RoutingRelay struct {
	RelayID int64 `json:"relay_id"`
	Weight  int   `json:"weight"`
}

// Scan reads the JSON column.
func (r *Routing) Scan(src any) error { return scanJSON(src, r, Routing{}) }

// IDList is a JSON column of ids.
type IDList []int64

// Scan reads the JSON column.
func (l *IDList) Scan(src any) error { return scanJSON(src, l, IDList{}) }

// ContentSnapshot is the template as it was when the send began (JSON column).
type ContentSnapshot Template

// Scan reads the JSON column.
func (c *ContentSnapshot) Scan(src any) error { return scanJSON(src, c, ContentSnapshot{}) }

// Campaign is one send of a template to an audience.
type Campaign struct {
	ID             int64           `db:"id" json:"id"`
	AccountID      int64           `db:"account_id" json:"-"`
	Name           string          `db:"name" json:"name"`
	TemplateID     int64           `db:"template_id" json:"template_id"`
	Status         string          `db:"status" json:"status"`
	AudienceKind   string          `db:"audience_kind" json:"audience_kind"`
	GroupIDs       IDList          `db:"group_ids" json:"group_ids"`
	CustomerIDs    IDList          `db:"customer_ids" json:"customer_ids,omitempty"`
	Variables      Attributes      `db:"variables" json:"variables,omitempty"`
	EventID        int64           `db:"event_id" json:"event_id,omitempty"`
	EventDay       time.Time       `db:"event_day" json:"-"`
	Routing        Routing         `db:"routing" json:"routing"`
	ScheduledAt    time.Time       `db:"scheduled_at" json:"-"`
	Content        ContentSnapshot `db:"content" json:"-"`
	Run            int             `db:"run" json:"run"`
	Total          int64           `db:"total" json:"total"`
	Pending        int64           `db:"pending" json:"pending"`
	Sending        int64           `db:"sending" json:"sending"`
	Sent           int64           `db:"sent" json:"sent"`
	Delivered      int64           `db:"delivered" json:"delivered"`
	Failed         int64           `db:"failed" json:"failed"`
	Unknown        int64           `db:"unknown" json:"unknown"`
	Fallback       int64           `db:"fallback" json:"fallback"`
	FirstMessageID int64           `db:"first_message_id" json:"-"`
	LastMessageID  int64           `db:"last_message_id" json:"-"`
	Error          string          `db:"error" json:"error,omitempty"`
	StartedAt      time.Time       `db:"started_at" json:"-"`
	CompletedAt    time.Time       `db:"completed_at" json:"-"`
	CreatedAt      time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time       `db:"updated_at" json:"updated_at"`
	// LeftOut counts the audience members the send left out when it stored
	// the messages (no address for the channel, a missing variable, a message
	// over a limit once filled in; everyone when the account's settings no
	// longer allow the template); opted-out customers are not in the audience.
	LeftOut int64 `db:"left_out" json:"left_out"`
}

// IsSet reports whether a DATETIME column holds a value (not the 1970 default).
func IsSet(t time.Time) bool { return t.After(time.Unix(1, 0)) }

// NewCampaign is what a campaign is created (or a draft changed) with.
type NewCampaign struct {
	Name         string
	TemplateID   int64
	AudienceKind string // default groups
	GroupIDs     []int64
	CustomerIDs  []int64
	Variables    Attributes
	EventID      int64
	EventDay     time.Time
	Routing      Routing
	ScheduledAt  time.Time // zero: send when asked
}

func (n NewCampaign) columns() []any {
	kind := n.AudienceKind
	if kind == "" {
		kind = AudienceGroups
	}
	groups, customers := n.GroupIDs, n.CustomerIDs
	if groups == nil {
		groups = []int64{}
	}
	if customers == nil {
		customers = []int64{}
	}
	day := n.EventDay
	if day.IsZero() {
		day = time.Unix(0, 0).UTC()
	}
	sched := n.ScheduledAt
	if sched.IsZero() {
		sched = time.Unix(0, 0).UTC()
	}
	return []any{n.Name, n.TemplateID, kind, jsonText(groups), jsonText(customers), n.Variables.JSON(),
		n.EventID, day.Format(time.DateOnly), jsonText(n.Routing), sched.UTC()}
}

// checkCampaignRefs verifies the template, groups, customers and relays belong to
// the account.
func checkCampaignRefs(ctx context.Context, q sqlx.QueryerContext, accountID int64, n NewCampaign) error {
	var one int
	if err := sqlx.GetContext(ctx, q, &one, `SELECT 1 FROM templates WHERE account_id = ? AND id = ?`, accountID, n.TemplateID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return &MissingError{What: "template", IDs: []int64{n.TemplateID}}
		}
		return err
	}
	if err := checkOwned(ctx, q, accountID, "customer_groups", "groups", n.GroupIDs); err != nil {
		return err
	}
	if err := checkOwned(ctx, q, accountID, "customers", "customers", n.CustomerIDs); err != nil {
		return err
	}
	relays := make([]int64, len(n.Routing.Relays))
	for i, r := range n.Routing.Relays {
		relays[i] = r.RelayID
	}
	return checkOwned(ctx, q, accountID, "relays", "relays", relays)
}

// CreateCampaign creates a draft campaign.
func (s *Store) CreateCampaign(ctx context.Context, accountID int64, n NewCampaign) (Campaign, error) {
	if err := checkCampaignRefs(ctx, s.db, accountID, n); err != nil {
		return Campaign{}, err
	}
	id, err := insertCampaign(ctx, s.db, accountID, n)
	if err != nil {
		return Campaign{}, err
	}
	return s.Campaign(ctx, accountID, id)
}

// insertCampaign inserts a draft (its references checked by the caller).
func insertCampaign(ctx context.Context, ex sqlx.ExtContext, accountID int64, n NewCampaign) (int64, error) {
	t := now()
	res, err := ex.ExecContext(ctx, `INSERT INTO campaigns (name, template_id, audience_kind, group_ids, customer_ids,
		variables, event_id, event_day, routing, scheduled_at, content, account_id, status, created_at, updated_at)
		VALUES (?,?,?,?,?,?,?,?,?,?,'{}',?,'draft',?,?)`, append(n.columns(), accountID, t, t)...)
	if err != nil {
		return 0, fmt.Errorf("insert campaign: %w", err)
	}
	id, _ := res.LastInsertId()
	return id, nil
}

// UpdateCampaign replaces a draft's settings.
func (s *Store) UpdateCampaign(ctx context.Context, accountID, id int64, n NewCampaign) (Campaign, error) {
	if err := checkCampaignRefs(ctx, s.db, accountID, n); err != nil {
		return Campaign{}, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaigns SET name = ?, template_id = ?, audience_kind = ?, group_ids = ?,
		customer_ids = ?, variables = ?, event_id = ?, event_day = ?, routing = ?, scheduled_at = ?, updated_at = ?
		WHERE account_id = ? AND id = ? AND status = 'draft'`, append(n.columns(), now(), accountID, id)...)
	if err != nil {
		return Campaign{}, fmt.Errorf("update campaign %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		c, err := s.Campaign(ctx, accountID, id)
		if err != nil {
			return c, err
		}
		if c.Status != CampaignDraft {
			return c, fmt.Errorf("campaign %d is %s; only drafts can be changed: %w", id, c.Status, ErrCampaignState)
		}
	}
	return s.Campaign(ctx, accountID, id)
}

// DeleteCampaign deletes a draft.
func (s *Store) DeleteCampaign(ctx context.Context, accountID, id int64) error {
	c, err := s.Campaign(ctx, accountID, id)
	if err != nil {
		return err
	}
	if c.Status != CampaignDraft {
		return fmt.Errorf("campaign %d is %s; only drafts can be deleted: %w", id, c.Status, ErrCampaignState)
	}
	_, err = s.db.ExecContext(ctx, `DELETE FROM campaigns WHERE account_id = ? AND id = ? AND status = 'draft'`, accountID, id)
	return err
}

// Campaign returns one campaign of the account.
func (s *Store) Campaign(ctx context.Context, accountID, id int64) (Campaign, error) {
	var c Campaign
	err := s.db.GetContext(ctx, &c, `SELECT `+campaignsColumns+` FROM campaigns WHERE account_id = ? AND id = ?`, accountID, id)
	return c, notFound(err)
}

// Campaigns pages the account's campaigns, newest first.
func (s *Store) Campaigns(ctx context.Context, accountID int64, p Page) ([]Campaign, int64, error) {
	where, args, err := p.afterID("id", true, []string{"account_id = ?"}, []any{accountID})
	if err != nil {
		return nil, 0, err
	}
	cs := []Campaign{}
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+campaignsColumns+` FROM campaigns WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list campaigns: %w", err)
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM campaigns WHERE account_id = ?`, accountID)
	return cs, total, err
}

// BeginSend freezes a draft's content and marks it scheduled or running. It
// answers whether this call made the change (false: it was no longer a draft, as
// after a double submit, or when the campaign's workflow got there first). A
// campaign_start the outbox owed for it is done with.
func (s *Store) BeginSend(ctx context.Context, accountID, id int64, content Template, status string) (bool, error) {
	content.Buttons = append(Buttons{}, content.Buttons...)
	var changed bool
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaigns SET status = ?, content = ?, run = 1, updated_at = ?
			WHERE account_id = ? AND id = ? AND status = 'draft'`, status, jsonText(content), now(), accountID, id)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		changed = n == 1
		if _, err = tx.ExecContext(ctx, `DELETE FROM outbox WHERE kind = ? AND ref_id = ? AND account_id = ?`,
			OutboxCampaignStart, id, accountID); err != nil || !changed {
			return err
		}
		// Whoever makes the change (the API, or the campaign's workflow on
		// behalf of the same caller) records it; the other finds no draft.
		return audit(ctx, tx, accountID, Change{Action: AuditCampaignSend, Subject: SubjectCampaign, SubjectID: id,
			Before: map[string]any{"status": CampaignDraft}, After: map[string]any{"status": status, "template_id": content.ID}})
	})
	if err != nil {
		return false, fmt.Errorf("begin send of campaign %d: %w", id, err)
	}
	return changed, nil
}

// SetCampaignStatus moves the campaign to status when it is in one of from (any
// status when from is empty). started marks the start of sending.
func (s *Store) SetCampaignStatus(ctx context.Context, accountID, id int64, status string, from ...string) error {
	query := `UPDATE campaigns SET status = ?, updated_at = ?`
	args := []any{status, now()}
	if status == CampaignRunning {
		query += `, started_at = IF(started_at > '1970-01-02', started_at, ?)`
		args = append(args, now())
	}
	query += ` WHERE account_id = ? AND id = ?`
	args = append(args, accountID, id)
	if len(from) > 0 {
		q, a, _ := sqlx.In(` AND status IN (?)`, from)
		query += q
		args = append(args, a...)
	}
	_, err := s.db.ExecContext(ctx, query, args...)
	return err
}

// RetryCampaign makes run the campaign's current run: the failed messages of the
// finished campaign go back to pending and it is running again. It is
// idempotent: once the campaign is at run (or later) it changes nothing and
// answers 0. It answers how many messages go back to pending.
func (s *Store) RetryCampaign(ctx context.Context, accountID, id int64, run int) (int64, error) {
	var reset int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var c Campaign
		if err := tx.GetContext(ctx, &c, `SELECT `+campaignsColumns+` FROM campaigns WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if c.Run >= run {
			return nil
		}
		if c.Status != CampaignCompleted && c.Status != CampaignFailed {
			return fmt.Errorf("campaign %d is %s; only a finished campaign can retry its failed messages: %w", id, c.Status, ErrCampaignState)
		}
		// The message is sent again as it was written (an AlimTalk as an
		// AlimTalk): a fallback the last run sent is no longer what the row
		// holds, and a report about the new send must find it so
		// (MessageResult.OnFallback). Nor is the last run's hand-over: the new
		// send writes its own, even when its report comes first
		// (CompleteHandOvers).
		res, err := tx.ExecContext(ctx, `UPDATE campaign_messages SET status = 'pending', code = '', reason = '', fallback = 0, fallback_due = 0,
				relay_id = 0, sent_channel = '', provider_id = '', sent_at = '1970-01-01', result_at = '1970-01-01'
			WHERE campaign_id = ? AND id BETWEEN ? AND ? AND status = 'failed'`, id, c.FirstMessageID, c.LastMessageID)
		if err != nil {
			return fmt.Errorf("reset failed messages: %w", err)
		}
		if reset, _ = res.RowsAffected(); reset == 0 {
			return fmt.Errorf("campaign %d has no failed messages to retry: %w", id, ErrCampaignState)
		}
		t := now()
		if _, err = tx.ExecContext(ctx, `UPDATE campaigns SET status = 'running', run = ?, failed = failed - ?,
			pending = pending + ?, completed_at = '1970-01-01', updated_at = ? WHERE id = ?`, run, reset, reset, t, id); err != nil {
			return err
		}
		// Every hand-over of the run that ended came before its end, and one
		// after it is this run's or a later one's (OutrunReports). The end is
		// taken rather than now: the time between the two is what a clock
		// behind by a little cannot blur.
		after := c.CompletedAt
		if !IsSet(after) {
			after = t
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO campaign_runs (campaign_id, run, account_id, started_at, previous_end) VALUES (?, ?, ?, ?, ?)`,
			id, run, accountID, t, after); err != nil {
			return fmt.Errorf("record the start of run %d: %w", run, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditCampaignRetry, Subject: SubjectCampaign, SubjectID: id,
			Before: map[string]any{"status": c.Status, "run": c.Run}, After: map[string]any{"status": CampaignRunning, "run": run, "retrying": reset}})
	})
	return reset, err
}

// AccountTimezone is the IANA zone of the account (quiet hours, statistics).
func (s *Store) AccountTimezone(ctx context.Context, accountID int64) (string, error) {
	var tz string
	err := s.db.GetContext(ctx, &tz, `SELECT timezone FROM accounts WHERE id = ?`, accountID)
	return tz, notFound(err)
}

// routingJSON renders a Routing for logs and answers.
func (r Routing) String() string { b, _ := json.Marshal(r); return string(b) }

// audienceCondition is the SQL condition (on customers c) of the campaign's
// audience, opted-out customers excluded: the one definition of whom a campaign
// reaches, used by the counts and previews (AudienceSize, AudienceMissing) and
// by AudienceBatch, which materialises the messages.
func audienceCondition(c Campaign) (string, []any, error) {
	return audienceMembers(c, audienceBase)
}

// audienceBase is the part of audienceCondition that is not the audience's
// kind: the account (its one argument), and customers who have not opted out.
const audienceBase = "c.account_id = ? AND c.opted_out = 0"

// audienceMembers is the SQL condition (on customers c) of the customers the
// campaign's audience names, base (which binds the account id) and'ed in front.
func audienceMembers(c Campaign, base string) (string, []any, error) {
	args := []any{c.AccountID}
	switch c.AudienceKind {
	case AudienceGroups:
		if len(c.GroupIDs) == 0 {
			return base + " AND FALSE", args, nil
		}
		q, a, _ := sqlx.In(` AND EXISTS (SELECT 1 FROM group_members m
			WHERE m.account_id = c.account_id AND m.customer_id = c.id AND m.group_id IN (?))`, []int64(c.GroupIDs))
		return base + q, append(args, a...), nil
	case AudienceCustomers:
		if len(c.CustomerIDs) == 0 {
			return base + " AND FALSE", args, nil
		}
		q, a, _ := sqlx.In(` AND c.id IN (?)`, []int64(c.CustomerIDs))
		return base + q, append(args, a...), nil
	case AudienceEventReminder:
		return base + ` AND EXISTS (SELECT 1 FROM purchases p WHERE p.account_id = c.account_id AND p.customer_id = c.id)
			AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.event_id = ? AND k.customer_id = c.id AND k.day = ?)`,
			append(args, c.EventID, c.EventDay.Format(time.DateOnly)), nil
	}
	return "", nil, fmt.Errorf("unknown audience kind %q", c.AudienceKind)
}

// AudienceSize counts the campaign's recipients (needEmail: only those with an
// e-mail address; otherwise only those with a mobile number).
func (s *Store) AudienceSize(ctx context.Context, c Campaign, needEmail bool) (int64, error) {
	cond, args, err := audienceCondition(c)
	if err != nil {
		return 0, err
	}
	var n int64
	err = s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM customers c WHERE `+cond+" AND "+reachable(needEmail), args...)
	return n, err
}

// reachable is the condition on a customer the channel can reach: an e-mail
// address, or for SMS, LMS and AlimTalk a mobile number.
func reachable(needEmail bool) string {
	if needEmail {
		return "c.email <> ''"
	}
	return "c.not_mobile = 0"
}

// lacking is the condition on a customer without a value for one of vars (an
// attribute, or the e-mail for EmailVariables), with its arguments; "" when
// vars holds only field variables, which every customer has.
func lacking(vars []string) (string, []any) {
	var lacks []string
	var args []any
	for _, v := range vars {
		switch {
		case slices.Contains(FieldVariables, v):
		case slices.Contains(EmailVariables, v):
			lacks = append(lacks, "c.email = ''")
		default:
			lacks = append(lacks, "JSON_EXTRACT(c.attributes, ?) IS NULL")
			args = append(args, jsonPath(v))
		}
	}
	if len(lacks) == 0 {
		return "", nil
	}
	return "(" + joinOr(lacks) + ")", args
}

// AudienceCheck answers, in one pass over the campaign's audience, how many the
// channel reaches (AudienceSize) and how many lack a value for one of vars (the
// count AudienceMissing answers): what a send is checked against.
//
// MySQL runs a statement on one core, and the check reads every member of the
// audience while the sender waits (1.8 s for 1,000,000 customers here), so a
// large customers table is counted in customer-id ranges side by side
// (inIDRanges; 1.0–1.2 s). The first range has no lower end and the last no
// upper end, so a customer added meanwhile is not missed; each range is its
// own statement, so the check is no more a single snapshot than the send that
// follows it.
func (s *Store) AudienceCheck(ctx context.Context, c Campaign, needEmail bool, vars []string) (size, missing int64, err error) {
	cond, args, err := audienceCondition(c)
	if err != nil {
		return 0, 0, err
	}
	lacks, lackArgs := lacking(vars)
	if lacks == "" {
		lacks = "FALSE"
	}
	query := `SELECT COALESCE(SUM(` + reachable(needEmail) + `), 0) AS size,
		COALESCE(SUM(` + lacks + `), 0) AS missing FROM customers c WHERE ` + cond
	args = append(lackArgs, args...)
	var ids struct {
		Lo sql.NullInt64 `db:"lo"`
		Hi sql.NullInt64 `db:"hi"`
	}
	if err := s.db.GetContext(ctx, &ids, `SELECT MIN(id) AS lo, MAX(id) AS hi FROM customers`); err != nil {
		return 0, 0, fmt.Errorf("check the audience of campaign %d: %w", c.ID, err)
	}
	var mu sync.Mutex
	err = inIDRanges(ctx, ids.Lo.Int64, ids.Hi.Int64, func(ctx context.Context, lo, hi int64) error {
		q, a := query, args[:len(args):len(args)]
		if lo > ids.Lo.Int64 {
			q, a = q+" AND c.id >= ?", append(a, lo)
		}
		if hi < ids.Hi.Int64 {
			q, a = q+" AND c.id <= ?", append(a, hi)
		}
		var r struct {
			Size    int64 `db:"size"`
			Missing int64 `db:"missing"`
		}
		if err := s.db.GetContext(ctx, &r, q, a...); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		size, missing = size+r.Size, missing+r.Missing
		return nil
	})
	if err != nil {
		return 0, 0, fmt.Errorf("check the audience of campaign %d: %w", c.ID, err)
	}
	return size, missing, nil
}

// MissingVariables is a customer of the audience without a value for some of the
// template's variables.
type MissingVariables struct {
	CustomerID int64    `json:"customer_id"`
	Name       string   `json:"name"`
	Phone      string   `json:"phone"`
	Missing    []string `json:"missing"`
}

// AudienceMissing finds audience members without a value for any of vars (an
// attribute, or the e-mail for EmailVariables); field variables always have one and
// are skipped. It answers how many, and up to limit of them.
func (s *Store) AudienceMissing(ctx context.Context, c Campaign, vars []string, limit int) (int64, []MissingVariables, error) {
	vars = slices.DeleteFunc(slices.Clone(vars), func(v string) bool { return slices.Contains(FieldVariables, v) })
	lacks, lackArgs := lacking(vars)
	if lacks == "" {
		return 0, nil, nil
	}
	cond, args, err := audienceCondition(c)
	if err != nil {
		return 0, nil, err
	}
	where := cond + " AND " + lacks
	allArgs := append(append([]any{}, args...), lackArgs...)
	var n int64
	if err := s.db.GetContext(ctx, &n, `SELECT COUNT(*) FROM customers c WHERE `+where, allArgs...); err != nil {
		return 0, nil, fmt.Errorf("count customers missing variables: %w", err)
	}
	if n == 0 {
		return 0, nil, nil
	}
	var cs []Customer
	if err := s.db.SelectContext(ctx, &cs, `SELECT `+qualify("c", customersColumns)+` FROM customers c WHERE `+where+` ORDER BY c.id LIMIT ?`, append(allArgs, limit)...); err != nil {
		return 0, nil, err
	}
	out := make([]MissingVariables, len(cs))
	for i, cu := range cs {
		m := MissingVariables{CustomerID: cu.ID, Name: cu.Name, Phone: cu.Phone, Missing: []string{}}
		for _, v := range vars {
			if slices.Contains(EmailVariables, v) {
				if cu.Email == "" {
					m.Missing = append(m.Missing, v)
				}
				continue
			}
			if _, ok := cu.Attributes[v]; !ok {
				m.Missing = append(m.Missing, v)
			}
		}
		out[i] = m
	}
	return n, out, nil
}

// jsonPath addresses a top-level key of a JSON object, quoted so any name works.
func jsonPath(key string) string {
	b, _ := json.Marshal(key)
	return "$." + string(b)
}

func joinOr(parts []string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += " OR "
		}
		out += p
	}
	return out
}

// AudiencePreview is what a groups audience comes to before a send: the
// memberships of the groups, the distinct customers they name (a customer in two
// groups, and so a phone, counts once), those left out because they opted out,
// and those without an e-mail address (only e-mail sends leave them out).
type AudiencePreview struct {
	Memberships  int64 `db:"memberships"`
	Customers    int64 `db:"customers"`
	OptedOut     int64 `db:"opted_out"`
	WithoutEmail int64 `db:"without_email"`
}

// PreviewAudience counts the audience of groupIDs, which must all be the
// account's (a MissingError names those that are not). It is what AudienceSize
// counts for a campaign of those groups, broken down.
func (s *Store) PreviewAudience(ctx context.Context, accountID int64, groupIDs []int64) (AudiencePreview, error) {
	if err := checkAccountGroups(ctx, s.db, accountID, groupIDs); err != nil {
		return AudiencePreview{}, err
	}
	var p AudiencePreview
	q, args, err := sqlx.In(`SELECT COUNT(*) AS memberships, COUNT(DISTINCT m.customer_id) AS customers,
		COUNT(DISTINCT CASE WHEN c.opted_out = 1 THEN c.id END) AS opted_out,
		COUNT(DISTINCT CASE WHEN c.opted_out = 0 AND c.email = '' THEN c.id END) AS without_email
		FROM group_members m JOIN customers c ON c.id = m.customer_id
		WHERE m.account_id = ? AND c.account_id = ? AND m.group_id IN (?)`, accountID, accountID, uniqueIDs(groupIDs))
	if err != nil {
		return p, err
	}
	if err := s.db.GetContext(ctx, &p, q, args...); err != nil {
		return p, fmt.Errorf("preview audience: %w", err)
	}
	return p, nil
}

// checkAccountGroups checks that every group is the account's.
func checkAccountGroups(ctx context.Context, q sqlx.QueryerContext, accountID int64, groupIDs []int64) error {
	return checkOwned(ctx, q, accountID, "customer_groups", "groups", groupIDs)
}
