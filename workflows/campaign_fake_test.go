package workflows

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/sendingo/sendingo/tz"
)

var _ CampaignActivities = (*fakeCampaign)(nil)

// Message statuses of the fake campaign (the store's words).
const (
	msgPending   = "pending"
	msgSent      = "sent" // accepted by a relay, awaiting its report
	msgDelivered = "delivered"
	msgFailed    = "failed"
	msgUnknown   = "unknown"
)

// fakeCampaign is an in-memory campaign behind fake CampaignActivities: its
// messages with their statuses, and what each activity was asked and when (on
// the workflow clock). A chunk takes chunkTime(in) of workflow time, so the
// window, pauses and quiet hours can be observed on the clock.
type fakeCampaign struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment // the current run's; stamps the records

	// Set up by the test before the run.
	start       StartCampaignResult
	msgs        map[int64]*fakeMessage
	chunkTimes  []time.Duration                    // every value chunkTime may answer
	chunkTime   func(SendChunkInput) time.Duration // default: chunkTimes[0]
	prepareTime time.Duration                      // how long PrepareAudience takes
	relayOf     func(id int64) int64               // the relay a message goes through (default 1)
	fallback    func(id int64) bool                // sent on its fallback channel
	rejects     func(id int64) bool                // refused by the relay at send time
	reportFails func(id int64) bool                // its delivery report says failed
	reportAfter map[int64]int                      // relay → polls before its reports arrive (default 1; <0 never)
	pollLimit   int                                // results one poll applies at most, answering More past it (0: all)
	// reportsWhileSending: polls while sending find the reports that are
	// ready (false: none is ready until the send is over, so those polls
	// change nothing and are not counted in polls).
	reportsWhileSending bool
	// loseBesidePolls: that many polls beside the chunks apply what they read
	// and then fail, as when their worker dies before answering.
	loseBesidePolls int
	failChunk       func(SendChunkInput, int32) error
	// partialFail makes an attempt hand its first n pending messages to their
	// relays and then fail with err (n ≤ 0 or a nil err: no failure).
	partialFail func(SendChunkInput, int32) (n int, err error)
	blockChunk  func(SendChunkInput) bool // in flight until the workflow cancels it
	// nightConsent says whose customer consents to advertising at night (nil: nobody).
	nightConsent func(id int64) bool
	// onChunkStarted runs on the workflow's side as a chunk starts (to signal).
	onChunkStarted func(c *fakeChunk, started int)
	blockPoll      func(CollectReportsInput) bool              // a report poll in flight until the workflow cancels it
	failPoll       func(CollectReportsInput, int32) error      // a report poll attempt that fails
	onPollStarted  func(in CollectReportsInput, attempt int32) // runs on the workflow's side as a poll attempt starts
	// register, when set, registers more workflows and activities on the
	// environment (before the mocks, as the test suite requires).
	register func(env *testsuite.TestWorkflowEnvironment)

	mu       sync.Mutex
	starts   []StartCampaignInput
	prepares []PrepareAudienceInput
	// preparedThrough is the last message id a batch of the pipelined prepare
	// has stored (0: not pipelined, or nothing yet).
	preparedThrough int64
	chunks          []*fakeChunk          // attempts, in the order they started
	attempts        map[string]*fakeChunk // the latest attempt of each activity
	inflight        int
	maxInflight     int
	polls           []fakePoll
	statuses        []string // SetCampaignStatus, in order
	finalized       []string // FinalizeCampaign statuses, in order
	quiet           []NotifyQuietHoursInput
	zones           []string // the zone names ResolveZone was asked for
	blocked         sync.WaitGroup
	pollBlocks      map[string]chan struct{} // blocking polls by activity ID, closed on their cancel
	pollCancels     int                      // blocking polls that saw their cancel
}

type fakeMessage struct {
	status   string
	relay    int64
	fallback bool
	rejected bool      // failed at send time (not by a report)
	sends    int       // times handed to a relay, over all runs
	sentAt   time.Time // when it was last handed to a relay (workflow clock)
	runs     []int
	polls    int // report polls since it was sent
}

// fakeChunk is one attempt of a SendChunk activity.
type fakeChunk struct {
	in         SendChunkInput
	activityID string
	attempt    int32
	started    time.Time
	finished   time.Time // zero while in flight or when cancelled
	cancelled  bool      // the workflow cancelled it
	sawCancel  bool      // the activity saw the cancellation and stopped
	err        error
	sent       []int64       // the messages this attempt handed to a relay
	release    chan struct{} // closed when a blocking chunk is cancelled
}

type fakePoll struct {
	in  CollectReportsInput
	at  time.Time
	out CollectReportsResult // what it answered
}

// newFakeCampaign is a campaign of n pending messages with ids first..first+n-1
// whose chunks take 10 s each.
func newFakeCampaign(t *testing.T, first int64, n int) *fakeCampaign {
	f := &fakeCampaign{t: t, msgs: map[int64]*fakeMessage{}, attempts: map[string]*fakeChunk{},
		chunkTimes: []time.Duration{10 * time.Second}}
	for id := first; id < first+int64(n); id++ {
		f.msgs[id] = &fakeMessage{status: msgPending}
	}
	return f
}

// newEnv is a test environment for one run of the Campaign workflow over f,
// starting at start (zero: now), with the fake activities registered by name.
func (f *fakeCampaign) newEnv(start time.Time) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	if !start.IsZero() {
		env.SetStartTime(start)
	}
	f.env = env
	env.RegisterWorkflow(Campaign)
	env.RegisterActivityWithOptions(f.StartCampaign, activity.RegisterOptions{Name: ActivityStartCampaign})
	env.RegisterActivityWithOptions(f.PrepareAudience, activity.RegisterOptions{Name: ActivityPrepareAudience})
	env.RegisterActivityWithOptions(f.SendChunk, activity.RegisterOptions{Name: ActivitySendChunk})
	env.RegisterActivityWithOptions(f.CollectReports, activity.RegisterOptions{Name: ActivityCollectReports})
	env.RegisterActivityWithOptions(f.FinalizeCampaign, activity.RegisterOptions{Name: ActivityFinalize})
	env.RegisterActivityWithOptions(f.SetCampaignStatus, activity.RegisterOptions{Name: ActivitySetStatus})
	env.RegisterActivityWithOptions(f.NotifyQuietHours, activity.RegisterOptions{Name: ActivityNotifyQuietHours})
	env.RegisterActivityWithOptions(f.ResolveZone, activity.RegisterOptions{Name: ActivityResolveZone})
	if f.register != nil {
		f.register(env)
	}

	// Mocks that only delay the fake on the workflow clock (After), one per
	// chunk duration; the fake itself still does the work.
	chunkTime := f.chunkTime
	if chunkTime == nil {
		chunkTime = func(SendChunkInput) time.Duration { return f.chunkTimes[0] }
	}
	durations := slices.Clone(f.chunkTimes)
	if f.blockChunk != nil && !slices.Contains(durations, 0) {
		durations = append(durations, 0)
	}
	for _, d := range durations {
		match := mock.MatchedBy(func(in SendChunkInput) bool {
			if f.blockChunk != nil && f.blockChunk(in) {
				return d == 0
			}
			return chunkTime(in) == d
		})
		call := env.OnActivity(ActivitySendChunk, mock.Anything, match)
		if d > 0 {
			call = call.After(d)
		}
		call.Return(f.SendChunk)
	}
	if f.prepareTime > 0 {
		env.OnActivity(ActivityPrepareAudience, mock.Anything, mock.Anything).After(f.prepareTime).Return(f.PrepareAudience)
	}
	env.SetOnActivityStartedListener(f.activityStarted)
	env.SetOnActivityCanceledListener(f.activityCanceled)
	return env
}

// activityStarted runs on the workflow's side, at the workflow time a chunk
// attempt starts.
func (f *fakeCampaign) activityStarted(info *activity.Info, _ context.Context, args converter.EncodedValues) {
	if info.ActivityType.Name == ActivityCollectReports {
		f.pollStarted(info, args)
		return
	}
	if info.ActivityType.Name != ActivitySendChunk {
		return
	}
	var in SendChunkInput
	if err := args.Get(&in); err != nil {
		f.t.Errorf("decode chunk input: %v", err)
		return
	}
	f.mu.Lock()
	if f.preparedThrough > 0 && in.ToID > f.preparedThrough {
		f.t.Errorf("chunk %d-%d started past the last message prepared, %d", in.FromID, in.ToID, f.preparedThrough)
	}
	c := &fakeChunk{in: in, activityID: info.ActivityID, attempt: info.Attempt, started: f.env.Now()}
	if f.blockChunk != nil && f.blockChunk(in) {
		c.release = make(chan struct{})
		f.blocked.Add(1)
	}
	f.chunks = append(f.chunks, c)
	f.attempts[info.ActivityID] = c
	f.inflight++
	f.maxInflight = max(f.maxInflight, f.inflight)
	n := len(f.chunks)
	hook := f.onChunkStarted
	f.mu.Unlock()
	if hook != nil {
		hook(c, n)
	}
}

// activityCanceled runs when the workflow cancels an activity. The test
// environment tells a running activity of a cancel only through a heartbeat
// answer (every 8 s of wall time at SendChunk's heartbeat timeout), so this
// stands in for it: a blocking chunk stops as its context would end.
func (f *fakeCampaign) activityCanceled(info *activity.Info) {
	if info.ActivityType.Name == ActivityCollectReports {
		f.mu.Lock()
		defer f.mu.Unlock()
		if ch := f.pollBlocks[info.ActivityID]; ch != nil {
			select {
			case <-ch: // cancelled before
			default:
				close(ch) // kept: the activity may look it up only now
			}
		}
		return
	}
	if info.ActivityType.Name != ActivitySendChunk {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.attempts[info.ActivityID]
	if c == nil || !c.finished.IsZero() {
		return // cancelled before it started, or already done
	}
	c.cancelled = true
	f.inflight--
	if c.release != nil {
		close(c.release)
	}
}

func (f *fakeCampaign) StartCampaign(_ context.Context, in StartCampaignInput) (StartCampaignResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, in)
	return f.start, nil
}

func (f *fakeCampaign) PrepareAudience(_ context.Context, in PrepareAudienceInput) (PrepareAudienceResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.prepares = append(f.prepares, in)
	var out PrepareAudienceResult
	if in.Batch > 0 {
		// A batch of the pipelined prepare: customer ids are message ids here.
		ids := make([]int64, 0, len(f.msgs))
		for id := range f.msgs {
			if id > in.After {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
		out.FirstID, out.LastID, out.Total = in.FirstID, in.LastID, in.Total
		for _, id := range ids[:min(in.Batch, len(ids))] {
			if out.FirstID == 0 {
				out.FirstID = id
			}
			out.LastID = max(out.LastID, id)
			out.Total++
			out.Next = id
		}
		if len(ids) <= in.Batch {
			out.Next = 0
		}
		out.Pending = out.Total
		f.preparedThrough = out.LastID
		return out, nil
	}
	for id, m := range f.msgs {
		if out.Total == 0 || id < out.FirstID {
			out.FirstID = id
		}
		out.LastID = max(out.LastID, id)
		out.Total++
		if m.status == msgPending {
			out.Pending++
			if f.start.Ad && f.nightConsent != nil && f.nightConsent(id) {
				out.NightConsent++
			}
		}
	}
	return out, nil
}

// SendChunk hands the chunk's pending messages to their relays, counting like
// the real chunk: by status and by relay (relays in the order met, not sorted).
func (f *fakeCampaign) SendChunk(ctx context.Context, in SendChunkInput) (SendChunkResult, error) {
	f.mu.Lock()
	c := f.attempts[activity.GetInfo(ctx).ActivityID]
	f.mu.Unlock()
	if c.release != nil {
		defer f.blocked.Done()
		select {
		case <-ctx.Done():
		case <-c.release:
		}
		f.mu.Lock()
		c.sawCancel = true
		f.mu.Unlock()
		return SendChunkResult{}, temporal.NewCanceledError()
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if c.cancelled { // cancelled while its time ran: it sends nothing
		c.sawCancel = true
		return SendChunkResult{}, temporal.NewCanceledError()
	}
	f.inflight--
	c.finished = f.env.Now()
	if f.failChunk != nil {
		if err := f.failChunk(in, c.attempt); err != nil {
			c.err = err
			return SendChunkResult{}, err
		}
	}
	var out SendChunkResult
	relays := map[int64]*RelayCounts{}
	var order []int64
	stopAfter, partialErr := 0, error(nil)
	if f.partialFail != nil {
		stopAfter, partialErr = f.partialFail(in, c.attempt)
	}
	for mid := in.FromID; mid <= in.ToID; mid++ {
		m := f.msgs[mid]
		if m == nil || m.status != msgPending {
			continue
		}
		if in.NightOnly && (f.nightConsent == nil || !f.nightConsent(mid)) {
			continue // stays pending for the morning
		}
		if partialErr != nil && len(c.sent) == stopAfter {
			c.err = partialErr
			return SendChunkResult{}, partialErr // what it sent stays sent
		}
		c.sent = append(c.sent, mid)
		m.sentAt = f.env.Now()
		m.relay = 1
		if f.relayOf != nil {
			m.relay = f.relayOf(mid)
		}
		rc := relays[m.relay]
		if rc == nil {
			rc = &RelayCounts{RelayID: m.relay}
			relays[m.relay] = rc
			order = append(order, m.relay)
		}
		m.sends++
		m.runs = append(m.runs, in.Run)
		m.polls = 0
		m.fallback = f.fallback != nil && f.fallback(mid)
		m.rejected = f.rejects != nil && f.rejects(mid)
		if m.rejected {
			m.status = msgFailed
			out.Failed++
			rc.Failed++
		} else {
			m.status = msgSent
			out.Sent++
			rc.Sent++
		}
		if m.fallback {
			out.Fallback++
			rc.Fallback++
		}
	}
	for _, r := range order {
		out.Relays = append(out.Relays, *relays[r])
	}
	if in.Run == 1 {
		// Like the real chunk, a first run counts what its range holds, so that
		// messages an earlier, failed attempt sent are counted too.
		out = f.rangeResultLocked(in)
	}
	return out, nil
}

// pollStarted runs on the workflow's side as a poll attempt starts: a poll
// blockPoll holds gets the channel its cancel closes.
func (f *fakeCampaign) pollStarted(info *activity.Info, args converter.EncodedValues) {
	var in CollectReportsInput
	if err := args.Get(&in); err != nil {
		f.t.Errorf("decode poll input: %v", err)
		return
	}
	f.mu.Lock()
	if f.blockPoll != nil && f.blockPoll(in) {
		if f.pollBlocks == nil {
			f.pollBlocks = map[string]chan struct{}{}
		}
		f.pollBlocks[info.ActivityID] = make(chan struct{})
		f.blocked.Add(1)
	}
	hook := f.onPollStarted
	f.mu.Unlock()
	if hook != nil {
		hook(in, info.Attempt)
	}
}

// rangeResultLocked counts the messages of the chunk's range that a relay has
// handled, by status and relay (relays in the order met).
func (f *fakeCampaign) rangeResultLocked(in SendChunkInput) SendChunkResult {
	var out SendChunkResult
	relays := map[int64]*RelayCounts{}
	var order []int64
	for mid := in.FromID; mid <= in.ToID; mid++ {
		m := f.msgs[mid]
		if m == nil || m.sends == 0 {
			continue
		}
		rc := relays[m.relay]
		if rc == nil {
			rc = &RelayCounts{RelayID: m.relay}
			relays[m.relay] = rc
			order = append(order, m.relay)
		}
		switch m.status {
		case msgFailed:
			out.Failed++
			rc.Failed++
		case msgSent:
			out.Sent++
			rc.Sent++
		}
		if m.fallback {
			out.Fallback++
			rc.Fallback++
		}
	}
	for _, r := range order {
		out.Relays = append(out.Relays, *relays[r])
	}
	return out
}

// CollectReports polls once: a message's report arrives on the
// reportAfter[relay]-th poll after it was sent.
func (f *fakeCampaign) CollectReports(ctx context.Context, in CollectReportsInput) (CollectReportsResult, error) {
	info := activity.GetInfo(ctx)
	f.mu.Lock()
	release := f.pollBlocks[info.ActivityID]
	f.mu.Unlock()
	if release != nil {
		defer f.blocked.Done()
		select {
		case <-ctx.Done():
		case <-release:
		}
		f.mu.Lock()
		f.pollCancels++
		f.mu.Unlock()
		return CollectReportsResult{}, temporal.NewCanceledError()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(in.Counted) > 0 && !f.reportsWhileSending {
		return CollectReportsResult{}, nil
	}
	f.polls = append(f.polls, fakePoll{in: in, at: f.env.Now()})
	if f.failPoll != nil {
		if err := f.failPoll(in, info.Attempt); err != nil {
			return CollectReportsResult{}, err
		}
	}
	var out CollectReportsResult
	relays := map[int64]*RelayCounts{}
	var order []int64
	for id := in.FirstID; id <= in.LastID; id++ {
		m := f.msgs[id]
		if m == nil || m.status != msgSent || len(in.Counted) > 0 && !inRanges(in.Counted, id) {
			continue // a poll beside the chunks reads only the chunks counted
		}
		if in.GiveUp {
			m.status = msgUnknown
			out.Unknown++
			continue
		}
		m.polls++
		after, ok := f.reportAfter[m.relay]
		if !ok {
			after = 1
		}
		if after < 0 || m.polls < after {
			out.Awaiting++
			continue
		}
		if f.pollLimit > 0 && out.Delivered+out.Failed == int64(f.pollLimit) {
			// Ready, but past what one poll reads: the next poll's.
			m.polls--
			out.Awaiting++
			out.More = true
			continue
		}
		rc := relays[m.relay]
		if rc == nil {
			rc = &RelayCounts{RelayID: m.relay}
			relays[m.relay] = rc
			order = append(order, m.relay)
		}
		if f.reportFails != nil && f.reportFails(id) {
			m.status = msgFailed
			out.Failed++
			rc.Failed++
		} else {
			m.status = msgDelivered
			out.Delivered++
			rc.Delivered++
		}
	}
	for _, r := range order {
		out.Relays = append(out.Relays, *relays[r])
	}
	if len(in.Counted) > 0 && f.loseBesidePolls > 0 {
		f.loseBesidePolls--
		return CollectReportsResult{}, errors.New("the worker died before answering")
	}
	if len(in.Counted) > 0 {
		// Changes only: what still awaits is the polls' after the send to find.
		out.Awaiting = 0
		f.polls[len(f.polls)-1].out = out
		return out, nil
	}
	// What still awaits a report, per relay in id order, and the lowest id.
	out.AwaitFrom = in.LastID + 1
	for id := in.FirstID; id <= in.LastID; id++ {
		m := f.msgs[id]
		if m == nil || m.status != msgSent {
			continue
		}
		out.AwaitFrom = min(out.AwaitFrom, id)
		i := slices.IndexFunc(out.Awaited, func(a AwaitedRelay) bool { return a.RelayID == m.relay })
		if i < 0 {
			out.Awaited = append(out.Awaited, AwaitedRelay{RelayID: m.relay})
			i = len(out.Awaited) - 1
		}
		out.Awaited[i].Awaiting++
	}
	f.polls[len(f.polls)-1].out = out
	return out, nil
}

func (f *fakeCampaign) FinalizeCampaign(_ context.Context, in FinalizeInput) (FinalizeResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.finalized = append(f.finalized, in.Status)
	res := FinalizeResult{Counts: f.countsLocked()}
	byRelay := map[int64]int{}
	for _, id := range slices.Sorted(maps.Keys(f.msgs)) {
		m := f.msgs[id]
		if m.sends == 0 || m.status != msgDelivered && m.status != msgFailed {
			continue
		}
		i, ok := byRelay[m.relay]
		if !ok {
			i = len(res.Reported)
			byRelay[m.relay] = i
			res.Reported = append(res.Reported, RelayCounts{RelayID: m.relay})
		}
		if m.status == msgDelivered {
			res.Reported[i].Delivered++
		} else {
			res.Reported[i].Failed++
		}
	}
	return res, nil
}

// ResolveZone is the real activity's work (activities.ResolveZone).
func (f *fakeCampaign) ResolveZone(_ context.Context, in ResolveZoneInput) (Zone, error) {
	f.mu.Lock()
	f.zones = append(f.zones, in.Name)
	f.mu.Unlock()
	return ZoneOf(tz.Location(in.Name), in.From, ZoneHorizon), nil
}

func (f *fakeCampaign) NotifyQuietHours(_ context.Context, in NotifyQuietHoursInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.quiet = append(f.quiet, in)
	return nil
}

func (f *fakeCampaign) quietNotices() []NotifyQuietHoursInput {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]NotifyQuietHoursInput(nil), f.quiet...)
}

func (f *fakeCampaign) SetCampaignStatus(_ context.Context, in SetStatusInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = append(f.statuses, in.Status)
	return nil
}

// counts aggregates the messages as FinalizeCampaign's SQL does.
func (f *fakeCampaign) counts() Counts {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.countsLocked()
}

func (f *fakeCampaign) countsLocked() Counts {
	var c Counts
	for _, m := range f.msgs {
		c.Total++
		switch m.status {
		case msgPending:
			c.Pending++
		case msgSent:
			c.Sent++
		case msgDelivered:
			c.Delivered++
		case msgFailed:
			c.Failed++
		case msgUnknown:
			c.Unknown++
		}
		if m.fallback {
			c.Fallback++
		}
	}
	return c
}

// relayCounts is each relay's share as the workflow should aggregate it: Sent
// counts what the relay accepted, Failed what it refused or reported failed.
func (f *fakeCampaign) relayCounts() []RelayCounts {
	f.mu.Lock()
	defer f.mu.Unlock()
	byID := map[int64]*RelayCounts{}
	for _, m := range f.msgs {
		if m.sends == 0 {
			continue
		}
		rc := byID[m.relay]
		if rc == nil {
			rc = &RelayCounts{RelayID: m.relay}
			byID[m.relay] = rc
		}
		if m.rejected {
			rc.Failed++
		} else {
			rc.Sent++
		}
		switch {
		case m.status == msgDelivered:
			rc.Delivered++
		case m.status == msgFailed && !m.rejected:
			rc.Failed++
		}
		if m.fallback {
			rc.Fallback++
		}
	}
	var out []RelayCounts
	for _, rc := range byID {
		out = append(out, *rc)
	}
	slices.SortFunc(out, func(a, b RelayCounts) int { return int(a.RelayID - b.RelayID) })
	return out
}

// idRange is the campaign's first and last message id.
func (f *fakeCampaign) idRange() (first, last int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range f.msgs {
		if first == 0 || id < first {
			first = id
		}
		last = max(last, id)
	}
	return first, last
}

// sendsOf answers how many times each message was handed to a relay.
func (f *fakeCampaign) sendsOf() map[int64]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[int64]int{}
	for id, m := range f.msgs {
		out[id] = m.sends
	}
	return out
}

// chunkList is a snapshot of the chunk attempts, in the order they started.
func (f *fakeCampaign) chunkList() []fakeChunk {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]fakeChunk, len(f.chunks))
	for i, c := range f.chunks {
		out[i] = *c
	}
	return out
}

func (f *fakeCampaign) pollList() []fakePoll {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.polls)
}

// waitBlocked waits for the blocking chunks to return after their cancel. They
// return as soon as the cancel reaches them, so there is no time limit of its
// own: a chunk that never returns is reported just before the test's deadline.
func (f *fakeCampaign) waitBlocked() {
	done := make(chan struct{})
	go func() { f.blocked.Wait(); close(done) }()
	var hung <-chan time.Time
	if d, ok := f.t.Deadline(); ok {
		hung = time.After(time.Until(d) * 9 / 10)
	}
	select {
	case <-done:
	case <-hung:
		for _, c := range f.chunkList() {
			f.t.Logf("chunk %+v", c)
		}
		f.t.Fatal("blocked chunks did not stop after their cancel")
	}
}

// completed checks the run ended without error and answers its result.
func completed(t *testing.T, env *testsuite.TestWorkflowEnvironment) FinalizeResult {
	t.Helper()
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var res FinalizeResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	return res
}

// progress queries the workflow's progress. It may run inside a delayed
// callback, so it reports with Errorf.
func progress(t *testing.T, env *testsuite.TestWorkflowEnvironment) CampaignProgress {
	t.Helper()
	var p CampaignProgress
	v, err := env.QueryWorkflow(QueryCampaignProgress)
	if err != nil {
		t.Errorf("query progress: %v", err)
		return p
	}
	if err := v.Get(&p); err != nil {
		t.Errorf("decode progress: %v", err)
	}
	return p
}

// runAll runs the campaign to its end, one fresh environment per run, feeding
// each continue-as-new's input to the next run on a clock that goes on; onRun
// (if set) prepares each run's environment. It answers the last environment,
// the number of runs and the inputs continue-as-new carried.
func (f *fakeCampaign) runAll(t *testing.T, in CampaignInput, start time.Time,
	onRun func(env *testsuite.TestWorkflowEnvironment, run int)) (*testsuite.TestWorkflowEnvironment, int, []CampaignInput) {
	t.Helper()
	var carried []CampaignInput
	for runs := 1; ; runs++ {
		if runs > 50 {
			t.Fatal("the campaign never completed")
		}
		env := f.newEnv(start)
		if onRun != nil {
			onRun(env, runs)
		}
		env.ExecuteWorkflow(Campaign, in)
		if !env.IsWorkflowCompleted() {
			t.Fatalf("run %d did not complete", runs)
		}
		var can *workflow.ContinueAsNewError
		if !errors.As(env.GetWorkflowError(), &can) {
			return env, runs, carried
		}
		if can.WorkflowType == nil || can.WorkflowType.Name != "Campaign" {
			t.Fatalf("run %d continued as %+v", runs, can.WorkflowType)
		}
		in = CampaignInput{}
		if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &in); err != nil {
			t.Fatalf("decode continue-as-new input: %v", err)
		}
		carried = append(carried, in)
		start = env.Now()
	}
}

// inRanges is whether id lies in one of rs.
func inRanges(rs []IDRange, id int64) bool {
	for _, r := range rs {
		if r.From <= id && id <= r.To {
			return true
		}
	}
	return false
}
