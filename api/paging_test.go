package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
)

// pagingFixture is an account with a little of everything that is listed.
type pagingFixture struct {
	c                                      *apitest.Client
	group, importID, campaign, event, tier int64
}

func newPagingFixture(t *testing.T, h *harness) pagingFixture {
	t.Helper()
	c := signedUp(t, h)
	f := pagingFixture{c: c}
	f.group = importCustomers(t, c, "고객", 1, 7, "VIP")
	var ims struct {
		Items []importOut `json:"items"`
	}
	c.Do("GET", "/api/v1/imports", nil).Expect(200).JSON(&ims)
	f.importID = ims.Items[0].ID
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안녕하세요"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "template_id": tpl.ID, "group_ids": []int64{f.group}}).Expect(201).JSON(&camp)
	f.campaign = camp.ID
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "출석", "starts_on": today, "ends_on": today})
	f.event = ev.ID
	f.tier = createTier(t, c, ev.ID, 1, "커피", 100, 0).ID
	return f
}

// listRoutes are every list that pages, as the fixture fills them.
func (f pagingFixture) listRoutes() []string {
	return []string{
		"/api/v1/customers", "/api/v1/groups", fmt.Sprintf("/api/v1/groups/%d/customers", f.group),
		"/api/v1/imports", fmt.Sprintf("/api/v1/imports/%d/rows", f.importID), "/api/v1/templates",
		"/api/v1/campaigns", fmt.Sprintf("/api/v1/campaigns/%d/messages", f.campaign), "/api/v1/events",
		fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", f.event, f.tier), fmt.Sprintf("/api/v1/events/%d/attendance", f.event),
		fmt.Sprintf("/api/v1/events/%d/grants", f.event), fmt.Sprintf("/api/v1/events/%d/alerts", f.event), "/api/v1/purchases",
	}
}

// TestDeepOffsetPagesRefused: offset paging stops at page × size = 10,000 on
// every list, with a 422 that points to the cursor.
func TestDeepOffsetPagesRefused(t *testing.T) {
	h := newHarness(t)
	f := newPagingFixture(t, h)
	for _, route := range f.listRoutes() {
		resp := f.c.Do("GET", route+"?page=201&size=50", nil).Expect(422)
		if p := resp.Problem(); !strings.HasSuffix(p.Type, "/page-too-deep") || !strings.Contains(p.Detail, "cursor") {
			t.Errorf("%s: problem %+v", route, p)
		}
		m := f.c.Do("GET", route+"?page=200&size=50", nil).Expect(200).Map()
		if _, ok := m["next_cursor"]; !ok {
			t.Errorf("%s: no next_cursor in %v", route, m)
		}
		f.c.Do("GET", route+"?cursor=not-a-cursor", nil).Expect(422)
	}
	f.c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?page=100000&size=50", f.campaign), nil).Expect(422)
}

// walk reads a list page by page through next_cursor and returns the key of
// every item, in order.
func walk(t *testing.T, c *apitest.Client, route, key string, size int) []string {
	t.Helper()
	sep := "?"
	if strings.Contains(route, "?") {
		sep = "&"
	}
	var keys []string
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatalf("%s: no end after 100 pages", route)
		}
		path := fmt.Sprintf("%s%ssize=%d", route, sep, size)
		if cursor != "" {
			path += "&cursor=" + urlQuery(cursor)
		}
		var page struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		c.Do("GET", path, nil).Expect(200).JSON(&page)
		for _, it := range page.Items {
			keys = append(keys, fmt.Sprint(it[key]))
		}
		if page.NextCursor == nil {
			return keys
		}
		cursor = *page.NextCursor
	}
}

// TestCursorPagingWalksEveryItem: reading a list by cursor, two items at a
// time, gives exactly the items of one big page, in the same order, for lists
// sorted by id, by (default, id), by (time, id) with equal times, and by
// (days, customer) with equal days.
func TestCursorPagingWalksEveryItem(t *testing.T) {
	h := newHarness(t)
	f := newPagingFixture(t, h)
	c := f.c
	for i := range 4 {
		c.Do("POST", "/api/v1/groups", map[string]string{"name": fmt.Sprintf("그룹%d", i)}).Expect(201)
	}
	var customers struct {
		Items []struct {
			ID int64 `json:"id"`
		} `json:"items"`
	}
	c.Do("GET", "/api/v1/customers?size=200", nil).Expect(200).JSON(&customers)
	same := "2026-01-02T03:04:05+09:00"
	for i, cu := range customers.Items {
		at := same
		if i%3 == 0 {
			at = fmt.Sprintf("2026-01-0%dT10:00:00+09:00", 1+i%5)
		}
		c.Do("POST", "/api/v1/purchases", map[string]any{"customer": map[string]any{"id": cu.ID},
			"order_id": fmt.Sprintf("ORD-%d", i), "amount": 1000, "purchased_at": at}).Expect(201)
		checkInOK(t, c, f.event, cu.ID)
	}
	for _, l := range []struct{ route, key string }{
		{"/api/v1/customers", "id"},
		{"/api/v1/groups", "id"},
		{fmt.Sprintf("/api/v1/imports/%d/rows", f.importID), "id"},
		{"/api/v1/purchases", "id"},
		{fmt.Sprintf("/api/v1/events/%d/attendance", f.event), "customer_id"},
		{fmt.Sprintf("/api/v1/events/%d/grants", f.event), "id"},
	} {
		all := walk(t, c, l.route, l.key, 200)
		if len(all) < 5 {
			t.Fatalf("%s: only %d items in the fixture", l.route, len(all))
		}
		if byTwo := walk(t, c, l.route, l.key, 2); strings.Join(byTwo, ",") != strings.Join(all, ",") {
			t.Errorf("%s by cursor:\n got %v\nwant %v", l.route, byTwo, all)
		}
	}
}
