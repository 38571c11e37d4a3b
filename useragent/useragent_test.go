package useragent

import (
	"fmt"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		ua   string
		want Agent
	}{
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.8.5",
			Agent{Device: "mobile", OS: "iOS", Browser: "KakaoTalk"}},
		{"Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
			Agent{Device: "mobile", OS: "Android", Browser: "Samsung Internet"}},
		{"Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
			Agent{Device: "tablet", OS: "Android", Browser: "Chrome"}},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
			Agent{Device: "desktop", OS: "Windows", Browser: "Edge"}},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
			Agent{Device: "desktop", OS: "macOS", Browser: "Safari"}},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 NAVER(inapp; search; 2000; 12.6.5)",
			Agent{Device: "mobile", OS: "iOS", Browser: "NAVER"}},
		{"Mozilla/5.0 (compatible; kakaotalk-scrap/1.0; +https://devtalk.kakao.com/)", Agent{Device: "bot", Bot: true}},
		{"facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", Agent{Device: "bot", Bot: true}},
		{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", Agent{Device: "bot", Bot: true}},
		{"Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", Agent{Device: "bot", Bot: true}},
		{"Mozilla/5.0 (compatible; Yeti/1.1; +https://naver.me/spd)", Agent{Device: "bot", Bot: true}},
		{"TelegramBot (like TwitterBot)", Agent{Device: "bot", Bot: true}},
		{"", Agent{Device: "unknown"}},
	}
	for _, c := range cases {
		if got := Parse(c.ua); got != c.want {
			t.Errorf("Parse(%q) = %+v, want %+v", c.ua, got, c.want)
		}
	}
}

// The cache answers what Parse does, and stays within its bounds whatever
// agents it is shown.
func TestCacheAnswersParseWithinBounds(t *testing.T) {
	c := NewCache(8, 64)
	uas := []string{"Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", // longer than 64: not kept
		"TelegramBot (like TwitterBot)", "", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"}
	for i := 0; i < 100; i++ {
		uas = append(uas, fmt.Sprintf("Mozilla/5.0 (Windows NT 10.0) Chrome/%d.0", i))
	}
	for round := 0; round < 2; round++ {
		for _, ua := range uas {
			if got, want := c.Parse(ua), Parse(ua); got != want {
				t.Fatalf("cached Parse(%q) = %+v, want %+v", ua, got, want)
			}
		}
	}
	if c.m.Len() > 8 {
		t.Fatalf("the cache holds %d agents, more than its 8", c.m.Len())
	}
	if _, ok := c.m.Get(uas[0]); ok {
		t.Fatalf("the cache kept a %d-byte agent, past its 64", len(uas[0]))
	}
}
