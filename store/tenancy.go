package store

// CampaignKey names one campaign of one account. Store methods on the send and
// report path take it instead of a bare campaign id, so a caller cannot reach a
// campaign's rows without saying whose campaign it is; every statement filters on
// both fields.
type CampaignKey struct {
	AccountID int64
	ID        int64
}

// Key returns the campaign's key.
func (c Campaign) Key() CampaignKey { return CampaignKey{AccountID: c.AccountID, ID: c.ID} }
