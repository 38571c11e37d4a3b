package api_test

import (
	"fmt"
	"sort"
	"testing"

	"github.com/sendingo/sendingo/apitest"
)

type groupJSON struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	IsDefault     bool   `json:"is_default"`
	CustomerCount int64  `json:"customer_count"`
}

type customerOut struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`
	Phone  string `json:"phone"`
	Groups []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"groups"`
}

func createGroup(t *testing.T, c *apitest.Client, name string) groupJSON {
	t.Helper()
	var g groupJSON
	c.Do("POST", "/api/v1/groups", map[string]string{"name": name}).Expect(201).JSON(&g)
	return g
}

var phoneSeq = 0

func createCustomer(t *testing.T, c *apitest.Client, name string, groupIDs ...int64) customerOut {
	t.Helper()
	phoneSeq++
	body := map[string]any{"name": name, "phone": fmt.Sprintf("010-5%03d-%04d", phoneSeq/10000, phoneSeq%10000)}
	if len(groupIDs) > 0 {
		body["group_ids"] = groupIDs
	}
	var out customerOut
	c.Do("POST", "/api/v1/customers", body).Expect(201).JSON(&out)
	return out
}

// groupsOf answers the names of the customer's groups, sorted.
func groupsOf(t *testing.T, c *apitest.Client, id int64) []string {
	t.Helper()
	var out customerOut
	c.Do("GET", fmt.Sprintf("/api/v1/customers/%d", id), nil).Expect(200).JSON(&out)
	names := make([]string, len(out.Groups))
	for i, g := range out.Groups {
		names[i] = g.Name
	}
	sort.Strings(names)
	return names
}

func expectGroups(t *testing.T, c *apitest.Client, id int64, want ...string) {
	t.Helper()
	sort.Strings(want)
	got := groupsOf(t, c, id)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("customer %d is in %v, want %v", id, got, want)
	}
}

// noCustomerWithoutGroup is the invariant every membership change keeps.
func (h *harness) noCustomerWithoutGroup(t *testing.T) {
	t.Helper()
	var n int
	if err := h.db.Get(&n, `SELECT COUNT(*) FROM customers c
		WHERE NOT EXISTS (SELECT 1 FROM group_members m WHERE m.customer_id = c.id)`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d customers are in no group", n)
	}
}

func TestGroupNamesGetExactNameSuffixes(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	steps := []struct{ create, want string }{
		{"VIP", "VIP"},
		{"VIP", "VIP(1)"},
		{"VIP", "VIP(2)"},
		{"VIP고객", "VIP고객"}, // starts with VIP but is another name
		{"VI", "VI"},       // a prefix of an existing name is free
		{"vip", "vip"},     // names are case-sensitive
		{"VIP(1)", "VIP(1)(1)"},
		{"  VIP  ", "VIP(3)"}, // surrounding spaces are trimmed
		{"100%_off", "100%_off"},
		{"100%_off", "100%_off(1)"},
		{"100x_off", "100x_off"}, // % and _ are not wildcards
		{"미지정", "미지정(1)"},
	}
	ids := map[string]int64{}
	for _, s := range steps {
		g := createGroup(t, c, s.create)
		if g.Name != s.want {
			t.Fatalf("creating %q made %q, want %q", s.create, g.Name, s.want)
		}
		ids[g.Name] = g.ID
	}
	// A freed name is reused: the smallest free suffix wins.
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d", ids["VIP(1)"]), nil).Expect(200)
	if g := createGroup(t, c, "VIP"); g.Name != "VIP(1)" {
		t.Fatalf("after deleting VIP(1), creating VIP made %q", g.Name)
	}
	// Renaming onto a taken name is a conflict, not a silent suffix.
	c.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", ids["VI"]), map[string]string{"name": "VIP"}).Expect(409)
	var renamed groupJSON
	c.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", ids["VI"]), map[string]string{"name": "골드"}).Expect(200).JSON(&renamed)
	if renamed.Name != "골드" {
		t.Fatalf("renamed to %q", renamed.Name)
	}
	c.Do("POST", "/api/v1/groups", map[string]string{"name": " "}).Expect(422)
}

func TestDefaultGroupCannotBeRenamedOrDeleted(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	var groups struct{ Items []groupJSON }
	c.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&groups)
	def := groups.Items[0]
	if !def.IsDefault || def.Name != "미지정" {
		t.Fatalf("first group %+v", def)
	}
	if slug := c.Do("PATCH", fmt.Sprintf("/api/v1/groups/%d", def.ID), map[string]string{"name": "기타"}).Expect(409).Slug(); slug != "default-group" {
		t.Fatalf("rename default answered %q", slug)
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d", def.ID), nil).Expect(409)
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d", def.ID), nil).Expect(200)
}

func TestMembershipRulesNeverLeaveACustomerWithoutGroup(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	vip := createGroup(t, c, "VIP")
	gold := createGroup(t, c, "골드")

	// Created without a group → 미지정; with a group → only that group.
	loner := createCustomer(t, c, "홍길동")
	expectGroups(t, c, loner.ID, "미지정")
	member := createCustomer(t, c, "김영희", vip.ID)
	expectGroups(t, c, member.ID, "VIP")
	h.noCustomerWithoutGroup(t)

	// Joining a group takes a customer out of 미지정 ("unassigned").
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", vip.ID), map[string]any{"customer_ids": []int64{loner.ID}}).Expect(200)
	expectGroups(t, c, loner.ID, "VIP")

	// Removing the only group puts the customer back in 미지정.
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d/members", vip.ID), map[string]any{"customer_ids": []int64{loner.ID}}).Expect(200)
	expectGroups(t, c, loner.ID, "미지정")
	h.noCustomerWithoutGroup(t)

	// Removing from 미지정 a customer in no other group changes nothing.
	var def struct{ Items []groupJSON }
	c.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&def)
	defID := def.Items[0].ID
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d/members", defID), map[string]any{"customer_ids": []int64{loner.ID}}).Expect(200)
	expectGroups(t, c, loner.ID, "미지정")
	h.noCustomerWithoutGroup(t)

	// Copy keeps the source; move leaves it.
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members/copy", vip.ID), map[string]any{"customer_ids": []int64{member.ID}, "to_group_id": gold.ID}).Expect(200)
	expectGroups(t, c, member.ID, "VIP", "골드")
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members/move", gold.ID), map[string]any{"customer_ids": []int64{member.ID}, "to_group_id": vip.ID}).Expect(200)
	expectGroups(t, c, member.ID, "VIP")
	// Moving out of 미지정 leaves it.
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members/move", defID), map[string]any{"customer_ids": []int64{loner.ID}, "to_group_id": gold.ID}).Expect(200)
	expectGroups(t, c, loner.ID, "골드")
	// Only members of the source group can be copied or moved.
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members/move", gold.ID), map[string]any{"customer_ids": []int64{member.ID}, "to_group_id": vip.ID}).Expect(404)
	h.noCustomerWithoutGroup(t)

	// Deleting a group: members in no other group go to 미지정; others keep theirs.
	both := createCustomer(t, c, "이몽룡", vip.ID, gold.ID)
	expectGroups(t, c, both.ID, "VIP", "골드")
	var del struct {
		MovedToDefault int64 `json:"moved_to_default"`
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d", vip.ID), nil).Expect(200).JSON(&del)
	if del.MovedToDefault != 1 {
		t.Fatalf("moved_to_default = %d, want 1 (member)", del.MovedToDefault)
	}
	expectGroups(t, c, member.ID, "미지정")
	expectGroups(t, c, both.ID, "골드")
	h.noCustomerWithoutGroup(t)

	// Member counts in the list.
	var list struct{ Items []groupJSON }
	c.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&list)
	counts := map[string]int64{}
	for _, g := range list.Items {
		counts[g.Name] = g.CustomerCount
	}
	if counts["미지정"] != 1 || counts["골드"] != 2 || len(list.Items) != 2 {
		t.Fatalf("counts %v", counts)
	}

	// Bulk operations on many customers at once.
	var many []int64
	for i := 0; i < 25; i++ {
		many = append(many, createCustomer(t, c, fmt.Sprintf("고객%d", i)).ID)
	}
	silver := createGroup(t, c, "실버")
	var r struct{ Changed int64 }
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", silver.ID), map[string]any{"customer_ids": many}).Expect(200).JSON(&r)
	if r.Changed != 25 {
		t.Fatalf("added %d, want 25", r.Changed)
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/groups/%d", silver.ID), nil).Expect(200)
	h.noCustomerWithoutGroup(t)
	expectGroups(t, c, many[7], "미지정")

	// Bad requests name the field.
	p := c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", gold.ID), map[string]any{"customer_ids": []int64{}}).Expect(422).Problem()
	if len(p.Errors) != 1 || p.Errors[0].Field != "customer_ids" {
		t.Fatalf("errors %+v", p.Errors)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members/copy", gold.ID), map[string]any{"customer_ids": []int64{both.ID}}).Expect(422)
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", gold.ID), map[string]any{"customer_ids": []int64{999999}}).Expect(404)
}
