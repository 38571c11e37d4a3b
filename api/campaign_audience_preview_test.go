package api_test

import (
	"fmt"
	"testing"
)

// The wizard's recipient count: two overlapping groups count each customer
// once, an opted-out customer is left out, and with a template the customers a
// send would be refused for are named. Another account's group is 404.
func TestAudiencePreviewCountsWhatASendWould(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	a := importCustomers(t, c, "A", 1, 6, "VIP") // 고객1..6
	b := importCustomers(t, c, "B", 5, 8, "")    // 고객5..8: 5 and 6 are in both
	var list struct {
		Items []customerOut `json:"items"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/customers?group_id=%d&size=100", b), nil).Expect(200).JSON(&list)
	var optedOut int64
	for _, cu := range list.Items {
		if cu.Name == "고객8" {
			optedOut = cu.ID
		}
	}
	c.Do("PATCH", fmt.Sprintf("/api/v1/customers/%d", optedOut), map[string]any{"opted_out": true}).Expect(200)

	type preview struct {
		GroupMembers     int64 `json:"group_members"`
		Customers        int64 `json:"customers"`
		Duplicates       int64 `json:"duplicates"`
		OptedOut         int64 `json:"opted_out"`
		Recipients       int64 `json:"recipients"`
		MissingVariables *struct {
			Count     int64 `json:"count"`
			Customers []struct {
				Name    string   `json:"name"`
				Missing []string `json:"missing"`
			} `json:"customers"`
		} `json:"missing_variables"`
	}
	var p preview
	c.Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{a, b}}).Expect(200).JSON(&p)
	if p.GroupMembers != 10 || p.Customers != 8 || p.Duplicates != 2 || p.OptedOut != 1 || p.Recipients != 7 || p.MissingVariables != nil {
		t.Fatalf("preview %+v", p)
	}

	// With a template that needs 등급: 고객7 has none (고객8 opted out; 5 and 6 have it from A).
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "등급", "channel": "sms", "body": "#{이름}님 #{등급} 혜택"}).Expect(201).JSON(&tpl)
	c.Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{a, b}, "template_id": tpl.ID}).Expect(200).JSON(&p)
	if p.Recipients != 7 || p.MissingVariables == nil || p.MissingVariables.Count != 1 ||
		p.MissingVariables.Customers[0].Name != "고객7" || p.MissingVariables.Customers[0].Missing[0] != "등급" {
		t.Fatalf("preview with template %+v (missing %+v)", p, p.MissingVariables)
	}

	c.Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{}}).Expect(422)
	c.Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{-1}}).Expect(422)
	other, _ := h.signup(t)
	h.c.As(other).Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{a}}).Expect(404)
	h.c.As(other).Do("POST", "/api/v1/campaigns/audience-preview", map[string]any{"group_ids": []int64{1}, "template_id": tpl.ID}).Expect(404)
}
