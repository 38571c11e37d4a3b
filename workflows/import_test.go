package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// fakeImport is an in-memory ImportActivities: batches of 3 rows, every third
// row a known customer (updated), the others new. CompleteImport answers the
// summary as the database holds it, which differs on purpose from the running
// totals, so a test can tell which the workflow reports.
type fakeImport struct {
	total, committed int64
	failAt           int64 // fail CommitImportRows once this many are committed (0: never)
	failed           string
	calls            int
	commits          []CommitImportRowsInput
	begun            BeginImportInput
	summary          CompleteImportResult
}

func (f *fakeImport) BeginImport(_ context.Context, in BeginImportInput) (BeginImportResult, error) {
	f.begun = in
	if in.NewGroupName != "" {
		return BeginImportResult{GroupID: 99}, nil
	}
	return BeginImportResult{GroupID: in.GroupID}, nil
}

func (f *fakeImport) CommitImportRows(_ context.Context, in CommitImportRowsInput) (CommitImportRowsResult, error) {
	f.calls++
	f.commits = append(f.commits, in)
	if f.failAt != 0 && f.committed >= f.failAt {
		return CommitImportRowsResult{}, temporal.NewNonRetryableApplicationError("import 1 is failed", ErrTypeInvalidState, nil)
	}
	f.committed = min(f.committed+3, f.total)
	updated := f.committed / 3
	return CommitImportRowsResult{Processed: f.committed, Created: f.committed - updated, Updated: updated, Done: f.committed == f.total}, nil
}

func (f *fakeImport) CompleteImport(context.Context, CompleteImportInput) (CompleteImportResult, error) {
	return f.summary, nil
}

func (f *fakeImport) FailImport(_ context.Context, in FailImportInput) error {
	f.failed = in.Reason
	return nil
}

func registerImport(env *testsuite.TestWorkflowEnvironment, f *fakeImport) {
	env.RegisterWorkflow(ImportCustomers)
	env.RegisterActivityWithOptions(f.BeginImport, activity.RegisterOptions{Name: ActivityBeginImport})
	env.RegisterActivityWithOptions(f.CommitImportRows, activity.RegisterOptions{Name: ActivityCommitImportRows})
	env.RegisterActivityWithOptions(f.CompleteImport, activity.RegisterOptions{Name: ActivityCompleteImport})
	env.RegisterActivityWithOptions(f.FailImport, activity.RegisterOptions{Name: ActivityFailImport})
}

func importProgress(t *testing.T, env *testsuite.TestWorkflowEnvironment) ImportProgress {
	t.Helper()
	v, err := env.QueryWorkflow(QueryImportProgress)
	if err != nil {
		t.Errorf("query progress: %v", err)
		return ImportProgress{}
	}
	var p ImportProgress
	if err := v.Get(&p); err != nil {
		t.Errorf("decode progress: %v", err)
	}
	return p
}

// The workflow commits batch after batch until the database says it is done,
// shows the running totals as progress meanwhile, and answers the final summary
// as CompleteImport reads it (not its own running totals).
func TestImportCommitsInBatchesUntilDone(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeImport{total: 10, summary: CompleteImportResult{Created: 6, Updated: 4, Skipped: 2}}
	registerImport(env, f)
	// Each commit call takes a second of workflow time, so progress can be seen midway.
	env.OnActivity(ActivityCommitImportRows, mock.Anything, mock.Anything).After(time.Second).Return(f.CommitImportRows)
	midway := false
	env.RegisterDelayedCallback(func() {
		midway = true
		if p := importProgress(t, env); p.Stage != "committing" || p.GroupID != 99 || p.Processed != 6 || p.Created != 4 || p.Updated != 2 {
			t.Errorf("progress after two batches %+v", p)
		}
	}, 2500*time.Millisecond)
	env.ExecuteWorkflow(ImportCustomers, ImportInput{AccountID: 1, ImportID: 7, NewGroupName: "new"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	if !midway {
		t.Fatal("the workflow ended before the midway check")
	}
	var res ImportResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res != (ImportResult{GroupID: 99, Created: 6, Updated: 4, Skipped: 2}) {
		t.Fatalf("result %+v, want the stored summary in the group BeginImport made", res)
	}
	if f.begun != (BeginImportInput{AccountID: 1, ImportID: 7, NewGroupName: "new"}) || f.calls != 4 {
		t.Fatalf("began with %+v, committed in %d calls; want 4 calls for 10 rows in batches of 3", f.begun, f.calls)
	}
	for _, in := range f.commits {
		if in.AccountID != 1 || in.ImportID != 7 || in.BatchSize != ImportBatchSize || in.MaxDuration <= 0 {
			t.Fatalf("commit input %+v", in)
		}
	}
	if p := importProgress(t, env); p.Stage != "completed" || p.Processed != 10 || p.Created != 7 || p.Updated != 3 {
		t.Fatalf("progress at the end %+v", p)
	}
}

func TestImportFailureIsRecorded(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeImport{total: 10, failAt: 6}
	registerImport(env, f)
	env.ExecuteWorkflow(ImportCustomers, ImportInput{AccountID: 1, ImportID: 1, GroupID: 5})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != ErrTypeInvalidState {
		t.Fatalf("workflow error %v", err)
	}
	if f.failed == "" {
		t.Fatal("FailImport was not called")
	}
}

func TestImportWorkflowID(t *testing.T) {
	if got := ImportWorkflowID(7); got != "import:7" {
		t.Fatalf("ImportWorkflowID(7) = %q", got)
	}
}
