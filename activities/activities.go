// Package activities implements sendingo's Temporal activities. Each activity is
// a method on Activities, whose fields are its dependencies; activities are
// idempotent, so Temporal may retry any of them.
package activities

import (
	"errors"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/outbound"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// Activities holds the dependencies of every activity.
type Activities struct {
	Store *store.Store
	Log   *slog.Logger
	// Router keeps the relays' live state (circuit breakers, rate limits,
	// health) across the chunks this worker sends.
	Router *relay.Router
	// RelayOptions build the relay adapters (one shared HTTP client).
	RelayOptions relay.Options
	// PublicURL is where customers reach tracking links (/t/{token}).
	PublicURL string
	// Mail sends the platform's e-mails: low-stock alerts, invitations and
	// password resets (nil: those e-mails fail).
	Mail outbound.Mailer
	// LinkKey rebuilds the tokens of mailed links (onetime.Key of the signing
	// secret; nil: invitation and reset mails fail).
	LinkKey []byte
	// LogLinks logs mailed links too (development).
	LogLinks bool
	// AlertMailsPerHour bounds the low-stock alert e-mails one account's
	// alerts send an hour (0: defaultAlertMailsPerHour); past it an alert is
	// recorded and notified, its e-mail skipped.
	AlertMailsPerHour int
	// Webhooks posts low-stock alert webhooks (nil: a client through Egress).
	Webhooks *outbound.Webhooks
	// Egress checks connections to tenant-supplied addresses (nil refuses every
	// private or internal one).
	Egress *egress.Guard
	// Temporal starts the workflows the outbox owes and keeps reminder and
	// campaign Schedules in line with their rows (the worker sets its own client).
	Temporal client.Client
	// ReportPageSize and ReportPages bound one report poll of a relay: at most
	// ReportPages pages of ReportPageSize reports from a stream, one page of
	// ReportPageSize from Aligo (zero: the defaults, reportPageLimit and
	// reportPagesPerPoll).
	ReportPageSize, ReportPages int
	// Now is the wall clock where an activity decides by the hour (an
	// advertisement's fallback held back in quiet hours); nil: time.Now.
	Now func() time.Time
}

// now reads the activities' clock.
func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// classify turns store errors that retrying cannot fix into non-retryable
// application errors; everything else is returned as is (and retried).
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeNotFound, err)
	case errors.Is(err, store.ErrConflict):
		return temporal.NewNonRetryableApplicationError(err.Error(), workflows.ErrTypeInvalidState, err)
	}
	return err
}

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
