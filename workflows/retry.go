package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
)

// The retry policies of sendingo's activities, in one place. A policy is a backoff
// (first wait, doubling up to a ceiling) and an attempt budget; a budget of 0
// retries until the activity's schedule-to-close timeout. Errors of the
// permanentErrorTypes are never retried, except by outboxRetry.
type backoff struct{ initial, ceiling time.Duration }

var (
	// storeBackoff suits activities that mostly talk to the database.
	storeBackoff = backoff{time.Second, time.Minute}
	// campaignBackoff keeps a campaign's stalls short: sends wait on it.
	campaignBackoff = backoff{time.Second, 30 * time.Second}
	// mailBackoff gives a mail server or webhook receiver time to come back.
	mailBackoff = backoff{2 * time.Second, 5 * time.Minute}
)

// retry is b with at most attempts attempts.
func (b backoff) retry(attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        b.initial,
		BackoffCoefficient:     2,
		MaximumInterval:        b.ceiling,
		MaximumAttempts:        attempts,
		NonRetryableErrorTypes: permanentErrorTypes,
	}
}

// retryPolicy is the campaign workflow's policy with at most maxAttempts attempts.
func retryPolicy(maxAttempts int32) *temporal.RetryPolicy { return campaignBackoff.retry(maxAttempts) }

// quickRetry is the SDK's default backoff with at most attempts attempts, for
// short activities whose failures are rare.
func quickRetry(attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{MaximumAttempts: attempts, NonRetryableErrorTypes: permanentErrorTypes}
}

// outboxRetry is the sweep's: three tries a second apart at first, every error
// retried (a sweep is idempotent and the next one comes anyway).
func outboxRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 3}
}
