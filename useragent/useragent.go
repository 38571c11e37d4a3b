// Package useragent reads what a tracking-link click came from: device, OS,
// browser, and whether it was a link-preview fetcher or crawler rather than a
// person. It recognises what Korean customers use (KakaoTalk's in-app browser,
// Samsung Internet, the NAVER app) besides the usual browsers.
package useragent

import (
	"strings"

	"github.com/sendingo/sendingo/memo"
)

// Agent is what a User-Agent header says.
type Agent struct {
	Device  string // mobile, tablet, desktop, bot or unknown
	OS      string // iOS, Android, Windows, macOS, Linux, ChromeOS or ""
	Browser string // KakaoTalk, NAVER, Samsung Internet, Edge, Chrome, Firefox, Safari, ... or ""
	Bot     bool   // a link-preview fetcher, crawler or monitor: recorded, not counted
}

// botMarks are substrings (lower case) of the User-Agents of link-preview
// fetchers and crawlers. KakaoTalk fetches every link a chat shows
// ("kakaotalk-scrap"); messengers and social sites do the same.
var botMarks = []string{
	"kakaotalk-scrap", "kakaostory-og-reader", "facebookexternalhit", "facebot", "twitterbot", "slackbot",
	"slack-imgproxy", "discordbot", "telegrambot", "whatsapp", "linkedinbot", "skypeuripreview",
	"line-poker", "yeti/", "daumoa", "googlebot", "bingbot", "applebot", "duckduckbot", "baiduspider",
	"yandex", "petalbot", "headlesschrome", "bot/", "bot;", "crawler", "spider", "preview", "scrap",
	"monitor", "pingdom", "uptime",
}

// Parse reads a User-Agent header.
func Parse(ua string) Agent {
	l := strings.ToLower(ua)
	var a Agent
	for _, m := range botMarks {
		if strings.Contains(l, m) {
			a.Bot = true
			break
		}
	}
	// A trailing "bot" word (e.g. "SomeBot 1.0") is a bot too.
	if !a.Bot {
		for _, f := range strings.FieldsFunc(l, func(r rune) bool { return r == ' ' || r == '/' || r == ';' || r == '(' || r == ')' }) {
			if strings.HasSuffix(f, "bot") && len(f) > 3 {
				a.Bot = true
				break
			}
		}
	}

	switch {
	case strings.Contains(l, "iphone") || strings.Contains(l, "ipod"):
		a.OS, a.Device = "iOS", "mobile"
	case strings.Contains(l, "ipad"):
		a.OS, a.Device = "iOS", "tablet"
	case strings.Contains(l, "android"):
		a.OS, a.Device = "Android", "mobile"
		if !strings.Contains(l, "mobile") {
			a.Device = "tablet"
		}
	case strings.Contains(l, "windows"):
		a.OS, a.Device = "Windows", "desktop"
	case strings.Contains(l, "cros"):
		a.OS, a.Device = "ChromeOS", "desktop"
	case strings.Contains(l, "macintosh") || strings.Contains(l, "mac os x"):
		a.OS, a.Device = "macOS", "desktop"
	case strings.Contains(l, "linux"):
		a.OS, a.Device = "Linux", "desktop"
	default:
		a.Device = "unknown"
	}

	switch {
	case strings.Contains(l, "kakaotalk"):
		a.Browser = "KakaoTalk"
	case strings.Contains(l, "naver(inapp") || strings.Contains(l, "naver/"):
		a.Browser = "NAVER"
	case strings.Contains(l, "samsungbrowser"):
		a.Browser = "Samsung Internet"
	case strings.Contains(l, "whale/"):
		a.Browser = "Whale"
	case strings.Contains(l, "edg/") || strings.Contains(l, "edge/"):
		a.Browser = "Edge"
	case strings.Contains(l, "opr/") || strings.Contains(l, "opera"):
		a.Browser = "Opera"
	case strings.Contains(l, "firefox/") || strings.Contains(l, "fxios/"):
		a.Browser = "Firefox"
	case strings.Contains(l, "chrome/") || strings.Contains(l, "crios/"):
		a.Browser = "Chrome"
	case strings.Contains(l, "safari/"):
		a.Browser = "Safari"
	}
	if a.Bot {
		a.Device, a.OS, a.Browser = "bot", "", ""
	}
	return a
}

// Cache remembers what recent User-Agents parsed to: clicks come from a few
// thousand distinct agents, and Parse lower-cases and scans each one. It
// holds at most max agents of at most maxLen bytes (longer ones are parsed
// every time), so whatever a public route is sent, it stays bounded. Safe for
// concurrent use.
type Cache struct {
	m *memo.Bounded[Agent]
}

// NewCache remembers up to max agents of up to maxLen bytes.
func NewCache(max, maxLen int) *Cache {
	return &Cache{m: memo.New[Agent](max, maxLen)}
}

// Parse is Parse(ua), remembered.
func (c *Cache) Parse(ua string) Agent {
	if a, ok := c.m.Get(ua); ok {
		return a
	}
	a := Parse(ua)
	c.m.Put(ua, a)
	return a
}
