package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/render"
)

// Template is a stored message template. Its content is validated and rendered
// by the render package; Content converts.
type Template struct {
	ID                   int64      `db:"id" json:"id"`
	AccountID            int64      `db:"account_id" json:"-"`
	Name                 string     `db:"name" json:"name"`
	Channel              string     `db:"channel" json:"channel"`
	Subject              string     `db:"subject" json:"subject"`
	Body                 string     `db:"body" json:"body"`
	Buttons              Buttons    `db:"buttons" json:"buttons"`
	Variables            StringList `db:"variables" json:"variables"`
	ProviderTemplateCode string     `db:"provider_template_code" json:"provider_template_code"`
	SenderKey            string     `db:"sender_key" json:"sender_key"`
	FallbackSubject      string     `db:"fallback_subject" json:"fallback_subject"`
	FallbackText         string     `db:"fallback_text" json:"fallback_text"`
	Advertisement        bool       `db:"advertisement" json:"advertisement"`
	// ProviderStatus is the AlimTalk template's inspection (검수) status at the
	// provider, as last synced through relay ProviderRelayID: registered,
	// requested, approved or rejected; empty when never synced.
	ProviderStatus   string    `db:"provider_status" json:"provider_status,omitempty"`
	ProviderRelayID  int64     `db:"provider_relay_id" json:"provider_relay_id,omitempty"`
	ProviderSyncedAt time.Time `db:"provider_synced_at" json:"-"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
}

// Content is the template's content for rendering.
func (t Template) Content() render.Template {
	return render.Template{
		Channel: t.Channel, Subject: t.Subject, Body: t.Body, Buttons: t.Buttons,
		FallbackText: t.FallbackText, FallbackSubject: t.FallbackSubject, Advertisement: t.Advertisement,
		ProviderTemplateCode: t.ProviderTemplateCode, SenderKey: t.SenderKey,
	}
}

// Buttons is a JSON column of link buttons.
type Buttons []render.Button

// Scan reads the JSON column.
func (b *Buttons) Scan(src any) error { return scanJSON(src, b, Buttons{}) }

// StringList is a JSON column of strings.
type StringList []string

// Scan reads the JSON column.
func (l *StringList) Scan(src any) error { return scanJSON(src, l, StringList{}) }

func scanJSON[T any](src any, dst *T, empty T) error {
	var raw []byte
	switch v := src.(type) {
	case nil:
		*dst = empty
		return nil
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		return fmt.Errorf("scan JSON column: unexpected %T", src)
	}
	*dst = empty
	if len(raw) == 0 {
		return nil
	}
	return json.Unmarshal(raw, dst)
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// templateRow is how SaveTemplate writes a template.
var templateRow = savedRow[Template]{what: "template", table: "templates", columns: templatesColumns,
	insert: `INSERT INTO templates (name, channel, subject, body, buttons, variables,
		provider_template_code, sender_key, fallback_subject, fallback_text, advertisement, updated_at, created_at, account_id)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
	update: `UPDATE templates SET name = ?, channel = ?, subject = ?, body = ?, buttons = ?,
		variables = ?, provider_template_code = ?, sender_key = ?, fallback_subject = ?, fallback_text = ?,
		advertisement = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
	created: AuditTemplateCreate, updated: AuditTemplateUpdate, subject: SubjectTemplate,
	snapshot: func(t Template) any { return t }, nameWrites: true}

// SaveTemplate creates (t.ID == 0) or replaces a template of the account; the
// caller has validated its content and derived its variables. The change is
// audited with the template before and after.
func (s *Store) SaveTemplate(ctx context.Context, accountID int64, t Template) (Template, error) {
	if t.Buttons == nil {
		t.Buttons = Buttons{}
	}
	if t.Variables == nil {
		t.Variables = StringList{}
	}
	ts := now()
	cols := []any{t.Name, t.Channel, t.Subject, t.Body, jsonText(t.Buttons), jsonText(t.Variables),
		t.ProviderTemplateCode, t.SenderKey, t.FallbackSubject, t.FallbackText, t.Advertisement, ts}
	var out Template
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) (err error) {
		out, err = saveAudited(ctx, tx, accountID, t.ID, templateRow, cols, ts)
		return err
	})
	return out, err
}

// Template returns one template of the account.
func (s *Store) Template(ctx context.Context, accountID, id int64) (Template, error) {
	var t Template
	err := s.db.GetContext(ctx, &t, `SELECT `+templatesColumns+` FROM templates WHERE account_id = ? AND id = ?`, accountID, id)
	return t, notFound(err)
}

// Templates pages the account's templates, newest first, optionally of one channel.
func (s *Store) Templates(ctx context.Context, accountID int64, channel string, p Page) ([]Template, int64, error) {
	where := []string{"account_id = ?"}
	args := []any{accountID}
	if channel != "" {
		where, args = append(where, "channel = ?"), append(args, channel)
	}
	w := strings.Join(where, " AND ")
	page, pargs, err := p.afterID("id", true, where, args)
	if err != nil {
		return nil, 0, err
	}
	ts := []Template{}
	if err := s.db.SelectContext(ctx, &ts, `SELECT `+templatesColumns+` FROM templates WHERE `+strings.Join(page, " AND ")+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(pargs, p.Size, p.Offset())...); err != nil {
		return nil, 0, fmt.Errorf("list templates: %w", err)
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM templates WHERE `+w, args...)
	return ts, total, err
}

// DeleteTemplate deletes a template of the account (audited).
func (s *Store) DeleteTemplate(ctx context.Context, accountID, id int64) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var before Template
		if err := tx.GetContext(ctx, &before, `SELECT `+templatesColumns+` FROM templates WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM templates WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			if isForeignKey(err) {
				return fmt.Errorf("template %d is used by a campaign: %w", id, ErrConflict)
			}
			return fmt.Errorf("delete template %d: %w", id, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditTemplateDelete, Subject: SubjectTemplate, SubjectID: id, Before: before})
	})
}

// AlimTalk template inspection (검수) statuses at the provider.
const (
	ProviderRegistered = "registered" // saved at the provider, not yet sent for inspection
	ProviderRequested  = "requested"  // under inspection
	ProviderApproved   = "approved"   // may be sent
	ProviderRejected   = "rejected"
)

// SendableAtProvider reports whether the provider will take the template: any
// template but a synced AlimTalk one whose inspection has not approved it.
// A template never synced is sent as before (the provider still refuses an
// unapproved code per message).
func (t Template) SendableAtProvider() bool {
	return t.Channel != "alimtalk" || t.ProviderStatus == "" || t.ProviderStatus == ProviderApproved
}

// ProviderTemplate is an AlimTalk template as the provider lists it, with the
// variables of its body worked out.
type ProviderTemplate struct {
	Code      string
	Name      string
	Body      string
	Buttons   Buttons
	Variables []string
	Status    string
	SenderKey string
}

// SyncedTemplate is the outcome of syncing one provider template.
type SyncedTemplate struct {
	Template Template
	Created  bool
}

// SyncProviderTemplates imports the provider's AlimTalk templates listed through
// relayID as the account's templates: one whose code (and sender profile) matches
// a template of ours updates it, keeping its id, name and fallback text; the
// others are created. In one transaction.
func (s *Store) SyncProviderTemplates(ctx context.Context, accountID, relayID int64, items []ProviderTemplate) ([]SyncedTemplate, error) {
	var ids []int64
	var created []bool
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		ts := now()
		for _, it := range items {
			if it.Buttons == nil {
				it.Buttons = Buttons{}
			}
			if it.Variables == nil {
				it.Variables = []string{}
			}
			var id int64
			err := tx.GetContext(ctx, &id, `SELECT id FROM templates WHERE account_id = ? AND channel = 'alimtalk'
				AND provider_template_code = ? AND (sender_key = ? OR sender_key = '') ORDER BY sender_key = ? DESC, id LIMIT 1 FOR UPDATE`,
				accountID, it.Code, it.SenderKey, it.SenderKey)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				res, err := tx.ExecContext(ctx, `INSERT INTO templates (account_id, name, channel, subject, body, buttons, variables,
					provider_template_code, sender_key, fallback_subject, fallback_text, advertisement,
					provider_status, provider_relay_id, provider_synced_at, created_at, updated_at)
					VALUES (?,?,'alimtalk','',?,?,?,?,?,'','',0,?,?,?,?,?)`, accountID, it.Name, it.Body, jsonText(it.Buttons),
					jsonText(it.Variables), it.Code, it.SenderKey, it.Status, relayID, ts, ts, ts)
				if err != nil {
					return fmt.Errorf("import template %s: %w", it.Code, err)
				}
				id, _ = res.LastInsertId()
				created = append(created, true)
			case err != nil:
				return fmt.Errorf("find template %s: %w", it.Code, err)
			default:
				if _, err := tx.ExecContext(ctx, `UPDATE templates SET body = ?, buttons = ?, variables = ?, provider_status = ?,
					provider_relay_id = ?, provider_synced_at = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
					it.Body, jsonText(it.Buttons), jsonText(it.Variables), it.Status, relayID, ts, ts, accountID, id); err != nil {
					return fmt.Errorf("update template %d from %s: %w", id, it.Code, err)
				}
				created = append(created, false)
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]SyncedTemplate, len(ids))
	for i, id := range ids {
		t, err := s.Template(ctx, accountID, id)
		if err != nil {
			return nil, err
		}
		out[i] = SyncedTemplate{Template: t, Created: created[i]}
	}
	return out, nil
}
