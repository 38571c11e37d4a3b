package activities

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Campaign send tuning.
const (
	audienceBatch = 5000 // recipients rendered and inserted per statement
	// sendSlice is how many messages of a chunk one Router.Send carries.
	sendSlice = 2500
	// relayFaultAttempts is how many times a chunk retries messages no relay
	// would take before it records them failed.
	relayFaultAttempts = 10
	reportPageLimit    = 5000
	reportPagesPerPoll = 40
)

// StartCampaign begins the workflow's run of the campaign and loads what the
// workflow needs to know about it. It is the workflow's first step and the only
// place a send or a retry changes the database before anything is sent, so a
// send that reached Temporal is never half done: run 1 moves a draft to
// scheduled or running (freezing the template's content), a later run resets the
// finished campaign's failed messages to pending. Both are idempotent (the API
// makes the same change right after starting the workflow, to answer with it). A
// workflow whose run has already been done or superseded by another is told to
// Skip.
func (a *Activities) StartCampaign(ctx context.Context, in workflows.StartCampaignInput) (workflows.StartCampaignResult, error) {
	if by := in.RequestedBy; by != nil {
		// The change below is audited as made by whoever asked for it.
		actor := store.Actor{Kind: by.Kind, Name: by.Name, IP: by.IP, RequestID: by.RequestID}
		if by.Kind == store.ActorAPIKey {
			actor.KeyID = by.ID
		} else {
			actor.UserID = by.ID
		}
		ctx = store.WithActor(ctx, actor)
	}
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return workflows.StartCampaignResult{}, classify(err)
	}
	tz, err := a.Store.AccountTimezone(ctx, in.AccountID)
	if err != nil {
		return workflows.StartCampaignResult{}, classify(err)
	}
	skip := func() (workflows.StartCampaignResult, error) {
		a.Log.Info("campaign workflow has nothing to do", "account_id", in.AccountID, "campaign_id", in.CampaignID,
			"run", in.Run, "campaign_run", c.Run, "status", c.Status)
		return workflows.StartCampaignResult{Status: c.Status, Skip: true}, nil
	}
	switch {
	case in.Run == 0: // recorded before runs were passed: the API began the send
	case in.Run == 1 && c.Status == store.CampaignDraft:
		// The template cannot be gone: campaigns reference it (a foreign key).
		tpl, err := a.Store.Template(ctx, in.AccountID, c.TemplateID)
		if err != nil {
			return workflows.StartCampaignResult{}, classify(fmt.Errorf("template of campaign %d: %w", c.ID, err))
		}
		status := store.CampaignRunning
		if c.ScheduledAt.After(time.Now()) {
			status = store.CampaignScheduled
		}
		if _, err := a.Store.BeginSend(ctx, in.AccountID, c.ID, tpl, status); err != nil {
			return workflows.StartCampaignResult{}, err
		}
		if c, err = a.Store.Campaign(ctx, in.AccountID, in.CampaignID); err != nil {
			return workflows.StartCampaignResult{}, classify(err)
		}
	case c.Run > in.Run:
		return skip() // a later run exists
	case c.Run < in.Run:
		if _, err := a.Store.RetryCampaign(ctx, in.AccountID, c.ID, in.Run); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return skip() // not finished, or nothing failed: nothing to retry
			}
			return workflows.StartCampaignResult{}, classify(err)
		}
		if c, err = a.Store.Campaign(ctx, in.AccountID, in.CampaignID); err != nil {
			return workflows.StartCampaignResult{}, classify(err)
		}
	case c.Status == store.CampaignCompleted || c.Status == store.CampaignFailed:
		return skip() // this run has been done by an earlier workflow
	}
	out := workflows.StartCampaignResult{Timezone: tz, Ad: c.Content.Advertisement, Status: c.Status}
	if store.IsSet(c.ScheduledAt) {
		out.ScheduledAt = c.ScheduledAt
	}
	return out, nil
}

// SetCampaignStatus records the campaign's status.
func (a *Activities) SetCampaignStatus(ctx context.Context, in workflows.SetStatusInput) error {
	return a.Store.SetCampaignStatus(ctx, in.AccountID, in.CampaignID, in.Status)
}

// FinalizeCampaign aggregates the campaign's counts with SQL into its row and
// tells the operators how the run ended (campaign.completed, .failed,
// .cancelled; reminder.sent for an attendance reminder).
func (a *Activities) FinalizeCampaign(ctx context.Context, in workflows.FinalizeInput) (workflows.FinalizeResult, error) {
	c, err := a.Store.FinalizeCampaign(ctx, keyOf(in.AccountID, in.CampaignID), in.Status)
	if err != nil {
		return workflows.FinalizeResult{}, classify(err)
	}
	a.Log.Info("campaign finished", "account_id", in.AccountID, "campaign_id", in.CampaignID, "status", in.Status,
		"total", c.Total, "delivered", c.Delivered, "failed", c.Failed, "unknown", c.Unknown)
	camp, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return workflows.FinalizeResult{}, classify(err)
	}
	if err := a.notify(ctx, in.AccountID, campaignNotice(camp)); err != nil {
		return workflows.FinalizeResult{}, err
	}
	return workflows.FinalizeResult{Counts: workflows.Counts{Total: c.Total, Pending: c.Pending + c.Sending, Sent: c.Sent,
		Delivered: c.Delivered, Failed: c.Failed, Unknown: c.Unknown, Fallback: c.Fallback}}, nil
}

// accountSettings are the account values rendering depends on.
func (a *Activities) accountSettings(ctx context.Context, accountID int64) (render.AccountSettings, error) {
	acc, err := a.Store.Account(ctx, accountID)
	if err != nil {
		return render.AccountSettings{}, err
	}
	return render.AccountSettings{Name: acc.Name, OptoutNumber: acc.OptoutNumber}, nil
}

// PrepareAudience materialises one message row per recipient: rendered content
// and tracking links, in batches. Its cursor (the last customer id) is
// heartbeated, so a retry resumes there; rows already inserted are skipped, so
// replaying a batch is harmless.
func (a *Activities) PrepareAudience(ctx context.Context, in workflows.PrepareAudienceInput) (workflows.PrepareAudienceResult, error) {
	var out workflows.PrepareAudienceResult
	c, err := a.Store.Campaign(ctx, in.AccountID, in.CampaignID)
	if err != nil {
		return out, classify(err)
	}
	if in.Batch > 0 && !in.OnlyRange {
		return a.prepareBatch(ctx, c, in)
	}
	if !in.OnlyRange {
		var p prepareProgress
		if activity.HasHeartbeatDetails(ctx) {
			_ = activity.GetHeartbeatDetails(ctx, &p)
		}
		if _, out.Skipped, err = a.materialise(ctx, c, p, 0); err != nil {
			return out, err
		}
	}
	if out.Total, out.FirstID, out.LastID, err = a.Store.MessageRange(ctx, c.Key()); err != nil {
		return out, err
	}
	out.Pending = out.Total
	if c.Content.Advertisement && out.Total > 0 {
		// Whether a night pass has anyone to send to during quiet hours.
		if out.NightConsent, err = a.Store.NightConsentPending(ctx, c.Key(), out.FirstID, out.LastID); err != nil {
			return out, err
		}
	}
	if in.OnlyRange && out.Total > 0 {
		counts, err := a.Store.CountMessages(ctx, c.Key(), out.FirstID, out.LastID)
		if err != nil {
			return out, err
		}
		out.Pending = counts.Pending + counts.Sending
		out.Counts = &workflows.Counts{Total: counts.Total, Pending: out.Pending, Sent: counts.Sent,
			Delivered: counts.Delivered, Failed: counts.Failed, Unknown: counts.Unknown, Fallback: counts.Fallback}
	}
	return out, nil
}

type prepareProgress struct {
	After   int64
	Skipped int64
}

// prepareBatch stores the messages of the next in.Batch audience members (a
// pipelined prepare) and records the campaign's message range so far. The rows
// it stored are those with ids above in.LastID (ids only grow), counted after
// the inserts, so a retried batch (whose first attempt may have stored part of
// it) answers the same: the range is written as absolute figures.
func (a *Activities) prepareBatch(ctx context.Context, c store.Campaign, in workflows.PrepareAudienceInput) (workflows.PrepareAudienceResult, error) {
	var out workflows.PrepareAudienceResult
	batches := (in.Batch + audienceBatch - 1) / audienceBatch
	next, skipped, err := a.materialise(ctx, c, prepareProgress{After: in.After}, batches)
	if err != nil {
		return out, err
	}
	n, first, last, err := a.Store.MessagesAfter(ctx, c.Key(), in.LastID)
	if err != nil {
		return out, err
	}
	out.Total, out.FirstID, out.LastID = in.Total+n, in.FirstID, max(in.LastID, last)
	if out.FirstID == 0 {
		out.FirstID = first
	}
	out.Pending, out.Skipped, out.Next = out.Total, skipped, next
	if err := a.Store.SetMessageRange(ctx, c.Key(), out.Total, out.FirstID, out.LastID); err != nil {
		return out, err
	}
	return out, nil
}

// prepareInserters is how many batches are written at once while the next ones
// are read and rendered: the database, not Go, is the limit here.
const prepareInserters = 2

// materialise reads the audience in customer-id order from p.After, renders
// each batch and hands it to concurrent inserters. The heartbeated cursor only
// moves past a batch once it and every batch before it are stored. With
// maxBatches > 0 it stops after that many audience batches and answers the
// customer id to continue after (0: the audience is exhausted), and how many
// members it skipped.
func (a *Activities) materialise(ctx context.Context, c store.Campaign, p prepareProgress, maxBatches int) (int64, int64, error) {
	settings, err := a.accountSettings(ctx, c.AccountID)
	if err != nil {
		return 0, 0, classify(err)
	}
	content := store.Template(c.Content).Content()
	exhausted := false
	type batch struct {
		seq     int
		next    int64
		skipped int64
		msgs    []store.NewMessage
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan batch, prepareInserters)
	type done struct {
		b   batch
		err error
	}
	results := make(chan done, prepareInserters)
	var wg sync.WaitGroup
	for i := 0; i < prepareInserters; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				_, err := a.Store.InsertMessages(ctx, c, b.msgs)
				results <- done{b: batch{seq: b.seq, next: b.next, skipped: b.skipped}, err: err}
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(batches)
		after := p.After
		for seq := 0; ; seq++ {
			if maxBatches > 0 && seq == maxBatches {
				readErr <- nil
				return
			}
			members, next, err := a.Store.AudienceBatch(ctx, c, after, audienceBatch)
			if err != nil || next == 0 {
				exhausted = err == nil
				readErr <- err
				return
			}
			b := batch{seq: seq, next: next, msgs: make([]store.NewMessage, 0, len(members))}
			for _, m := range members {
				if msg, ok := a.messageFor(c, content, settings, m); ok {
					b.msgs = append(b.msgs, msg)
				} else {
					b.skipped++
				}
			}
			select {
			case batches <- b:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
			after = next
		}
	}()
	go func() { wg.Wait(); close(results) }()

	// Move the cursor in order: batch k counts once batches 0..k are stored.
	finished := map[int]batch{}
	nextSeq := 0
	var firstErr error
	for r := range results {
		if r.err != nil && firstErr == nil {
			firstErr = r.err
			cancel()
		}
		finished[r.b.seq] = r.b
		for {
			b, ok := finished[nextSeq]
			if !ok {
				break
			}
			delete(finished, nextSeq)
			nextSeq++
			p.After, p.Skipped = b.next, p.Skipped+b.skipped
			activity.RecordHeartbeat(ctx, p)
		}
	}
	if firstErr != nil {
		return 0, 0, firstErr
	}
	if err := <-readErr; err != nil {
		return 0, 0, err
	}
	if exhausted {
		return 0, p.Skipped, nil
	}
	return p.After, p.Skipped, nil
}

// messageFor renders the campaign's content for one recipient; false means the
// recipient cannot get it (no address for the channel, a missing variable).
func (a *Activities) messageFor(c store.Campaign, t render.Template, acct render.AccountSettings, m store.AudienceMember) (store.NewMessage, bool) {
	recipient := m.Phone
	if t.Channel == render.ChannelEmail {
		if m.Email == "" {
			return store.NewMessage{}, false
		}
		recipient = m.Email
	} else if m.NotMobile {
		return store.NewMessage{}, false // SMS, LMS and AlimTalk need a mobile number
	}
	vars := m.Variables()
	for k, v := range c.Variables {
		vars[k] = v
	}
	r, err := render.Render(t, vars, acct)
	if err != nil {
		return store.NewMessage{}, false
	}
	msg := store.NewMessage{CustomerID: m.ID, GroupID: m.GroupID, Recipient: recipient, Name: m.Name,
		Channel: r.Channel, Subject: r.Subject, Body: r.Body}
	if len(r.Buttons) > 0 {
		buttons := make([]render.Button, len(r.Buttons))
		for i, b := range r.Buttons {
			buttons[i] = b
			tok := newToken()
			msg.Links = append(msg.Links, store.NewLink{Token: tok, Index: i, URL: b.MobileURL})
			buttons[i].MobileURL = a.PublicURL + "/t/" + tok
			if b.PCURL != "" {
				if b.PCURL == b.MobileURL {
					buttons[i].PCURL = buttons[i].MobileURL
				} else {
					pc := newToken()
					msg.Links = append(msg.Links, store.NewLink{Token: pc, Index: i, URL: b.PCURL})
					buttons[i].PCURL = a.PublicURL + "/t/" + pc
				}
			}
		}
		js, _ := json.Marshal(buttons)
		msg.Buttons = string(js)
	}
	if r.Fallback != nil {
		msg.FallbackChannel, msg.FallbackSubject, msg.FallbackBody = r.Fallback.Channel, r.Fallback.Subject, r.Fallback.Body
	}
	if r.Channel == render.ChannelEmail {
		// Every campaign e-mail carries its own one-click unsubscribe address
		// (List-Unsubscribe); an advertisement shows it in the body too.
		msg.UnsubscribeToken = newToken()
		if t.Advertisement {
			msg.Body = render.WithUnsubscribeLink(msg.Body, a.unsubscribeURL(msg.UnsubscribeToken))
		}
	}
	return msg, true
}

// unsubscribeURL is the public one-click unsubscribe address of a token.
func (a *Activities) unsubscribeURL(token string) string { return a.PublicURL + "/u/" + token }

// newToken is a tracking token: 128 random bits, URL-safe (22 characters).
func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

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
// no relay has are sent again. Messages no relay would take go back to pending
// and the activity fails, so Temporal retries it with backoff; after
// relayFaultAttempts attempts they are recorded failed.
func (a *Activities) SendChunk(ctx context.Context, in workflows.SendChunkInput) (workflows.SendChunkResult, error) {
	var out workflows.SendChunkResult
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
		return out, nil
	}
	cands, err := a.candidates(ctx, c)
	if err != nil {
		return out, err
	}
	mode := routingMode(c)
	tpl := store.Template(c.Content)
	counter := newCounter()

	// Reconcile what a dead attempt may already have sent.
	var stale []store.ChunkMessage
	for _, r := range rows {
		if r.Status == store.MessageSending {
			stale = append(stale, r)
		}
	}
	resend := map[int64]bool{}
	if len(stale) > 0 {
		found, err := a.reconcile(ctx, c, in.Run, tpl, cands, stale)
		if err != nil {
			return out, err
		}
		results := make([]store.MessageResult, 0, len(found))
		for _, r := range stale {
			if res, ok := found[r.ID]; ok {
				results = append(results, res)
				counter.add(res)
			} else {
				resend[r.ID] = true
			}
		}
		if _, err := a.Store.ApplyResults(ctx, c.AccountID, results, store.MessageSending); err != nil {
			return out, err
		}
	}

	var takeOver []store.ChunkMessage
	for _, r := range stale {
		if resend[r.ID] {
			takeOver = append(takeOver, r)
		}
	}
	mine, err := claimChunk(ctx, c.Key(), in.FromID, in.ToID, store.ClaimTime(time.Now(), activity.GetInfo(ctx).Attempt), takeOver)
	if err != nil {
		return out, err
	}
	// Only what this attempt's claim holds is sent: rows another attempt of the
	// chunk claimed meanwhile are that attempt's to send.
	var toSend []store.ChunkMessage
	for _, r := range rows {
		if mine[r.ID] && (r.Status == store.MessagePending || resend[r.ID]) {
			toSend = append(toSend, r)
		}
	}
	unsubscribe, err := a.unsubscribeTokens(ctx, c.Key(), toSend)
	if err != nil {
		return out, err
	}
	a.Log.Debug("sending chunk", "campaign_id", c.ID, "from", in.FromID, "to", in.ToID, "claimed", len(mine), "resend", len(resend))

	// The chunk goes to the router a slice at a time, and each slice's
	// outcomes are written before the next is built, so the relay messages,
	// the router's per-message state and the results live for one slice, not
	// the chunk (the worker's memory at full speed is window × slice); heartbeat
	// meanwhile so a dead worker is noticed and a cancel request reaches us.
	// What a cancel leaves unsent reaches no relay and goes back to pending;
	// what a relay took is recorded even when cancelled.
	stop := heartbeatEvery(ctx, 5*time.Second)
	defer stop()
	attempt := activity.GetInfo(ctx).Attempt
	wctx := context.WithoutCancel(ctx)
	var retry []int64
	for i := 0; i < len(toSend); i += sendSlice {
		part := toSend[i:min(i+sendSlice, len(toSend))]
		msgs := make([]relay.Message, len(part))
		for j, r := range part {
			msgs[j] = messageOf(r, in.Run, tpl)
			if tok, ok := unsubscribe[r.CustomerID]; ok && msgs[j].Channel == relay.ChannelEmail {
				msgs[j].Unsubscribe = a.unsubscribeURL(tok)
			}
		}
		var deliveries []relay.Delivery
		if ctx.Err() != nil {
			for _, m := range msgs {
				deliveries = append(deliveries, relay.Delivery{Result: relay.Result{MessageID: m.ID, Outcome: relay.RelayFault,
					Code: relay.CodeNotSent, Reason: "cancelled before it was sent"}, Channel: m.Channel})
			}
		} else {
			deliveries = a.Router.Send(ctx, mode, cands, msgs)
		}
		sentAt := time.Now()
		results := make([]store.MessageResult, 0, len(deliveries))
		for _, d := range deliveries {
			res, ok := resultOf(d, sentAt, attempt >= relayFaultAttempts && ctx.Err() == nil)
			if !ok {
				retry = append(retry, d.MessageID)
				continue
			}
			results = append(results, res)
			counter.add(res)
		}
		if _, err := a.Store.ApplyResults(wctx, c.AccountID, results, store.MessageSending); err != nil {
			return out, err
		}
	}
	if err := a.Store.RevertToPending(wctx, c.Key(), retry); err != nil {
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
	if len(retry) > 0 {
		return out, fmt.Errorf("%d messages of chunk %d-%d reached no relay (attempt %d of %d); retrying",
			len(retry), in.FromID, in.ToID, attempt, relayFaultAttempts)
	}
	return out, nil
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
		m.Key = strconv.FormatInt(r.ID, 10) + "-r" + strconv.Itoa(run)
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

// reconcile asks the relays what they know of rows a dead attempt left in
// "sending". Relays that cannot look messages up are skipped: the simulator and
// the generic relay dedupe a resend by id, SMTP resends at least once.
func (a *Activities) reconcile(ctx context.Context, c store.Campaign, run int, t store.Template, cands []relay.Candidate, stale []store.ChunkMessage) (map[int64]store.MessageResult, error) {
	found := map[int64]store.MessageResult{}
	since := stale[0].ClaimedAt
	msgs := make([]relay.Message, len(stale))
	for i, r := range stale {
		msgs[i] = messageOf(r, run, t)
		if r.ClaimedAt.Before(since) {
			since = r.ClaimedAt
		}
	}
	for _, cand := range cands {
		looker, ok := cand.Sender.(relay.Looker)
		if !ok {
			continue
		}
		reports, err := looker.Lookup(ctx, msgs, since)
		if errors.Is(err, relay.ErrLookupUnsupported) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("look up %d unsettled messages at relay %d: %w", len(msgs), cand.ID, err)
		}
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
	return found, nil
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

// heartbeatEvery heartbeats until the returned function is called.
func heartbeatEvery(ctx context.Context, d time.Duration) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	activity.RecordHeartbeat(ctx)
	return func() { close(done) }
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
	if r.Status != store.MessageSent && r.Status != store.MessageDelivered && r.Status != store.MessageFailed {
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
	}
	if r.Fallback {
		c.res.Fallback += n
		rc.Fallback += n
	}
}

func (c *counter) result() workflows.SendChunkResult {
	out := c.res
	for _, rc := range c.relays {
		out.Relays = append(out.Relays, *rc)
	}
	sort.Slice(out.Relays, func(i, j int) bool { return out.Relays[i].RelayID < out.Relays[j].RelayID })
	return out
}

// CollectReports polls the relays the campaign's awaited messages went through,
// once, and applies what they report. With GiveUp, messages still awaiting a
// report become unknown.
func (a *Activities) CollectReports(ctx context.Context, in workflows.CollectReportsInput) (workflows.CollectReportsResult, error) {
	var out workflows.CollectReportsResult
	if in.LastID == 0 {
		return out, nil
	}
	awaited, err := a.Store.AwaitedRelays(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID)
	if err != nil {
		return out, err
	}
	if in.GiveUp {
		n, err := a.Store.GiveUpReports(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID, time.Now())
		out.Unknown = n
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
	// Relays are polled side by side; each holds its own cursor.
	perRelay := map[int64]*workflows.RelayCounts{}
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		pollErr error
	)
	for _, aw := range awaited {
		r, ok := byID[aw.RelayID]
		if !ok {
			continue
		}
		sender, err := relay.New(r.Kind, []byte(r.Config), a.RelayOptions)
		if err != nil {
			return out, err
		}
		fetcher, ok := sender.(relay.ReportFetcher)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			changed, err := a.pollRelay(ctx, in, r, aw, fetcher)
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
			if err != nil {
				pollErr = errors.Join(pollErr, err)
				return
			}
			out.Unknown += changed[store.MessageUnknown]
			out.Delivered += changed[store.MessageDelivered]
			out.Failed += changed[store.MessageFailed]
			perRelay[r.ID] = &workflows.RelayCounts{RelayID: r.ID, Delivered: changed[store.MessageDelivered], Failed: changed[store.MessageFailed]}
		}()
	}
	stop := heartbeatEvery(ctx, 5*time.Second)
	wg.Wait()
	stop()
	if pollErr != nil {
		return out, pollErr
	}
	for _, rc := range perRelay {
		out.Relays = append(out.Relays, *rc)
	}
	sort.Slice(out.Relays, func(i, j int) bool { return out.Relays[i].RelayID < out.Relays[j].RelayID })
	after, err := a.Store.AwaitedRelays(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID)
	if err != nil {
		return out, err
	}
	for _, aw := range after {
		out.Awaiting += aw.Awaiting
	}
	return out, nil
}

// pollRelay reads one relay's reports. Relays with a report stream (generic,
// simulator) are read from the relay's shared cursor and reports are matched by
// message id across campaigns; Aligo is asked about the campaign's request ids and
// matched by recipient.
func (a *Activities) pollRelay(ctx context.Context, in workflows.CollectReportsInput, r store.Relay, aw store.AwaitedRelay, f relay.ReportFetcher) (map[string]int64, error) {
	total := map[string]int64{}
	var touched []int64 // message ids whose statistics changed
	defer func() {
		if err := a.Store.RollUp(context.WithoutCancel(ctx), store.BlocksOfIDs(touched)); err != nil {
			a.Log.Warn("roll up statistics", "campaign_id", in.CampaignID, "error", err)
		}
	}()
	merge := func(m map[string]int64) {
		for k, v := range m {
			total[k] += v
		}
	}
	kind, _ := relay.KindOf(r.Kind)
	if kind.Idempotent {
		// No lock or transaction is held while the relay is asked: the cursor is
		// read, the page fetched and applied (idempotently), and only then is the
		// cursor moved on, with a compare-and-set. A poller that finds the cursor
		// moved by another stops: that one is ahead.
		cursor, err := a.Store.ReportCursor(ctx, r.AccountID, r.ID)
		if err != nil {
			return total, err
		}
		for page := 0; page < reportPagesPerPoll; page++ {
			p, err := f.Reports(ctx, relay.ReportQuery{Cursor: cursor, Limit: reportPageLimit})
			if err != nil {
				return total, reportsError(r.ID, err)
			}
			results := make([]store.MessageResult, 0, len(p.Reports))
			for _, rep := range p.Reports {
				if res, ok := reportResult(rep); ok {
					results = append(results, res)
					touched = append(touched, res.ID)
				}
			}
			changed, err := a.Store.ApplyResults(ctx, in.AccountID, results, store.MessageSent, store.MessageSending)
			if err != nil {
				return total, err
			}
			merge(changed)
			if p.Next != "" && p.Next != cursor {
				moved, err := a.Store.AdvanceReportCursor(ctx, r.AccountID, r.ID, cursor, p.Next)
				if err != nil || !moved {
					return total, err
				}
				cursor = p.Next
			}
			if !p.More {
				break
			}
		}
		return total, nil
	}
	mids, err := a.Store.AwaitedProviderIDs(ctx, keyOf(in.AccountID, in.CampaignID), in.FirstID, in.LastID, r.ID)
	if err != nil || len(mids) == 0 {
		return total, err
	}
	p, err := f.Reports(ctx, relay.ReportQuery{ProviderIDs: mids, Since: aw.FirstSentAt.Add(-time.Minute), Limit: reportPageLimit})
	if err != nil {
		return total, reportsError(r.ID, err)
	}
	var byRecipient []store.ReportByRecipient
	for _, rep := range p.Reports {
		res, ok := reportResult(rep)
		if !ok || rep.ProviderID == "" || rep.To == "" {
			continue
		}
		byRecipient = append(byRecipient, store.ReportByRecipient{ProviderID: rep.ProviderID, Recipient: rep.To,
			Status: res.Status, Code: res.Code, Reason: res.Reason, At: res.ResultAt})
	}
	changed, err := a.Store.ApplyRecipientReports(ctx, keyOf(in.AccountID, in.CampaignID), r.ID, byRecipient)
	merge(changed)
	if changed[store.MessageDelivered]+changed[store.MessageFailed] > 0 {
		touched = append(touched, in.FirstID, in.LastID)
		for b := in.FirstID / store.StatsBlock; b <= in.LastID/store.StatsBlock; b++ {
			touched = append(touched, b*store.StatsBlock)
		}
	}
	return total, err
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
func reportResult(rep relay.Report) (store.MessageResult, bool) {
	at := rep.At
	if at.IsZero() {
		at = time.Now()
	}
	r := store.MessageResult{ID: rep.MessageID, Code: rep.Code, Reason: relay.SanitizeReason(rep.Reason), ResultAt: at}
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

// keyOf is the store's key of a workflow's campaign.
func keyOf(accountID, campaignID int64) store.CampaignKey {
	return store.CampaignKey{AccountID: accountID, ID: campaignID}
}
