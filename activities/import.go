package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// BeginImport fixes the target group (creating a new one if asked) and marks the
// import committing. Idempotent: a retry answers the same group.
func (a *Activities) BeginImport(ctx context.Context, in workflows.BeginImportInput) (workflows.BeginImportResult, error) {
	g, err := a.Store.BeginImportCommit(ctx, in.AccountID, in.ImportID, in.GroupID, in.NewGroupName)
	return workflows.BeginImportResult{GroupID: g}, classify(err)
}

// CommitImportRows commits batches until the import is done or MaxDuration has
// passed, heartbeating after each batch. Its resume point is the database, so a
// retry continues after the last committed batch.
func (a *Activities) CommitImportRows(ctx context.Context, in workflows.CommitImportRowsInput) (workflows.CommitImportRowsResult, error) {
	deadline := time.Now().Add(in.MaxDuration)
	var out workflows.CommitImportRowsResult
	for {
		r, err := a.Store.CommitImportBatch(ctx, in.AccountID, in.ImportID, in.BatchSize)
		if err != nil {
			return out, classify(err)
		}
		out = workflows.CommitImportRowsResult{Processed: r.Processed, Created: r.Created, Updated: r.Updated, Done: r.Done}
		activity.RecordHeartbeat(ctx, out)
		if r.Done || time.Now().After(deadline) {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return out, err
		}
	}
}

// CompleteImport marks the import completed, tells the operators
// (import.completed) and answers its summary.
func (a *Activities) CompleteImport(ctx context.Context, in workflows.CompleteImportInput) (workflows.CompleteImportResult, error) {
	im, err := a.Store.CompleteImport(ctx, in.AccountID, in.ImportID)
	if err != nil {
		return workflows.CompleteImportResult{}, classify(err)
	}
	a.Log.Info("import completed", "account_id", in.AccountID, "import_id", in.ImportID,
		"created", im.CreatedCount, "updated", im.UpdatedCount, "skipped", im.SkippedCount)
	if im.Status == store.ImportCompleted {
		if err := a.notify(ctx, in.AccountID, notify.ImportDone(notify.Import{ID: im.ID, Filename: im.Filename,
			Created: im.CreatedCount, Updated: im.UpdatedCount, Skipped: im.SkippedCount})); err != nil {
			return workflows.CompleteImportResult{}, err
		}
	}
	return workflows.CompleteImportResult{Created: im.CreatedCount, Updated: im.UpdatedCount, Skipped: im.SkippedCount}, nil
}

// FailImport records why the commit failed and tells the operators (import.failed).
func (a *Activities) FailImport(ctx context.Context, in workflows.FailImportInput) error {
	a.Log.Warn("import failed", "account_id", in.AccountID, "import_id", in.ImportID, "reason", in.Reason)
	if err := a.Store.FailImport(ctx, in.AccountID, in.ImportID, in.Reason); err != nil {
		return err
	}
	im, err := a.Store.Import(ctx, in.AccountID, in.ImportID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil || im.Status != store.ImportFailed {
		return err
	}
	return a.notify(ctx, in.AccountID, notify.ImportFailure(notify.Import{ID: im.ID, Filename: im.Filename, Reason: im.Error}))
}
