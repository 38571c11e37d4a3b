package activities_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// alimtalkCampaign makes f's campaign an AlimTalk one (an advertisement if
// ad) through a simulator relay "kakao", with SMS fallback text; f.relay
// carries the SMS.
func (f *fixture) alimtalkCampaign(ad bool) {
	f.t.Helper()
	ctx := context.Background()
	raw, _ := json.Marshal(map[string]any{"base_url": f.base, "name": "kakao"})
	if _, err := f.st.SaveRelay(ctx, f.account, store.Relay{Name: "kakao", Kind: relay.KindSimulator, Channel: "alimtalk",
		Config: raw, Weight: 1, Enabled: true}); err != nil {
		f.t.Fatal(err)
	}
	f.campaign = f.startCampaign("알림 발송", store.Template{Name: "알림", Channel: "alimtalk", Body: "#{이름}님 주문이 접수되었습니다",
		ProviderTemplateCode: "TP1", SenderKey: "sk", FallbackText: "#{이름}님 주문 접수", Advertisement: ad})
}

// sendBlocked makes f's campaign an AlimTalk one (alimtalkCampaign) whose
// AlimTalks the relay takes and then reports blocked, applies patches to the
// simulator, and sends the campaign's one chunk.
func (f *fixture) sendBlocked(ad bool, patches ...sim.Patch) workflows.PrepareAudienceResult {
	f.t.Helper()
	f.alimtalkCampaign(ad)
	for _, patch := range append([]sim.Patch{{Relay: "kakao", ReportFailRate: new(1.0)}}, patches...) {
		if err := f.sim.Control(patch); err != nil {
			f.t.Fatal(err)
		}
	}
	p := f.prepare()
	if r, err := f.sendChunk(p); err != nil || r.Sent != p.Total {
		f.t.Fatalf("the chunk: %+v, %v; want its %d AlimTalks sent", r, err, p.Total)
	}
	return p
}

// poll runs one report poll of the prepared campaign.
func (f *fixture) poll(p workflows.PrepareAudienceResult, in workflows.CollectReportsInput) workflows.CollectReportsResult {
	f.t.Helper()
	in.AccountID, in.CampaignID, in.FirstID, in.LastID = f.account, f.campaign.ID, p.FirstID, p.LastID
	v, err := f.activityEnv().ExecuteActivity(f.acts.CollectReports, in)
	var out workflows.CollectReportsResult
	if err == nil {
		err = v.Get(&out)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// fallbacks counts the campaign's messages whose fallback went out.
func (f *fixture) fallbacks() int {
	f.t.Helper()
	var n int
	if err := f.db.Get(&n, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND fallback = 1`, f.campaign.ID); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// A poll beside the chunks that reads an AlimTalk's "blocked" report before
// its chunk's result is counted leaves the report to be read again (the
// relay's cursor stays before it); read once the chunk is counted, it owes
// the message its fallback, which goes out.
func TestABlockedReportOfAChunkNotYetCountedIsReadAgain(t *testing.T) {
	f := newFixtureWith(t, 4, sim.Options{Seed: 7}, relay.KindSimulator, false)
	p := f.sendBlocked(false)
	// Not counted: only a range before the campaign's.
	f.poll(p, workflows.CollectReportsInput{Counted: []workflows.IDRange{{From: p.FirstID - 10, To: p.FirstID - 1}}})
	if n := f.fallbacks(); n != 0 {
		t.Fatalf("%d fallbacks went out for messages whose chunk was not counted", n)
	}
	f.poll(p, workflows.CollectReportsInput{Counted: []workflows.IDRange{{From: p.FirstID, To: p.LastID}}})
	f.poll(p, workflows.CollectReportsInput{})
	if n, got := f.fallbacks(), byStatus(f.rows()); n != 4 || got["delivered"] != 4 {
		t.Fatalf("%d of 4 blocked AlimTalks got their fallback; rows %v", n, got)
	}
}

// Two polls of one campaign at once (an attempt that outlived its heartbeat
// timeout, and its retry) find the same fallbacks owed: only one sends them.
// The SMS relay is Aligo's, which keeps no ids and would deliver a repeat.
func TestTwoPollsAtOnceSendAnOwedFallbackOnce(t *testing.T) {
	f := newFixtureWith(t, 4, sim.Options{Seed: 7}, relay.KindAligoSMS, false)
	p := f.sendBlocked(false, sim.Patch{Relay: "aligo", FaultRate: new(1.0)})
	// The reports say blocked; Aligo refuses the fallbacks: they stay owed.
	f.poll(p, workflows.CollectReportsInput{})
	var owed int
	if err := f.db.Get(&owed, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND fallback_due = 1`, f.campaign.ID); err != nil {
		t.Fatal(err)
	}
	if owed != 4 {
		t.Fatalf("%d messages owed their fallback, want 4", owed)
	}
	// Aligo is back, slowly: the two polls overlap.
	lat := sim.Duration(time.Second)
	if err := f.sim.Control(sim.Patch{Relay: "aligo", FaultRate: new(0.0), Latency: &lat}); err != nil {
		t.Fatal(err)
	}
	done := make(chan workflows.CollectReportsResult, 2)
	for range 2 {
		go func() { done <- f.poll(p, workflows.CollectReportsInput{}) }()
	}
	a, b := <-done, <-done
	if got := f.sim.Stats().Relays["aligo"]; got.Received != 4 || a.Fallback+b.Fallback != 4 {
		t.Fatalf("Aligo received %d SMS for 4 fallbacks; the polls counted %d and %d", got.Received, a.Fallback, b.Fallback)
	}
}

// An advertisement's fallback is an advertising SMS: owed at night (its
// AlimTalk's report came after 21:00 in the account's zone), it waits for the
// morning's polls rather than reach customers in the quiet hours.
func TestAnAdvertisementsFallbackWaitsForTheMorning(t *testing.T) {
	f := newFixtureWith(t, 4, sim.Options{Seed: 7}, relay.KindSimulator, false)
	seoul := time.FixedZone("KST", 9*3600)
	now := time.Date(2025, 3, 14, 22, 30, 0, 0, seoul)
	f.acts.Now = func() time.Time { return now }
	p := f.sendBlocked(true)
	f.poll(p, workflows.CollectReportsInput{})
	if n, got := f.fallbacks(), f.sim.Stats().Relays["sim"].Received; n != 0 || got != 0 {
		t.Fatalf("at 22:30 %d fallbacks were sent (the SMS relay received %d)", n, got)
	}
	now = time.Date(2025, 3, 15, 8, 0, 0, 0, seoul)
	f.poll(p, workflows.CollectReportsInput{})
	if n, got := f.fallbacks(), f.sim.Stats().Relays["sim"].Received; n != 4 || got != 4 {
		t.Fatalf("at 08:00 %d fallbacks were sent (the SMS relay received %d), want 4", n, got)
	}
}
