package activities

import (
	"context"
	"log/slog"
	"time"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
)

// NewRouter builds the worker's relay router with o, telling circuit
// transitions to the store: each worker's breakers are its own, and the shared
// record in MySQL (store.RecordCircuit) makes one notification per transition
// whichever worker sees it first.
func NewRouter(st *store.Store, log *slog.Logger, o relay.RouterOptions) *relay.Router {
	if o.Logger == nil {
		o.Logger = log.With("component", "relay-router")
	}
	o.OnCircuit = func(relayID int64, open bool) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		changed, err := st.RecordCircuit(ctx, relayID, open)
		if err != nil {
			log.Warn("record relay circuit", "relay_id", relayID, "open", open, "error", err)
			return
		}
		log.Info("relay circuit", "relay_id", relayID, "open", open, "recorded", changed)
	}
	return relay.NewRouter(o)
}
