package relay

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testAPIKey = "AK-7f3e9c1d2b-SECRET"

// formServer is an httptest server that records every form it receives and
// answers with reply.
type formServer struct {
	*httptest.Server
	mu    sync.Mutex
	forms []recordedForm
}

type recordedForm struct {
	path string
	form url.Values
}

func newFormServer(t *testing.T, reply func(path string, form url.Values) (int, string)) *formServer {
	t.Helper()
	fs := &formServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			http.Error(w, "want a form POST", http.StatusBadRequest)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fs.mu.Lock()
		fs.forms = append(fs.forms, recordedForm{r.URL.Path, r.PostForm})
		fs.mu.Unlock()
		status, body := reply(r.URL.Path, r.PostForm)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *formServer) calls(path string) []url.Values {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var out []url.Values
	for _, f := range fs.forms {
		if f.path == path {
			out = append(out, f.form)
		}
	}
	return out
}

// receivers counts receiver_n fields.
func receivers(f url.Values) int {
	n := 0
	for k := range f {
		if strings.HasPrefix(k, "receiver_") {
			n++
		}
	}
	return n
}

func alimtalkConfig(base string) AligoAlimTalkConfig {
	return AligoAlimTalkConfig{BaseURL: base, APIKey: testAPIKey, UserID: "shop", SenderKey: "SK-DEFAULT", Sender: "02-1234-5678"}
}

func acceptingAligo(t *testing.T) *formServer {
	var mid int
	var mu sync.Mutex
	return newFormServer(t, func(path string, f url.Values) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		mid++
		n := receivers(f)
		return 200, fmt.Sprintf(`{"code":0,"message":"성공적으로 전송요청 하였습니다.","info":{"type":"AT","mid":%d,"current":"1000","unit":6.5,"total":%g,"scnt":%d,"fcnt":0}}`, 1000+mid, 6.5*float64(n), n)
	})
}

func TestAligoAlimTalkSendsTheDialect(t *testing.T) {
	srv := acceptingAligo(t)
	a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{})
	msgs := []Message{
		{ID: 1, To: "+821012345678", Name: "김철수", Channel: ChannelAlimTalk, Subject: "주문 안내",
			Body: "김철수님, 주문이 접수되었습니다.\n감사합니다.", TemplateCode: "ORDER_1",
			Buttons:  []Button{{Name: "주문 확인", MobileURL: "https://s.example/t/abc", PCURL: "https://s.example/t/abc?pc"}},
			Fallback: &Fallback{Subject: "주문", Body: "[샵] 주문 접수"}},
		{ID: 2, To: "+821098765432", Name: "이영희", Channel: ChannelAlimTalk, Body: "이영희님, 주문이 접수되었습니다.\n감사합니다.",
			TemplateCode: "ORDER_1", Fallback: &Fallback{Body: "[샵] 주문 접수"}},
	}
	res, err := a.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if r.Outcome != Accepted || r.ProviderID != "1001" || r.MessageID != msgs[i].ID {
			t.Errorf("result %d = %+v", i, r)
		}
	}
	calls := srv.calls("/akv10/alimtalk/send/")
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	f := calls[0]
	want := map[string]string{
		"apikey": testAPIKey, "userid": "shop", "senderkey": "SK-DEFAULT", "tpl_code": "ORDER_1",
		"sender": "0212345678", "testMode": "N", "failover": "Y",
		"receiver_1": "01012345678", "recvname_1": "김철수", "subject_1": "주문 안내",
		"message_1": "김철수님, 주문이 접수되었습니다.\n감사합니다.", "fsubject_1": "주문", "fmessage_1": "[샵] 주문 접수",
		"receiver_2": "01098765432", "recvname_2": "이영희", "fmessage_2": "[샵] 주문 접수",
		// Aligo asks every recipient for a subject; a template without one
		// (as the console makes them) sends its text's first line.
		"subject_2": "이영희님, 주문이 접수되었습니다.",
	}
	for k, v := range want {
		if got := f.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	var buttons struct {
		Button []map[string]string `json:"button"`
	}
	if err := json.Unmarshal([]byte(f.Get("button_1")), &buttons); err != nil || len(buttons.Button) != 1 {
		t.Fatalf("button_1 = %q (%v)", f.Get("button_1"), err)
	}
	b := buttons.Button[0]
	if b["name"] != "주문 확인" || b["linkType"] != "WL" || b["linkTypeName"] != "웹링크" ||
		b["linkMo"] != "https://s.example/t/abc" || b["linkPc"] != "https://s.example/t/abc?pc" {
		t.Errorf("button = %v", b)
	}
	if f.Has("button_2") {
		t.Error("a message without buttons got button_2")
	}
}

func TestAligoAlimTalkBatchesOf500ByTemplate(t *testing.T) {
	srv := acceptingAligo(t)
	a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{})
	msgs := messages(0, 1001)
	res := SendAll(context.Background(), a, msgs)
	calls := srv.calls("/akv10/alimtalk/send/")
	var sizes []int
	for _, c := range calls {
		sizes = append(sizes, receivers(c))
	}
	if fmt.Sprint(sizes) != "[500 500 1]" {
		t.Errorf("call sizes %v, want [500 500 1]", sizes)
	}
	for i, r := range res {
		if r.Outcome != Accepted || r.MessageID != msgs[i].ID {
			t.Fatalf("result %d = %+v", i, r)
		}
	}
	if _, err := a.Send(context.Background(), msgs[:501]); err == nil {
		t.Error("Send took 501 messages")
	}

	// Two templates and a sender key override in one Send → one call each.
	srv2 := acceptingAligo(t)
	a = NewAligoAlimTalk(alimtalkConfig(srv2.URL), Options{})
	mixed := messages(0, 6)
	mixed[1].TemplateCode, mixed[3].TemplateCode = "TPL2", "TPL2"
	mixed[5].SenderKey = "SK-OTHER"
	res, err := a.Send(context.Background(), mixed)
	if err != nil {
		t.Fatal(err)
	}
	calls = srv2.calls("/akv10/alimtalk/send/")
	if len(calls) != 3 {
		t.Fatalf("%d calls, want 3", len(calls))
	}
	got := map[string]int{}
	for _, c := range calls {
		got[c.Get("senderkey")+"/"+c.Get("tpl_code")] = receivers(c)
	}
	if got["SK-DEFAULT/TPL1"] != 3 || got["SK-DEFAULT/TPL2"] != 2 || got["SK-OTHER/TPL1"] != 1 {
		t.Errorf("groups %v", got)
	}
	for i, r := range res {
		if r.MessageID != mixed[i].ID || r.Outcome != Accepted {
			t.Errorf("result %d = %+v", i, r)
		}
	}
}

func TestAligoAlimTalkFailures(t *testing.T) {
	cases := []struct {
		name    string
		status  int
		body    string
		wantErr string // failure code of the whole-call error; "" means per-message results
		outcome Outcome
		code    string
	}{
		{"server error", 500, "<html>Internal Server Error</html>", CodeServerError, 0, ""},
		{"unreadable", 200, "<html>maintenance</html>", CodeBadAnswer, 0, ""},
		{"auth", 200, `{"code":-101,"message":"인증오류입니다."}`, CodeAuth, 0, ""},
		{"balance", 200, `{"code":"-201","message":"잔액부족"}`, CodeInsufficientFunds, 0, ""},
		{"profile", 200, `{"code":-103,"message":"발신프로필 오류"}`, CodeInvalidProfile, 0, ""},
		{"unknown code", 200, `{"code":-777,"message":"??"}`, CodeUnknown, 0, ""},
		{"template", 200, `{"code":-104,"message":"템플릿 없음"}`, "", RecipientFailed, CodeTemplateNotFound},
		{"mismatch", 200, `{"code":-106,"message":"템플릿 불일치"}`, "", RecipientFailed, CodeTemplateMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := newFormServer(t, func(string, url.Values) (int, string) { return c.status, c.body })
			a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{})
			res, err := a.Send(context.Background(), messages(0, 3))
			if c.wantErr != "" {
				if err == nil || ErrorCode(err) != c.wantErr {
					t.Fatalf("err = %v (code %q), want code %q", err, ErrorCode(err), c.wantErr)
				}
				if res != nil {
					t.Error("results with a whole-call error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Outcome != c.outcome || r.Code != c.code || !strings.Contains(r.Reason, "aligo code") {
					t.Errorf("result = %+v", r)
				}
			}
		})
	}
}

func TestAligoAlimTalkRefusesBadRecipientsLocally(t *testing.T) {
	srv := acceptingAligo(t)
	a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{})
	msgs := messages(0, 4)
	msgs[1].To = "+16502530000" // not Korean
	msgs[2].To = "+8223123456"  // Seoul landline
	msgs[3].TemplateCode = ""
	res, err := a.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		o    Outcome
		code string
	}{{Accepted, ""}, {RecipientFailed, CodeInvalidNumber}, {RecipientFailed, CodeInvalidNumber}, {RecipientFailed, CodeTemplateNotFound}}
	for i, w := range want {
		if res[i].Outcome != w.o || res[i].Code != w.code {
			t.Errorf("result %d = %+v, want %v %s", i, res[i], w.o, w.code)
		}
	}
	if calls := srv.calls("/akv10/alimtalk/send/"); len(calls) != 1 || receivers(calls[0]) != 1 {
		t.Error("refused recipients reached Aligo")
	}

	// A call whose only group fails is a whole-call failure…
	down := newFormServer(t, func(string, url.Values) (int, string) { return 503, "down" })
	a = NewAligoAlimTalk(alimtalkConfig(down.URL), Options{})
	if _, err := a.Send(context.Background(), messages(0, 2)); err == nil {
		t.Error("no error from a relay that is down")
	}
	// …but local refusals are still reported as such.
	res, err = a.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != RelayFault || res[0].Code != CodeServerError || res[1].Outcome != RecipientFailed {
		t.Errorf("results %+v", res)
	}
}

func TestAligoErrorsNeverQuoteTheKey(t *testing.T) {
	// A provider that echoes the request in its error page.
	echo := newFormServer(t, func(_ string, f url.Values) (int, string) {
		return 500, "bad request: apikey=" + f.Get("apikey") + "&" + f.Encode()
	})
	a := NewAligoAlimTalk(alimtalkConfig(echo.URL), Options{})
	_, err := a.Send(context.Background(), messages(0, 1))
	if err == nil || strings.Contains(err.Error(), testAPIKey) || strings.Contains(err.Error(), url.QueryEscape(testAPIKey)) {
		t.Errorf("error leaks the key: %v", err)
	}
	_, err = a.Reports(context.Background(), ReportQuery{ProviderIDs: []string{"1"}})
	if err == nil || strings.Contains(err.Error(), testAPIKey) {
		t.Errorf("reports error leaks the key: %v", err)
	}
	s := NewAligoSMS(AligoSMSConfig{BaseURL: echo.URL, Key: testAPIKey, UserID: "u", Sender: "0212345678"}, Options{})
	_, err = s.Send(context.Background(), smsMessages(0, 1, ChannelSMS))
	if err == nil || strings.Contains(err.Error(), testAPIKey) {
		t.Errorf("sms error leaks the key: %v", err)
	}
	// An unreachable relay whose URL carries credentials.
	cfg := alimtalkConfig("http://user:URL-PASSWORD@127.0.0.1:1")
	_, err = NewAligoAlimTalk(cfg, Options{Timeout: time.Second}).Send(context.Background(), messages(0, 1))
	if err == nil || strings.Contains(err.Error(), "URL-PASSWORD") || ErrorCode(err) != CodeUnreachable {
		t.Errorf("unreachable: %v (code %s)", err, ErrorCode(err))
	}
}

// historyServer answers Aligo's history API from fixed requests.
func historyServer(t *testing.T, now time.Time) *formServer {
	reg := now.In(aligoZone).Add(-time.Minute).Format(time.DateTime)
	old := now.In(aligoZone).Add(-3 * time.Hour).Format(time.DateTime)
	details := map[string]string{
		"501": `[
			{"msgid":"1","phone":"01012345678","status":"완료","rslt":"0","rslt_message":"성공","rsltdate":"` + reg + `","tpl_code":"TPL1"},
			{"msgid":"2","phone":"01022223333","status":"완료","rslt":"3019","rslt_message":"톡 유저가 아님","rsltdate":"` + reg + `","tpl_code":"TPL1"},
			{"msgid":"3","phone":"01044445555","status":"대기","rslt":"","rslt_message":null,"tpl_code":"TPL1"},
			{"msgid":"4","phone":"01066667777","status":"완료","rslt":"9999","rslt_message":"시스템 오류","rsltdate":"` + reg + `","tpl_code":"TPL1"},
			{"msgid":"5","phone":"01088889999","status":"완료","rslt":"4242","rslt_message":"???","rsltdate":"` + reg + `","tpl_code":"TPL1"}]`,
		"400": `[{"msgid":"9","phone":"01012345678","status":"완료","rslt":"0","rsltdate":"` + old + `","tpl_code":"TPL1"}]`,
	}
	return newFormServer(t, func(path string, f url.Values) (int, string) {
		if f.Get("apikey") != testAPIKey || f.Get("userid") != "shop" {
			return 200, `{"code":-101,"message":"인증오류"}`
		}
		switch path {
		case "/akv10/history/list/":
			return 200, `{"code":0,"message":"ok","list":[{"mid":501,"type":"AT","regdate":"` + reg + `"},{"mid":"400","type":"AT","regdate":"` + old + `"}],"currentPage":1,"totalPage":1,"totalCount":2}`
		case "/akv10/history/detail/":
			d, ok := details[f.Get("mid")]
			if !ok {
				return 200, `{"code":-99,"message":"no such mid"}`
			}
			return 200, `{"code":0,"message":"ok","list":` + d + `,"currentPage":"1","totalPage":"1","totalCount":"5"}`
		}
		return 404, "{}"
	})
}

func TestAligoAlimTalkReports(t *testing.T) {
	clock := newClock()
	srv := historyServer(t, clock.Now())
	a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{Now: clock.Now})
	page, err := a.Reports(context.Background(), ReportQuery{ProviderIDs: []string{"501"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Reports) != 4 {
		t.Fatalf("%d reports (the pending line must be left out): %+v", len(page.Reports), page.Reports)
	}
	want := map[string]struct {
		o    Outcome
		code string
	}{
		"+821012345678": {Delivered, ""},
		"+821022223333": {RecipientFailed, CodeNotKakaoUser},
		"+821066667777": {RelayFault, CodeServerError},
		"+821088889999": {RecipientFailed, CodeUndeliverable},
	}
	for _, r := range page.Reports {
		w := want[r.To]
		if r.ProviderID != "501" || r.Outcome != w.o || r.Code != w.code || r.At.IsZero() {
			t.Errorf("report %+v, want %v %s", r, w.o, w.code)
		}
	}
	if got := srv.calls("/akv10/history/list/"); len(got) != 0 {
		t.Error("listed the history although the mids were given")
	}

	// Without mids, the list since the given time is read (mid 400 is older).
	page, err = a.Reports(context.Background(), ReportQuery{Since: clock.Now().Add(-10 * time.Minute)})
	if err != nil || len(page.Reports) != 4 {
		t.Fatalf("since: %d reports, %v", len(page.Reports), err)
	}
	list := srv.calls("/akv10/history/list/")
	if len(list) != 1 || list[0].Get("startdate") != clock.Now().In(aligoZone).Format("20060102") {
		t.Errorf("list call %v", list)
	}
}

func TestAligoAlimTalkLookupMatchesByRecipient(t *testing.T) {
	clock := newClock()
	srv := historyServer(t, clock.Now())
	a := NewAligoAlimTalk(alimtalkConfig(srv.URL), Options{Now: clock.Now})
	msgs := []Message{
		{ID: 10, To: "+821012345678", Channel: ChannelAlimTalk, TemplateCode: "TPL1"},
		{ID: 11, To: "+821044445555", Channel: ChannelAlimTalk, TemplateCode: "TPL1"},
		{ID: 12, To: "+821000000000", Channel: ChannelAlimTalk, TemplateCode: "TPL1"},  // never sent
		{ID: 13, To: "+821022223333", Channel: ChannelAlimTalk, TemplateCode: "OTHER"}, // other template
	}
	found, err := a.Lookup(context.Background(), msgs, clock.Now().Add(-5*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]Report{}
	for _, r := range found {
		got[r.MessageID] = r
	}
	if len(got) != 2 {
		t.Fatalf("found %+v", found)
	}
	// Message 10 matches mid 501, not the older mid 400 sent before the claim.
	if r := got[10]; r.ProviderID != "501" || r.Outcome != Delivered || !r.ByRecipient {
		t.Errorf("10 → %+v", r)
	}
	if r := got[11]; r.Outcome != Accepted {
		t.Errorf("11 → %+v", r)
	}
}

func TestFlexFields(t *testing.T) {
	var v struct {
		A, B, C, D flexInt
		S, T       flexString
	}
	if err := json.Unmarshal([]byte(`{"A":1,"B":"-201","C":"","D":null,"S":123,"T":"abc"}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != 1 || v.B != -201 || v.C != 0 || v.D != 0 || v.S != "123" || v.T != "abc" {
		t.Errorf("%+v", v)
	}
	if _, err := strconv.Atoi(string(v.S)); err != nil {
		t.Error(err)
	}
}

func TestAligoAlimTalkSubjectIsNeverEmpty(t *testing.T) {
	for _, c := range []struct{ subject, body, want string }{
		{"주문 안내", "본문", "주문 안내"},
		{"", "\n  \n 첫 줄입니다 \n둘째 줄", "첫 줄입니다"},
		// Cut to an LMS title's 40 bytes (Hangul 2 each), never inside a character.
		{"", "가나다라마바사아자차카타파하가나다라마바사아자차", "가나다라마바사아자차카타파하가나다라마바"},
	} {
		got := alimTalkSubject(Message{Subject: c.subject, Body: c.body})
		if got != c.want || SMSBytes(got) > LMSSubjectMaxBytes {
			t.Errorf("subject of (%q, %q) = %q, want %q", c.subject, c.body, got, c.want)
		}
	}
}
