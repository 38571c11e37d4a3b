package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/relay"
)

// Relay is a configured provider endpoint of an account. Config holds the
// credentials; the API never returns it as stored.
type Relay struct {
	ID         int64     `db:"id" json:"id"`
	AccountID  int64     `db:"account_id" json:"-"`
	Name       string    `db:"name" json:"name"`
	Kind       string    `db:"kind" json:"kind"`
	Channel    string    `db:"channel" json:"channel"`
	Config     RawJSON   `db:"config" json:"-"`
	Weight     int       `db:"weight" json:"weight"`
	PriceMilli int64     `db:"price_milli" json:"price"`
	RateLimit  int       `db:"rate_limit" json:"rate_limit"`
	Enabled    bool      `db:"enabled" json:"enabled"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	UpdatedAt  time.Time `db:"updated_at" json:"updated_at"`
}

// RawJSON is a JSON column kept as bytes.
type RawJSON json.RawMessage

// Scan reads the column.
func (r *RawJSON) Scan(src any) error {
	v, err := rawJSONColumn(src, []byte("{}"))
	if err == nil {
		*r = v
	}
	return err
}

// rawJSONColumn reads a JSON column as a copy of its bytes; NULL reads as null.
func rawJSONColumn(src any, null []byte) ([]byte, error) {
	switch v := src.(type) {
	case nil:
		return null, nil
	case []byte:
		return append([]byte(nil), v...), nil
	case string:
		return []byte(v), nil
	default:
		return nil, fmt.Errorf("scan JSON column: unexpected %T", src)
	}
}

// relayRow is how SaveRelay writes a relay.
var relayRow = savedRow[Relay]{what: "relay", table: "relays", columns: relaysColumns,
	insert: `INSERT INTO relays (name, kind, channel, config, weight, price_milli, rate_limit,
		enabled, updated_at, created_at, account_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
	update: `UPDATE relays SET name = ?, kind = ?, channel = ?, config = ?, weight = ?,
		price_milli = ?, rate_limit = ?, enabled = ?, updated_at = ? WHERE account_id = ? AND id = ?`,
	created: AuditRelayCreate, updated: AuditRelayUpdate, subject: SubjectRelay,
	snapshot: func(r Relay) any { return snapshotRelay(r) }}

// SaveRelay creates (r.ID == 0) or replaces a relay; the caller validated it.
// The change is audited with the relay before and after, secrets masked.
func (s *Store) SaveRelay(ctx context.Context, accountID int64, r Relay) (Relay, error) {
	ts := now()
	cfg := string(r.Config)
	if cfg == "" {
		cfg = "{}"
	}
	cols := []any{r.Name, r.Kind, r.Channel, cfg, r.Weight, r.PriceMilli, r.RateLimit, r.Enabled, ts}
	var out Relay
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) (err error) {
		out, err = saveAudited(ctx, tx, accountID, r.ID, relayRow, cols, ts)
		return err
	})
	if err != nil {
		if isDuplicate(err) {
			return Relay{}, fmt.Errorf("a relay named %q already exists: %w", r.Name, ErrConflict)
		}
		if errors.Is(err, ErrNotFound) {
			return Relay{}, err
		}
		return Relay{}, fmt.Errorf("save relay: %w", err)
	}
	return out, nil
}

// relaySnapshot is what the audit log keeps of a relay: its configuration as
// the API shows it, every secret masked.
type relaySnapshot struct {
	Name      string          `json:"name"`
	Kind      string          `json:"kind"`
	Channel   string          `json:"channel"`
	Config    json.RawMessage `json:"config"`
	Weight    int             `json:"weight"`
	Price     int64           `json:"price"`
	RateLimit int             `json:"rate_limit"`
	Enabled   bool            `json:"enabled"`
}

func snapshotRelay(r Relay) relaySnapshot {
	return relaySnapshot{Name: r.Name, Kind: r.Kind, Channel: r.Channel, Config: relay.Redact(r.Kind, json.RawMessage(r.Config)),
		Weight: r.Weight, Price: r.PriceMilli, RateLimit: r.RateLimit, Enabled: r.Enabled}
}

// Relay returns one relay of the account.
func (s *Store) Relay(ctx context.Context, accountID, id int64) (Relay, error) {
	var r Relay
	err := s.db.GetContext(ctx, &r, `SELECT `+relaysColumns+` FROM relays WHERE account_id = ? AND id = ?`, accountID, id)
	return r, notFound(err)
}

// Relays lists the account's relays, optionally of one channel and only enabled ones.
func (s *Store) Relays(ctx context.Context, accountID int64, channel string, enabledOnly bool) ([]Relay, error) {
	where := []string{"account_id = ?"}
	args := []any{accountID}
	if channel != "" {
		where, args = append(where, "channel = ?"), append(args, channel)
	}
	if enabledOnly {
		where = append(where, "enabled = 1")
	}
	rs := []Relay{}
	err := s.db.SelectContext(ctx, &rs, `SELECT `+relaysColumns+` FROM relays WHERE `+strings.Join(where, " AND ")+` ORDER BY id`, args...)
	return rs, err
}

// DeleteRelay deletes a relay of the account (audited).
func (s *Store) DeleteRelay(ctx context.Context, accountID, id int64) error {
	return s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var before Relay
		if err := tx.GetContext(ctx, &before, `SELECT `+relaysColumns+` FROM relays WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM relays WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
			if isForeignKey(err) {
				return fmt.Errorf("relay %d is used by a campaign: %w", id, ErrConflict)
			}
			return fmt.Errorf("delete relay %d: %w", id, err)
		}
		return audit(ctx, tx, accountID, Change{Action: AuditRelayDelete, Subject: SubjectRelay, SubjectID: id,
			Before: snapshotRelay(before)})
	})
}

// RelayHealth is a snapshot of a relay's recent record, published by the worker.
type RelayHealth struct {
	RelayID             int64     `db:"relay_id"`
	AccountID           int64     `db:"account_id"`
	WindowSeconds       int       `db:"window_seconds"`
	Calls               int       `db:"calls"`
	Faults              int       `db:"faults"`
	Messages            int       `db:"messages"`
	LatencyP50us        int64     `db:"latency_p50_us"`
	LatencyP95us        int64     `db:"latency_p95_us"`
	BreakerState        string    `db:"breaker_state"`
	ConsecutiveFailures int       `db:"consecutive_failures"`
	OpenedAt            time.Time `db:"opened_at"`
	RetryAt             time.Time `db:"retry_at"`
	ObservedAt          time.Time `db:"observed_at"`
}

// SaveRelayHealth upserts snapshots, one multi-row statement.
func (s *Store) SaveRelayHealth(ctx context.Context, hs []RelayHealth) error {
	if len(hs) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO relay_health (relay_id, account_id, window_seconds, calls, faults, messages, latency_p50_us,
		latency_p95_us, breaker_state, consecutive_failures, opened_at, retry_at, observed_at) VALUES `)
	args := make([]any, 0, len(hs)*13)
	for i, h := range hs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
		epoch := time.Unix(0, 0).UTC()
		opened, retry := h.OpenedAt, h.RetryAt
		if opened.IsZero() {
			opened = epoch
		}
		if retry.IsZero() {
			retry = epoch
		}
		args = append(args, h.RelayID, h.AccountID, h.WindowSeconds, h.Calls, h.Faults, h.Messages, h.LatencyP50us,
			h.LatencyP95us, h.BreakerState, h.ConsecutiveFailures, opened.UTC(), retry.UTC(), h.ObservedAt.UTC())
	}
	b.WriteString(` ON DUPLICATE KEY UPDATE window_seconds = VALUES(window_seconds), calls = VALUES(calls),
		faults = VALUES(faults), messages = VALUES(messages), latency_p50_us = VALUES(latency_p50_us),
		latency_p95_us = VALUES(latency_p95_us), breaker_state = VALUES(breaker_state),
		consecutive_failures = VALUES(consecutive_failures), opened_at = VALUES(opened_at),
		retry_at = VALUES(retry_at), observed_at = VALUES(observed_at)`)
	if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("save relay health: %w", err)
	}
	return nil
}

// RelayHealthSnapshots returns the account's latest snapshots by relay id.
func (s *Store) RelayHealthSnapshots(ctx context.Context, accountID int64) (map[int64]RelayHealth, error) {
	var rows []RelayHealth
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+relayHealthColumns+` FROM relay_health WHERE account_id = ?`, accountID); err != nil {
		return nil, fmt.Errorf("load relay health: %w", err)
	}
	out := make(map[int64]RelayHealth, len(rows))
	for _, r := range rows {
		out[r.RelayID] = r
	}
	return out, nil
}
