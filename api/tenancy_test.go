package api_test

import (
	"fmt"
	"testing"
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
