package relay

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/korean"
)

func TestSMSBytes(t *testing.T) {
	cases := []struct {
		in   string
		want int
	}{
		{"", 0},
		{"hello", 5},
		{"안녕", 4},
		{"안녕 hi", 7},
		{"[샵] 쿠폰 도착!\n", 16},
		{"漢字", 4},   // hanja: two bytes in EUC-KR
		{"★♥", 4},   // symbols in KS X 1001
		{"똠방각하", 8}, // Hangul outside KS X 1001's 2,350, two bytes in CP949
		{"🎁", 2},    // outside CP949: counted as two
		{"é", 2},    // outside CP949
	}
	for _, c := range cases {
		if got := SMSBytes(c.in); got != c.want {
			t.Errorf("SMSBytes(%q) = %d, want %d", c.in, got, c.want)
		}
	}
}

// TestSMSBytesAgreesWithCP949 checks the rule "ASCII 1, the rest 2" against a real
// EUC-KR/CP949 encoder for every character CP949 can encode in a sample.
func TestSMSBytesAgreesWithCP949(t *testing.T) {
	enc := korean.EUCKR.NewEncoder()
	sample := "가각간갇갈힣ㄱㅏ漢字★♥※○●◎◇◆□■△▲▽▼→←↑↓↔〓≪≫" + "abcXYZ019 ~!@#$%^&*()_+-=[]{}|;':\",./<>?\n\t"
	for _, r := range sample {
		b, err := enc.Bytes([]byte(string(r)))
		if err != nil {
			t.Fatalf("%q: %v", r, err)
		}
		if got := SMSBytes(string(r)); got != len(b) {
			t.Errorf("SMSBytes(%q) = %d, CP949 says %d", r, got, len(b))
		}
	}
}

func TestTruncateBytes(t *testing.T) {
	if got := truncateBytes("가나다라", 5); got != "가나" {
		t.Errorf("got %q", got)
	}
	if got := truncateBytes("ab가", 3); got != "ab" {
		t.Errorf("got %q", got)
	}
	if got := truncateBytes("abc", 40); got != "abc" {
		t.Errorf("got %q", got)
	}
}

func TestFallbackFor(t *testing.T) {
	short := "[샵] 주문이 접수되었습니다."     // well under 90 bytes
	long := strings.Repeat("가", 46) // 92 bytes
	alim := func(fb *Fallback) Message {
		return Message{ID: 7, To: "+821012345678", Name: "김", Channel: ChannelAlimTalk, Subject: "주문 안내", Body: "알림톡 본문", TemplateCode: "T", Fallback: fb}
	}
	failed := Result{MessageID: 7, Outcome: RecipientFailed, Code: CodeNotKakaoUser}
	cases := []struct {
		name    string
		m       Message
		r       Result
		ok      bool
		channel Channel
		subject string
	}{
		{"short text → SMS", alim(&Fallback{Body: short}), failed, true, ChannelSMS, ""},
		{"long text → LMS", alim(&Fallback{Body: long, Subject: "주문"}), failed, true, ChannelLMS, "주문"},
		{"LMS title from the AlimTalk", alim(&Fallback{Body: long}), failed, true, ChannelLMS, "주문 안내"},
		{"SMS asked, too long → LMS", alim(&Fallback{Channel: ChannelSMS, Body: long}), failed, true, ChannelLMS, "주문 안내"},
		{"LMS asked stays LMS", alim(&Fallback{Channel: ChannelLMS, Body: short}), failed, true, ChannelLMS, "주문 안내"},
		{"long title is cut", alim(&Fallback{Body: long, Subject: strings.Repeat("제목", 15)}), failed, true, ChannelLMS, strings.Repeat("제목", 10)},
		{"no fallback text", alim(nil), failed, false, "", ""},
		{"empty fallback text", alim(&Fallback{}), failed, false, "", ""},
		{"accepted", alim(&Fallback{Body: short}), Result{Outcome: Accepted}, false, "", ""},
		{"relay fault is not a fallback case", alim(&Fallback{Body: short}), Result{Outcome: RelayFault}, false, "", ""},
		{"opted out covers SMS", alim(&Fallback{Body: short}), Result{Outcome: RecipientFailed, Code: CodeOptedOut}, false, "", ""},
		{"invalid number", alim(&Fallback{Body: short}), Result{Outcome: RecipientFailed, Code: CodeInvalidNumber}, false, "", ""},
		{"beyond LMS", alim(&Fallback{Body: strings.Repeat("가", 1001)}), failed, false, "", ""},
		{"not an AlimTalk", Message{ID: 7, Channel: ChannelSMS, Fallback: &Fallback{Body: short}}, failed, false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fb, ok := FallbackFor(c.m, c.r)
			if ok != c.ok {
				t.Fatalf("ok = %v", ok)
			}
			if !ok {
				return
			}
			if fb.Channel != c.channel || fb.Subject != c.subject || fb.ID != 7 || fb.To != c.m.To ||
				fb.Body != c.m.Fallback.Body || fb.Fallback != nil || len(fb.Buttons) != 0 || fb.TemplateCode != "" {
				t.Errorf("fallback %+v", fb)
			}
			if fb.Key != "7-"+string(c.channel) {
				t.Errorf("key %q", fb.Key)
			}
		})
	}
}

// A relay message id tells the run that sent it, whatever the relay appends
// to it for a fallback, and the message it is about.
func TestKeyRunReadsTheRunARelayMessageIDWasSentIn(t *testing.T) {
	for key, want := range map[string]int{
		"42": 1, "42-sms": 1, "42-lms": 1, RetryKey(42, 2): 2, RetryKey(42, 13) + "-sms": 13, "42-r3-lms": 3,
		"42-r": 1, "42-r0": 1, "42-rcs": 1, "invitation-5": 1, "": 1,
	} {
		if got := KeyRun(key); got != want {
			t.Errorf("KeyRun(%q) = %d, want %d", key, got, want)
		}
	}
	if id := messageIDFromKey(RetryKey(42, 2) + "-sms"); id != 42 {
		t.Errorf("the message of %q is %d, want 42", RetryKey(42, 2)+"-sms", id)
	}
}
