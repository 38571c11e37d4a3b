package api

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
)

// MaxIDsPerRequest caps customer_ids in one membership request.
const MaxIDsPerRequest = 10000

func (s *Server) listGroups(c *gin.Context) {
	listPage(c, "groups", s.store.Groups, same[store.Group], store.GroupCursor)
}

type groupRequest struct {
	Name *string `json:"name"`
}

func (r groupRequest) validate(errs *Fields) string {
	return errs.Text("name", r.Name, store.MaxGroupName, "is required")
}

func (s *Server) createGroup(c *gin.Context) {
	_, name, ok := bindChecked(c, groupRequest.validate)
	if !ok {
		return
	}
	g, err := s.store.CreateGroup(c.Request.Context(), account(c), name)
	if !storeErr(c, err, "group") {
		return
	}
	c.Header("Location", "/api/v1/groups/"+itoa(g.ID))
	c.JSON(http.StatusCreated, g)
}

func (s *Server) getGroup(c *gin.Context) {
	showRow(c, "group", s.store.Group, same[store.Group])
}

func (s *Server) renameGroup(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	_, name, ok := bindChecked(c, groupRequest.validate)
	if !ok {
		return
	}
	g, err := s.store.RenameGroup(c.Request.Context(), account(c), id, name)
	if !storeErr(c, err, "group") {
		return
	}
	c.JSON(http.StatusOK, g)
}

func (s *Server) deleteGroup(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	moved, err := s.store.DeleteGroup(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "group") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": id, "moved_to_default": moved})
}

func (s *Server) groupCustomers(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	listPage(c, "group", func(ctx context.Context, acc int64, p store.Page) ([]store.Customer, int64, error) {
		return s.store.GroupCustomers(ctx, acc, id, c.Query("q"), p)
	}, toCustomerJSON, func(x store.Customer) string { return store.Cursor(x.ID) })
}

type membersRequest struct {
	CustomerIDs []int64 `json:"customer_ids"`
	ToGroupID   int64   `json:"to_group_id"`
}

func (r membersRequest) validate(errs *Fields, needTarget bool) {
	switch {
	case len(r.CustomerIDs) == 0:
		errs.Add("customer_ids", "is required: a non-empty list of customer ids")
	case len(r.CustomerIDs) > MaxIDsPerRequest:
		errs.Add("customer_ids", "may hold at most %d ids per request", MaxIDsPerRequest)
	default:
		for _, id := range r.CustomerIDs {
			if id <= 0 {
				errs.Add("customer_ids", "ids must be positive numbers")
				break
			}
		}
	}
	if needTarget && r.ToGroupID <= 0 {
		errs.Add("to_group_id", "is required")
	}
}

// members handles add, remove, copy and move.
func (s *Server) members(op string) gin.HandlerFunc {
	return func(c *gin.Context) {
		id, ok := pathID(c, "id")
		if !ok {
			return
		}
		var req membersRequest
		if !bindJSON(c, &req) {
			return
		}
		var errs Fields
		req.validate(&errs, op == "copy" || op == "move")
		if errs.Abort(c) {
			return
		}
		ctx, acc := c.Request.Context(), account(c)
		var r store.MembershipResult
		var err error
		switch op {
		case "add":
			r, err = s.store.AddMembers(ctx, acc, id, req.CustomerIDs)
		case "remove":
			r, err = s.store.RemoveMembers(ctx, acc, id, req.CustomerIDs)
		case "copy":
			r, err = s.store.CopyMembers(ctx, acc, id, req.ToGroupID, req.CustomerIDs)
		case "move":
			r, err = s.store.MoveMembers(ctx, acc, id, req.ToGroupID, req.CustomerIDs)
		}
		if !storeErr(c, err, "group") {
			return
		}
		c.JSON(http.StatusOK, r)
	}
}

// checkTargetGroup checks the group customers go to: an existing one
// (groupID) or a new one (newName), exactly one of them; purpose says what the
// group is for ("to import into"). It answers newName trimmed.
func checkTargetGroup(errs *Fields, groupID int64, newName, purpose string) string {
	newName = strings.TrimSpace(newName)
	switch {
	case groupID == 0 && newName == "":
		errs.Add("group_id", "name the group %s (group_id), or give new_group_name", purpose)
	case groupID != 0 && newName != "":
		errs.Add("new_group_name", "give either group_id or new_group_name, not both")
	case groupID < 0:
		errs.Add("group_id", "must be a group id")
	case utf8.RuneCountInString(newName) > store.MaxGroupName:
		errs.Add("new_group_name", "must be at most %d characters", store.MaxGroupName)
	}
	return newName
}
