package notify

import (
	"slices"
	"testing"
	"time"
)

// Every notice has a known kind and severity, a key, a console link, the ids it
// is about, and text in both languages.
func TestEveryNoticeIsComplete(t *testing.T) {
	seoul := time.FixedZone("Asia/Seoul", 9*3600)
	tier := Tier{EventID: 1, TierID: 2, EventName: "봄 출석", TierName: "쿠키"}
	notices := map[string]Notice{
		"completed":       CampaignFinished(Campaign{ID: 1, Name: "세일", Run: 1, Status: "completed", Total: 3, Delivered: 3}),
		"completed, lost": CampaignFinished(Campaign{ID: 1, Name: "세일", Run: 2, Status: "completed", Total: 3, Unknown: 1}),
		"failed":          CampaignFinished(Campaign{ID: 1, Name: "세일", Run: 1, Status: "failed"}),
		"cancelled":       CampaignFinished(Campaign{ID: 1, Name: "세일", Run: 1, Status: "cancelled"}),
		"reminder":        CampaignFinished(Campaign{ID: 1, Name: "출석", Run: 1, Status: "completed", Reminder: true, EventID: 4}),
		"quiet hours":     QuietHours(1, "세일", time.Date(2026, 3, 15, 8, 0, 0, 0, seoul)),
		"import":          ImportDone(Import{ID: 1, Filename: "a.csv"}),
		"import failed":   ImportFailure(Import{ID: 1, Filename: "a.csv", Reason: "group 3 not found"}),
		"low stock":       LowStock(tier, 9, 1, 2),
		"restocked":       Restocked(tier, 5, 10, 10, 3),
		"circuit open":    Circuit(1, "sim", true, 1),
		"circuit closed":  Circuit(1, "sim", false, 2),
	}
	keys := map[string]string{}
	for name, n := range notices {
		if !slices.Contains(Kinds, n.Kind) || !slices.Contains(Severities, n.Severity) {
			t.Errorf("%s: kind %q severity %q", name, n.Kind, n.Severity)
		}
		if n.Key == "" || n.Link == "" || len(n.Subject) == 0 {
			t.Errorf("%s: key %q link %q subject %v", name, n.Key, n.Link, n.Subject)
		}
		for lang, text := range map[string]Text{"ko": n.In("ko"), "en": n.In("en")} {
			if text.Title == "" || text.Body == "" {
				t.Errorf("%s: %s text %+v", name, lang, text)
			}
		}
		if other, dup := keys[n.Key]; dup {
			t.Errorf("%s and %s share the key %s", name, other, n.Key)
		}
		keys[n.Key] = name
	}
	if n := notices["reminder"]; n.Kind != ReminderSent || n.Subject["event_id"] != 4 {
		t.Errorf("reminder %+v", n)
	}
	if n := notices["completed, lost"]; n.Severity != "warning" {
		t.Errorf("a completed campaign with messages not delivered is a warning, got %s", n.Severity)
	}
}
