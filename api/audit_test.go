package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/workflows"
)

type auditOut struct {
	ID    int64  `json:"id"`
	At    string `json:"at"`
	Actor struct {
		Kind string `json:"kind"`
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
	Action  string `json:"action"`
	Subject struct {
		Type string `json:"type"`
		ID   int64  `json:"id"`
	} `json:"subject"`
	Before map[string]any `json:"before"`
	After  map[string]any `json:"after"`
}

type auditPage struct {
	Items      []auditOut `json:"items"`
	Total      int64      `json:"total"`
	NextCursor *string    `json:"next_cursor"`
}

// auditLog reads the whole audit log (filtered by query) page by page.
func auditLog(t *testing.T, c *apitest.Client, query string) ([]auditOut, string) {
	t.Helper()
	var all []auditOut
	var raw strings.Builder
	cursor := ""
	for {
		path := "/api/v1/audit?size=50&" + query
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		resp := c.Do("GET", path, nil).Expect(200)
		raw.Write(resp.Body)
		var p auditPage
		resp.JSON(&p)
		all = append(all, p.Items...)
		if p.NextCursor == nil {
			if int64(len(all)) != p.Total {
				t.Fatalf("walked %d entries of %d", len(all), p.Total)
			}
			return all, raw.String()
		}
		cursor = *p.NextCursor
	}
}

// find answers the newest entry of the action on the subject.
func find(t *testing.T, log []auditOut, action, subject string, id int64) auditOut {
	t.Helper()
	for _, e := range log {
		if e.Action == action && e.Subject.Type == subject && e.Subject.ID == id {
			return e
		}
	}
	t.Fatalf("no %s of %s %d in the audit log", action, subject, id)
	return auditOut{}
}

func expectActor(t *testing.T, e auditOut, kind string, id int64, name string) {
	t.Helper()
	if e.Actor.Kind != kind || e.Actor.ID != id || (name != "" && e.Actor.Name != name) {
		t.Errorf("%s of %s %d was by %+v, want %s %d %q", e.Action, e.Subject.Type, e.Subject.ID, e.Actor, kind, id, name)
	}
}

// The audit log records who did what to which subject — a user by id, an
// API key by id — with the subject before and after where it matters and
// never a secret; it pages by cursor and filters by actor, subject and
// action; and a change that fails leaves no entry (the entry is written in
// the change's own transaction).
func TestAuditLogRecordsWhoDidWhat(t *testing.T) {
	h := newHarness(t)
	f := newRoleFixture(t, h)
	var me struct {
		User memberOut `json:"user"`
	}
	f.owner.Do("GET", "/api/v1/me", nil).Expect(200).JSON(&me)
	ownerID := me.User.ID
	inv := invite(t, f.owner, "admin")
	accepted := accept(t, h.c, inv)
	admin := h.c.As(accepted.Token)
	key, keyID := createKey(t, f.owner, "sender")

	// Relays: secrets go in, never into the log.
	var rel relayOut
	f.owner.Do("POST", "/api/v1/relays", map[string]any{"name": "감사 relay", "kind": "simulator", "channel": "sms",
		"config": map[string]any{"base_url": f.simBase, "name": "audit", "token": "SIM-s3cr3t-token"}}).Expect(201).JSON(&rel)
	admin.Do("PATCH", fmt.Sprintf("/api/v1/relays/%d", rel.ID), map[string]any{"weight": 7,
		"config": map[string]any{"base_url": f.simBase, "name": "audit", "token": "NEW-s3cr3t-token"}}).Expect(200)
	before := h.countWhere(t, `SELECT COUNT(*) FROM audit_log`)
	var relayName string
	if err := h.db.Get(&relayName, `SELECT name FROM relays WHERE id = ?`, f.relay); err != nil {
		t.Fatal(err)
	}
	admin.Do("PATCH", fmt.Sprintf("/api/v1/relays/%d", rel.ID), map[string]any{"name": relayName}).Expect(409)
	if after := h.countWhere(t, `SELECT COUNT(*) FROM audit_log`); after != before {
		t.Fatalf("a refused relay change left %d audit entries", after-before)
	}
	admin.Do("DELETE", fmt.Sprintf("/api/v1/relays/%d", rel.ID), nil).Expect(204)

	// Templates, by the key.
	var tpl templateOut
	key.Do("POST", "/api/v1/templates", map[string]any{"name": "키 템플릿", "channel": "sms", "body": "안녕"}).Expect(201).JSON(&tpl)
	key.Do("PATCH", fmt.Sprintf("/api/v1/templates/%d", tpl.ID), map[string]any{"name": "키 템플릿 2"}).Expect(200)
	key.Do("DELETE", fmt.Sprintf("/api/v1/templates/%d", tpl.ID), nil).Expect(204)

	// Campaigns: send and cancel by the key, pause by the admin, retry by the owner.
	sent := f.newDraft(f.template, nil)
	key.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", sent), nil).Expect(202)
	scheduled := f.newDraft(f.template, map[string]any{"scheduled_at": time.Now().Add(time.Hour).Format(time.RFC3339)})
	key.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/send", scheduled), nil).Expect(202)
	key.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", scheduled), nil).Expect(202)
	running := f.running()
	admin.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/pause", running), nil).Expect(202)
	f.finished(f.failing)
	f.owner.Do("POST", fmt.Sprintf("/api/v1/campaigns/%d/retry-failed", f.failing), nil).Expect(202)

	// Stock, by the key: the adjustment itself names the key too.
	var adj struct {
		Adjustment struct {
			ActorKind  string `json:"actor_kind"`
			ActorKeyID int64  `json:"actor_key_id"`
			ActorName  string `json:"actor_name"`
		} `json:"adjustment"`
	}
	key.Do("POST", fmt.Sprintf("/api/v1/events/%d/tiers/%d/stock", f.event, f.tier), map[string]any{"delta": -3, "reason": "파손"}).
		Expect(201).JSON(&adj)
	if a := adj.Adjustment; a.ActorKind != "api_key" || a.ActorKeyID != keyID || a.ActorName != "sender key" {
		t.Fatalf("stock adjustment by %+v", a)
	}

	// Members, keys, passwords, sessions, settings.
	member, m := h.member(t, admin, "viewer")
	admin.Do("PATCH", fmt.Sprintf("/api/v1/members/%d", m.ID), map[string]any{"role": "sender"}).Expect(200)
	member.Do("POST", "/api/v1/auth/password", map[string]any{"current_password": memberPassword, "new_password": "N3w-Passw0rd!"}).Expect(200)
	gone, g := h.member(t, admin, "viewer")
	gone.Do("POST", "/api/v1/auth/logout-all", nil).Expect(204)
	admin.Do("DELETE", fmt.Sprintf("/api/v1/members/%d", g.ID), nil).Expect(204)
	_, oldKey := createKey(t, admin, "viewer")
	admin.Do("DELETE", fmt.Sprintf("/api/v1/api-keys/%d", oldKey), nil).Expect(204)
	withdrawn := invite(t, admin, "sender")
	admin.Do("DELETE", fmt.Sprintf("/api/v1/invitations/%d", withdrawn.ID), nil).Expect(204)
	admin.Do("PATCH", "/api/v1/account", map[string]any{"name": "감사 상점"}).Expect(200)

	log, raw := auditLog(t, admin, "")
	for _, secret := range []string{"SIM-s3cr3t-token", "NEW-s3cr3t-token", memberPassword, "N3w-Passw0rd!"} {
		if strings.Contains(raw, secret) {
			t.Fatalf("the audit log holds a secret (%s)", secret)
		}
	}

	e := find(t, log, "relay.create", "relay", rel.ID)
	expectActor(t, e, "user", ownerID, "김철수")
	e = find(t, log, "relay.update", "relay", rel.ID)
	expectActor(t, e, "user", accepted.User.ID, accepted.User.Name)
	if e.Before["weight"] == e.After["weight"] || e.After["weight"] != float64(7) || e.Before["config"] == nil {
		t.Errorf("relay.update before %v after %v", e.Before, e.After)
	}
	expectActor(t, find(t, log, "relay.delete", "relay", rel.ID), "user", accepted.User.ID, "")

	for _, a := range []string{"template.create", "template.update", "template.delete"} {
		expectActor(t, find(t, log, a, "template", tpl.ID), "api_key", keyID, "sender key")
	}
	if e := find(t, log, "template.update", "template", tpl.ID); e.Before["name"] != "키 템플릿" || e.After["name"] != "키 템플릿 2" {
		t.Errorf("template.update before %v after %v", e.Before["name"], e.After["name"])
	}

	expectActor(t, find(t, log, "campaign.send", "campaign", sent), "api_key", keyID, "")
	// The API and the campaign's workflow both try to begin the send; one
	// does, and the entry names the key either way.
	if n := h.countWhere(t, `SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.send' AND subject_id = ?`, sent); n != 1 {
		t.Errorf("%d campaign.send entries for one send", n)
	}
	expectActor(t, find(t, log, "campaign.cancel", "campaign", scheduled), "api_key", keyID, "")
	expectActor(t, find(t, log, "campaign.pause", "campaign", running), "user", accepted.User.ID, "")
	if e := find(t, log, "campaign.retry", "campaign", f.failing); e.After["run"] != float64(2) {
		t.Errorf("campaign.retry after %v", e.After)
	} else {
		expectActor(t, e, "user", ownerID, "")
	}

	e = find(t, log, "stock.adjust", "tier", f.tier)
	expectActor(t, e, "api_key", keyID, "sender key")
	if e.Before["stock"] == nil || e.After["reason"] != "파손" || e.After["delta"] != float64(-3) {
		t.Errorf("stock.adjust before %v after %v", e.Before, e.After)
	}

	expectActor(t, find(t, log, "invitation.create", "invitation", inv.ID), "user", ownerID, "")
	expectActor(t, find(t, log, "invitation.accept", "invitation", inv.ID), "user", accepted.User.ID, "")
	expectActor(t, find(t, log, "invitation.delete", "invitation", withdrawn.ID), "user", accepted.User.ID, "")
	e = find(t, log, "member.role", "user", m.ID)
	expectActor(t, e, "user", accepted.User.ID, "")
	if e.Before["role"] != "viewer" || e.After["role"] != "sender" {
		t.Errorf("member.role before %v after %v", e.Before, e.After)
	}
	expectActor(t, find(t, log, "member.remove", "user", g.ID), "user", accepted.User.ID, "")
	expectActor(t, find(t, log, "password.change", "user", m.ID), "user", m.ID, "")
	expectActor(t, find(t, log, "session.logout_all", "user", g.ID), "user", g.ID, "")
	expectActor(t, find(t, log, "api_key.create", "api_key", keyID), "user", ownerID, "")
	expectActor(t, find(t, log, "api_key.delete", "api_key", oldKey), "user", accepted.User.ID, "")
	expectActor(t, find(t, log, "account.update", "account", mustAccount(t, h, f.owner.Token)), "user", accepted.User.ID, "")

	// Filters.
	byKey, _ := auditLog(t, admin, fmt.Sprintf("actor=api_key:%d", keyID))
	bySubject, _ := auditLog(t, admin, fmt.Sprintf("subject=relay:%d", rel.ID))
	byAction, _ := auditLog(t, admin, "action=campaign.cancel")
	relays, _ := auditLog(t, admin, "subject=relay")
	if len(byKey) < 7 || len(bySubject) != 3 || len(byAction) != 1 || len(relays) < 4 {
		t.Fatalf("filtered: by key %d, by subject %d, by action %d, relays %d", len(byKey), len(bySubject), len(byAction), len(relays))
	}
	for _, e := range byKey {
		if e.Actor.Kind != "api_key" || e.Actor.ID != keyID {
			t.Fatalf("actor filter let through %+v", e.Actor)
		}
	}
	for _, e := range relays {
		if e.Subject.Type != "relay" {
			t.Fatalf("subject filter let through %+v", e.Subject)
		}
	}
	for _, q := range []string{"actor=bob", "subject=Relay!", "action=drop%20table"} {
		admin.Do("GET", "/api/v1/audit?"+q, nil).Expect(422)
	}

	// Small pages walk the same log, newest first.
	var walked []auditOut
	cursor := ""
	for {
		var p auditPage
		path := "/api/v1/audit?size=7"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		admin.Do("GET", path, nil).Expect(200).JSON(&p)
		walked = append(walked, p.Items...)
		if p.NextCursor == nil {
			break
		}
		cursor = *p.NextCursor
	}
	if len(walked) != len(log) {
		t.Fatalf("pages of 7 walked %d entries, pages of 50 %d", len(walked), len(log))
	}
	for i := range walked {
		if walked[i].ID != log[i].ID || (i > 0 && walked[i].ID >= walked[i-1].ID) {
			t.Fatalf("entry %d: %d vs %d", i, walked[i].ID, log[i].ID)
		}
	}

	// Another account's log is its own.
	other, _ := h.signup(t)
	otherLog, _ := auditLog(t, h.c.As(other), "")
	for _, e := range otherLog {
		if e.Subject.ID == rel.ID && e.Subject.Type == "relay" {
			t.Fatal("another account reads this account's log")
		}
	}
}

// last_used_at follows a key's use, written at most once a minute per key.
func TestAPIKeyLastUsedAtIsKeptCurrentOncePerMinute(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	owner := h.c.As(token)
	key, id := createKey(t, owner, "viewer")
	lastUsed := func() *time.Time {
		var l struct {
			Items []struct {
				ID         int64      `json:"id"`
				LastUsedAt *time.Time `json:"last_used_at"`
			}
		}
		owner.Do("GET", "/api/v1/api-keys", nil).Expect(200).JSON(&l)
		for _, k := range l.Items {
			if k.ID == id {
				return k.LastUsedAt
			}
		}
		t.Fatal("key not listed")
		return nil
	}
	if lastUsed() != nil {
		t.Fatal("a new key has been used")
	}
	key.Do("GET", "/api/v1/me", nil).Expect(200)
	first := lastUsed()
	if first == nil {
		t.Fatal("using the key did not record it")
	}
	key.Do("GET", "/api/v1/customers", nil).Expect(200)
	if again := lastUsed(); !again.Equal(*first) {
		t.Fatalf("a second use within the minute wrote again: %s then %s", *first, *again)
	}
	if _, err := h.db.Exec(`UPDATE api_keys SET last_used_at = last_used_at - INTERVAL 61 SECOND WHERE id = ?`, id); err != nil {
		t.Fatal(err)
	}
	moved := lastUsed()
	key.Do("GET", "/api/v1/me", nil).Expect(200)
	if now := lastUsed(); !now.After(*moved) {
		t.Fatalf("a use more than a minute later was not recorded: %s then %s", *moved, *now)
	}
}

// When the campaign's workflow begins the send before the API does, the
// entry still names whoever asked for it (the workflow carries them).
func TestCampaignSendBegunByTheWorkflowIsAuditedAsTheCaller(t *testing.T) {
	h := newHarness(t)
	token, accountID := h.signup(t)
	owner := h.c.As(token)
	group := createGroup(t, owner, "고객")
	createCustomer(t, owner, "고객", group.ID)
	var tpl templateOut
	owner.Do("POST", "/api/v1/templates", map[string]any{"name": "안내", "channel": "sms", "body": "안녕하세요"}).Expect(201).JSON(&tpl)
	var camp campaignOut
	owner.Do("POST", "/api/v1/campaigns", map[string]any{"name": "x", "template_id": tpl.ID, "group_ids": []int64{group.ID}}).
		Expect(201).JSON(&camp)

	_, err := h.acts.StartCampaign(context.Background(), workflows.StartCampaignInput{AccountID: accountID, CampaignID: camp.ID, Run: 1,
		RequestedBy: &workflows.Actor{Kind: "api_key", ID: 42, Name: "shop backend", IP: "203.0.113.9"}})
	if err != nil {
		t.Fatal(err)
	}
	log, _ := auditLog(t, owner, fmt.Sprintf("subject=campaign:%d", camp.ID))
	if len(log) != 1 || log[0].Action != "campaign.send" {
		t.Fatalf("audit %+v", log)
	}
	expectActor(t, log[0], "api_key", 42, "shop backend")
}
