package api_test

import (
	"fmt"
	"strings"
	"testing"
)

func TestCustomersPhoneSpellingsAreOneCustomer(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	var first customerOut
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "박지성", "phone": "010-7777-1234", "email": "Park@Example.com",
		"attributes": map[string]string{"등급": "골드", "coupon": "A1"}}).Expect(201).JSON(&first)
	if first.Phone != "+821077771234" {
		t.Fatalf("phone stored as %q", first.Phone)
	}
	for _, spelling := range []string{"01077771234", "+82 10 7777 1234", "+821077771234", "1077771234"} {
		p := c.Do("POST", "/api/v1/customers", map[string]any{"name": "other", "phone": spelling}).Expect(409).Problem()
		if p.Detail == "" {
			t.Fatal("conflict without detail")
		}
	}
	full := c.Do("GET", fmt.Sprintf("/api/v1/customers/%d", first.ID), nil).Expect(200).Map()
	if full["email"] != "park@example.com" || full["phone_display"] != "010-7777-1234" ||
		full["attributes"].(map[string]any)["등급"] != "골드" {
		t.Fatalf("customer %v", full)
	}

	// Search by name, e-mail and any spelling of the phone.
	for _, q := range []string{"박지", "park@", "7777-1234", "01077771234", "+82 10 7777 1234"} {
		var res struct {
			Items []customerOut
			Total int64
		}
		c.Do("GET", "/api/v1/customers?q="+urlQuery(q), nil).Expect(200).JSON(&res)
		if res.Total != 1 || len(res.Items) != 1 || res.Items[0].ID != first.ID {
			t.Fatalf("q=%q found %+v", q, res)
		}
	}

	// Patch: phone change to an existing number conflicts; others apply.
	other := createCustomer(t, c, "차범근")
	c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", other.ID), map[string]any{"phone": "010 7777 1234"}).Expect(409)
	patched := c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", other.ID), map[string]any{"name": "차두리", "opted_out": true,
		"attributes": map[string]string{"memo": "x"}}).Expect(200).Map()
	if patched["name"] != "차두리" || patched["opted_out"] != true || patched["attributes"].(map[string]any)["memo"] != "x" {
		t.Fatalf("patched %v", patched)
	}
	p := c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", other.ID), map[string]any{"phone": "12", "email": "nope"}).Expect(422).Problem()
	if len(p.Errors) != 2 {
		t.Fatalf("errors %+v", p.Errors)
	}
	c.Do("POST", "/api/v1/customers", map[string]any{"phone": "010-1111-2222"}).Expect(422)
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "x", "phone": "010-1111-2222", "group_ids": []int64{987654}}).Expect(404)

	c.Do("DELETE", fmt.Sprintf("/api/v1/customers/%d", other.ID), nil).Expect(204)
	c.Do("GET", fmt.Sprintf("/api/v1/customers/%d", other.ID), nil).Expect(404)
	c.Do("DELETE", fmt.Sprintf("/api/v1/customers/%d", other.ID), nil).Expect(404)
}

func TestCustomerListPagesAndFiltersByGroup(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	g := createGroup(t, c, "페이지")
	for i := 0; i < 7; i++ {
		createCustomer(t, c, fmt.Sprintf("페이지고객%d", i), g.ID)
	}
	createCustomer(t, c, "밖의고객")
	var page struct {
		Items      []customerOut
		Total      int64
		Page, Size int
	}
	c.Do("GET", fmt.Sprintf("/api/v1/customers?group_id=%d&size=3&page=3", g.ID), nil).Expect(200).JSON(&page)
	if page.Total != 7 || len(page.Items) != 1 || page.Page != 3 || page.Size != 3 {
		t.Fatalf("page 3 of 3: %+v", page)
	}
	c.Do("GET", fmt.Sprintf("/api/v1/groups/%d/customers?size=5", g.ID), nil).Expect(200).JSON(&page)
	if page.Total != 7 || len(page.Items) != 5 {
		t.Fatalf("group customers: total %d, %d items", page.Total, len(page.Items))
	}
	c.Do("GET", "/api/v1/customers", nil).Expect(200).JSON(&page)
	if page.Total != 8 {
		t.Fatalf("all customers: %d", page.Total)
	}
	c.Do("GET", "/api/v1/customers?size=500", nil).Expect(422)
	c.Do("GET", "/api/v1/customers?page=0", nil).Expect(422)
	c.Do("GET", "/api/v1/customers?group_id=abc", nil).Expect(422)
}

func TestCustomerVariablesListFieldsAndAttributeNames(t *testing.T) {
	h := newHarness(t)
	tok, _ := h.signup(t)
	c := h.c.As(tok)
	empty := c.Do("GET", "/api/v1/customers/variables", nil).Expect(200).Map()
	if fmt.Sprint(empty["attributes"]) != "[]" || !strings.Contains(fmt.Sprint(empty["fields"]), "이름") {
		t.Fatalf("a new account's variables = %v", empty)
	}
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "가", "phone": "010-1111-0001",
		"attributes": map[string]string{"등급": "VIP", "order_no": "1"}}).Expect(201)
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "나", "phone": "010-1111-0002",
		"attributes": map[string]string{"coupon": "X", "등급": "GOLD"}}).Expect(201)
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "다", "phone": "010-1111-0003"}).Expect(201)

	// Another account's attribute names are not this account's.
	other, _ := h.signup(t)
	h.c.As(other).Do("POST", "/api/v1/customers", map[string]any{"name": "x", "phone": "010-1111-0009",
		"attributes": map[string]string{"secret_field": "1"}}).Expect(201)

	var got struct {
		Fields      []string `json:"fields"`
		EmailFields []string `json:"email_fields"`
		Attributes  []string `json:"attributes"`
	}
	c.Do("GET", "/api/v1/customers/variables", nil).Expect(200).JSON(&got)
	if strings.Join(got.Attributes, ",") != "coupon,order_no,등급" {
		t.Fatalf("attributes = %q", got.Attributes)
	}
	if strings.Join(got.EmailFields, ",") != "email,이메일" || len(got.Fields) != 4 {
		t.Fatalf("fields = %q / %q", got.Fields, got.EmailFields)
	}
	// The route is not taken for a customer id.
	c.Do("GET", "/api/v1/customers/999999", nil).Expect(404)
}

// A customer's edit checks what it changes, and leaves group membership to the
// membership routes; a refused edit changes nothing.
func TestCustomerEditRefusesGroupsAndBadFields(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	var cust customerOut
	c.Do("POST", "/api/v1/customers", map[string]any{"name": "안정환", "phone": "010-5555-0101"}).Expect(201).JSON(&cust)
	path := fmt.Sprintf("/api/v1/customers/%d", cust.ID)
	fieldNamed(t, c.Do("PATCH", path, map[string]any{"group_ids": []int64{1}}), "group_ids", "use /groups/{id}/members")
	fieldNamed(t, c.Do("PATCH", path, map[string]any{"name": "  "}), "name", "is required")
	fieldNamed(t, c.Do("POST", "/api/v1/customers", map[string]any{"phone": "010-5555-0102"}), "name", "is required")
	if got := c.Do("GET", path, nil).Expect(200).Map(); got["name"] != "안정환" {
		t.Fatalf("refused edits changed the customer: %v", got)
	}
	c.Do("PATCH", path, map[string]any{"name": " 안정환2 "}).Expect(200)
	if got := c.Do("GET", path, nil).Expect(200).Map(); got["name"] != "안정환2" {
		t.Fatalf("edit not applied: %v", got)
	}
}
