// Package workflows holds sendingo's Temporal workflow functions, their inputs
// and outputs, signal and query names, and workflow IDs. It depends only on the
// Temporal SDK: activities are called by name (the Activity* constants), and the
// activities package implements the interfaces declared here, which the worker
// checks at compile time.
package workflows

import (
	"strconv"

	"go.temporal.io/sdk/temporal"
)

// Search attributes every sendingo workflow carries, for filtering in Temporal Web.
var (
	AccountIDKey  = temporal.NewSearchAttributeKeyKeyword("AccountId")
	CampaignIDKey = temporal.NewSearchAttributeKeyKeyword("CampaignId")
)

// AccountSearchAttributes returns the search attributes of an account's workflow.
func AccountSearchAttributes(accountID int64) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(AccountIDKey.ValueSet(strconv.FormatInt(accountID, 10)))
}

// CampaignSearchAttributes returns the search attributes of a campaign's workflow.
func CampaignSearchAttributes(accountID, campaignID int64) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(
		AccountIDKey.ValueSet(strconv.FormatInt(accountID, 10)),
		CampaignIDKey.ValueSet(strconv.FormatInt(campaignID, 10)))
}

// Error types activities return as non-retryable application errors.
const (
	ErrTypeNotFound     = "NotFound"
	ErrTypeInvalidState = "InvalidState"
	ErrTypeInvalidInput = "InvalidInput"
)

// permanentErrorTypes are the activity errors retrying cannot fix.
var permanentErrorTypes = []string{ErrTypeNotFound, ErrTypeInvalidState, ErrTypeInvalidInput}
