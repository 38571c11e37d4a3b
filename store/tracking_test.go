package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

func clickStore(t *testing.T) (*store.Store, *sqlx.DB) {
	t.Helper()
	return testenv.Store(t), testenv.DB(t)
}

func testClick(campaign int64, i int) store.Click {
	return store.Click{Link: store.Link{Token: fmt.Sprintf("tok%019d", i), MessageID: int64(1000 + i), CampaignID: campaign,
		AccountID: 77, Index: 0, URL: "https://example.com"}, At: time.Now(), UserAgent: "test"}
}

// waitQueued waits until n clicks wait in the (paused) recorder's queue.
func waitQueued(t *testing.T, r *store.ClickRecorder, n int) {
	t.Helper()
	for i := 0; r.Queued() < n; i++ {
		if i > 5000 {
			t.Fatalf("%d clicks queued, want %d", r.Queued(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Many concurrent clicks are all recorded, with fewer commits than clicks:
// the clicks queued while no batch could commit share one INSERT.
func TestClickRecorderGroupsConcurrentClicks(t *testing.T) {
	st, _ := clickStore(t)
	const n = 100
	campaign := 880001 + rerun(t)
	r := st.NewClickRecorder(store.ClickRecorderOptions{Paused: true, MaxBatch: 64, Committers: 1})
	defer r.Close()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.Record(context.Background(), testClick(campaign, i)) }()
	}
	waitQueued(t, r, n)
	r.Start()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("click %d: %v", i, err)
		}
	}
	got, err := st.CountClicks(context.Background(), store.CampaignKey{AccountID: 77, ID: campaign})
	if err != nil || got != n {
		t.Fatalf("%d clicks recorded (%v), want %d", got, err, n)
	}
	if r.Clicks() != n || r.Commits() != 2 {
		t.Fatalf("%d clicks in %d commits; want %d in 2 (batches of at most 64)", r.Clicks(), r.Commits(), n)
	}
	// Another account's key sees none of them.
	if other, _ := st.CountClicks(context.Background(), store.CampaignKey{AccountID: 78, ID: campaign}); other != 0 {
		t.Fatalf("account 78 counts %d clicks of account 77's campaign", other)
	}
}

// When a batch's INSERT fails, every click is tried on its own: the good ones
// are stored and answered nil, the bad one answers its error, and none is told
// it was stored when it was not.
func TestClickRecorderFailedBatchAnswersEachClick(t *testing.T) {
	st, _ := clickStore(t)
	const n = 10
	campaign := 880002 + rerun(t)
	r := st.NewClickRecorder(store.ClickRecorderOptions{Paused: true, Committers: 1})
	defer r.Close()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		c := testClick(campaign, i)
		if i == 3 {
			c.Index = 300 // link_idx is a TINYINT UNSIGNED: this row cannot be stored
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = r.Record(context.Background(), c) }()
	}
	waitQueued(t, r, n)
	r.Start()
	wg.Wait()
	for i, err := range errs {
		if (i == 3) != (err != nil) {
			t.Errorf("click %d answered %v", i, err)
		}
	}
	got, _ := st.CountClicks(context.Background(), store.CampaignKey{AccountID: 77, ID: campaign})
	if got != n-1 || r.Clicks() != n-1 {
		t.Fatalf("%d clicks stored (recorder says %d), want %d", got, r.Clicks(), n-1)
	}
}

// The queue is bounded: past it, Record answers ErrClicksBusy at once instead
// of holding more clicks in memory.
func TestClickRecorderQueueIsBounded(t *testing.T) {
	st, _ := clickStore(t)
	campaign := 880003 + rerun(t)
	r := st.NewClickRecorder(store.ClickRecorderOptions{Paused: true, Queue: 4, Committers: 1})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); _ = r.Record(context.Background(), testClick(campaign, i)) }()
	}
	waitQueued(t, r, 4)
	if err := r.Record(context.Background(), testClick(campaign, 4)); !errors.Is(err, store.ErrClicksBusy) {
		t.Fatalf("a fifth click with a queue of 4 answered %v, want ErrClicksBusy", err)
	}
	r.Close() // commits the four queued clicks
	wg.Wait()
	if got, _ := st.CountClicks(context.Background(), store.CampaignKey{AccountID: 77, ID: campaign}); got != 4 {
		t.Fatalf("%d clicks stored, want the 4 queued", got)
	}
	if err := r.Record(context.Background(), testClick(campaign, 5)); !errors.Is(err, store.ErrClicksClosed) {
		t.Fatalf("a click after Close answered %v", err)
	}
}

// A committer keeps its own connection (with its prepared INSERTs). When the
// server has dropped it while it idled (wait_timeout, a restart, a killed
// session), the next clicks are stored and answered on a fresh one.
func TestClickRecorderSurvivesALostConnection(t *testing.T) {
	st, db := clickStore(t)
	campaign := 880005 + rerun(t)
	key := store.CampaignKey{AccountID: 77, ID: campaign}
	// Every use counts as after idling: the connection is checked each time.
	r := st.NewClickRecorder(store.ClickRecorderOptions{Paused: true, Committers: 1, IdleCheck: time.Nanosecond})
	defer r.Close()
	batch := func(from, n int) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = r.Record(context.Background(), testClick(campaign, from+i)) }()
		}
		waitQueued(t, r, n)
		r.Start()
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("click %d: %v", from+i, err)
			}
		}
	}
	batch(0, 5)
	if r.Commits() != 1 {
		t.Fatalf("5 queued clicks took %d commits, want 1", r.Commits())
	}
	var dbName string
	if err := db.Get(&dbName, `SELECT DATABASE()`); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	if err := db.Select(&ids, `SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()`, dbName); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		_, _ = db.Exec(fmt.Sprintf("KILL %d", id))
	}
	if err := r.Record(context.Background(), testClick(campaign, 5)); err != nil {
		t.Fatalf("the click after the connection was lost: %v", err)
	}
	if err := r.Record(context.Background(), testClick(campaign, 6)); err != nil {
		t.Fatalf("the next click: %v", err)
	}
	if got, _ := st.CountClicks(context.Background(), key); got != 7 {
		t.Fatalf("%d clicks stored, want 7", got)
	}
}

// LinkTokens answers a campaign's tokens only under its own account's key.
func TestLinkTokensAreTheAccountsOwn(t *testing.T) {
	st, db := clickStore(t)
	campaign := 880004 + rerun(t)
	for i := range 3 {
		if _, err := db.Exec(`INSERT INTO message_links (token, message_id, campaign_id, account_id, idx, url) VALUES (?, ?, ?, 77, 0, 'https://e.example')`,
			fmt.Sprintf("lnk%019d", campaign*10+int64(i)), 5000+i, campaign); err != nil {
			t.Fatal(err)
		}
	}
	own, err := st.LinkTokens(context.Background(), store.CampaignKey{AccountID: 77, ID: campaign}, 10)
	if err != nil || len(own) != 3 {
		t.Fatalf("own key: %v, %v", own, err)
	}
	if other, _ := st.LinkTokens(context.Background(), store.CampaignKey{AccountID: 78, ID: campaign}, 10); len(other) != 0 {
		t.Fatalf("another account's key sees %v", other)
	}
}

// A click's agent is stored once and named by id: each distinct agent (by its
// bytes: agents differing only in case are two) has one user_agents row with
// what it parsed to, whichever process or batch sees it first, and every
// click reads back its own agent. Bytes that are not UTF-8 and agents past 512
// characters are stored, not refused.
func TestClicksNameTheirAgentOnce(t *testing.T) {
	st, db := clickStore(t)
	campaign := 880006 + rerun(t)
	if _, err := db.Exec(`DELETE FROM clicks WHERE campaign_id = ?`, campaign); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("가", 600)
	agents := []string{"Mozilla/5.0 KAKAOTALK 10.4.3", "mozilla/5.0 kakaotalk 10.4.3", "Bot\xff\xfe/1.0", long, ""}
	want := []string{agents[0], agents[1], "Bot\uFFFD\uFFFD/1.0", strings.Repeat("가", 512), ""}
	record := func(st *store.Store, from int) {
		t.Helper()
		r := st.NewClickRecorder(store.ClickRecorderOptions{Paused: true, Committers: 1})
		var wg sync.WaitGroup
		errs := make([]error, 2*len(agents))
		for i := range errs {
			c := testClick(campaign, from+i)
			c.UserAgent, c.Device, c.OS, c.Browser = agents[i%len(agents)], "mobile", "Android", fmt.Sprintf("b%d", i%len(agents))
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = r.Record(context.Background(), c) }()
		}
		waitQueued(t, r, len(errs))
		r.Start()
		wg.Wait()
		r.Close()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("click %d: %v", from+i, err)
			}
		}
	}
	record(st, 0)
	record(testenv.Store(t), 100) // another process: nothing remembered
	if err := st.RecordClick(context.Background(), testClick(campaign, 200)); err != nil {
		t.Fatal(err)
	}
	var rows []struct {
		Token   string `db:"token"`
		Agent   string `db:"agent"`
		Browser string `db:"browser"`
	}
	if err := db.Select(&rows, `SELECT c.token, a.agent, a.browser FROM clicks c JOIN user_agents a ON a.id = c.agent_id
		WHERE c.campaign_id = ? ORDER BY c.token`, campaign); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4*len(agents)+1 {
		t.Fatalf("%d clicks read back with their agent, want %d", len(rows), 4*len(agents)+1)
	}
	for _, r := range rows {
		var i int
		if _, err := fmt.Sscanf(r.Token, "tok%d", &i); err != nil {
			t.Fatal(err)
		}
		if i == 200 {
			if r.Agent != "test" {
				t.Errorf("click %d reads agent %q, want %q", i, r.Agent, "test")
			}
			continue
		}
		j := i % 100 % len(agents)
		if r.Agent != want[j] || r.Browser != fmt.Sprintf("b%d", j) {
			t.Errorf("click %d reads agent %.20q (browser %s), want %.20q (b%d)", i, r.Agent, r.Browser, want[j], j)
		}
	}
	var n int
	if err := db.Get(&n, `SELECT COUNT(DISTINCT a.id) FROM user_agents a JOIN clicks c ON c.agent_id = a.id WHERE c.campaign_id = ?`, campaign); err != nil {
		t.Fatal(err)
	}
	if n != len(agents)+1 {
		t.Fatalf("the clicks name %d user_agents rows, want one per agent (%d)", n, len(agents)+1)
	}
}

// Two processes that meet the same new agents at the same moment store each
// once, and both have every click stored with its own agent.
func TestTwoProcessesStoreANewAgentOnce(t *testing.T) {
	_, db := clickStore(t)
	const n = 60
	campaign := 880007 + rerun(t)
	if _, err := db.Exec(`DELETE FROM clicks WHERE campaign_id = ?`, campaign); err != nil {
		t.Fatal(err)
	}
	var recorders []*store.ClickRecorder
	var wg sync.WaitGroup
	errs := make([]error, 2*n)
	for p := range 2 {
		r := testenv.Store(t).NewClickRecorder(store.ClickRecorderOptions{Paused: true, Committers: 1})
		recorders = append(recorders, r)
		for i := range n {
			c := testClick(campaign, p*n+i)
			c.UserAgent = fmt.Sprintf("race/%d", (i+p*7)%n) // the same agents, in another order
			wg.Add(1)
			go func() { defer wg.Done(); errs[p*n+i] = r.Record(context.Background(), c) }()
		}
		waitQueued(t, r, n)
	}
	for _, r := range recorders {
		go r.Start()
	}
	wg.Wait()
	for _, r := range recorders {
		r.Close()
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("click %d: %v", i, err)
		}
	}
	var agents int
	if err := db.Get(&agents, `SELECT COUNT(*) FROM user_agents WHERE agent LIKE 'race/%'`); err != nil || agents != n {
		t.Fatalf("%d user_agents rows for %d agents (%v)", agents, n, err)
	}
	var rows []struct{ Token, Agent string }
	if err := db.Select(&rows, `SELECT c.token, a.agent FROM clicks c JOIN user_agents a ON a.id = c.agent_id WHERE c.campaign_id = ?`, campaign); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2*n {
		t.Fatalf("%d clicks read back with their agent, want %d", len(rows), 2*n)
	}
	for _, r := range rows {
		var k int
		if _, err := fmt.Sscanf(r.Token, "tok%d", &k); err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("race/%d", (k%n+k/n*7)%n); r.Agent != want {
			t.Errorf("click %d reads agent %q, want %q", k, r.Agent, want)
		}
	}
}
