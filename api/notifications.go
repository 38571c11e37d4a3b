package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
)

// maxReadIDs bounds {"ids": [...]} of one read request.
const maxReadIDs = 1000

type notificationList struct {
	Items      []notificationEvent `json:"items"`
	Total      int64               `json:"total"`
	Size       int                 `json:"size"`
	NextCursor *string             `json:"next_cursor"`
}

// listNotifications answers the account's notifications, newest first, with the
// caller's read state: ?unread=true for the unread ones, ?cursor= (the previous
// page's next_cursor) for the next page.
func (s *Server) listNotifications(c *gin.Context) {
	q := store.NotificationQuery{Limit: 50}
	var errs Fields
	switch v := c.Query("unread"); v {
	case "", "false":
	case "true":
		q.UnreadOnly = true
	default:
		errs.Add("unread", "must be true or false")
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs.Add("cursor", "must be the next_cursor of the previous page")
		}
		q.Before = n
	}
	if v := c.Query("size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxPageSize {
			errs.Add("size", "must be a whole number from 1 to %d", MaxPageSize)
		}
		q.Limit = n
	}
	if errs.Abort(c) {
		return
	}
	size := q.Limit
	q.Limit++ // one more tells whether there is a next page
	ns, total, err := s.store.Notifications(c.Request.Context(), account(c), c.GetInt64(ctxUserID), q)
	if err != nil {
		internalError(c, err)
		return
	}
	out := notificationList{Items: make([]notificationEvent, 0, len(ns)), Total: total, Size: size}
	if len(ns) > size {
		ns = ns[:size]
		next := strconv.FormatInt(ns[size-1].ID, 10)
		out.NextCursor = &next
	}
	for _, n := range ns {
		e := toNotificationEvent(n)
		read := n.Read
		e.Read = &read
		out.Items = append(out.Items, e)
	}
	c.JSON(http.StatusOK, out)
}

type unreadCount struct {
	Count int64 `json:"count"`
}

func (s *Server) unreadCount(c *gin.Context) {
	n, err := s.store.UnreadNotifications(c.Request.Context(), account(c), c.GetInt64(ctxUserID))
	if err != nil {
		internalError(c, err)
		return
	}
	c.JSON(http.StatusOK, unreadCount{Count: n})
}

type readRequest struct {
	IDs []int64 `json:"ids"`
	All *bool   `json:"all"`
}

// readNotifications marks notifications read for the caller: {"ids": [...]} or
// {"all": true}. Ids of other accounts are ignored. It answers the unread count.
func (s *Server) readNotifications(c *gin.Context) {
	var req readRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	all := req.All != nil && *req.All
	switch {
	case req.IDs == nil && req.All == nil:
		errs.Add("ids", `give the ids to mark read, or {"all": true}`)
	case req.IDs != nil && req.All != nil:
		errs.Add("all", "give either ids or all, not both")
	case req.All != nil && !all:
		errs.Add("all", `must be true (to mark only some read, give "ids")`)
	case req.All == nil && len(req.IDs) == 0:
		errs.Add("ids", "must name at least one notification")
	case len(req.IDs) > maxReadIDs:
		errs.Add("ids", "must name at most %d notifications", maxReadIDs)
	}
	for _, id := range req.IDs {
		if id <= 0 {
			errs.Add("ids", "must be notification ids (positive whole numbers)")
			break
		}
	}
	if errs.Abort(c) {
		return
	}
	ctx, acc, user := c.Request.Context(), account(c), c.GetInt64(ctxUserID)
	var err error
	if all {
		err = s.store.MarkAllNotificationsRead(ctx, acc, user)
	} else {
		err = s.store.MarkNotificationsRead(ctx, acc, user, req.IDs)
	}
	if err != nil {
		internalError(c, err)
		return
	}
	s.unreadCount(c)
}
