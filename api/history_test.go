package api_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
)

// recordHistory writes the workflow's history to $SENDINGO_RECORD_HISTORIES/name
// when that variable is set. The files under workflows/testdata/histories were
// recorded this way; workflows/replay_test.go replays them against the current
// code, so a change that breaks running workflows fails the build:
//
//	SENDINGO_RECORD_HISTORIES=/tmp/histories go test ./api -run 'Outage|StartedSend|CancelDuringReport'
//
// (README, Tests, says which runs recorded which files; keep the histories of
// older shapes and copy only new names.)
func (h *harness) recordHistory(t *testing.T, workflowID, name string) {
	t.Helper()
	dir := os.Getenv("SENDINGO_RECORD_HISTORIES")
	if dir == "" {
		return
	}
	it := h.tc.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var hist historypb.History
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			t.Fatalf("history of %s: %v", workflowID, err)
		}
		hist.Events = append(hist.Events, e)
	}
	b, err := temporalproto.CustomJSONMarshalOptions{Indent: " "}.Marshal(&hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded %d events of %s in %s", len(hist.Events), workflowID, name)
}
