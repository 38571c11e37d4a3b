package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/sendingo/sendingo/store"
)

// An import's parts commit at the same time on their own connections, in
// batches, over customers the account partly has already, each part by two
// attempts at once (a retry and the attempt it replaced, still running):
// every row is committed once (known phones updated, new ones created), every
// customer lands in the group once, and the import's counts add up exactly,
// with a retried commit that finds the plan already made.
func TestImportPartsCommitSideBySideExactly(t *testing.T) {
	ctx := context.Background()
	st, db := clickStore(t)
	acc, _ := signup(t, st)
	a := acc.ID
	const rows, known = 600, 200 // every third row's phone is a customer already
	for i := 0; i < rows; i += 3 {
		if _, err := st.CreateCustomer(ctx, a, store.CustomerInput{Name: "old", Phone: fmt.Sprintf("+8210666%05d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	im, err := st.CreateImport(ctx, a, 0, "parts.csv", "csv")
	if err != nil {
		t.Fatal(err)
	}
	var staged []store.ImportRow
	for i := range rows {
		p := fmt.Sprintf("+8210666%05d", i)
		staged = append(staged, store.ImportRow{Line: i + 2, Name: "new", Phone: p, RawPhone: p, Verdict: store.VerdictOK})
	}
	if err := st.StageRows(ctx, a, im, staged); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishStaging(ctx, a, im, nil); err != nil {
		t.Fatal(err)
	}
	group, err := st.BeginImportCommit(ctx, a, im, 0, "parts")
	if err != nil {
		t.Fatal(err)
	}
	parts, err := st.ImportParts(ctx, a, im, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(parts) != 2 || parts[0].ThroughID != parts[1].CommittedThrough {
		t.Fatalf("parts %+v: want two adjoining ranges", parts)
	}
	// A retried commit asks again, perhaps for another count: the plan stays.
	again, err := st.ImportParts(ctx, a, im, 5)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again) != fmt.Sprint(parts) {
		t.Fatalf("the plan changed on a second call: %+v, then %+v", parts, again)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2*len(parts))
	for _, p := range append(parts, parts...) {
		wg.Go(func() {
			for {
				done, err := st.CommitImportBatch(ctx, a, im, p.Part, 7)
				if err != nil {
					errs <- err
					return
				}
				if done {
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// A part that is done answers so at once, and commits nothing more.
	if done, err := st.CommitImportBatch(ctx, a, im, parts[0].Part, 7); err != nil || !done {
		t.Fatalf("a finished part answered done %v (%v)", done, err)
	}
	got, err := st.Import(ctx, a, im)
	if err != nil {
		t.Fatal(err)
	}
	if got.ProcessedRows != rows || got.CreatedCount != rows-known || got.UpdatedCount != known {
		t.Fatalf("import counts %d processed, %d created, %d updated; want %d, %d, %d",
			got.ProcessedRows, got.CreatedCount, got.UpdatedCount, rows, rows-known, known)
	}
	var customers, renamed, members int64
	if err := db.Get(&customers, `SELECT COUNT(*) FROM customers WHERE account_id = ?`, a); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&renamed, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND name = 'new'`, a); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&members, `SELECT COUNT(*) FROM group_members WHERE group_id = ?`, group); err != nil {
		t.Fatal(err)
	}
	if customers != rows || renamed != rows || members != rows {
		t.Fatalf("%d customers, %d with the file's name, %d in the group; want %d each", customers, renamed, members, rows)
	}
}
