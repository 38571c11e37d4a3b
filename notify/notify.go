// Package notify says what operators are told: the kinds of notification, their
// severity, the console link of their subject, their idempotency key and their
// text in Korean and English. It is pure; the store writes a Notice in the
// account's language and the activities (and the stock transaction) decide when.
package notify

import (
	"fmt"
	"strings"
	"time"
)

// Kinds of notification (API.md's vocabulary).
const (
	CampaignCompleted  = "campaign.completed"
	CampaignFailed     = "campaign.failed"
	CampaignCancelled  = "campaign.cancelled"
	CampaignQuietHours = "campaign.quiet_hours"
	ImportCompleted    = "import.completed"
	ImportFailed       = "import.failed"
	StockLow           = "stock.low"
	StockRestocked     = "stock.restocked"
	RelayCircuitOpened = "relay.circuit_opened"
	RelayCircuitClosed = "relay.circuit_closed"
	ReminderSent       = "reminder.sent"
)

// Severities.
const (
	severityInfo    = "info"
	severityWarning = "warning"
	severityError   = "error"
)

const maxReasonCharacters = 300

// Kinds lists every kind, for validation and documentation.
var Kinds = []string{CampaignCompleted, CampaignFailed, CampaignCancelled, CampaignQuietHours, ImportCompleted,
	ImportFailed, StockLow, StockRestocked, RelayCircuitOpened, RelayCircuitClosed, ReminderSent}

// Severities of a notification.
var Severities = []string{severityInfo, severityWarning, severityError}

// Languages notifications are written in; the first is the default.
var Languages = []string{"ko", "en"}

// Text is a notification's title and body in one language.
type Text struct {
	Title string
	Body  string
}

// Notice is a notification before it is stored.
type Notice struct {
	Kind     string
	Severity string
	// Link is the subject's page in the console, e.g. /campaigns/42.
	Link string
	// Subject names the ids the notification is about (campaign_id, relay_id, ...).
	Subject map[string]int64
	// Key is unique per account: a second Notice with the same key is not stored.
	Key string
	Ko  Text
	En  Text
}

// In answers the text in lang (Korean unless lang is en).
func (n Notice) In(lang string) Text {
	if lang == "en" {
		return n.En
	}
	return n.Ko
}

// Campaign is what a campaign notice says about the campaign.
type Campaign struct {
	ID   int64
	Name string
	Run  int
	// Status is completed, failed or cancelled.
	Status                            string
	Total, Delivered, Failed, Unknown int64
	// Reminder marks the daily reminder of an attendance event.
	Reminder bool
	EventID  int64
}

// CampaignFinished tells that a campaign run ended. A reminder that completed is
// reminder.sent. The key is per run: retry-failed starts a new run, and its end
// is news again.
func CampaignFinished(c Campaign) Notice {
	n := Notice{Link: fmt.Sprintf("/campaigns/%d", c.ID), Subject: map[string]int64{"campaign_id": c.ID}}
	if c.Reminder && c.EventID > 0 {
		n.Subject["event_id"] = c.EventID
	}
	countsKo := fmt.Sprintf("%d건 중 %d건 전달, %d건 실패, %d건 확인 불가.", c.Total, c.Delivered, c.Failed, c.Unknown)
	countsEn := fmt.Sprintf("%d of %d delivered, %d failed, %d unknown.", c.Delivered, c.Total, c.Failed, c.Unknown)
	switch {
	case c.Status == "completed" && c.Reminder:
		n.Kind, n.Severity = ReminderSent, severityInfo
		n.Ko = Text{Title: "출석 리마인더 발송 완료: " + c.Name, Body: countsKo}
		n.En = Text{Title: "Attendance reminder sent: " + c.Name, Body: countsEn}
	case c.Status == "completed":
		n.Kind, n.Severity = CampaignCompleted, severityInfo
		n.Ko = Text{Title: "캠페인 발송 완료: " + c.Name, Body: countsKo}
		n.En = Text{Title: "Campaign sent: " + c.Name, Body: countsEn}
		if c.Failed+c.Unknown > 0 {
			n.Severity = severityWarning
		}
	case c.Status == "cancelled":
		n.Kind, n.Severity = CampaignCancelled, severityWarning
		n.Ko = Text{Title: "캠페인 취소됨: " + c.Name, Body: "발송이 취소되었습니다. " + countsKo}
		n.En = Text{Title: "Campaign cancelled: " + c.Name, Body: "The send was cancelled. " + countsEn}
	default:
		n.Kind, n.Severity = CampaignFailed, severityError
		n.Ko = Text{Title: "캠페인 발송 실패: " + c.Name, Body: "발송을 계속할 수 없어 중단했습니다. " + countsKo}
		n.En = Text{Title: "Campaign failed: " + c.Name, Body: "The send could not go on and stopped. " + countsEn}
	}
	n.Key = fmt.Sprintf("%s:%d:%d", n.Kind, c.ID, c.Run)
	return n
}

// QuietHours tells that an advertisement waits for quiet hours to end, at resume
// (shown in resume's location). One per campaign and night.
func QuietHours(campaignID int64, name string, resume time.Time) Notice {
	at := resume.Format("2006-01-02 15:04") + " (" + resume.Location().String() + ")"
	return Notice{
		Kind: CampaignQuietHours, Severity: severityInfo,
		Link: fmt.Sprintf("/campaigns/%d", campaignID), Subject: map[string]int64{"campaign_id": campaignID},
		Key: fmt.Sprintf("%s:%d:%d", CampaignQuietHours, campaignID, resume.Unix()),
		Ko: Text{Title: "야간 광고 전송 제한으로 대기 중: " + name,
			Body: "광고는 21:00부터 08:00까지 보낼 수 없어 " + at + "에 이어서 보냅니다."},
		En: Text{Title: "Waiting for quiet hours to end: " + name,
			Body: "Advertisements are not sent from 21:00 to 08:00; the send goes on at " + at + "."},
	}
}

// Import is what an import notice says about the import.
type Import struct {
	ID                        int64
	Filename                  string
	Created, Updated, Skipped int64
	Reason                    string // why it failed
}

// ImportDone tells that an import committed.
func ImportDone(im Import) Notice {
	return Notice{
		Kind: ImportCompleted, Severity: severityInfo,
		Link: fmt.Sprintf("/imports/%d", im.ID), Subject: map[string]int64{"import_id": im.ID},
		Key: fmt.Sprintf("%s:%d", ImportCompleted, im.ID),
		Ko: Text{Title: "고객 가져오기 완료: " + im.Filename,
			Body: fmt.Sprintf("%d명 추가, %d명 갱신, %d행 제외.", im.Created, im.Updated, im.Skipped)},
		En: Text{Title: "Import completed: " + im.Filename,
			Body: fmt.Sprintf("%d customers added, %d updated, %d rows left out.", im.Created, im.Updated, im.Skipped)},
	}
}

// ImportFailure tells that an import's commit failed, and why.
func ImportFailure(im Import) Notice {
	reason := shorten(im.Reason, maxReasonCharacters)
	return Notice{
		Kind: ImportFailed, Severity: severityError,
		Link: fmt.Sprintf("/imports/%d", im.ID), Subject: map[string]int64{"import_id": im.ID},
		Key: fmt.Sprintf("%s:%d", ImportFailed, im.ID),
		Ko:  Text{Title: "고객 가져오기 실패: " + im.Filename, Body: "사유: " + reason},
		En:  Text{Title: "Import failed: " + im.Filename, Body: "Reason: " + reason},
	}
}

// Tier is what a stock notice says about a reward tier.
type Tier struct {
	EventID   int64
	TierID    int64
	EventName string
	TierName  string
}

func (t Tier) subject() map[string]int64 {
	return map[string]int64{"event_id": t.EventID, "tier_id": t.TierID}
}

// LowStock tells that a low-stock alert was raised (alertID, once per alert).
func LowStock(t Tier, alertID, stock, threshold int64) Notice {
	s := t.subject()
	s["alert_id"] = alertID
	return Notice{
		Kind: StockLow, Severity: severityWarning,
		Link: fmt.Sprintf("/events/%d", t.EventID), Subject: s,
		Key: fmt.Sprintf("%s:%d", StockLow, alertID),
		Ko: Text{Title: fmt.Sprintf("재고 부족: %s — %s", t.EventName, t.TierName),
			Body: fmt.Sprintf("남은 재고 %d개 (알림 기준 %d개). 재고를 추가하면 대기 중인 고객부터 지급합니다.", stock, threshold)},
		En: Text{Title: fmt.Sprintf("Low stock: %s — %s", t.EventName, t.TierName),
			Body: fmt.Sprintf("%d left (alert threshold %d). New stock serves the wait list first.", stock, threshold)},
	}
}

// Restocked tells that a tier's stock rose (adjustmentID, once per adjustment)
// and how many waiting customers it served.
func Restocked(t Tier, adjustmentID, added, stockAfter, served int64) Notice {
	s := t.subject()
	s["adjustment_id"] = adjustmentID
	ko := fmt.Sprintf("%d개 입고, 남은 재고 %d개.", added, stockAfter)
	en := fmt.Sprintf("%d added; %d in stock.", added, stockAfter)
	if served > 0 {
		ko += fmt.Sprintf(" 대기 고객 %d명에게 지급했습니다.", served)
		en += fmt.Sprintf(" %d waiting customers received the reward.", served)
	}
	return Notice{
		Kind: StockRestocked, Severity: severityInfo,
		Link: fmt.Sprintf("/events/%d", t.EventID), Subject: s,
		Key: fmt.Sprintf("%s:%d", StockRestocked, adjustmentID),
		Ko:  Text{Title: fmt.Sprintf("재고 입고: %s — %s", t.EventName, t.TierName), Body: ko},
		En:  Text{Title: fmt.Sprintf("Restocked: %s — %s", t.EventName, t.TierName), Body: en},
	}
}

// Circuit tells that the workers' shared circuit of a relay opened or closed;
// change is the circuit's transition count, so each transition is told once.
func Circuit(relayID int64, name string, open bool, change int64) Notice {
	n := Notice{Link: fmt.Sprintf("/relays/%d", relayID), Subject: map[string]int64{"relay_id": relayID}}
	if open {
		n.Kind, n.Severity = RelayCircuitOpened, severityError
		n.Ko = Text{Title: "릴레이 차단: " + name,
			Body: "연이은 장애로 회로를 열었습니다. 다른 릴레이로 우회하고, 잠시 후 다시 시도해 회복을 확인합니다."}
		n.En = Text{Title: "Relay circuit opened: " + name,
			Body: "Repeated faults opened its circuit. Messages fail over to other relays; it is probed again shortly."}
	} else {
		n.Kind, n.Severity = RelayCircuitClosed, severityInfo
		n.Ko = Text{Title: "릴레이 회복: " + name, Body: "시험 발송이 성공해 회로를 다시 닫았습니다."}
		n.En = Text{Title: "Relay circuit closed: " + name, Body: "A probe succeeded; the relay takes messages again."}
	}
	n.Key = fmt.Sprintf("%s:%d:%d", n.Kind, relayID, change)
	return n
}

// shorten keeps the first n characters of s on one line.
func shorten(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
