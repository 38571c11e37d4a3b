package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/routing"
	"github.com/sendingo/sendingo/store"
)

// relayJSON is a relay as the API shows it: its config with every secret masked.
type relayJSON struct {
	store.Relay
	Config json.RawMessage `json:"config"`
}

func toRelayJSON(r store.Relay) relayJSON {
	return relayJSON{Relay: r, Config: relay.Redact(r.Kind, json.RawMessage(r.Config))}
}

type relayRequest struct {
	Name      *string          `json:"name"`
	Kind      *string          `json:"kind"`
	Channel   *string          `json:"channel"`
	Config    *json.RawMessage `json:"config"`
	Weight    *int             `json:"weight"`
	Price     *int64           `json:"price"`
	RateLimit *int             `json:"rate_limit"`
	Enabled   *bool            `json:"enabled"`
}

// apply merges the request into r and validates the result. On update, secrets
// sent back masked (or left out) keep their stored values while the endpoint
// stays the same; an update that points the relay elsewhere must send every
// secret again. The destination must be one guard lets tenants reach.
func (req relayRequest) apply(r *store.Relay, create bool, guard *egress.Guard) Fields {
	var errs Fields
	oldKind, oldConfig := r.Kind, json.RawMessage(r.Config)
	if req.Name != nil {
		r.Name = strings.TrimSpace(*req.Name)
	}
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 100 {
		errs.Add("name", "is required, at most 100 characters")
	}
	if req.Kind != nil {
		r.Kind = *req.Kind
	}
	kind, kindOK := relay.KindOf(r.Kind)
	if !kindOK {
		names := make([]string, len(relay.Kinds))
		for i, k := range relay.Kinds {
			names[i] = k.Name
		}
		errs.Add("kind", "must be one of %s", strings.Join(names, ", "))
	}
	if req.Channel != nil {
		r.Channel = *req.Channel
	}
	switch {
	case !relay.Channel(r.Channel).Valid():
		errs.Add("channel", "must be alimtalk, sms, lms or email")
	case kindOK && !kind.Carries(relay.Channel(r.Channel)):
		errs.Add("channel", "a %s relay cannot carry %s messages", r.Kind, r.Channel)
	}
	switch {
	case req.Config != nil && kindOK && !create && r.Kind == oldKind:
		merged, probs, err := relay.MergeSecrets(r.Kind, oldConfig, *req.Config)
		switch {
		case err != nil:
			errs.Add("config", "%v", err)
		case len(probs) > 0:
			for _, p := range probs {
				errs.Add(p.Field, "%s", p.Message)
			}
			r.Config = nil // nothing merged: nothing more to validate
		default:
			r.Config = store.RawJSON(merged)
		}
	case req.Config != nil:
		r.Config = store.RawJSON(*req.Config)
		if kindOK {
			for _, p := range relay.MaskedSecrets(r.Kind, *req.Config) {
				errs.Add(p.Field, "%s", p.Message)
			}
		}
	case create || r.Kind != oldKind:
		errs.Add("config", "is required: the %s relay's settings and credentials", r.Kind)
	}
	if kindOK && !errs.Has("config") && r.Config != nil {
		probs := relay.ValidateConfig(r.Kind, json.RawMessage(r.Config))
		if len(probs) == 0 {
			probs = relay.CheckDestinations(r.Kind, json.RawMessage(r.Config), guard)
		}
		for _, p := range probs {
			errs.Add(p.Field, "%s", p.Message)
		}
	}
	if req.Weight != nil {
		r.Weight = *req.Weight
	}
	if r.Weight < 0 || r.Weight > 10000 {
		errs.Add("weight", "must be 0 to 10000 (0 = standby, used only for failover)")
	}
	if req.Price != nil {
		r.PriceMilli = *req.Price
	}
	if r.PriceMilli < 0 {
		errs.Add("price", "must not be negative")
	}
	if req.RateLimit != nil {
		r.RateLimit = *req.RateLimit
	}
	if r.RateLimit < 0 || r.RateLimit > 1_000_000 {
		errs.Add("rate_limit", "must be 0 (unlimited) to 1000000 messages per second")
	}
	if req.Enabled != nil {
		r.Enabled = *req.Enabled
	}
	return errs
}

func (s *Server) createRelay(c *gin.Context) {
	var req relayRequest
	if !bindJSON(c, &req) {
		return
	}
	r := store.Relay{Weight: 1, Enabled: true}
	if req.apply(&r, true, s.egress).Abort(c) {
		return
	}
	saved, err := s.store.SaveRelay(c.Request.Context(), account(c), r)
	if !storeErr(c, err, "relay") {
		return
	}
	c.Header("Location", "/api/v1/relays/"+itoa(saved.ID))
	c.JSON(http.StatusCreated, toRelayJSON(saved))
}

func (s *Server) updateRelay(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req relayRequest
	if !bindJSON(c, &req) {
		return
	}
	r, err := s.store.Relay(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "relay") {
		return
	}
	if req.apply(&r, false, s.egress).Abort(c) {
		return
	}
	saved, err := s.store.SaveRelay(c.Request.Context(), account(c), r)
	if !storeErr(c, err, "relay") {
		return
	}
	c.JSON(http.StatusOK, toRelayJSON(saved))
}

func (s *Server) getRelay(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	r, err := s.store.Relay(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "relay") {
		return
	}
	c.JSON(http.StatusOK, toRelayJSON(r))
}

func (s *Server) listRelays(c *gin.Context) {
	rs, err := s.store.Relays(c.Request.Context(), account(c), c.Query("channel"), false)
	if !storeErr(c, err, "relays") {
		return
	}
	out := make([]relayJSON, len(rs))
	for i, r := range rs {
		out[i] = toRelayJSON(r)
	}
	c.JSON(http.StatusOK, list[relayJSON]{Items: out, Total: int64(len(out)), Page: 1, Size: len(out)})
}

func (s *Server) deleteRelay(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	if !storeErr(c, s.store.DeleteRelay(c.Request.Context(), account(c), id), "relay") {
		return
	}
	c.Status(http.StatusNoContent)
}

type relayHealthJSON struct {
	RelayID int64        `json:"relay_id"`
	Name    string       `json:"name"`
	Channel string       `json:"channel"`
	Enabled bool         `json:"enabled"`
	Health  relay.Health `json:"health"`
}

// relayHealth answers each relay's record as the worker's router last published it.
func (s *Server) relayHealth(c *gin.Context) {
	ctx, acc := c.Request.Context(), account(c)
	rs, err := s.store.Relays(ctx, acc, "", false)
	if !storeErr(c, err, "relays") {
		return
	}
	snaps, err := s.store.RelayHealthSnapshots(ctx, acc)
	if !storeErr(c, err, "relays") {
		return
	}
	now := time.Now()
	out := make([]relayHealthJSON, len(rs))
	for i, r := range rs {
		h := relay.Health{RelayID: r.ID, Window: time.Minute}
		if snap, ok := snaps[r.ID]; ok {
			h = routing.Health(snap, now)
		}
		out[i] = relayHealthJSON{RelayID: r.ID, Name: r.Name, Channel: r.Channel, Enabled: r.Enabled, Health: h}
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
}

// relayRecommendation says which enabled relay to use for a channel now, and why.
func (s *Server) relayRecommendation(c *gin.Context) {
	ch := relay.Channel(c.Query("channel"))
	if !ch.Valid() {
		Fields{{Field: "channel", Message: "is required: alimtalk, sms, lms or email"}}.Abort(c)
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	rs, err := s.store.Relays(ctx, acc, "", true)
	if !storeErr(c, err, "relays") {
		return
	}
	snaps, err := s.store.RelayHealthSnapshots(ctx, acc)
	if !storeErr(c, err, "relays") {
		return
	}
	var cands []relay.Candidate
	for _, r := range rs {
		cand, err := routing.Candidate(r, r.Weight, relay.Options{})
		if err != nil {
			s.log.Warn("relay not usable", "account_id", acc, "relay_id", r.ID, "error", err)
			continue
		}
		cands = append(cands, cand)
	}
	now := time.Now()
	rec := relay.Recommend(ch, cands, func(id int64) relay.Health {
		if snap, ok := snaps[id]; ok {
			return routing.Health(snap, now)
		}
		return relay.Health{RelayID: id, Window: time.Minute}
	})
	c.JSON(http.StatusOK, rec)
}
