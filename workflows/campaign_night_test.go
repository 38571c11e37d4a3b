package workflows

import (
	"slices"
	"testing"
	"time"
)

// An advertisement started at 22:00 goes at once to the customers who consent
// to advertising at night and at 08:00 to the others; every message is sent
// once, and the progress shows the night's sends while the rest waits.
func TestCampaignAdvertisementAtNightSendsToConsentingAtOnceAndTheRestAt8(t *testing.T) {
	loc := seoul(t)
	start := time.Date(2025, 3, 14, 22, 0, 0, 0, loc)
	morning := time.Date(2025, 3, 15, 8, 0, 0, 0, loc)
	consenting := map[int64]bool{3: true, 14: true, 25: true}

	f := newFakeCampaign(t, 1, 30)
	f.start = StartCampaignResult{Timezone: "Asia/Seoul", Ad: true, Status: "running"}
	f.nightConsent = func(id int64) bool { return consenting[id] }
	env := f.newEnv(start)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		if p.Stage != StageQuietHours || !p.ResumeAt.Equal(morning) {
			t.Errorf("at 23:00: stage %q resume at %v, want %q at %v", p.Stage, p.ResumeAt.In(loc), StageQuietHours, morning)
		}
		if p.Counts.Sent != 3 || p.Counts.Pending != 27 {
			t.Errorf("at 23:00: %d sent and %d pending, want 3 and 27", p.Counts.Sent, p.Counts.Pending)
		}
	}, time.Hour)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	completed(t, env)
	checkSentOnce(t, f)
	for id, m := range f.msgs {
		switch {
		case m.sends != 1:
		case consenting[id] && m.sentAt.After(start.Add(time.Minute)):
			t.Errorf("consenting customer's message %d sent at %v, want at once after 22:00", id, m.sentAt.In(loc))
		case !consenting[id] && m.sentAt.Before(morning):
			t.Errorf("message %d sent at %v, in quiet hours without consent", id, m.sentAt.In(loc))
		}
	}
	if c := f.counts(); c.Delivered != 30 {
		t.Errorf("final counts %+v, want 30 delivered", c)
	}
	var res FinalizeResult
	if err := env.GetWorkflowResult(&res); err != nil || res.Counts.Delivered != 30 {
		t.Errorf("result %+v (%v)", res, err)
	}
	// The zone came from the activity, not from tzdata read in the workflow.
	if !slices.Equal(f.zones, []string{"Asia/Seoul"}) {
		t.Errorf("ResolveZone asked for %q, want the account's zone once", f.zones)
	}
}

// Without anyone's night consent an advertisement at night waits for 08:00 as
// before: no night chunk is started.
func TestCampaignAdvertisementAtNightWithoutConsentStartsNoChunk(t *testing.T) {
	loc := seoul(t)
	start := time.Date(2025, 3, 14, 22, 0, 0, 0, loc)
	morning := time.Date(2025, 3, 15, 8, 0, 0, 0, loc)
	f := newFakeCampaign(t, 1, 20)
	f.start = StartCampaignResult{Timezone: "Asia/Seoul", Ad: true, Status: "running"}
	env := f.newEnv(start)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	completed(t, env)
	for _, c := range f.chunkList() {
		if c.in.NightOnly || c.started.Before(morning) {
			t.Errorf("chunk %+v started at %v", c.in, c.started.In(loc))
		}
	}
	checkSentOnce(t, f)
}
