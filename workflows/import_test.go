package workflows

import (
	"context"
	"errors"
	"testing"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
)

// fakeImport is an in-memory ImportActivities: batches of 3 rows.
type fakeImport struct {
	total, committed int64
	failAt           int64 // fail CommitImportRows once this many are committed (0: never)
	failed           string
	calls            int
}

func (f *fakeImport) BeginImport(_ context.Context, in BeginImportInput) (BeginImportResult, error) {
	if in.NewGroupName != "" {
		return BeginImportResult{GroupID: 99}, nil
	}
	return BeginImportResult{GroupID: in.GroupID}, nil
}

func (f *fakeImport) CommitImportRows(_ context.Context, in CommitImportRowsInput) (CommitImportRowsResult, error) {
	f.calls++
	if f.failAt != 0 && f.committed >= f.failAt {
		return CommitImportRowsResult{}, temporal.NewNonRetryableApplicationError("import 1 is failed", ErrTypeInvalidState, nil)
	}
	f.committed = min(f.committed+3, f.total)
	return CommitImportRowsResult{Processed: f.committed, Created: f.committed, Done: f.committed == f.total}, nil
}

func (f *fakeImport) CompleteImport(context.Context, CompleteImportInput) (CompleteImportResult, error) {
	return CompleteImportResult{Created: f.committed, Skipped: 2}, nil
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

func TestImportCommitsInBatchesUntilDone(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	f := &fakeImport{total: 10}
	registerImport(env, f)
	env.ExecuteWorkflow(ImportCustomers, ImportInput{AccountID: 1, ImportID: 1, NewGroupName: "new"})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("workflow: %v", env.GetWorkflowError())
	}
	var res ImportResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.GroupID != 99 || res.Created != 10 || res.Skipped != 2 || f.calls != 4 {
		t.Fatalf("result %+v after %d commit calls", res, f.calls)
	}
	v, err := env.QueryWorkflow(QueryImportProgress)
	if err != nil {
		t.Fatal(err)
	}
	var p ImportProgress
	if err := v.Get(&p); err != nil {
		t.Fatal(err)
	}
	if p.Stage != "completed" || p.Processed != 10 {
		t.Fatalf("progress %+v", p)
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
