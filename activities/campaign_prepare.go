package activities

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"sync"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
	"go.temporal.io/sdk/activity"
)

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
	// The content is checked once; a template the account's settings refuse
	// (nil) renders for nobody, as rendering it for each would fail.
	compiled, _ := render.Compile(store.Template(c.Content).Content(), settings)
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
		vars := map[string]string{} // each member's variables in turn
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
				if msg, ok := a.messageFor(c, compiled, m, vars); ok {
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

	// Move the cursor in order: batch k counts once batches 0..k are stored,
	// and never past a batch that failed (nor after it: a retry starts from
	// the cursor, and stores again, ignoring, what a later batch did store).
	finished := map[int]batch{}
	nextSeq := 0
	var firstErr error
	for r := range results {
		if r.err != nil && firstErr == nil {
			firstErr = r.err
			cancel()
		}
		if firstErr != nil {
			continue
		}
		finished[r.b.seq] = r.b
		for firstErr == nil {
			b, ok := finished[nextSeq]
			if !ok {
				break
			}
			// Who this batch left out counts once, however often it is stored.
			if b.skipped > 0 {
				if firstErr = a.Store.AddLeftOut(ctx, c.Key(), b.skipped, b.next); firstErr != nil {
					cancel()
					break
				}
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
// vars is scratch room for the recipient's variables (its contents are
// replaced).
func (a *Activities) messageFor(c store.Campaign, t *render.Compiled, m store.AudienceMember, vars map[string]string) (store.NewMessage, bool) {
	if t == nil {
		return store.NewMessage{}, false
	}
	recipient := m.Phone
	if t.Template().Channel == render.ChannelEmail {
		if m.Email == "" {
			return store.NewMessage{}, false
		}
		recipient = m.Email
	} else if m.NotMobile {
		return store.NewMessage{}, false // SMS, LMS and AlimTalk need a mobile number
	}
	m.VariablesInto(vars)
	for k, v := range c.Variables {
		vars[k] = v
	}
	r, err := t.Render(vars)
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
		if t.Template().Advertisement {
			msg.Body = render.WithUnsubscribeLink(msg.Body, a.unsubscribeURL(msg.UnsubscribeToken), t.HTML())
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
