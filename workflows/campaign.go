package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Campaign defaults.
const (
	DefaultChunkSize      = 10000
	DefaultWindow         = 8
	DefaultReportDeadline = 24 * time.Hour
	// quiet hours for advertisements, in the account's time zone: [21:00, 08:00).
	quietFrom, quietUntil = 21, 8
	firstReportPoll       = time.Second
	maxReportPoll         = time.Minute
	// reportPollsPerRun bounds report polls before continue-as-new.
	reportPollsPerRun = 300
	// versionNightConsent: during quiet hours an advertisement goes at once to
	// customers who consent to advertising at night (night chunks), and to the
	// others from 08:00.
	versionNightConsent = "night-consent"
)

// Retry bounds: every activity of a campaign gives up at some point, so a
// campaign always ends (failed, at worst; a failed report poll only waits for the
// deadline) instead of retrying forever.
const (
	// chunkAttempts is above the chunk's own 10 attempts, after which it records
	// what no relay would take as failed and succeeds.
	chunkAttempts   = 20
	prepareAttempts = 10
	reportAttempts  = 5
	// shortActivityBound is how long the short database activities (start,
	// status, finalize) keep retrying: a database outage of that length.
	shortActivityBound = time.Hour
)

// Change IDs of workflow.GetVersion: each marks where running workflows recorded
// before the change keep the old behaviour when they are replayed.
const (
	// versionCancellableReports: a report poll runs in a context the cancel
	// signal cancels, a failed poll waits for the deadline instead of failing the
	// campaign, and a poll is bounded by the report deadline.
	versionCancellableReports = "cancellable-report-polls"
	// versionPipelined: a first run of a campaign that is not an advertisement
	// prepares its audience in batches (PrepareAudience with Batch) while the
	// chunks of the batches already stored are sent.
	versionPipelined = "pipelined-prepare"
	// versionReportPacing: a report poll that stopped with reports still
	// waiting at a relay is followed at once by the next, and one that found
	// results starts the pauses over from firstReportPoll; the pauses grow only
	// while nothing arrives.
	versionReportPacing = "report-poll-pacing"
	// versionAlignedChunks: a chunk that would run past the end of a
	// statistics block ends with the block (chunkEnd).
	versionAlignedChunks = "chunks-aligned-to-statistics-blocks"
	// versionReportsBeside: while a pipelined campaign's chunks are sent, a
	// report poll runs beside them, one at a time, and applies reports only to
	// messages of chunks whose results the workflow has already counted
	// (CollectReportsInput.Counted): its counts and the chunks' then add up
	// whatever order they arrive in. (An earlier change, reports-while-sending,
	// applied every report while sending and was withdrawn: a retried chunk
	// counted its range again.)
	versionReportsBeside = "reports-beside-counted-chunks"
)

// StatsBlock is how many consecutive message ids the statistics roll up
// together (store.StatsBlock, which a test holds it equal to). Chunks end
// with a block, so a chunk's roll-up reads its own block, not two of which it
// wrote half each.
const StatsBlock = 10000

// Pipelined send tuning.
const (
	// prepareBatch is how many audience members one PrepareAudience batch
	// renders and stores: a second or so of work, so the first chunk starts
	// early and a retried batch repeats little.
	prepareBatch = 50000
)

// Campaign sends a campaign durably: it waits for the scheduled time,
// materialises the audience, sends it in a sliding window of chunk activities
// (honouring pause, resume, cancel and quiet hours between chunks), collects
// delivery reports until every message is final or the deadline passes, and
// aggregates the counts. History carries message id ranges and counts only.
func Campaign(ctx workflow.Context, in CampaignInput) (FinalizeResult, error) {
	w := &campaignWorkflow{in: in}
	if in.State != nil {
		w.st = *in.State
	}
	w.setup(ctx)
	return w.run(ctx)
}

type campaignWorkflow struct {
	in      CampaignInput
	st      CampaignState
	zone    Zone
	chunks  int // chunks launched in this run
	samples []rateSample
	// controlCh carries pause, resume and cancel in their order of arrival.
	controlCh workflow.ReceiveChannel
	// The channels of the older API's signals.
	pauseCh  workflow.ReceiveChannel
	resumeCh workflow.ReceiveChannel
	cancelCh workflow.ReceiveChannel
	// stopped receives once when the workflow itself is cancelled (from
	// Temporal Web or the CLI); it is handled like the cancel signal.
	stopped workflow.Channel
}

type rateSample struct {
	at time.Time
	n  int64
}

func (w *campaignWorkflow) setup(ctx workflow.Context) {
	if w.in.ChunkSize <= 0 {
		w.in.ChunkSize = DefaultChunkSize
	}
	if w.in.Window <= 0 {
		w.in.Window = DefaultWindow
	}
	if w.in.PrepareBatch <= 0 {
		w.in.PrepareBatch = prepareBatch
	}
	if w.in.ReportDeadline <= 0 {
		w.in.ReportDeadline = DefaultReportDeadline
	}
	w.controlCh = workflow.GetSignalChannel(ctx, SignalCampaignControl)
	w.pauseCh = workflow.GetSignalChannel(ctx, SignalCampaignPause)
	w.resumeCh = workflow.GetSignalChannel(ctx, SignalCampaignResume)
	w.cancelCh = workflow.GetSignalChannel(ctx, SignalCampaignCancel)
	w.stopped = workflow.NewBufferedChannel(ctx, 1)
	workflow.Go(ctx, func(gctx workflow.Context) {
		gctx.Done().Receive(gctx, nil)
		w.stopped.SendAsync(true)
	})
	_ = workflow.SetQueryHandler(ctx, QueryCampaignProgress, func() (CampaignProgress, error) {
		return w.st.Progress, nil
	})
}

func shortOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second,
		ScheduleToCloseTimeout: shortActivityBound, RetryPolicy: retryPolicy(0)})
}

func (w *campaignWorkflow) run(ctx workflow.Context) (FinalizeResult, error) {
	if w.st.Progress.Stage == "" {
		var start StartCampaignResult
		if err := workflow.ExecuteActivity(shortOptions(ctx), ActivityStartCampaign,
			StartCampaignInput{AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, Run: w.in.Run,
				RequestedBy: w.in.RequestedBy}).Get(ctx, &start); err != nil {
			return FinalizeResult{}, err
		}
		if start.Skip {
			// Another workflow has done (or superseded) this run: nothing to do,
			// and nothing of the campaign to touch.
			w.st.Progress.Stage = start.Status
			return FinalizeResult{}, nil
		}
		w.st.Timezone, w.st.Ad = start.Timezone, start.Ad
		w.st.Progress.Run = w.in.Run
		w.st.Progress.StartedAt = workflow.Now(ctx)
		if start.Status == "cancelled" {
			return w.finish(ctx, "cancelled")
		}
		w.st.Progress.Stage = StageScheduled
		if now := workflow.Now(ctx); start.ScheduledAt.After(now) {
			w.st.Progress.ResumeAt = start.ScheduledAt
			if cancelled := w.sleep(ctx, start.ScheduledAt.Sub(now)); cancelled {
				return w.finish(w.afterStop(ctx), "cancelled")
			}
			w.st.Progress.ResumeAt = time.Time{}
		}
	}
	zone, err := resolveZone(ctx, w.st.Timezone)
	if err != nil {
		return FinalizeResult{}, err
	}
	w.zone = zone
	ctx = w.afterStop(ctx)
	if w.st.Cancelled && !w.st.Prepared && !w.st.Pipelined {
		return w.finish(ctx, "cancelled")
	}

	if !w.st.Prepared && !w.st.Pipelined {
		w.st.Progress.Stage = StagePreparing
		if err := w.setStatus(ctx, "running"); err != nil {
			return FinalizeResult{}, err
		}
	}
	if !w.st.Prepared && !w.st.Pipelined && w.in.Run <= 1 && !w.st.Ad &&
		workflow.GetVersion(ctx, versionPipelined, workflow.DefaultVersion, 1) == 1 {
		// send prepares the audience batch by batch as it sends.
		w.st.Pipelined = true
	}
	if !w.st.Prepared && !w.st.Pipelined {
		pctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
			StartToCloseTimeout: 2 * time.Hour, HeartbeatTimeout: time.Minute, RetryPolicy: retryPolicy(prepareAttempts)})
		var prep PrepareAudienceResult
		if err := workflow.ExecuteActivity(pctx, ActivityPrepareAudience, PrepareAudienceInput{
			AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, OnlyRange: w.in.Run > 1,
		}).Get(ctx, &prep); err != nil {
			return w.fail(ctx, err)
		}
		w.st.Prepared = true
		w.st.FirstID, w.st.LastID, w.st.NextID = prep.FirstID, prep.LastID, prep.FirstID
		w.st.Progress.Counts.Total = prep.Total
		w.st.Progress.Counts.Pending = prep.Pending
		w.st.NightConsent = prep.NightConsent
		if prep.Counts != nil {
			// A retry run starts from the campaign's counts as they stand.
			w.st.Progress.Counts = *prep.Counts
		}
	}

	if w.st.SendDoneAt.IsZero() {
		again, err := w.send(ctx)
		ctx = w.afterStop(ctx)
		if err != nil {
			return w.fail(ctx, err)
		}
		if again {
			return FinalizeResult{}, w.continueAsNew(ctx)
		}
		w.st.SendDoneAt = workflow.Now(ctx)
		w.st.Progress.ETASeconds = 0
	}

	again, err := w.collect(ctx)
	ctx = w.afterStop(ctx)
	if err != nil && !w.st.Cancelled {
		return w.fail(ctx, err)
	}
	if again {
		return FinalizeResult{}, w.continueAsNew(ctx)
	}
	if w.st.Cancelled {
		return w.finish(ctx, "cancelled")
	}
	return w.finish(ctx, "completed")
}

// afterStop answers the context to go on with: once the workflow itself has
// been cancelled, the campaign is cancelled and its row is still finished, in a
// context that survives the cancellation.
func (w *campaignWorkflow) afterStop(ctx workflow.Context) workflow.Context {
	if ctx.Err() == nil {
		return ctx
	}
	w.st.Cancelled = true
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	return dctx
}

// sleep waits d, or until a cancel signal (answering true). Pause and resume
// signals meanwhile are remembered.
func (w *campaignWorkflow) sleep(ctx workflow.Context, d time.Duration) bool {
	tctx, stop := workflow.WithCancel(ctx)
	defer stop()
	timer := workflow.NewTimer(tctx, d)
	fired := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(timer, func(workflow.Future) { fired = true })
	w.onSignals(ctx, sel, nil)
	for !fired && !w.st.Cancelled {
		sel.Select(ctx)
	}
	return w.st.Cancelled
}

// onSignals routes the control signals on sel; onCancel runs on a cancel.
func (w *campaignWorkflow) onSignals(ctx workflow.Context, sel workflow.Selector, onCancel func()) {
	sel.AddReceive(w.controlCh, func(c workflow.ReceiveChannel, _ bool) {
		var m CampaignControl
		c.Receive(ctx, &m)
		w.control(m.Action, onCancel)
	})
	sel.AddReceive(w.pauseCh, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		w.st.Paused = true
	})
	sel.AddReceive(w.resumeCh, func(c workflow.ReceiveChannel, _ bool) {
		c.Receive(ctx, nil)
		w.st.Paused = false
	})
	cancel := func(c workflow.ReceiveChannel, _ bool) {
		c.ReceiveAsync(nil)
		w.st.Cancelled = true
		if onCancel != nil {
			onCancel()
		}
	}
	sel.AddReceive(w.cancelCh, cancel)
	sel.AddReceive(w.stopped, cancel)
}

// control applies one control action; onCancel (if set) runs on a cancel.
func (w *campaignWorkflow) control(action string, onCancel func()) {
	switch action {
	case ControlPause:
		w.st.Paused = true
	case ControlResume:
		w.st.Paused = false
	case ControlCancel:
		w.st.Cancelled = true
		if onCancel != nil {
			onCancel()
		}
	}
}

// send keeps up to Window chunk activities in flight until every message id has
// been given to a chunk. It answers true when the run should continue as new.
func (w *campaignWorkflow) send(ctx workflow.Context) (bool, error) {
	preparing := w.st.Pipelined && !w.st.Prepared
	if w.st.LastID == 0 && !preparing {
		return false, nil
	}
	chunkCtx, cancelChunks := workflow.WithCancel(ctx)
	cctx := workflow.WithActivityOptions(chunkCtx, workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout:    10 * time.Second,
		WaitForCancellation: true,
		RetryPolicy:         retryPolicy(chunkAttempts),
	})
	if w.st.SendStartedAt.IsZero() {
		w.st.SendStartedAt = workflow.Now(ctx)
	}
	sel := workflow.NewSelector(ctx)
	w.onSignals(ctx, sel, cancelChunks)
	var (
		inflight   int
		chunkErr   error
		quietTimer bool
		stopForCAN bool
		wasPaused  = w.st.Paused
		// The pipelined send: a batch of the audience is being prepared.
		prepInflight bool
	)
	prepCtx := workflow.WithActivityOptions(chunkCtx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute, HeartbeatTimeout: time.Minute, RetryPolicy: retryPolicy(prepareAttempts)})
	// Report polls beside the chunks of a pipelined send: one at a time,
	// after every Window chunks counted (the chunks, not a clock, pace them,
	// so a run's history grows by a few events per Window chunks), applying
	// reports only to the chunks counted (CollectReportsInput.Counted). One
	// that fails is not retried: the next one, or the polls after the send,
	// read what it left.
	var (
		beside = w.st.Pipelined &&
			workflow.GetVersion(ctx, versionReportsBeside, workflow.DefaultVersion, 1) == 1
		pollInflight    bool
		chunksSincePoll int
	)
	pollCtx := workflow.WithActivityOptions(chunkCtx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: 20 * time.Second, WaitForCancellation: true,
		RetryPolicy: quickRetry(1)})
	for {
		// Act on what has already come in before launching more: a pause or
		// cancel sent while the audience was prepared, or while a status was
		// written, must hold back the next chunks, not only those after them.
		for sel.HasPending() {
			sel.Select(ctx)
		}
		if w.st.Paused != wasPaused {
			wasPaused = w.st.Paused
			status := "running"
			if w.st.Paused {
				status = "paused"
			}
			if err := w.setStatus(ctx, status); err != nil {
				return false, err
			}
			continue // signals may have come in meanwhile
		}
		now := workflow.Now(ctx)
		preparing = w.st.Pipelined && !w.st.Prepared
		if preparing && !prepInflight && !w.st.Cancelled && chunkErr == nil && !stopForCAN {
			prepInflight = true
			f := workflow.ExecuteActivity(prepCtx, ActivityPrepareAudience, PrepareAudienceInput{
				AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, Batch: w.in.PrepareBatch, After: w.st.PrepareAfter,
				FirstID: w.st.FirstID, LastID: w.st.LastID, Total: w.st.Progress.Counts.Total})
			sel.AddFuture(f, func(f workflow.Future) {
				prepInflight = false
				var prep PrepareAudienceResult
				if err := f.Get(ctx, &prep); err != nil {
					var canceled *temporal.CanceledError
					if !errors.As(err, &canceled) || !w.st.Cancelled {
						chunkErr = fmt.Errorf("prepare the audience after customer %d: %w", w.st.PrepareAfter, err)
					}
					return
				}
				w.prepared(prep)
			})
		}
		quiet := false
		for !w.st.Cancelled && !w.st.Paused && chunkErr == nil && !stopForCAN &&
			inflight < w.in.Window && w.st.LastID > 0 && w.st.NextID <= w.st.LastID &&
			// While the audience is still being prepared, only whole chunks go.
			(!preparing || w.chunkEnd(ctx, w.st.NextID) <= w.st.LastID) {
			in := SendChunkInput{AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, Run: w.in.Run}
			if resume, ok := w.quietUntil(now); ok {
				quiet = true
				w.st.Progress.ResumeAt = resume
				if !quietTimer {
					quietTimer = true
					sel.AddFuture(workflow.NewTimer(ctx, resume.Sub(now)), func(workflow.Future) { quietTimer = false })
					w.noticeQuietHours(ctx, resume)
				}
				if !w.nightChunk(ctx, &in) {
					break
				}
			} else {
				w.st.Progress.ResumeAt = time.Time{}
				in.FromID = w.st.NextID
				in.ToID = min(w.chunkEnd(ctx, in.FromID), w.st.LastID)
				in.OwnCounts = w.st.NightFromID > 0 && in.FromID >= w.st.NightFromID
				w.st.NextID = in.ToID + 1
			}
			from, to := in.FromID, in.ToID
			inflight++
			w.chunks++
			f := workflow.ExecuteActivity(cctx, ActivitySendChunk, in)
			sel.AddFuture(f, func(f workflow.Future) {
				inflight--
				var r SendChunkResult
				err := f.Get(ctx, &r)
				var canceled *temporal.CanceledError
				switch {
				case err == nil:
					w.applyChunk(workflow.Now(ctx), r)
					if beside {
						w.counted(from, to)
						chunksSincePoll++
					}
				case errors.As(err, &canceled) && w.st.Cancelled:
				default:
					chunkErr = fmt.Errorf("chunk %d-%d: %w", from, to, err)
				}
			})
			if (w.in.MaxChunksPerRun > 0 && w.chunks >= w.in.MaxChunksPerRun) || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
				stopForCAN = true
			}
		}
		if beside && !pollInflight && chunksSincePoll >= w.in.Window && !w.st.Cancelled && chunkErr == nil {
			chunksSincePoll = 0
			pollInflight = true
			f := workflow.ExecuteActivity(pollCtx, ActivityCollectReports, CollectReportsInput{AccountID: w.in.AccountID,
				CampaignID: w.in.CampaignID, FirstID: w.st.FirstID, LastID: w.st.LastID,
				Counted: append([]IDRange(nil), w.st.Counted...)})
			sel.AddFuture(f, func(f workflow.Future) {
				pollInflight = false
				var r CollectReportsResult
				if err := f.Get(ctx, &r); err != nil {
					var canceled *temporal.CanceledError
					if !errors.As(err, &canceled) {
						workflow.GetLogger(ctx).Warn("report poll while sending failed; later polls read what it left",
							"campaign_id", w.in.CampaignID, "error", err)
					}
					return
				}
				w.applyReports(workflow.Now(ctx), r)
			})
		}
		switch {
		case w.st.Cancelled:
			w.st.Progress.Stage = StageCancelled
		case w.st.Paused:
			w.st.Progress.Stage = StagePaused
		case quiet:
			w.st.Progress.Stage = StageQuietHours
		case preparing && w.chunks == 0:
			w.st.Progress.Stage = StagePreparing
		default:
			w.st.Progress.Stage = StageSending
		}
		if inflight == 0 && !prepInflight && !pollInflight {
			switch {
			case chunkErr != nil:
				return false, chunkErr
			case w.st.Cancelled, w.st.Prepared && (w.st.LastID == 0 || w.st.NextID > w.st.LastID):
				return false, nil
			case stopForCAN:
				return true, nil
			}
		}
		sel.Select(ctx)
	}
}

// chunkEnd is the last id of the chunk that starts at from, before the
// campaign's last id bounds it: ChunkSize ids, cut back to the end of the
// statistics block where one ends inside them (versionAlignedChunks; a run
// recorded before it keeps the uncut chunks when replayed). A 10,000-id chunk
// of a campaign whose first id is not on a block boundary then covers the
// rest of that block, and every chunk after it exactly one block.
func (w *campaignWorkflow) chunkEnd(ctx workflow.Context, from int64) int64 {
	end := from + int64(w.in.ChunkSize) - 1
	if workflow.GetVersion(ctx, versionAlignedChunks, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return end
	}
	if cut := (end+1)/StatsBlock*StatsBlock - 1; cut >= from {
		end = cut
	}
	return end
}

// counted adds a counted chunk's id range to st.Counted, merging it with the
// ranges it touches, so the list stays as short as the gaps between chunks
// still in flight, in id order.
func (w *campaignWorkflow) counted(from, to int64) {
	rs := w.st.Counted
	i := 0
	for i < len(rs) && rs[i].To+1 < from {
		i++
	}
	j := i
	for j < len(rs) && rs[j].From <= to+1 {
		from, to = min(from, rs[j].From), max(to, rs[j].To)
		j++
	}
	w.st.Counted = append(rs[:i], append([]IDRange{{From: from, To: to}}, rs[j:]...)...)
}

// prepared takes in what a batch of the pipelined prepare stored.
func (w *campaignWorkflow) prepared(prep PrepareAudienceResult) {
	added := prep.Total - w.st.Progress.Counts.Total
	if w.st.FirstID == 0 && prep.FirstID > 0 {
		w.st.FirstID, w.st.NextID = prep.FirstID, prep.FirstID
	}
	w.st.LastID = max(w.st.LastID, prep.LastID)
	w.st.Progress.Counts.Total = prep.Total
	w.st.Progress.Counts.Pending += max(added, 0)
	w.st.PrepareAfter = prep.Next
	if prep.Next == 0 {
		w.st.Prepared = true
	}
}

// nightChunk fills in the next chunk of the night pass over the messages not
// yet given to a day chunk, answering false when there is none: the campaign
// has no recipient who consents to advertising at night, or the pass has
// covered them all (the rest wait for 08:00).
func (w *campaignWorkflow) nightChunk(ctx workflow.Context, in *SendChunkInput) bool {
	if w.st.NightConsent == 0 {
		return false
	}
	if workflow.GetVersion(ctx, versionNightConsent, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return false
	}
	from := max(w.st.NightNextID, w.st.NextID)
	if from > w.st.LastID {
		return false
	}
	in.FromID, in.ToID = from, min(w.chunkEnd(ctx, from), w.st.LastID)
	in.NightOnly, in.OwnCounts = true, true
	w.st.NightNextID = in.ToID + 1
	if w.st.NightFromID == 0 {
		w.st.NightFromID = from
	}
	return true
}

// InQuietHours says whether local, a time in the account's zone, falls in
// the hours when advertising goes only to customers who consent to it at
// night.
func InQuietHours(local time.Time) bool {
	h := local.Hour()
	return h >= quietFrom || h < quietUntil
}

// quietUntil says whether an advertisement may not be sent now, and until when.
func (w *campaignWorkflow) quietUntil(now time.Time) (time.Time, bool) {
	if !w.st.Ad {
		return time.Time{}, false
	}
	local := w.zone.In(now)
	if !InQuietHours(local) {
		return time.Time{}, false
	}
	day := local
	if local.Hour() >= quietFrom {
		day = local.AddDate(0, 0, 1)
	}
	return w.zone.Date(day.Year(), day.Month(), day.Day(), quietUntil, 0, 0, 0), true
}

func (w *campaignWorkflow) applyChunk(now time.Time, r SendChunkResult) {
	c := &w.st.Progress.Counts
	handled := r.Sent + r.Delivered + r.Failed + r.Unknown
	c.Pending = max(0, c.Pending-handled)
	c.Sent += r.Sent
	c.Delivered += r.Delivered
	c.Failed += r.Failed
	c.Unknown += r.Unknown
	c.Fallback += r.Fallback
	for _, rc := range r.Relays {
		w.relay(rc.RelayID).Add(rc)
	}
	// Rate over the last minute of sending; ETA at that rate.
	w.samples = append(w.samples, rateSample{at: now, n: handled})
	cut := 0
	for cut < len(w.samples) && now.Sub(w.samples[cut].at) > time.Minute {
		cut++
	}
	w.samples = w.samples[cut:]
	var n int64
	for _, s := range w.samples {
		n += s.n
	}
	since := now.Add(-time.Minute)
	if w.st.SendStartedAt.After(since) {
		since = w.st.SendStartedAt
	}
	if span := now.Sub(since).Seconds(); span > 0 {
		w.st.Progress.Rate = float64(n) / span
	}
	if w.st.Progress.Rate > 0 {
		w.st.Progress.ETASeconds = float64(c.Pending) / w.st.Progress.Rate
	}
	w.st.Progress.UpdatedAt = now
}

// relay returns the progress entry of a relay, keeping the list sorted by id.
func (w *campaignWorkflow) relay(id int64) *RelayCounts {
	rs := w.st.Progress.Relays
	i := 0
	for i < len(rs) && rs[i].RelayID < id {
		i++
	}
	if i == len(rs) || rs[i].RelayID != id {
		rs = append(rs, RelayCounts{})
		copy(rs[i+1:], rs[i:])
		rs[i] = RelayCounts{RelayID: id}
		w.st.Progress.Relays = rs
	}
	return &w.st.Progress.Relays[i]
}

// Add adds o's counts to rc's.
func (rc *RelayCounts) Add(o RelayCounts) {
	rc.Sent += o.Sent
	rc.Delivered += o.Delivered
	rc.Failed += o.Failed
	rc.Fallback += o.Fallback
}

// collect polls for delivery reports with growing durable pauses until nothing
// awaits a report or the deadline passes (then the rest is unknown). A cancel
// stops the wait. It answers true when the run should continue as new.
//
// A poll runs while the control signals are heard: a cancel cancels it (the
// next poll gives up). A poll that fails for good is logged and polling goes on
// until the deadline, which turns what is left unknown, so a relay whose reports
// cannot be read never keeps a campaign open past it.
func (w *campaignWorkflow) collect(ctx workflow.Context) (bool, error) {
	if w.st.LastID == 0 {
		return false, nil
	}
	if workflow.GetVersion(ctx, versionCancellableReports, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return w.collectUncancellable(ctx)
	}
	paced := workflow.GetVersion(ctx, versionReportPacing, workflow.DefaultVersion, 1) >= 1
	interval := firstReportPoll
	polls := 0
	for {
		w.st.Progress.Stage = StageReports
		deadline := w.st.SendDoneAt.Add(w.in.ReportDeadline)
		giveUp := w.st.Cancelled || !workflow.Now(ctx).Before(deadline)
		r, err := w.poll(ctx, CollectReportsInput{AccountID: w.in.AccountID, CampaignID: w.in.CampaignID,
			FirstID: w.st.FirstID, LastID: w.st.LastID, GiveUp: giveUp, Awaited: w.st.Awaited, AwaitFrom: w.st.AwaitFrom}, deadline)
		switch {
		case err == nil:
			w.applyReports(workflow.Now(ctx), r)
			// A poll answered before these fields existed (a replayed history)
			// leaves them empty: the next poll reads the whole range, as then.
			w.st.Awaited, w.st.AwaitFrom = r.Awaited, r.AwaitFrom
			if giveUp || r.Awaiting == 0 {
				return false, nil
			}
			if paced {
				interval = nextPoll(interval, r)
			}
		case giveUp:
			return false, err
		case w.st.Cancelled:
			continue // the cancel stopped the poll; the next one gives up
		default:
			workflow.GetLogger(ctx).Warn("report poll failed; polling goes on until the deadline",
				"campaign_id", w.in.CampaignID, "error", err)
		}
		polls++
		if w.pausePolling(ctx, polls, &interval, deadline) {
			return true, nil
		}
	}
}

// pausePolling ends a run's report loop after its share of polls (or when
// Temporal suggests continuing as new), answering true; otherwise it waits the
// backing-off interval, never past the deadline, and answers false.
func (w *campaignWorkflow) pausePolling(ctx workflow.Context, polls int, interval *time.Duration, deadline time.Time) bool {
	if polls >= w.pollsPerRun() || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return true
	}
	if *interval == 0 {
		// A relay has more reports ready than one poll reads: no pause.
		*interval = firstReportPoll
		return false
	}
	wait := min(*interval, deadline.Sub(workflow.Now(ctx)))
	*interval = min(*interval*2, maxReportPoll)
	w.sleep(ctx, max(wait, time.Millisecond))
	return false
}

// nextPoll is the pause before the next report poll after a poll that
// answered r (versionReportPacing): none while a relay has more reports ready
// than a poll reads, firstReportPoll after a poll that found results (more are
// arriving; a million messages' reports come in pages of thousands), and the
// growing pause, interval, only while nothing arrives.
func nextPoll(interval time.Duration, r CollectReportsResult) time.Duration {
	switch {
	case r.More:
		return 0
	case r.Delivered+r.Failed+r.Unknown > 0:
		return firstReportPoll
	}
	return interval
}

// poll runs one CollectReports. Unless it gives up (a short write), it runs in a
// context the cancel signal cancels, and retries at most until the deadline.
func (w *campaignWorkflow) poll(ctx workflow.Context, in CollectReportsInput, deadline time.Time) (CollectReportsResult, error) {
	var r CollectReportsResult
	if in.GiveUp {
		err := workflow.ExecuteActivity(shortOptions(ctx), ActivityCollectReports, in).Get(ctx, &r)
		return r, err
	}
	pctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	pctx = workflow.WithActivityOptions(pctx, workflow.ActivityOptions{
		StartToCloseTimeout:    10 * time.Minute,
		ScheduleToCloseTimeout: max(deadline.Sub(workflow.Now(ctx)), time.Minute),
		// CollectReports heartbeats every 5 s; a cancel reaches it with the
		// answer to a heartbeat.
		HeartbeatTimeout:    20 * time.Second,
		WaitForCancellation: true,
		RetryPolicy:         retryPolicy(reportAttempts),
	})
	f := workflow.ExecuteActivity(pctx, ActivityCollectReports, in)
	done := false
	sel := workflow.NewSelector(ctx)
	sel.AddFuture(f, func(workflow.Future) { done = true })
	w.onSignals(ctx, sel, cancel)
	for !done {
		sel.Select(ctx)
	}
	err := f.Get(ctx, &r)
	return r, err
}

// applyReports counts what a report poll found.
func (w *campaignWorkflow) applyReports(now time.Time, r CollectReportsResult) {
	c := &w.st.Progress.Counts
	c.Sent = max(0, c.Sent-r.Delivered-r.Failed-r.Unknown)
	c.Delivered += r.Delivered
	c.Failed += r.Failed
	c.Unknown += r.Unknown
	c.Fallback += r.Fallback
	for _, rc := range r.Relays {
		w.relay(rc.RelayID).Add(rc)
	}
	w.st.Progress.UpdatedAt = now
}

// collectUncancellable is collect as it was before versionCancellableReports,
// for workflows recorded then: a poll is awaited whatever signals arrive, and a
// failed poll fails the campaign.
func (w *campaignWorkflow) collectUncancellable(ctx workflow.Context) (bool, error) {
	rctx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute, HeartbeatTimeout: time.Minute, RetryPolicy: retryPolicy(reportAttempts)})
	interval := firstReportPoll
	polls := 0
	for {
		w.st.Progress.Stage = StageReports
		deadline := w.st.SendDoneAt.Add(w.in.ReportDeadline)
		giveUp := w.st.Cancelled || !workflow.Now(ctx).Before(deadline)
		var r CollectReportsResult
		if err := workflow.ExecuteActivity(rctx, ActivityCollectReports, CollectReportsInput{
			AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, FirstID: w.st.FirstID, LastID: w.st.LastID, GiveUp: giveUp,
		}).Get(ctx, &r); err != nil {
			return false, err
		}
		w.applyReports(workflow.Now(ctx), r)
		if giveUp || r.Awaiting == 0 {
			return false, nil
		}
		polls++
		if w.pausePolling(ctx, polls, &interval, deadline) {
			return true, nil
		}
	}
}

func (w *campaignWorkflow) setStatus(ctx workflow.Context, status string) error {
	return workflow.ExecuteActivity(shortOptions(ctx), ActivitySetStatus,
		SetStatusInput{AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, Status: status}).Get(ctx, nil)
}

// finish aggregates the counts with SQL into the campaign row.
func (w *campaignWorkflow) finish(ctx workflow.Context, status string) (FinalizeResult, error) {
	var res FinalizeResult
	if err := workflow.ExecuteActivity(shortOptions(ctx), ActivityFinalize,
		FinalizeInput{AccountID: w.in.AccountID, CampaignID: w.in.CampaignID, Status: status}).Get(ctx, &res); err != nil {
		return res, err
	}
	w.st.Progress.Counts = res.Counts
	if w.st.Pipelined && res.Reported != nil {
		// A first run's progress covers the whole campaign, so its relays'
		// delivered and failed counts are what the rows hold: counted report
		// by report they miss what a poll wrote and never answered (its worker
		// died), since its reports are not read again.
		reported := map[int64]RelayCounts{}
		for _, r := range res.Reported {
			reported[r.RelayID] = r
		}
		for i := range w.st.Progress.Relays {
			r := &w.st.Progress.Relays[i]
			r.Delivered, r.Failed = reported[r.RelayID].Delivered, reported[r.RelayID].Failed
		}
	}
	w.st.Progress.Stage = status
	w.st.Progress.ETASeconds = 0
	w.st.Progress.UpdatedAt = workflow.Now(ctx)
	return res, nil
}

// fail records a campaign that cannot go on, then fails the workflow with err.
func (w *campaignWorkflow) fail(ctx workflow.Context, err error) (FinalizeResult, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	res, ferr := w.finish(dctx, "failed")
	if ferr != nil {
		return res, errors.Join(err, ferr)
	}
	return res, err
}

// continueAsNew carries the state (signals received meanwhile included, in their
// order of arrival) into a fresh run, so history stays bounded whatever the campaign's size.
func (w *campaignWorkflow) continueAsNew(ctx workflow.Context) error {
	for {
		var m CampaignControl
		if !w.controlCh.ReceiveAsync(&m) {
			break
		}
		w.control(m.Action, nil)
	}
	for w.pauseCh.ReceiveAsync(nil) {
		w.st.Paused = true
	}
	for w.resumeCh.ReceiveAsync(nil) {
		w.st.Paused = false
	}
	for w.cancelCh.ReceiveAsync(nil) {
		w.st.Cancelled = true
	}
	next := w.in
	st := w.st
	next.State = &st
	return workflow.NewContinueAsNewError(ctx, Campaign, next)
}

// pollsPerRun is how many report polls a run makes before it continues as new.
func (w *campaignWorkflow) pollsPerRun() int {
	if w.in.MaxReportPollsPerRun > 0 {
		return w.in.MaxReportPollsPerRun
	}
	return reportPollsPerRun
}
