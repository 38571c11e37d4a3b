package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
)

// Account B can never see, change, import into or move anything of account A:
// every attempt answers 404, as if the id did not exist.
func TestAnotherAccountsCustomersGroupsAndImportsAreInvisible(t *testing.T) {
	h := newHarness(t)
	tokA, _ := h.signup(t)
	tokB, _ := h.signup(t)
	a, b := h.c.As(tokA), h.c.As(tokB)

	groupA := createGroup(t, a, "A의 그룹")
	custA := createCustomer(t, a, "에이고객", groupA.ID)
	groupB := createGroup(t, b, "B의 그룹")
	custB := createCustomer(t, b, "비고객", groupB.ID)
	var importA importOut
	a.Upload("/api/v1/imports", "file", "a.xlsx", customerXLSX(t), nil).Expect(201).JSON(&importA)
	var importB importOut
	b.Upload("/api/v1/imports", "file", "b.xlsx", customerXLSX(t), nil).Expect(201).JSON(&importB)

	cust := fmt.Sprintf("/api/v1/customers/%d", custA.ID)
	grp := fmt.Sprintf("/api/v1/groups/%d", groupA.ID)
	imp := fmt.Sprintf("/api/v1/imports/%d", importA.ID)
	attempts := []struct {
		method, path string
		body         any
	}{
		{"GET", cust, nil},
		{"PATCH", cust, map[string]any{"name": "hacked"}},
		{"DELETE", cust, nil},
		{"GET", fmt.Sprintf("/api/v1/customers?group_id=%d", groupA.ID), nil},
		{"POST", "/api/v1/customers", map[string]any{"name": "x", "phone": "010-3333-9999", "group_ids": []int64{groupA.ID}}},
		{"GET", grp, nil},
		{"PATCH", grp, map[string]any{"name": "hacked"}},
		{"DELETE", grp, nil},
		{"GET", grp + "/customers", nil},
		{"POST", grp + "/members", map[string]any{"customer_ids": []int64{custB.ID}}},
		{"DELETE", grp + "/members", map[string]any{"customer_ids": []int64{custA.ID}}},
		{"POST", fmt.Sprintf("/api/v1/groups/%d/members", groupB.ID), map[string]any{"customer_ids": []int64{custA.ID}}},
		{"DELETE", fmt.Sprintf("/api/v1/groups/%d/members", groupB.ID), map[string]any{"customer_ids": []int64{custA.ID}}},
		{"POST", fmt.Sprintf("/api/v1/groups/%d/members/copy", groupB.ID), map[string]any{"customer_ids": []int64{custB.ID}, "to_group_id": groupA.ID}},
		{"POST", fmt.Sprintf("/api/v1/groups/%d/members/move", groupB.ID), map[string]any{"customer_ids": []int64{custB.ID}, "to_group_id": groupA.ID}},
		{"POST", grp + "/members/copy", map[string]any{"customer_ids": []int64{custA.ID}, "to_group_id": groupB.ID}},
		{"POST", grp + "/members/move", map[string]any{"customer_ids": []int64{custA.ID}, "to_group_id": groupB.ID}},
		{"GET", imp, nil},
		{"GET", imp + "/rows", nil},
		{"DELETE", imp + "/rows", map[string]any{"row_ids": []int64{1}}},
		{"POST", imp + "/commit", map[string]any{"group_id": groupB.ID}},
		{"POST", fmt.Sprintf("/api/v1/imports/%d/commit", importB.ID), map[string]any{"group_id": groupA.ID}},
	}
	for _, at := range attempts {
		resp := b.Do(at.method, at.path, at.body)
		if resp.Status != 404 {
			t.Errorf("B %s %s answered %d, want 404: %s", at.method, at.path, resp.Status, resp.Body)
		}
	}
	// Lists and searches show only the caller's own rows.
	var cs struct{ Total int64 }
	b.Do("GET", "/api/v1/customers?q=에이고객", nil).Expect(200).JSON(&cs)
	if cs.Total != 0 {
		t.Fatal("B finds A's customer by name")
	}
	var groups struct{ Items []groupJSON }
	b.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&groups)
	for _, g := range groups.Items {
		if g.ID == groupA.ID {
			t.Fatal("B lists A's group")
		}
	}
	var ims struct{ Items []importOut }
	b.Do("GET", "/api/v1/imports", nil).Expect(200).JSON(&ims)
	for _, im := range ims.Items {
		if im.ID == importA.ID {
			t.Fatal("B lists A's import")
		}
	}
	// A's data is untouched.
	expectGroups(t, a, custA.ID, "A의 그룹")
	expectGroups(t, b, custB.ID, "B의 그룹")
	var stillA importOut
	a.Do("GET", imp, nil).Expect(200).JSON(&stillA)
	if stillA.Status != "staged" || stillA.TotalRows != importA.TotalRows {
		t.Fatalf("A's import changed: %+v", stillA)
	}
	var g groupJSON
	a.Do("GET", grp, nil).Expect(200).JSON(&g)
	if g.Name != "A의 그룹" || g.CustomerCount != 1 {
		t.Fatalf("A's group changed: %+v", g)
	}
}

// Every route that takes an id answers 404 for another account's resource, and
// a body that names another account's template, group, relay or customer is
// refused exactly as if the id did not exist. Account A keeps everything.
func TestEveryRouteHidesAnotherAccountsResources(t *testing.T) {
	h := newHarness(t)
	tokA, _ := h.signup(t)
	tokB, _ := h.signup(t)
	a, b := h.c.As(tokA), h.c.As(tokB)
	_, base := startSim(t, sim.Settings{})

	// One of everything in A, and a campaign that has run.
	groupA := createGroup(t, a, "A 그룹")
	custA := createCustomer(t, a, "에이", groupA.ID)
	var importA importOut
	a.Upload("/api/v1/imports", "file", "a.xlsx", customerXLSX(t), nil).Expect(201).JSON(&importA)
	var tplA templateOut
	a.Do("POST", "/api/v1/templates", map[string]any{"name": "A 안내", "channel": "sms", "body": "#{이름}님 안녕하세요"}).Expect(201).JSON(&tplA)
	relayA := simRelay(t, a, "sim-a", base, "sms", 1)
	var draftA, sentA campaignOut
	a.Do("POST", "/api/v1/campaigns", map[string]any{"name": "A 초안", "template_id": tplA.ID, "group_ids": []int64{groupA.ID}}).Expect(201).JSON(&draftA)
	a.Do("POST", "/api/v1/campaigns", map[string]any{"name": "A 발송", "template_id": tplA.ID, "group_ids": []int64{groupA.ID}}).Expect(201).JSON(&sentA)
	a.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", sentA.ID), nil).Expect(202)
	if done := waitCampaign(t, a, sentA.ID); done.Status != "completed" {
		t.Fatalf("A's campaign %+v", done)
	}
	evA := createEvent(t, a, map[string]any{"name": "A 이벤트", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})
	tierA := createTier(t, a, evA.ID, 1, "A 선물", 5, 1)
	var keyA struct{ ID int64 }
	a.Do("POST", "/api/v1/api-keys", map[string]string{"name": "A key"}).Expect(201).JSON(&keyA)

	// B's own things, to point at A's from.
	groupB := createGroup(t, b, "B 그룹")
	custB := createCustomer(t, b, "비", groupB.ID)
	var tplB templateOut
	b.Do("POST", "/api/v1/templates", map[string]any{"name": "B 안내", "channel": "sms", "body": "#{이름}님 반갑습니다"}).Expect(201).JSON(&tplB)
	relayB := simRelay(t, b, "sim-b", base, "sms", 1)
	var draftB campaignOut
	b.Do("POST", "/api/v1/campaigns", map[string]any{"name": "B 초안", "template_id": tplB.ID, "group_ids": []int64{groupB.ID}}).Expect(201).JSON(&draftB)
	evB := createEvent(t, b, map[string]any{"name": "B 이벤트", "starts_on": "2026-03-01", "ends_on": "2026-03-31"})

	p := func(format string, args ...any) string { return fmt.Sprintf("/api/v1"+format, args...) }
	cust, grp, imp := p("/customers/%d", custA.ID), p("/groups/%d", groupA.ID), p("/imports/%d", importA.ID)
	tpl, rel, ev := p("/templates/%d", tplA.ID), p("/relays/%d", relayA), p("/events/%d", evA.ID)
	tier := fmt.Sprintf("%s/tiers/%d", ev, tierA.ID)
	routes := []struct {
		method, path string
		body         any
	}{
		{"DELETE", p("/api-keys/%d", keyA.ID), nil},
		{"GET", cust, nil}, {"PATCH", cust, map[string]any{"name": "x"}}, {"DELETE", cust, nil},
		{"GET", grp, nil}, {"PATCH", grp, map[string]any{"name": "x"}}, {"DELETE", grp, nil},
		{"GET", grp + "/customers", nil},
		{"POST", grp + "/members", map[string]any{"customer_ids": []int64{custB.ID}}},
		{"DELETE", grp + "/members", map[string]any{"customer_ids": []int64{custB.ID}}},
		{"POST", grp + "/members/copy", map[string]any{"customer_ids": []int64{custA.ID}, "to_group_id": groupB.ID}},
		{"POST", grp + "/members/move", map[string]any{"customer_ids": []int64{custA.ID}, "to_group_id": groupB.ID}},
		{"GET", imp, nil}, {"GET", imp + "/rows", nil},
		{"DELETE", imp + "/rows", map[string]any{"row_ids": []int64{1}}},
		{"POST", imp + "/commit", map[string]any{"group_id": groupB.ID}},
		{"GET", tpl, nil}, {"PATCH", tpl, map[string]any{"name": "x"}}, {"DELETE", tpl, nil},
		{"POST", tpl + "/preview", map[string]any{"customer_id": custB.ID}},
		{"GET", rel, nil}, {"PATCH", rel, map[string]any{"name": "x"}}, {"DELETE", rel, nil},
		{"GET", ev, nil}, {"PATCH", ev, map[string]any{"name": "x"}}, {"DELETE", ev, nil},
		{"GET", ev + "/tiers", nil}, {"POST", ev + "/tiers", map[string]any{"days": 2, "name": "x", "stock": 1}},
		{"GET", tier, nil}, {"PATCH", tier, map[string]any{"name": "x"}},
		{"GET", tier + "/stock", nil}, {"POST", tier + "/stock", map[string]any{"delta": 1, "reason": "x"}},
		{"POST", ev + "/check-ins", map[string]any{"customer": map[string]any{"id": custB.ID}}},
		{"GET", fmt.Sprintf("%s/customers/%d/attendance", ev, custA.ID), nil},
		{"GET", ev + "/attendance", nil}, {"GET", ev + "/grants", nil}, {"GET", ev + "/alerts", nil},
	}
	for _, id := range []int64{draftA.ID, sentA.ID} {
		camp := p("/campaigns/%d", id)
		routes = append(routes, []struct {
			method, path string
			body         any
		}{
			{"GET", camp, nil}, {"PATCH", camp, map[string]any{"name": "x"}}, {"DELETE", camp, nil},
			{"POST", camp + "/send", nil}, {"GET", camp + "/progress", nil},
			{"POST", camp + "/pause", nil}, {"POST", camp + "/resume", nil}, {"POST", camp + "/cancel", nil},
			{"POST", camp + "/retry-failed", nil}, {"GET", camp + "/results", nil},
			{"GET", camp + "/messages", nil}, {"GET", camp + "/messages/export", nil},
		}...)
	}
	for _, r := range routes {
		resp := b.Do(r.method, r.path, r.body)
		if resp.Status != 404 || slugOf(resp) != "not-found" {
			t.Errorf("B %s %s answered %d, want 404 not-found: %.300s", r.method, r.path, resp.Status, resp.Body)
		}
	}

	// Bodies naming A's ids: answered as a missing id is, and nothing is stored.
	const missing = int64(987654321)
	campaignBody := func(tplID, groupID, relayID int64) map[string]any {
		return map[string]any{"name": "참조", "template_id": tplID, "group_ids": []int64{groupID},
			"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}
	}
	eventBody := func(reminderTpl, noticeTpl, relayID int64) map[string]any {
		routing := map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}
		return map[string]any{"name": "참조 이벤트", "starts_on": "2026-03-01", "ends_on": "2026-03-31",
			"reminder": map[string]any{"time": "20:00", "template_id": reminderTpl, "routing": routing},
			"notice":   map[string]any{"template_id": noticeTpl, "routing": routing}}
	}
	bodies := []struct {
		name, method, path string
		foreign, absent    any
	}{
		{"campaign with A's template", "POST", p("/campaigns"), campaignBody(tplA.ID, groupB.ID, relayB), campaignBody(missing, groupB.ID, relayB)},
		{"campaign with A's group", "POST", p("/campaigns"), campaignBody(tplB.ID, groupA.ID, relayB), campaignBody(tplB.ID, missing, relayB)},
		{"campaign with A's relay", "POST", p("/campaigns"), campaignBody(tplB.ID, groupB.ID, relayA), campaignBody(tplB.ID, groupB.ID, missing)},
		{"draft changed to A's template", "PATCH", p("/campaigns/%d", draftB.ID), map[string]any{"template_id": tplA.ID}, map[string]any{"template_id": missing}},
		{"draft changed to A's group", "PATCH", p("/campaigns/%d", draftB.ID), map[string]any{"group_ids": []int64{groupA.ID}}, map[string]any{"group_ids": []int64{missing}}},
		{"draft changed to A's relay", "PATCH", p("/campaigns/%d", draftB.ID),
			map[string]any{"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayA, "weight": 1}}}},
			map[string]any{"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": missing, "weight": 1}}}}},
		{"event reminder with A's template", "POST", p("/events"), eventBody(tplA.ID, tplB.ID, relayB), eventBody(missing, tplB.ID, relayB)},
		{"event notice with A's template", "POST", p("/events"), eventBody(tplB.ID, tplA.ID, relayB), eventBody(tplB.ID, missing, relayB)},
		{"event routing with A's relay", "POST", p("/events"), eventBody(tplB.ID, tplB.ID, relayA), eventBody(tplB.ID, tplB.ID, missing)},
		{"event changed to A's template", "PATCH", p("/events/%d", evB.ID), eventBody(tplA.ID, tplB.ID, relayB), eventBody(missing, tplB.ID, relayB)},
		{"event changed to A's relay", "PATCH", p("/events/%d", evB.ID), eventBody(tplB.ID, tplB.ID, relayA), eventBody(tplB.ID, tplB.ID, missing)},
		{"preview for A's customer", "POST", p("/templates/%d/preview", tplB.ID), map[string]any{"customer_id": custA.ID}, map[string]any{"customer_id": missing}},
		{"purchase by A's customer", "POST", p("/purchases"), map[string]any{"customer": map[string]any{"id": custA.ID}, "order_id": "X-1", "amount": 1000},
			map[string]any{"customer": map[string]any{"id": missing}, "order_id": "X-1", "amount": 1000}},
		{"check-in of A's customer", "POST", p("/events/%d/check-ins", evB.ID), map[string]any{"customer": map[string]any{"id": custA.ID}},
			map[string]any{"customer": map[string]any{"id": missing}}},
		{"attendance of A's customer", "GET", p("/events/%d/customers/%d/attendance", evB.ID, custA.ID), nil, nil},
		{"customer into A's group", "POST", p("/customers"), map[string]any{"name": "x", "phone": "010-3030-4040", "group_ids": []int64{groupA.ID}},
			map[string]any{"name": "x", "phone": "010-3030-4040", "group_ids": []int64{missing}}},
		{"A's customer into B's group", "POST", p("/groups/%d/members", groupB.ID), map[string]any{"customer_ids": []int64{custA.ID}},
			map[string]any{"customer_ids": []int64{missing}}},
		{"B's customer copied to A's group", "POST", p("/groups/%d/members/copy", groupB.ID), map[string]any{"customer_ids": []int64{custB.ID}, "to_group_id": groupA.ID},
			map[string]any{"customer_ids": []int64{custB.ID}, "to_group_id": missing}},
		{"customers of A's group", "GET", p("/customers?group_id=%d", groupA.ID), nil, nil},
	}
	for _, bd := range bodies {
		foreign := b.Do(bd.method, bd.path, bd.foreign)
		absentPath := bd.path
		if bd.name == "attendance of A's customer" {
			absentPath = p("/events/%d/customers/%d/attendance", evB.ID, missing)
		}
		if bd.name == "customers of A's group" {
			absentPath = p("/customers?group_id=%d", missing)
		}
		absent := b.Do(bd.method, absentPath, bd.absent)
		if foreign.Status < 400 || foreign.Status != absent.Status || slugOf(foreign) != slugOf(absent) {
			t.Errorf("%s: answered %d %s, a missing id %d %s\nforeign: %.300s\nmissing: %.300s", bd.name,
				foreign.Status, slugOf(foreign), absent.Status, slugOf(absent), foreign.Body, absent.Body)
		}
	}

	// Nothing of B's changed and nothing was created by the refused bodies.
	var campaigns, events struct{ Total int64 }
	b.Do("GET", "/api/v1/campaigns", nil).Expect(200).JSON(&campaigns)
	b.Do("GET", "/api/v1/events", nil).Expect(200).JSON(&events)
	var purchases struct{ Total int64 }
	b.Do("GET", "/api/v1/purchases", nil).Expect(200).JSON(&purchases)
	if campaigns.Total != 1 || events.Total != 1 || purchases.Total != 0 {
		t.Fatalf("B has %d campaigns, %d events, %d purchases after the refusals; want 1, 1, 0", campaigns.Total, events.Total, purchases.Total)
	}
	var stillDraft struct {
		TemplateID int64   `json:"template_id"`
		GroupIDs   []int64 `json:"group_ids"`
	}
	b.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", draftB.ID), nil).Expect(200).JSON(&stillDraft)
	if stillDraft.TemplateID != tplB.ID || len(stillDraft.GroupIDs) != 1 || stillDraft.GroupIDs[0] != groupB.ID {
		t.Fatalf("B's draft changed: %+v", stillDraft)
	}
	// Everything of A's is still there, as it was.
	for _, path := range []string{cust, grp, imp, tpl, rel, ev, tier, p("/campaigns/%d", draftA.ID), p("/campaigns/%d", sentA.ID)} {
		a.Do("GET", path, nil).Expect(200)
	}
	var keys struct{ Items []struct{ ID int64 } }
	a.Do("GET", "/api/v1/api-keys", nil).Expect(200).JSON(&keys)
	if len(keys.Items) != 1 || keys.Items[0].ID != keyA.ID {
		t.Fatalf("A's api keys %+v", keys.Items)
	}
	var g groupJSON
	a.Do("GET", grp, nil).Expect(200).JSON(&g)
	if g.Name != "A 그룹" || g.CustomerCount != 1 {
		t.Fatalf("A's group changed: %+v", g)
	}
}

// slugOf is the problem type's slug of an answer, or "" when it is none.
func slugOf(r *apitest.Response) string {
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		return ""
	}
	return r.Slug()
}
