package activities

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
	"github.com/sendingo/sendingo/workflows"
)

// notify stores a notification for the account's operators. It runs inside the
// activity that makes the fact true, after the fact is stored: an error fails
// the activity, whose retry stores the notification then (the idempotency key
// keeps it single). An account deleted meanwhile has no one to tell.
func (a *Activities) notify(ctx context.Context, accountID int64, n notify.Notice) error {
	id, created, err := a.Store.Notify(ctx, accountID, n)
	if errors.Is(err, store.ErrNotFound) {
		a.Log.Info("notification skipped: the account no longer exists", "account_id", accountID, "kind", n.Kind)
		return nil
	}
	if err != nil {
		return err
	}
	if created {
		a.Log.Debug("notification stored", "account_id", accountID, "kind", n.Kind, "notification_id", id)
	}
	return nil
}

// campaignNotice is what a finished campaign run tells the operators.
func campaignNotice(c store.Campaign) notify.Notice {
	return notify.CampaignFinished(notify.Campaign{ID: c.ID, Name: c.Name, Run: c.Run, Status: c.Status,
		Total: c.Total, Delivered: c.Delivered, Failed: c.Failed, Unknown: c.Unknown,
		Reminder: c.AudienceKind == store.AudienceEventReminder, EventID: c.EventID})
}

// NotifyQuietHours tells the operators that an advertisement waits for quiet
// hours to end, with the time it goes on in the account's time zone.
func (a *Activities) NotifyQuietHours(ctx context.Context, in workflows.NotifyQuietHoursInput) error {
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	zone, err := a.Store.AccountTimezone(ctx, in.AccountID)
	if err != nil {
		return classify(err)
	}
	return a.notify(ctx, in.AccountID, notify.QuietHours(c.ID, c.Name, in.ResumeAt.In(tz.Location(zone))))
}

// NewRouter builds the worker's relay router with o, telling circuit
// transitions to the store: each worker's breakers are its own, and the shared
// record in MySQL (store.RecordCircuit) makes one notification per transition
// whichever worker sees it first.
func NewRouter(st *store.Store, log *slog.Logger, o relay.RouterOptions) *relay.Router {
	if o.Logger == nil {
		o.Logger = log.With("component", "relay-router")
	}
	o.OnCircuit = func(relayID int64, open bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		changed, err := st.RecordCircuit(ctx, relayID, open)
		if err != nil {
			log.Warn("record relay circuit", "relay_id", relayID, "open", open, "error", err)
			return
		}
		log.Info("relay circuit", "relay_id", relayID, "open", open, "recorded", changed)
	}
	return relay.NewRouter(o)
}
