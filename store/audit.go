package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Actor is who makes a change: a user, an API key, or the system (the worker,
// a migration). IP and RequestID say where the request came from.
type Actor struct {
	Kind      string // ActorUser, ActorAPIKey or ActorSystem
	UserID    int64
	KeyID     int64
	Name      string // the user's or key's name at the time
	IP        string
	RequestID string
}

// Kinds of actor.
const (
	ActorUser   = "user"
	ActorAPIKey = "api_key"
	ActorSystem = "system"
)

// ID is the acting user's or key's id (0 for the system).
func (a Actor) ID() int64 {
	if a.Kind == ActorAPIKey {
		return a.KeyID
	}
	return a.UserID
}

type actorKey struct{}

// WithActor returns ctx carrying who makes the request. The API sets it once,
// when it authenticates a request; every audited change made with the context
// records it, so no write path needs to pass it along by hand.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom is the actor ctx carries; the system when none.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok && a.Kind != "" {
		return a
	}
	return Actor{Kind: ActorSystem}
}

// Audited actions: the stable vocabulary of the audit log.
const (
	AuditRelayCreate      = "relay.create"
	AuditRelayUpdate      = "relay.update"
	AuditRelayDelete      = "relay.delete"
	AuditTemplateCreate   = "template.create"
	AuditTemplateUpdate   = "template.update"
	AuditTemplateDelete   = "template.delete"
	AuditCampaignSend     = "campaign.send"
	AuditCampaignPause    = "campaign.pause"
	AuditCampaignResume   = "campaign.resume"
	AuditCampaignCancel   = "campaign.cancel"
	AuditCampaignRetry    = "campaign.retry"
	AuditStockAdjust      = "stock.adjust"
	AuditMemberRole       = "member.role"
	AuditMemberRemove     = "member.remove"
	AuditInvitationCreate = "invitation.create"
	AuditInvitationDelete = "invitation.delete"
	AuditInvitationAccept = "invitation.accept"
	AuditAPIKeyCreate     = "api_key.create"
	AuditAPIKeyDelete     = "api_key.delete"
	AuditPasswordChange   = "password.change"
	AuditPasswordReset    = "password.reset"
	AuditSessionLogoutAll = "session.logout_all"
	AuditAccountUpdate    = "account.update"
	// AuditPasswordResetRequest: a reset link was mailed (the worker, on a
	// request nobody authenticated, so the actor is the system).
	AuditPasswordResetRequest = "password.reset_request"
)

// Subject types of the audit log.
const (
	SubjectRelay      = "relay"
	SubjectTemplate   = "template"
	SubjectCampaign   = "campaign"
	SubjectTier       = "tier"
	SubjectUser       = "user"
	SubjectInvitation = "invitation"
	SubjectAPIKey     = "api_key"
	SubjectAccount    = "account"
)

// Change is one audited change: what was done to which subject, and the
// subject before and after where that matters (nil: not recorded). Before and
// After are stored as JSON; they must never hold a secret.
type Change struct {
	Action    string
	Subject   string
	SubjectID int64
	Before    any
	After     any
}

// audit records ch as done by the context's actor, through exec — the
// transaction of the change itself, so the change and its record commit or
// roll back together.
func audit(ctx context.Context, exec sqlx.ExecerContext, accountID int64, ch Change) error {
	a := ActorFrom(ctx)
	before, err := auditJSON(ch.Before)
	if err != nil {
		return err
	}
	after, err := auditJSON(ch.After)
	if err != nil {
		return err
	}
	if _, err := exec.ExecContext(ctx, `INSERT INTO audit_log (account_id, at, actor_kind, actor_id, actor_name, action,
		subject_type, subject_id, before_json, after_json, ip, request_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		accountID, now(), a.Kind, a.ID(), truncate(a.Name, 200), ch.Action, ch.Subject, ch.SubjectID, before, after,
		truncate(a.IP, 45), truncate(a.RequestID, 64)); err != nil {
		return fmt.Errorf("audit %s of %s %d: %w", ch.Action, ch.Subject, ch.SubjectID, err)
	}
	return nil
}

func auditJSON(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("audit snapshot: %w", err)
	}
	return string(b), nil
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RecordAudit records a change that is no database transaction (a signal to
// a running workflow), after it succeeded.
func (s *Store) RecordAudit(ctx context.Context, accountID int64, ch Change) error {
	return audit(ctx, s.db, accountID, ch)
}

// AuditEntry is one row of the audit log.
type AuditEntry struct {
	ID          int64     `db:"id"`
	AccountID   int64     `db:"account_id"`
	At          time.Time `db:"at"`
	ActorKind   string    `db:"actor_kind"`
	ActorID     int64     `db:"actor_id"`
	ActorName   string    `db:"actor_name"`
	Action      string    `db:"action"`
	SubjectType string    `db:"subject_type"`
	SubjectID   int64     `db:"subject_id"`
	Before      NullJSON  `db:"before_json"`
	After       NullJSON  `db:"after_json"`
	IP          string    `db:"ip"`
	RequestID   string    `db:"request_id"`
}

// NullJSON is a nullable JSON column; NULL reads as JSON null.
type NullJSON json.RawMessage

// Scan reads the column.
func (n *NullJSON) Scan(src any) error {
	v, err := rawJSONColumn(src, nil)
	if err == nil {
		*n = v
	}
	return err
}

// MarshalJSON writes the stored JSON, or null.
func (n NullJSON) MarshalJSON() ([]byte, error) {
	if len(n) == 0 {
		return []byte("null"), nil
	}
	return n, nil
}

// AuditFilter narrows the audit log; zero fields match everything.
type AuditFilter struct {
	ActorKind   string
	ActorID     int64
	SubjectType string
	SubjectID   int64
	Action      string
}

// AuditLog pages the account's audit log, newest first.
func (s *Store) AuditLog(ctx context.Context, accountID int64, f AuditFilter, p Page) ([]AuditEntry, int64, error) {
	where, args := []string{"account_id = ?"}, []any{accountID}
	if f.ActorKind != "" {
		where, args = append(where, "actor_kind = ?", "actor_id = ?"), append(args, f.ActorKind, f.ActorID)
	}
	if f.SubjectType != "" {
		where, args = append(where, "subject_type = ?"), append(args, f.SubjectType)
		if f.SubjectID != 0 {
			where, args = append(where, "subject_id = ?"), append(args, f.SubjectID)
		}
	}
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	page, pargs, err := p.afterID("id", true, where, args)
	if err != nil {
		return nil, 0, err
	}
	out := []AuditEntry{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+auditLogColumns+` FROM audit_log WHERE `+strings.Join(page, " AND ")+`
		ORDER BY id DESC LIMIT ? OFFSET ?`, append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM audit_log WHERE `+strings.Join(where, " AND "), args...); err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	return out, total, nil
}
