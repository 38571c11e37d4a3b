package relay

import (
	"context"
	"errors"
	"net"
	"os"
	"syscall"

	"github.com/sendingo/sendingo/egress"
)

// Error is a whole-call failure carrying its failure code (a Code* constant), so the
// router can tell a timeout from a refused credential without parsing text.
type Error struct {
	Code string
	Err  error
	// Public is a short detail safe to show the tenant next to the code's
	// sentence (an HTTP status, a cleaned provider message); see PublicReason.
	Public string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// fault wraps err as a relay fault with code.
func fault(code string, err error) error { return &Error{Code: code, Err: err} }

// ErrorCode returns the failure code of a Send or Reports error: the code of an
// *Error, or one inferred from the error (timeout, unreachable, not sent).
func ErrorCode(err error) string { return codeOf(err) }

func codeOf(err error) string {
	var re *Error
	var dial *net.OpError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &re):
		return re.Code
	case errors.Is(err, egress.ErrRefused):
		return CodeAddressRefused
	case errors.Is(err, context.Canceled):
		return CodeNotSent
	case errors.As(err, &dial) && dial.Op == "dial":
		// Not connected, so nothing was sent, even when the dial timed out: a
		// timeout is kept for calls the relay may have taken (InDoubt).
		return CodeUnreachable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		return CodeTimeout
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET):
		return CodeUnreachable
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return CodeTimeout
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return CodeUnreachable
	}
	return CodeServerError
}
