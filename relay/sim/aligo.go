package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sendingo/sendingo/relay"
)

// The Aligo dialects answer per request, not per message: a request gets a mid,
// and its per-recipient results appear in the history once the report delay has
// passed. They carry no message id, so nothing can be deduplicated; every message
// counts as unique.

// kst is Aligo's time zone (no daylight saving time).
var kst = time.FixedZone("KST", 9*60*60)

const aligoMaxRecipients = 500

// Line fates.
const (
	lineDelivered uint8 = iota
	lineRecipientFailed
	lineReportFailed
	lineInvalidNumber
)

type aligoLine struct {
	phone string
	fate  uint8
}

// aligoRequest is one accepted Aligo request.
type aligoRequest struct {
	mid     int64
	relay   uint16
	kind    string // AT, SMS, LMS
	sender  string
	tpl     string
	regAt   uint32 // ms since the simulator started
	finalAt uint32
	lines   []aligoLine
}

type aligoStore struct {
	mu       sync.RWMutex
	reqs     []*aligoRequest // mid = index + 1
	received atomic.Int64
}

func (a *aligoStore) reset() {
	a.mu.Lock()
	a.reqs = nil
	a.mu.Unlock()
	a.received.Store(0)
}

func (a *aligoStore) add(req *aligoRequest) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	req.mid = int64(len(a.reqs) + 1)
	a.reqs = append(a.reqs, req)
	a.received.Add(int64(len(req.lines)))
	return req.mid
}

func (a *aligoStore) get(mid int64, r uint16) *aligoRequest {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if mid < 1 || mid > int64(len(a.reqs)) || a.reqs[mid-1].relay != r {
		return nil
	}
	return a.reqs[mid-1]
}

// list returns relay r's requests of the given kinds registered in [from, to).
func (a *aligoStore) list(r uint16, kinds string, from, to time.Time, s *Simulator) []*aligoRequest {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []*aligoRequest
	for _, q := range a.reqs {
		at := s.timeOf(q.regAt)
		if q.relay == r && strings.Contains(kinds, q.kind) && !at.Before(from) && at.Before(to) {
			out = append(out, q)
		}
	}
	return out
}

func (s *Simulator) aligoAuthorized(key, user string) bool {
	if key == "" || user == "" {
		return false
	}
	return s.o.AligoKey == "" || key == s.o.AligoKey
}

// alimtalkForm parses an AlimTalk API request and checks its credentials; it
// answers and returns false on a problem.
func (s *Simulator) alimtalkForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	f, ok := parseForm(w, r)
	if ok && !s.aligoAuthorized(f.Get("apikey"), f.Get("userid")) {
		writeJSON(w, http.StatusOK, map[string]any{"code": -101, "message": "인증오류입니다."})
		return nil, false
	}
	return f, ok
}

// smsForm parses an SMS API request and checks its credentials; it answers and
// returns false on a problem.
func (s *Simulator) smsForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	f, ok := parseForm(w, r)
	if ok && !s.aligoAuthorized(f.Get("key"), f.Get("user_id")) {
		s.smsAnswer(w, -101, "인증오류입니다.")
		return nil, false
	}
	return f, ok
}

func parseForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, problem{"bad_request", "read form: " + err.Error()})
		return nil, false
	}
	return r.PostForm, true
}

func validMobile(d string) bool {
	if len(d) < 10 || len(d) > 11 || !strings.HasPrefix(d, "01") {
		return false
	}
	for _, c := range d {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// accept runs the common part of an Aligo send: latency, fault, fates, record,
// answer delay. It returns the mid, or 0 when it has already answered with a
// simulated fault or the client went away.
func (s *Simulator) accept(w http.ResponseWriter, r *http.Request, rl *endpoint, kind, sender, tpl string, phones []string) int64 {
	st := s.settings(rl.name)
	rng := s.rng()
	if !s.delay(r.Context(), st, rng) {
		return 0
	}
	if rng.Float64() < st.FaultRate {
		rl.faulted.Add(int64(len(phones)))
		http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
		return 0
	}
	now := s.nowMs()
	req := &aligoRequest{relay: rl.idx, kind: kind, sender: sender, tpl: tpl, regAt: now,
		finalAt: now + uint32(min(int64(st.ReportDelay)/1e6, 1<<31)), lines: make([]aligoLine, len(phones))}
	base := s.reqSeq.Add(1) << 20
	for i, p := range phones {
		l := aligoLine{phone: p}
		switch key := base | uint64(i); {
		case !validMobile(p):
			l.fate = lineInvalidNumber
		case s.unit(saltRecipient, key) < st.RecipientFailRate:
			l.fate = lineRecipientFailed
		case s.unit(saltReport, key) < st.ReportFailRate:
			l.fate = lineReportFailed
		}
		req.lines[i] = l
	}
	mid := s.aligo.add(req)
	rl.received.Add(int64(len(phones)))
	rl.unique.Add(int64(len(phones)))
	if !answerLate(r.Context(), st) {
		return 0 // taken, but the client no longer waits for the answer
	}
	return mid
}

func aligoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kst).Format(time.DateTime)
}

// dateRange reads Aligo's YYYYMMDD bounds (inclusive days, Korean time).
func dateRange(start, end string, now time.Time) (time.Time, time.Time, bool) {
	day := func(s string, def time.Time) (time.Time, bool) {
		if s == "" {
			return def, true
		}
		t, err := time.ParseInLocation("20060102", s, kst)
		return t, err == nil
	}
	today := time.Date(now.In(kst).Year(), now.In(kst).Month(), now.In(kst).Day(), 0, 0, 0, 0, kst)
	from, ok1 := day(start, today.AddDate(0, 0, -7))
	to, ok2 := day(end, today)
	return from, to.AddDate(0, 0, 1), ok1 && ok2
}

func pageOf(form url.Values, sizeField string, def int) (page, size int) {
	page, _ = strconv.Atoi(form.Get("page"))
	size, _ = strconv.Atoi(form.Get(sizeField))
	if page < 1 {
		page = 1
	}
	if size < 1 {
		size = def
	}
	return page, min(size, 500)
}

func window[T any](items []T, page, size int) []T {
	lo := (page - 1) * size
	if lo >= len(items) {
		return nil
	}
	return items[lo:min(lo+size, len(items))]
}

// --- AlimTalk ---

func (s *Simulator) alimtalkSend(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	rl.requests.Add(1)
	f, ok := s.alimtalkForm(w, r)
	if !ok {
		return
	}
	answer := func(code int, msg string) {
		writeJSON(w, http.StatusOK, map[string]any{"code": code, "message": msg})
	}
	switch {
	case f.Get("senderkey") == "":
		answer(-103, "발신프로필 키가 유효하지 않습니다.")
		return
	case f.Get("tpl_code") == "":
		answer(-104, "템플릿 코드가 없습니다.")
		return
	case f.Get("sender") == "":
		answer(-302, "발신번호가 없습니다.")
		return
	}
	var phones []string
	for i := 1; ; i++ {
		n := strconv.Itoa(i)
		p := f.Get("receiver_" + n)
		if p == "" {
			break
		}
		if i > aligoMaxRecipients {
			answer(-302, "수신자는 최대 500명입니다.")
			return
		}
		if f.Get("message_"+n) == "" {
			answer(-302, "message_"+n+" 이(가) 없습니다.")
			return
		}
		phones = append(phones, p)
	}
	if len(phones) == 0 {
		answer(-302, "수신자가 없습니다.")
		return
	}
	mid := s.accept(w, r, rl, "AT", f.Get("sender"), f.Get("tpl_code"), phones)
	if mid == 0 {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"code": 0, "message": "성공적으로 전송요청 하였습니다.",
		"info": map[string]any{"type": "AT", "mid": mid, "current": "100000", "unit": 6.5,
			"total": 6.5 * float64(len(phones)), "scnt": len(phones), "fcnt": 0},
	})
}

func (s *Simulator) alimtalkList(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, ok := s.alimtalkForm(w, r)
	if !ok {
		return
	}
	from, to, ok := dateRange(f.Get("startdate"), f.Get("enddate"), s.o.Now())
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"code": -302, "message": "날짜 형식 오류"})
		return
	}
	reqs := s.aligo.list(rl.idx, "AT", from, to, s)
	page, size := pageOf(f, "limit", 50)
	list := []map[string]any{}
	for _, q := range window(reqs, page, size) {
		list = append(list, map[string]any{
			"mid": q.mid, "type": "AT", "sender": q.sender, "msg_count": len(q.lines),
			"reserve_date": "", "reserve_state": "", "regdate": aligoDate(s.timeOf(q.regAt)),
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"code": 0, "message": "정상적으로 처리되었습니다.", "list": list,
		"currentPage": page, "totalPage": (len(reqs) + size - 1) / size, "totalCount": len(reqs),
	})
}

var kakaoFates = [...]struct{ rslt, message string }{
	lineDelivered:       {"0", "성공"},
	lineRecipientFailed: {"3019", "톡 유저가 아님"},
	lineReportFailed:    {"3018", "메시지를 전송할 수 없음"},
	lineInvalidNumber:   {"3008", "전화번호 오류"},
}

func (s *Simulator) alimtalkDetail(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, ok := s.alimtalkForm(w, r)
	if !ok {
		return
	}
	mid, _ := strconv.ParseInt(f.Get("mid"), 10, 64)
	q := s.aligo.get(mid, rl.idx)
	if q == nil || q.kind != "AT" {
		writeJSON(w, http.StatusOK, map[string]any{"code": -99, "message": "존재하지 않는 mid 입니다."})
		return
	}
	page, size := pageOf(f, "limit", 50)
	final := s.nowMs() >= q.finalAt
	list := []map[string]any{}
	lo := (page - 1) * size
	for i, l := range window(q.lines, page, size) {
		item := map[string]any{
			"msgid": strconv.FormatInt(q.mid, 10) + "-" + strconv.Itoa(lo+i+1), "type": "AT", "sender": q.sender,
			"phone": l.phone, "status": "대기", "reqdate": aligoDate(s.timeOf(q.regAt)), "sentdate": "",
			"rsltdate": "", "reportdate": "", "rslt": "", "rslt_message": nil, "tpl_code": q.tpl,
		}
		if final {
			fate := kakaoFates[l.fate]
			item["status"], item["rslt"], item["rslt_message"] = "완료", fate.rslt, fate.message
			item["sentdate"] = aligoDate(s.timeOf(q.regAt))
			item["rsltdate"] = aligoDate(s.timeOf(q.finalAt))
			item["reportdate"] = aligoDate(s.timeOf(q.finalAt))
		}
		list = append(list, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"code": 0, "message": "정상적으로 처리되었습니다.", "list": list,
		"currentPage": page, "totalPage": (len(q.lines) + size - 1) / size, "totalCount": len(q.lines),
	})
}

func (s *Simulator) alimtalkHeart(w http.ResponseWriter, r *http.Request, _ *endpoint) {
	if _, ok := s.alimtalkForm(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "정상적으로 처리되었습니다.",
		"list": map[string]any{"SMS": 1000000, "LMS": 300000, "MMS": 100000, "ALT": 1500000}})
}

// --- SMS ---

func (s *Simulator) smsAnswer(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, http.StatusOK, map[string]any{"result_code": strconv.Itoa(code), "message": msg})
}

// smsSendForm counts a send/ or send_mass/ request and validates what the two
// share; it answers and returns false on a problem. t is the msg_type.
func (s *Simulator) smsSendForm(w http.ResponseWriter, r *http.Request, rl *endpoint) (f url.Values, t string, ok bool) {
	rl.requests.Add(1)
	if f, ok = s.smsForm(w, r); !ok {
		return nil, "", false
	}
	if f.Get("sender") == "" {
		s.smsAnswer(w, -102, "발신번호가 없습니다.")
		return nil, "", false
	}
	t = strings.ToUpper(f.Get("msg_type"))
	if t == "" {
		t = "SMS"
	}
	if t != "SMS" && t != "LMS" && t != "MMS" {
		s.smsAnswer(w, -102, "msg_type 오류")
		return nil, "", false
	}
	return f, t, true
}

func smsTooLong(t, msg string) bool {
	limit := relay.LMSMaxBytes
	if t == "SMS" {
		limit = relay.SMSMaxBytes
	}
	return msg == "" || relay.SMSBytes(msg) > limit
}

func (s *Simulator) smsSend(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, t, ok := s.smsSendForm(w, r, rl)
	if !ok {
		return
	}
	if smsTooLong(t, f.Get("msg")) {
		s.smsAnswer(w, -302, "메시지 길이 오류")
		return
	}
	var phones []string
	for _, p := range strings.Split(f.Get("receiver"), ",") {
		if p = strings.TrimSpace(p); p != "" {
			phones = append(phones, strings.ReplaceAll(p, "-", ""))
		}
	}
	if len(phones) == 0 || len(phones) > 1000 {
		s.smsAnswer(w, -102, "수신번호는 1명에서 1,000명까지입니다.")
		return
	}
	s.smsAccepted(w, r, rl, t, f.Get("sender"), phones)
}

func (s *Simulator) smsSendMass(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, t, ok := s.smsSendForm(w, r, rl)
	if !ok {
		return
	}
	cnt, err := strconv.Atoi(f.Get("cnt"))
	if err != nil || cnt < 1 || cnt > aligoMaxRecipients {
		s.smsAnswer(w, -102, "cnt 는 1에서 500 사이여야 합니다.")
		return
	}
	phones := make([]string, cnt)
	for i := 1; i <= cnt; i++ {
		n := strconv.Itoa(i)
		phones[i-1] = strings.ReplaceAll(f.Get("rec_"+n), "-", "")
		if phones[i-1] == "" {
			s.smsAnswer(w, -102, "rec_"+n+" 이(가) 없습니다.")
			return
		}
		if smsTooLong(t, f.Get("msg_"+n)) {
			s.smsAnswer(w, -302, "msg_"+n+" 길이 오류")
			return
		}
	}
	s.smsAccepted(w, r, rl, t, f.Get("sender"), phones)
}

func (s *Simulator) smsAccepted(w http.ResponseWriter, r *http.Request, rl *endpoint, t, sender string, phones []string) {
	mid := s.accept(w, r, rl, t, sender, "", phones)
	if mid == 0 {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"result_code": "1", "message": "success", "msg_id": strconv.FormatInt(mid, 10),
		"success_cnt": len(phones), "error_cnt": 0, "msg_type": t,
	})
}

func (s *Simulator) smsList(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, ok := s.smsForm(w, r)
	if !ok {
		return
	}
	days, _ := strconv.Atoi(f.Get("limit_day"))
	if days < 1 {
		days = 7
	}
	_, to, ok := dateRange(f.Get("start_date"), "", s.o.Now())
	if !ok {
		s.smsAnswer(w, -102, "start_date 형식 오류")
		return
	}
	if sd := f.Get("start_date"); sd != "" {
		to, _, _ = dateRange(sd, sd, s.o.Now())
		to = to.AddDate(0, 0, 1)
	}
	from := to.AddDate(0, 0, -days)
	reqs := s.aligo.list(rl.idx, "SMS LMS", from, to, s)
	page, size := pageOf(f, "page_size", 30)
	list := []map[string]any{}
	for _, q := range window(reqs, page, size) {
		list = append(list, map[string]any{
			"mid": strconv.FormatInt(q.mid, 10), "type": q.kind, "sender": q.sender, "sms_count": strconv.Itoa(len(q.lines)),
			"reserve_state": "", "msg": "", "fail_count": "0", "reg_date": aligoDate(s.timeOf(q.regAt)), "reserve": "",
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"result_code": 1, "message": "success", "list": list, "next_yn": yesNo(page*size < len(reqs))})
}

var smsFates = [...]string{
	lineDelivered:       "발송완료",
	lineRecipientFailed: "결번",
	lineReportFailed:    "발송실패",
	lineInvalidNumber:   "번호오류",
}

func (s *Simulator) smsDetail(w http.ResponseWriter, r *http.Request, rl *endpoint) {
	f, ok := s.smsForm(w, r)
	if !ok {
		return
	}
	mid, _ := strconv.ParseInt(f.Get("mid"), 10, 64)
	q := s.aligo.get(mid, rl.idx)
	if q == nil || q.kind == "AT" {
		s.smsAnswer(w, -99, "존재하지 않는 mid 입니다.")
		return
	}
	page, size := pageOf(f, "page_size", 30)
	final := s.nowMs() >= q.finalAt
	list := []map[string]any{}
	lo := (page - 1) * size
	for i, l := range window(q.lines, page, size) {
		item := map[string]any{
			"mdid": strconv.FormatInt(q.mid*1000+int64(lo+i+1), 10), "type": q.kind, "sender": q.sender,
			"receiver": l.phone, "sms_state": "전송중", "reg_date": aligoDate(s.timeOf(q.regAt)),
			"send_date": "", "reserve_date": "",
		}
		if final {
			item["sms_state"] = smsFates[l.fate]
			item["send_date"] = aligoDate(s.timeOf(q.finalAt))
		}
		list = append(list, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"result_code": 1, "message": "success", "list": list, "next_yn": yesNo(page*size < len(q.lines))})
}

func (s *Simulator) smsRemain(w http.ResponseWriter, r *http.Request, _ *endpoint) {
	if _, ok := s.smsForm(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result_code": 1, "message": "success", "SMS_CNT": 1000000, "LMS_CNT": 300000, "MMS_CNT": 100000})
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}
