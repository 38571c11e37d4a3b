package activities

import (
	"log/slog"

	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
)

// New returns the activities with a relay router and a shared HTTP client for
// the relay adapters; publicURL is where customers reach tracking links. Every
// connection to a tenant-supplied address (relays, alert webhooks) goes through
// guard; nil refuses every private or internal address.
func New(st *store.Store, log *slog.Logger, publicURL string, guard *egress.Guard) *Activities {
	if guard == nil {
		guard = &egress.Guard{}
	}
	return &Activities{
		Store:  st,
		Log:    log,
		Router: NewRouter(st, log, relay.RouterOptions{}),
		RelayOptions: relay.Options{HTTPClient: relay.NewHTTPClient(relay.DefaultTimeout, guard), Egress: guard,
			Logger: log.With("component", "relay")},
		PublicURL: publicURL,
		Webhooks:  outbound.NewWebhooks(guard, alertUserAgent),
		Egress:    guard,
	}
}
