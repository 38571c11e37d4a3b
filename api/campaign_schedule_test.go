package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/relay/sim"
	"github.com/sendingo/sendingo/workflows"
)

type scheduleOut struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Cron       string `json:"cron"`
	Timezone   string `json:"timezone"`
	Paused     bool   `json:"paused"`
	ScheduleID string `json:"schedule_id"`
	Sync       struct {
		State string `json:"state"`
		Error string `json:"error"`
	} `json:"sync"`
	NextRunTimes []time.Time `json:"next_run_times"`
	RecentRuns   []struct {
		ScheduledFor time.Time `json:"scheduled_for"`
		CampaignID   int64     `json:"campaign_id"`
		Skipped      string    `json:"skipped"`
	} `json:"recent_runs"`
}

// scheduleFixture is an account with two customers in a group, an SMS
// template and a simulator relay.
type scheduleFixture struct {
	c        *apitest.Client
	group    int64
	template int64
}

func newScheduleFixture(t *testing.T, h *harness) scheduleFixture {
	t.Helper()
	token, _ := h.signup(t)
	c := h.c.As(token)
	_, simBase := startSim(t, sim.Settings{ReportDelay: sim.Duration(100 * time.Millisecond)})
	simRelay(t, c, "sim-sms", simBase, "sms", 1)
	g := createGroup(t, c, "정기")
	for i := range 2 {
		c.Do("POST", "/api/v1/customers", map[string]any{"name": fmt.Sprintf("고객%d", i), "phone": fmt.Sprintf("010-8888-000%d", i),
			"group_ids": []int64{g.ID}}).Expect(201)
	}
	var tpl templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "정기 안내", "channel": "sms", "body": "#{이름}님 이번 주 소식입니다"}).
		Expect(201).JSON(&tpl)
	return scheduleFixture{c: c, group: g.ID, template: tpl.ID}
}

func getSchedule(t *testing.T, c *apitest.Client, id int64) scheduleOut {
	t.Helper()
	var out scheduleOut
	c.Do("GET", fmt.Sprintf("/api/v1/campaign-schedules/%d", id), nil).Expect(200).JSON(&out)
	return out
}

// waitRuns polls the schedule until it has recorded n runs, or fails at deadline.
func waitRuns(t *testing.T, c *apitest.Client, id int64, n int, within time.Duration) scheduleOut {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := getSchedule(t, c, id)
		if len(s.RecentRuns) >= n {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule %d has %d runs after %v, want %d", id, len(s.RecentRuns), within, n)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// waitSynced answers the schedule once its Temporal Schedule is in step (the
// API waits for that a while, and answers anyway when Temporal is slower).
func waitSynced(t *testing.T, c *apitest.Client, s scheduleOut) scheduleOut {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); s.Sync.State != "synced"; time.Sleep(200 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("schedule %d not synced after a minute: %+v", s.ID, s.Sync)
		}
		s = getSchedule(t, c, s.ID)
	}
	return s
}

func expectScheduleGone(t *testing.T, h *harness, scheduleID string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := h.tc.ScheduleClient().GetHandle(context.Background(), scheduleID).Describe(context.Background())
		var missing *serviceerror.NotFound
		if errors.As(err, &missing) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("schedule %s still exists (%v)", scheduleID, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// A schedule with an every-minute cron sends one campaign per minute through
// the simulator, each named after the schedule and its run time and completed
// through the Campaign workflow; the next five run times come from the
// Temporal Schedule. Pause stops new runs (the Temporal Schedule is paused and
// no run starts at the next minute), trigger runs once now, and delete removes
// the Temporal Schedule.
func TestCampaignScheduleEveryMinute(t *testing.T) {
	h := newHarness(t)
	f := newScheduleFixture(t, h)
	c := f.c
	var s scheduleOut
	c.Do("POST", "/api/v1/campaign-schedules", map[string]any{"name": "매분 소식", "template_id": f.template,
		"group_ids": []int64{f.group}, "cron": "* * * * *", "timezone": "Asia/Seoul"}).Expect(201).JSON(&s)
	s = waitSynced(t, c, s)
	if s.ScheduleID != workflows.CampaignScheduleID(s.ID) || len(s.NextRunTimes) != 5 {
		t.Fatalf("created %+v", s)
	}
	for i, at := range s.NextRunTimes {
		if at.Second() != 0 || (i > 0 && at.Sub(s.NextRunTimes[i-1]) != time.Minute) {
			t.Fatalf("next run times %v are not one a minute", s.NextRunTimes)
		}
	}
	handle := h.tc.ScheduleClient().GetHandle(context.Background(), s.ScheduleID)
	d, err := handle.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Temporal keeps a cron as the calendar it means: every minute of every hour.
	if cal := d.Schedule.Spec.Calendars; len(cal) != 1 || len(cal[0].Minute) != 1 || cal[0].Minute[0] != (client.ScheduleRange{Start: 0, End: 59, Step: 1}) ||
		d.Schedule.Spec.TimeZoneName != "Asia/Seoul" {
		t.Fatalf("Temporal Schedule spec %+v", d.Schedule.Spec)
	}

	// Two runs, a minute apart, each a completed campaign to both customers
	// (the wait is a liveness guard: the second run is due within two minutes).
	s = waitRuns(t, c, s.ID, 2, 4*time.Minute)
	runs := s.RecentRuns // newest first
	if runs[0].ScheduledFor.Sub(runs[1].ScheduledFor) != time.Minute || runs[1].ScheduledFor.Second() != 0 {
		t.Fatalf("runs at %v and %v", runs[1].ScheduledFor, runs[0].ScheduledFor)
	}
	for _, r := range runs[:2] {
		if r.CampaignID == 0 || r.Skipped != "" {
			t.Fatalf("run %+v", r)
		}
		camp := waitCampaign(t, c, r.CampaignID)
		var named struct{ Name string }
		c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", r.CampaignID), nil).Expect(200).JSON(&named)
		wantName := "매분 소식 " + r.ScheduledFor.In(mustZone(t, "Asia/Seoul")).Format("2006-01-02 15:04")
		if camp.Status != "completed" || camp.Delivered != 2 || named.Name != wantName {
			t.Fatalf("campaign %q %+v, want %q completed with 2 delivered", named.Name, camp, wantName)
		}
	}
	if os.Getenv("SENDINGO_RECORD_HISTORIES") != "" {
		d, err := handle.Describe(context.Background())
		if err != nil || len(d.Info.RecentActions) == 0 {
			t.Fatalf("the schedule's recent actions: %+v %v", d, err)
		}
		run := d.Info.RecentActions[0].StartWorkflowResult
		h.recordFinished(t, run.WorkflowID, run.FirstExecutionRunID, "scheduled-campaign.json")
	}

	// Paused: the Temporal Schedule is paused and nothing runs at the next minute.
	c.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/pause", s.ID), nil).Expect(200).JSON(&s)
	if !s.Paused {
		t.Fatalf("paused %+v", s)
	}
	s = waitSynced(t, c, s)
	if d, err := handle.Describe(context.Background()); err != nil || !d.Schedule.State.Paused {
		t.Fatalf("Temporal Schedule not paused: %+v %v", d, err)
	}
	// Created, then paused: the sync workflow's run with the signal in it.
	h.recordFinished(t, workflows.CampaignScheduleSyncWorkflowID(s.ID), "", "campaign-schedule-sync.json")
	pausedAt := time.Now()
	// A run that began at the minute before the pause may still be sending,
	// and a trigger meanwhile is skipped (the overlap policy, as documented):
	// wait for it to end, so the trigger below is the only thing that runs.
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(200 * time.Millisecond) {
		d, err := handle.Describe(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Info.RunningWorkflows) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the schedule's run %v still running after 2 minutes", d.Info.RunningWorkflows)
		}
	}
	before := len(getSchedule(t, c, s.ID).RecentRuns)

	// Trigger runs once now, paused or not.
	c.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/trigger", s.ID), nil).Expect(202)
	s = waitRuns(t, c, s.ID, before+1, 2*time.Minute)
	if camp := waitCampaign(t, c, s.RecentRuns[0].CampaignID); camp.Status != "completed" || camp.Delivered != 2 {
		t.Fatalf("triggered run's campaign %+v", camp)
	}
	nextMinute := pausedAt.Truncate(time.Minute).Add(time.Minute)
	time.Sleep(time.Until(nextMinute.Add(10 * time.Second)))
	if got := len(getSchedule(t, c, s.ID).RecentRuns); got != before+1 {
		t.Fatalf("%d runs after pausing and one trigger, want %d", got, before+1)
	}

	// Delete removes the Temporal Schedule; the campaigns it made stay.
	c.Do("DELETE", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(204)
	expectScheduleGone(t, h, s.ScheduleID)
	c.Do("GET", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(404)
	c.Do("GET", fmt.Sprintf("/api/v1/campaigns/%d", runs[0].CampaignID), nil).Expect(200)
}

// A run whose audience is empty, or whose template needs a variable some
// recipient lacks, records why and sends nothing; bad input is refused naming
// the field; another account's schedule is not found.
func TestCampaignScheduleRunWithNothingToSendRecordsWhy(t *testing.T) {
	h := newHarness(t)
	f := newScheduleFixture(t, h)
	c := f.c
	empty := createGroup(t, c, "빈 그룹")
	var needsGrade templateOut
	c.Do("POST", "/api/v1/templates", map[string]any{"name": "등급 안내", "channel": "sms", "body": "#{이름}님 등급은 #{등급}입니다"}).
		Expect(201).JSON(&needsGrade)
	for _, tc := range []struct {
		name     string
		template int64
		group    int64
		want     string
	}{
		{"빈 대상", f.template, empty.ID, "audience is empty"},
		{"변수 없음", needsGrade.ID, f.group, "no value for a variable"},
	} {
		var s scheduleOut
		// Yearly, so that only the trigger runs it.
		c.Do("POST", "/api/v1/campaign-schedules", map[string]any{"name": tc.name, "template_id": tc.template,
			"group_ids": []int64{tc.group}, "cron": "0 9 1 1 *"}).Expect(201).JSON(&s)
		if s.Timezone != "Asia/Seoul" {
			t.Errorf("timezone %q, want the account's", s.Timezone)
		}
		c.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/trigger", s.ID), nil).Expect(202)
		s = waitRuns(t, c, s.ID, 1, 2*time.Minute)
		if r := s.RecentRuns[0]; r.CampaignID != 0 || !strings.Contains(r.Skipped, tc.want) {
			t.Errorf("%s: run %+v, want skipped for %q", tc.name, r, tc.want)
		}
	}
	var camps struct{ Total int64 }
	c.Do("GET", "/api/v1/campaigns", nil).Expect(200).JSON(&camps)
	if camps.Total != 0 {
		t.Fatalf("%d campaigns made by runs that had nothing to send", camps.Total)
	}

	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "x", "template_id": f.template, "group_ids": []int64{f.group}, "cron": "61 * * * *"}, "cron"},
		{map[string]any{"name": "x", "template_id": f.template, "group_ids": []int64{f.group}, "cron": "* * * *"}, "cron"},
		{map[string]any{"name": "x", "template_id": f.template, "group_ids": []int64{f.group}, "cron": "* * * * *", "timezone": "Mars/Base"}, "timezone"},
		{map[string]any{"name": "x", "template_id": f.template, "cron": "* * * * *"}, "group_ids"},
		{map[string]any{"name": "x", "template_id": f.template, "group_ids": []int64{f.group}, "cron": "* * * * *",
			"starts_at": "2026-12-02T00:00:00Z", "ends_at": "2026-12-01T00:00:00Z"}, "ends_at"},
	} {
		fieldNamed(t, c.Do("POST", "/api/v1/campaign-schedules", bad.body), bad.field, "")
	}

	var s scheduleOut
	c.Do("POST", "/api/v1/campaign-schedules", map[string]any{"name": "내 것", "template_id": f.template,
		"group_ids": []int64{f.group}, "cron": "0 9 * * mon"}).Expect(201).JSON(&s)
	// An edit answers the schedule as it now is; a refused one changes nothing.
	c.Do("PATCH", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), map[string]any{"cron": "30 10 * * tue"}).Expect(200).JSON(&s)
	if s.Cron != "30 10 * * tue" || s.Name != "내 것" {
		t.Fatalf("edited schedule %+v", s)
	}
	fieldNamed(t, c.Do("PATCH", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), map[string]any{"cron": "61 * * * *"}), "cron", "")
	if got := getSchedule(t, c, s.ID); got.Cron != "30 10 * * tue" {
		t.Fatalf("refused edit changed the cron to %q", got.Cron)
	}
	other, _ := h.signup(t)
	oc := h.c.As(other)
	oc.Do("PATCH", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), map[string]any{"cron": "0 9 * * *"}).Expect(404)
	for _, path := range []string{"", "/pause", "/unpause", "/trigger"} {
		method := "POST"
		if path == "" {
			method = "GET"
		}
		oc.Do(method, fmt.Sprintf("/api/v1/campaign-schedules/%d%s", s.ID, path), nil).Expect(404)
	}
	oc.Do("DELETE", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(404)
	c.Do("DELETE", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(204)
	expectScheduleGone(t, h, s.ScheduleID)
}

// A schedule created, paused and deleted while the API cannot reach Temporal
// still takes effect: the changes stand (sync pending) and the worker's outbox
// sweeper makes the Temporal Schedule follow the row once it can.
func TestCampaignScheduleFollowsItsRowAfterATemporalOutage(t *testing.T) {
	h := newHarness(t, withSweeper(500*time.Millisecond, time.Millisecond))
	f := newScheduleFixture(t, h)

	// The same API, store and account, with a Temporal it cannot reach.
	quiet := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	down, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: tlog.NewStructuredLogger(quiet)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(down.Close)
	downSrv := httptest.NewServer(api.New(api.Deps{Config: h.cfg, Store: h.store, Temporal: down, Log: quiet, Egress: testEgress}).Handler())
	t.Cleanup(downSrv.Close)
	dc := apitest.New(t, downSrv.URL)
	dc.Token = f.c.Token

	var s scheduleOut
	dc.Do("POST", "/api/v1/campaign-schedules", map[string]any{"name": "장애 중", "template_id": f.template,
		"group_ids": []int64{f.group}, "cron": "0 9 * * mon"}).Expect(201).JSON(&s)
	if s.Sync.State != "pending" {
		t.Fatalf("created during the outage %+v", s)
	}
	handle := h.tc.ScheduleClient().GetHandle(context.Background(), s.ScheduleID)
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not after 60 s", what)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	waitFor("the Temporal Schedule is created", func() bool {
		d, err := handle.Describe(context.Background())
		return err == nil && !d.Schedule.State.Paused && getSchedule(t, f.c, s.ID).Sync.State == "synced"
	})

	dc.Do("POST", fmt.Sprintf("/api/v1/campaign-schedules/%d/pause", s.ID), nil).Expect(200).JSON(&s)
	if !s.Paused || s.Sync.State != "pending" {
		t.Fatalf("paused during the outage %+v", s)
	}
	waitFor("the Temporal Schedule is paused", func() bool {
		d, err := handle.Describe(context.Background())
		return err == nil && d.Schedule.State.Paused
	})

	dc.Do("DELETE", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(204)
	f.c.Do("GET", fmt.Sprintf("/api/v1/campaign-schedules/%d", s.ID), nil).Expect(404)
	expectScheduleGone(t, h, s.ScheduleID)
	waitFor("the tombstone is purged", func() bool {
		var n int
		_ = h.db.Get(&n, `SELECT COUNT(*) FROM campaign_schedules WHERE id = ?`, s.ID)
		return n == 0
	})
}
