package store

import (
	"context"
	"fmt"
	"slices"
)

// AudienceSummary is a campaign's audience as a send would see it: who gets the
// message, and who is skipped and why. Counts are of customers.
type AudienceSummary struct {
	Audience   int64 `db:"audience"`   // customers the campaign's groups (or list) hold
	Recipients int64 `db:"-"`          // who would get the message
	OptedOut   int64 `db:"opted_out"`  // skipped: opted out
	NotMobile  int64 `db:"not_mobile"` // skipped: a text channel and no mobile number (landline, 070, ...)
	NoEmail    int64 `db:"no_email"`   // skipped: an e-mail and no address
	// MissingVariables: skipped for lacking a value the template needs (a send
	// with any of them is refused until they are given one or left out).
	MissingVariables int64 `db:"missing_variables"`
	// NightConsent: recipients who consent to advertising at night.
	NightConsent int64 `db:"night_consent"`
}

// SummarizeAudience counts the campaign's audience for a template of the given
// channel (email or a text channel) needing vars, in one aggregate query. A
// customer is counted under the first reason that skips it, in the order of the
// fields.
func (s *Store) SummarizeAudience(ctx context.Context, c Campaign, email bool, vars []string) (AudienceSummary, error) {
	var out AudienceSummary
	cond, args, err := audienceMembers(c, "c.account_id = ?")
	if err != nil {
		return out, err
	}
	unreachable := "c.not_mobile = 1"
	if email {
		unreachable = "c.email = ''"
	}
	lacks := "FALSE"
	var lackArgs []any
	if vars = slices.DeleteFunc(slices.Clone(vars), func(v string) bool { return slices.Contains(FieldVariables, v) }); len(vars) > 0 {
		var parts []string
		for _, v := range vars {
			if slices.Contains(EmailVariables, v) {
				parts = append(parts, "c.email = ''")
				continue
			}
			parts = append(parts, "JSON_EXTRACT(c.attributes, ?) IS NULL")
			lackArgs = append(lackArgs, jsonPath(v))
		}
		lacks = "(" + joinOr(parts) + ")"
	}
	reachable := "c.opted_out = 0 AND NOT " + unreachable
	query := `SELECT COUNT(*) AS audience,
		COALESCE(SUM(c.opted_out = 1), 0) AS opted_out,
		COALESCE(SUM(c.opted_out = 0 AND ` + unreachable + ` AND ` + fmt.Sprint(!email) + `), 0) AS not_mobile,
		COALESCE(SUM(c.opted_out = 0 AND ` + unreachable + ` AND ` + fmt.Sprint(email) + `), 0) AS no_email,
		COALESCE(SUM(` + reachable + ` AND ` + lacks + `), 0) AS missing_variables,
		COALESCE(SUM(` + reachable + ` AND NOT ` + lacks + ` AND c.night_ad_consent = 1), 0) AS night_consent
		FROM customers c WHERE ` + cond
	all := append(append(append([]any{}, lackArgs...), lackArgs...), args...)
	if err := s.db.GetContext(ctx, &out, query, all...); err != nil {
		return out, fmt.Errorf("summarize the audience of campaign %d: %w", c.ID, err)
	}
	out.Recipients = out.Audience - out.OptedOut - out.NotMobile - out.NoEmail - out.MissingVariables
	return out, nil
}
