package e2e

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/sheet"
)

// checkDevHardening walks issue 10's checks against a running `sendingo dev`:
// what anyone on the internet can try, refused cheaply, with the process still
// answering afterwards.
func checkDevHardening(t *testing.T, apiBase, simAddr string) {
	t.Helper()
	// Random request methods add no series to /metrics (one warm-up request
	// may create the single "other"/"unmatched" series, and the first scrape
	// its own).
	randomMethod := func() {
		const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		b := make([]byte, 10)
		for i := range b {
			b[i] = letters[rand.IntN(len(letters))]
		}
		req, _ := http.NewRequest(string(b), apiBase+"/api/v1/"+strings.ToLower(string(b[:4])), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	series := func() map[string]bool {
		resp, err := http.Get(apiBase + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		n := map[string]bool{}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if l := sc.Text(); strings.HasPrefix(l, "sendingo_http_") {
				n[l[:strings.LastIndexByte(l, ' ')]] = true
			}
		}
		return n
	}
	randomMethod()
	series() // the scrape itself is a request with series of its own
	before := series()
	for range 50 {
		randomMethod()
	}
	var added []string
	for name := range series() {
		if !before[name] {
			added = append(added, name)
		}
	}
	if len(added) > 0 {
		t.Fatalf("50 random methods added %d HTTP series to /metrics: %v", len(added), added)
	}

	c := apitest.New(t, apiBase)
	email := fmt.Sprintf("hard-%d@example.com", time.Now().UnixNano())
	var su struct{ Token string }
	c.Do("POST", "/api/v1/auth/signup", map[string]any{"account_name": "hard", "name": "hard", "email": email,
		"password": "Dev-Passw0rd"}).Expect(201).JSON(&su)
	c = c.As(su.Token)

	// A relay at the simulator with a secret; moving it while sending the mask
	// back would carry the secret to the new address, so it is refused.
	var r struct{ ID int64 }
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "http-sim", "kind": "http", "channel": "sms",
		"config": map[string]any{"base_url": "http://" + simAddr + "/r/hard", "token": "s3cret-relay-token"}}).Expect(201).JSON(&r)
	p := c.Do("PATCH", fmt.Sprintf("/api/v1/relays/%d", r.ID), map[string]any{
		"config": map[string]any{"base_url": "https://relay.example.com", "token": "********"}}).Expect(422).Problem()
	if !strings.Contains(fmt.Sprint(p.Errors), "config.token") {
		t.Fatalf("re-pointing with the mask: %+v", p)
	}

	// A customer whose name is a spreadsheet formula, sent to through the
	// simulator; the CSV export neutralises the cell.
	var cust struct{ ID int64 }
	c.Do("POST", "/api/v1/customers", map[string]any{"name": `=HYPERLINK("http://x","y")`, "phone": "010-4000-0002"}).Expect(201).JSON(&cust)
	var g struct{ ID int64 }
	c.Do("POST", "/api/v1/groups", map[string]any{"name": "수식"}).Expect(201).JSON(&g)
	c.Do("POST", fmt.Sprintf("/api/v1/groups/%d/members", g.ID), map[string]any{"customer_ids": []int64{cust.ID}}).Expect(200)
	var tpl struct{ ID int64 }
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "수식", "channel": "sms", "body": "#{이름}"}).Expect(201).JSON(&tpl)
	var camp struct{ ID int64 }
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "수식", "template_id": tpl.ID, "group_ids": []int64{g.ID},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": r.ID, "weight": 1}}}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	for deadline := time.Now().Add(2 * time.Minute); ; {
		var st struct{ Status string }
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", camp.ID), nil).Expect(200).JSON(&st)
		if st.Status == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("campaign still %s", st.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
	export := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv", camp.ID), nil).Expect(200)
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(export.Body, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("export: %d records, %v", len(recs), err)
	}
	for _, cell := range recs[1] {
		if strings.HasPrefix(cell, "=") {
			t.Fatalf("the CSV export carries a live formula cell %q", cell)
		}
	}
	if !strings.Contains(strings.Join(recs[1], ","), `'=HYPERLINK`) {
		t.Fatalf("the formula name is not in the export, neutralised: %q", recs[1])
	}

	// Deep offsets are refused quickly, pointing to cursor paging.
	p = c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?page=100000&size=50", camp.ID), nil).Expect(422).Problem()
	if !strings.Contains(p.Detail, "cursor") {
		t.Fatalf("deep page: %+v", p)
	}

	// A shared-string bomb is refused, and the process goes on answering.
	var bomb bytes.Buffer
	if err := sheet.WriteSharedStringBomb(&bomb, 500, 4000, 32<<10); err != nil {
		t.Fatal(err)
	}
	if slug := c.Upload("/api/v1/imports", "file", "bomb.xlsx", bomb.Bytes(), nil).Expect(422).Slug(); slug != "spreadsheet-limit" {
		t.Fatalf("bomb refused as %q", slug)
	}
	if resp, err := http.Get(apiBase + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz after the bomb: %v", err)
	} else {
		resp.Body.Close()
	}

	// Fifteen wrong passwords for one e-mail end in 429 with Retry-After.
	anon := apitest.New(t, apiBase)
	var last *apitest.Response
	for range 15 {
		last = anon.Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": "Wrong-Passw0rd"})
	}
	if last.Status != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
		t.Fatalf("the 15th wrong password answered %d (Retry-After %q)", last.Status, last.Header.Get("Retry-After"))
	}
}
