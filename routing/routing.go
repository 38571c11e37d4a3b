// Package routing connects stored relays to the relay package's router: it builds
// router candidates from relay rows, and turns a router's live health into the
// snapshots the worker publishes and the API reads.
package routing

import (
	"fmt"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
)

// Candidate builds the router's view of a stored relay. weight is the campaign's
// weight for it (the relay's own weight when the campaign names none).
func Candidate(r store.Relay, weight int, opts relay.Options) (relay.Candidate, error) {
	kind, ok := relay.KindOf(r.Kind)
	if !ok {
		return relay.Candidate{}, fmt.Errorf("relay %d: unknown kind %q", r.ID, r.Kind)
	}
	sender, err := relay.New(r.Kind, []byte(r.Config), opts)
	if err != nil {
		return relay.Candidate{}, fmt.Errorf("relay %d (%s): %w", r.ID, r.Name, err)
	}
	ch := relay.Channel(r.Channel)
	channels := []relay.Channel{ch}
	// A relay configured for SMS also carries LMS when its kind can: long SMS
	// become LMS at render time and should not need a second relay.
	if ch == relay.ChannelSMS && kind.Carries(relay.ChannelLMS) {
		channels = append(channels, relay.ChannelLMS)
	}
	return relay.Candidate{
		ID: r.ID, Name: r.Name, Kind: r.Kind, Channels: channels, Weight: weight, Price: r.PriceMilli,
		Rate: float64(r.RateLimit), Sender: sender,
	}, nil
}

// Snapshot is the stored form of a relay's health.
func Snapshot(accountID int64, h relay.Health, now time.Time) store.RelayHealth {
	return store.RelayHealth{
		RelayID: h.RelayID, AccountID: accountID, WindowSeconds: int(h.Window / time.Second),
		Calls: h.Calls, Faults: h.Faults, Messages: h.Messages,
		LatencyP50us: h.P50.Microseconds(), LatencyP95us: h.P95.Microseconds(),
		BreakerState: h.Breaker.State.String(), ConsecutiveFailures: h.Breaker.ConsecutiveFailures,
		OpenedAt: h.Breaker.OpenedAt, RetryAt: h.Breaker.RetryAt, ObservedAt: now,
	}
}

// Health reads a snapshot back as of now: a record older than its window holds no
// calls any more, and an open circuit whose cool-down has passed is half-open.
func Health(s store.RelayHealth, now time.Time) relay.Health {
	window := time.Duration(s.WindowSeconds) * time.Second
	h := relay.Health{RelayID: s.RelayID, Window: window}
	if now.Sub(s.ObservedAt) <= window {
		h.Calls, h.Faults, h.Messages = s.Calls, s.Faults, s.Messages
		h.P50 = time.Duration(s.LatencyP50us) * time.Microsecond
		h.P95 = time.Duration(s.LatencyP95us) * time.Microsecond
		if h.Calls > 0 {
			h.SuccessRate = float64(h.Calls-h.Faults) / float64(h.Calls)
		}
	}
	h.Breaker.ConsecutiveFailures = s.ConsecutiveFailures
	switch s.BreakerState {
	case relay.Open.String():
		h.Breaker.State = relay.Open
		h.Breaker.OpenedAt, h.Breaker.RetryAt = s.OpenedAt, s.RetryAt
		if !now.Before(s.RetryAt) {
			h.Breaker.State = relay.HalfOpen
		}
	case relay.HalfOpen.String():
		h.Breaker.State = relay.HalfOpen
	default:
		h.Breaker.State = relay.Closed
	}
	return h
}

// MessageFor is the message a relay adapter sends for one rendered template:
// the same text the preview shows, with the template's AlimTalk identifiers.
// id is the message's id (and idempotency key); to is E.164 or an e-mail address.
func MessageFor(id int64, to, name string, t store.Template, r render.Rendered) relay.Message {
	m := relay.Message{
		ID: id, To: to, Name: name, Channel: relay.Channel(r.Channel),
		Subject: r.Subject, Body: r.Body,
	}
	switch r.Channel {
	case render.ChannelAlimTalk:
		m.TemplateCode, m.SenderKey = t.ProviderTemplateCode, t.SenderKey
	case render.ChannelEmail:
		m.HTML = render.IsHTML(t.Body) // the template decides, as Render did
	}
	for _, b := range r.Buttons {
		m.Buttons = append(m.Buttons, relay.Button{Name: b.Name, MobileURL: b.MobileURL, PCURL: b.PCURL})
	}
	if r.Fallback != nil {
		m.Fallback = &relay.Fallback{Channel: relay.Channel(r.Fallback.Channel), Subject: r.Fallback.Subject, Body: r.Fallback.Body}
	}
	return m
}
