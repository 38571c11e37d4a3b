package activities

import (
	"context"
	"errors"
	"sync"
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

// importParts is how many parts of an import commit at once, each on its own
// connection: one stream of batches kept one of MySQL's cores busy, its
// statements running one after another. Fixed per import when its commit
// begins (store.ImportParts).
const importParts = 2

// CommitImportRows commits the import's parts side by side, batch after batch,
// until every part is done or MaxDuration has passed, heartbeating after each
// batch. Each part's resume point is in the database, so a retry continues
// every part after its last committed batch.
func (a *Activities) CommitImportRows(ctx context.Context, in workflows.CommitImportRowsInput) (workflows.CommitImportRowsResult, error) {
	parts, err := a.Store.ImportParts(ctx, in.AccountID, in.ImportID, importParts)
	if err != nil {
		return workflows.CommitImportRowsResult{}, classify(err)
	}
	deadline := time.Now().Add(in.MaxDuration)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu     sync.Mutex
		done   int
		failed error
		wg     sync.WaitGroup
	)
	for _, p := range parts {
		if p.Done() {
			done++
			continue
		}
		wg.Go(func() {
			for {
				partDone, err := a.Store.CommitImportBatch(ctx, in.AccountID, in.ImportID, p.Part, in.BatchSize)
				mu.Lock()
				if err != nil && failed == nil {
					failed = err
					cancel()
				}
				if partDone {
					done++
				}
				mu.Unlock()
				if err != nil || partDone || time.Now().After(deadline) || ctx.Err() != nil {
					return
				}
				// Progress is the import's own row (what the API shows).
				activity.RecordHeartbeat(ctx)
			}
		})
	}
	wg.Wait()
	if failed != nil {
		return workflows.CommitImportRowsResult{}, classify(failed)
	}
	if err := ctx.Err(); err != nil {
		return workflows.CommitImportRowsResult{}, err
	}
	im, err := a.Store.Import(ctx, in.AccountID, in.ImportID)
	if err != nil {
		return workflows.CommitImportRowsResult{}, classify(err)
	}
	return workflows.CommitImportRowsResult{Processed: im.ProcessedRows, Created: im.CreatedCount, Updated: im.UpdatedCount,
		Done: done == len(parts)}, nil
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
