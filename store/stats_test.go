package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
)

// The dashboard's customer count (account_counts, kept by triggers) equals a
// COUNT(*) of the account's customers after every write path: create, a
// duplicate create refused, update, consent change, opt-out, seeding, an import
// that creates some and updates others, delete, and it stays per account.
func TestCustomerCountsStayExactOnEveryWritePath(t *testing.T) {
	ctx := context.Background()
	st, db := clickStore(t)
	signup := func(name string) int64 {
		acc, _, err := st.Signup(ctx, store.SignupParams{AccountName: name, Timezone: "Asia/Seoul", UserName: name,
			Email: fmt.Sprintf("%s-%d@example.com", name, time.Now().UnixNano()), PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return acc.ID
	}
	a, b := signup("counts-a"), signup("counts-b")
	check := func(step string) {
		t.Helper()
		for _, acc := range []int64{a, b} {
			cur, err := st.Current(ctx, acc)
			if err != nil {
				t.Fatal(err)
			}
			var want int64
			if err := db.Get(&want, `SELECT COUNT(*) FROM customers WHERE account_id = ?`, acc); err != nil {
				t.Fatal(err)
			}
			if cur.Customers != want {
				t.Fatalf("after %s: account %d shows %d customers, has %d", step, acc, cur.Customers, want)
			}
		}
	}
	check("signup")
	var ids []int64
	for i := range 5 {
		c, err := st.CreateCustomer(ctx, a, store.CustomerInput{Name: "c", Phone: fmt.Sprintf("+8210555%04d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	check("create")
	if _, err := st.CreateCustomer(ctx, a, store.CustomerInput{Name: "dup", Phone: "+82105550000"}); err == nil {
		t.Fatal("a second customer with the same phone was created")
	}
	check("a refused duplicate")
	yes, name := true, "renamed"
	if _, err := st.UpdateCustomer(ctx, a, ids[0], store.CustomerPatch{Name: &name, NightAdConsent: &yes}); err != nil {
		t.Fatal(err)
	}
	check("update and consent change")
	if _, err := st.OptOutContacts(ctx, a, []string{"+82105550001"}, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	check("opt-out")
	def, err := st.DefaultGroup(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SeedCustomers(ctx, b, def.ID, 0, 300); err != nil {
		t.Fatal(err)
	}
	check("seed")

	// An import of 4 rows: 2 phones account a has, 2 new ones.
	im, err := st.CreateImport(ctx, a, 0, "c.csv", "csv")
	if err != nil {
		t.Fatal(err)
	}
	var rows []store.ImportRow
	for i, p := range []string{"+82105550002", "+82105550003", "+82105559998", "+82105559999"} {
		rows = append(rows, store.ImportRow{Line: i + 2, Name: "imp", Phone: p, RawPhone: p, Verdict: store.VerdictOK})
	}
	if err := st.StageRows(ctx, a, im, rows); err != nil {
		t.Fatal(err)
	}
	if _, err := st.FinishStaging(ctx, a, im, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := st.BeginImportCommit(ctx, a, im, 0, "imported"); err != nil {
		t.Fatal(err)
	}
	parts, err := st.ImportParts(ctx, a, im, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		for done := false; !done; {
			if done, err = st.CommitImportBatch(ctx, a, im, p.Part, 3); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got, err := st.Import(ctx, a, im); err != nil || got.CreatedCount != 2 || got.UpdatedCount != 2 {
		t.Fatalf("import created %d, updated %d (%v); want 2 and 2", got.CreatedCount, got.UpdatedCount, err)
	}
	check("import")
	// The known customers the import updated left 미지정 for the new group.
	var inDefault, inNew int
	if err := db.Get(&inDefault, `SELECT COUNT(*) FROM group_members m JOIN customer_groups g ON g.id = m.group_id
		WHERE g.account_id = ? AND g.is_default = 1 AND m.customer_id IN (?, ?)`, a, ids[2], ids[3]); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&inNew, `SELECT COUNT(*) FROM group_members m JOIN customer_groups g ON g.id = m.group_id
		WHERE g.account_id = ? AND g.name = 'imported'`, a); err != nil {
		t.Fatal(err)
	}
	if inDefault != 0 || inNew != 4 {
		t.Fatalf("after the import: %d of the updated customers still in 미지정, %d members in the new group; want 0 and 4", inDefault, inNew)
	}
	for _, id := range ids[:3] {
		if err := st.DeleteCustomer(ctx, a, id); err != nil {
			t.Fatal(err)
		}
	}
	check("delete")
	if cur, _ := st.Current(ctx, a); cur.Customers != 4 {
		t.Fatalf("account a shows %d customers, want 5 + 2 imported - 3 deleted = 4", cur.Customers)
	}
}
