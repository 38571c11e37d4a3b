package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/tz"
)

// CampaignSchedule is a recurring campaign: every run of its cron makes a
// campaign of the template to the groups. The row is the truth; Version counts
// its changes and SyncedVersion is the one its Temporal Schedule matches.
type CampaignSchedule struct {
	ID            int64     `db:"id"`
	AccountID     int64     `db:"account_id"`
	Name          string    `db:"name"`
	TemplateID    int64     `db:"template_id"`
	GroupIDs      IDList    `db:"group_ids"`
	Routing       Routing   `db:"routing"`
	Cron          string    `db:"cron"`
	Timezone      string    `db:"timezone"`
	StartsAt      time.Time `db:"starts_at"`
	EndsAt        time.Time `db:"ends_at"`
	Paused        bool      `db:"paused"`
	Deleted       bool      `db:"deleted"`
	Version       int64     `db:"version"`
	SyncedVersion int64     `db:"synced_version"`
	SyncError     string    `db:"sync_error"`
	CreatedAt     time.Time `db:"created_at"`
	UpdatedAt     time.Time `db:"updated_at"`
}

// Location is the schedule's time zone (Seoul when unreadable).
func (s CampaignSchedule) Location() *time.Location { return tz.Location(s.Timezone) }

// NewCampaignSchedule is what a schedule is created (or changed) with.
type NewCampaignSchedule struct {
	Name       string
	TemplateID int64
	GroupIDs   []int64
	Routing    Routing
	Cron       string
	Timezone   string
	StartsAt   time.Time // zero: now
	EndsAt     time.Time // zero: never
}

func epochIfZero(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

// CreateCampaignSchedule stores a new schedule (version 1, not yet synced).
func (s *Store) CreateCampaignSchedule(ctx context.Context, accountID int64, n NewCampaignSchedule) (CampaignSchedule, error) {
	if err := checkCampaignRefs(ctx, s.db, accountID, NewCampaign{TemplateID: n.TemplateID, GroupIDs: n.GroupIDs, Routing: n.Routing}); err != nil {
		return CampaignSchedule{}, err
	}
	t := now()
	res, err := s.db.ExecContext(ctx, `INSERT INTO campaign_schedules (account_id, name, template_id, group_ids, routing, cron, timezone,
		starts_at, ends_at, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, accountID, n.Name, n.TemplateID,
		jsonText(IDList(uniqueIDs(n.GroupIDs))), jsonText(n.Routing), n.Cron, n.Timezone, epochIfZero(n.StartsAt), epochIfZero(n.EndsAt), t, t)
	if err != nil {
		return CampaignSchedule{}, fmt.Errorf("insert campaign schedule: %w", err)
	}
	id, _ := res.LastInsertId()
	return s.CampaignSchedule(ctx, accountID, id)
}

// UpdateCampaignSchedule replaces a schedule's settings and counts the change.
func (s *Store) UpdateCampaignSchedule(ctx context.Context, accountID, id int64, n NewCampaignSchedule) (CampaignSchedule, error) {
	if err := checkCampaignRefs(ctx, s.db, accountID, NewCampaign{TemplateID: n.TemplateID, GroupIDs: n.GroupIDs, Routing: n.Routing}); err != nil {
		return CampaignSchedule{}, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_schedules SET name = ?, template_id = ?, group_ids = ?, routing = ?, cron = ?,
		timezone = ?, starts_at = ?, ends_at = ?, version = version + 1, updated_at = ?
		WHERE account_id = ? AND id = ? AND deleted = 0`, n.Name, n.TemplateID, jsonText(IDList(uniqueIDs(n.GroupIDs))),
		jsonText(n.Routing), n.Cron, n.Timezone, epochIfZero(n.StartsAt), epochIfZero(n.EndsAt), now(), accountID, id)
	if err != nil {
		return CampaignSchedule{}, fmt.Errorf("update campaign schedule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return CampaignSchedule{}, ErrNotFound
	}
	return s.CampaignSchedule(ctx, accountID, id)
}

// SetCampaignSchedulePaused pauses or unpauses a schedule (a change only when
// the state differs).
func (s *Store) SetCampaignSchedulePaused(ctx context.Context, accountID, id int64, paused bool) (CampaignSchedule, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE campaign_schedules SET paused = ?, version = version + 1, updated_at = ?
		WHERE account_id = ? AND id = ? AND deleted = 0 AND paused <> ?`, paused, now(), accountID, id, paused); err != nil {
		return CampaignSchedule{}, fmt.Errorf("pause campaign schedule %d: %w", id, err)
	}
	return s.CampaignSchedule(ctx, accountID, id)
}

// DeleteCampaignSchedule marks a schedule deleted: it is gone for the API at
// once, and its row stays as a tombstone until its Temporal Schedule is deleted
// (PurgeCampaignSchedule).
func (s *Store) DeleteCampaignSchedule(ctx context.Context, accountID, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_schedules SET deleted = 1, version = version + 1, updated_at = ?
		WHERE account_id = ? AND id = ? AND deleted = 0`, now(), accountID, id)
	if err != nil {
		return fmt.Errorf("delete campaign schedule %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CampaignSchedule returns one schedule of the account (not a deleted one).
func (s *Store) CampaignSchedule(ctx context.Context, accountID, id int64) (CampaignSchedule, error) {
	var cs CampaignSchedule
	err := s.db.GetContext(ctx, &cs, `SELECT `+campaignSchedulesColumns+` FROM campaign_schedules WHERE account_id = ? AND id = ? AND deleted = 0`, accountID, id)
	return cs, notFound(err)
}

// CampaignSchedules pages the account's schedules, newest first.
func (s *Store) CampaignSchedules(ctx context.Context, accountID int64, p Page) ([]CampaignSchedule, int64, error) {
	out := []CampaignSchedule{}
	if err := s.db.SelectContext(ctx, &out, `SELECT `+campaignSchedulesColumns+` FROM campaign_schedules WHERE account_id = ? AND deleted = 0
		ORDER BY id DESC LIMIT ? OFFSET ?`, accountID, p.Size, p.Offset()); err != nil {
		return nil, 0, fmt.Errorf("list campaign schedules: %w", err)
	}
	var total int64
	err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM campaign_schedules WHERE account_id = ? AND deleted = 0`, accountID)
	return out, total, err
}

// CampaignScheduleForSync reads a schedule's row as its sync sees it, deleted or
// not. ErrNotFound once it has been purged.
func (s *Store) CampaignScheduleForSync(ctx context.Context, accountID, id int64) (CampaignSchedule, error) {
	var cs CampaignSchedule
	err := s.db.GetContext(ctx, &cs, `SELECT `+campaignSchedulesColumns+` FROM campaign_schedules WHERE account_id = ? AND id = ?`, accountID, id)
	return cs, notFound(err)
}

// MarkCampaignScheduleSynced records that the Temporal Schedule matches version
// of the row (with the sync's error, empty when it succeeded), unless the row
// has changed since: it answers false then, and the change needs another sync.
func (s *Store) MarkCampaignScheduleSynced(ctx context.Context, accountID, id, version int64, syncErr string) (bool, error) {
	synced := version
	if syncErr != "" {
		synced = 0 // still owed
	}
	res, err := s.db.ExecContext(ctx, `UPDATE campaign_schedules SET synced_version = IF(? > 0, ?, synced_version), sync_error = ?
		WHERE account_id = ? AND id = ? AND version = ?`, synced, synced, render.TruncateRunes(syncErr, 500), accountID, id, version)
	if err != nil {
		return false, fmt.Errorf("mark campaign schedule %d synced: %w", id, err)
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		// Either the version moved on, or nothing changed (already marked).
		var cur int64
		if err := s.db.GetContext(ctx, &cur, `SELECT version FROM campaign_schedules WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			return false, notFound(err)
		}
		return cur == version, nil
	}
	return true, nil
}

// PurgeCampaignSchedule removes a deleted schedule's row (and its runs) once its
// Temporal Schedule is gone, unless the row changed meanwhile.
func (s *Store) PurgeCampaignSchedule(ctx context.Context, accountID, id, version int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM campaign_schedules WHERE account_id = ? AND id = ? AND deleted = 1 AND version = ?`,
		accountID, id, version); err != nil {
		return fmt.Errorf("purge campaign schedule %d: %w", id, err)
	}
	return nil
}

// ScheduleRef names a schedule whose Temporal Schedule is owed a sync.
type ScheduleRef struct {
	ID        int64 `db:"id"`
	AccountID int64 `db:"account_id"`
}

// CampaignSchedulesOutOfSync lists up to limit schedules whose row changed
// before `before` and whose Temporal Schedule does not match it yet.
func (s *Store) CampaignSchedulesOutOfSync(ctx context.Context, before time.Time, limit int) ([]ScheduleRef, error) {
	var out []ScheduleRef
	err := s.db.SelectContext(ctx, &out, `SELECT id, account_id FROM campaign_schedules
		WHERE synced_version <> version AND updated_at < ? ORDER BY updated_at LIMIT ?`, before.UTC(), limit)
	if err != nil {
		return nil, fmt.Errorf("list campaign schedules out of sync: %w", err)
	}
	return out, nil
}

// ScheduleRun is one run of a campaign schedule: the campaign it made, or why
// it made none.
type ScheduleRun struct {
	ID           int64     `db:"id" json:"-"`
	ScheduleID   int64     `db:"schedule_id" json:"-"`
	AccountID    int64     `db:"account_id" json:"-"`
	ScheduledFor time.Time `db:"scheduled_for" json:"scheduled_for"`
	CampaignID   int64     `db:"campaign_id" json:"campaign_id,omitempty"`
	Skipped      string    `db:"skipped" json:"skipped,omitempty"`
	CreatedAt    time.Time `db:"created_at" json:"created_at"`
}

// ScheduleRunAt returns the run of the schedule at scheduledFor, ErrNotFound
// when it has not run.
func (s *Store) ScheduleRunAt(ctx context.Context, accountID, scheduleID int64, scheduledFor time.Time) (ScheduleRun, error) {
	var r ScheduleRun
	err := s.db.GetContext(ctx, &r, `SELECT `+campaignScheduleRunsColumns+` FROM campaign_schedule_runs WHERE account_id = ? AND schedule_id = ? AND scheduled_for = ?`,
		accountID, scheduleID, scheduledFor.UTC())
	return r, notFound(err)
}

// ScheduleRuns lists the schedule's latest runs, newest first.
func (s *Store) ScheduleRuns(ctx context.Context, accountID, scheduleID int64, limit int) ([]ScheduleRun, error) {
	out := []ScheduleRun{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+campaignScheduleRunsColumns+` FROM campaign_schedule_runs WHERE account_id = ? AND schedule_id = ?
		ORDER BY scheduled_for DESC, id DESC LIMIT ?`, accountID, scheduleID, limit)
	return out, err
}

// SkipScheduleRun records that the run at scheduledFor sent nothing, and why.
// A run already recorded keeps its first outcome, which is answered.
func (s *Store) SkipScheduleRun(ctx context.Context, cs CampaignSchedule, scheduledFor time.Time, why string) (ScheduleRun, error) {
	if _, err := s.db.ExecContext(ctx, `INSERT IGNORE INTO campaign_schedule_runs (schedule_id, account_id, scheduled_for, skipped, created_at)
		VALUES (?,?,?,?,?)`, cs.ID, cs.AccountID, scheduledFor.UTC(), render.TruncateRunes(why, 500), now()); err != nil {
		return ScheduleRun{}, fmt.Errorf("record skipped run of schedule %d: %w", cs.ID, err)
	}
	return s.ScheduleRunAt(ctx, cs.AccountID, cs.ID, scheduledFor)
}

// StartScheduleRun makes the run's campaign and freezes it for sending (status
// running, the template's content as it is now), recording the run, in one
// transaction. A run already recorded answers its first outcome instead.
func (s *Store) StartScheduleRun(ctx context.Context, cs CampaignSchedule, scheduledFor time.Time, n NewCampaign, content Template) (ScheduleRun, error) {
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT IGNORE INTO campaign_schedule_runs (schedule_id, account_id, scheduled_for, created_at)
			VALUES (?,?,?,?)`, cs.ID, cs.AccountID, scheduledFor.UTC(), now())
		if err != nil {
			return fmt.Errorf("record run of schedule %d: %w", cs.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // an earlier attempt recorded it
		}
		if err := checkCampaignRefs(ctx, tx, cs.AccountID, n); err != nil {
			return err
		}
		content.Buttons = append(Buttons{}, content.Buttons...)
		t := now()
		res, err = tx.ExecContext(ctx, `INSERT INTO campaigns (name, template_id, audience_kind, group_ids, customer_ids,
			variables, event_id, event_day, routing, scheduled_at, content, account_id, status, run, started_at, created_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,'running',1,?,?,?)`, append(n.columns(), jsonText(content), cs.AccountID, t, t, t)...)
		if err != nil {
			return fmt.Errorf("insert campaign of schedule %d: %w", cs.ID, err)
		}
		id, _ := res.LastInsertId()
		_, err = tx.ExecContext(ctx, `UPDATE campaign_schedule_runs SET campaign_id = ? WHERE schedule_id = ? AND scheduled_for = ?`,
			id, cs.ID, scheduledFor.UTC())
		return err
	})
	if err != nil {
		var missing *MissingError
		if errors.As(err, &missing) {
			return s.SkipScheduleRun(ctx, cs, scheduledFor, missing.Error())
		}
		return ScheduleRun{}, err
	}
	return s.ScheduleRunAt(ctx, cs.AccountID, cs.ID, scheduledFor)
}
