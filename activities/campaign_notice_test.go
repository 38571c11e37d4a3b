package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// The quiet-hours activity tells when the send goes on, in the account's time
// zone, once per wait however often it is retried.
func TestNotifyQuietHoursOncePerWait(t *testing.T) {
	ctx := context.Background()
	st, acts, acc := newAccount(t, "quiet")
	tpl, err := st.SaveTemplate(ctx, acc.ID, store.Template{Name: "광고", Channel: "sms", Body: "세일", Advertisement: true})
	if err != nil {
		t.Fatal(err)
	}
	camp, err := st.CreateCampaign(ctx, acc.ID, store.NewCampaign{Name: "밤 광고", TemplateID: tpl.ID})
	if err != nil {
		t.Fatal(err)
	}
	resume := time.Date(2026, 3, 15, 8, 0, 0, 0, time.FixedZone("KST", 9*3600)).UTC() // 08:00 in Seoul
	in := workflows.NotifyQuietHoursInput{AccountID: acc.ID, CampaignID: camp.ID, ResumeAt: resume}
	for range 3 { // retries
		if err := acts.NotifyQuietHours(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	ns, total, err := st.Notifications(ctx, acc.ID, 0, store.NotificationQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if total != 1 || ns[0].Kind != notify.CampaignQuietHours || ns[0].Subject["campaign_id"] != camp.ID ||
		ns[0].Body != "광고는 21:00부터 08:00까지 보낼 수 없어 2026-03-15 08:00 (Asia/Seoul)에 이어서 보냅니다." {
		t.Fatalf("%d notifications: %+v", total, ns)
	}
	// The next night's wait is news again.
	in.ResumeAt = resume.Add(24 * time.Hour)
	if err := acts.NotifyQuietHours(ctx, in); err != nil {
		t.Fatal(err)
	}
	if _, total, _ := st.Notifications(ctx, acc.ID, 0, store.NotificationQuery{Limit: 10}); total != 2 {
		t.Fatalf("%d notifications after the second night", total)
	}
}
