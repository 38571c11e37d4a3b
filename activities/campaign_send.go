package activities

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sendingo/sendingo/campaign"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// candidates builds the router's view of the campaign's relays: the routing's
// relays with its weights, or every enabled relay with its own weight.
func (a *Activities) candidates(ctx context.Context, c store.Campaign) ([]relay.Candidate, error) {
	relays, err := a.Store.Relays(ctx, c.AccountID, "", true)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]store.Relay, len(relays))
	for _, r := range relays {
		byID[r.ID] = r
	}
	var out []relay.Candidate
	add := func(r store.Relay, weight int) error {
		cand, err := routing.Candidate(r, weight, a.RelayOptions)
		if err != nil {
			return err
		}
		out = append(out, cand)
		return nil
	}
	if len(c.Routing.Relays) > 0 {
		for _, rr := range c.Routing.Relays {
			r, ok := byID[rr.RelayID]
			if !ok {
				continue // disabled or deleted since: the others carry its share
			}
			if err := add(r, rr.Weight); err != nil {
				return nil, err
			}
		}
	} else {
		for _, r := range relays {
			if err := add(r, r.Weight); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// sliceSize is how many messages of a chunk one Router.Send carries: with
// weighted routing, a multiple of the weights' sum, as a chunk is
// (campaign.ChunkSize). The router apportions each call by largest remainder,
// and a call's remainder goes to the same relays first, so slices that did not
// split exactly would tilt every chunk the same way.
func sliceSize(mode relay.Mode, cands []relay.Candidate) int {
	if mode != relay.ModeWeighted {
		return sendSlice
	}
	sum := 0
	for _, c := range cands {
		sum += c.Weight
	}
	return campaign.ChunkSize(sendSlice, sum)
}

func routingMode(c store.Campaign) relay.Mode {
	if m := relay.Mode(c.Routing.Mode); m.Valid() {
		return m
	}
	return relay.ModeWeighted
}

// SendChunk sends the campaign's pending messages with ids in [FromID, ToID].
//
// Exactly-once: rows are claimed (pending → sending) before any relay call, and
// the message id is the idempotency key. Rows an earlier attempt left in
// "sending" (a worker died mid-send) are first looked up at the relays; only those
// no relay has are sent again. An attempt that finds its rows taken over by such
// a retry (it outlived its heartbeat timeout) stops before its next slice.
// Messages no relay would take go back to pending and the activity fails, so
// Temporal retries it with backoff; after relayFaultAttempts attempts they are
// recorded failed. A message whose relay did not answer in time may have been
// taken all the same: it is not sent elsewhere but held in doubt (sending, with
// that relay), and the retry looks it up there, or sends it there alone, which
// drops an id it already has (see inDoubtResult); unless the campaign is being
// cancelled (cancelRequested).
func (a *Activities) SendChunk(ctx context.Context, in workflows.SendChunkInput) (out workflows.SendChunkResult, err error) {
	// The counts start from what the chunk's earlier attempts wrote (the last
	// heartbeat's details), and each heartbeat carries what this attempt has
	// written so far, the last one sent with a failure: a failed attempt
	// returns no result, and the messages it did send are not sent again, so
	// without this the campaign's live progress would never count them.
	// (A first run's day chunk recounts its range instead, which also covers
	// an attempt that died between a write and its heartbeat.)
	counter := newCounter()
	var carried workflows.SendChunkResult
	if activity.HasHeartbeatDetails(ctx) {
		if err := activity.GetHeartbeatDetails(ctx, &carried); err == nil {
			counter.addResult(carried)
		}
	}
	var written atomic.Pointer[workflows.SendChunkResult]
	written.Store(&carried)
	countWritten := func() {
		r := counter.result()
		written.Store(&r)
	}
	// Heartbeats from the start: looking up an earlier attempt's rows at the
	// relays can outlast the heartbeat timeout, and an attempt timed out
	// meanwhile would be taken for a dead one.
	stop := heartbeatEvery(ctx, 5*time.Second, func() any { return *written.Load() })
	defer stop()
	defer func() {
		if err != nil {
			// Flushed with the failure (the SDK sends a heartbeat still held
			// back by its throttle when the attempt fails).
			activity.RecordHeartbeat(ctx, *written.Load())
		}
	}()
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return out, classify(err)
	}
	loadChunk, claimChunk := a.Store.ChunkMessages, a.Store.ClaimChunk
	if in.NightOnly {
		loadChunk, claimChunk = a.Store.NightChunkMessages, a.Store.ClaimNightChunk
	}
	rows, err := loadChunk(ctx, c.Key(), in.FromID, in.ToID)
	if err != nil {
		return out, err
	}
	if len(rows) == 0 {
		// Nothing left to send: an earlier attempt sent it all but its completion
		// never reached Temporal (Temporal restarted, or the worker died after
		// writing the results). A first run's chunk still answers what its range
		// holds, or the campaign's live progress would lose those messages.
		if in.Run == 1 && !in.OwnCounts {
			return a.rangeResult(ctx, c.Key(), in.FromID, in.ToID)
		}
		return counter.result(), nil
	}
	cands, err := a.candidates(ctx, c)
	if err != nil {
		return out, err
	}
	mode := routingMode(c)
	tpl := store.Template(c.Content)

	// Reconcile what an earlier attempt may already have sent: one that died,
	// or one that held messages in doubt.
	var stale []store.ChunkMessage
	for _, r := range rows {
		if r.Status == store.MessageSending {
			stale = append(stale, r)
		}
	}
	resend := map[int64]bool{}
	// pinned: the messages held in doubt at a relay that cannot look messages
	// up, and so sent again to that relay alone (message id → relay id).
	pinned := map[int64]int64{}
	attempt := activity.GetInfo(ctx).Attempt
	// held counts the messages this attempt leaves in doubt for the next.
	held := 0
	if len(stale) > 0 {
		lookers, err := a.withHoldingRelays(ctx, c, cands, stale)
		if err != nil {
			return out, err
		}
		found, asked, unanswered, err := a.reconcile(ctx, c, in.Run, tpl, lookers, stale)
		if err != nil {
			if cancelRequested(ctx) {
				// A cancelled campaign sends nothing more: give them back.
				a.revertStale(context.WithoutCancel(ctx), c.Key(), stale)
			}
			return out, err
		}
		final := attempt >= relayFaultAttempts && ctx.Err() == nil
		results := make([]store.MessageResult, 0, len(found))
		for _, r := range stale {
			if res, ok := found[r.ID]; ok {
				results = append(results, res)
				counter.add(res)
				continue
			}
			id := r.HeldInDoubt()
			if id != 0 && unanswered[id] {
				// Its relay could not say just now whether it has it, and
				// sending it anyway could deliver it twice (Aligo keeps no
				// ids): it stays as it is, claim and all, for a later
				// attempt to ask again, or, on the last, counts as handed
				// over to that relay.
				if !final {
					held++
					continue
				}
				res := inDoubtResult(relay.Delivery{Result: relay.Result{MessageID: r.ID, Outcome: relay.RelayFault, Code: r.Code,
					Reason: relay.CodeSentence(r.Code)}, RelayID: id, Channel: relay.Channel(r.Channel)}, id, time.Now(), true,
					reportsByID(lookers, id))
				results = append(results, res)
				counter.add(res)
				continue
			}
			resend[r.ID] = true
			// A relay gone from the campaign's routing that has no look-up
			// can be neither asked nor sent to: its messages go where the
			// routing sends them (the operator took it out).
			if id != 0 && !asked[id] && slices.ContainsFunc(cands, func(c relay.Candidate) bool { return c.ID == id }) {
				pinned[r.ID] = id
			}
		}
		changed, err := a.Store.ApplyResults(ctx, c.AccountID, results, store.MessageSending)
		if err != nil {
			return out, err
		}
		countWritten()
		a.completeHandOvers(ctx, c.AccountID, results, changed)
	}

	var takeOver []store.ChunkMessage
	for _, r := range stale {
		if resend[r.ID] {
			takeOver = append(takeOver, r)
		}
	}
	at := store.ClaimTime(time.Now(), attempt)
	mine, err := claimChunk(ctx, c.Key(), in.FromID, in.ToID, at, takeOver)
	if err != nil {
		return out, err
	}
	// Only what this attempt's claim holds is sent: rows another attempt of the
	// chunk claimed meanwhile are that attempt's to send. (Filtered in place:
	// the rows are not needed past this point, and a chunk's copy is megabytes.)
	toSend := slices.DeleteFunc(rows, func(r store.ChunkMessage) bool {
		return !mine[r.ID] || (r.Status != store.MessagePending && !resend[r.ID])
	})
	unsubscribe, err := a.unsubscribeTokens(ctx, c.Key(), toSend)
	if err != nil {
		return out, err
	}
	a.Log.Debug("sending chunk", "campaign_id", c.ID, "from", in.FromID, "to", in.ToID, "claimed", len(mine), "resend", len(resend))

	// The chunk goes to the router a slice at a time, and each slice's
	// outcomes are written before the next is built, so the relay messages,
	// the router's per-message state and the results live for one slice, not
	// the chunk (the worker's memory at full speed is window × slice); the
	// heartbeats (from the start) let a dead worker be noticed and a cancel
	// request reach us. What a cancel leaves unsent reaches no relay and goes
	// back to pending;
	// what a relay took is recorded even when cancelled.
	wctx := context.WithoutCancel(ctx)
	var retry []int64
	takenOver := false
	// One slice's relay messages and results, made once for the chunk and
	// refilled for each slice: at full speed these would otherwise be two
	// fresh half-megabyte arrays a slice, and large arrays are what the
	// garbage collector and the memory limit make expensive.
	slice := sliceSize(mode, cands)
	msgBuf := make([]relay.Message, 0, min(len(toSend), slice))
	resBuf := make([]store.MessageResult, 0, min(len(toSend), slice))
	for i := 0; i < len(toSend); i += slice {
		part := toSend[i:min(i+slice, len(toSend))]
		msgs := msgBuf[:len(part)]
		for j, r := range part {
			msgs[j] = messageOf(r, in.Run, tpl)
			if tok, ok := unsubscribe[r.CustomerID]; ok && msgs[j].Channel == relay.ChannelEmail {
				msgs[j].Unsubscribe = a.unsubscribeURL(tok)
			}
		}
		if i > 0 && ctx.Err() == nil {
			// An attempt that outlived its heartbeat timeout learns here that
			// its retry has taken its rows over, and leaves the rest to it. A
			// retry takes over every row it found unsent in one statement, so
			// the slice's first row tells (a read by primary key a slice; the
			// first slice's rows were just read back with the claim).
			held, err := a.Store.ClaimHeld(wctx, c.Key(), part[0].ID, at)
			if err != nil {
				return out, err
			}
			if !held {
				takenOver = true
				break
			}
		}
		var deliveries []relay.Delivery
		if ctx.Err() != nil {
			for _, m := range msgs {
				deliveries = append(deliveries, relay.Delivery{Result: relay.Result{MessageID: m.ID, Outcome: relay.RelayFault,
					Code: relay.CodeNotSent, Reason: "cancelled before it was sent"}, Channel: m.Channel})
			}
		} else {
			deliveries = a.send(ctx, mode, cands, msgs, pinned)
		}
		sentAt := time.Now()
		final := attempt >= relayFaultAttempts && ctx.Err() == nil
		cancelled := cancelRequested(ctx)
		results := resBuf[:0]
		for _, d := range deliveries {
			if pin, inDoubt := doubtOf(d, pinned); inDoubt && !cancelled {
				res := inDoubtResult(d, pin, sentAt, final, reportsByID(cands, cmp.Or(pin, d.RelayID)))
				if res.Status == store.MessageSending {
					held++
				}
				results = append(results, res)
				counter.add(res)
				continue
			}
			res, ok := resultOf(d, sentAt, final)
			if !ok {
				retry = append(retry, d.MessageID)
				continue
			}
			results = append(results, res)
			counter.add(res)
		}
		changed, err := a.Store.ApplyResults(wctx, c.AccountID, results, store.MessageSending)
		if err != nil {
			return out, err
		}
		countWritten()
		a.completeHandOvers(wctx, c.AccountID, results, changed)
	}
	if err := a.Store.RevertToPending(wctx, c.Key(), at, retry); err != nil {
		return out, err
	}
	a.publishHealth(wctx, c.AccountID, cands)
	if err := a.Store.RollUp(wctx, store.BlocksOf(in.FromID, in.ToID)); err != nil {
		return out, err
	}
	out = counter.result()
	if in.Run == 1 && !in.OwnCounts && attempt > 1 {
		// A first run's chunk owns its range: count what the range holds, so that
		// messages an earlier, killed attempt sent are in the progress too. (A
		// first attempt had no earlier one: what it counted is the range.)
		if exact, err := a.rangeResult(wctx, c.Key(), in.FromID, in.ToID); err == nil {
			out = exact
		} else {
			a.Log.Warn("count chunk range", "campaign_id", c.ID, "error", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	if takenOver {
		return out, fmt.Errorf("chunk %d-%d was taken over by a later attempt; it sends the rest", in.FromID, in.ToID)
	}
	if len(retry) > 0 || held > 0 {
		var what []string
		if len(retry) > 0 {
			what = append(what, fmt.Sprintf("%d reached no relay", len(retry)))
		}
		if held > 0 {
			what = append(what, fmt.Sprintf("%d are in doubt at a relay that did not answer in time", held))
		}
		return out, fmt.Errorf("messages of chunk %d-%d: %s (attempt %d of %d); retrying",
			in.FromID, in.ToID, strings.Join(what, ", "), attempt, relayFaultAttempts)
	}
	return out, nil
}

// doubtOf says whether a delivery leaves its message in doubt: the router said
// so, or the message was sent again to the one relay that may have it (pin)
// and did not get through there either. An SMS fallback went over every relay
// that carries it, so the relay that answered is the one that counts (pin 0).
func doubtOf(d relay.Delivery, pinned map[int64]int64) (pin int64, inDoubt bool) {
	if d.Fallback == nil {
		pin = pinned[d.MessageID]
	}
	return pin, d.InDoubt || (pin != 0 && d.Outcome == relay.RelayFault)
}

// cancelRequested says the attempt was stopped because its campaign is being
// cancelled: not by the worker stopping, nor by a timeout, after which the chunk
// is tried again. A cancelled campaign sends nothing more, so what its calls
// under way may have delivered goes back to pending with the rest, as before
// (nothing will send it a second time), rather than held in doubt for a retry.
//
// The SDK ends an attempt's context for all of these, and a heartbeat timeout
// looks like a cancel to ctx.Err(); only a requested cancel has Temporal's
// CanceledError as its cause.
func cancelRequested(ctx context.Context) bool {
	var ce *temporal.CanceledError
	return errors.As(context.Cause(ctx), &ce)
}

// send routes msgs over cands, except those pinned to a relay (message id →
// relay id), which go to that relay alone (their SMS fallback, if any, over
// cands): they may be there already, and a relay drops an id it has seen
// where another would deliver it again.
func (a *Activities) send(ctx context.Context, mode relay.Mode, cands []relay.Candidate, msgs []relay.Message, pinned map[int64]int64) []relay.Delivery {
	if len(pinned) == 0 {
		return a.Router.Send(ctx, mode, cands, msgs)
	}
	var free []relay.Message
	byRelay := map[int64][]relay.Message{}
	for _, m := range msgs {
		if id, ok := pinned[m.ID]; ok {
			byRelay[id] = append(byRelay[id], m)
		} else {
			free = append(free, m)
		}
	}
	out := make([]relay.Delivery, 0, len(msgs))
	if len(free) > 0 {
		out = append(out, a.Router.Send(ctx, mode, cands, free)...)
	}
	for _, c := range cands {
		if ms := byRelay[c.ID]; len(ms) > 0 {
			out = append(out, a.Router.SendTo(ctx, mode, c, cands, ms)...)
		}
	}
	return out
}

// inDoubtResult is the row's new state for a message its relay may have taken
// though the call failed (Delivery.InDoubt), or that was sent again to the one
// relay that may have it (pinnedTo) and did not get through again. Before the
// last attempt it stays sending, with that relay and the fault's code, for the
// next attempt to look it up there or send it there alone. On the last attempt,
// and for an SMS fallback (its AlimTalk failed for good), it is recorded as
// handed over to that relay: its delivery report, or none by the deadline
// (unknown), says what became of it. Where no report can name it (reportable
// false: Aligo's name only an answered send's request id, SMTP sends none) it
// is unknown at once, rather than awaiting a report until the deadline.
func inDoubtResult(d relay.Delivery, pinnedTo int64, at time.Time, final, reportable bool) store.MessageResult {
	r := store.MessageResult{ID: d.MessageID, RelayID: d.RelayID, SentChannel: string(d.Channel), Fallback: d.Fallback != nil,
		Code: d.Code, Reason: relay.SanitizeReason(d.Reason)}
	if pinnedTo != 0 {
		r.RelayID = pinnedTo
	}
	if r.Code == "" {
		r.Code = relay.CodeTimeout // the mark of a row held in doubt (ChunkMessage.HeldInDoubt)
	}
	if !final && d.Fallback == nil {
		r.Status = store.MessageSending
		return r
	}
	r.Status, r.SentAt = store.MessageSent, at
	r.Reason = relay.SanitizeReason(r.Reason + "; the relay may have taken it, so it was not sent again")
	if !reportable {
		r.Status, r.ResultAt = store.MessageUnknown, at
		r.Reason = relay.SanitizeReason(r.Reason + ", and no delivery report can name it")
	}
	return r
}

// reportsByID says whether relay id (one of cands) names our message ids in its
// delivery reports (relay.Kind.ReportsByID).
func reportsByID(cands []relay.Candidate, id int64) bool {
	for _, c := range cands {
		if c.ID == id {
			kind, _ := relay.KindOf(c.Kind)
			return kind.ReportsByID
		}
	}
	return false
}

// unsubscribeTokens answers the one-click unsubscribe token of the customer of
// each e-mail among rows (customer id → token), with one look-up for the chunk;
// nil when none is an e-mail.
func (a *Activities) unsubscribeTokens(ctx context.Context, k store.CampaignKey, rows []store.ChunkMessage) (map[int64]string, error) {
	var ids []int64
	for _, r := range rows {
		if relay.Channel(r.Channel) == relay.ChannelEmail {
			ids = append(ids, r.CustomerID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	return a.Store.UnsubscribeTokens(ctx, k, ids)
}

// messageOf is the relay message for a stored row (routing.MessageFor of the
// rendering the row keeps). Retry runs use their own idempotency key, so a relay
// that remembers the first attempt sends again.
func messageOf(r store.ChunkMessage, run int, t store.Template) relay.Message {
	rendered := render.Rendered{Channel: r.Channel, Subject: r.Subject, Body: r.Body}
	var bs []render.Button
	if r.Buttons != "" && json.Unmarshal([]byte(r.Buttons), &bs) == nil {
		rendered.Buttons = bs // unreadable: no buttons
	}
	if r.FallbackChannel != "" {
		rendered.Fallback = &render.RenderedFallback{Channel: r.FallbackChannel, Subject: r.FallbackSubject, Body: r.FallbackBody}
	}
	m := routing.MessageFor(r.ID, r.Recipient, r.Name, t, rendered)
	if run > 1 {
		m.Key = relay.RetryKey(r.ID, run)
	}
	return m
}

// resultOf turns the router's verdict into the row's new state; false means the
// message reached no relay and should go back to pending (unless final).
func resultOf(d relay.Delivery, at time.Time, final bool) (store.MessageResult, bool) {
	// Reasons are shown to the tenant: cleaned here whatever the adapter did.
	r := store.MessageResult{ID: d.MessageID, RelayID: d.RelayID, SentChannel: string(d.Channel), Fallback: d.Fallback != nil,
		ProviderID: d.ProviderID, Code: d.Code, Reason: relay.SanitizeReason(d.Reason), SentAt: at}
	switch d.Outcome {
	case relay.Accepted:
		r.Status = store.MessageSent
		r.Code, r.Reason = "", ""
	case relay.Delivered:
		r.Status, r.ResultAt = store.MessageDelivered, at
		r.Code, r.Reason = "", ""
	case relay.RecipientFailed:
		r.Status, r.ResultAt = store.MessageFailed, at
	default:
		if !final {
			return r, false
		}
		r.Status, r.ResultAt = store.MessageFailed, at
	}
	return r, true
}

// reconcile asks the relays what they know of rows an earlier attempt left in
// "sending". A row a dead attempt left may be at any relay, and every relay
// that can look messages up is asked about it (a generic relay without /lookup
// dedupes a resend by id, SMTP resends at least once); until each has answered
// nothing is sent. A row held in doubt is asked of its own relay alone, and a
// failed look-up there does not stop the attempt: the row waits for a later
// one (SendChunk). asked names the relays that answered, unanswered those
// whose look-up failed.
func (a *Activities) reconcile(ctx context.Context, c store.Campaign, run int, t store.Template, cands []relay.Candidate,
	stale []store.ChunkMessage) (found map[int64]store.MessageResult, asked, unanswered map[int64]bool, err error) {
	found, asked, unanswered = map[int64]store.MessageResult{}, map[int64]bool{}, map[int64]bool{}
	var dead []store.ChunkMessage
	held := map[int64][]store.ChunkMessage{}
	for _, r := range stale {
		if id := r.HeldInDoubt(); id != 0 {
			held[id] = append(held[id], r)
		} else {
			dead = append(dead, r)
		}
	}
	for _, cand := range cands {
		looker, ok := cand.Sender.(relay.Looker)
		if !ok {
			continue
		}
		rows := append(append([]store.ChunkMessage(nil), dead...), held[cand.ID]...)
		if len(rows) == 0 {
			continue
		}
		since := rows[0].ClaimedAt
		msgs := make([]relay.Message, len(rows))
		for i, r := range rows {
			msgs[i] = messageOf(r, run, t)
			if r.ClaimedAt.Before(since) {
				since = r.ClaimedAt
			}
		}
		reports, err := looker.Lookup(ctx, msgs, since)
		if errors.Is(err, relay.ErrLookupUnsupported) {
			continue
		}
		if err != nil {
			if len(dead) > 0 {
				return nil, nil, nil, fmt.Errorf("look up %d unsettled messages at relay %d: %w", len(msgs), cand.ID, err)
			}
			a.Log.Warn("messages held in doubt not looked up; they wait for a later attempt",
				"campaign_id", c.ID, "relay_id", cand.ID, "messages", len(msgs), "error", err)
			unanswered[cand.ID] = true
			continue
		}
		asked[cand.ID] = true
		for _, rep := range reports {
			if rep.MessageID == 0 || rep.Outcome == relay.RelayFault {
				continue
			}
			res, ok := resultOf(relay.Delivery{Result: relay.Result{MessageID: rep.MessageID, Outcome: rep.Outcome,
				ProviderID: rep.ProviderID, Code: rep.Code, Reason: rep.Reason}, RelayID: cand.ID, Channel: channelOf(rep, msgs)}, time.Now(), false)
			if ok {
				found[rep.MessageID] = res
			}
		}
	}
	return found, asked, unanswered, nil
}

// withHoldingRelays is cands and, to be asked about the messages held in doubt
// at them, the relays that hold some but are no longer among cands (an
// operator disabled a relay that kept timing out, say): it still knows what
// it took. A relay deleted since, or one whose settings no longer build, is
// left out.
func (a *Activities) withHoldingRelays(ctx context.Context, c store.Campaign, cands []relay.Candidate, stale []store.ChunkMessage) ([]relay.Candidate, error) {
	out := cands
	for _, r := range stale {
		id := r.HeldInDoubt()
		if id == 0 || slices.ContainsFunc(out, func(c relay.Candidate) bool { return c.ID == id }) {
			continue
		}
		sr, err := a.Store.Relay(ctx, c.AccountID, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cand, err := routing.Candidate(sr, 0, a.RelayOptions)
		if err != nil {
			a.Log.Warn("a relay holding messages in doubt cannot be asked about them", "relay_id", id, "error", err)
			continue
		}
		out = append(slices.Clip(out), cand)
	}
	return out, nil
}

// revertStale gives rows an earlier attempt left sending back to pending (a
// cancelled campaign's), each under the claim it carries.
func (a *Activities) revertStale(ctx context.Context, k store.CampaignKey, stale []store.ChunkMessage) {
	byClaim := map[time.Time][]int64{}
	var claims []time.Time
	for _, r := range stale {
		if _, ok := byClaim[r.ClaimedAt]; !ok {
			claims = append(claims, r.ClaimedAt)
		}
		byClaim[r.ClaimedAt] = append(byClaim[r.ClaimedAt], r.ID)
	}
	for _, at := range claims {
		if err := a.Store.RevertToPending(ctx, k, at, byClaim[at]); err != nil {
			a.Log.Warn("rows of a cancelled campaign left sending", "campaign_id", k.ID, "error", err)
		}
	}
}

func channelOf(rep relay.Report, msgs []relay.Message) relay.Channel {
	for _, m := range msgs {
		if m.ID == rep.MessageID {
			return m.Channel
		}
	}
	return ""
}

// publishHealth stores the router's view of the relays for the API.
func (a *Activities) publishHealth(ctx context.Context, accountID int64, cands []relay.Candidate) {
	now := time.Now()
	snaps := make([]store.RelayHealth, 0, len(cands))
	for _, c := range cands {
		snaps = append(snaps, routing.Snapshot(accountID, a.Router.Health(c.ID), now))
	}
	if err := a.Store.SaveRelayHealth(ctx, snaps); err != nil {
		a.Log.Warn("publish relay health", "account_id", accountID, "error", err)
	}
}

// counter tallies results by status and relay.
type counter struct {
	res    workflows.SendChunkResult
	relays map[int64]*workflows.RelayCounts
}

func newCounter() *counter { return &counter{relays: map[int64]*workflows.RelayCounts{}} }

func (c *counter) add(r store.MessageResult) { c.addN(r, 1) }

// addN counts n messages with r's outcome.
func (c *counter) addN(r store.MessageResult, n int64) {
	if r.Status != store.MessageSent && r.Status != store.MessageDelivered && r.Status != store.MessageFailed &&
		r.Status != store.MessageUnknown {
		return // pending or sending: not handled yet
	}
	rc := c.relays[r.RelayID]
	if rc == nil {
		rc = &workflows.RelayCounts{RelayID: r.RelayID}
		c.relays[r.RelayID] = rc
	}
	switch r.Status {
	case store.MessageSent:
		c.res.Sent += n
		rc.Sent += n
	case store.MessageDelivered:
		c.res.Delivered += n
		rc.Sent += n
		rc.Delivered += n
	case store.MessageFailed:
		c.res.Failed += n
		rc.Failed += n
	case store.MessageUnknown:
		// Handed over to the relay, which may have it (inDoubtResult).
		c.res.Unknown += n
		rc.Sent += n
	}
	if r.Fallback {
		c.res.Fallback += n
		rc.Fallback += n
	}
}

// addResult counts what another attempt of the chunk counted.
func (c *counter) addResult(r workflows.SendChunkResult) {
	c.res.Sent += r.Sent
	c.res.Delivered += r.Delivered
	c.res.Failed += r.Failed
	c.res.Unknown += r.Unknown
	c.res.Fallback += r.Fallback
	addRelays(c.relays, r.Relays)
}

// addRelays adds per-relay counts rcs into perRelay.
func addRelays(perRelay map[int64]*workflows.RelayCounts, rcs []workflows.RelayCounts) {
	for _, o := range rcs {
		rc := perRelay[o.RelayID]
		if rc == nil {
			rc = &workflows.RelayCounts{RelayID: o.RelayID}
			perRelay[o.RelayID] = rc
		}
		rc.Add(o)
	}
}

func (c *counter) result() workflows.SendChunkResult {
	out := c.res
	if len(c.relays) > 0 {
		out.Relays = relayCounts(c.relays)
	}
	return out
}

// completeHandOvers writes the hand-over of the results a delivery report
// settled before this write (store.CompleteHandOvers). It is not the send's:
// the outcomes are written and counted, so a failure here is logged and the
// message keeps its report's outcome with its claim's time as its send time.
func (a *Activities) completeHandOvers(ctx context.Context, accountID int64, results []store.MessageResult, changed map[string]int64) {
	if err := a.Store.CompleteHandOvers(ctx, accountID, results, changed); err != nil {
		a.Log.Warn("complete hand-overs reported first", "account_id", accountID, "error", err)
	}
}

// rangeResult is a chunk's result read from its id range.
func (a *Activities) rangeResult(ctx context.Context, k store.CampaignKey, from, to int64) (workflows.SendChunkResult, error) {
	counts, err := a.Store.RangeCounts(ctx, k, from, to)
	if err != nil {
		return workflows.SendChunkResult{}, err
	}
	c := newCounter()
	for _, rc := range counts {
		c.addN(store.MessageResult{RelayID: rc.RelayID, Status: strings.TrimSpace(rc.Status), Fallback: rc.Fallback}, rc.N)
	}
	return c.result(), nil
}
