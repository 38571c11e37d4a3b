package activities

import (
	"context"
	"errors"

	"github.com/sendingo/sendingo/notify"
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
