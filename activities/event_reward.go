package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
	"go.temporal.io/sdk/temporal"
)

// ReadTierStock reads a tier's stock for the monitor's reconcile.
func (a *Activities) ReadTierStock(ctx context.Context, in workflows.ReadTierStockInput) (workflows.ReadTierStockResult, error) {
	ts, err := a.Store.TierStock(ctx, in.AccountID, in.TierID)
	if errors.Is(err, store.ErrNotFound) {
		return workflows.ReadTierStockResult{}, nil
	}
	if err != nil {
		return workflows.ReadTierStockResult{}, err
	}
	return workflows.ReadTierStockResult{Found: true, Stock: workflows.StockChanged{
		Version: ts.Version, Stock: ts.Stock, Threshold: ts.Threshold}}, nil
}

// RecordStockAlert records the alert of a tier at one stock version, addressed
// to the event's recipients, and tells the operators (stock.low). Idempotent: the same version answers the same alert,
// and a channel already delivered is not asked for again.
func (a *Activities) RecordStockAlert(ctx context.Context, in workflows.RecordStockAlertInput) (workflows.RecordStockAlertResult, error) {
	al, err := a.Store.RecordStockAlert(ctx, in.AccountID, store.TierStock{
		TierID: in.TierID, EventID: in.EventID, Version: in.Stock.Version, Stock: in.Stock.Stock, Threshold: in.Stock.Threshold})
	if err != nil {
		return workflows.RecordStockAlertResult{}, classify(err)
	}
	a.Log.Warn("low stock", "account_id", in.AccountID, "event_id", al.EventID, "tier_id", al.TierID,
		"alert_id", al.ID, "stock", al.Stock, "threshold", al.Threshold)
	if err := a.notify(ctx, in.AccountID, notify.LowStock(notify.Tier{EventID: al.EventID, TierID: al.TierID,
		EventName: al.EventName, TierName: al.TierName}, al.ID, al.Stock, al.Threshold)); err != nil {
		return workflows.RecordStockAlertResult{}, err
	}
	return workflows.RecordStockAlertResult{AlertID: al.ID,
		Email: al.EmailStatus == store.AlertPending, Webhook: al.WebhookStatus == store.AlertPending}, nil
}

// defaultAlertMailsPerHour is AlertMailsPerHour's default.
const defaultAlertMailsPerHour = 20

// SendStockAlertEmail mails a recorded alert to the event's alert addresses.
// Each attempt's error is kept on the alert for the admin to see.
func (a *Activities) SendStockAlertEmail(ctx context.Context, in workflows.SendStockAlertInput) error {
	al, err := a.Store.StockAlert(ctx, in.AccountID, in.AlertID)
	if err != nil {
		return classify(err)
	}
	if al.EmailStatus != store.AlertPending {
		return nil // delivered (or given up) by an earlier attempt
	}
	// The recipients are the tenant's to choose, and each fall below a
	// threshold mails them all: an account's alerts must not make the
	// platform's mail server a bulk mailer. Counted from what was mailed, so
	// a retried attempt counts nothing twice.
	limit := cmp.Or(a.AlertMailsPerHour, defaultAlertMailsPerHour)
	mailed, err := a.Store.AlertMailsSince(ctx, in.AccountID, time.Now().Add(-time.Hour))
	if err != nil {
		return err
	}
	if mailed >= limit {
		a.Log.Info("stock alert mail skipped: the account's hourly share is used", "account_id", in.AccountID, "alert_id", al.ID, "mailed", mailed)
		return a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertEmail, store.AlertSkipped,
			fmt.Sprintf("not mailed: this account's alerts already mailed %d in the last hour, the most an hour allows", mailed))
	}
	if a.Mail == nil {
		return temporal.NewNonRetryableApplicationError("no mailer is configured", workflows.ErrTypeInvalidState, nil)
	}
	err = a.Mail.SendMail(ctx, alertMail(al))
	var refused *outbound.MailRefusedError
	if err != nil {
		a.Log.Warn("stock alert mail not sent", "account_id", in.AccountID, "alert_id", al.ID, "error", err)
	}
	switch {
	case err == nil:
		return a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertEmail, store.AlertSent, "")
	case errors.As(err, &refused) && refused.Delivered > 0:
		// Delivered to some: the alert went out; the refusals are noted.
		return a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertEmail, store.AlertSent, refused.Public())
	case errors.As(err, &refused):
		_ = a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertEmail, store.AlertPending, refused.Public())
		return temporal.NewNonRetryableApplicationError(refused.Public(), workflows.ErrTypeInvalidInput, nil)
	default:
		// The tenant sees the failure's class, not the operator's mail server
		// address or its reply (those are in the log line above).
		reason := "the mail server did not take the alert: " + relay.ErrorCode(err)
		_ = a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertEmail, store.AlertPending, reason)
		return errors.New(reason)
	}
}

func alertMail(al store.StockAlert) outbound.Mail {
	subject := fmt.Sprintf("Low stock: %s — %s (%d left)", al.EventName, al.TierName, al.Stock)
	body := fmt.Sprintf(`The reward "%s" of the attendance event "%s" is running low.

Stock left: %d (alert threshold: %d)
Raised at:  %s

Restock it with POST /api/v1/events/%d/tiers/%d/stock; customers waiting for it
are granted in order as soon as there is stock. This alert is not repeated until
the stock has risen above the threshold again.
`, al.TierName, al.EventName, al.Stock, al.Threshold, al.CreatedAt.UTC().Format(time.RFC3339), al.EventID, al.TierID)
	return outbound.Mail{To: al.Emails, Subject: subject, Body: body, Key: "stock-alert-" + strconv.FormatInt(al.ID, 10)}
}

// StockAlertPayload is the JSON body a low-stock webhook receives.
type StockAlertPayload struct {
	Type      string    `json:"type"` // reward.low_stock
	AlertID   int64     `json:"alert_id"`
	EventID   int64     `json:"event_id"`
	EventName string    `json:"event_name"`
	TierID    int64     `json:"tier_id"`
	TierName  string    `json:"tier_name"`
	Stock     int64     `json:"stock"`
	Threshold int64     `json:"threshold"`
	RaisedAt  time.Time `json:"raised_at"`
}

// alertUserAgent is the User-Agent of alert webhooks.
const alertUserAgent = "sendingo-alerts/1"

// SendStockAlertWebhook posts a recorded alert to the event's webhook. Any 2xx
// is delivered; 4xx other than 408 and 429 is final; everything else retries.
// The Idempotency-Key header stays the same across retries.
func (a *Activities) SendStockAlertWebhook(ctx context.Context, in workflows.SendStockAlertInput) error {
	al, err := a.Store.StockAlert(ctx, in.AccountID, in.AlertID)
	if err != nil {
		return classify(err)
	}
	if al.WebhookStatus != store.AlertPending {
		return nil
	}
	body, _ := json.Marshal(StockAlertPayload{Type: "reward.low_stock", AlertID: al.ID, EventID: al.EventID,
		EventName: al.EventName, TierID: al.TierID, TierName: al.TierName, Stock: al.Stock, Threshold: al.Threshold,
		RaisedAt: al.CreatedAt})
	hooks := a.Webhooks
	if hooks == nil {
		hooks = outbound.NewWebhooks(a.Egress, alertUserAgent)
	}
	err = hooks.Post(ctx, al.WebhookURL, "stock-alert-"+strconv.FormatInt(al.ID, 10), body)
	if err == nil {
		return a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertWebhook, store.AlertSent, "")
	}
	var failed *outbound.WebhookError
	if !errors.As(err, &failed) {
		return err
	}
	if failed.Status == 0 {
		// The tenant sees the class of the failure; the log has the detail.
		a.Log.Warn("stock alert webhook failed", "account_id", in.AccountID, "alert_id", al.ID, "error", failed.Err)
	}
	_ = a.Store.MarkStockAlert(ctx, in.AccountID, al.ID, store.AlertWebhook, store.AlertPending, failed.Reason)
	if failed.Final {
		return temporal.NewNonRetryableApplicationError(failed.Reason, workflows.ErrTypeInvalidInput, nil)
	}
	return errors.New(failed.Reason)
}

// MarkStockAlertFailed records that a channel gave up delivering an alert.
func (a *Activities) MarkStockAlertFailed(ctx context.Context, in workflows.MarkStockAlertFailedInput) error {
	return a.Store.MarkStockAlert(ctx, in.AccountID, in.AlertID, in.Channel, store.AlertFailed, relay.SanitizeReason(in.Reason))
}
