package api_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestAccountSettingsAndLanguage(t *testing.T) {
	h := newHarness(t)
	tok, _ := h.signup(t)
	c := h.c.As(tok)

	// A new account reads Korean unless sign-up said otherwise.
	acc := c.Do("GET", "/api/v1/me", nil).Expect(200).Map()["account"].(map[string]any)
	if acc["language"] != "ko" || acc["timezone"] != "Asia/Seoul" {
		t.Fatalf("new account = %v", acc)
	}
	body := signupBody(uniqueEmail("en"))
	body["language"], body["timezone"] = "en", "Europe/Berlin"
	en := c.Do("POST", "/api/v1/auth/signup", body).Expect(201).Map()["account"].(map[string]any)
	if en["language"] != "en" || en["timezone"] != "Europe/Berlin" {
		t.Fatalf("English sign-up = %v", en)
	}
	body = signupBody(uniqueEmail("fr"))
	body["language"] = "fr"
	if p := c.Do("POST", "/api/v1/auth/signup", body).Expect(422).Problem(); !strings.Contains(fmt.Sprint(p.Errors), "language") {
		t.Fatalf("sign-up in French = %+v", p)
	}

	got := c.Do("PATCH", "/api/v1/account", map[string]any{
		"name": "새 상점", "timezone": "America/New_York", "optout_number": "080-123-4567", "language": "en",
	}).Expect(200).Map()
	if got["name"] != "새 상점" || got["timezone"] != "America/New_York" || got["optout_number"] != "080-123-4567" || got["language"] != "en" {
		t.Fatalf("PATCH /account = %v", got)
	}
	// Fields left out keep their values; bad ones are named.
	got = c.Do("PATCH", "/api/v1/account", map[string]any{"name": "Acme"}).Expect(200).Map()
	if got["language"] != "en" || got["timezone"] != "America/New_York" {
		t.Fatalf("a name-only PATCH changed other settings: %v", got)
	}
	p := c.Do("PATCH", "/api/v1/account", map[string]any{"language": "jp", "timezone": "Mars/Base"}).Expect(422).Problem()
	if s := fmt.Sprint(p.Errors); !strings.Contains(s, "language") || !strings.Contains(s, "timezone") {
		t.Fatalf("bad settings answered %+v", p)
	}
	if acc := c.Do("GET", "/api/v1/me", nil).Expect(200).Map()["account"].(map[string]any); acc["language"] != "en" {
		t.Fatalf("a refused PATCH changed the account: %v", acc)
	}
}

// TestAccountSettingsChangeTogether: PATCHes of different settings at once all
// hold (none writes back a stale copy of another's setting), and a language
// change is in the audit log with the language before and after.
func TestAccountSettingsChangeTogether(t *testing.T) {
	h := newHarness(t)
	tok, _ := h.signup(t)
	c := h.c.As(tok)
	for round := range 5 {
		name, optout := fmt.Sprintf("동시 상점 %d", round), fmt.Sprintf("080-123-45%02d", round)
		lang := []string{"en", "ko"}[round%2]
		var wg sync.WaitGroup
		for _, body := range []map[string]any{{"name": name}, {"optout_number": optout}, {"language": lang}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r := c.Do("PATCH", "/api/v1/account", body); r.Status != 200 {
					t.Errorf("PATCH %v: %d %s", body, r.Status, r.Body)
				}
			}()
		}
		wg.Wait()
		acc := c.Do("GET", "/api/v1/me", nil).Expect(200).Map()["account"].(map[string]any)
		if acc["name"] != name || acc["optout_number"] != optout || acc["language"] != lang {
			t.Fatalf("round %d: after three PATCHes at once the account is %v, want %q, %q, %q", round, acc, name, optout, lang)
		}
	}
	log, _ := auditLog(t, c, "action=account.update")
	var langChange *auditOut
	for i := range log {
		if e := &log[i]; e.Before["language"] == "en" && e.After["language"] == "ko" {
			langChange = e
			break
		}
	}
	if langChange == nil {
		t.Fatalf("no audit entry records the language going from en to ko: %+v", log)
	}
}
