package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/xuri/excelize/v2"

	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/testenv"
)

const (
	browserUA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.8.5"
	scraperUA = "Mozilla/5.0 (compatible; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/)"
)

type messageItem struct {
	ID           int64      `json:"id"`
	Phone        string     `json:"phone"`
	Content      string     `json:"content"`
	Status       string     `json:"status"`
	Clicks       int64      `json:"clicks"`
	FirstClickAt *time.Time `json:"first_click_at"`
	Relay        *struct {
		Name string `json:"name"`
	} `json:"relay"`
	Links []struct {
		URL         string `json:"url"`
		TrackingURL string `json:"tracking_url"`
		Clicks      int64  `json:"clicks"`
	} `json:"links"`
}

// click fetches a tracking link on the test server as a given user agent.
func (h *harness) click(t *testing.T, trackingURL, ua string) *http.Response {
	t.Helper()
	u, err := url.Parse(trackingURL)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", h.srv.URL+u.Path, nil)
	req.Header.Set("User-Agent", ua)
	resp, err := h.c.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// A campaign through the simulator, clicks on two messages' links (one twice)
// and one link-preview fetch: results, message rows, statistics and series agree
// exactly with what happened; another account sees none of it.
func TestClicksResultsStatsAndSeriesAgree(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	// A grade with a space and an "&": in the button's address it is encoded,
	// neither breaking the address (once, such a customer was left out) nor
	// adding a query parameter.
	g := importCustomers(t, c, "클릭", 1, 5, "VIP & 골드")
	camp := buttonCampaign(t, c, base, "쿠폰 발송", g, "#{이름}님 #{등급} 쿠폰이 도착했습니다", "https://shop.example/c?u=#{이름}&g=#{등급}")
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Delivered != 5 {
		t.Fatalf("campaign %+v", done)
	}

	var page struct {
		Items      []messageItem `json:"items"`
		Total      int64         `json:"total"`
		NextCursor *string       `json:"next_cursor"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?size=10", camp.ID), nil).Expect(200).JSON(&page)
	if page.Total != 5 || len(page.Items) != 5 || page.NextCursor != nil {
		t.Fatalf("messages %+v", page)
	}
	m := page.Items
	for _, it := range m {
		if len(it.Links) != 1 || !strings.Contains(it.Links[0].TrackingURL, "/t/") || it.Status != "delivered" || it.Relay == nil || it.Relay.Name != "kakao" {
			t.Fatalf("message %+v", it)
		}
		if !regexp.MustCompile(`^https://shop\.example/c\?u=%EA%B3%A0%EA%B0%9D[1-5]&g=VIP%20%26%20%EA%B3%A8%EB%93%9C$`).MatchString(it.Links[0].URL) {
			t.Fatalf("original URL %q", it.Links[0].URL)
		}
	}
	// What the customer got is the tracking link, not the original.
	var sent string
	_ = h.db.Get(&sent, `SELECT buttons FROM campaign_messages WHERE id = ?`, m[0].ID)
	if !strings.Contains(sent, m[0].Links[0].TrackingURL) || strings.Contains(sent, "shop.example") {
		t.Fatalf("buttons sent %s", sent)
	}

	// Clicks: message 0 once, message 1 twice, a link-preview fetch of message 2.
	resp := h.click(t, m[0].Links[0].TrackingURL, browserUA)
	// Location is the original URL as it was rendered.
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || loc != m[0].Links[0].URL {
		t.Fatalf("redirect %d to %q, want %q", resp.StatusCode, resp.Header.Get("Location"), m[0].Links[0].URL)
	}
	h.click(t, m[1].Links[0].TrackingURL, browserUA)
	// An agent that is not UTF-8 (a header may carry Latin-1) is recorded all the same.
	if r := h.click(t, m[1].Links[0].TrackingURL, browserUA+" caf\xe9"); r.StatusCode != 302 {
		t.Fatalf("a Latin-1 agent got %d", r.StatusCode)
	}
	if r := h.click(t, m[2].Links[0].TrackingURL, scraperUA); r.StatusCode != 302 {
		t.Fatalf("the bot got %d", r.StatusCode)
	}
	// Unknown and malformed tokens get a plain 404 page, never a redirect.
	for _, bad := range []string{"/t/AAAAAAAAAAAAAAAAAAAAAA", "/t/short", "/t/" + strings.Repeat("x", 22) + "?next=https://evil.example"} {
		resp := h.c.Do("GET", bad, nil)
		if resp.Status != 404 || resp.Header.Get("Location") != "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s answered %d (Location %q)", bad, resp.Status, resp.Header.Get("Location"))
		}
	}

	// Per message.
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?size=10", camp.ID), nil).Expect(200).JSON(&page)
	wantClicks := []int64{1, 2, 0, 0, 0}
	for i, it := range page.Items {
		if it.Clicks != wantClicks[i] || it.Links[0].Clicks != wantClicks[i] || (it.FirstClickAt != nil) != (wantClicks[i] > 0) {
			t.Fatalf("message %d: clicks %d, link clicks %d, first click %v; want %d", i, it.Clicks, it.Links[0].Clicks, it.FirstClickAt, wantClicks[i])
		}
	}
	// Each click keeps its user agent (bytes that are not UTF-8 as U+FFFD), and
	// what the agent parsed to.
	var agents []struct{ Agent, Device string }
	_ = h.db.Select(&agents, `SELECT a.agent, a.device FROM clicks c JOIN user_agents a ON a.id = c.agent_id
		WHERE c.message_id IN (?, ?, ?) ORDER BY c.message_id, c.id`, m[0].ID, m[1].ID, m[2].ID)
	if len(agents) != 4 || agents[0].Agent != browserUA || agents[0].Device != "mobile" || agents[1].Agent != browserUA ||
		agents[2].Agent != browserUA+" caf\uFFFD" || agents[2].Device != "mobile" || agents[3].Agent != scraperUA {
		t.Fatalf("clicks read back with agents %+v", agents)
	}
	var bots int
	_ = h.db.Get(&bots, `SELECT COUNT(*) FROM clicks WHERE message_id = ? AND bot = 1`, m[2].ID)
	if bots != 1 {
		t.Fatalf("%d bot fetches recorded, want 1", bots)
	}

	// Results per campaign and group.
	var res struct {
		Total struct {
			Sent, Delivered, Failed, Clicked, Clicks int64
			ClickRate                                float64 `json:"click_rate"`
		}
		Groups []struct {
			GroupID   int64 `json:"group_id"`
			Delivered int64
			Clicked   int64
		}
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/results", camp.ID), nil).Expect(200).JSON(&res)
	if res.Total.Sent != 5 || res.Total.Delivered != 5 || res.Total.Failed != 0 || res.Total.Clicked != 2 || res.Total.Clicks != 3 || res.Total.ClickRate != 0.4 {
		t.Fatalf("results %+v", res.Total)
	}
	if len(res.Groups) != 1 || res.Groups[0].GroupID != g || res.Groups[0].Clicked != 2 || res.Groups[0].Delivered != 5 {
		t.Fatalf("group results %+v", res.Groups)
	}

	// Statistics and series.
	var cur struct {
		Customers, Sent, Delivered, Failed, Clicks int64
		ClickedMessages                            int64   `json:"clicked_messages"`
		SuccessRate                                float64 `json:"success_rate"`
		ClickRate                                  float64 `json:"click_rate"`
	}
	c.Do("GET", "/api/v1/stats/current", nil).Expect(200).JSON(&cur)
	if cur.Customers != 5 || cur.Sent != 5 || cur.Delivered != 5 || cur.Failed != 0 || cur.Clicks != 3 || cur.ClickedMessages != 2 ||
		cur.SuccessRate != 1 || cur.ClickRate != 0.4 {
		t.Fatalf("current %+v", cur)
	}
	for _, interval := range []string{"hour", "day"} {
		var series struct {
			Buckets []struct{ Sends, Delivered, Failed, Clicks int64 }
		}
		c.Do("GET", "/api/v1/stats/series?interval="+interval, nil).Expect(200).JSON(&series)
		var sum struct{ sends, delivered, clicks int64 }
		for _, b := range series.Buckets {
			sum.sends += b.Sends
			sum.delivered += b.Delivered
			sum.clicks += b.Clicks
		}
		if sum.sends != 5 || sum.delivered != 5 || sum.clicks != 3 {
			t.Fatalf("%s series sums %+v over %d buckets", interval, sum, len(series.Buckets))
		}
		if want := map[string]int{"hour": 24, "day": 30}[interval]; len(series.Buckets) != want {
			t.Fatalf("%s series has %d buckets, want %d", interval, len(series.Buckets), want)
		}
	}
	c.Do("GET", "/api/v1/stats/series?interval=week", nil).Expect(422)

	// Another account sees none of it.
	other, _ := h.signup(t)
	o := h.c.As(other)
	for _, path := range []string{"/messages", "/results", "/messages/export?format=csv", "/progress"} {
		o.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d%s", camp.ID, path), nil).Expect(404)
	}
	var ocur struct{ Sent, Clicks int64 }
	o.Do("GET", "/api/v1/stats/current", nil).Expect(200).JSON(&ocur)
	if ocur.Sent != 0 || ocur.Clicks != 0 {
		t.Fatalf("another account's statistics show %+v", ocur)
	}
}

// Exports open in excelize (and as CSV in Excel, thanks to the BOM) with the
// right rows and Korean text intact.
func TestExportsKeepRowsAndKoreanText(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, base := startSim(t, sim.Settings{})
	g := importCustomers(t, c, "내보내기", 1, 30, "골드")
	simRelay(t, c, "sms", base, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님, #{등급} 혜택 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "내보내기", "template_id": tpl.ID, "group_ids": []int64{g}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	waitCampaign(t, c, camp.ID)

	resp := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=xlsx", camp.ID), nil).Expect(200)
	f, err := excelize.OpenReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("the export is not an .xlsx: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 31 || rows[0][1] != "전화번호" || rows[0][8] != "내용" {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	if rows[1][2] != "고객1" || rows[1][8] != "고객1님, 골드 혜택 안내" || rows[1][10] != "전송완료" || rows[1][11] != "delivered" || rows[1][1] != "010-7000-0001" {
		t.Fatalf("first row %v", rows[1])
	}

	csv := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=csv&q=7000-0030", camp.ID), nil).Expect(200)
	if !bytes.HasPrefix(csv.Body, []byte("\xEF\xBB\xBF")) {
		t.Fatal("the CSV has no UTF-8 byte-order mark: Excel would misread the Korean text")
	}
	lines := strings.Split(strings.TrimSpace(string(csv.Body[3:])), "\n")
	if len(lines) != 2 || !strings.Contains(lines[1], "고객30님, 골드 혜택 안내") {
		t.Fatalf("filtered CSV %q", lines)
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages/export?format=pdf", camp.ID), nil).Expect(422)

	// Keyset paging walks the whole list in order, whatever the page size.
	var seen []int64
	cursor := ""
	for {
		var p struct {
			Items      []messageItem `json:"items"`
			NextCursor *string       `json:"next_cursor"`
		}
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?size=7&cursor=%s", camp.ID, cursor), nil).Expect(200).JSON(&p)
		for _, it := range p.Items {
			seen = append(seen, it.ID)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if len(seen) != 30 {
		t.Fatalf("paged %d messages, want 30", len(seen))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("ids out of order at %d: %v", i, seen)
		}
	}
	var p3 struct{ Items []messageItem }
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?size=7&page=3", camp.ID), nil).Expect(200).JSON(&p3)
	if len(p3.Items) != 7 || p3.Items[0].ID != seen[14] {
		t.Fatalf("page 3 starts at %d, want %d", p3.Items[0].ID, seen[14])
	}
}

// A click the database refuses to store is not answered with a redirect: the
// customer gets a 503 page to retry, with no Location; a click stored in the
// same moment still redirects. (A trigger refuses one token's clicks only, so
// the other tests of the package are untouched.)
func TestClickNotStoredIsNotRedirected(t *testing.T) {
	h := newHarness(t)
	db, err := sqlx.Open("mysql", testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const bad, good = "FAILFAILFAILFAILFAIL01", "GOODGOODGOODGOODGOOD01"
	for _, tok := range []string{bad, good} {
		if _, err := db.Exec(`INSERT INTO message_links (token, message_id, campaign_id, account_id, idx, url)
			VALUES (?, 990001, 990001, 990001, 0, 'https://shop.example/x')`, tok); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`CREATE TRIGGER test_refuse_click BEFORE INSERT ON clicks FOR EACH ROW
		BEGIN IF NEW.token = '` + bad + `' THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'refused by the test'; END IF; END`); err != nil {
		t.Fatal(err)
	}
	defer db.Exec(`DROP TRIGGER IF EXISTS test_refuse_click`)

	var wg sync.WaitGroup
	resps := make([]*http.Response, 6)
	for i := range resps {
		tok := good
		if i%2 == 0 {
			tok = bad
		}
		wg.Add(1)
		go func() { defer wg.Done(); resps[i] = h.click(t, h.cfg.PublicURL+"/t/"+tok, browserUA) }()
	}
	wg.Wait()
	for i, r := range resps {
		if i%2 == 0 && (r.StatusCode != http.StatusServiceUnavailable || r.Header.Get("Location") != "") {
			t.Errorf("an unstored click answered %d (Location %q), want 503 without a redirect", r.StatusCode, r.Header.Get("Location"))
		}
		if i%2 == 1 && r.StatusCode != http.StatusFound {
			t.Errorf("a stored click answered %d, want 302", r.StatusCode)
		}
	}
	var stored []string
	if err := db.Select(&stored, `SELECT token FROM clicks WHERE campaign_id = 990001 AND account_id = 990001`); err != nil {
		t.Fatal(err)
	}
	if len(stored) != 3 || stored[0] != good {
		t.Fatalf("stored clicks %v, want the 3 good ones", stored)
	}
	// /metrics counts the committed clicks, and the commits they took.
	metrics := string(h.c.Do("GET", "/metrics", nil).Expect(200).Body)
	if !strings.Contains(metrics, "\nsendingo_clicks_recorded_total 3\n") {
		t.Errorf("/metrics does not count the 3 stored clicks:\n%s", grepLines(metrics, "sendingo_click"))
	}
	commits := -1
	if m := regexp.MustCompile(`\nsendingo_click_commits_total (\d+)\n`).FindStringSubmatch(metrics); m != nil {
		commits, _ = strconv.Atoi(m[1])
	}
	if commits < 1 || commits > 3 {
		t.Errorf("/metrics counts %d commits, want 1 to 3 for 3 clicks:\n%s", commits, grepLines(metrics, "sendingo_click"))
	}
}

// A link fetched past its share of recorded clicks this hour
// (SENDINGO_CLICKS_PER_LINK) still redirects, but adds no row: a link posted
// where a crowd or a script fetches it cannot fill the disk. Another link
// keeps its own share, the share starts over an hour after the link's first
// click, and /metrics counts the clicks left unrecorded.
func TestClicksPastALinksShareRedirectWithoutARow(t *testing.T) {
	clock := &testClock{t: time.Now()}
	h := newHarness(t, withClock(clock.Now))
	cfg := h.cfg
	cfg.ClicksPerLink = 3
	srv := h.serveWith(t, cfg)
	const busy, quiet = "CAPCAPCAPCAPCAPCAPCAP1", "CAPCAPCAPCAPCAPCAPCAP2"
	for _, tok := range []string{busy, quiet} {
		if _, err := h.db.Exec(`INSERT INTO message_links (token, message_id, campaign_id, account_id, idx, url)
			VALUES (?, 990003, 990003, 990003, 0, 'https://shop.example/cap')`, tok); err != nil {
			t.Fatal(err)
		}
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	click := func(tok string) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+"/t/"+tok, nil)
		req.Header.Set("User-Agent", browserUA)
		r, err := noFollow.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusFound || r.Header.Get("Location") != "https://shop.example/cap" {
			t.Fatalf("a click answered %d to %q, want 302 to the link", r.StatusCode, r.Header.Get("Location"))
		}
	}
	for range 5 {
		click(busy)
	}
	click(quiet)
	clock.Set(clock.Now().Add(time.Hour))
	click(busy)
	stored := map[string]int{}
	rows, err := h.db.Query(`SELECT token, COUNT(*) FROM clicks WHERE campaign_id = 990003 GROUP BY token`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var tok string
		var n int
		if err := rows.Scan(&tok, &n); err != nil {
			t.Fatal(err)
		}
		stored[tok] = n
	}
	if stored[busy] != 4 || stored[quiet] != 1 {
		t.Fatalf("clicks stored: %d of the busy link's 5 and 1 an hour later (want its share, 3, and 1) and %d of the other's 1",
			stored[busy], stored[quiet])
	}
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	if !strings.Contains(b.String(), "\nsendingo_clicks_unrecorded_total 2\n") {
		t.Errorf("/metrics does not count the 2 unrecorded clicks:\n%s", grepLines(b.String(), "sendingo_click"))
	}
}

// grepLines is the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// The access log never carries a link's token (the path is the secret), and a
// redirect that worked is a debug line, not an info one: the click is on record,
// and a public route must not be a way to fill the log.
func TestTrackingHitsAreLoggedWithoutTheirToken(t *testing.T) {
	h := newHarness(t)
	db, err := sqlx.Open("mysql", testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const tok = "LOGLOGLOGLOGLOGLOGLOG1"
	if _, err := db.Exec(`INSERT INTO message_links (token, message_id, campaign_id, account_id, idx, url)
		VALUES (?, 990002, 990002, 990002, 0, 'https://shop.example/y')`, tok); err != nil {
		t.Fatal(err)
	}
	if r := h.click(t, h.cfg.PublicURL+"/t/"+tok, browserUA); r.StatusCode != http.StatusFound {
		t.Fatalf("click answered %d, want 302", r.StatusCode)
	}
	if r := h.click(t, h.cfg.PublicURL+"/t/NOSUCHTOKENNOSUCHTOKEN", browserUA); r.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown token answered %d, want 404", r.StatusCode)
	}
	logs := h.logs.String()
	if strings.Contains(logs, tok) || strings.Contains(logs, "NOSUCHTOKENNOSUCHTOKEN") {
		t.Fatalf("a tracking token reached the log:\n%s", logs)
	}
	levels := map[string]int{}
	for _, line := range strings.Split(logs, "\n") {
		var e struct{ Level, Msg, Route string }
		if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "http request" && e.Route == "/t/:token" {
			levels[e.Level]++
		}
	}
	if levels["DEBUG"] != 1 || levels["INFO"] != 1 {
		t.Fatalf("tracking hits logged at %v, want the redirect at DEBUG and the 404 at INFO", levels)
	}
}

// A customer whose value makes a button's address longer than its tracking link
// keeps is left out of the send; the others get theirs.
func TestACustomerWhoseButtonAddressOutgrowsItsLinkIsLeftOut(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(50 * time.Millisecond)})
	// 250 Hangul characters are 2,250 once percent-encoded.
	g := importCSV(t, c, "길이",
		"이름,휴대폰,등급\n긴값,010-7100-0001,"+strings.Repeat("가", 250)+"\n보통1,010-7100-0002,VIP\n보통2,010-7100-0003,골드 회원\n")
	camp := buttonCampaign(t, c, base, "등급 안내", g, "#{이름}님 등급 안내", "https://shop.example/g/#{등급}")
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, c, camp.ID); done.Status != "completed" || done.Total != 2 || done.Delivered != 2 || done.LeftOut != 1 {
		t.Fatalf("campaign %+v, want completed with the 2 customers whose addresses fit, and 1 left out", done)
	}
	var progress struct {
		LeftOut int64 `json:"left_out"`
	}
	if c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/progress", camp.ID), nil).Expect(200).JSON(&progress); progress.LeftOut != 1 {
		t.Fatalf("progress says %d left out, want 1", progress.LeftOut)
	}
	var urls []string
	_ = h.db.Select(&urls, `SELECT url FROM message_links WHERE campaign_id = ? ORDER BY url`, camp.ID)
	if len(urls) != 2 || urls[0] != "https://shop.example/g/%EA%B3%A8%EB%93%9C%20%ED%9A%8C%EC%9B%90" || urls[1] != "https://shop.example/g/VIP" {
		t.Fatalf("links %q", urls)
	}
}
