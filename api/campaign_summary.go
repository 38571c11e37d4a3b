package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
)

// summaryJSON is a campaign's pre-send summary: who the send would reach, who
// it would skip and why, and whether quiet hours hold an advertisement now.
type summaryJSON struct {
	CampaignID    int64  `json:"campaign_id"`
	Channel       string `json:"channel"`
	Advertisement bool   `json:"advertisement"`
	// ProviderStatus is an AlimTalk template's inspection status at the
	// provider (empty: never synced); a send needs "approved" once synced.
	ProviderStatus string      `json:"provider_status,omitempty"`
	Audience       int64       `json:"audience"`
	Recipients     int64       `json:"recipients"`
	Skipped        skippedJSON `json:"skipped"`
	// NightConsent: recipients who consent to advertising at night.
	NightConsent int64          `json:"night_consent"`
	QuietHours   quietHoursJSON `json:"quiet_hours"`
}

type skippedJSON struct {
	OptedOut         int64 `json:"opted_out"`
	NotMobile        int64 `json:"not_mobile"`
	NoEmail          int64 `json:"no_email"`
	MissingVariables int64 `json:"missing_variables"`
}

type quietHoursJSON struct {
	// Now: an advertisement sent now starts in quiet hours (21:00–08:00 in the
	// account's time zone): it goes at once to the NightConsent recipients and
	// at ResumeAt to the others.
	Now      bool       `json:"now"`
	ResumeAt *time.Time `json:"resume_at"`
}

// quietHours is whether t falls in 21:00–08:00 in loc, and when that ends.
func quietHours(t time.Time, loc *time.Location) (bool, time.Time) {
	local := t.In(loc)
	h := local.Hour()
	if h >= 8 && h < 21 {
		return false, time.Time{}
	}
	day := local
	if h >= 21 {
		day = local.AddDate(0, 0, 1)
	}
	return true, time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc)
}

// campaignSummary answers the pre-send summary: the template as it stands for
// a draft, as it was frozen once sent.
func (s *Server) campaignSummary(c *gin.Context) {
	ctx, acc := c.Request.Context(), account(c)
	camp, ok := pathRow(c, "campaign", s.store.Campaign)
	if !ok {
		return
	}
	id := camp.ID
	tpl := store.Template(camp.Content)
	if camp.Status == store.CampaignDraft || tpl.Channel == "" {
		var err error
		if tpl, err = s.store.Template(ctx, acc, camp.TemplateID); !storeErr(c, err, "template") {
			return
		}
	}
	var needed []string
	for _, v := range tpl.Content().Variables() {
		if _, fixed := camp.Variables[v]; !fixed {
			needed = append(needed, v)
		}
	}
	sum, err := s.store.SummarizeAudience(ctx, camp, tpl.Channel == render.ChannelEmail, needed)
	if !storeErr(c, err, "campaign") {
		return
	}
	out := summaryJSON{CampaignID: id, Channel: tpl.Channel, Advertisement: tpl.Advertisement, ProviderStatus: tpl.ProviderStatus,
		Audience: sum.Audience, Recipients: sum.Recipients, NightConsent: sum.NightConsent,
		Skipped: skippedJSON{OptedOut: sum.OptedOut, NotMobile: sum.NotMobile, NoEmail: sum.NoEmail, MissingVariables: sum.MissingVariables}}
	if tpl.Advertisement {
		zone, err := s.store.AccountTimezone(ctx, acc)
		if !storeErr(c, err, "account") {
			return
		}
		at := s.now()
		if store.IsSet(camp.ScheduledAt) && camp.ScheduledAt.After(at) {
			at = camp.ScheduledAt
		}
		if quiet, resume := quietHours(at, tz.Location(zone)); quiet {
			out.QuietHours = quietHoursJSON{Now: true, ResumeAt: &resume}
		}
	}
	c.JSON(http.StatusOK, out)
}
