package api_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

// recordHistory writes the workflow's history to $SENDINGO_RECORD_HISTORIES/name
// when that variable is set. The files under workflows/testdata/histories were
// recorded this way; workflows/replay_test.go replays them against the current
// code, so a change that breaks running workflows fails the build:
//
//	SENDINGO_RECORD_HISTORIES=$PWD/workflows/testdata/histories go test ./api -run 'XLSX|OverlappingGroups|FallsBack|Rearms|ReminderSchedule|PauseAndResume|CancelARunning|ContinuesAsNewOnTheServer|StockMonitorsNextRun'
//
// and the team's mails, the scheduled campaigns and the retargeting job:
//
//	SENDINGO_RECORD_HISTORIES=$PWD/workflows/testdata/histories go test ./api -run 'InvitationIsMailedAndWorksOnce|PasswordResetByMail|CampaignScheduleEveryMinute|RetargetingClickedIntoANewGroup'
func (h *harness) recordHistory(t *testing.T, workflowID, name string) {
	t.Helper()
	dir := os.Getenv("SENDINGO_RECORD_HISTORIES")
	if dir == "" {
		return
	}
	h.recordRun(t, workflowID, "", name)
}

// recordRun is recordHistory of one run of the workflow ("" for the latest).
func (h *harness) recordRun(t *testing.T, workflowID, runID, name string) {
	t.Helper()
	dir := os.Getenv("SENDINGO_RECORD_HISTORIES")
	if dir == "" {
		return
	}
	hist := historypb.History{Events: h.runHistory(t, workflowID, runID)}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(&hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events of %s in %s", len(hist.Events), workflowID, name)
}

// recordFinished is recordRun once the run has closed, for a workflow that
// ends on its own shortly after what the test waited for (a mail sent, a job
// completed): the recorded history then ends as such runs do.
func (h *harness) recordFinished(t *testing.T, workflowID, runID, name string) {
	t.Helper()
	if os.Getenv("SENDINGO_RECORD_HISTORIES") == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := h.tc.GetWorkflow(ctx, workflowID, runID).Get(ctx, nil); err != nil {
		t.Fatalf("%s did not finish: %v", workflowID, err)
	}
	h.recordRun(t, workflowID, runID, name)
}
