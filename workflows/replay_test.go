package workflows

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// recordedHistories are the histories the replay must cover: every workflow,
// and the campaign's signals (pause, resume), its cancel and its continue-as-new
// in both phases, and the stock monitor's continue-as-new.
var recordedHistories = []string{
	"attendance-reminder", "import-customers", "reward-stock-monitor", "reward-stock-monitor-continued",
	"campaign-two-groups", "campaign-alimtalk-fallback", "campaign-pause-resume", "campaign-cancel",
	"campaign-continue-as-new-sending", "campaign-continue-as-new-reports",
	"campaign-cancel-during-reports", "campaign-retry-run", "event-schedule-sync", "outbox-sweeper",
	"campaign-zone-activity", // the zone from ResolveZone (versionZoneActivity)
	"campaign-pipelined-prepare",
	"campaign-report-pacing",   // report polls paced by what they found (versionReportPacing)
	"campaign-aligned-chunks",  // chunks that end with their statistics block (versionAlignedChunks)
	"campaign-reports-beside",  // report polls beside the chunks, of what they counted (versionReportsBeside)
	"campaign-report-fallback", // fallbacks sent by the report polls, for AlimTalks their reports failed
	"invitation-mail", "password-reset", "scheduled-campaign", "campaign-schedule-sync", "campaign-audience",
}

// Every history under testdata/histories was recorded from a real run (see
// api/history_test.go). Replaying them against the current code proves a change
// keeps workflows that are already running working: a change that alters the
// commands a workflow issues needs workflow.GetVersion, or this test fails.
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, f := range files {
		have[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	for _, name := range recordedHistories {
		if !have[name] {
			t.Errorf("recorded history %s.json is missing (found %v)", name, files)
		}
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".json"), func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			r.RegisterWorkflow(ImportCustomers)
			r.RegisterWorkflow(Campaign)
			r.RegisterWorkflow(RewardStockMonitor)
			r.RegisterWorkflow(AttendanceReminder)
			r.RegisterWorkflow(ReminderScheduleSync)
			r.RegisterWorkflow(OutboxSweeper)
			r.RegisterWorkflow(InvitationMail)
			r.RegisterWorkflow(PasswordReset)
			r.RegisterWorkflow(ScheduledCampaign)
			r.RegisterWorkflow(CampaignScheduleSync)
			r.RegisterWorkflow(CampaignAudience)
			logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}

// The recorded histories hold what replay is meant to exercise: signals,
// continue-as-new, and a cancelled activity.
func TestRecordedHistoriesIncludeSignalsContinueAsNewAndCancel(t *testing.T) {
	want := map[string]enumspb.EventType{
		"campaign-pause-resume":            enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
		"campaign-cancel":                  enumspb.EVENT_TYPE_ACTIVITY_TASK_CANCEL_REQUESTED,
		"campaign-continue-as-new-sending": enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
		"campaign-continue-as-new-reports": enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
		"reward-stock-monitor-continued":   enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
	}
	for name, typ := range want {
		hist := loadHistory(t, name)
		found := false
		for _, e := range hist.Events {
			found = found || e.GetEventType() == typ
		}
		if !found {
			t.Errorf("%s.json has no %s event", name, typ)
		}
	}
	var signals int
	for _, e := range loadHistory(t, "campaign-pause-resume").Events {
		a := e.GetWorkflowExecutionSignaledEventAttributes()
		if name := a.GetSignalName(); name == SignalCampaignPause || name == SignalCampaignResume {
			signals++
		}
	}
	if signals != 2 {
		t.Errorf("campaign-pause-resume.json has %d pause/resume signals, want 2", signals)
	}
}

func loadHistory(t *testing.T, name string) *historypb.History {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "histories", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var hist historypb.History
	opts := temporalproto.CustomJSONUnmarshalOptions{}
	if err := opts.Unmarshal(b, &hist); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &hist
}
