package workflows

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"
)

// ActivityNotifyQuietHours tells the account's operators that an advertisement
// waits for quiet hours to end.
const ActivityNotifyQuietHours = "NotifyQuietHours"

// NotifyQuietHoursInput names the campaign and when it goes on.
type NotifyQuietHoursInput struct {
	AccountID, CampaignID int64
	ResumeAt              time.Time
}

// NotifyActivities is what the workflows call to tell operators something that
// no other activity makes true; activities.Activities implements it. (Most
// notifications are stored by the activity that makes their fact true:
// FinalizeCampaign, CompleteImport, FailImport, RecordStockAlert.)
type NotifyActivities interface {
	NotifyQuietHours(context.Context, NotifyQuietHoursInput) error
}

// quietHoursNoticeChange versions the quiet-hours notice: histories recorded
// before it started no activity when a quiet-hours wait began.
const quietHoursNoticeChange = "quiet-hours-notice"

// noticeQuietHours asks for the quiet-hours notification once per wait. The
// workflow does not wait for it: the send goes on (or waits) either way, and
// the activity retries on its own until it is stored.
func (w *campaignWorkflow) noticeQuietHours(ctx workflow.Context, resume time.Time) {
	if workflow.GetVersion(ctx, quietHoursNoticeChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	workflow.ExecuteActivity(shortOptions(ctx), ActivityNotifyQuietHours, NotifyQuietHoursInput{
		AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, ResumeAt: resume})
}
