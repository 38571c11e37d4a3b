package workflows

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// Every history under testdata/histories was recorded from a real run (see
// api/history_test.go). Replaying them against the current code proves a change
// keeps workflows that are already running working: a change that alters the
// commands a workflow issues needs workflow.GetVersion, or this test fails.
func TestRecordedHistoriesReplay(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 9 {
		t.Fatalf("found %d recorded histories, want the nine recorded ones: %v", len(files), files)
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
			logger := tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
			if err := r.ReplayWorkflowHistoryFromJSONFile(logger, f); err != nil {
				t.Fatalf("replay %s: %v", f, err)
			}
		})
	}
}
