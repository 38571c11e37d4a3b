package api_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
)

type consentCustomer struct {
	ID             int64      `json:"id"`
	Name           string     `json:"name"`
	Phone          string     `json:"phone"`
	Email          string     `json:"email"`
	OptedOut       bool       `json:"opted_out"`
	OptedOutAt     *time.Time `json:"opted_out_at"`
	OptOutSource   string     `json:"opt_out_source"`
	NightAdConsent bool       `json:"night_ad_consent"`
	NotMobile      bool       `json:"not_mobile"`
}

type summaryOut struct {
	Channel    string `json:"channel"`
	Audience   int64  `json:"audience"`
	Recipients int64  `json:"recipients"`
	Skipped    struct {
		OptedOut         int64 `json:"opted_out"`
		NotMobile        int64 `json:"not_mobile"`
		NoEmail          int64 `json:"no_email"`
		MissingVariables int64 `json:"missing_variables"`
	} `json:"skipped"`
	NightConsent int64 `json:"night_consent"`
	QuietHours   struct {
		Now      bool       `json:"now"`
		ResumeAt *time.Time `json:"resume_at"`
	} `json:"quiet_hours"`
}

func customerByPhone(t *testing.T, c *apitest.Client, phone string) consentCustomer {
	t.Helper()
	var out struct{ Items []consentCustomer }
	c.Do("GET", "/api/v1/customers?q="+url.QueryEscape(phone), nil).Expect(200).JSON(&out)
	if len(out.Items) != 1 {
		t.Fatalf("customers with %s: %+v", phone, out.Items)
	}
	return out.Items[0]
}

// An import with 02-123-4567 and 070-1234-5678 marks them not_mobile: they are
// imported (customers flagged not_mobile) and never texted; the night consent
// column sets the customers' consent, and a cell that is neither yes nor no is
// refused. A text campaign's pre-send summary counts the landlines as skipped
// with that reason, and the send goes only to the mobile number.
func TestImportMarksLandlineAnd070NotMobile(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	simRelay(t, c, "sim-sms", simBase, "sms", 1)

	csv := "이름,휴대폰,야간수신동의\n" +
		"김민수,010-1111-2222,Y\n" +
		"서울지점,02-123-4567,N\n" +
		"인터넷전화,070-1234-5678,\n" +
		"이서연,010-3333-4444,글쎄요\n"
	var im struct {
		importOut
		NotMobileRows int64 `json:"not_mobile_rows"`
	}
	c.Upload("/api/v1/imports", "file", "고객.csv", []byte(csv), nil).Expect(201).JSON(&im)
	if im.TotalRows != 4 || im.ValidRows != 3 || im.NotMobileRows != 2 || im.InvalidRows != 1 {
		t.Fatalf("staged %+v", im)
	}
	for _, col := range im.Columns {
		if col.Header == "야간수신동의" && col.Field != "night_ad_consent" {
			t.Errorf("night consent column mapped as %+v", col)
		}
	}
	verdicts := map[string]string{}
	for _, r := range importRows(t, c, im.ID, "") {
		verdicts[r.Name] = r.Verdict
		if r.Verdict != "ok" && r.Reason == "" {
			t.Errorf("%s: %s without a reason", r.Name, r.Verdict)
		}
	}
	want := map[string]string{"김민수": "ok", "서울지점": "not_mobile", "인터넷전화": "not_mobile", "이서연": "invalid_consent"}
	if fmt.Sprint(verdicts) != fmt.Sprint(want) {
		t.Fatalf("verdicts %v, want %v", verdicts, want)
	}
	if got := len(importRows(t, c, im.ID, "not_mobile")); got != 2 {
		t.Fatalf("not_mobile filter gave %d rows", got)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "지점"}).Expect(202)
	done := waitImport(t, c, im.ID)
	if done.Status != "completed" || done.Created != 3 {
		t.Fatalf("import %+v", done)
	}
	mobile, land, voip := customerByPhone(t, c, "010-1111-2222"), customerByPhone(t, c, "02-123-4567"), customerByPhone(t, c, "070-1234-5678")
	if mobile.NotMobile || !mobile.NightAdConsent || !land.NotMobile || land.NightAdConsent || !voip.NotMobile {
		t.Fatalf("customers %+v %+v %+v", mobile, land, voip)
	}

	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내드립니다"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "지점 안내", "template_id": tpl.ID, "group_ids": []int64{done.TargetGroupID}}).
		Expect(201).JSON(&camp)
	var sum summaryOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/summary", camp.ID), nil).Expect(200).JSON(&sum)
	if sum.Audience != 3 || sum.Recipients != 1 || sum.Skipped.NotMobile != 2 {
		t.Fatalf("summary %+v", sum)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	final := waitCampaign(t, c, camp.ID)
	if final.Status != "completed" || final.Total != 1 || final.Delivered != 1 {
		t.Fatalf("campaign %+v", final)
	}
}

// quietZone is a fixed-offset zone (Etc/GMT±n) in which it is now hour h
// o'clock, so an API test can send at night (or by day) whatever the time is,
// without a fake clock in Temporal.
func quietZone(t *testing.T, h int) (string, *time.Location) {
	t.Helper()
	off := ((h-time.Now().UTC().Hour())%24 + 24) % 24 // hours east of UTC, 0..23
	if off > 14 {
		off -= 24
	}
	name := "Etc/GMT"
	switch {
	case off > 0:
		name += "-" + strconv.Itoa(off) // the Etc zones' signs are inverted
	case off < 0:
		name += "+" + strconv.Itoa(-off)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return name, loc
}

// An advertisement sent at night (01:00 in the account's zone) goes at once to
// the customer who consented to night-time advertising; the others wait for
// 08:00 (the progress says so), and the pre-send summary tells it in advance.
func TestAdvertisementAtNightSendsToConsentingCustomersAtOnce(t *testing.T) {
	h := newHarness(t, withClock(time.Now))
	token, _ := h.signup(t)
	c := h.c.As(token)
	zone, loc := quietZone(t, 1)
	c.Do("PATCH", "/api/v1/account", map[string]any{"timezone": zone, "optout_number": "080-123-4567"}).Expect(200)
	_, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	simRelay(t, c, "sim-sms", simBase, "sms", 1)

	g := createGroup(t, c, "야간")
	night := true
	for i, consent := range []bool{true, false, false} {
		c.Do("POST", "/api/v1/customers", map[string]any{"name": fmt.Sprintf("고객%d", i), "phone": fmt.Sprintf("010-5555-000%d", i),
			"group_ids": []int64{g.ID}, "night_ad_consent": consent}).Expect(201)
	}
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "세일", "channel": "sms", "body": "#{이름}님 심야 세일!", "advertisement": true}).
		Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "심야 세일", "template_id": tpl.ID, "group_ids": []int64{g.ID}}).
		Expect(201).JSON(&camp)

	var sum summaryOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/summary", camp.ID), nil).Expect(200).JSON(&sum)
	now := time.Now().In(loc)
	morning := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, loc)
	if !sum.QuietHours.Now || sum.QuietHours.ResumeAt == nil || !sum.QuietHours.ResumeAt.Equal(morning) || sum.NightConsent != 1 || sum.Recipients != 3 {
		t.Fatalf("summary at %v: %+v (resume %v)", now, sum, sum.QuietHours.ResumeAt)
	}

	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	deadline := time.Now().Add(time.Minute)
	for night {
		counts := h.messageCounts(t, camp.ID)
		if counts["delivered"]+counts["sent"] == 1 && counts["pending"] == 2 {
			night = false
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("message statuses %v", counts)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var p struct {
		Stage    string    `json:"stage"`
		ResumeAt time.Time `json:"resume_at"`
	}
	deadline = time.Now().Add(30 * time.Second)
	for {
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/progress", camp.ID), nil).Expect(200).JSON(&p)
		if p.Stage == "quiet_hours" || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p.Stage != "quiet_hours" || !p.ResumeAt.Equal(morning) {
		t.Fatalf("progress %+v, want quiet_hours until %v", p, morning)
	}
	var sent []string
	rows, err := h.db.Query(`SELECT m.recipient FROM campaign_messages m WHERE m.campaign_id = ? AND m.status <> 'pending'`, camp.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		_ = rows.Scan(&r)
		sent = append(sent, r)
	}
	rows.Close()
	if len(sent) != 1 || sent[0] != "+821055550000" {
		t.Fatalf("sent at night to %v, want only the consenting +821055550000", sent)
	}
	// The rest would go at 08:00 (the workflow test covers the morning); end it.
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", camp.ID), nil).Expect(202)
	if final := waitCampaign(t, c, camp.ID); final.Status != "cancelled" {
		t.Fatalf("campaign %+v", final)
	}
}

var unsubscribeLink = regexp.MustCompile(`https?://[^\s<>"]+/u/([A-Za-z0-9_-]{22})`)

// An e-mail campaign through the SMTP relay carries List-Unsubscribe (an https
// one-click address under the public URL) and List-Unsubscribe-Post on every
// mail, and the advertisement (HTML here) shows the link in its body. A POST to the
// one-click address opts the customer out (once; a second POST changes
// nothing), the customer shows it, the page says so in Korean or English, and
// a second campaign skips them.
func TestEmailUnsubscribeOneClick(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	// Noon in the account's zone, so the advertisement is not held for 08:00.
	noon, _ := quietZone(t, 12)
	c.Do("PATCH", "/api/v1/account", map[string]any{"optout_number": "080-123-4567", "timezone": noon}).Expect(200)
	box := startMailbox(t)
	if err := testEgress.Allow(box.Addr); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(box.Addr)
	p, _ := strconv.Atoi(port)
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "mail", "kind": "smtp", "channel": "email",
		"config": map[string]any{"host": host, "port": p, "from": "shop@example.com", "tls": "none"}}).Expect(201)
	g := createGroup(t, c, "메일")
	for i, email := range []string{"kim@example.net", "lee@example.net"} {
		c.Do("POST", "/api/v1/customers", map[string]any{"name": fmt.Sprintf("고객%d", i), "phone": fmt.Sprintf("010-6666-000%d", i),
			"email": email, "group_ids": []int64{g.ID}}).Expect(201)
	}
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "뉴스레터", "channel": "email", "subject": "3월 소식",
		"body": "<p>#{이름}님, 3월 소식입니다.</p>", "advertisement": true}).Expect(201).JSON(&tpl)
	send := func(name string) campaignOut {
		var camp campaignOut
		c.Do("POST", "/api/v1/campaigns", map[string]any{"name": name, "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
		c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
		return waitCampaign(t, c, camp.ID)
	}
	if first := send("첫 소식"); first.Status != "completed" || first.Delivered != 2 || len(box.received()) != 2 {
		t.Fatalf("first campaign %+v, %d mails", first, len(box.received()))
	}
	var kimToken string
	for i, m := range box.received() {
		lu, post := m.Header.Get("List-Unsubscribe"), m.Header.Get("List-Unsubscribe-Post")
		match := unsubscribeLink.FindStringSubmatch(lu)
		if match == nil || !strings.HasPrefix(lu, "<"+h.cfg.PublicURL+"/u/") || post != "List-Unsubscribe=One-Click" {
			t.Errorf("mail %d: List-Unsubscribe %q, List-Unsubscribe-Post %q", i, lu, post)
			continue
		}
		if !strings.Contains(m.Body, `<a href="`+h.cfg.PublicURL+"/u/"+match[1]+`">`) ||
			m.Header.Get("Content-Type") != "text/html; charset=UTF-8" {
			t.Errorf("HTML advertisement (%s) has no unsubscribe link: %q", m.Header.Get("Content-Type"), m.Body)
		}
		if to, _ := m.Header.AddressList("To"); len(to) == 1 && to[0].Address == "kim@example.net" {
			kimToken = match[1]
		}
	}
	if kimToken == "" {
		t.Fatal("no unsubscribe token for kim@example.net")
	}

	page := func(method, path, lang string, body io.Reader) (int, string) {
		req, _ := http.NewRequest(method, h.srv.URL+path, body)
		req.Header.Set("Accept-Language", lang)
		if body != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp := apitest.New(t, h.srv.URL).Send(req)
		return resp.Status, string(resp.Body)
	}
	if st, body := page("GET", "/u/"+kimToken, "ko-KR,ko;q=0.9", nil); st != 200 || !strings.Contains(body, "수신거부하기") || !strings.Contains(body, `method="post"`) {
		t.Fatalf("GET confirmation page %d: %s", st, body)
	}
	if kim := customerByPhone(t, c, "010-6666-0000"); kim.OptedOut {
		t.Fatal("a GET opted the customer out")
	}
	for i := range 3 {
		st, body := page("POST", "/u/"+kimToken, "en-US,en;q=0.8", strings.NewReader("List-Unsubscribe=One-Click"))
		if st != 200 || !strings.Contains(body, "You are unsubscribed") {
			t.Fatalf("one-click POST %d: %d %s", i+1, st, body)
		}
	}
	// The opt-out is logged once: posting the link again changes nothing, and
	// a public route must not be a way to fill the log.
	if n := strings.Count(h.logs.String(), `"msg":"customer unsubscribed"`); n != 1 {
		t.Errorf("three POSTs of one unsubscribe link logged %d opt-outs, want 1", n)
	}
	kim := customerByPhone(t, c, "010-6666-0000")
	if !kim.OptedOut || kim.OptOutSource != "unsubscribe" || kim.OptedOutAt == nil {
		t.Fatalf("customer after unsubscribing %+v", kim)
	}
	for _, bad := range []string{"/u/short", "/u/" + strings.Repeat("A", 22)} {
		if st, _ := page("POST", bad, "ko", strings.NewReader("List-Unsubscribe=One-Click")); st != 404 {
			t.Errorf("POST %s answered %d, want 404", bad, st)
		}
	}

	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "둘째 소식", "template_id": tpl.ID, "group_ids": []int64{g.ID}}).Expect(201).JSON(&camp)
	var sum summaryOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/summary", camp.ID), nil).Expect(200).JSON(&sum)
	if sum.Recipients != 1 || sum.Skipped.OptedOut != 1 {
		t.Fatalf("summary %+v", sum)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if second := waitCampaign(t, c, camp.ID); second.Status != "completed" || second.Total != 1 {
		t.Fatalf("second campaign %+v", second)
	}
	mails := box.received()
	if len(mails) != 3 {
		t.Fatalf("%d mails in all, want 3", len(mails))
	}
	if to, _ := mails[2].Header.AddressList("To"); len(to) != 1 || to[0].Address != "lee@example.net" {
		t.Fatalf("second campaign went to %v", to)
	}
	if !strings.HasPrefix(mails[2].Subject, "(광고)") {
		t.Errorf("subject %q", mails[2].Subject)
	}
}

// An opt-out list (phones, as an 080 service exports them; or e-mails) opts
// the matching customers out and reports every row.
func TestOptOutListReportsEveryRow(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	for i, email := range []string{"a@example.net", "b@example.net", "c@example.net"} {
		c.Do("POST", "/api/v1/customers", map[string]any{"name": fmt.Sprintf("고객%d", i), "phone": fmt.Sprintf("010-7777-000%d", i),
			"email": email, "opted_out": i == 1}).Expect(201)
	}
	csv := "수신거부번호,전화번호,등록일\n" +
		"1,01077770000,2026-03-01\n" +
		"2,010-7777-0001,2026-03-01\n" +
		"3,010-9999-9999,2026-03-02\n" +
		"4,12,2026-03-02\n"
	type report struct {
		Total           int64 `json:"total"`
		OptedOut        int64 `json:"opted_out"`
		AlreadyOptedOut int64 `json:"already_opted_out"`
		NotFound        int64 `json:"not_found"`
		Invalid         int64 `json:"invalid"`
		Rows            []struct {
			Line   int    `json:"line"`
			Value  string `json:"value"`
			Kind   string `json:"kind"`
			Result string `json:"result"`
			Reason string `json:"reason"`
		} `json:"rows"`
	}
	var r report
	c.Upload("/api/v1/opt-outs", "file", "080.csv", []byte(csv), nil).Expect(200).JSON(&r)
	results := map[int]string{}
	for _, row := range r.Rows {
		results[row.Line] = row.Result
	}
	if r.Total != 4 || r.OptedOut != 1 || r.AlreadyOptedOut != 1 || r.NotFound != 1 || r.Invalid != 1 ||
		fmt.Sprint(results) != fmt.Sprint(map[int]string{2: "opted_out", 3: "already_opted_out", 4: "not_found", 5: "invalid"}) {
		t.Fatalf("report %+v", r)
	}
	if a := customerByPhone(t, c, "010-7777-0000"); !a.OptedOut || a.OptOutSource != "list" {
		t.Fatalf("customer %+v", a)
	}
	var byEmail report
	c.Upload("/api/v1/opt-outs", "file", "emails.csv", []byte("email\nC@Example.net\nnobody@example.net\n"), nil).Expect(200).JSON(&byEmail)
	if byEmail.OptedOut != 1 || byEmail.NotFound != 1 || byEmail.Rows[0].Value != "c@example.net" {
		t.Fatalf("e-mail report %+v", byEmail)
	}
	if cc := customerByPhone(t, c, "010-7777-0002"); !cc.OptedOut {
		t.Fatalf("customer %+v", cc)
	}
	if got := c.Upload("/api/v1/opt-outs", "file", "x.csv", []byte("이름,등급\n홍,VIP\n"), nil).Expect(422).Slug(); got != "no-phone-column" {
		t.Errorf("a file without a phone or e-mail column: %s", got)
	}
}
