package api_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay/sim"
)

type syncOut struct {
	RelayID   int64 `json:"relay_id"`
	Created   int   `json:"created"`
	Updated   int   `json:"updated"`
	Templates []struct {
		ID                   int64    `json:"id"`
		Name                 string   `json:"name"`
		Body                 string   `json:"body"`
		Variables            []string `json:"variables"`
		ProviderTemplateCode string   `json:"provider_template_code"`
		ProviderStatus       string   `json:"provider_status"`
		Created              bool     `json:"created"`
	} `json:"templates"`
}

// Template sync through the simulator imports its AlimTalk templates with their
// inspection status (a template we already had keeps its id; a second sync
// updates, never duplicates); sending one the provider has not approved is
// refused naming the status, before anything is sent, while an approved one
// goes out through the Aligo dialect.
func TestAlimTalkTemplateSyncAndUnapprovedTemplatesAreRefused(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	noon, _ := quietZone(t, 12)
	c.Do("PATCH", "/api/v1/account", map[string]any{"timezone": noon}).Expect(200)
	s, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	var aligo relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "aligo", "kind": "aligo-alimtalk", "channel": "alimtalk",
		"config": map[string]any{"base_url": base, "apikey": "K", "userid": "shop", "senderkey": "SK", "sender": "02-123-4567"}}).
		Expect(201).JSON(&aligo)
	var mine templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "우리 주문 안내", "channel": "alimtalk", "provider_template_code": "SIM_ORDER", "sender_key": "SK",
		"body": "예전 본문 #{이름}"}).Expect(201).JSON(&mine)

	var out syncOut
	c.Do("POST", fmt.Sprintf("/api/v1/relays/%d/templates/sync", aligo.ID), nil).Expect(200).JSON(&out)
	if out.Created != 3 || out.Updated != 1 || len(out.Templates) != 4 {
		t.Fatalf("sync %+v", out)
	}
	status, ids := map[string]string{}, map[string]int64{}
	for _, tp := range out.Templates {
		status[tp.ProviderTemplateCode], ids[tp.ProviderTemplateCode] = tp.ProviderStatus, tp.ID
	}
	if fmt.Sprint(status) != fmt.Sprint(map[string]string{"SIM_ORDER": "approved", "SIM_SHIPPED": "requested", "SIM_EVENT": "rejected", "SIM_DRAFT": "registered"}) {
		t.Fatalf("statuses %v", status)
	}
	if ids["SIM_ORDER"] != mine.ID {
		t.Fatalf("our SIM_ORDER template %d became %d", mine.ID, ids["SIM_ORDER"])
	}
	var order struct {
		Name      string   `json:"name"`
		Body      string   `json:"body"`
		Variables []string `json:"variables"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/templates/%d", mine.ID), nil).Expect(200).JSON(&order)
	if order.Name != "우리 주문 안내" || !strings.Contains(order.Body, "#{order_no}") || len(order.Variables) != 2 {
		t.Fatalf("updated template %+v", order)
	}
	var again syncOut
	c.Do("POST", fmt.Sprintf("/api/v1/relays/%d/templates/sync", aligo.ID), nil).Expect(200).JSON(&again)
	var templates struct{ Total int64 }
	c.Do("GET", "/api/v1/templates", nil).Expect(200).JSON(&templates)
	if again.Created != 0 || again.Updated != 4 || templates.Total != 4 {
		t.Fatalf("second sync %+v, %d templates", again, templates.Total)
	}

	g := createGroup(t, c, "알림톡")
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "김민수", "phone": "010-4444-0001", "group_ids": []int64{g.ID},
		"attributes": map[string]string{"order_no": "A-1"}}).Expect(201)
	before := s.Stats().Received
	var rejected campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "당첨", "template_id": ids["SIM_EVENT"], "group_ids": []int64{g.ID}}).Expect(201).JSON(&rejected)
	p := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", rejected.ID), nil).Expect(422).Problem()
	if !strings.HasSuffix(p.Type, "/template-not-approved") || !strings.Contains(p.Detail, "rejected") {
		t.Fatalf("refusal %+v", p)
	}
	if len(h.messageCounts(t, rejected.ID)) != 0 || s.Stats().Received != before {
		t.Fatal("a refused send left messages or reached the provider")
	}
	var sched scheduleOut
	c.Do("POST", "/api/v1/campaign-schedules", map[string]any{"name": "발송 안내", "template_id": ids["SIM_SHIPPED"],
		"group_ids": []int64{g.ID}, "cron": "0 9 1 1 *"}).Expect(201).JSON(&sched)
	c.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/trigger", sched.ID), nil).Expect(202)
	sched = waitRuns(t, c, sched.ID, 1, 2*time.Minute)
	if r := sched.RecentRuns[0]; r.CampaignID != 0 || !strings.Contains(r.Skipped, "requested") {
		t.Fatalf("scheduled run with an unapproved template %+v", r)
	}

	var approved campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "주문", "template_id": ids["SIM_ORDER"], "group_ids": []int64{g.ID}}).Expect(201).JSON(&approved)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", approved.ID), nil).Expect(202)
	if done := waitCampaign(t, c, approved.ID); done.Status != "completed" || done.Delivered != 1 {
		t.Fatalf("approved template's campaign %+v", done)
	}

	var smsRelay relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "sim", "kind": "simulator", "channel": "sms",
		"config": map[string]any{"base_url": base, "name": "sim"}}).Expect(201).JSON(&smsRelay)
	if got := c.Do("POST", fmt.Sprintf("/api/v1/relays/%d/templates/sync", smsRelay.ID), nil).Expect(422).Slug(); got != "template-sync-unsupported" {
		t.Errorf("sync of a simulator relay: %s", got)
	}
	other, _ := h.signup(t)
	h.c.As(other).Do("POST", fmt.Sprintf("/api/v1/relays/%d/templates/sync", aligo.ID), nil).Expect(404)
}
