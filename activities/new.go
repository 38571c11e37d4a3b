package activities

import (
	"log/slog"

	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
)

// New returns the activities with a relay router and a shared HTTP client for
// the relay adapters; publicURL is where customers reach tracking links.
func New(st *store.Store, log *slog.Logger, publicURL string) *Activities {
	return &Activities{
		Store:        st,
		Log:          log,
		Router:       NewRouter(st, log, relay.RouterOptions{}),
		RelayOptions: relay.Options{HTTPClient: relay.NewHTTPClient(relay.DefaultTimeout), Logger: log.With("component", "relay")},
		PublicURL:    publicURL,
	}
}
