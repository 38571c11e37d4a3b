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
		if !slices.Contains(notify.Languages, acc.Language) {
			errs.Add("language", "must be ko or en")
		}
	}
	if errs.Abort(c) {
		return
	}
	if req.Language != nil {
		if err := s.store.SetAccountLanguage(c.Request.Context(), acc.ID, acc.Language); !storeErr(c, err, "account") {
			return
		}
	}
	updated, err := s.store.UpdateAccountSettings(c.Request.Context(), acc.ID, acc.Name, acc.Timezone, acc.OptoutNumber)
	if !storeErr(c, err, "account") {
		return
	}
	c.JSON(http.StatusOK, updated)
}
