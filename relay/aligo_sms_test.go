package relay

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func smsMessages(from, n int, ch Channel) []Message {
	out := make([]Message, n)
	for i := range out {
		id := int64(from + i + 1)
		out[i] = Message{ID: id, To: fmt.Sprintf("+8210%08d", id), Channel: ch, Body: fmt.Sprintf("[샵] %d번 고객님 쿠폰이 도착했습니다.", id)}
		if ch == ChannelLMS {
			out[i].Subject = "쿠폰 도착"
			out[i].Body = strings.Repeat("긴 안내문입니다. ", 20)
		}
	}
	return out
}

func smsConfig(base string) AligoSMSConfig {
	return AligoSMSConfig{BaseURL: base, Key: testAPIKey, UserID: "shop", Sender: "02-1234-5678", TestMode: true}
}

func acceptingAligoSMS(t *testing.T) *formServer {
	var mid int
	var mu sync.Mutex
	return newFormServer(t, func(path string, f url.Values) (int, string) {
		mu.Lock()
		defer mu.Unlock()
		mid++
		return 200, fmt.Sprintf(`{"result_code":"1","message":"success","msg_id":"%d","success_cnt":%s,"error_cnt":0,"msg_type":"%s"}`, 7000+mid, f.Get("cnt"), f.Get("msg_type"))
	})
}

func TestAligoSMSSendsTheDialect(t *testing.T) {
	srv := acceptingAligoSMS(t)
	a := NewAligoSMS(smsConfig(srv.URL), Options{})
	msgs := append(smsMessages(0, 2, ChannelSMS), smsMessages(2, 1, ChannelLMS)...)
	res, err := a.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	calls := srv.calls("/send_mass/")
	if len(calls) != 2 {
		t.Fatalf("%d calls, want one SMS and one LMS call", len(calls))
	}
	sms, lms := calls[0], calls[1]
	for k, v := range map[string]string{"key": testAPIKey, "user_id": "shop", "sender": "0212345678", "cnt": "2", "msg_type": "SMS",
		"testmode_yn": "Y", "rec_1": "01000000001", "msg_1": msgs[0].Body, "rec_2": "01000000002", "msg_2": msgs[1].Body} {
		if sms.Get(k) != v {
			t.Errorf("sms %s = %q, want %q", k, sms.Get(k), v)
		}
	}
	if sms.Has("title") {
		t.Error("an SMS call has a title")
	}
	if lms.Get("msg_type") != "LMS" || lms.Get("title") != "쿠폰 도착" || lms.Get("cnt") != "1" || lms.Get("rec_1") != "01000000003" {
		t.Errorf("lms call %v", lms)
	}
	if res[0].ProviderID != "7001" || res[2].ProviderID != "7002" || res[1].Outcome != Accepted {
		t.Errorf("results %+v", res)
	}
}

func TestAligoSMSBatchesOf500(t *testing.T) {
	srv := acceptingAligoSMS(t)
	a := NewAligoSMS(smsConfig(srv.URL), Options{})
	res := SendAll(context.Background(), a, smsMessages(0, 1001, ChannelSMS))
	var sizes []string
	for _, c := range srv.calls("/send_mass/") {
		sizes = append(sizes, c.Get("cnt"))
	}
	if fmt.Sprint(sizes) != "[500 500 1]" {
		t.Errorf("calls %v", sizes)
	}
	for _, r := range res {
		if r.Outcome != Accepted {
			t.Fatalf("%+v", r)
		}
	}
}

func TestAligoSMSFailures(t *testing.T) {
	cases := []struct {
		body    string
		wantErr string
		outcome Outcome
		code    string
	}{
		{`{"result_code":-101,"message":"인증오류"}`, CodeAuth, 0, ""},
		{`{"result_code":"-201","message":"잔액 부족"}`, CodeInsufficientFunds, 0, ""},
		{`{"result_code":"-103","message":"발신번호 미등록"}`, CodeSenderUnregistered, 0, ""},
		{`{"result_code":"-301","message":"수신번호 오류"}`, "", RecipientFailed, CodeInvalidNumber},
		{`{"message":"no code"}`, CodeBadAnswer, 0, ""},
	}
	for _, c := range cases {
		srv := newFormServer(t, func(string, url.Values) (int, string) { return 200, c.body })
		res, err := NewAligoSMS(smsConfig(srv.URL), Options{}).Send(context.Background(), smsMessages(0, 2, ChannelSMS))
		if c.wantErr != "" {
			if ErrorCode(err) != c.wantErr {
				t.Errorf("%s: err %v, want code %s", c.body, err, c.wantErr)
			}
			continue
		}
		if err != nil || res[0].Outcome != c.outcome || res[1].Code != c.code {
			t.Errorf("%s: %+v %v", c.body, res, err)
		}
	}
}

func TestAligoSMSRefusesTooLongText(t *testing.T) {
	srv := acceptingAligoSMS(t)
	a := NewAligoSMS(smsConfig(srv.URL), Options{})
	msgs := smsMessages(0, 2, ChannelSMS)
	msgs[1].Body = strings.Repeat("가", 46) // 92 bytes
	res, err := a.Send(context.Background(), msgs)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != Accepted || res[1].Outcome != RecipientFailed || res[1].Code != CodeContentRejected ||
		!strings.Contains(res[1].Reason, "92 bytes") {
		t.Errorf("results %+v", res)
	}
}

func TestAligoSMSReportsAndLookup(t *testing.T) {
	clock := newClock()
	reg := clock.Now().In(aligoZone).Add(-time.Minute).Format(time.DateTime)
	srv := newFormServer(t, func(path string, f url.Values) (int, string) {
		switch path {
		case "/list/":
			return 200, `{"result_code":1,"message":"success","list":[{"mid":"7001","type":"SMS","reg_date":"` + reg + `"}],"next_yn":"N"}`
		case "/sms_list/":
			if f.Get("mid") != "7001" {
				return 200, `{"result_code":-99,"message":"no mid"}`
			}
			return 200, `{"result_code":1,"message":"success","list":[
				{"mdid":"1","receiver":"01000000001","sms_state":"발송완료","send_date":"` + reg + `"},
				{"mdid":"2","receiver":"01000000002","sms_state":"수신거부","send_date":"` + reg + `"},
				{"mdid":"3","receiver":"01000000003","sms_state":"전송중"},
				{"mdid":"4","receiver":"01000000004","sms_state":"기타오류"}],"next_yn":"N"}`
		}
		return 404, ""
	})
	a := NewAligoSMS(smsConfig(srv.URL), Options{Now: clock.Now})
	page, err := a.Reports(context.Background(), ReportQuery{ProviderIDs: []string{"7001"}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Report{}
	for _, r := range page.Reports {
		got[r.To] = r
	}
	if len(got) != 3 || got["+821000000001"].Outcome != Delivered || got["+821000000002"].Code != CodeOptedOut ||
		got["+821000000004"].Code != CodeUndeliverable {
		t.Errorf("reports %+v", page.Reports)
	}
	found, err := a.Lookup(context.Background(), smsMessages(0, 5, ChannelSMS), clock.Now().Add(-time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 4 {
		t.Fatalf("lookup found %d: %+v", len(found), found)
	}
	for _, r := range found {
		if r.ProviderID != "7001" || !r.ByRecipient || r.MessageID == 5 {
			t.Errorf("lookup %+v", r)
		}
	}
	list := srv.calls("/list/")
	if len(list) != 1 || list[0].Get("limit_day") != strconv.Itoa(1) {
		t.Errorf("list call %v", list)
	}
}
