package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/sendingo/sendingo/egress"
)

// WebhookTimeout bounds one webhook call.
const WebhookTimeout = 10 * time.Second

// Webhooks posts JSON to tenant-supplied URLs. Every connection, redirects
// included, is dialled through the egress guard, so a webhook cannot reach a
// private or internal address the operator has not listed.
type Webhooks struct {
	client    *http.Client
	userAgent string
}

// NewWebhooks returns a client dialling through guard (nil refuses every
// private or internal address), following at most egress.MaxRedirects
// redirects, and sending userAgent.
func NewWebhooks(guard *egress.Guard, userAgent string) *Webhooks {
	if guard == nil {
		guard = &egress.Guard{}
	}
	return &Webhooks{userAgent: userAgent, client: &http.Client{Transport: guard.Transport(WebhookTimeout),
		Timeout: WebhookTimeout, CheckRedirect: egress.CheckRedirect}}
}

// WebhookError is a webhook call that did not deliver. Reason is fit for the
// tenant's eyes: the class of the failure or the HTTP status, never the
// answer's body nor the address it resolved to. Final means retrying cannot
// help. Err is the cause, for the log.
type WebhookError struct {
	Reason string
	Final  bool
	Status int // the HTTP status answered; 0 when there was no answer
	Err    error
}

func (e *WebhookError) Error() string { return e.Reason }

func (e *WebhookError) Unwrap() error { return e.Err }

// Post sends body (JSON) to url with an Idempotency-Key header that stays the
// same across retries. Any 2xx is delivered (nil); 4xx other than 408 and 429
// is final; everything else is worth retrying. A failure is a *WebhookError.
func (w *Webhooks) Post(ctx context.Context, url, idempotencyKey string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return &WebhookError{Reason: "the webhook URL cannot be used", Final: true, Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.userAgent)
	req.Header.Set("Idempotency-Key", idempotencyKey)
	resp, err := w.client.Do(req)
	if err != nil {
		reason, final := webhookFailure(err)
		return &WebhookError{Reason: reason, Final: final, Err: err}
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10)) // lets the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	// Only the status: the answer's body is whatever the address serves, and it
	// must not reach the tenant.
	reason := fmt.Sprintf("the webhook answered HTTP %d", resp.StatusCode)
	final := resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != 408 && resp.StatusCode != 429
	return &WebhookError{Reason: reason, Final: final, Status: resp.StatusCode, Err: errors.New(reason)}
}

// webhookFailure classifies a failed webhook call for the tenant; final means
// retrying cannot help (a refused address stays refused until the operator
// lists it).
func webhookFailure(err error) (reason string, final bool) {
	var ne net.Error
	switch {
	case errors.Is(err, egress.ErrRefused):
		return "the webhook address is private or internal and not allowed", true
	case errors.Is(err, egress.ErrTooManyRedirects):
		return fmt.Sprintf("the webhook redirected more than %d times", egress.MaxRedirects), true
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "the webhook did not answer in time", false
	}
	return "the webhook could not be reached", false
}
