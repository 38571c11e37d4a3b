package workflows

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"
)

// ImportWorkflowID is the ID of the workflow that commits import id.
func ImportWorkflowID(importID int64) string { return fmt.Sprintf("import:%d", importID) }

// ImportInput starts ImportCustomers. Exactly one of GroupID and NewGroupName is set.
type ImportInput struct {
	AccountID    int64
	ImportID     int64
	GroupID      int64
	NewGroupName string
}

// ImportResult is the commit's summary.
type ImportResult struct {
	GroupID int64
	Created int64
	Updated int64
	Skipped int64
}

// ImportProgress answers QueryImportProgress.
type ImportProgress struct {
	Stage     string // starting, committing, completed, failed
	GroupID   int64
	Processed int64
	Created   int64
	Updated   int64
}

// QueryImportProgress is the query name for the import's progress.
const QueryImportProgress = "progress"

// Activity names of the import commit.
const (
	ActivityBeginImport      = "BeginImport"
	ActivityCommitImportRows = "CommitImportRows"
	ActivityCompleteImport   = "CompleteImport"
	ActivityFailImport       = "FailImport"
)

// BeginImportInput fixes the target group.
type BeginImportInput struct {
	AccountID, ImportID, GroupID int64
	NewGroupName                 string
}

// BeginImportResult names the group the rows go into.
type BeginImportResult struct{ GroupID int64 }

// CommitImportRowsInput commits batches for up to MaxDuration.
type CommitImportRowsInput struct {
	AccountID, ImportID int64
	BatchSize           int
	MaxDuration         time.Duration
}

// CommitImportRowsResult is the running total after the call.
type CommitImportRowsResult struct {
	Processed, Created, Updated int64
	Done                        bool
}

// CompleteImportInput marks the import completed.
type CompleteImportInput struct{ AccountID, ImportID int64 }

// CompleteImportResult is the final summary.
type CompleteImportResult struct{ Created, Updated, Skipped int64 }

// FailImportInput records why a commit failed.
type FailImportInput struct {
	AccountID, ImportID int64
	Reason              string
}

// ImportActivities is what the import workflow calls; activities.Activities
// implements it.
type ImportActivities interface {
	BeginImport(context.Context, BeginImportInput) (BeginImportResult, error)
	CommitImportRows(context.Context, CommitImportRowsInput) (CommitImportRowsResult, error)
	CompleteImport(context.Context, CompleteImportInput) (CompleteImportResult, error)
	FailImport(context.Context, FailImportInput) error
}

// ImportBatchSize is how many rows one transaction commits (histories from
// before the import-batch-10k version used importBatchSizeV1).
const (
	ImportBatchSize   = 10000
	importBatchSizeV1 = 2000
)

// ImportCustomers commits a staged import into customers and a group, in
// batches. Rows live in MySQL; history carries only ids and counts.
func ImportCustomers(ctx workflow.Context, in ImportInput) (ImportResult, error) {
	w := &importWorkflow{in: in, progress: ImportProgress{Stage: "starting"}}
	if err := w.setup(ctx); err != nil {
		return ImportResult{}, err
	}
	return w.run(ctx)
}

type importWorkflow struct {
	in       ImportInput
	progress ImportProgress
}

func (w *importWorkflow) setup(ctx workflow.Context) error {
	return workflow.SetQueryHandler(ctx, QueryImportProgress, func() (ImportProgress, error) { return w.progress, nil })
}

func (w *importWorkflow) run(ctx workflow.Context) (ImportResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy:         storeBackoff.retry(10),
	})
	result, err := w.commit(ctx)
	if err != nil {
		w.progress.Stage = "failed"
		// Record the failure with a context that survives cancellation.
		dctx, _ := workflow.NewDisconnectedContext(ctx)
		_ = workflow.ExecuteActivity(dctx, ActivityFailImport, FailImportInput{
			AccountID: w.in.AccountID, ImportID: w.in.ImportID, Reason: err.Error(),
		}).Get(dctx, nil)
		return ImportResult{}, err
	}
	w.progress.Stage = "completed"
	return result, nil
}

func (w *importWorkflow) commit(ctx workflow.Context) (ImportResult, error) {
	var begun BeginImportResult
	if err := workflow.ExecuteActivity(ctx, ActivityBeginImport, BeginImportInput{
		AccountID: w.in.AccountID, ImportID: w.in.ImportID, GroupID: w.in.GroupID, NewGroupName: w.in.NewGroupName,
	}).Get(ctx, &begun); err != nil {
		return ImportResult{}, err
	}
	w.progress.Stage, w.progress.GroupID = "committing", begun.GroupID
	batch := importBatchSizeV1
	if workflow.GetVersion(ctx, "import-batch-10k", workflow.DefaultVersion, 1) == 1 {
		batch = ImportBatchSize
	}
	for {
		var r CommitImportRowsResult
		if err := workflow.ExecuteActivity(ctx, ActivityCommitImportRows, CommitImportRowsInput{
			AccountID: w.in.AccountID, ImportID: w.in.ImportID, BatchSize: batch, MaxDuration: 20 * time.Second,
		}).Get(ctx, &r); err != nil {
			return ImportResult{}, err
		}
		w.progress.Processed, w.progress.Created, w.progress.Updated = r.Processed, r.Created, r.Updated
		if r.Done {
			break
		}
	}
	var done CompleteImportResult
	if err := workflow.ExecuteActivity(ctx, ActivityCompleteImport, CompleteImportInput{
		AccountID: w.in.AccountID, ImportID: w.in.ImportID,
	}).Get(ctx, &done); err != nil {
		return ImportResult{}, err
	}
	return ImportResult{GroupID: begun.GroupID, Created: done.Created, Updated: done.Updated, Skipped: done.Skipped}, nil
}
