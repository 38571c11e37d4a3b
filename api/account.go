package api

import (
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

var optoutPattern = regexp.MustCompile(`^[0-9][0-9-]{6,18}[0-9]$`)

type accountRequest struct {
	Name         *string `json:"name"`
	Timezone     *string `json:"timezone"`
	OptoutNumber *string `json:"optout_number"`
	Language     *string `json:"language"`
}

// Languages the console and the account's documents are written in.
var languages = map[string]bool{"ko": true, "en": true}

// updateAccount changes the account's settings: name, time zone, and the free
// opt-out number advertisements end with.
func (s *Server) updateAccount(c *gin.Context) {
	var req accountRequest
	if !bindJSON(c, &req) {
		return
	}
	acc, err := s.store.Account(c.Request.Context(), account(c))
	if !storeErr(c, err, "account") {
		return
	}
	var errs Fields
	if req.Name != nil {
		acc.Name = strings.TrimSpace(*req.Name)
		if acc.Name == "" || utf8.RuneCountInString(acc.Name) > 200 {
			errs.Add("name", "must be 1 to 200 characters")
		}
	}
	if req.Timezone != nil {
		acc.Timezone = strings.TrimSpace(*req.Timezone)
		if _, err := time.LoadLocation(acc.Timezone); err != nil || acc.Timezone == "" || acc.Timezone == "Local" {
			errs.Add("timezone", "is not an IANA time zone such as Asia/Seoul")
		}
	}
	if req.OptoutNumber != nil {
		acc.OptoutNumber = strings.TrimSpace(*req.OptoutNumber)
		if acc.OptoutNumber != "" && !optoutPattern.MatchString(acc.OptoutNumber) {
			errs.Add("optout_number", "must be a phone number such as 080-123-4567")
		}
	}
	if req.Language != nil {
		acc.Language = strings.TrimSpace(*req.Language)
		if !languages[acc.Language] {
			errs.Add("language", "must be ko or en")
		}
	}
	if errs.Abort(c) {
		return
	}
	updated, err := s.store.UpdateAccountSettings(c.Request.Context(), acc.ID, acc.Name, acc.Timezone, acc.OptoutNumber)
	if !storeErr(c, err, "account") {
		return
	}
	if req.Language != nil {
		if updated, err = s.store.SetAccountLanguage(c.Request.Context(), acc.ID, acc.Language); !storeErr(c, err, "account") {
			return
		}
	}
	c.JSON(http.StatusOK, updated)
}
