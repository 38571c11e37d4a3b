package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/relay"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

type notificationPage struct {
	Items      []notificationOut `json:"items"`
	Total      int64             `json:"total"`
	Size       int               `json:"size"`
	NextCursor *string           `json:"next_cursor"`
}

func listNotifications(t *testing.T, c *apitest.Client, query string) notificationPage {
	t.Helper()
	var out notificationPage
	c.Do("GET", "/api/v1/notifications"+query, nil).Expect(200).JSON(&out)
	return out
}

func unread(t *testing.T, c *apitest.Client) int64 {
	t.Helper()
	var out struct{ Count int64 }
	c.Do("GET", "/api/v1/notifications/unread-count", nil).Expect(200).JSON(&out)
	return out.Count
}

// of answers the notifications of kind about subject key = id.
func of(ns []notificationOut, kind, key string, id int64) []notificationOut {
	var out []notificationOut
	for _, n := range ns {
		if n.Kind == kind && n.Subject[key] == id {
			out = append(out, n)
		}
	}
	return out
}

// A campaign sent through the simulator stores exactly one campaign.completed,
// which arrives on the account's open stream within 2 s of completion and counts
// as unread until read {all: true}; another account's stream never sees it.
func TestCampaignCompletedReachesTheOpenStreamOnce(t *testing.T) {
	h := newHarness(t)
	_, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(200 * time.Millisecond)})
	tokenA, _ := h.signup(t)
	tokenB, accountB := h.signup(t)
	a, b := h.c.As(tokenA), h.c.As(tokenB)
	streamA := openStream(t, h.srv.URL, "", bearer(tokenA))
	streamA.waitLive()
	streamB := openStream(t, h.srv.URL, "", bearer(tokenB))
	streamB.waitLive()

	group := importCustomers(t, a, "스트림 고객", 1, 50, "VIP")
	relayID := simRelay(t, a, "sim", base, "sms", 1)
	var tpl templateOut
	a.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	a.Do("POST", "/api/v1/campaigns", map[string]any{"name": "봄 세일", "template_id": tpl.ID, "group_ids": []int64{group},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}).
		Expect(201).JSON(&camp)
	a.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	if done := waitCampaign(t, a, camp.ID); done.Status != "completed" || done.Delivered != 50 {
		t.Fatalf("campaign %+v", done)
	}
	// Soon after the API says completed (the event may well be there already);
	// the deadline only guards against waiting for ever.
	var got notificationOut
	deadline := time.Now().Add(30 * time.Second)
	for got.Kind != notify.CampaignCompleted {
		got = streamA.nextNotification(time.Until(deadline))
	}
	if got.Subject["campaign_id"] != camp.ID || got.Link != fmt.Sprintf("/campaigns/%d", camp.ID) ||
		got.Title != "캠페인 발송 완료: 봄 세일" || got.Severity != "info" {
		t.Fatalf("notification %+v", got)
	}

	all := listNotifications(t, a, "?size=200")
	if n := len(of(all.Items, notify.CampaignCompleted, "campaign_id", camp.ID)); n != 1 {
		t.Fatalf("%d campaign.completed notifications stored, want 1", n)
	}
	if n := len(of(all.Items, notify.ImportCompleted, "import_id", 0)); n != 0 {
		t.Fatalf("an import notification without its import id")
	}
	if unread(t, a) != all.Total || all.Total < 2 { // the import's and the campaign's
		t.Fatalf("unread %d of %d", unread(t, a), all.Total)
	}
	var after struct{ Count int64 }
	a.Do("POST", "/api/v1/notifications/read", map[string]any{"all": true}).Expect(200).JSON(&after)
	if after.Count != 0 || unread(t, a) != 0 {
		t.Fatalf("after read all: %d unread", after.Count)
	}
	if page := listNotifications(t, a, "?unread=true"); len(page.Items) != 0 || page.Total != 0 {
		t.Fatalf("unread list after read all: %+v", page)
	}

	// Account B saw nothing of it: the first notification on its stream is its own.
	if page := listNotifications(t, b, ""); page.Total != 0 {
		t.Fatalf("account B lists %d notifications", page.Total)
	}
	own := h.notifyDirect(t, accountB, importNotice(9))
	if n := streamB.nextNotification(5 * time.Second); n.ID != own {
		t.Fatalf("account B's stream got %+v before its own notification %d", n, own)
	}
}

// A stream that was closed while two notifications happened gets exactly those
// two, in order, when it reconnects with Last-Event-ID, then live ones.
func TestStreamReplaysWhatItMissedThenGoesLive(t *testing.T) {
	h := newHarness(t)
	token, acc := h.signup(t)
	s := openStream(t, h.srv.URL, "", bearer(token))
	opening := s.next(5 * time.Second)
	if !opening.HasID || opening.ID != "0" || opening.Retry == "" {
		t.Fatalf("opening %+v: want retry and the newest id (0)", opening)
	}
	s.waitLive()
	first := h.notifyDirect(t, acc, importNotice(1))
	if n := s.nextNotification(5 * time.Second); n.ID != first {
		t.Fatalf("live: %+v, want %d", n, first)
	}
	last := s.LastEventID()
	s.close()

	second := h.notifyDirect(t, acc, importNotice(2))
	third := h.notifyDirect(t, acc, importNotice(3))

	again := openStream(t, h.srv.URL, "", http.Header{"Authorization": {"Bearer " + token}, "Last-Event-ID": {last}})
	var replayed []int64
	for {
		ev := again.next(5 * time.Second)
		if ev.Comment == "live" {
			break
		}
		if ev.Event == "notification" {
			id, _ := strconv.ParseInt(ev.ID, 10, 64)
			replayed = append(replayed, id)
		}
	}
	if len(replayed) != 2 || replayed[0] != second || replayed[1] != third {
		t.Fatalf("replayed %v, want [%d %d]", replayed, second, third)
	}
	fourth := h.notifyDirect(t, acc, importNotice(4))
	if n := again.nextNotification(5 * time.Second); n.ID != fourth {
		t.Fatalf("live after replay: %+v, want %d", n, fourth)
	}

	// A stream opened without Last-Event-ID names the newest notification first,
	// so that its reconnect misses nothing; a bad Last-Event-ID is refused.
	fresh := openStream(t, h.srv.URL, "", bearer(token))
	if ev := fresh.next(5 * time.Second); ev.ID != strconv.FormatInt(fourth, 10) {
		t.Fatalf("fresh stream opened with %+v, want id %d", ev, fourth)
	}
	c := h.c.As(token)
	req, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/stream", nil)
	req.Header.Set("Last-Event-ID", "yesterday")
	if r := c.Send(req); r.Status != 400 {
		t.Fatalf("Last-Event-ID yesterday: %d", r.Status)
	}
}

// A relay outage opens its circuit: one relay.circuit_opened however many
// messages were routed while it lasted, and one relay.circuit_closed when it
// recovers.
func TestRelayOutageNotifiesOnceEachWay(t *testing.T) {
	h := newHarness(t, withRouter(relay.RouterOptions{Concurrency: 2,
		Breaker: relay.BreakerOptions{Failures: 2, Cooldown: 500 * time.Millisecond}}))
	simulator, base := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	token, _ := h.signup(t)
	c := h.c.As(token)
	s := openStream(t, h.srv.URL, "", bearer(token))
	s.waitLive()
	group := importCustomers(t, c, "장애 고객", 1, 600, "VIP")
	relayID := simRelay(t, c, "flaky", base, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "장애 중 발송", "template_id": tpl.ID, "group_ids": []int64{group},
		"routing": map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}).
		Expect(201).JSON(&camp)

	one := 1.0
	if err := simulator.Control(sim.Patch{Relay: "flaky", FaultRate: &one}); err != nil {
		t.Fatal(err)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)
	var opened notificationOut
	for opened.Kind != notify.RelayCircuitOpened {
		opened = s.nextNotification(60 * time.Second)
	}
	if opened.Subject["relay_id"] != relayID || opened.Severity != "error" || opened.Title != "릴레이 차단: flaky" {
		t.Fatalf("opened %+v", opened)
	}
	// Let the outage outlast a few probes, each of which opens the worker's
	// circuit again, before it ends.
	faulted := simulator.Stats().Relays["flaky"].Faulted
	waitFor(t, "failed probes", func() bool { return simulator.Stats().Relays["flaky"].Faulted >= faulted+3 })
	if err := simulator.Control(sim.Patch{Relay: "flaky", Clear: true}); err != nil {
		t.Fatal(err)
	}
	if done := waitCampaign(t, c, camp.ID); done.Status != "completed" || done.Delivered != 600 {
		t.Fatalf("campaign %+v", done)
	}
	var closed notificationOut
	for closed.Kind != notify.RelayCircuitClosed {
		if n := s.nextNotification(30 * time.Second); n.Kind == notify.RelayCircuitOpened {
			t.Fatalf("a second circuit_opened: %+v", n)
		} else {
			closed = n
		}
	}
	all := listNotifications(t, c, "?size=200")
	if o, cl := of(all.Items, notify.RelayCircuitOpened, "relay_id", relayID), of(all.Items, notify.RelayCircuitClosed, "relay_id", relayID); len(o) != 1 || len(cl) != 1 {
		t.Fatalf("%d opened and %d closed notifications stored, want 1 and 1 (%d relay calls faulted)", len(o), len(cl),
			simulator.Stats().Relays["flaky"].Faulted)
	}
}

// With two API processes on one database, a notification written by the worker
// reaches the streams of both.
func TestTwoAPIProcessesBothDeliverTheWorkersNotification(t *testing.T) {
	h := newHarness(t)
	other := h.secondAPI(t)
	token, _ := h.signup(t)
	one := openStream(t, h.srv.URL, "", bearer(token))
	two := openStream(t, other, "", bearer(token))
	one.waitLive()
	two.waitLive()
	// The worker's CompleteImport activity writes import.completed.
	var im importOut
	h.c.As(token).Upload("/api/v1/imports", "file", "두 서버.csv", []byte("이름,휴대폰\n가,010-5555-0001\n나,010-5555-0002\n"), nil).
		Expect(201).JSON(&im)
	h.c.As(token).Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "두 서버"}).Expect(202)
	for name, s := range map[string]*sseStream{"first": one, "second": two} {
		n := s.nextNotification(60 * time.Second)
		if n.Kind != notify.ImportCompleted || n.Subject["import_id"] != im.ID || n.Title != "고객 가져오기 완료: 두 서버.csv" {
			t.Fatalf("%s API process: %+v", name, n)
		}
	}
}

// A stream ticket opens one stream, once, within 60 s; a stream without valid
// credentials is 401, and a long-lived token is not taken from the URL.
func TestStreamTicketWorksOnceAndExpires(t *testing.T) {
	clock := &testClock{}
	clock.Set(time.Now())
	h := newHarness(t, withClock(clock.Now))
	token, acc := h.signup(t)
	c := h.c.As(token)
	var tk struct {
		Ticket    string    `json:"ticket"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	c.Do("POST", "/api/v1/stream/ticket", nil).Expect(201).JSON(&tk)
	if d := tk.ExpiresAt.Sub(clock.Now()); d <= 59*time.Second || d > 60*time.Second {
		t.Fatalf("ticket expires %v from now", d)
	}
	s := openStream(t, h.srv.URL, "?ticket="+tk.Ticket, nil)
	s.waitLive()
	id := h.notifyDirect(t, acc, importNotice(1))
	if n := s.nextNotification(5 * time.Second); n.ID != id {
		t.Fatalf("ticket stream got %+v", n)
	}
	anon := apitest.New(t, h.srv.URL)
	anon.HTTP.Timeout = 10 * time.Second // a stream that opened would fail here, not hang
	if r := anon.Do("GET", "/api/v1/stream?ticket="+tk.Ticket, nil); r.Status != 401 || r.Slug() != "unauthorized" {
		t.Fatalf("second use: %d %s", r.Status, r.Body)
	}
	c.Do("POST", "/api/v1/stream/ticket", nil).Expect(201).JSON(&tk)
	clock.Set(clock.Now().Add(61 * time.Second))
	if r := anon.Do("GET", "/api/v1/stream?ticket="+tk.Ticket, nil); r.Status != 401 {
		t.Fatalf("expired ticket: %d %s", r.Status, r.Body)
	}
	for name, path := range map[string]string{
		"no credentials":     "/api/v1/stream",
		"made-up ticket":     "/api/v1/stream?ticket=sst_AAAA",
		"token as ticket":    "/api/v1/stream?ticket=" + token,
		"token in the URL":   "/api/v1/stream?access_token=" + token,
		"token as parameter": "/api/v1/stream?token=" + token,
	} {
		if r := anon.Do("GET", path, nil); r.Status != 401 {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	bad := anon.As("not-a-token")
	if r := bad.Do("GET", "/api/v1/stream", nil); r.Status != 401 {
		t.Fatalf("bad bearer: %d", r.Status)
	}
	// Tickets are for people; an API key cannot get one.
	var key struct{ Key string }
	c.Do("POST", "/api/v1/api-keys", map[string]string{"name": "shop"}).Expect(201).JSON(&key)
	if r := anon.WithKey(key.Key).Do("POST", "/api/v1/stream/ticket", nil); r.Status != 403 {
		t.Fatalf("API key ticket: %d", r.Status)
	}
}

// The notification routes check their input and show each account only its own.
func TestNotificationRoutesValidateAndStayInTheirAccount(t *testing.T) {
	h := newHarness(t)
	tokenA, accA := h.signup(t)
	tokenB, accB := h.signup(t)
	a, b := h.c.As(tokenA), h.c.As(tokenB)
	var ids []int64
	for i := range 5 {
		ids = append(ids, h.notifyDirect(t, accA, importNotice(int64(i+1))))
	}
	foreign := h.notifyDirect(t, accB, importNotice(1))

	page := listNotifications(t, a, "?size=2")
	if len(page.Items) != 2 || page.Total != 5 || page.NextCursor == nil || page.Items[0].ID != ids[4] || page.Items[1].ID != ids[3] {
		t.Fatalf("first page %+v", page)
	}
	page = listNotifications(t, a, "?size=2&cursor="+*page.NextCursor)
	if len(page.Items) != 2 || page.Items[0].ID != ids[2] {
		t.Fatalf("second page %+v", page)
	}
	page = listNotifications(t, a, "?size=2&cursor="+*page.NextCursor)
	if len(page.Items) != 1 || page.Items[0].ID != ids[0] || page.NextCursor != nil {
		t.Fatalf("last page %+v", page)
	}
	// Reading another account's notification changes nothing anywhere.
	var after struct{ Count int64 }
	a.Do("POST", "/api/v1/notifications/read", map[string]any{"ids": []int64{ids[1], foreign}}).Expect(200).JSON(&after)
	if after.Count != 4 || unread(t, b) != 1 {
		t.Fatalf("unread A %d, B %d", after.Count, unread(t, b))
	}
	unreadPage := listNotifications(t, a, "?unread=true")
	if unreadPage.Total != 4 || len(of(unreadPage.Items, notify.ImportCompleted, "import_id", 2)) != 0 {
		t.Fatalf("unread page %+v", unreadPage)
	}
	if bl := listNotifications(t, b, ""); bl.Total != 1 || bl.Items[0].ID != foreign || bl.Items[0].Read {
		t.Fatalf("B's list %+v", bl)
	}
	for _, bad := range []struct {
		body  any
		field string
	}{
		{map[string]any{}, "ids"},
		{map[string]any{"ids": []int64{}}, "ids"},
		{map[string]any{"ids": []int64{0}}, "ids"},
		{map[string]any{"all": false}, "all"},
		{map[string]any{"all": true, "ids": []int64{ids[0]}}, "all"},
	} {
		r := a.Do("POST", "/api/v1/notifications/read", bad.body)
		if r.Status != 422 || r.Problem().Errors[0].Field != bad.field {
			t.Errorf("%v: %d %s", bad.body, r.Status, r.Body)
		}
	}
	for _, q := range []string{"?unread=maybe", "?cursor=abc", "?size=0", "?size=201"} {
		if r := a.Do("GET", "/api/v1/notifications"+q, nil); r.Status != 422 {
			t.Errorf("%s: %d", q, r.Status)
		}
	}
	var key struct{ Key string }
	a.Do("POST", "/api/v1/api-keys", map[string]string{"name": "shop"}).Expect(201).JSON(&key)
	if r := apitest.New(t, h.srv.URL).WithKey(key.Key).Do("GET", "/api/v1/notifications", nil); r.Status != 403 {
		t.Fatalf("API key: %d (read state is a person's)", r.Status)
	}
	// Notifications are written in the account's language.
	a.Do("PATCH", "/api/v1/account", map[string]any{"language": "en"}).Expect(200)
	en := h.notifyDirect(t, accA, importNotice(77))
	if n := listNotifications(t, a, "?size=1").Items[0]; n.ID != en || n.Title != "Import completed: 고객77.csv" {
		t.Fatalf("English notification %+v", n)
	}
	if r := a.Do("PATCH", "/api/v1/account", map[string]any{"language": "fr"}); r.Status != 422 {
		t.Fatalf("language fr: %d", r.Status)
	}
}

// An idle stream gets a comment line every keep-alive interval.
func TestIdleStreamGetsKeepAliveComments(t *testing.T) {
	h := newHarness(t, withStreamKeepAlive(50*time.Millisecond))
	token, _ := h.signup(t)
	s := openStream(t, h.srv.URL, "", bearer(token))
	s.waitLive()
	for range 2 {
		if ev := s.next(5 * time.Second); ev.Comment != "keep-alive" || ev.Event != "" {
			t.Fatalf("idle stream sent %+v", ev)
		}
	}
}

// Low stock and restocks reach the stream: the stock monitor's alert activity
// writes stock.low, and the adjustment's transaction writes stock.restocked.
func TestStockNotificationsReachTheStream(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	s := openStream(t, h.srv.URL, "", bearer(token))
	s.waitLive()
	customer := createCustomer(t, c, "김출석")
	recordPurchase(t, c, customer.ID, "ORD-1")
	today := time.Now().In(mustZone(t, "Asia/Seoul")).Format(time.DateOnly)
	ev := createEvent(t, c, map[string]any{"name": "봄 출석", "starts_on": today, "ends_on": today})
	tier := createTier(t, c, ev.ID, 1, "쿠키", 2, 1)
	checkInOK(t, c, ev.ID, customer.ID) // stock 1: at the threshold
	low := s.nextNotification(60 * time.Second)
	if low.Kind != notify.StockLow || low.Subject["tier_id"] != tier.ID || low.Title != "재고 부족: 봄 출석 — 쿠키" {
		t.Fatalf("low stock %+v", low)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), map[string]any{"delta": 5, "reason": "입고"}).Expect(201)
	restocked := s.nextNotification(10 * time.Second)
	if restocked.Kind != notify.StockRestocked || restocked.Subject["tier_id"] != tier.ID || restocked.Body != "5개 입고, 남은 재고 6개." {
		t.Fatalf("restocked %+v", restocked)
	}
	// A decrease is no restock.
	c.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", ev.ID, tier.ID), map[string]any{"delta": -1, "reason": "파손"}).Expect(201)
	if n := listNotifications(t, c, ""); len(of(n.Items, notify.StockRestocked, "tier_id", tier.ID)) != 1 {
		t.Fatalf("notifications %+v", n.Items)
	}
}

// The stream carries campaign progress (from the workflow's query) and import
// progress (from MySQL) while they change, the latest at once to a stream that
// opens, and the final figures once when they end.
func TestStreamCarriesCampaignAndImportProgress(t *testing.T) {
	h := newHarness(t)
	_, base := startSim(t, sim.Settings{})
	token, _ := h.signup(t)
	c := h.c.As(token)
	s := openStream(t, h.srv.URL, "", bearer(token))
	s.waitLive()
	group := importCustomers(t, c, "예약 고객", 1, 5, "VIP")
	relayID := simRelay(t, c, "sim", base, "sms", 1)
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "#{이름}님 안내"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	c.Do("POST", "/api/v1/campaigns", map[string]any{"name": "내일 발송", "template_id": tpl.ID, "group_ids": []int64{group},
		"scheduled_at": time.Now().Add(time.Hour).Format(time.RFC3339),
		"routing":      map[string]any{"mode": "weighted", "relays": []map[string]any{{"relay_id": relayID, "weight": 1}}}}).
		Expect(201).JSON(&camp)
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", camp.ID), nil).Expect(202)

	var p map[string]any
	for p["stage"] != "scheduled" { // the workflow may answer before it has read the campaign
		p = s.nextEvent("campaign.progress", 15*time.Second)
	}
	if p["campaign_id"] != float64(camp.ID) || p["status"] != "scheduled" || p["resume_at"] == nil {
		t.Fatalf("progress %v", p)
	}
	// A stream that opens now gets the latest progress at once, though it does not change.
	late := openStream(t, h.srv.URL, "", bearer(token))
	if q := late.nextEvent("campaign.progress", 5*time.Second); q["campaign_id"] != float64(camp.ID) || q["stage"] != "scheduled" {
		t.Fatalf("late stream's progress %v", q)
	}
	// The customers a prepare left out are read from the campaign's row, so
	// the figure moves while the campaign runs (set here as a prepare would).
	if p["left_out"] != float64(0) {
		t.Fatalf("progress %v, want left_out 0", p)
	}
	if _, err := h.db.Exec(`UPDATE campaigns SET left_out = 2 WHERE id = ?`, camp.ID); err != nil {
		t.Fatal(err)
	}
	if p = s.nextEvent("campaign.progress", 15*time.Second); p["left_out"] != float64(2) || p["stage"] != "scheduled" {
		t.Fatalf("progress %v, want left_out 2 while scheduled", p)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", camp.ID), nil).Expect(202)
	var n notificationOut
	for n.Kind != notify.CampaignCancelled { // the import's notification may come first
		n = s.nextNotification(30 * time.Second)
	}
	if n.Subject["campaign_id"] != camp.ID {
		t.Fatalf("notification %+v", n)
	}
	for p["status"] != "cancelled" {
		p = s.nextEvent("campaign.progress", 15*time.Second)
	}
	if p["campaign_id"] != float64(camp.ID) || p["stage"] != "cancelled" {
		t.Fatalf("final progress %v", p)
	}

	// Import progress comes from the imports table.
	var im importOut
	c.Upload("/api/v1/imports", "file", "진행.csv", []byte("이름,휴대폰\n가,010-6666-0001\n나,010-6666-0002\n"), nil).Expect(201).JSON(&im)
	if _, err := h.db.Exec(`UPDATE imports SET status = 'committing', processed_rows = 1 WHERE id = ?`, im.ID); err != nil {
		t.Fatal(err)
	}
	ip := s.nextEvent("import.progress", 15*time.Second)
	if ip["import_id"] != float64(im.ID) || ip["status"] != "committing" || ip["processed"] != float64(1) ||
		ip["total"] != float64(2) || ip["percent"] != float64(50) {
		t.Fatalf("import progress %v", ip)
	}
	if _, err := h.db.Exec(`UPDATE imports SET status = 'completed', processed_rows = 2 WHERE id = ?`, im.ID); err != nil {
		t.Fatal(err)
	}
	if ip = s.nextEvent("import.progress", 15*time.Second); ip["status"] != "completed" || ip["percent"] != float64(100) {
		t.Fatalf("final import progress %v", ip)
	}
}

// A server with read and write timeouts for ordinary requests keeps streams
// open past them: the stream sets its own deadlines.
func TestStreamOutlivesTheServersTimeouts(t *testing.T) {
	h := newHarness(t)
	token, acc := h.signup(t)
	a := api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: h.tc, Log: h.log, StreamKeepAlive: 200 * time.Millisecond})
	srv := httptest.NewUnstartedServer(a.Handler())
	srv.Config.ReadTimeout = 500 * time.Millisecond
	srv.Config.WriteTimeout = 500 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	t.Cleanup(a.Close)
	s := openStream(t, srv.URL, "", bearer(token))
	s.waitLive()
	opened := time.Now()
	for time.Since(opened) < 3*srv.Config.WriteTimeout {
		if ev := s.next(5 * time.Second); ev.Comment != "keep-alive" {
			t.Fatalf("idle stream sent %+v", ev)
		}
	}
	id := h.notifyDirect(t, acc, importNotice(1))
	if n := s.nextNotification(5 * time.Second); n.ID != id {
		t.Fatalf("after the timeouts: %+v", n)
	}
}

// An import whose commit fails is told as import.failed, with the reason.
func TestImportFailureIsNotified(t *testing.T) {
	h := newHarness(t)
	token, acc := h.signup(t)
	c := h.c.As(token)
	var im importOut
	c.Upload("/api/v1/imports", "file", "실패.csv", []byte("이름,휴대폰\n가,010-7777-0001\n"), nil).Expect(201).JSON(&im)
	// The worker is asked to commit into a group that does not exist (as if it had
	// been deleted after the commit was asked for): BeginImport fails for good.
	run, err := h.tc.ExecuteWorkflow(context.Background(), client.StartWorkflowOptions{ID: workflows.ImportWorkflowID(im.ID),
		TaskQueue: h.cfg.TaskQueue}, workflows.ImportCustomers, workflows.ImportInput{AccountID: acc, ImportID: im.ID, GroupID: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(context.Background(), nil); err == nil {
		t.Fatal("the import commit succeeded")
	}
	page := listNotifications(t, c, "")
	failed := of(page.Items, notify.ImportFailed, "import_id", im.ID)
	if len(failed) != 1 || failed[0].Severity != "error" || failed[0].Title != "고객 가져오기 실패: 실패.csv" ||
		!strings.HasPrefix(failed[0].Body, "사유: ") || len(failed[0].Body) < 10 {
		t.Fatalf("notifications %+v", page.Items)
	}
}
