package store_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// The messages a campaign materialises go to exactly the customers its counts
// name: AudienceBatch and AudienceSize read one definition of the audience
// (the account, opt-outs, the groups or customers named), page after page.
func TestAudienceBatchReachesWhomAudienceSizeCounts(t *testing.T) {
	ctx := context.Background()
	st, db := testenv.Store(t), testenv.DB(t)
	var account, other int64
	if err := db.Get(&account, `SELECT COALESCE(MAX(id), 0) + 1 FROM accounts`); err != nil {
		t.Fatal(err)
	}
	other = account + 1
	for _, id := range []int64{account, other} {
		if _, err := db.Exec(`INSERT INTO accounts (id, name, created_at) VALUES (?, 'audience', NOW())`, id); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO customer_groups (account_id, name, is_default, created_at) VALUES (?, '미지정', 1, NOW())`, id); err != nil {
			t.Fatal(err)
		}
	}
	g1, err := st.CreateGroup(ctx, account, "one")
	if err != nil {
		t.Fatal(err)
	}
	g2, err := st.CreateGroup(ctx, account, "two")
	if err != nil {
		t.Fatal(err)
	}
	g3, err := st.CreateGroup(ctx, account, "three")
	if err != nil {
		t.Fatal(err)
	}
	gOther, err := st.CreateGroup(ctx, other, "other")
	if err != nil {
		t.Fatal(err)
	}
	// Seven customers: 0-2 in group one, 2-4 in group two (2 in both), 3 opted
	// out, 5 in group three only; 6 belongs to another account.
	var ids []int64
	for i := range 7 {
		acc, groups := account, []int64{g3.ID}
		switch {
		case i <= 1:
			groups = []int64{g1.ID}
		case i == 2:
			groups = []int64{g2.ID, g1.ID}
		case i <= 4:
			groups = []int64{g2.ID}
		case i == 6:
			acc, groups = other, []int64{gOther.ID}
		}
		c, err := st.CreateCustomer(ctx, acc, store.CustomerInput{Name: fmt.Sprint("고객", i), Phone: fmt.Sprintf("+8210777700%02d", i),
			Attributes: attrs(i), OptedOut: i == 3, GroupIDs: groups})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	for _, tc := range []struct {
		name string
		c    store.Campaign
		want []int64 // customer ids; group ids alongside
		grp  []int64
	}{
		{"groups", store.Campaign{ID: 1, AccountID: account, AudienceKind: store.AudienceGroups, GroupIDs: []int64{g1.ID, g2.ID}},
			[]int64{ids[0], ids[1], ids[2], ids[4]}, []int64{g1.ID, g1.ID, min(g1.ID, g2.ID), g2.ID}},
		// Members 0-2 and 5 span ids that hold 4 (reachable, in group two
		// only) and 3 (opted out): read as a range, neither comes along.
		{"groups around a non-member", store.Campaign{ID: 3, AccountID: account, AudienceKind: store.AudienceGroups, GroupIDs: []int64{g1.ID, g3.ID}},
			[]int64{ids[0], ids[1], ids[2], ids[5]}, []int64{g1.ID, g1.ID, g1.ID, g3.ID}},
		{"customers", store.Campaign{ID: 2, AccountID: account, AudienceKind: store.AudienceCustomers,
			CustomerIDs: []int64{ids[6], ids[5], ids[3], ids[1], ids[5]}},
			[]int64{ids[1], ids[5]}, []int64{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got, grp []int64
			after := int64(0)
			for pages := 0; ; pages++ {
				batch, next, err := st.AudienceBatch(ctx, tc.c, after, 2)
				if err != nil {
					t.Fatal(err)
				}
				if next == 0 {
					break
				}
				for _, m := range batch {
					got, grp = append(got, m.ID), append(grp, m.GroupID)
					// Each member carries what its message is rendered from.
					i := slices.Index(ids, m.ID)
					if m.Name != fmt.Sprint("고객", i) || m.Phone != fmt.Sprintf("+8210777700%02d", i) || m.AccountID != account ||
						(m.Attributes["등급"] == "VIP") != (i == 0) {
						t.Fatalf("member %d loaded as %+v", i, m.Customer)
					}
				}
				after = next
				if pages > 10 {
					t.Fatal("the batches never end")
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || fmt.Sprint(grp) != fmt.Sprint(tc.grp) {
				t.Fatalf("batches reach %v in groups %v, want %v in %v", got, grp, tc.want, tc.grp)
			}
			n, err := st.AudienceSize(ctx, tc.c, false)
			if err != nil || n != int64(len(got)) {
				t.Fatalf("AudienceSize %d (%v), but the batches reach %d", n, err, len(got))
			}
			// The send's one-pass check counts what AudienceSize and
			// AudienceMissing count (customer 0 alone has a 등급).
			vars := []string{"등급", "이름"}
			missing, _, err := st.AudienceMissing(ctx, tc.c, vars, 10)
			if err != nil {
				t.Fatal(err)
			}
			size, lacking, err := st.AudienceCheck(ctx, tc.c, false, vars)
			if err != nil || size != n || lacking != missing {
				t.Fatalf("AudienceCheck %d reachable, %d lacking (%v); AudienceSize %d, AudienceMissing %d", size, lacking, err, n, missing)
			}
			if none, _, _ := st.AudienceCheck(ctx, tc.c, false, []string{"이름"}); none != n {
				t.Fatalf("AudienceCheck with field variables only reaches %d, want %d", none, n)
			}
			// Counted in id ranges side by side, down to ranges of 3 ids (so
			// range ends fall between these customers): the same counts.
			var lo, hi int64
			if err := db.QueryRow(`SELECT MIN(id), MAX(id) FROM customers`).Scan(&lo, &hi); err != nil {
				t.Fatal(err)
			}
			for _, parts := range []int64{2, 3, (hi-lo)/3 + 2} {
				store.SplitRangeScans(t, 0, parts)
				if s, l, err := st.AudienceCheck(ctx, tc.c, false, vars); err != nil || s != n || l != missing {
					t.Fatalf("AudienceCheck in %d ranges: %d reachable, %d lacking (%v); want %d and %d", parts, s, l, err, n, missing)
				}
			}
		})
	}
}

// attrs gives customer i of the fixture its attributes: customer 0 alone has a 등급.
func attrs(i int) store.Attributes {
	if i == 0 {
		return store.Attributes{"등급": "VIP"}
	}
	return store.Attributes{}
}
