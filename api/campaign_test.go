package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/workflows"
)

// startSim runs an in-process relay simulator for one test.
func startSim(t *testing.T, settings sim.Settings) (*sim.Simulator, string) {
	t.Helper()
	s := sim.New(sim.Options{Settings: settings, Seed: 7})
	base, err := s.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	allowTestServer(t, base)
	return s, base
}

// importCustomers creates customers through an import of a CSV into a new group
// and answers the group's id. rows are (name, phone, extra attribute value).
func importCustomers(t *testing.T, c *apitest.Client, group string, from, to int, grade string) int64 {
	t.Helper()
	var b strings.Builder
	b.WriteString("이름,휴대폰,등급\n")
	for i := from; i <= to; i++ {
		fmt.Fprintf(&b, "고객%d,010-7%03d-%04d,%s\n", i, i/10000, i%10000, grade)
	}
	return importCSV(t, c, group, b.String())
}

// importCSV imports csv (a header row, then customers) into a new group and
// answers its id.
func importCSV(t *testing.T, c *apitest.Client, group, csv string) int64 {
	t.Helper()
	var im importOut
	c.Upload("/api/v1/imports", "file", group+".csv", []byte(csv), nil).Expect(201).JSON(&im)
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": group}).Expect(202)
	done := waitImport(t, c, im.ID)
	if done.Status != "completed" {
		t.Fatalf("import %+v", done)
	}
	return done.TargetGroupID
}

// buttonCampaign makes a draft AlimTalk campaign named name to group g through
// a simulator relay "kakao" at base: a template with body and one button to url.
func buttonCampaign(t *testing.T, c *apitest.Client, base, name string, g int64, body, url string) campaignOut {
	t.Helper()
	c.Do("POST", "/api/v1/relays", map[string]any{"name": "kakao", "kind": "simulator", "channel": "alimtalk",
		"config": map[string]any{"base_url": base, "name": "kakao"}}).Expect(201)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": name, "channel": "alimtalk", "provider_template_code": "TP1",
		"sender_key": "sk", "body": body, "buttons": []map[string]string{{"name": "보기", "mobile_url": url}}}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": name, "template_id": tpl.ID, "group_ids": []int64{g}}).Expect(201).JSON(&camp)
	return camp
}

func simRelay(t *testing.T, c *apitest.Client, name, base, channel string, weight int) int64 {
	t.Helper()
	var out relayOut
	c.Do("POST", "/api/v1/relays", map[string]any{"name": name, "kind": "simulator", "channel": channel, "weight": weight,
		"price": 8000, "config": map[string]any{"base_url": base, "name": name}}).Expect(201).JSON(&out)
	return out.ID
}

// patchSim changes the simulator's settings, in order.
func patchSim(t *testing.T, s *sim.Simulator, patches ...sim.Patch) {
	t.Helper()
	for _, p := range patches {
		if err := s.Control(p); err != nil {
			t.Fatal(err)
		}
	}
}

// sendAlimTalk creates an AlimTalk campaign with SMS fallback text ("… 주문
// 접수") for group g and starts it.
func sendAlimTalk(t *testing.T, c *apitest.Client, name string, g int64) campaignOut {
	t.Helper()
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "알림", "channel": "alimtalk", "provider_template_code": "TP1",
		"sender_key": "sk", "body": "#{이름}님 주문이 접수되었습니다", "fallback_text": "#{이름}님 주문 접수"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": name, "template_id": tpl.ID, "group_ids": []int64{g}}).Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	return camp
}

type campaignOut struct {
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	Total     int64  `json:"total"`
	Sent      int64  `json:"sent"`
	Delivered int64  `json:"delivered"`
	Failed    int64  `json:"failed"`
	Unknown   int64  `json:"unknown"`
	Pending   int64  `json:"pending"`
	Fallback  int64  `json:"fallback"`
	LeftOut   int64  `json:"left_out"`
}

func waitCampaign(t *testing.T, c *apitest.Client, id int64, until ...string) campaignOut {
	t.Helper()
	if len(until) == 0 {
		until = []string{"completed", "cancelled", "failed"}
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var out campaignOut
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", id), nil).Expect(200).JSON(&out)
		for _, u := range until {
			if out.Status == u {
				return out
			}
		}
		if time.Now().After(deadline) {
			// Say what it is waiting for: a late report reads differently from a stuck chunk.
			p := c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/progress", id), nil)
			t.Fatalf("campaign %d still %s after 2 minutes; progress: %s", id, out.Status, p.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (h *harness) messageCounts(t *testing.T, campaignID int64) map[string]int64 {
	t.Helper()
	rows, err := h.db.Query(`SELECT status, COUNT(*) FROM campaign_messages WHERE campaign_id = ? GROUP BY status`, campaignID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			t.Fatal(err)
		}
		out[st] = n
	}
	return out
}

// A campaign to two overlapping groups through two simulator relays at 70/30:
// every recipient gets exactly one message, the split follows the weights, and
// the running workflow's progress and the stored counts agree with the message rows.
func TestCampaignToOverlappingGroupsThroughTwoRelays(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	// Reports 6 s after acceptance: the workflow waits for them a while, long
	// enough for the progress to be compared with the rows even when a query
	// takes seconds on a busy machine (once in CI one took 5 s, as long as
	// Temporal's sticky-queue timeout, and the reports, 2 s then, had all come).
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(6 * time.Second)})
	g1 := importCustomers(t, c, "봄 고객", 1, 600, "VIP")
	g2 := importCustomers(t, c, "여름 고객", 401, 1000, "골드")
	a := simRelay(t, c, "sim-a", base, "sms", 1)
	b := simRelay(t, c, "sim-b", base, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님, #{등급} 혜택 안내"}).Expect(201).JSON(&tpl)

	// The messages' ids run across the end of a statistics block, so the
	// chunk there is cut at it (versionAlignedChunks, in the recorded history).
	var top int64
	if err := h.db.Get(&top, `SELECT COALESCE(MAX(id), 0) FROM campaign_messages`); err != nil {
		t.Fatal(err)
	}
	end := (top/workflows.StatsBlock + 1) * workflows.StatsBlock
	if end-top < 100 {
		end += workflows.StatsBlock
	}
	h.db.MustExec(fmt.Sprintf(`ALTER TABLE campaign_messages AUTO_INCREMENT = %d`, end-99))

	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "여름 세일", "template_id": tpl.ID, "group_ids": []int64{g1, g2},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": a, "weight": 70}, {"relay_id": b, "weight": 30}}}}).
		Expect(201).JSON(&camp)
	first := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if loc := first.Header.Get("Location"); !strings.HasSuffix(loc, "/progress") {
		t.Fatalf("Location %q", loc)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202) // a double submit
	// While it awaits reports, the running workflow's progress, overall and per
	// relay, is what the rows say (compared when nothing moved meanwhile).
	agreed := false
	waitFor(t, "the campaign to finish", func() bool {
		if !agreed {
			agreed = h.progressAgreesWithRows(t, camp.ID, map[int64]bool{a: true, b: true})
		}
		var out campaignOut
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", camp.ID), nil).Expect(200).JSON(&out)
		return out.Status == "completed" || out.Status == "failed"
	})
	if !agreed {
		t.Fatal("never saw the running workflow's progress while it awaited reports")
	}
	done := waitCampaign(t, c, camp.ID)

	if done.Status != "completed" || done.Total != 1000 || done.Delivered != 1000 || done.Failed != 0 || done.Pending != 0 {
		t.Fatalf("campaign %+v", done)
	}
	// Exactly once at the relays, split 700/300.
	st := simulator.Stats()
	if st.Unique != 1000 || st.Duplicates != 0 || st.Redelivered != 0 {
		t.Fatalf("simulator saw %+v", st)
	}
	if ra, rb := st.Relays["sim-a"], st.Relays["sim-b"]; ra.Unique != 700 || rb.Unique != 300 {
		t.Fatalf("split %d/%d, want 700/300", ra.Unique, rb.Unique)
	}
	// The rows agree: one per distinct recipient, all delivered, 700/300 by relay.
	if got := h.messageCounts(t, camp.ID); got["delivered"] != 1000 || len(got) != 1 {
		t.Fatalf("message rows by status %v", got)
	}
	var byRelay []struct {
		RelayID int64 `db:"relay_id"`
		N       int64 `db:"n"`
	}
	if err := h.db.Select(&byRelay, `SELECT relay_id, COUNT(*) AS n FROM campaign_messages WHERE campaign_id = ? GROUP BY relay_id ORDER BY relay_id`, camp.ID); err != nil {
		t.Fatal(err)
	}
	if len(byRelay) != 2 || byRelay[0].RelayID != a || byRelay[0].N != 700 || byRelay[1].N != 300 {
		t.Fatalf("rows by relay %+v", byRelay)
	}
	// The results say the same, by relay, with the relays' names.
	var res struct {
		Relays []struct {
			RelayID   int64  `json:"relay_id"`
			RelayName string `json:"relay_name"`
			Total     int64  `json:"total"`
			Delivered int64  `json:"delivered"`
		} `json:"relays"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/results", camp.ID), nil).Expect(200).JSON(&res)
	if len(res.Relays) != 2 || res.Relays[0].RelayName != "sim-a" || res.Relays[0].Total != 700 || res.Relays[0].Delivered != 700 ||
		res.Relays[1].RelayName != "sim-b" || res.Relays[1].Total != 300 || res.Relays[1].Delivered != 300 {
		t.Fatalf("results by relay %+v", res.Relays)
	}
	var distinct int64
	_ = h.db.Get(&distinct, `SELECT COUNT(DISTINCT recipient) FROM campaign_messages WHERE campaign_id = ?`, camp.ID)
	if distinct != 1000 {
		t.Fatalf("%d distinct recipients", distinct)
	}
	// A message says what it said to whom.
	var body string
	_ = h.db.Get(&body, `SELECT body FROM campaign_messages WHERE campaign_id = ? AND recipient = '+821070000450'`, camp.ID)
	if body != "고객450님, 골드 혜택 안내" {
		t.Fatalf("body of 고객450 (in both groups; the later import set 골드) = %q", body)
	}

	// The workflow's own progress (queried from Temporal) agrees with the rows.
	tc, err := client.Dial(client.Options{HostPort: testenv.Current().Temporal.Address})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	v, err := tc.QueryWorkflow(context.Background(), workflows.CampaignWorkflowID(camp.ID), "", workflows.QueryCampaignProgress)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	if p.Counts.Total != 1000 || p.Counts.Delivered != 1000 || p.Counts.Sent != 0 || p.Counts.Pending != 0 || p.Stage != "completed" {
		t.Fatalf("workflow progress %+v", p)
	}
	// The per-relay tally is the workflow's own (chunk results and report polls).
	if len(p.Relays) != 2 || p.Relays[0] != (workflows.RelayCounts{RelayID: a, Sent: 700, Delivered: 700}) ||
		p.Relays[1] != (workflows.RelayCounts{RelayID: b, Sent: 300, Delivered: 300}) {
		t.Fatalf("workflow progress per relay %+v", p.Relays)
	}
	var api struct {
		Counts workflows.Counts `json:"counts"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/progress", camp.ID), nil).Expect(200).JSON(&api)
	if api.Counts != p.Counts {
		t.Fatalf("API progress %+v, workflow %+v", api.Counts, p.Counts)
	}
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-two-groups.json")
	// The same run, kept apart: recorded after versionReportPacing, it replays
	// the paced report polls (campaign-two-groups.json was recorded before).
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-report-pacing.json")
	// And again after versionAlignedChunks (chunks that end with their
	// statistics block): the histories above replay the uncut chunks.
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-aligned-chunks.json")
	// Recorded after versionReportsBeside: report polls beside the chunks,
	// which read only what the chunks already counted.
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-reports-beside.json")
}

// A send that cannot start is refused with the reason, and nothing is sent.
func TestCampaignSendRefusals(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{})
	g := importCustomers(t, c, "등급없음", 1, 5, "")
	var empty groupJSON
	c.Do("POST", "/api/v1/groups", map[string]string{"name": "빈 그룹"}).Expect(201).JSON(&empty)
	var tpl, plain templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "등급", "channel": "sms", "body": "#{이름}님 #{등급} 혜택"}).Expect(201).JSON(&tpl)
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "plain", "channel": "sms", "body": "#{이름}님 안녕하세요"}).Expect(201).JSON(&plain)

	mk := func(tplID int64, groups ...int64) int64 {
		var camp campaignOut
		c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "template_id": tplID, "group_ids": groups}).Expect(201).JSON(&camp)
		return camp.ID
	}
	// No relay yet.
	noRelay := mk(plain.ID, g)
	if slug := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", noRelay), nil).Expect(422).Slug(); slug != "no-relay" {
		t.Fatalf("slug %q", slug)
	}
	simRelay(t, c, "sim-a", base, "sms", 1)
	// No recipients.
	if slug := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", mk(plain.ID, empty.ID)), nil).Expect(422).Slug(); slug != "no-recipients" {
		t.Fatalf("slug %q", slug)
	}
	// Customers without 등급 are listed. (The import left the empty 등급 cells out.)
	missing := mk(tpl.ID, g)
	resp := c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", missing), nil).Expect(422)
	var p struct {
		Type         string `json:"type"`
		Detail       string `json:"detail"`
		MissingCount int64  `json:"missing_count"`
		Customers    []struct {
			CustomerID int64    `json:"customer_id"`
			Missing    []string `json:"missing"`
		} `json:"customers"`
	}
	resp.JSON(&p)
	if !strings.HasSuffix(p.Type, "/missing-variables") || p.MissingCount != 5 || len(p.Customers) != 5 ||
		p.Customers[0].Missing[0] != "등급" || !strings.Contains(p.Detail, "등급") {
		t.Fatalf("missing-variables problem %+v", p)
	}
	// Nothing was sent, nothing materialised, every campaign still a draft.
	if st := simulator.Stats(); st.Received != 0 {
		t.Fatalf("the simulator received %d messages", st.Received)
	}
	var n int
	if err := h.db.Get(&n, `SELECT COUNT(*) FROM campaign_messages WHERE account_id = ?`, accountID); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d message rows", n)
	}
	var camp campaignOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", missing), nil).Expect(200).JSON(&camp)
	if camp.Status != "draft" {
		t.Fatalf("refused campaign is %s", camp.Status)
	}
	// Drafts only are editable; another account sees nothing.
	c.Do("PATCH", fmt.Sprintf("/api/v1/campaigns/%d", missing), map[string]any{"template_id": plain.ID}).Expect(200)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", missing), nil).Expect(202)
	c.Do("PATCH", fmt.Sprintf("/api/v1/campaigns/%d", missing), map[string]any{"name": "late"}).Expect(409)
	c.Do("DELETE", fmt.Sprintf("/api/v1/campaigns/%d", missing), nil).Expect(409)
	other, _ := h.signup(t)
	h.c.As(other).Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", missing), nil).Expect(404)
	h.c.As(other).Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", missing), nil).Expect(404)
	waitCampaign(t, c, missing)
}

// AlimTalk that a recipient cannot receive (not a KakaoTalk user) goes out
// again as SMS through an SMS relay; the rows, the counts and the simulator agree.
func TestAlimTalkFallsBackToSMS(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{})
	patchSim(t, simulator, sim.Patch{Relay: "kakao", RecipientFailRate: new(0.3)})
	g := importCustomers(t, c, "대체", 1, 40, "VIP")
	kakao := simRelay(t, c, "kakao", base, "alimtalk", 1)
	sms := simRelay(t, c, "sms", base, "sms", 1)
	camp := sendAlimTalk(t, c, "대체 발송", g)
	done := waitCampaign(t, c, camp.ID)

	st := simulator.Stats()
	refused := st.Relays["kakao"].Failed
	if refused == 0 || refused == 40 {
		t.Fatalf("the simulator refused %d of 40 AlimTalks; the test needs some of each", refused)
	}
	if done.Status != "completed" || done.Delivered != 40 || done.Fallback != refused {
		t.Fatalf("campaign %+v, want 40 delivered and %d fallbacks", done, refused)
	}
	if st.Relays["sms"].Unique != refused || st.Redelivered != 0 {
		t.Fatalf("the SMS relay got %d, want %d: %+v", st.Relays["sms"].Unique, refused, st)
	}
	var rows []struct {
		Fallback    bool   `db:"fallback"`
		SentChannel string `db:"sent_channel"`
		RelayID     int64  `db:"relay_id"`
		N           int64  `db:"n"`
	}
	if err := h.db.Select(&rows, `SELECT fallback, sent_channel, relay_id, COUNT(*) AS n FROM campaign_messages
		WHERE campaign_id = ? GROUP BY fallback, sent_channel, relay_id ORDER BY fallback`, camp.ID); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Fallback || rows[0].SentChannel != "alimtalk" || rows[0].RelayID != kakao ||
		!rows[1].Fallback || rows[1].SentChannel != "sms" || rows[1].RelayID != sms || rows[1].N != refused {
		t.Fatalf("rows by fallback/channel/relay %+v", rows)
	}
	var msgs struct {
		Items []struct {
			Fallback        bool   `json:"fallback"`
			FallbackContent string `json:"fallback_content"`
		} `json:"items"`
	}
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d/messages?size=50", camp.ID), nil).Expect(200).JSON(&msgs)
	var fallbacks int64
	for _, m := range msgs.Items {
		if m.Fallback {
			fallbacks++
			if !strings.HasSuffix(m.FallbackContent, "님 주문 접수") {
				t.Fatalf("fallback message shows %q", m.FallbackContent)
			}
		}
	}
	if len(msgs.Items) != 40 || fallbacks != refused {
		t.Fatalf("the message list shows %d fallbacks among %d messages, want %d of 40", fallbacks, len(msgs.Items), refused)
	}
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-alimtalk-fallback.json")
}

// An AlimTalk the relay took but whose delivery report says it could not
// reach the recipient (blocked) is owed its SMS fallback: the report poll
// sends it through the SMS relay. Here the SMS relay is down when the reports
// come, so the 40 stay owed (awaiting, the campaign still running) until it is
// back; then every customer gets the SMS once, and the campaign, its rows,
// the progress and the simulator agree.
func TestAlimTalkFailedInItsReportFallsBackToSMS(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	simulator, base := startSim(t, sim.Settings{})
	patchSim(t, simulator, sim.Patch{Relay: "kakao", ReportFailRate: new(1.0)}, sim.Patch{Relay: "sms", FaultRate: new(1.0)})
	g := importCustomers(t, c, "보고 대체", 1, 40, "VIP")
	kakao := simRelay(t, c, "kakao", base, "alimtalk", 1)
	sms := simRelay(t, c, "sms", base, "sms", 1)
	camp := sendAlimTalk(t, c, "보고 후 대체", g)

	// Every AlimTalk's report said blocked; the SMS relay refuses every call.
	deadline := time.Now().Add(time.Minute)
	for {
		var owed int
		if err := h.db.Get(&owed, `SELECT COUNT(*) FROM campaign_messages WHERE campaign_id = ? AND status = 'sent'
			AND fallback_due = 1 AND fallback = 0 AND code = 'blocked' AND relay_id = ?`, camp.ID, kakao); err != nil {
			t.Fatal(err)
		}
		if owed == 40 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 40 messages owed their fallback after a minute", owed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var running campaignOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", camp.ID), nil).Expect(200).JSON(&running)
	if running.Status != "running" {
		t.Fatalf("with the fallbacks owed the campaign is %s, want running", running.Status)
	}
	patchSim(t, simulator, sim.Patch{Relay: "sms", Clear: true})
	done := waitCampaign(t, c, camp.ID)
	if done.Status != "completed" || done.Delivered != 40 || done.Fallback != 40 || done.Failed != 0 {
		t.Fatalf("campaign %+v, want 40 delivered by their fallback", done)
	}
	st := simulator.Stats()
	if st.Relays["kakao"].Unique != 40 || st.Relays["sms"].Unique != 40 || st.Relays["sms"].Duplicates != 0 || st.Redelivered != 0 {
		t.Fatalf("simulator %+v: want 40 AlimTalks and 40 SMS, each once", st)
	}
	var rows []struct {
		Status      string `db:"status"`
		Fallback    bool   `db:"fallback"`
		Due         bool   `db:"fallback_due"`
		SentChannel string `db:"sent_channel"`
		RelayID     int64  `db:"relay_id"`
		N           int64  `db:"n"`
	}
	if err := h.db.Select(&rows, `SELECT TRIM(status) AS status, fallback, fallback_due, sent_channel, relay_id, COUNT(*) AS n
		FROM campaign_messages WHERE campaign_id = ? GROUP BY status, fallback, fallback_due, sent_channel, relay_id`, camp.ID); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Status != "delivered" || !rows[0].Fallback || rows[0].Due || rows[0].SentChannel != "sms" ||
		rows[0].RelayID != sms || rows[0].N != 40 {
		t.Fatalf("rows %+v, want 40 delivered by SMS at relay %d", rows, sms)
	}
	v, err := h.tc.QueryWorkflow(context.Background(), workflows.CampaignWorkflowID(camp.ID), "", workflows.QueryCampaignProgress)
	if err != nil {
		t.Fatal(err)
	}
	var p workflows.CampaignProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	var atSMS workflows.RelayCounts
	for _, rc := range p.Relays {
		if rc.RelayID == sms {
			atSMS = rc
		}
	}
	if atSMS.Sent != 40 || atSMS.Delivered != 40 || atSMS.Fallback != 40 {
		t.Fatalf("progress per relay %+v: want the SMS relay's 40 fallbacks sent and delivered", p.Relays)
	}
	h.recordHistory(t, workflows.CampaignWorkflowID(camp.ID), "campaign-report-fallback.json")
}

// progressAgreesWithRows queries the running workflow's progress; while it
// awaits reports, and when nothing changed between two queries around a read of
// the rows, it checks the progress against the rows and answers true.
func (h *harness) progressAgreesWithRows(t *testing.T, campaignID int64, relays map[int64]bool) bool {
	t.Helper()
	query := func() (workflows.CampaignProgress, bool) {
		v, err := h.tc.QueryWorkflow(context.Background(), workflows.CampaignWorkflowID(campaignID), "", workflows.QueryCampaignProgress)
		var p workflows.CampaignProgress
		return p, err == nil && v.Get(&p) == nil
	}
	before, ok := query()
	if !ok || before.Stage != workflows.StageReports {
		return false
	}
	var rows []struct {
		RelayID int64  `db:"relay_id"`
		Status  string `db:"status"`
		N       int64  `db:"n"`
	}
	if err := h.db.Select(&rows, `SELECT relay_id, TRIM(status) AS status, COUNT(*) AS n FROM campaign_messages
		WHERE campaign_id = ? GROUP BY relay_id, status`, campaignID); err != nil {
		t.Fatal(err)
	}
	after, ok := query()
	if !ok || after.Stage != workflows.StageReports || !after.UpdatedAt.Equal(before.UpdatedAt) {
		return false // it moved meanwhile
	}
	var want workflows.Counts
	perRelay := map[int64]workflows.RelayCounts{}
	for _, r := range rows {
		rc := perRelay[r.RelayID]
		rc.RelayID = r.RelayID
		want.Total += r.N
		switch r.Status {
		case "sent":
			want.Sent += r.N
			rc.Sent += r.N
		case "delivered":
			want.Delivered += r.N
			rc.Sent += r.N
			rc.Delivered += r.N
		default:
			t.Fatalf("%d rows %s while awaiting reports", r.N, r.Status)
		}
		perRelay[r.RelayID] = rc
	}
	if before.Counts != want {
		t.Fatalf("running workflow's counts %+v, rows %+v", before.Counts, want)
	}
	if len(before.Relays) != len(relays) {
		t.Fatalf("running workflow's relays %+v, want %d", before.Relays, len(relays))
	}
	for _, rc := range before.Relays {
		if !relays[rc.RelayID] || rc != perRelay[rc.RelayID] {
			t.Fatalf("running workflow's relay %+v, rows say %+v", rc, perRelay[rc.RelayID])
		}
	}
	return true
}

// A campaign's routing, like an event's, may name at most 20 relays: one
// definition of a valid routing serves both (and schedules, which take the
// campaign rules). 20 are accepted; 21 are refused on routing.relays.
func TestCampaignRoutingIsCappedLikeAnEvents(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	var g groupJSON
	c.Do("POST", "/api/v1/groups", map[string]string{"name": "cap"}).Expect(201).JSON(&g)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "cap", "channel": "sms", "body": "안녕하세요"}).Expect(201).JSON(&tpl)
	ids := make([]int64, 21)
	for i := range ids {
		ids[i] = simRelay(t, c, fmt.Sprintf("r%d", i), "http://127.0.0.1:1", "sms", 1)
	}
	relays := func(n int) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"relay_id": ids[i], "weight": 1}
		}
		return out
	}
	body := func(n int) map[string]any {
		return map[string]any{"name": "cap", "template_id": tpl.ID, "group_ids": []int64{g.ID},
			"routing": map[string]any{"mode": "weighted", "relays": relays(n)}}
	}
	c.Do("POST", "/api/v1/campaigns", body(20)).Expect(201)
	p := c.Do("POST", "/api/v1/campaigns", body(21)).Expect(422).Problem()
	if len(p.Errors) != 1 || p.Errors[0].Field != "routing.relays" || !strings.Contains(p.Errors[0].Message, "at most 20") {
		t.Fatalf("21 relays: %+v, want one error on routing.relays", p.Errors)
	}
	sched := body(21)
	sched["cron"], sched["timezone"] = "0 9 * * mon", "Asia/Seoul"
	p = c.Do("POST", "/api/v1/campaign-schedules", sched).Expect(422).Problem()
	if len(p.Errors) != 1 || p.Errors[0].Field != "routing.relays" {
		t.Fatalf("schedule with 21 relays: %+v, want one error on routing.relays", p.Errors)
	}
}
