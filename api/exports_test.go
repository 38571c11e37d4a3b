package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"testing"
	"time"

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

// Exports speak the account's language, as its staff read them: a Korean
// account's file has Korean headers, phones in national form, statuses in
// Korean with the code in a column of its own, and times in the account's zone
// with the zone named in the header; an English account's, the same in English.
func TestExportsSpeakTheAccountsLanguage(t *testing.T) {
	h := newHarness(t)
	_, base := startSim(t, sim.Settings{})
	for _, tc := range []struct {
		lang, zone                            string
		phoneHeader, statusHeader, sentHeader string
		delivered, channel                    string
	}{
		{"ko", "Asia/Seoul", "전화번호", "상태", "발송 시각 (Asia/Seoul)", "전송완료", "SMS"},
		{"en", "America/New_York", "Phone", "Status", "Sent at (America/New_York)", "Delivered", "SMS"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			token, _ := h.signup(t)
			c := h.c.As(token)
			c.Do("PATCH", "/api/v1/account", map[string]any{"language": tc.lang, "timezone": tc.zone}).Expect(200)
			simRelay(t, c, "sms", base, "sms", 1)
			var cust customerOut
			c.Do("POST", "/api/v1/customers", map[string]any{"name": "홍길동", "phone": "+821040000001"}).Expect(201).JSON(&cust)
			var g struct{ ID int64 }
			c.Do("POST", "/api/v1/groups", map[string]any{"name": "수신"}).Expect(201).JSON(&g)
			c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), map[string]any{"customer_ids": []int64{cust.ID}}).Expect(200)
			var tpl templateOut
			c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
			var camp campaignOut
			c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "언어", "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
			c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
			waitCampaign(t, c, camp.ID)
			var msgs struct {
				Items []struct {
					SentAt time.Time `json:"sent_at"`
				} `json:"items"`
			}
			c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages", camp.ID), nil).Expect(200).JSON(&msgs)
			loc, _ := time.LoadLocation(tc.zone)
			sentAt := msgs.Items[0].SentAt.In(loc).Format("2006-01-02 15:04:05")

			// check finds each expected header and the cell under it in the row.
			check := func(what string, header, row []string) {
				t.Helper()
				cell := func(name string) string {
					for i, h := range header {
						if h == name && i < len(row) {
							return row[i]
						}
					}
					t.Fatalf("%s: no column %q in %q", what, name, header)
					return ""
				}
				codeHeader := map[string]string{"ko": "상태 코드", "en": "Status code"}[tc.lang]
				channelHeader := map[string]string{"ko": "채널", "en": "Channel"}[tc.lang]
				if got := cell(tc.phoneHeader); got != "010-4000-0001" {
					t.Errorf("%s: phone %q, want 010-4000-0001", what, got)
				}
				if got := cell(tc.statusHeader); got != tc.delivered {
					t.Errorf("%s: status %q, want %q", what, got, tc.delivered)
				}
				if got := cell(codeHeader); got != "delivered" {
					t.Errorf("%s: status code %q, want delivered", what, got)
				}
				if got := cell(channelHeader); got != tc.channel {
					t.Errorf("%s: channel %q, want %q", what, got, tc.channel)
				}
				if got := cell(tc.sentHeader); got != sentAt {
					t.Errorf("%s: sent at %q, want %q (%s)", what, got, sentAt, tc.zone)
				}
			}

			body := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv", camp.ID), nil).Expect(200).Body
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\xEF\xBB\xBF")))).ReadAll()
			if err != nil || len(rows) != 2 {
				t.Fatalf("CSV rows %q, %v", rows, err)
			}
			check("csv", rows[0], rows[1])

			x := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=xlsx", camp.ID), nil).Expect(200).Body
			f, err := excelize.OpenReader(bytes.NewReader(x))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			xrows, err := f.GetRows(f.GetSheetName(0))
			if err != nil || len(xrows) != 2 {
				t.Fatalf("xlsx rows %q, %v", xrows, err)
			}
			check("xlsx", xrows[0], xrows[1])
		})
	}
}
