package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/phone"
	"github.com/sendingo/sendingo/sheet"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/tz"
)

// campaignResults answers the campaign's outcome overall and per group.
func (s *Server) campaignResults(c *gin.Context) {
	camp, ok := s.campaignOf(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	groups, err := s.store.GroupResults(ctx, camp)
	if !storeErr(c, err, "campaign") {
		return
	}
	var total store.GroupResult
	for _, g := range groups {
		total.Total += g.Total
		total.Sent += g.Sent
		total.Delivered += g.Delivered
		total.Failed += g.Failed
		total.Unknown += g.Unknown
		total.Pending += g.Pending
		total.Clicked += g.Clicked
	}
	clickedMsgs, clicks, err := s.store.CampaignClicks(ctx, camp.Key())
	if !storeErr(c, err, "campaign") {
		return
	}
	relays, err := s.store.RelayResults(ctx, camp)
	if !storeErr(c, err, "campaign") {
		return
	}
	names, err := s.relayNames(c, camp.AccountID)
	if err != nil {
		internalError(c, err)
		return
	}
	byRelay := make([]gin.H, len(relays))
	for i, r := range relays {
		byRelay[i] = gin.H{"relay_id": r.RelayID, "relay_name": names[r.RelayID], "total": r.Total, "delivered": r.Delivered,
			"failed": r.Failed, "unknown": r.Unknown, "fallback": r.Fallback}
	}
	out := gin.H{"campaign_id": camp.ID, "status": camp.Status,
		"total": resultJSON(total, clicks), "groups": make([]gin.H, len(groups)), "relays": byRelay}
	out["total"].(gin.H)["clicked"] = clickedMsgs
	for i, g := range groups {
		out["groups"].([]gin.H)[i] = resultJSON(g, -1)
	}
	c.JSON(http.StatusOK, out)
}

func resultJSON(g store.GroupResult, clicks int64) gin.H {
	h := gin.H{"total": g.Total, "sent": g.Sent, "delivered": g.Delivered, "failed": g.Failed, "unknown": g.Unknown,
		"pending": g.Pending, "clicked": g.Clicked, "click_rate": rate(g.Clicked, g.Delivered)}
	if g.GroupID != 0 || g.GroupName != "" {
		h["group_id"], h["group_name"] = g.GroupID, g.GroupName
	}
	if clicks >= 0 {
		h["clicks"] = clicks
	}
	return h
}

// rate is part/whole rounded to four places (0 when whole is 0).
func rate(part, whole int64) float64 {
	if whole == 0 {
		return 0
	}
	return float64(int64(float64(part)/float64(whole)*10000+0.5)) / 10000
}

func (s *Server) campaignOf(c *gin.Context) (store.Campaign, bool) {
	id, ok := pathID(c, "id")
	if !ok {
		return store.Campaign{}, false
	}
	camp, err := s.store.Campaign(c.Request.Context(), account(c), id)
	return camp, storeErr(c, err, "campaign")
}

// messageFilter reads ?status=&group_id=&q= (q: any spelling of a phone number,
// whole or part).
func messageFilter(c *gin.Context) (store.MessageFilter, bool) {
	var f store.MessageFilter
	var errs Fields
	switch st := c.Query("status"); st {
	case "", store.MessagePending, store.MessageSending, store.MessageSent, store.MessageDelivered, store.MessageFailed, store.MessageUnknown:
		f.Status = st
	default:
		errs.Add("status", "must be pending, sending, sent, delivered, failed or unknown")
	}
	if v := c.Query("group_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			errs.Add("group_id", "must be a group id")
		}
		f.GroupID = id
	}
	if q := strings.TrimSpace(c.Query("q")); q != "" {
		if e164, err := phone.Normalize(q, ""); err == nil {
			f.Phone = e164
		} else if f.Q = store.PhoneDigits(q); f.Q == "" {
			errs.Add("q", "must be a phone number or part of one")
		}
	}
	return f, !errs.Abort(c)
}

// messageJSON is one message as the results list shows it.
type messageJSON struct {
	ID           int64      `json:"id"`
	CustomerID   int64      `json:"customer_id"`
	GroupID      int64      `json:"group_id"`
	Phone        string     `json:"phone"`
	Name         string     `json:"name"`
	Channel      string     `json:"channel"`
	SentChannel  string     `json:"sent_channel,omitempty"`
	Fallback     bool       `json:"fallback"`
	Subject      string     `json:"subject,omitempty"`
	Content      string     `json:"content"`
	FallbackText string     `json:"fallback_content,omitempty"`
	Relay        *relayRef  `json:"relay"`
	Status       string     `json:"status"`
	Code         string     `json:"code,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	SentAt       *time.Time `json:"sent_at"`
	ResultAt     *time.Time `json:"result_at"`
	Clicks       int64      `json:"clicks"`
	FirstClickAt *time.Time `json:"first_click_at"`
	Links        []linkJSON `json:"links"`
	ProviderID   string     `json:"provider_id,omitempty"`
}

type relayRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type linkJSON struct {
	URL         string `json:"url"`
	TrackingURL string `json:"tracking_url"`
	Clicks      int64  `json:"clicks"`
}

// relayNames maps the account's relay ids to their names.
func (s *Server) relayNames(c *gin.Context, accountID int64) (map[int64]string, error) {
	relays, err := s.store.Relays(c.Request.Context(), accountID, "", false)
	if err != nil {
		return nil, err
	}
	names := make(map[int64]string, len(relays))
	for _, r := range relays {
		names[r.ID] = r.Name
	}
	return names, nil
}

// messagesPage loads the links of a page of messages and shapes them.
func (s *Server) messagesPage(c *gin.Context, camp store.Campaign, names map[int64]string, rows []store.MessageRow) ([]messageJSON, error) {
	ctx := c.Request.Context()
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	links, err := s.store.MessageLinks(ctx, camp.Key(), ids)
	if err != nil {
		return nil, err
	}
	byMsg := map[int64][]store.LinkClicks{}
	for _, l := range links {
		byMsg[l.MessageID] = append(byMsg[l.MessageID], l)
	}
	out := make([]messageJSON, len(rows))
	for i, r := range rows {
		m := messageJSON{ID: r.ID, CustomerID: r.CustomerID, GroupID: r.GroupID, Phone: r.Recipient, Name: r.Name,
			Channel: strings.TrimSpace(r.Channel), SentChannel: strings.TrimSpace(r.SentChannel), Fallback: r.Fallback,
			Subject: r.Subject, Content: r.Body, Status: strings.TrimSpace(r.Status), Code: strings.TrimSpace(r.Code),
			Reason: r.Reason, SentAt: timeOrNil(r.SentAt), ResultAt: timeOrNil(r.ResultAt),
			ProviderID: strings.TrimSpace(r.ProviderID), Links: []linkJSON{}}
		if r.Fallback {
			m.FallbackText = r.FallbackBody
		}
		if r.RelayID != 0 {
			m.Relay = &relayRef{ID: r.RelayID, Name: names[r.RelayID]}
		}
		for _, l := range byMsg[r.ID] {
			m.Links = append(m.Links, linkJSON{URL: l.URL, TrackingURL: s.cfg.PublicURL + "/t/" + l.Token, Clicks: l.Clicks})
			m.Clicks += l.Clicks
			if l.FirstClick.Valid && (m.FirstClickAt == nil || l.FirstClick.Time.Before(*m.FirstClickAt)) {
				t := l.FirstClick.Time
				m.FirstClickAt = &t
			}
		}
		out[i] = m
	}
	return out, nil
}

// filteredCampaign is the campaign the path names and the message filter the
// query gives; false when it has answered (404, 422).
func (s *Server) filteredCampaign(c *gin.Context) (store.Campaign, store.MessageFilter, bool) {
	camp, ok := s.campaignOf(c)
	if !ok {
		return store.Campaign{}, store.MessageFilter{}, false
	}
	f, ok := messageFilter(c)
	return camp, f, ok
}

// campaignMessages pages the campaign's messages. ?cursor= (the next_cursor of
// the previous page) pages by key and costs the same however deep; ?page= is
// accepted for the first pages.
func (s *Server) campaignMessages(c *gin.Context) {
	camp, f, ok := s.filteredCampaign(c)
	if !ok {
		return
	}
	p, ok := pageParams(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	var after int64
	if v := p.After; v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			Fields{{Field: "cursor", Message: "must be the next_cursor of an earlier page"}}.Abort(c)
			return
		}
		after = n
	} else if p.Page > 1 {
		// Without a cursor, page N starts after the last id of page N-1,
		// found by an index-only look-up (pageParams bounds how far).
		id, found, err := s.store.MessageIDAt(ctx, camp, f, p.Offset()-1)
		if !storeErr(c, err, "campaign") {
			return
		}
		after = camp.LastMessageID
		if found {
			after = id
		}
	}
	rows, err := s.store.Messages(ctx, camp, f, after, p.Size)
	if !storeErr(c, err, "campaign") {
		return
	}
	total, err := s.messageTotal(c, camp, f)
	if !storeErr(c, err, "campaign") {
		return
	}
	names, err := s.relayNames(c, camp.AccountID)
	if err != nil {
		internalError(c, err)
		return
	}
	items, err := s.messagesPage(c, camp, names, rows)
	if err != nil {
		internalError(c, err)
		return
	}
	var next *string
	if len(rows) == p.Size {
		v := strconv.FormatInt(rows[len(rows)-1].ID, 10)
		next = &v
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "total": total, "page": p.Page, "size": p.Size, "next_cursor": next})
}

// messageTotal counts the matches, from the campaign's stored counts when the
// filter allows (no scan of a million rows for the common case).
func (s *Server) messageTotal(c *gin.Context, camp store.Campaign, f store.MessageFilter) (int64, error) {
	finished := camp.Status == store.CampaignCompleted || camp.Status == store.CampaignCancelled || camp.Status == store.CampaignFailed
	if finished && f.GroupID == 0 && f.Phone == "" && f.Q == "" {
		switch f.Status {
		case "":
			return camp.Total, nil
		case store.MessagePending:
			return camp.Pending, nil
		case store.MessageSending:
			return camp.Sending, nil
		case store.MessageSent:
			return camp.Sent, nil
		case store.MessageDelivered:
			return camp.Delivered, nil
		case store.MessageFailed:
			return camp.Failed, nil
		case store.MessageUnknown:
			return camp.Unknown, nil
		}
	}
	return s.store.CountMessagesMatching(c.Request.Context(), camp, f)
}

// exportLabels are the words of an export in one language: the seed's staff
// open it in Excel or LibreOffice, so headers, statuses and channels are in the
// account's language; the status code keeps a column of its own for machines.
type exportLabels struct {
	sheet    string
	columns  []string // with %s for the time zone in the two time columns
	statuses map[string]string
	channels map[string]string
}

var exportLanguages = map[string]exportLabels{
	"ko": {
		sheet: "메시지",
		columns: []string{"메시지 ID", "전화번호", "이름", "그룹 ID", "채널", "발송 채널", "대체 발송", "제목", "내용",
			"릴레이", "상태", "상태 코드", "실패 코드", "실패 사유", "발송 시각 (%s)", "결과 시각 (%s)", "클릭 수"},
		statuses: map[string]string{store.MessagePending: "대기", store.MessageSending: "발송 중", store.MessageSent: "결과 대기",
			store.MessageDelivered: "전송완료", store.MessageFailed: "실패", store.MessageUnknown: "결과 없음"},
		channels: map[string]string{"alimtalk": "알림톡", "sms": "SMS", "lms": "LMS", "email": "이메일"},
	},
	"en": {
		sheet: "Messages",
		columns: []string{"Message ID", "Phone", "Name", "Group ID", "Channel", "Sent as", "Fallback", "Subject", "Content",
			"Relay", "Status", "Status code", "Failure code", "Failure reason", "Sent at (%s)", "Result at (%s)", "Clicks"},
		statuses: map[string]string{store.MessagePending: "Pending", store.MessageSending: "Sending", store.MessageSent: "Awaiting report",
			store.MessageDelivered: "Delivered", store.MessageFailed: "Failed", store.MessageUnknown: "No report"},
		channels: map[string]string{"alimtalk": "AlimTalk", "sms": "SMS", "lms": "LMS", "email": "E-mail"},
	},
}

// header is the first row, the time columns naming the zone their times are in.
func (l exportLabels) header(loc *time.Location) []string {
	out := make([]string, len(l.columns))
	for i, c := range l.columns {
		if strings.Contains(c, "%s") {
			c = fmt.Sprintf(c, loc.String())
		}
		out[i] = c
	}
	return out
}

// word is the label of code, or the code itself when it has none.
func word(labels map[string]string, code string) string {
	if w, ok := labels[code]; ok {
		return w
	}
	return code
}

// exportMessages streams the filtered message list as .xlsx or .csv, in pages
// read by key, so memory stays flat however many rows there are.
func (s *Server) exportMessages(c *gin.Context) {
	camp, f, ok := s.filteredCampaign(c)
	if !ok {
		return
	}
	format := c.DefaultQuery("format", "xlsx")
	var contentType string
	switch format {
	case "xlsx":
		contentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case "csv":
		contentType = "text/csv; charset=utf-8"
	default:
		Fields{{Field: "format", Message: "must be xlsx or csv"}}.Abort(c)
		return
	}
	acct, err := s.store.Account(c.Request.Context(), account(c))
	if !storeErr(c, err, "account") {
		return
	}
	labels, ok := exportLanguages[acct.Language]
	if !ok {
		labels = exportLanguages["ko"]
	}
	loc := tz.Location(acct.Timezone)
	// An export streams for as long as the list takes, past the server's
	// write timeout; it has its own.
	extendDeadlines(c, 0, s.cfg.ExportTimeout)
	c.Header("Content-Type", contentType)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="campaign-%d-messages.%s"`, camp.ID, format))
	c.Status(http.StatusOK)
	var tw sheet.TableWriter
	if format == "xlsx" {
		tw, err = sheet.NewXLSXWriter(c.Writer, labels.sheet, labels.header(loc))
	} else {
		tw, err = sheet.NewCSVWriter(c.Writer, labels.header(loc))
	}
	if err != nil {
		_ = c.Error(err)
		return
	}
	ctx := c.Request.Context()
	names, err := s.relayNames(c, camp.AccountID)
	if err != nil {
		_ = c.Error(err)
		return
	}
	var after int64
	for {
		rows, err := s.store.Messages(ctx, camp, f, after, 2000)
		if err != nil {
			_ = c.Error(err)
			return // the client sees a truncated file; the error is logged
		}
		page, err := s.messagesPage(c, camp, names, rows)
		if err != nil {
			_ = c.Error(err)
			return
		}
		for _, m := range page {
			relayName := ""
			if m.Relay != nil {
				relayName = m.Relay.Name
			}
			if err := tw.Row(m.ID, exportPhone(m.Phone), m.Name, m.GroupID, word(labels.channels, m.Channel),
				word(labels.channels, m.SentChannel), yesNo(m.Fallback), m.Subject, m.Content, relayName,
				word(labels.statuses, m.Status), m.Status, m.Code, m.Reason, localTime(m.SentAt, loc), localTime(m.ResultAt, loc),
				m.Clicks); err != nil {
				_ = c.Error(err)
				return
			}
		}
		if len(rows) < 2000 {
			break
		}
		after = rows[len(rows)-1].ID
	}
	if err := tw.Close(); err != nil {
		_ = c.Error(err)
	}
}

// exportPhone writes a Korean number the way Korean operators write it
// (+821012345678 → 010-1234-5678), which spreadsheets keep as text and a CSV
// needs no formula guard for. Other numbers stay E.164, which the CSV writer
// prefixes with an apostrophe (a leading + would otherwise start a formula);
// e-mail recipients are written as they are.
func exportPhone(recipient string) string {
	if strings.HasPrefix(recipient, "+82") {
		return phone.National(recipient)
	}
	return recipient
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func localTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02 15:04:05")
}

// location is the account's time zone (Seoul when it cannot be read).
func location(s *Server, c *gin.Context) *time.Location {
	name, _ := s.store.AccountTimezone(c.Request.Context(), account(c))
	return tz.Location(name)
}
