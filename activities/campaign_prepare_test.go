package activities_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// progress is the prepare's heartbeat, as a retry reads it.
type progress struct{ After, Skipped int64 }

// A prepare counts the customers it leaves out (here those without the
// template's variable) on the campaign, once however often a batch is stored;
// when a batch cannot be stored its cursor stops before it, and the retry, from
// that cursor, stores and counts the rest.
func TestPrepareCountsWhoItLeavesOutOnceAndResumesBeforeAFailedBatch(t *testing.T) {
	f := newFixture(t, 0, sim.Settings{}, relay.KindSimulator, false)
	ctx := context.Background()
	// Three audience batches (5,000, 5,000 and 2,000); every 1,000th
	// customer lacks 등급, so each batch leaves some out: 5, 5 and 2.
	const n, leftOut = 12_000, 12
	if err := f.st.SeedCustomers(ctx, f.account, f.group, 0, n); err != nil {
		t.Fatal(err)
	}
	var first int64
	if err := f.db.Get(&first, `SELECT MIN(id) FROM customers WHERE account_id = ?`, f.account); err != nil {
		t.Fatal(err)
	}
	if _, err := f.db.Exec(`UPDATE customers SET attributes = JSON_OBJECT() WHERE account_id = ? AND MOD(id - ?, 1000) = 999`,
		f.account, first); err != nil {
		t.Fatal(err)
	}
	f.campaign = f.startCampaign("등급 안내", store.Template{Name: "등급", Channel: "sms", Body: "#{이름}님은 #{등급} 등급입니다"})
	// The second batch's messages cannot be stored until the trigger goes.
	failing := first + 7_000
	if _, err := f.db.Exec(fmt.Sprintf(`CREATE TRIGGER prepare_test_fail BEFORE INSERT ON campaign_messages FOR EACH ROW
		IF NEW.customer_id = %d THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the disk is full'; END IF`, failing)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = f.db.Exec(`DROP TRIGGER IF EXISTS prepare_test_fail`) })

	in := workflows.PrepareAudienceInput{AccountID: f.account, CampaignID: f.campaign.ID}
	env := f.activityEnv()
	var last progress
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		if err := details.Get(&last); err != nil {
			t.Error(err)
		}
	})
	if _, err := env.ExecuteActivity(f.acts.PrepareAudience, in); err == nil || !strings.Contains(err.Error(), "the disk is full") {
		t.Fatalf("first attempt: %v, want the trigger's error", err)
	}
	// The cursor stands after the first batch (customers up to first+4,999),
	// or before it if the failure came first; never past the batch that failed.
	if last.After > first+4_999 {
		t.Fatalf("the cursor moved to customer %d, past the batch that failed (from customer %d)", last.After, first+5_000)
	}
	if _, err := f.db.Exec(`DROP TRIGGER prepare_test_fail`); err != nil {
		t.Fatal(err)
	}

	// The retry goes on from the cursor; then a prepare from the start stores
	// and counts nothing again.
	retry := f.activityEnv()
	retry.SetHeartbeatDetails(last)
	for _, env := range []interface {
		ExecuteActivity(any, ...any) (converter.EncodedValue, error)
	}{retry, f.activityEnv()} {
		v, err := env.ExecuteActivity(f.acts.PrepareAudience, in)
		if err != nil {
			t.Fatal(err)
		}
		var out workflows.PrepareAudienceResult
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		c, err := f.st.Campaign(ctx, f.account, f.campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		if out.Total != n-leftOut || c.Total != n-leftOut || c.LeftOut != leftOut {
			t.Fatalf("prepared %d messages (campaign total %d), left out %d; want %d and %d", out.Total, c.Total, c.LeftOut, n-leftOut, leftOut)
		}
	}
}
