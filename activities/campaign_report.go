package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
	"github.com/sendingo/sendingo/workflows"
	"go.temporal.io/sdk/activity"
)

// CollectReports polls the relays the campaign's awaited messages went through,
// once, and applies what they report. With GiveUp, messages still awaiting a
// report become unknown.
func (a *Activities) CollectReports(ctx context.Context, in workflows.CollectReportsInput) (workflows.CollectReportsResult, error) {
	var out workflows.CollectReportsResult
	if in.LastID == 0 {
		return out, nil
	}
	if in.GiveUp {
		unknown, failed, err := a.Store.GiveUpReports(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID, time.Now())
		out.Unknown, out.Failed = unknown, int64(len(failed))
		if err == nil && len(failed) > 0 {
			// Failures count in the statistics (unknown ones do not).
			if rerr := a.Store.RollUp(context.WithoutCancel(ctx), store.BlocksOfIDs(failed)); rerr != nil {
				a.Log.Warn("roll up statistics", "campaign_id", in.CampaignID, "error", rerr)
			}
		}
		return out, err
	}
	relays, err := a.Store.Relays(ctx, in.AccountID, "", false)
	if err != nil {
		return out, err
	}
	byID := map[int64]store.Relay{}
	for _, r := range relays {
		byID[r.ID] = r
	}
	if len(in.Counted) > 0 {
		awaited, err := a.streamRelays(ctx, in, relays)
		if err != nil {
			return out, err
		}
		perRelay, err := a.pollRelays(ctx, in, awaited, byID, &out)
		out.Relays = relayCounts(perRelay)
		return out, err
	}
	// Messages below from all have their results (the previous poll found
	// none awaiting there, and a result is never taken back), so the range is
	// read from there on; the previous poll's answer also says which relays
	// to ask.
	from := max(in.FirstID, in.AwaitFrom)
	awaited := storeAwaited(in.Awaited)
	if len(awaited) == 0 {
		if awaited, err = a.Store.AwaitedRelays(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID); err != nil {
			return out, err
		}
		from = firstAwaited(awaited, in.LastID)
	}
	perRelay, err := a.pollRelays(ctx, in, awaited, byID, &out)
	if err != nil {
		return out, err
	}
	out.Relays = relayCounts(perRelay)
	// What still awaits: first the lowest id that does, read from where the
	// last poll left off over the messages settled since (reports come in
	// roughly in id order, so that is about what this poll settled).
	mark, err := a.Store.FirstAwaited(ctx, keyOf(in.AccountID, in.CampaignID), from, in.LastID)
	if err != nil {
		return out, err
	}
	switch {
	case mark == 0:
		out.AwaitFrom = in.LastID + 1 // nothing: the campaign's reports are in
	case out.More:
		// The workflow polls again at once, and that poll counts again: the
		// relays polled stay, their counts less what this poll settled (at
		// least 1 each: an estimate), instead of reading every message still
		// awaiting (most of the campaign, early on) to count them.
		out.AwaitFrom = mark
		for _, aw := range awaited {
			if rc, ok := perRelay[aw.RelayID]; ok {
				aw.Awaiting -= rc.Delivered + rc.Failed
			}
			aw.Awaiting = max(aw.Awaiting, 1)
			out.Awaiting += aw.Awaiting
			out.Awaited = append(out.Awaited, workflowsAwaited(aw))
		}
	default:
		after, err := a.Store.AwaitedRelays(ctx, keyOf(in.AccountID, in.CampaignID), mark, in.LastID)
		if err != nil {
			return out, err
		}
		if owed(after) > 0 {
			// Owed their fallback and not sent it: a poll's worker died
			// between the report and the fallback, or no relay took it then.
			stop := heartbeatEvery(ctx, 5*time.Second, nil)
			after, err = a.sendLeftOwed(ctx, in, mark, perRelay, &out)
			stop()
			if err != nil {
				return out, err
			}
			out.Relays = relayCounts(perRelay)
		}
		for _, aw := range after {
			out.Awaiting += aw.Awaiting
			out.Awaited = append(out.Awaited, workflowsAwaited(aw))
		}
		out.AwaitFrom = firstAwaited(after, in.LastID)
	}
	return out, nil
}

// streamRelays are the relays a poll while sending reads: the campaign's
// (its routing's, or every enabled relay when it names none) that keep a
// report stream. Unlike the send's candidates, a routed relay disabled since
// is still read: it holds reports of what it took. A relay asked about the
// campaign's own messages (Aligo) is left to the polls after the send, which
// know what awaits it.
func (a *Activities) streamRelays(ctx context.Context, in workflows.CollectReportsInput, relays []store.Relay) ([]store.AwaitedRelay, error) {
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return nil, classify(err)
	}
	routed := map[int64]bool{}
	for _, rr := range c.Routing.Relays {
		routed[rr.RelayID] = true
	}
	var out []store.AwaitedRelay
	for _, r := range relays {
		if kind, ok := relay.KindOf(r.Kind); !ok || !kind.Idempotent {
			continue
		}
		if len(routed) > 0 && !routed[r.ID] || len(routed) == 0 && !r.Enabled {
			continue
		}
		out = append(out, store.AwaitedRelay{RelayID: r.ID})
	}
	return out, nil
}

// storeRanges is the store's form of id ranges.
func storeRanges(rs []workflows.IDRange) []store.IDRange {
	out := make([]store.IDRange, len(rs))
	for i, r := range rs {
		out[i] = store.IDRange{From: r.From, To: r.To}
	}
	return out
}

// relayCounts lists a poll's changes per relay, by relay id.
func relayCounts(perRelay map[int64]*workflows.RelayCounts) []workflows.RelayCounts {
	out := make([]workflows.RelayCounts, 0, len(perRelay))
	for _, rc := range perRelay {
		out = append(out, *rc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RelayID < out[j].RelayID })
	return out
}

// pollRelays polls the awaited relays side by side (each holds its own
// cursor), adds what they changed to out (and whether one has more ready),
// rolls up the statistics of what changed, and answers the changes per relay.
func (a *Activities) pollRelays(ctx context.Context, in workflows.CollectReportsInput, awaited []store.AwaitedRelay,
	byID map[int64]store.Relay, out *workflows.CollectReportsResult) (map[int64]*workflows.RelayCounts, error) {
	perRelay := map[int64]*workflows.RelayCounts{}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		pollErr error
		touched []int64 // message ids whose statistics changed, every relay's
		owed    []int64 // message ids the reports left owed their fallback
	)
	for _, aw := range awaited {
		r, ok := byID[aw.RelayID]
		if !ok {
			continue
		}
		sender, err := relay.New(r.Kind, []byte(r.Config), a.RelayOptions)
		if err != nil {
			wg.Wait()
			return perRelay, err
		}
		fetcher, ok := sender.(relay.ReportFetcher)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := a.pollRelay(ctx, in, r, aw, fetcher)
			changed := res.changed
			var unreadable *unreadableReportsError
			if errors.As(err, &unreadable) {
				// Asking again will not help: what awaits this relay's report is
				// unknown now, instead of keeping the campaign open until the deadline.
				a.Log.Warn("relay reports unreadable; its messages become unknown", "campaign_id", in.CampaignID,
					"relay_id", r.ID, "code", unreadable.code, "error", err)
				n, gerr := a.Store.GiveUpRelayReports(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID, r.ID,
					"no_report", unreadable.reason(), time.Now())
				changed[store.MessageUnknown] += n
				err = gerr
			}
			mu.Lock()
			defer mu.Unlock()
			touched = append(touched, res.touched...)
			owed = append(owed, res.owed...)
			if err != nil {
				pollErr = errors.Join(pollErr, err)
				return
			}
			out.More = out.More || res.readyMore()
			out.Unknown += changed[store.MessageUnknown]
			out.Delivered += changed[store.MessageDelivered]
			out.Failed += changed[store.MessageFailed]
			perRelay[r.ID] = &workflows.RelayCounts{RelayID: r.ID, Delivered: changed[store.MessageDelivered], Failed: changed[store.MessageFailed]}
		}()
	}
	stop := heartbeatEvery(ctx, 5*time.Second, nil)
	wg.Wait()
	// The AlimTalks these reports left owed their fallback are sent it now.
	if len(owed) > 0 {
		load := func() ([]store.ChunkMessage, error) {
			return a.Store.OwedMessages(ctx, keyOf(in.AccountID, in.CampaignID), owed)
		}
		if _, err := a.sendOwedFallbacks(ctx, in, load, perRelay, out); err != nil {
			pollErr = errors.Join(pollErr, err)
		}
	}
	// The statistics of what changed, once for all relays (their reports
	// interleave over the same blocks), even when a poll failed half way.
	if err := a.Store.RollUp(context.WithoutCancel(ctx), store.BlocksOfIDs(touched)); err != nil {
		a.Log.Warn("roll up statistics", "campaign_id", in.CampaignID, "error", err)
	}
	stop()
	return perRelay, pollErr
}

// workflowsAwaited is the workflow's form of a relay's awaited messages.
func workflowsAwaited(aw store.AwaitedRelay) workflows.AwaitedRelay {
	return workflows.AwaitedRelay{RelayID: aw.RelayID, Awaiting: aw.Awaiting, FirstSentAt: aw.FirstSentAt}
}

// storeAwaited is the store's form of what a previous poll left awaiting
// (without each relay's lowest id: the poll goes on from its AwaitFrom).
func storeAwaited(aws []workflows.AwaitedRelay) []store.AwaitedRelay {
	out := make([]store.AwaitedRelay, len(aws))
	for i, aw := range aws {
		out[i] = store.AwaitedRelay{RelayID: aw.RelayID, Awaiting: aw.Awaiting, FirstSentAt: aw.FirstSentAt}
	}
	return out
}

// firstAwaited is the lowest message id still awaiting a report among aws, or
// last+1 when none does.
func firstAwaited(aws []store.AwaitedRelay, last int64) int64 {
	first := last + 1
	for _, aw := range aws {
		first = min(first, aw.FirstID)
	}
	return first
}

// relayPoll is what one relay's poll found: the changes by status of the
// campaign's messages, how many messages of the account's other campaigns it
// changed (a relay's report stream carries every campaign's reports), the
// message ids whose statistics changed, and whether the relay said it has more
// reports ready than the poll read.
type relayPoll struct {
	changed map[string]int64
	others  int64
	touched []int64
	owed    []int64 // messages its reports left owed their fallback (of any campaign)
	more    bool
}

// readyMore is whether the workflow should poll again at once: the relay said
// it has more ready and this poll changed messages. A relay endpoint that keeps
// saying "more" while its reports match nothing (a tenant's broken or hostile
// report feed) gets the growing pauses, not a worker polling it back to back.
func (p relayPoll) readyMore() bool {
	if !p.more {
		return false
	}
	if p.others > 0 {
		return true
	}
	for _, n := range p.changed {
		if n > 0 {
			return true
		}
	}
	return false
}

// pollRelay reads one relay's reports. Relays with a report stream (generic,
// simulator) are read from the relay's shared cursor and reports are matched by
// message id across campaigns; Aligo is asked about the campaign's request ids and
// matched by recipient. What it applied is in the answer even with an error.
func (a *Activities) pollRelay(ctx context.Context, in workflows.CollectReportsInput, r store.Relay, aw store.AwaitedRelay,
	f relay.ReportFetcher) (relayPoll, error) {
	res := relayPoll{changed: map[string]int64{}}
	merge := func(m map[string]int64) {
		for k, v := range m {
			res.changed[k] += v
		}
	}
	// mergeAll adds what a page changed of the campaign's (own) and of every
	// message (all).
	mergeAll := func(own, all map[string]int64) {
		merge(own)
		for k, v := range all {
			res.others += v - own[k]
		}
	}
	size, pages := cmp.Or(a.ReportPageSize, reportPageLimit), cmp.Or(a.ReportPages, reportPagesPerPoll)
	kind, _ := relay.KindOf(r.Kind)
	if kind.Idempotent {
		// No lock or transaction is held while the relay is asked: the cursor is
		// read, the page fetched and applied (idempotently), and only then is the
		// cursor moved on, with a compare-and-set. A poller that finds the cursor
		// moved by another stops: that one is ahead.
		cursor, err := a.Store.ReportCursor(ctx, r.AccountID, r.ID)
		if err != nil {
			return res, err
		}
		fctx, cancel := context.WithCancel(ctx)
		defer cancel() // a page asked for ahead and no longer wanted
		type fetched struct {
			page relay.ReportPage
			err  error
		}
		fetch := func(cursor string) <-chan fetched {
			ch := make(chan fetched, 1)
			go func() {
				p, err := f.Reports(fctx, relay.ReportQuery{Cursor: cursor, Limit: size})
				ch <- fetched{p, err}
			}()
			return ch
		}
		// Pages are applied reportApplyDepth at a time (each its own
		// transaction; a report names its message once, so they write other
		// rows), and the cursor moves past a page once it and every page
		// before it are applied.
		type applied struct {
			next    string
			changed map[string]int64 // the campaign's messages
			all     map[string]int64 // every message (the account's other campaigns' too)
			// held: the page names messages of the campaign whose chunks are
			// not counted yet (a poll beside the chunks); the cursor stays
			// before it, and a later poll reads it again.
			held bool
			owed []int64 // messages the page left owed their fallback (markOwed)
			err  error
		}
		var inflight []chan applied
		settle := func() (stop bool, err error) {
			done := <-inflight[0]
			inflight = inflight[1:]
			if done.err != nil {
				return true, done.err
			}
			mergeAll(done.changed, done.all)
			res.owed = append(res.owed, done.owed...)
			if done.held {
				return true, nil
			}
			if done.next != "" && done.next != cursor {
				moved, err := a.Store.AdvanceReportCursor(ctx, r.AccountID, r.ID, cursor, done.next)
				if err != nil || !moved {
					return true, err // moved by another poller: that one is ahead
				}
				cursor = done.next
			}
			return false, nil
		}
		// finish waits for the pages still being applied; what they changed
		// is counted even when the poll stops (the rows did change).
		finish := func(err error) (relayPoll, error) {
			for len(inflight) > 0 {
				done := <-inflight[0]
				inflight = inflight[1:]
				if done.err == nil {
					mergeAll(done.changed, done.all)
					res.owed = append(res.owed, done.owed...)
				} else if err == nil {
					err = done.err
				}
			}
			return res, err
		}
		from := cursor // where the next page is asked from
		next := fetch(from)
		more := false // the last page read said more are ready
		for page := 0; page < pages; page++ {
			got := <-next
			if got.err != nil {
				return finish(reportsError(r.ID, got.err))
			}
			p := got.page
			more = p.More
			if p.More && page+1 < pages {
				// The next page is asked for while this one is applied: reading
				// the stream moves nothing (the cursor moves once a page is
				// applied), so the relay's answer and the database's writes
				// overlap instead of taking turns.
				from = cmp.Or(p.Next, from)
				next = fetch(from)
			}
			results := make([]store.MessageResult, 0, len(p.Reports))
			sent := make([]store.SentReport, 0, len(p.Reports))
			for _, rep := range p.Reports {
				if mr, ok := reportResult(rep, r.ID); ok {
					results = append(results, mr)
					sent = append(sent, store.SentReport{MessageID: mr.ID, Run: relay.KeyRun(rep.Key)})
					res.touched = append(res.touched, mr.ID)
				}
			}
			ch := make(chan applied, 1)
			go func() {
				k := keyOf(in.AccountID, in.CampaignID)
				results, err := a.dropOutrun(ctx, in.CampaignID, r, results, sent)
				if err != nil {
					ch <- applied{err: err}
					return
				}
				owed, err := a.markOwed(ctx, r.AccountID, results)
				if err != nil {
					ch <- applied{err: err}
					return
				}
				if len(in.Counted) == 0 {
					own, all, err := a.Store.ApplyReports(ctx, k, results, store.MessageSent, store.MessageSending)
					ch <- applied{next: p.Next, changed: own, all: all, owed: owed, err: err}
					return
				}
				own, all, held, err := a.Store.ApplyCountedReports(ctx, k, storeRanges(in.Counted), results)
				ch <- applied{next: p.Next, changed: own, all: all, held: held > 0, owed: owed, err: err}
			}()
			inflight = append(inflight, ch)
			if !p.More {
				break
			}
			if len(inflight) == reportApplyDepth {
				if stop, err := settle(); stop {
					return finish(err)
				}
			}
		}
		for len(inflight) > 0 {
			if stop, err := settle(); stop {
				return finish(err)
			}
		}
		res.more = more // stopped at the page bound with more ready
		return res, nil
	}
	mids, err := a.Store.AwaitedProviderIDs(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID, r.ID)
	if err != nil || len(mids) == 0 {
		return res, err
	}
	p, err := f.Reports(ctx, relay.ReportQuery{ProviderIDs: mids, Since: aw.FirstSentAt.Add(-time.Minute), Limit: size})
	if err != nil {
		return res, reportsError(r.ID, err)
	}
	var byRecipient []store.ReportByRecipient
	for _, rep := range p.Reports {
		mr, ok := reportResult(rep, r.ID)
		if !ok || rep.ProviderID == "" || rep.To == "" {
			continue
		}
		byRecipient = append(byRecipient, store.ReportByRecipient{ProviderID: rep.ProviderID, Recipient: rep.To,
			Status: mr.Status, Code: mr.Code, Reason: mr.Reason, At: mr.ResultAt})
	}
	changed, err := a.Store.ApplyRecipientReports(ctx, keyOf(in.AccountID, in.CampaignID), r.ID, byRecipient)
	merge(changed)
	if changed[store.MessageDelivered]+changed[store.MessageFailed] > 0 {
		res.touched = append(res.touched, in.FirstID, in.LastID)
		for b := in.FirstID / store.StatsBlock; b <= in.LastID/store.StatsBlock; b++ {
			res.touched = append(res.touched, b*store.StatsBlock)
		}
	}
	res.more = p.More && err == nil
	return res, err
}

// unreadableReportsError says a relay's delivery reports cannot be read and
// asking again will not change that: its reports endpoint is missing or it
// refuses the request (4xx), or it refuses our credentials (401, 403).
type unreadableReportsError struct {
	relayID int64
	code    string // relay.CodeAuth or relay.CodeBadRequest
	err     error
}

func (e *unreadableReportsError) Error() string { return e.err.Error() }

func (e *unreadableReportsError) Unwrap() error { return e.err }

// reason is what the messages left without a report say, in our words (not the
// relay's answer).
func (e *unreadableReportsError) reason() string {
	if e.code == relay.CodeAuth {
		return "the relay refused our credentials when asked for delivery reports"
	}
	return "the relay refused the delivery report request (it may have no reports endpoint)"
}

// reportsError wraps a failed report request, marking the ones retrying cannot fix.
func reportsError(relayID int64, err error) error {
	err = fmt.Errorf("reports of relay %d: %w", relayID, err)
	switch code := relay.ErrorCode(err); code {
	case relay.CodeAuth, relay.CodeBadRequest:
		return &unreadableReportsError{relayID: relayID, code: code, err: err}
	}
	return err
}

// reportResult is the final state a delivery report gives a message.
func reportResult(rep relay.Report, relayID int64) (store.MessageResult, bool) {
	at := rep.At
	if at.IsZero() {
		at = time.Now()
	}
	r := store.MessageResult{ID: rep.MessageID, Code: rep.Code, Reason: relay.SanitizeReason(rep.Reason), ResultAt: at}
	if ch, ok := relay.FallbackKeyChannel(rep.Key); ok {
		// About a fallback: what it says holds the fallback's own columns, for
		// a report that reaches its message before the poll sending it wrote
		// them (ClaimOwed).
		r.OnFallback, r.Fallback, r.SentChannel, r.RelayID = true, true, string(ch), relayID
	}
	switch rep.Outcome {
	case relay.Delivered:
		r.Status, r.Code, r.Reason = store.MessageDelivered, "", ""
	case relay.RecipientFailed:
		r.Status = store.MessageFailed
	default:
		return r, false
	}
	return r, true
}

// dropOutrun leaves out of a page's results (sent: the sends they are about,
// in the same order) the reports of an earlier run about messages a retry has
// sent again since (store.OutrunReports): they would give the new send the
// old one's outcome. Nothing holds them to be read again.
func (a *Activities) dropOutrun(ctx context.Context, campaignID int64, rl store.Relay, results []store.MessageResult, sent []store.SentReport) ([]store.MessageResult, error) {
	outrun, err := a.Store.OutrunReports(ctx, rl.AccountID, sent)
	if err != nil {
		return nil, err
	}
	kept := make([]store.MessageResult, 0, len(results))
	for i, r := range results {
		if !outrun[i] {
			kept = append(kept, r)
		}
	}
	if n := len(results) - len(kept); n > 0 {
		a.Log.Info("reports of an earlier run left out: their messages were sent again since",
			"account_id", rl.AccountID, "campaign_id", campaignID, "relay_id", rl.ID, "reports", n)
	}
	return kept, nil
}

// markOwed turns the results of a report page that fail an AlimTalk with
// fallback text, still awaiting and whose fallback was not sent, into its
// being owed that fallback (store.MessageResult.FallbackDue): the message
// stays awaiting with the AlimTalk's failure, and the poll sends the fallback
// (sendOwedFallbacks). The mark is written with the report, so a poll that
// dies before sending leaves it for a later one (sendLeftOwed).
// It answers the ids it marked.
func (a *Activities) markOwed(ctx context.Context, accountID int64, results []store.MessageResult) ([]int64, error) {
	var at, ids []int64 // the candidates' positions in results, and their ids
	for i, r := range results {
		if r.Status == store.MessageFailed && !r.OnFallback && relay.FallbackCovers(r.Code) {
			at, ids = append(at, int64(i)), append(ids, r.ID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	owed, err := a.Store.OwedFallbacks(ctx, accountID, ids)
	if err != nil {
		return nil, err
	}
	ids = ids[:0]
	for _, i := range at {
		if r := &results[i]; owed[r.ID] {
			r.Status, r.FallbackDue, r.ResultAt = store.MessageSent, true, time.Time{}
			ids = append(ids, r.ID)
		}
	}
	return ids, nil
}

// owedBatch is how many messages owed their fallback one poll sends at most
// from what earlier polls left (sendLeftOwed).
const owedBatch = 1000

// owedLease is how long a poll's claim on fallbacks it is sending lasts:
// longer than a poll may run (its StartToCloseTimeout), so a claim older than
// this was left by a poll that died.
const owedLease = 15 * time.Minute

// owed is how many of the awaited messages are owed their fallback.
func owed(aws []store.AwaitedRelay) int64 {
	var n int64
	for _, aw := range aws {
		n += aw.Owed
	}
	return n
}

// sendLeftOwed sends the fallbacks of messages from mark on that earlier polls
// left owed, adds what changed to out and perRelay, and answers what awaits
// from mark on afterwards.
func (a *Activities) sendLeftOwed(ctx context.Context, in workflows.CollectReportsInput, mark int64,
	perRelay map[int64]*workflows.RelayCounts, out *workflows.CollectReportsResult) ([]store.AwaitedRelay, error) {
	k := keyOf(in.AccountID, in.CampaignID)
	now := time.Now()
	stale, err := a.Store.SettleStaleOwed(ctx, k, mark, in.LastID, now.Add(-owedLease), now)
	if err != nil {
		return nil, err
	}
	out.Unknown += stale
	loaded := 0
	load := func() ([]store.ChunkMessage, error) {
		rows, err := a.Store.OwedMessagesFrom(ctx, k, mark, in.LastID, owedBatch)
		loaded = len(rows)
		return rows, err
	}
	written, err := a.sendOwedFallbacks(ctx, in, load, perRelay, out)
	if err != nil {
		return nil, err
	}
	if len(written) > 0 {
		if err := a.Store.RollUp(context.WithoutCancel(ctx), store.BlocksOfIDs(written)); err != nil {
			a.Log.Warn("roll up statistics", "campaign_id", in.CampaignID, "error", err)
		}
	}
	if loaded == owedBatch && len(written) > 0 {
		// More are owed than one poll sends: the next poll follows at once.
		out.More = true
	}
	return a.Store.AwaitedRelays(ctx, k, mark, in.LastID)
}

// sendOwedFallbacks sends the SMS/LMS fallback of each AlimTalk that load
// answers (read only once the hour allows: quiet hours hold an
// advertisement's), owed it since its delivery report said it failed, through
// the campaign's relays
// that carry it (as the send does for an AlimTalk refused at once), and writes
// each outcome: the fallback handed over (awaiting its own report), delivered
// or failed. A fallback no relay took stays owed, for a later poll; one with
// no relay to carry it, or no text that fits, leaves the AlimTalk's failure.
// What changed is added to out and perRelay, as a chunk counts its sends; it
// answers the ids whose outcome it wrote.
func (a *Activities) sendOwedFallbacks(ctx context.Context, in workflows.CollectReportsInput,
	load func() ([]store.ChunkMessage, error), perRelay map[int64]*workflows.RelayCounts,
	out *workflows.CollectReportsResult) (written []int64, err error) {
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return nil, classify(err)
	}
	if c.Content.Advertisement {
		// An advertisement's SMS keeps the quiet hours as its chunks do: the
		// fallbacks stay owed until the morning's polls (a customer who
		// consents at night waits too), and are not even read meanwhile.
		zone, err := a.Store.AccountTimezone(ctx, c.AccountID)
		if err != nil {
			return nil, classify(err)
		}
		if workflows.InQuietHours(a.now().In(tz.Location(zone))) {
			return nil, nil
		}
	}
	rows, err := load()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	cands, err := a.candidates(ctx, c)
	if err != nil {
		return nil, err
	}
	tpl := store.Template(c.Content)
	k := c.Key()
	at := store.ClaimTime(time.Now(), activity.GetInfo(ctx).Attempt)
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	mine, err := a.Store.ClaimOwed(ctx, k, ids, at)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(r store.ChunkMessage) bool { return !mine[r.ID] })
	failed := map[int64]relay.Result{} // the AlimTalk's failure, by message id
	byID := map[int64]store.ChunkMessage{}
	var msgs []relay.Message
	var results []store.MessageResult
	alimtalkFailed := func(r store.ChunkMessage, why string) store.MessageResult {
		return store.MessageResult{ID: r.ID, Status: store.MessageFailed, RelayID: r.RelayID, SentChannel: string(relay.ChannelAlimTalk),
			Code: r.Code, Reason: relay.SanitizeReason(relay.CodeSentence(r.Code) + "; " + why), ResultAt: at}
	}
	for _, r := range rows {
		res := relay.Result{MessageID: r.ID, Outcome: relay.RecipientFailed, Code: r.Code, Reason: relay.CodeSentence(r.Code)}
		fb, ok := relay.FallbackFor(messageOf(r, c.Run, tpl), res)
		if !ok {
			results = append(results, alimtalkFailed(r, "its fallback text cannot be sent"))
			continue
		}
		failed[r.ID], byID[r.ID] = res, r
		msgs = append(msgs, fb)
	}
	var deliveries []relay.Delivery
	if len(msgs) > 0 {
		deliveries = a.Router.Send(ctx, routingMode(c), cands, msgs)
	}
	var retry []int64
	for _, d := range deliveries {
		first := failed[d.MessageID]
		d.Fallback = &first
		switch {
		case d.InDoubt:
			results = append(results, inDoubtResult(d, 0, at, true, reportsByID(cands, d.RelayID)))
		case d.Outcome == relay.RelayFault && d.Code == relay.CodeNoRelay:
			results = append(results, alimtalkFailed(byID[d.MessageID], fmt.Sprintf("no relay carries its %s fallback", d.Channel)))
		case d.Outcome == relay.RelayFault:
			// No relay took it now: it is owed again, for a later poll.
			retry = append(retry, d.MessageID)
		default:
			res, _ := resultOf(d, at, true)
			results = append(results, res)
		}
	}
	changed, err := a.Store.ApplyOwedResults(context.WithoutCancel(ctx), k, results, retry, at)
	if err != nil {
		return nil, err
	}
	if err := a.Store.CompleteOwedHandOvers(context.WithoutCancel(ctx), k, results, changed, at); err != nil {
		// Not the fallbacks' outcome, which is written: logged, not retried.
		a.Log.Warn("complete fallbacks reported first", "campaign_id", in.CampaignID, "error", err)
	}
	counter := newCounter()
	for _, r := range results {
		counter.add(r)
		written = append(written, r.ID)
	}
	got := counter.result()
	out.Delivered += got.Delivered
	out.Failed += got.Failed
	out.Unknown += got.Unknown
	out.Fallback += got.Fallback
	addRelays(perRelay, got.Relays)
	return written, nil
}
