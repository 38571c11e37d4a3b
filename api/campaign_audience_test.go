package api_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

type audienceOut struct {
	ID        int64  `json:"id"`
	Outcome   string `json:"outcome"`
	GroupID   int64  `json:"group_id"`
	Status    string `json:"status"`
	Total     int64  `json:"total"`
	Processed int64  `json:"processed"`
	Matched   int64  `json:"matched"`
	Added     int64  `json:"added"`
	Run       int    `json:"run"`
}

func runAudience(t *testing.T, c *apitest.Client, campaignID int64, body map[string]any) audienceOut {
	t.Helper()
	var a audienceOut
	r := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", campaignID), body).Expect(202)
	r.JSON(&a)
	loc := r.Header.Get("Location")
	deadline := time.Now().Add(time.Minute)
	for a.Status == "running" {
		if time.Now().After(deadline) {
			t.Fatalf("audience job still running: %+v", a)
		}
		time.Sleep(100 * time.Millisecond)
		c.Do("GET", loc, nil).Expect(200).JSON(&a)
	}
	return a
}

func groupMembers(t *testing.T, c *apitest.Client, groupID int64) []string {
	t.Helper()
	var out struct{ Items []struct{ Phone string } }
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d/customers?size=200", groupID), nil).Expect(200).JSON(&out)
	var phones []string
	for _, it := range out.Items {
		phones = append(phones, it.Phone)
	}
	slices.Sort(phones)
	return phones
}

// Retargeting: after a campaign whose messages were clicked 2 times out of 5
// (plus a link-preview bot, which does not count), outcome clicked into a new
// group gives that group exactly those 2 customers; running it again adds
// nothing and reuses the group; not_clicked gives the other 3.
func TestRetargetingClickedIntoANewGroup(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	g := importCustomers(t, c, "대상", 1, 5, "VIP")
	camp := buttonCampaign(t, c, base, "쿠폰", g, "#{이름}님 쿠폰이 도착했습니다", "https://shop.example/c")
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", camp.ID), map[string]any{"outcome": "clicked", "new_group_name": "x"}).Expect(409)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Delivered != 5 {
		t.Fatalf("campaign %+v", done)
	}

	var links []struct {
		Token string `db:"token"`
		Phone string `db:"recipient"`
	}
	if err := h.db.Select(&links, `SELECT l.token, m.recipient FROM message_links l JOIN campaign_messages m ON m.id = l.message_id
		WHERE l.campaign_id = ? ORDER BY m.id`, camp.ID); err != nil || len(links) != 5 {
		t.Fatalf("links %v %v", links, err)
	}
	clicked := []string{links[1].Phone, links[3].Phone}
	slices.Sort(clicked)
	h.click(t, h.cfg.PublicURL+"/t/"+links[1].Token, browserUA)
	h.click(t, h.cfg.PublicURL+"/t/"+links[3].Token, browserUA)
	h.click(t, h.cfg.PublicURL+"/t/"+links[3].Token, browserUA) // twice: still one customer
	h.click(t, h.cfg.PublicURL+"/t/"+links[0].Token, scraperUA) // a bot: not a click

	first := runAudience(t, c, camp.ID, map[string]any{"outcome": "clicked", "new_group_name": "클릭한 고객"})
	if first.Status != "completed" || first.Matched != 2 || first.Added != 2 || first.Processed != first.Total || first.Total != 5 {
		t.Fatalf("first run %+v", first)
	}
	if got := groupMembers(t, c, first.GroupID); !slices.Equal(got, clicked) {
		t.Fatalf("group holds %v, want %v", got, clicked)
	}
	h.recordFinished(t, workflows.CampaignAudienceWorkflowID(first.ID, first.Run), "", "campaign-audience.json")
	again := runAudience(t, c, camp.ID, map[string]any{"outcome": "clicked", "new_group_name": "클릭한 고객"})
	if again.GroupID != first.GroupID || again.Added != 0 || again.Matched != 2 || again.Status != "completed" {
		t.Fatalf("second run %+v (first %+v)", again, first)
	}
	if got := groupMembers(t, c, first.GroupID); !slices.Equal(got, clicked) {
		t.Fatalf("after the second run the group holds %v, want %v", got, clicked)
	}
	var groups struct{ Items []struct{ Name string } }
	c.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&groups)
	named := 0
	for _, it := range groups.Items {
		if it.Name == "클릭한 고객" || it.Name == "클릭한 고객(1)" {
			named++
		}
	}
	if named != 1 {
		t.Fatalf("groups %+v: the repeat made another group", groups.Items)
	}

	others := createGroup(t, c, "안 누른 고객")
	rest := runAudience(t, c, camp.ID, map[string]any{"outcome": "not_clicked", "group_id": others.ID})
	if rest.Added != 3 || len(groupMembers(t, c, others.ID)) != 3 {
		t.Fatalf("not_clicked %+v", rest)
	}

	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"outcome": "opened", "group_id": others.ID}, "outcome"},
		{map[string]any{"outcome": "clicked"}, "group_id"},
		{map[string]any{"outcome": "clicked", "group_id": others.ID, "new_group_name": "둘 다"}, "new_group_name"},
	} {
		fieldNamed(t, c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", camp.ID), bad.body), bad.field, "")
	}
	other, _ := h.signup(t)
	h.c.As(other).Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", camp.ID), map[string]any{"outcome": "clicked", "new_group_name": "남의 것"}).Expect(404)
	h.c.As(other).Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/audience/%d", camp.ID, first.ID), nil).Expect(404)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/audience", camp.ID), map[string]any{"outcome": "clicked", "group_id": 999999}).Expect(404)
}
