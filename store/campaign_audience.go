package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/render"
)

// Retargeting outcomes: which of a campaign's messages make their customers
// members of the audience group.
const (
	OutcomeClicked    = "clicked"     // a link of the message was clicked (link-preview bots do not count)
	OutcomeNotClicked = "not_clicked" // handed to a relay (sent, delivered or unknown) and never clicked
	OutcomeDelivered  = "delivered"
	OutcomeFailed     = "failed"
	OutcomeUnknown    = "unknown"
)

// Outcomes lists every outcome, in a fixed order.
var Outcomes = []string{OutcomeClicked, OutcomeNotClicked, OutcomeDelivered, OutcomeFailed, OutcomeUnknown}

// outcomeCondition is the SQL condition (on campaign_messages m) of an outcome.
var outcomeCondition = map[string]string{
	// A message's clicks are found by (campaign, bot, message): ix_clicks_campaign.
	OutcomeClicked:    "EXISTS (SELECT 1 FROM clicks k WHERE k.campaign_id = m.campaign_id AND k.bot = 0 AND k.message_id = m.id)",
	OutcomeNotClicked: "m.status IN ('sent', 'delivered', 'unknown') AND NOT EXISTS (SELECT 1 FROM clicks k WHERE k.campaign_id = m.campaign_id AND k.bot = 0 AND k.message_id = m.id)",
	OutcomeDelivered:  "m.status = 'delivered'",
	OutcomeFailed:     "m.status = 'failed'",
	OutcomeUnknown:    "m.status = 'unknown'",
}

// Audience job statuses.
const (
	AudienceRunning   = "running"
	AudienceCompleted = "completed"
	AudienceFailed    = "failed"
)

// CampaignAudience is a retargeting job: the customers of a campaign's messages
// with an outcome, added to a group.
type CampaignAudience struct {
	ID             int64     `db:"id" json:"id"`
	AccountID      int64     `db:"account_id" json:"-"`
	CampaignID     int64     `db:"campaign_id" json:"campaign_id"`
	Outcome        string    `db:"outcome" json:"outcome"`
	GroupID        int64     `db:"group_id" json:"group_id"`
	NewGroupName   string    `db:"new_group_name" json:"-"`
	Status         string    `db:"status" json:"status"`
	Run            int       `db:"run" json:"run"`
	FirstMessageID int64     `db:"first_message_id" json:"-"`
	LastMessageID  int64     `db:"last_message_id" json:"-"`
	NextMessageID  int64     `db:"next_message_id" json:"-"`
	Total          int64     `db:"total" json:"total"`
	Processed      int64     `db:"processed" json:"processed"`
	Matched        int64     `db:"matched" json:"matched"`
	Added          int64     `db:"added" json:"added"`
	Error          string    `db:"error" json:"error,omitempty"`
	CreatedAt      time.Time `db:"created_at" json:"created_at"`
	UpdatedAt      time.Time `db:"updated_at" json:"updated_at"`
}

// BeginCampaignAudience makes (or finds) the job adding the customers of
// campaign's messages with outcome to a group: groupID, or a group named
// newGroupName made for it (the same request again reuses the group the first
// made). A job that is not running starts over from the campaign's first
// message, with its counts at zero, as a new run; a running one is answered as
// it is.
func (s *Store) BeginCampaignAudience(ctx context.Context, accountID, campaignID int64, outcome string, groupID int64, newGroupName string) (CampaignAudience, error) {
	if _, ok := outcomeCondition[outcome]; !ok {
		return CampaignAudience{}, fmt.Errorf("unknown outcome %q", outcome)
	}
	var id int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		var c Campaign
		if err := tx.GetContext(ctx, &c, `SELECT `+campaignsColumns+` FROM campaigns WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, campaignID); err != nil {
			return notFound(err)
		}
		if newGroupName != "" {
			err := tx.GetContext(ctx, &groupID, `SELECT a.group_id FROM campaign_audiences a
				JOIN customer_groups g ON g.id = a.group_id AND g.account_id = a.account_id
				WHERE a.account_id = ? AND a.campaign_id = ? AND a.outcome = ? AND a.new_group_name = ?
				ORDER BY a.id LIMIT 1`, accountID, campaignID, outcome, newGroupName)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				g, err := createGroupTx(ctx, tx, accountID, newGroupName)
				if err != nil {
					return err
				}
				groupID = g.ID
			case err != nil:
				return err
			}
		} else if _, err := groupForUpdate(ctx, tx, accountID, groupID); err != nil {
			return err
		}
		t := now()
		total := int64(0)
		if c.LastMessageID >= c.FirstMessageID && c.LastMessageID > 0 {
			total = c.LastMessageID - c.FirstMessageID + 1
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_audiences (account_id, campaign_id, outcome, group_id, new_group_name,
			status, first_message_id, last_message_id, next_message_id, total, created_at, updated_at)
			VALUES (?,?,?,?,?,'running',?,?,?,?,?,?)
			ON DUPLICATE KEY UPDATE
			  processed = IF(status = 'running', processed, 0), matched = IF(status = 'running', matched, 0),
			  added = IF(status = 'running', added, 0), error = IF(status = 'running', error, ''),
			  next_message_id = IF(status = 'running', next_message_id, VALUES(next_message_id)),
			  first_message_id = IF(status = 'running', first_message_id, VALUES(first_message_id)),
			  last_message_id = IF(status = 'running', last_message_id, VALUES(last_message_id)),
			  total = IF(status = 'running', total, VALUES(total)),
			  run = IF(status = 'running', run, run + 1),
			  updated_at = VALUES(updated_at), status = 'running'`,
			accountID, campaignID, outcome, groupID, newGroupName, c.FirstMessageID, c.LastMessageID, c.FirstMessageID, total, t, t); err != nil {
			return fmt.Errorf("begin audience of campaign %d: %w", campaignID, err)
		}
		return tx.GetContext(ctx, &id, `SELECT id FROM campaign_audiences WHERE campaign_id = ? AND outcome = ? AND group_id = ?`,
			campaignID, outcome, groupID)
	})
	if err != nil {
		return CampaignAudience{}, err
	}
	return s.CampaignAudience(ctx, accountID, campaignID, id)
}

// CampaignAudience returns one retargeting job of the campaign.
func (s *Store) CampaignAudience(ctx context.Context, accountID, campaignID, id int64) (CampaignAudience, error) {
	var a CampaignAudience
	err := s.db.GetContext(ctx, &a, `SELECT `+campaignAudiencesColumns+` FROM campaign_audiences WHERE account_id = ? AND campaign_id = ? AND id = ?`,
		accountID, campaignID, id)
	return a, notFound(err)
}

// AudienceBatchIDs is how many message ids one batch of a job scans.
const AudienceBatchIDs = 10000

// AddAudienceBatch scans the next batch of message ids of run `run` of the
// job: the customers of the messages with the job's outcome join its group
// (leaving 미지정), and the resume point and counts move on, in one
// transaction. It answers the job as it is afterwards; a job that is not
// running, or is running another run, is answered as it is.
func (s *Store) AddAudienceBatch(ctx context.Context, accountID, id int64, run int) (CampaignAudience, error) {
	var out CampaignAudience
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &out, `SELECT `+campaignAudiencesColumns+` FROM campaign_audiences WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id); err != nil {
			return notFound(err)
		}
		if out.Status != AudienceRunning || out.Run != run {
			return nil
		}
		if out.Total == 0 || out.NextMessageID > out.LastMessageID {
			out.Status = AudienceCompleted
			_, err := tx.ExecContext(ctx, `UPDATE campaign_audiences SET status = 'completed', updated_at = ? WHERE id = ?`, now(), id)
			return err
		}
		from := out.NextMessageID
		to := min(from+AudienceBatchIDs-1, out.LastMessageID)
		var ids []int64
		if err := tx.SelectContext(ctx, &ids, `SELECT DISTINCT m.customer_id FROM campaign_messages m FORCE INDEX (PRIMARY)
			JOIN customers c ON c.id = m.customer_id AND c.account_id = m.account_id
			WHERE m.id BETWEEN ? AND ? AND m.campaign_id = ? AND `+outcomeCondition[out.Outcome], from, to, out.CampaignID); err != nil {
			return fmt.Errorf("audience batch %d-%d of campaign %d: %w", from, to, out.CampaignID, err)
		}
		g, err := groupForUpdate(ctx, tx, accountID, out.GroupID)
		if err != nil {
			return err
		}
		added, err := addMembers(ctx, tx, accountID, g, ids)
		if err != nil {
			return err
		}
		out.NextMessageID = to + 1
		out.Processed += to - from + 1
		out.Matched += int64(len(ids))
		out.Added += added
		if out.NextMessageID > out.LastMessageID {
			out.Status = AudienceCompleted
		}
		_, err = tx.ExecContext(ctx, `UPDATE campaign_audiences SET next_message_id = ?, processed = ?, matched = ?, added = ?,
			status = ?, updated_at = ? WHERE id = ?`, out.NextMessageID, out.Processed, out.Matched, out.Added, out.Status, now(), id)
		return err
	})
	return out, err
}

// FailCampaignAudience records why run `run` of a job stopped.
func (s *Store) FailCampaignAudience(ctx context.Context, accountID, id int64, run int, reason string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE campaign_audiences SET status = 'failed', error = ?, updated_at = ?
		WHERE account_id = ? AND id = ? AND run = ? AND status = 'running'`, render.TruncateRunes(reason, 500), now(), accountID, id, run)
	return err
}
