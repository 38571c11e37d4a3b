package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sendingo/sendingo/store"
)

// A RowStager inserts every batch handed to it, in order, by the time Close
// returns; an insert that fails is answered by a later Stage or by Close.
func TestRowStagerInsertsEveryBatchAndReportsFailures(t *testing.T) {
	ctx := context.Background()
	st, db := clickStore(t)
	acc, _, err := st.Signup(ctx, store.SignupParams{AccountName: "stager", Timezone: "Asia/Seoul", UserName: "s",
		Email: fmt.Sprintf("stager-%d@example.com", rerun(t)), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	im, err := st.CreateImport(ctx, acc.ID, 0, "s.csv", "csv")
	if err != nil {
		t.Fatal(err)
	}
	batch := func(from int) []store.ImportRow {
		var rows []store.ImportRow
		for i := from; i < from+100; i++ {
			p := fmt.Sprintf("+8210777%05d", i)
			rows = append(rows, store.ImportRow{Line: i + 2, Name: "n", Phone: p, RawPhone: p, Verdict: store.VerdictOK})
		}
		return rows
	}
	r := st.NewRowStager(ctx, acc.ID, im)
	for b := range 5 {
		if err := r.Stage(batch(b * 100)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	var n, lastLine int
	if err := db.QueryRow(`SELECT COUNT(*), MAX(line) FROM import_rows WHERE import_id = ?`, im).Scan(&n, &lastLine); err != nil {
		t.Fatal(err)
	}
	if n != 500 || lastLine != 501 {
		t.Fatalf("%d rows staged (last line %d), want 500 (501)", n, lastLine)
	}

	// An import that does not exist: its rows violate the foreign key.
	bad := st.NewRowStager(ctx, acc.ID, im+1000)
	_ = bad.Stage(batch(0))
	if err := bad.Close(); err == nil {
		t.Fatal("a failed insert was not reported")
	}
}
