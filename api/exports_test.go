package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/sendingo/sendingo/relay/sim"
)

// A customer named like a spreadsheet formula: the CSV export writes the cell
// with a leading apostrophe (Excel shows it as text instead of running it), the
// .xlsx keeps it a plain text cell, and Korean phone numbers come out in
// national form in both.
func TestExportsNeutraliseFormulaCells(t *testing.T) {
	const name = `=HYPERLINK("http://x","y")`
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, base := startSim(t, sim.Settings{})
	simRelay(t, c, "sms", base, "sms", 1)
	var cust customerOut
	c.Do("POST", "/api/v1/customers", map[string]any{"name": name, "phone": "010-4000-0001"}).Expect(201).JSON(&cust)
	var g struct{ ID int64 }
	c.Do("POST", "/api/v1/groups", map[string]any{"name": "수식"}).Expect(201).JSON(&g)
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), map[string]any{"customer_ids": []int64{cust.ID}}).Expect(200)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "수식", "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	waitCampaign(t, c, camp.ID)

	body := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv", camp.ID), nil).Expect(200).Body
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 {
		t.Fatalf("rows %q", rows)
	}
	if rows[1][2] != "'"+name || rows[1][8] != "'"+name+"님 안내" || rows[1][1] != "010-4000-0001" {
		t.Fatalf("CSV row %q", rows[1])
	}

	x := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=xlsx", camp.ID), nil).Expect(200).Body
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	v, _ := f.GetCellValue(sheet, "C2")
	formula, _ := f.GetCellFormula(sheet, "C2")
	if v != name || formula != "" {
		t.Fatalf("xlsx name cell %q, formula %q", v, formula)
	}
}
