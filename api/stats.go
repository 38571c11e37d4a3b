package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// statsCurrent answers the account's figures now: customers, groups, campaigns,
// messages by outcome, success rate and click rate. It reads counts and roll-ups,
// never the message table.
func (s *Server) statsCurrent(c *gin.Context) {
	st, err := s.store.Current(c.Request.Context(), account(c))
	if !storeErr(c, err, "statistics") {
		return
	}
	c.JSON(http.StatusOK, gin.H{
		"customers": st.Customers, "groups": st.Groups, "campaigns": st.Campaigns,
		"sent": st.Sent, "delivered": st.Delivered, "failed": st.Failed,
		"success_rate":     rate(st.Delivered, st.Delivered+st.Failed),
		"clicked_messages": st.ClickedMessages, "clicks": st.Clicks,
		"click_rate": rate(st.ClickedMessages, st.Delivered),
		"as_of":      s.now().UTC(),
	})
}

type bucket struct {
	Start     time.Time `json:"start"`
	Sends     int64     `json:"sends"`
	Delivered int64     `json:"delivered"`
	Failed    int64     `json:"failed"`
	Clicks    int64     `json:"clicks"`
}

// Range limits of the series, in buckets.
const (
	maxHourBuckets = 24 * 31
	maxDayBuckets  = 400
)

// statsSeries answers sends, deliveries, failures and clicks per hour or per day
// over [from, to); day edges are midnights in the account's time zone. Every
// bucket of the range is present, zeros included, so charts need no filling.
func (s *Server) statsSeries(c *gin.Context) {
	loc := location(s, c)
	interval := c.DefaultQuery("interval", "hour")
	now := s.now().In(loc)
	var errs Fields
	var from, to time.Time
	switch interval {
	case "hour":
		to = now.Truncate(time.Hour).Add(time.Hour)
		from = to.Add(-24 * time.Hour)
	case "day":
		to = time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
		from = to.AddDate(0, 0, -30)
	default:
		errs.Add("interval", "must be hour or day")
	}
	parse := func(field, v string, into *time.Time) {
		if v == "" {
			return
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			*into = t.In(loc)
			return
		}
		if t, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
			*into = t
			return
		}
		errs.Add(field, "must be an RFC 3339 time or a date (YYYY-MM-DD, in the account's time zone)")
	}
	parse("from", c.Query("from"), &from)
	parse("to", c.Query("to"), &to)
	if errs.Abort(c) {
		return
	}
	// Snap to bucket edges.
	if interval == "hour" {
		from, to = from.Truncate(time.Hour), ceilHour(to)
	} else {
		from = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
		if t := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, loc); t.Before(to) {
			to = t.AddDate(0, 0, 1)
		}
	}
	var buckets []bucket
	index := map[time.Time]int{}
	for t := from; t.Before(to); {
		index[t.UTC()] = len(buckets)
		buckets = append(buckets, bucket{Start: t})
		if interval == "hour" {
			t = t.Add(time.Hour)
		} else {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, loc)
		}
		if (interval == "hour" && len(buckets) > maxHourBuckets) || (interval == "day" && len(buckets) > maxDayBuckets) {
			Fields{{Field: "from", Message: "the range is too long: at most 31 days by hour, 400 days by day"}}.Abort(c)
			return
		}
	}
	if !from.Before(to) {
		Fields{{Field: "to", Message: "must be after from"}}.Abort(c)
		return
	}
	hours, err := s.store.HourlyStats(c.Request.Context(), account(c), from.UTC(), to.UTC())
	if !storeErr(c, err, "statistics") {
		return
	}
	for _, h := range hours {
		key := h.Hour.UTC()
		if interval == "day" {
			l := h.Hour.In(loc)
			key = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc).UTC()
		}
		i, ok := index[key]
		if !ok {
			continue
		}
		buckets[i].Sends += h.Sent
		buckets[i].Delivered += h.Delivered
		buckets[i].Failed += h.Failed
		buckets[i].Clicks += h.Clicks
	}
	c.JSON(http.StatusOK, gin.H{"interval": interval, "timezone": loc.String(), "from": from, "to": to, "buckets": buckets})
}

func ceilHour(t time.Time) time.Time {
	if tr := t.Truncate(time.Hour); tr.Before(t) {
		return tr.Add(time.Hour)
	}
	return t
}
