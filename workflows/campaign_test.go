package workflows

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Seoul must resolve wherever the tests run

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// t0 is a Tuesday, 10:00 in Seoul: not quiet hours.
var t0 = time.Date(2025, 3, 11, 1, 0, 0, 0, time.UTC)

func seoul(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// checkSentOnce checks every message was handed to a relay exactly once.
func checkSentOnce(t *testing.T, f *fakeCampaign) {
	t.Helper()
	for id, n := range f.sendsOf() {
		if n != 1 {
			t.Errorf("message %d handed to a relay %d times, want once", id, n)
		}
	}
}

// checkChunkRanges checks the chunks cover [first, last] exactly once, in
// ranges of size ids (the last may be shorter).
func checkChunkRanges(t *testing.T, f *fakeCampaign, size int64) {
	t.Helper()
	first, last := f.idRange()
	var rs []SendChunkInput
	for _, c := range f.chunkList() {
		if c.attempt == 1 {
			rs = append(rs, c.in)
		}
	}
	slices.SortFunc(rs, func(a, b SendChunkInput) int { return int(a.FromID - b.FromID) })
	next := first
	for i, r := range rs {
		if r.FromID != next {
			t.Fatalf("chunk %d is %d-%d, want it to start at %d (gap or overlap); chunks %v", i, r.FromID, r.ToID, next, rs)
		}
		if n := r.ToID - r.FromID + 1; n != size && !(r.ToID == last && n > 0 && n < size) {
			t.Errorf("chunk %d-%d has %d ids, want %d", r.FromID, r.ToID, n, size)
		}
		next = r.ToID + 1
	}
	if next != last+1 {
		t.Fatalf("chunks end at %d, want %d", next-1, last)
	}
}

func TestCampaignWaitsForScheduledTimeThenSendsAll(t *testing.T) {
	f := newFakeCampaign(t, 1, 50)
	scheduled := t0.Add(time.Hour)
	f.start = StartCampaignResult{ScheduledAt: scheduled, Timezone: "Asia/Seoul", Status: "scheduled"}
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		if p.Stage != StageScheduled || !p.ResumeAt.Equal(scheduled) {
			t.Errorf("while waiting: stage %q resume at %v, want %q at %v", p.Stage, p.ResumeAt, StageScheduled, scheduled)
		}
		if len(f.chunkList()) != 0 || len(f.prepares) != 0 {
			t.Error("the audience was prepared or sent before the scheduled time")
		}
	}, 30*time.Minute)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)

	chunks := f.chunkList()
	if len(chunks) != 5 {
		t.Fatalf("%d chunks, want 5", len(chunks))
	}
	if first := chunks[0].started; first.Before(scheduled) {
		t.Fatalf("first chunk started at %v, before the scheduled %v", first, scheduled)
	}
	checkSentOnce(t, f)
	if !slices.Equal(f.finalized, []string{"completed"}) || res.Counts.Delivered != 50 {
		t.Fatalf("finalized %v with %+v", f.finalized, res.Counts)
	}
	if p := progress(t, env); p.Stage != StageCompleted || !p.ResumeAt.IsZero() {
		t.Fatalf("progress after completion: %+v", p)
	}
}

func TestCampaignCancelledWhileScheduledSendsNothing(t *testing.T) {
	f := newFakeCampaign(t, 1, 50)
	f.start = StartCampaignResult{ScheduledAt: t0.Add(time.Hour), Timezone: "Asia/Seoul", Status: "scheduled"}
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignCancel, nil) }, 10*time.Minute)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10})
	res := completed(t, env)

	if n := len(f.chunkList()); n != 0 {
		t.Fatalf("%d chunks sent after a cancel before the scheduled time", n)
	}
	if len(f.prepares) != 0 || len(f.statuses) != 0 {
		t.Fatalf("prepared %v, statuses %v: want neither", f.prepares, f.statuses)
	}
	if !slices.Equal(f.finalized, []string{"cancelled"}) || res.Counts.Pending != 50 {
		t.Fatalf("finalized %v with %+v, want cancelled with 50 pending", f.finalized, res.Counts)
	}
	if got := env.Now().Sub(t0); got >= time.Hour {
		t.Fatalf("the workflow ended %v after start: it waited for the schedule anyway", got)
	}
	if p := progress(t, env); p.Stage != StageCancelled {
		t.Fatalf("stage %q, want %q", p.Stage, StageCancelled)
	}
}

func TestCampaignCancelledBeforeStartEndsAtOnce(t *testing.T) {
	f := newFakeCampaign(t, 1, 5)
	f.start = StartCampaignResult{Timezone: "Asia/Seoul", Status: "cancelled"}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1})
	completed(t, env)
	if len(f.prepares) != 0 || len(f.chunkList()) != 0 || !slices.Equal(f.finalized, []string{"cancelled"}) {
		t.Fatalf("prepared %d, chunks %d, finalized %v", len(f.prepares), len(f.chunkList()), f.finalized)
	}
}

func TestCampaignSlidingWindowKeepsAtMostWindowChunksInFlight(t *testing.T) {
	const size, window = 10, 3
	f := newFakeCampaign(t, 1001, 95) // 10 chunks, the last of 5
	// Chunks of uneven length, so they finish out of order.
	f.chunkTimes = []time.Duration{3 * time.Second, 5 * time.Second, 9 * time.Second, 17 * time.Second}
	f.chunkTime = func(in SendChunkInput) time.Duration {
		return f.chunkTimes[(in.FromID/size)%int64(len(f.chunkTimes))]
	}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: size, Window: window})
	completed(t, env)

	chunks := f.chunkList()
	if len(chunks) != 10 {
		t.Fatalf("%d chunks, want 10", len(chunks))
	}
	// From the recorded intervals [started, finished): how many overlap each start.
	most := 0
	for _, c := range chunks {
		n := 0
		for _, o := range chunks {
			if !o.started.After(c.started) && o.finished.After(c.started) {
				n++
			}
		}
		most = max(most, n)
	}
	if most != window || f.maxInflight != window {
		t.Fatalf("at most %d chunks in flight by interval, %d by counter; want exactly %d", most, f.maxInflight, window)
	}
	checkChunkRanges(t, f, size)
	checkSentOnce(t, f)
	for _, c := range chunks {
		if c.in.AccountID != 1 || c.in.CampaignID != 2 || c.in.Run != 1 {
			t.Fatalf("chunk input %+v", c.in)
		}
	}
}

func TestCampaignPauseStopsNewChunksUntilResume(t *testing.T) {
	f := newFakeCampaign(t, 1, 100) // 10 chunks of 10 s
	pauseAt, resumeAt := 15*time.Second, time.Hour
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignPause, nil) }, pauseAt)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		if p.Stage != StagePaused || p.Counts.Sent != 40 || p.Counts.Pending != 60 {
			t.Errorf("while paused: stage %q counts %+v, want paused with 40 sent", p.Stage, p.Counts)
		}
	}, 30*time.Minute)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignResume, nil) }, resumeAt)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	completed(t, env)

	inFlightAtPause := 0
	for _, c := range f.chunkList() {
		at := c.started.Sub(t0)
		if at > pauseAt && at < resumeAt {
			t.Errorf("chunk %d-%d started %v after start, while paused", c.in.FromID, c.in.ToID, at)
		}
		if at <= pauseAt && c.finished.Sub(t0) > pauseAt {
			inFlightAtPause++
		}
		if c.cancelled {
			t.Errorf("chunk %d-%d was cancelled by the pause", c.in.FromID, c.in.ToID)
		}
	}
	if inFlightAtPause == 0 {
		t.Fatal("no chunk was in flight when the pause came: the test shows nothing")
	}
	if want := []string{"running", "paused", "running"}; !slices.Equal(f.statuses, want) {
		t.Fatalf("statuses %v, want %v", f.statuses, want)
	}
	checkSentOnce(t, f)
	if !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("finalized %v", f.finalized)
	}
}

func TestCampaignPauseWhilePreparingSendsNothingUntilResume(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.prepareTime = time.Minute
	resumeAt := time.Hour
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignPause, nil) }, 30*time.Second)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignResume, nil) }, resumeAt)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	completed(t, env)

	for _, c := range f.chunkList() {
		if at := c.started.Sub(t0); at < resumeAt {
			t.Errorf("chunk %d-%d started %v after start, before the resume at %v", c.in.FromID, c.in.ToID, at, resumeAt)
		}
	}
	if want := []string{"running", "paused", "running"}; !slices.Equal(f.statuses, want) {
		t.Fatalf("statuses %v, want %v", f.statuses, want)
	}
	checkSentOnce(t, f)
}

func TestCampaignCancelWhileSendingCancelsChunksInFlight(t *testing.T) {
	const first = 1
	f := newFakeCampaign(t, first, 100) // 10 chunks
	// The first 3 chunks take 10 s; the others stay in flight until cancelled.
	f.blockChunk = func(in SendChunkInput) bool { return in.FromID >= first+30 }
	f.onChunkStarted = func(c *fakeChunk, started int) {
		if started == 6 { // the window is full of chunks that never finish
			f.env.SignalWorkflow(SignalCampaignCancel, nil)
		}
	}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	res := completed(t, env)
	f.waitBlocked()

	chunks := f.chunkList()
	if len(chunks) != 6 {
		t.Fatalf("%d chunks started, want 6 (no new chunk after the cancel)", len(chunks))
	}
	for _, c := range chunks {
		blocking := c.in.FromID >= first+30
		if blocking != c.cancelled || blocking != c.sawCancel {
			t.Errorf("chunk %d-%d: cancelled %v, saw the cancel %v", c.in.FromID, c.in.ToID, c.cancelled, c.sawCancel)
		}
	}
	for id, n := range f.sendsOf() {
		if want := map[bool]int{true: 1, false: 0}[id < first+30]; n != want {
			t.Errorf("message %d sent %d times, want %d", id, n, want)
		}
	}
	if !slices.Equal(f.finalized, []string{"cancelled"}) {
		t.Fatalf("finalized %v, want cancelled", f.finalized)
	}
	polls := f.pollList()
	if len(polls) != 1 || !polls[0].in.GiveUp {
		t.Fatalf("report polls %+v: want one that gives up", polls)
	}
	if res.Counts.Pending != 70 {
		t.Fatalf("final counts %+v, want 70 pending", res.Counts)
	}
	if p := progress(t, env); p.Stage != StageCancelled {
		t.Fatalf("stage %q, want %q", p.Stage, StageCancelled)
	}
}

func TestCampaignCancelWhilePreparingSendsNothing(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.prepareTime = time.Minute
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignCancel, nil) }, 30*time.Second)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	completed(t, env)
	if n := len(f.chunkList()); n != 0 {
		t.Fatalf("%d chunks started after a cancel sent while preparing", n)
	}
	if !slices.Equal(f.finalized, []string{"cancelled"}) {
		t.Fatalf("finalized %v, want cancelled", f.finalized)
	}
}

func TestCampaignAdvertisementWaitsForQuietHoursToEnd(t *testing.T) {
	loc := seoul(t)
	start := time.Date(2025, 3, 14, 22, 30, 0, 0, loc)
	morning := time.Date(2025, 3, 15, 8, 0, 0, 0, loc)

	t.Run("advertisement", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 30)
		f.start = StartCampaignResult{Timezone: "Asia/Seoul", Ad: true, Status: "scheduled"}
		env := f.newEnv(start)
		env.RegisterDelayedCallback(func() {
			p := progress(t, env)
			if p.Stage != StageQuietHours || !p.ResumeAt.Equal(morning) {
				t.Errorf("at 23:30: stage %q resume at %v, want %q at %v", p.Stage, p.ResumeAt.In(loc), StageQuietHours, morning)
			}
			if n := len(f.chunkList()); n != 0 {
				t.Errorf("%d chunks sent in quiet hours", n)
			}
		}, time.Hour)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
		completed(t, env)
		chunks := f.chunkList()
		if len(chunks) != 3 {
			t.Fatalf("%d chunks, want 3", len(chunks))
		}
		for _, c := range chunks {
			if c.started.Before(morning) {
				t.Errorf("chunk %d-%d started at %v, before 08:00", c.in.FromID, c.in.ToID, c.started.In(loc))
			}
		}
		if !chunks[0].started.Equal(morning) {
			t.Errorf("first chunk at %v, want 08:00 sharp", chunks[0].started.In(loc))
		}
		if q := f.quietNotices(); len(q) != 1 || !q[0].ResumeAt.Equal(morning) || q[0].CampaignID != 2 {
			t.Errorf("quiet-hours notices %+v, want one resuming at %v", q, morning)
		}
		checkSentOnce(t, f)
	})

	// A run recorded before the notice existed takes the old path on replay: no
	// activity where its history has none.
	t.Run("advertisement, history from before the quiet-hours notice", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 30)
		f.start = StartCampaignResult{Timezone: "Asia/Seoul", Ad: true, Status: "scheduled"}
		env := f.newEnv(start)
		env.OnGetVersion(quietHoursNoticeChange, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
		completed(t, env)
		if q := f.quietNotices(); len(q) != 0 {
			t.Errorf("quiet-hours notices %+v on the old path", q)
		}
		if chunks := f.chunkList(); len(chunks) != 3 || !chunks[0].started.Equal(morning) {
			t.Fatalf("%d chunks", len(chunks))
		}
		checkSentOnce(t, f)
	})

	t.Run("not an advertisement", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 30)
		f.start = StartCampaignResult{Timezone: "Asia/Seoul", Status: "scheduled"}
		env := f.newEnv(start)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
		completed(t, env)
		chunks := f.chunkList()
		if len(chunks) != 3 || !chunks[0].started.Equal(start) {
			t.Fatalf("%d chunks, the first at %v: want it at once (%v)", len(chunks), chunks[0].started.In(loc), start)
		}
		if q := f.quietNotices(); len(q) != 0 {
			t.Errorf("quiet-hours notices %+v for a campaign that is no advertisement", q)
		}
		checkSentOnce(t, f)
	})

	t.Run("advertisement reaching 21:00 mid-send", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 50) // 5 chunks of a minute, one at a time
		f.chunkTimes = []time.Duration{time.Minute}
		f.start = StartCampaignResult{Timezone: "Asia/Seoul", Ad: true, Status: "scheduled"}
		evening := time.Date(2025, 3, 14, 20, 58, 0, 0, loc)
		nine := time.Date(2025, 3, 14, 21, 0, 0, 0, loc)
		env := f.newEnv(evening)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 1})
		completed(t, env)
		var before, after int
		for _, c := range f.chunkList() {
			switch {
			case c.started.Before(nine):
				before++
			case !c.started.Before(morning):
				after++
			default:
				t.Errorf("chunk %d-%d started at %v, in quiet hours", c.in.FromID, c.in.ToID, c.started.In(loc))
			}
		}
		if before != 2 || after != 3 {
			t.Fatalf("%d chunks before 21:00 and %d from 08:00, want 2 and 3", before, after)
		}
		if q := f.quietNotices(); len(q) != 1 || !q[0].ResumeAt.Equal(morning) {
			t.Errorf("quiet-hours notices %+v, want one resuming at %v", q, morning)
		}
		checkSentOnce(t, f)
	})
}

// While chunks are sent, a report poll follows every Window chunks that
// finished and applies the reports that are ready, of the chunks counted
// only, so they are not all left for after the send; the polls after the
// send find the rest, and every message is sent and counted once.
func TestCampaignCollectsReportsWhileSending(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.reportsWhileSending = true
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.reportFails = func(id int64) bool { return id%10 == 0 }
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)

	var lastDone time.Time
	for _, c := range f.chunkList() {
		if c.finished.After(lastDone) {
			lastDone = c.finished
		}
	}
	var during, after []fakePoll
	for _, p := range f.pollList() {
		if len(p.in.Counted) > 0 {
			during = append(during, p)
		} else {
			after = append(after, p)
		}
	}
	// 10 chunks, a poll after every 2 that finished: the chunks pace them.
	if len(during) == 0 || len(during) > 5 {
		t.Fatalf("%d polls while sending, want 1 to 5 (one after every 2 finished chunks)", len(during))
	}
	var early int64
	for _, p := range during {
		if p.at.Before(lastDone) {
			early += p.out.Delivered + p.out.Failed
		}
		if p.in.FirstID != 1 || p.in.GiveUp {
			t.Errorf("poll while sending: %+v", p.in)
		}
		// Only chunks whose results were in before the poll began.
		for _, r := range p.in.Counted {
			for id := r.From; id <= r.To; id++ {
				if !slices.ContainsFunc(f.chunkList(), func(c fakeChunk) bool {
					return c.in.FromID <= id && id <= c.in.ToID && !c.finished.IsZero() && !c.finished.After(p.at)
				}) {
					t.Fatalf("the poll at %v counts message %d (ranges %+v) before its chunk finished", p.at, id, p.in.Counted)
				}
			}
		}
	}
	if early == 0 {
		t.Fatalf("the polls while sending applied no report before the last chunk finished (at %v): %+v", lastDone, during)
	}
	if len(after) == 0 || after[0].at.Before(lastDone) {
		t.Fatalf("polls after the send %+v: want them after the last chunk (%v)", after, lastDone)
	}
	checkSentOnce(t, f)
	want := Counts{Total: 100, Delivered: 90, Failed: 10}
	if res.Counts != want || f.counts() != want {
		t.Fatalf("final counts %+v (store %+v), want %+v", res.Counts, f.counts(), want)
	}
	p := progress(t, env)
	wantRelay := []RelayCounts{{RelayID: 1, Sent: 50, Delivered: 40, Failed: 10}, {RelayID: 2, Sent: 50, Delivered: 50}}
	if p.Counts != want || !slices.Equal(p.Relays, wantRelay) {
		t.Fatalf("progress %+v per relay %+v, want %+v and %+v", p.Counts, p.Relays, want, wantRelay)
	}
}

// The pauses between report polls grow (1 s, 2 s, …) while nothing arrives,
// and start over at 1 s after a poll that found results.
func TestCampaignCollectsReportsWithGrowingPauses(t *testing.T) {
	f := newFakeCampaign(t, 1, 30)
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.reportAfter = map[int64]int{1: 3, 2: 5}
	f.reportFails = func(id int64) bool { return id%10 == 0 }
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	res := completed(t, env)

	polls := f.pollList()
	if len(polls) != 5 {
		t.Fatalf("%d report polls, want 5 (until relay 2 reports)", len(polls))
	}
	for i, p := range polls {
		if p.in.GiveUp || p.in.FirstID != 1 || p.in.LastID != 30 {
			t.Errorf("poll %d: %+v", i, p.in)
		}
		if i > 0 {
			// Relay 1 reports at poll 3 (index 2), relay 2 at poll 5.
			want := []time.Duration{time.Second, 2 * time.Second, time.Second, 2 * time.Second}[i-1]
			if gap := p.at.Sub(polls[i-1].at); gap != want {
				t.Errorf("pause before poll %d: %v, want %v", i, gap, want)
			}
		}
	}
	want := Counts{Total: 30, Delivered: 27, Failed: 3}
	if res.Counts != want || f.counts() != want {
		t.Fatalf("final counts %+v (store %+v), want %+v", res.Counts, f.counts(), want)
	}
	p := progress(t, env)
	if p.Counts != want || p.Stage != StageCompleted {
		t.Fatalf("progress %+v", p)
	}
	if !slices.Equal(p.Relays, f.relayCounts()) {
		t.Fatalf("relays %+v, want %+v", p.Relays, f.relayCounts())
	}
}

// A poll that stops with more reports ready at a relay (a million messages'
// reports are more than one poll reads) is followed by the next at once.
func TestCampaignPollsAgainAtOnceWhileReportsAreReady(t *testing.T) {
	f := newFakeCampaign(t, 1, 30)
	f.pollLimit = 12
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	res := completed(t, env)

	polls := f.pollList()
	if len(polls) != 3 {
		t.Fatalf("%d report polls, want 3 (12, 12 and 6 reports)", len(polls))
	}
	for i := 1; i < len(polls); i++ {
		if gap := polls[i].at.Sub(polls[i-1].at); gap != 0 {
			t.Errorf("pause before poll %d: %v, want none", i, gap)
		}
	}
	if want := (Counts{Total: 30, Delivered: 30}); res.Counts != want || f.counts() != want {
		t.Fatalf("final counts %+v (store %+v), want %+v", res.Counts, f.counts(), want)
	}
}

// While nothing arrives the pause doubles up to a minute and stays there,
// until the deadline gives up on what is left.
func TestCampaignReportPausesStopGrowingAtAMinute(t *testing.T) {
	f := newFakeCampaign(t, 1, 10)
	f.reportAfter = map[int64]int{1: -1} // the relay never reports
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3,
		ReportDeadline: 5 * time.Minute})
	completed(t, env)

	polls := f.pollList()
	var gaps []time.Duration
	for i := 1; i < len(polls); i++ {
		gaps = append(gaps, polls[i].at.Sub(polls[i-1].at))
	}
	// 1+2+4+8+16+32 s = 63 s, then a minute a pause; the last (57 s) is cut at
	// the deadline, 5 minutes after the first poll.
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second,
		32 * time.Second, time.Minute, time.Minute, time.Minute}
	if len(gaps) != len(want)+1 || !slices.Equal(gaps[:len(want)], want) || gaps[len(want)] >= time.Minute {
		t.Fatalf("pauses between polls %v, want %v and one cut short at the deadline", gaps, want)
	}
	if last := polls[len(polls)-1]; !last.in.GiveUp {
		t.Fatalf("last poll %+v: want the give-up", last.in)
	}
}

func TestCampaignReportDeadlineMakesTheRestUnknown(t *testing.T) {
	f := newFakeCampaign(t, 1, 30)
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.reportAfter = map[int64]int{1: 2, 2: -1} // relay 2 never reports
	deadline := 30 * time.Second
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		if p.Stage != StageReports || p.Counts.Delivered != 15 || p.Counts.Sent != 15 {
			t.Errorf("while awaiting reports: stage %q counts %+v", p.Stage, p.Counts)
		}
	}, 10*time.Second+20*time.Second) // the send ends at 10 s
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3,
		ReportDeadline: deadline})
	res := completed(t, env)

	var sendDone time.Time
	for _, c := range f.chunkList() {
		if c.finished.After(sendDone) {
			sendDone = c.finished
		}
	}
	polls := f.pollList()
	if len(polls) < 2 {
		t.Fatalf("%d polls", len(polls))
	}
	for i, p := range polls[:len(polls)-1] {
		if p.in.GiveUp {
			t.Errorf("poll %d at %v gave up before the deadline", i, p.at.Sub(sendDone))
		}
	}
	last := polls[len(polls)-1]
	if !last.in.GiveUp || last.at.Sub(sendDone) != deadline {
		t.Fatalf("last poll %+v %v after the send: want GiveUp at the %v deadline", last.in, last.at.Sub(sendDone), deadline)
	}
	want := Counts{Total: 30, Delivered: 15, Unknown: 15}
	if res.Counts != want {
		t.Fatalf("final counts %+v, want %+v", res.Counts, want)
	}
	if !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("finalized %v", f.finalized)
	}
}

func TestCampaignRetryRunSendsOnlyFailedMessagesAgain(t *testing.T) {
	f := newFakeCampaign(t, 1, 50)
	f.rejects = func(id int64) bool { return id%10 == 7 } // 5 refused by the relay
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
	if res := completed(t, env); res.Counts.Failed != 5 || res.Counts.Delivered != 45 {
		t.Fatalf("first run: %+v", res.Counts)
	}

	// What the API's retry does: failed messages go back to pending, run 2.
	f.mu.Lock()
	for _, m := range f.msgs {
		if m.status == msgFailed {
			m.status, m.rejected = msgPending, false
		}
	}
	f.rejects = nil
	f.prepares, f.finalized, f.chunks = nil, nil, nil
	f.mu.Unlock()

	env = f.newEnv(t0.Add(24 * time.Hour))
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 2, ChunkSize: 10, Window: 3})
	res := completed(t, env)

	if len(f.prepares) != 1 || !f.prepares[0].OnlyRange {
		t.Fatalf("retry run prepared with %+v, want OnlyRange", f.prepares)
	}
	for _, c := range f.chunkList() {
		if c.in.Run != 2 {
			t.Fatalf("retry chunk %+v does not carry run 2", c.in)
		}
	}
	f.mu.Lock()
	for id, m := range f.msgs {
		want := []int{1}
		if id%10 == 7 {
			want = []int{1, 2}
		}
		if !slices.Equal(m.runs, want) {
			t.Errorf("message %d sent in runs %v, want %v", id, m.runs, want)
		}
	}
	f.mu.Unlock()
	if res.Counts.Delivered != 50 || !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("finalized %v with %+v", f.finalized, res.Counts)
	}
	if p := progress(t, env); p.Run != 2 {
		t.Fatalf("progress run %d, want 2", p.Run)
	}
}

func TestCampaignContinuesAsNewAndCompletesEveryChunkOnce(t *testing.T) {
	f := newFakeCampaign(t, 1, 65) // 7 chunks of 10, the last of 5
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	in := CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3, MaxChunksPerRun: 2}
	env, runs, carried := f.runAll(t, in, t0, nil)
	res := completed(t, env)

	if want := int(math.Ceil(7.0 / 2)); runs != want {
		t.Fatalf("%d runs, want %d", runs, want)
	}
	for i, next := range carried {
		st := next.State
		if st == nil || !st.Prepared || next.MaxChunksPerRun != 2 || next.ChunkSize != 10 || next.Run != 1 {
			t.Fatalf("continue-as-new %d input %+v", i+1, next)
		}
		if want := int64(1 + 20*(i+1)); st.NextID != want || st.FirstID != 1 || st.LastID != 65 {
			t.Fatalf("continue-as-new %d carries ids %d..%d next %d, want next %d", i+1, st.FirstID, st.LastID, st.NextID, want)
		}
		if want := int64(20 * (i + 1)); st.Progress.Counts.Sent != want {
			t.Fatalf("continue-as-new %d carries %d sent, want %d", i+1, st.Progress.Counts.Sent, want)
		}
	}
	if len(f.starts) != 1 || len(f.prepares) != 1 || !slices.Equal(f.statuses, []string{"running"}) {
		t.Fatalf("started %d, prepared %d, statuses %v: want each once", len(f.starts), len(f.prepares), f.statuses)
	}
	checkChunkRanges(t, f, 10)
	checkSentOnce(t, f)
	if !slices.Equal(f.finalized, []string{"completed"}) || res.Counts.Delivered != 65 {
		t.Fatalf("finalized %v with %+v", f.finalized, res.Counts)
	}
	p := progress(t, env)
	if !slices.Equal(p.Relays, f.relayCounts()) || !p.StartedAt.Equal(t0) {
		t.Fatalf("progress across runs: relays %+v (want %+v), started %v", p.Relays, f.relayCounts(), p.StartedAt)
	}
}

func TestCampaignPauseCarriesOverContinueAsNew(t *testing.T) {
	f := newFakeCampaign(t, 1, 65)
	in := CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3, MaxChunksPerRun: 2}
	var resumedAt time.Time
	env, runs, carried := f.runAll(t, in, t0, func(env *testsuite.TestWorkflowEnvironment, run int) {
		switch run {
		case 1: // pause while the run's two chunks are in flight
			env.RegisterDelayedCallback(func() { env.SignalWorkflow(SignalCampaignPause, nil) }, 5*time.Second)
		case 2: // the next run starts paused; resume it an hour later
			env.RegisterDelayedCallback(func() {
				if p := progress(t, env); p.Stage != StagePaused {
					t.Errorf("run 2 before the resume: stage %q, want %q", p.Stage, StagePaused)
				}
				resumedAt = env.Now()
				env.SignalWorkflow(SignalCampaignResume, nil)
			}, time.Hour)
		}
	})
	completed(t, env)

	if runs != 4 || !carried[0].State.Paused {
		t.Fatalf("%d runs, first carried state paused=%v: want 4 runs, paused carried", runs, carried[0].State.Paused)
	}
	for _, c := range f.chunkList() {
		if c.started.After(t0.Add(5*time.Second)) && c.started.Before(resumedAt) {
			t.Errorf("chunk %d-%d started at %v, while paused", c.in.FromID, c.in.ToID, c.started.Sub(t0))
		}
	}
	if want := []string{"running", "paused", "running"}; !slices.Equal(f.statuses, want) {
		t.Fatalf("statuses %v, want %v", f.statuses, want)
	}
	checkChunkRanges(t, f, 10)
	checkSentOnce(t, f)
}

// Continue-as-new while collecting reports (forced every 2 polls here): the next
// runs go on polling without sending anything again, the report deadline still
// counts from the end of the send, and the counts carry over.
func TestCampaignContinuesAsNewWhileCollectingReports(t *testing.T) {
	f := newFakeCampaign(t, 1, 30) // 3 chunks of 10 s at once: the send ends at 10 s
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.reportAfter = map[int64]int{1: 3, 2: -1} // relay 2 never reports
	deadline := 10 * time.Second
	in := CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3, ReportDeadline: deadline, MaxReportPollsPerRun: 2}
	env, runs, carried := f.runAll(t, in, t0, nil)
	res := completed(t, env)

	sendDone := t0.Add(10 * time.Second)
	if runs < 3 {
		t.Fatalf("%d runs: the report phase did not continue as new", runs)
	}
	for i, next := range carried {
		st := next.State
		if st == nil || !st.Prepared || !st.SendDoneAt.Equal(sendDone) || st.NextID != 31 || next.MaxReportPollsPerRun != 2 {
			t.Fatalf("continue-as-new %d carries %+v (input %+v)", i+1, st, next)
		}
		if i > 0 && st.Progress.Counts.Delivered != 15 {
			t.Fatalf("continue-as-new %d carries %+v, want relay 1's 15 delivered", i+1, st.Progress.Counts)
		}
	}
	if len(f.chunkList()) != 3 || len(f.prepares) != 1 || len(f.starts) != 1 {
		t.Fatalf("%d chunks, %d prepares, %d starts: want 3, 1, 1", len(f.chunkList()), len(f.prepares), len(f.starts))
	}
	checkSentOnce(t, f)
	polls := f.pollList()
	if n := len(polls); n < 2*(runs-1)+1 || n > 2*runs {
		t.Fatalf("%d polls over %d runs, want 2 a run (the last may end after 1)", n, runs)
	}
	for i, p := range polls {
		last := i == len(polls)-1
		if p.in.GiveUp != last || p.at.After(sendDone.Add(deadline)) {
			t.Fatalf("poll %d at %v gave up %v", i, p.at.Sub(sendDone), p.in.GiveUp)
		}
		// Each poll starts from what the one before left awaiting, across
		// runs too.
		if i > 0 && (p.in.AwaitFrom != polls[i-1].out.AwaitFrom || !slices.Equal(p.in.Awaited, polls[i-1].out.Awaited)) {
			t.Fatalf("poll %d was given %d %+v; the poll before answered %d %+v", i, p.in.AwaitFrom, p.in.Awaited,
				polls[i-1].out.AwaitFrom, polls[i-1].out.Awaited)
		}
	}
	if first := polls[0].in; first.AwaitFrom != 0 || first.Awaited != nil {
		t.Fatalf("the first poll was given %+v: it should read the whole range", first)
	}
	if at := polls[len(polls)-1].at; !at.Equal(sendDone.Add(deadline)) {
		t.Fatalf("gave up %v after the send, want at the %v deadline", at.Sub(sendDone), deadline)
	}
	want := Counts{Total: 30, Delivered: 15, Unknown: 15}
	if res.Counts != want || !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("finalized %v with %+v, want completed with %+v", f.finalized, res.Counts, want)
	}
	if p := progress(t, env); p.Counts != want || !slices.Equal(p.Relays, f.relayCounts()) {
		t.Fatalf("progress after the last run %+v, relays want %+v", p, f.relayCounts())
	}
}

func TestCampaignProgressQueryMidSendAndAfter(t *testing.T) {
	f := newFakeCampaign(t, 1, 100) // 10 chunks of 10 s, 2 at a time
	f.relayOf = func(id int64) int64 { return 1 + id%3 }
	f.rejects = func(id int64) bool { return id%25 == 0 }
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		store := f.counts()
		// Chunks 1-4 are done (at 10 s and 20 s), 5-6 in flight.
		if p.Stage != StageSending || p.Counts != store || p.Counts.Sent+p.Counts.Failed != 40 {
			t.Errorf("at 25 s: stage %q counts %+v, store %+v", p.Stage, p.Counts, store)
		}
		if !slices.Equal(p.Relays, f.relayCounts()) {
			t.Errorf("at 25 s: relays %+v, want %+v", p.Relays, f.relayCounts())
		}
		if p.Rate <= 0 || p.ETASeconds <= 0 {
			t.Errorf("at 25 s: rate %v eta %v, want both positive", p.Rate, p.ETASeconds)
		}
		// 40 messages in the 20 s since the first chunk: 2/s, 60 left: 30 s.
		if math.Abs(p.Rate-2) > 1e-9 || math.Abs(p.ETASeconds-30) > 1e-9 {
			t.Errorf("at 25 s: rate %v/s eta %v s, want 2/s and 30 s", p.Rate, p.ETASeconds)
		}
		if !p.StartedAt.Equal(t0) || !p.UpdatedAt.Equal(t0.Add(20*time.Second)) || p.Run != 1 {
			t.Errorf("at 25 s: started %v updated %v run %d", p.StartedAt, p.UpdatedAt, p.Run)
		}
	}, 25*time.Second)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)

	p := progress(t, env)
	want := Counts{Total: 100, Delivered: 96, Failed: 4}
	if p.Stage != StageCompleted || p.Counts != want || res.Counts != want || f.counts() != want {
		t.Fatalf("after: stage %q counts %+v result %+v store %+v, want %+v", p.Stage, p.Counts, res.Counts, f.counts(), want)
	}
	if p.ETASeconds != 0 {
		t.Fatalf("after: eta %v", p.ETASeconds)
	}
	if !slices.Equal(p.Relays, f.relayCounts()) {
		t.Fatalf("after: relays %+v, want %+v", p.Relays, f.relayCounts())
	}
}

func TestCampaignProgressAggregatesRelaysAndFallbackAcrossChunks(t *testing.T) {
	f := newFakeCampaign(t, 1001, 60)
	// Odd ids go through relay 7, even through relay 3 (so relay 7 comes first
	// in each chunk's result); the last chunk also meets relay 1.
	f.relayOf = func(id int64) int64 {
		switch {
		case id >= 1055:
			return 1
		case id%2 == 1:
			return 7
		}
		return 3
	}
	f.fallback = func(id int64) bool { return id%4 == 0 }
	f.rejects = func(id int64) bool { return id%10 == 3 }
	f.reportAfter = map[int64]int{3: 1, 7: 2, 1: 1}
	env := f.newEnv(t0)
	env.RegisterDelayedCallback(func() {
		p := progress(t, env)
		ids := make([]int64, len(p.Relays))
		var fallback int64
		for i, r := range p.Relays {
			ids[i] = r.RelayID
			fallback += r.Fallback
		}
		if !slices.Equal(ids, []int64{3, 7}) || p.Counts.Fallback != fallback || fallback == 0 {
			t.Errorf("mid-send relays %+v fallback %d", p.Relays, p.Counts.Fallback)
		}
		if !slices.Equal(p.Relays, f.relayCounts()) {
			t.Errorf("mid-send relays %+v, want %+v", p.Relays, f.relayCounts())
		}
	}, 15*time.Second)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)

	p := progress(t, env)
	want := f.relayCounts()
	if len(want) != 3 || want[0].RelayID != 1 {
		t.Fatalf("fake relays %+v", want)
	}
	if !slices.Equal(p.Relays, want) {
		t.Fatalf("relays %+v, want %+v", p.Relays, want)
	}
	var fallback int64
	for _, r := range p.Relays {
		fallback += r.Fallback
	}
	if fallback != f.counts().Fallback || res.Counts.Fallback != fallback {
		t.Fatalf("fallback: relays %d, store %d, result %d", fallback, f.counts().Fallback, res.Counts.Fallback)
	}
}

func TestCampaignChunkFailingNonRetryablyFailsTheCampaign(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.chunkTimes = []time.Duration{10 * time.Second, 5 * time.Second}
	f.chunkTime = func(in SendChunkInput) time.Duration {
		if in.FromID == 21 {
			return 5 * time.Second
		}
		return 10 * time.Second
	}
	f.failChunk = func(in SendChunkInput, _ int32) error {
		if in.FromID == 21 {
			return temporal.NewNonRetryableApplicationError("campaign 2 is cancelled", ErrTypeInvalidState, nil)
		}
		return nil
	}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})

	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); !hasErrorType(err, ErrTypeInvalidState) {
		t.Fatalf("workflow error %v, want the chunk's %s", err, ErrTypeInvalidState)
	}
	failedAt := t0.Add(15 * time.Second) // chunk 21-30 started at 10 s
	chunks := f.chunkList()
	for _, c := range chunks {
		if c.started.After(failedAt) {
			t.Errorf("chunk %d-%d started after the failure", c.in.FromID, c.in.ToID)
		}
		if c.in.FromID == 21 && c.attempt != 1 {
			t.Errorf("the non-retryable chunk was retried (attempt %d)", c.attempt)
		}
		if c.in.FromID != 21 && (c.cancelled || c.finished.IsZero()) {
			t.Errorf("chunk %d-%d in flight at the failure did not finish", c.in.FromID, c.in.ToID)
		}
	}
	if len(chunks) != 4 {
		t.Fatalf("%d chunks, want 4", len(chunks))
	}
	if !slices.Equal(f.finalized, []string{"failed"}) {
		t.Fatalf("finalized %v, want failed", f.finalized)
	}
	if n := len(f.pollList()); n != 0 {
		t.Fatalf("%d report polls after a failed send", n)
	}
	if c := f.counts(); c.Sent != 30 || c.Pending != 70 {
		t.Fatalf("store counts %+v", c)
	}
}

// hasErrorType says whether an application error of type typ is in err's chain.
func hasErrorType(err error, typ string) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == typ {
			return true
		}
	}
	return false
}

// A chunk attempt that fails halfway (a relay timeout after some messages went
// out) is retried: the retry sends only the rest, and the progress counts what
// the failed attempt sent too.
func TestCampaignRetriedChunkSendsEachMessageOnce(t *testing.T) {
	f := newFakeCampaign(t, 1, 40)
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.partialFail = func(in SendChunkInput, attempt int32) (int, error) {
		if in.FromID == 11 && attempt == 1 {
			return 4, fmt.Errorf("relay timeout")
		}
		return 0, nil
	}
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)
	var attempts []fakeChunk
	for _, c := range f.chunkList() {
		if c.in.FromID == 11 {
			attempts = append(attempts, c)
		}
	}
	if len(attempts) != 2 || attempts[0].err == nil {
		t.Fatalf("chunk 11-20 ran %d times (first error %v), want a failed attempt and its retry", len(attempts), attempts[0].err)
	}
	if first, retry := attempts[0].sent, attempts[1].sent; !slices.Equal(first, []int64{11, 12, 13, 14}) ||
		!slices.Equal(retry, []int64{15, 16, 17, 18, 19, 20}) {
		t.Fatalf("the failed attempt sent %v, the retry %v: want 11-14, then only 15-20", first, retry)
	}
	checkSentOnce(t, f)
	if res.Counts.Delivered != 40 || !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("finalized %v with %+v", f.finalized, res.Counts)
	}
	if p := progress(t, env); !slices.Equal(p.Relays, f.relayCounts()) {
		t.Fatalf("progress relays %+v, want %+v (the failed attempt's sends counted)", p.Relays, f.relayCounts())
	}
}

func TestCampaignWithEmptyAudienceCompletes(t *testing.T) {
	f := newFakeCampaign(t, 1, 0)
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1})
	res := completed(t, env)
	if len(f.chunkList()) != 0 || len(f.pollList()) != 0 || res.Counts.Total != 0 || !slices.Equal(f.finalized, []string{"completed"}) {
		t.Fatalf("chunks %d, polls %d, finalized %v with %+v", len(f.chunkList()), len(f.pollList()), f.finalized, res.Counts)
	}
}

func TestCampaignWorkflowID(t *testing.T) {
	if got := CampaignWorkflowID(7); got != "campaign:7" {
		t.Fatalf("CampaignWorkflowID(7) = %q", got)
	}
}

// Cancelling the workflow itself (Temporal Web, the CLI) is a cancel too: the
// campaign row is finished as cancelled, not left scheduled or marked failed.
func TestCampaignCancelledFromTemporalFinishesTheRow(t *testing.T) {
	t.Run("while scheduled", func(t *testing.T) {
		f := newFakeCampaign(t, 1, 50)
		f.start = StartCampaignResult{ScheduledAt: t0.Add(time.Hour), Timezone: "Asia/Seoul", Status: "scheduled"}
		env := f.newEnv(t0)
		env.RegisterDelayedCallback(env.CancelWorkflow, 10*time.Minute)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10})
		if n := len(f.chunkList()); n != 0 {
			t.Fatalf("%d chunks sent after the workflow was cancelled", n)
		}
		if !slices.Equal(f.finalized, []string{"cancelled"}) {
			t.Fatalf("finalized %v, want cancelled", f.finalized)
		}
	})
	t.Run("while sending", func(t *testing.T) {
		const first = 1
		f := newFakeCampaign(t, first, 100)
		f.blockChunk = func(in SendChunkInput) bool { return in.FromID >= first+30 }
		f.onChunkStarted = func(c *fakeChunk, started int) {
			if started == 6 {
				f.env.CancelWorkflow()
			}
		}
		env := f.newEnv(t0)
		env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 3})
		f.waitBlocked()
		if n := len(f.chunkList()); n != 6 {
			t.Fatalf("%d chunks started, want 6 (none after the cancel)", n)
		}
		if !slices.Equal(f.finalized, []string{"cancelled"}) {
			t.Fatalf("finalized %v, want cancelled", f.finalized)
		}
	})
}

// A first run prepares its audience in batches and sends the chunks of the
// batches already stored meanwhile, never a chunk past the last message
// prepared.
func TestCampaignSendsWhileItPreparesInBatches(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.prepareTime = 5 * time.Second
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2, PrepareBatch: 30})
	res := completed(t, env)

	if len(f.prepares) != 4 {
		t.Fatalf("%d prepare batches, want 4 of 30", len(f.prepares))
	}
	for i, p := range f.prepares {
		if p.Batch != 30 || (i == 0) != (p.After == 0) {
			t.Errorf("prepare batch %d: %+v", i, p)
		}
	}
	lastPrepared := t0.Add(4 * f.prepareTime)
	chunks := f.chunkList()
	if len(chunks) == 0 || !chunks[0].started.Before(lastPrepared) {
		t.Fatalf("the first chunk started at %v, not before the audience was prepared (%v)", chunks[0].started.Sub(t0), lastPrepared.Sub(t0))
	}
	checkChunkRanges(t, f, 10)
	checkSentOnce(t, f)
	if want := (Counts{Total: 100, Delivered: 100}); res.Counts != want {
		t.Fatalf("final counts %+v, want %+v", res.Counts, want)
	}
}

func TestCampaignChunksEndWithTheirStatisticsBlock(t *testing.T) {
	// Ids 19,995 to 20,034: the block boundary at 20,000 falls inside the
	// first chunk of 10, both while the audience is still being prepared
	// in batches and after.
	for _, batch := range []int{0, 15} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			f := newFakeCampaign(t, 2*StatsBlock-5, 40)
			env := f.newEnv(t0)
			env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2, PrepareBatch: batch})
			res := completed(t, env)
			if batch > 0 && len(f.prepares) != 3 {
				t.Fatalf("%d prepare batches, want 3 of %d", len(f.prepares), batch)
			}
			var got []string
			for _, c := range f.chunkList() {
				got = append(got, fmt.Sprintf("%d-%d", c.in.FromID, c.in.ToID))
			}
			slices.Sort(got)
			want := []string{"19995-19999", "20000-20009", "20010-20019", "20020-20029", "20030-20034"}
			if !slices.Equal(got, want) {
				t.Fatalf("chunks %v, want %v", got, want)
			}
			checkSentOnce(t, f)
			if want := (Counts{Total: 40, Delivered: 40}); res.Counts != want {
				t.Fatalf("final counts %+v, want %+v", res.Counts, want)
			}
		})
	}
}

// The chunks counted are kept as merged id ranges whatever order they finish
// in: a gap stays only where a chunk is still in flight.
func TestCountedChunksMergeIntoRanges(t *testing.T) {
	var w campaignWorkflow
	for _, c := range []IDRange{{21, 30}, {1, 10}, {41, 50}, {11, 20}, {61, 70}, {51, 60}} {
		w.counted(c.From, c.To)
	}
	if want := []IDRange{{1, 30}, {41, 70}}; !slices.Equal(w.st.Counted, want) {
		t.Fatalf("counted %+v, want %+v", w.st.Counted, want)
	}
	w.counted(31, 40)
	if want := []IDRange{{1, 70}}; !slices.Equal(w.st.Counted, want) {
		t.Fatalf("counted %+v after the gap's chunk, want %+v", w.st.Counted, want)
	}
}

// A poll beside the chunks that wrote its reports and never answered (its
// worker died) loses its count, not its writes, and those reports are not
// read again: the first run's progress per relay is what the rows hold at the
// end all the same.
func TestCampaignProgressSurvivesABesidePollThatNeverAnswered(t *testing.T) {
	f := newFakeCampaign(t, 1, 100)
	f.reportsWhileSending = true
	f.loseBesidePolls = 2
	f.relayOf = func(id int64) int64 { return 1 + id%2 }
	f.reportFails = func(id int64) bool { return id%10 == 0 }
	env := f.newEnv(t0)
	env.ExecuteWorkflow(Campaign, CampaignInput{AccountID: 1, CampaignID: 2, Run: 1, ChunkSize: 10, Window: 2})
	res := completed(t, env)
	checkSentOnce(t, f)
	if f.loseBesidePolls != 0 {
		t.Fatalf("%d of the polls to lose were never made", f.loseBesidePolls)
	}
	want := Counts{Total: 100, Delivered: 90, Failed: 10}
	p := progress(t, env)
	wantRelay := []RelayCounts{{RelayID: 1, Sent: 50, Delivered: 40, Failed: 10}, {RelayID: 2, Sent: 50, Delivered: 50}}
	if res.Counts != want || p.Counts != want || !slices.Equal(p.Relays, wantRelay) {
		t.Fatalf("counts %+v, progress %+v per relay %+v, want %+v and %+v", res.Counts, p.Counts, p.Relays, want, wantRelay)
	}
}
