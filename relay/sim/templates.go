package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// The AlimTalk templates every simulated Aligo sender profile has, one per
// inspection (검수) status, so that template sync and the refusal of templates
// Kakao has not approved can be exercised without a Kakao channel.
var simTemplates = []map[string]any{
	{
		"templtCode": "SIM_ORDER", "templtName": "주문 접수", "inspStatus": "APR", "status": "R",
		"templtContent": "#{이름}님, 주문 #{order_no}이(가) 접수되었습니다.",
		"buttons": []map[string]any{{"ordering": "1", "name": "주문 보기", "linkType": "WL", "linkTypeName": "웹링크",
			"linkMo": "https://shop.example/o/#{order_no}", "linkPc": ""}},
	},
	{
		"templtCode": "SIM_SHIPPED", "templtName": "발송 안내", "inspStatus": "REQ", "status": "R",
		"templtContent": "#{이름}님, 주문하신 상품이 발송되었습니다.", "buttons": []map[string]any{},
	},
	{
		"templtCode": "SIM_EVENT", "templtName": "이벤트 당첨", "inspStatus": "REJ", "status": "R",
		"templtContent": "#{이름}님, 이벤트에 당첨되셨습니다!", "buttons": []map[string]any{},
	},
	{
		"templtCode": "SIM_DRAFT", "templtName": "작성 중", "inspStatus": "REG", "status": "R",
		"templtContent": "#{이름}님, 안내드립니다.", "buttons": []map[string]any{},
	},
}

// simToken is the token the simulator issues to an Aligo user: fixed per
// (key, user), so that it needs no state and a wrong user's token is refused.
func simToken(key, user string) string {
	sum := sha256.Sum256([]byte("sim-token\x00" + key + "\x00" + user))
	return hex.EncodeToString(sum[:16])
}

// alimtalkToken answers POST /akv10/token/create/{time}/{unit}/.
func (s *Simulator) alimtalkToken(w http.ResponseWriter, r *http.Request, _ *endpoint) {
	f, ok := s.alimtalkForm(w, r)
	if !ok {
		return
	}
	tok := simToken(f.Get("apikey"), f.Get("userid"))
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "정상적으로 생성하였습니다.", "token": tok, "urlencode": tok})
}

// alimtalkTemplates answers POST /akv10/template/list/: the sender profile's
// templates (simTemplates), or one of them with tpl_code.
func (s *Simulator) alimtalkTemplates(w http.ResponseWriter, r *http.Request, _ *endpoint) {
	f, ok := parseForm(w, r)
	if !ok {
		return
	}
	switch {
	case !s.aligoAuthorized(f.Get("apikey"), f.Get("userid")):
		writeJSON(w, http.StatusOK, map[string]any{"code": -101, "message": "인증오류입니다."})
		return
	case f.Get("token") != simToken(f.Get("apikey"), f.Get("userid")):
		writeJSON(w, http.StatusOK, map[string]any{"code": -101, "message": "토큰이 유효하지 않습니다."})
		return
	case f.Get("senderkey") == "":
		writeJSON(w, http.StatusOK, map[string]any{"code": -103, "message": "발신프로필 키가 유효하지 않습니다."})
		return
	}
	list := []map[string]any{}
	info := map[string]int{"REG": 0, "REQ": 0, "APR": 0, "REJ": 0}
	for _, t := range simTemplates {
		if code := f.Get("tpl_code"); code != "" && code != t["templtCode"] {
			continue
		}
		item := map[string]any{"senderKey": f.Get("senderkey"), "cdate": "2025-01-02 10:00:00", "udate": "2025-01-03 10:00:00",
			"comments": []any{}, "templateType": "BA", "templateEmType": "NONE"}
		for k, v := range t {
			item[k] = v
		}
		info[t["inspStatus"].(string)]++
		list = append(list, item)
	}
	writeJSON(w, http.StatusOK, map[string]any{"code": 0, "message": "성공적으로 조회하였습니다.", "list": list, "info": info})
}
