package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// signup makes the stack's client an account's owner and answers the account id.
func (s *stack) signup() int64 {
	s.t.Helper()
	var su struct {
		Token   string             `json:"token"`
		Account struct{ ID int64 } `json:"account"`
	}
	s.c.Do("POST", "/api/v1/auth/signup", map[string]any{"account_name": "e2e", "name": "e2e",
		"email": fmt.Sprintf("e2e-%d@example.com", time.Now().UnixNano()), "password": "E2e-Passw0rd"}).Expect(201).JSON(&su)
	s.c = s.c.As(su.Token)
	return su.Account.ID
}

type importState struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	ValidRows     int64  `json:"valid_rows"`
	DuplicateRows int64  `json:"duplicate_rows"`
	TargetGroupID int64  `json:"target_group_id"`
	ProcessedRows int64  `json:"processed_rows"`
	Created       int64  `json:"created"`
	Updated       int64  `json:"updated"`
	Skipped       int64  `json:"skipped"`
}

// The worker is SIGKILLed while it commits an import (two parts side by side,
// each in batches), then restarted: every part resumes after its last
// committed batch, and every customer is created once, counted once and in
// the group once.
func TestImportSurvivesAWorkerKilledMidCommit(t *testing.T) {
	s := newStack(t)
	account := s.signup()
	const n, dups = 30000, 25 // two parts of 15,000 rows, each a 10,000- and a 5,000-row batch; the last lines repeat earlier phones
	var b strings.Builder
	b.WriteString("이름,휴대폰,등급\n")
	for i := range n {
		fmt.Fprintf(&b, "고객%d,010-4%03d-%04d,VIP\n", i, i/10000, i%10000)
	}
	for i := range dups {
		fmt.Fprintf(&b, "중복%d,010-4%03d-%04d,골드\n", i, i/10000, i%10000)
	}
	var im importState
	s.c.Upload("/api/v1/imports", "file", "big.csv", []byte(b.String()), nil).Expect(201).JSON(&im)
	if im.ValidRows != n || im.DuplicateRows != dups {
		t.Fatalf("staged %+v", im)
	}
	get := func() importState {
		var out importState
		s.c.Do("GET", fmt.Sprintf("/api/v1/imports/%d", im.ID), nil).Expect(200).JSON(&out)
		return out
	}

	w := s.startWorker()
	s.c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "대량 가져오기"}).Expect(202)
	deadline := time.Now().Add(2 * time.Minute)
	var at importState
	for at = get(); at.ProcessedRows < 2000; at = get() {
		if time.Now().After(deadline) {
			t.Fatalf("no batch committed in 2 minutes: %+v", at)
		}
		time.Sleep(5 * time.Millisecond)
	}
	w.kill()
	at = get()
	t.Logf("SIGKILL with %d of %d rows committed", at.ProcessedRows, n)
	if at.ProcessedRows >= n || at.Status != "committing" {
		t.Fatalf("the commit finished before the kill: %+v", at)
	}
	// What is counted and what is stored, read in one statement (one
	// snapshot: a batch the dying worker had sent its COMMIT for may land
	// after the read above).
	var stored struct {
		Processed int64 `db:"processed"`
		Customers int64 `db:"customers"`
	}
	if err := s.db.Get(&stored, `SELECT (SELECT processed_rows FROM imports WHERE id = ?) AS processed,
		(SELECT COUNT(*) FROM customers WHERE account_id = ?) AS customers`, im.ID, account); err != nil {
		t.Fatal(err)
	}
	if at.Created != at.ProcessedRows || stored.Customers != stored.Processed {
		t.Fatalf("after the kill %+v, %d rows counted and %d customers stored: want whole batches counted, each row created once",
			at, stored.Processed, stored.Customers)
	}

	s.startWorker()
	deadline = time.Now().Add(3 * time.Minute)
	var done importState
	for done = get(); done.Status != "completed" && done.Status != "failed"; done = get() {
		if done.ProcessedRows < at.ProcessedRows {
			t.Fatalf("progress went back from %d to %d", at.ProcessedRows, done.ProcessedRows)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish after the restart: %+v", done)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if done.Status != "completed" || done.ProcessedRows != n || done.Created != n || done.Updated != 0 || done.Skipped != dups {
		t.Fatalf("finished import %+v, want %d processed and created, 0 updated, %d skipped", done, n, dups)
	}
	var customers, members, distinct int64
	db := s.db
	if err := db.Get(&customers, `SELECT COUNT(*) FROM customers WHERE account_id = ?`, account); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&members, `SELECT COUNT(*) FROM group_members WHERE group_id = ?`, done.TargetGroupID); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&distinct, `SELECT COUNT(DISTINCT phone) FROM customers WHERE account_id = ?`, account); err != nil {
		t.Fatal(err)
	}
	if customers != n || distinct != n || members != n {
		t.Fatalf("%d customers (%d distinct phones), %d in the group; want %d each", customers, distinct, members, n)
	}
	var firstNames int64
	if err := db.Get(&firstNames, `SELECT COUNT(*) FROM customers WHERE account_id = ? AND name LIKE '고객%'`, account); err != nil {
		t.Fatal(err)
	}
	if firstNames != n {
		t.Fatalf("%d customers keep their first line's name, want %d (a duplicate line was committed)", firstNames, n)
	}
}
