package api

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/store"
)

// auditJSON is one audit log entry as the API shows it.
type auditJSON struct {
	ID        int64          `json:"id"`
	At        time.Time      `json:"at"`
	Actor     auditActor     `json:"actor"`
	Action    string         `json:"action"`
	Subject   auditSubject   `json:"subject"`
	Before    store.NullJSON `json:"before"`
	After     store.NullJSON `json:"after"`
	IP        string         `json:"ip"`
	RequestID string         `json:"request_id"`
}

type auditActor struct {
	Kind string `json:"kind"` // user | api_key | system
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type auditSubject struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

func toAuditJSON(e store.AuditEntry) auditJSON {
	return auditJSON{ID: e.ID, At: e.At, Actor: auditActor{Kind: e.ActorKind, ID: e.ActorID, Name: e.ActorName},
		Action: e.Action, Subject: auditSubject{Type: e.SubjectType, ID: e.SubjectID}, Before: e.Before, After: e.After,
		IP: e.IP, RequestID: e.RequestID}
}

var (
	auditActorRE   = regexp.MustCompile(`^(user|api_key):([1-9][0-9]{0,18})$`)
	auditSubjectRE = regexp.MustCompile(`^([a-z_]{1,24})(?::([1-9][0-9]{0,18}))?$`)
	auditActionRE  = regexp.MustCompile(`^[a-z_]{1,24}\.[a-z_]{1,23}$`)
)

// listAudit pages the account's audit log, newest first: ?actor=user:12 or
// api_key:3 (or system), ?subject=relay or relay:5, ?action=relay.update.
func (s *Server) listAudit(c *gin.Context) {
	p, ok := pageParams(c)
	if !ok {
		return
	}
	var f store.AuditFilter
	var errs Fields
	if v := c.Query("actor"); v != "" {
		if v == store.ActorSystem {
			f.ActorKind = v
		} else if m := auditActorRE.FindStringSubmatch(v); m != nil {
			f.ActorKind = m[1]
			f.ActorID, _ = strconv.ParseInt(m[2], 10, 64)
		} else {
			errs.Add("actor", "must be user:{id}, api_key:{id} or system")
		}
	}
	if v := c.Query("subject"); v != "" {
		if m := auditSubjectRE.FindStringSubmatch(v); m != nil {
			f.SubjectType = m[1]
			if m[2] != "" {
				f.SubjectID, _ = strconv.ParseInt(m[2], 10, 64)
			}
		} else {
			errs.Add("subject", "must be a subject type such as relay, or type:{id} such as relay:5")
		}
	}
	if v := strings.TrimSpace(c.Query("action")); v != "" {
		if !auditActionRE.MatchString(v) {
			errs.Add("action", "must be an action such as relay.update")
		}
		f.Action = v
	}
	if errs.Abort(c) {
		return
	}
	entries, total, err := s.store.AuditLog(c.Request.Context(), account(c), f, p)
	if !storeErr(c, err, "audit log") {
		return
	}
	items := make([]auditJSON, len(entries))
	for i, e := range entries {
		items[i] = toAuditJSON(e)
	}
	c.JSON(http.StatusOK, list[auditJSON]{Items: items, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(items, p.Size, func(a auditJSON) string { return store.Cursor(a.ID) })})
}
