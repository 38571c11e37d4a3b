package api

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
)

var optoutPattern = regexp.MustCompile(`^[0-9][0-9-]{6,18}[0-9]$`)

type accountRequest struct {
	Name         *string `json:"name"`
	Timezone     *string `json:"timezone"`
	OptoutNumber *string `json:"optout_number"`
	Language     *string `json:"language"`
}

// updateAccount changes the account's settings: name, time zone, the free
// opt-out number advertisements end with, and the language of notifications.
func (s *Server) updateAccount(c *gin.Context) {
	var req accountRequest
	if !bindJSON(c, &req) {
		return
	}
	var (
		errs   Fields
		change store.AccountSettings
	)
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" || utf8.RuneCountInString(name) > 200 {
			errs.Add("name", "must be 1 to 200 characters")
		}
		change.Name = &name
	}
	if req.Timezone != nil {
		tz := strings.TrimSpace(*req.Timezone)
		if _, err := time.LoadLocation(tz); err != nil || tz == "" || tz == "Local" {
			errs.Add("timezone", "is not an IANA time zone such as Asia/Seoul")
		}
		change.Timezone = &tz
	}
	if req.OptoutNumber != nil {
		optout := strings.TrimSpace(*req.OptoutNumber)
		if optout != "" && !optoutPattern.MatchString(optout) {
			errs.Add("optout_number", "must be a phone number such as 080-123-4567")
		}
		change.OptoutNumber = &optout
	}
	if req.Language != nil {
		lang := strings.TrimSpace(*req.Language)
		if !slices.Contains(notify.Languages, lang) {
			errs.Add("language", "must be ko or en")
		}
		change.Language = &lang
	}
	if errs.Abort(c) {
		return
	}
	// One transaction reads, changes and audits the account: a change of one
	// setting never writes back another one's stale value.
	updated, err := s.store.UpdateAccountSettings(c.Request.Context(), account(c), change)
	if !storeErr(c, err, "account") {
		return
	}
	c.JSON(http.StatusOK, updated)
}
