package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sendingo/sendingo/notify"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// signup makes an account with its owner.
func signup(t *testing.T, st *store.Store) (store.Account, store.User) {
	t.Helper()
	acc, u, err := st.Signup(context.Background(), store.SignupParams{AccountName: "feed", Timezone: "Asia/Seoul",
		UserName: "owner", Email: fmt.Sprintf("feed-%d@example.com", time.Now().UnixNano()), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return acc, u
}

// secondUser adds a user to the account (teams are coming; the table is ready).
func secondUser(t *testing.T, st *store.Store, accountID int64) int64 {
	t.Helper()
	res, err := testenv.DB(t).Exec(`INSERT INTO users (account_id, name, email, password_hash, role, created_at)
		VALUES (?, 'second', ?, 'x', 'owner', NOW(6))`, accountID, fmt.Sprintf("second-%d@example.com", time.Now().UnixNano()))
	if err != nil {
		t.Fatal(err)
	}
	id, _ := res.LastInsertId()
	return id
}

func campaignNotice(id int64) notify.Notice {
	return notify.CampaignFinished(notify.Campaign{ID: id, Name: "여름 세일", Run: 1, Status: "completed", Total: 10, Delivered: 10})
}

// A notice is stored once however often it is told (a retried activity, a second
// worker), in the account's language.
func TestNotifyStoresOnceInTheAccountsLanguage(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	ko, _ := signup(t, st)
	en, _ := signup(t, st)
	if _, err := st.UpdateAccountSettings(ctx, en.ID, store.AccountSettings{Language: new("en")}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	ids := make([]int64, 8)
	created := make([]bool, 8)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if ids[i], created[i], err = st.Notify(ctx, ko.ID, campaignNotice(7)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	stored := 0
	for i := range ids {
		if created[i] {
			stored++
		}
		if ids[i] != ids[0] || ids[i] == 0 {
			t.Fatalf("ids %v: every call must answer the one stored notification", ids)
		}
	}
	if stored != 1 {
		t.Fatalf("%d calls said they stored it, want 1", stored)
	}
	if _, _, err := st.Notify(ctx, en.ID, campaignNotice(7)); err != nil {
		t.Fatal(err)
	}
	list := func(acc store.Account, u int64) []store.Notification {
		ns, _, err := st.Notifications(ctx, acc.ID, u, store.NotificationQuery{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		return ns
	}
	kos, ens := list(ko, 0), list(en, 0)
	if len(kos) != 1 || kos[0].Title != "캠페인 발송 완료: 여름 세일" || kos[0].Kind != notify.CampaignCompleted ||
		kos[0].Link != "/campaigns/7" || kos[0].Subject["campaign_id"] != 7 {
		t.Fatalf("ko account: %+v", kos)
	}
	if len(ens) != 1 || ens[0].Title != "Campaign sent: 여름 세일" || ens[0].Body != "10 of 10 delivered, 0 failed, 0 unknown." {
		t.Fatalf("en account: %+v", ens)
	}
	if _, _, err := st.Notify(ctx, 1<<40, campaignNotice(7)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an account that does not exist: %v", err)
	}
}

// Read state is the user's: single reads, read-all, and unread filtering.
func TestNotificationReadStateIsPerUser(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	acc, owner := signup(t, st)
	other, _ := signup(t, st)
	second := secondUser(t, st, acc.ID)
	var ids []int64
	for i := range 5 {
		id, _, err := st.Notify(ctx, acc.ID, campaignNotice(int64(100+i)))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	foreign, _, err := st.Notify(ctx, other.ID, campaignNotice(1))
	if err != nil {
		t.Fatal(err)
	}
	unread := func(u int64) int64 {
		n, err := st.UnreadNotifications(ctx, acc.ID, u)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unread(owner.ID); n != 5 {
		t.Fatalf("unread %d, want 5", n)
	}
	// Another account's id is ignored.
	if err := st.MarkNotificationsRead(ctx, acc.ID, owner.ID, []int64{ids[1], ids[3], foreign}); err != nil {
		t.Fatal(err)
	}
	if n := unread(owner.ID); n != 3 {
		t.Fatalf("after reading two: unread %d, want 3", n)
	}
	if n := unread(second); n != 5 {
		t.Fatalf("the second user read nothing: unread %d, want 5", n)
	}
	page, total, err := st.Notifications(ctx, acc.ID, owner.ID, store.NotificationQuery{UnreadOnly: true, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if total != 3 || len(page) != 2 || page[0].ID != ids[4] || page[1].ID != ids[2] || page[0].Read {
		t.Fatalf("unread page 1: total %d %+v", total, page)
	}
	page, _, err = st.Notifications(ctx, acc.ID, owner.ID, store.NotificationQuery{UnreadOnly: true, Before: page[1].ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 1 || page[0].ID != ids[0] {
		t.Fatalf("unread page 2: %+v", page)
	}
	all, total, err := st.Notifications(ctx, acc.ID, owner.ID, store.NotificationQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if total != 5 || len(all) != 5 || !all[1].Read || all[0].Read {
		t.Fatalf("all: total %d %+v", total, all)
	}
	if err := st.MarkAllNotificationsRead(ctx, acc.ID, owner.ID); err != nil {
		t.Fatal(err)
	}
	if n := unread(owner.ID); n != 0 {
		t.Fatalf("after read all: unread %d", n)
	}
	later, _, err := st.Notify(ctx, acc.ID, campaignNotice(200))
	if err != nil {
		t.Fatal(err)
	}
	if n := unread(owner.ID); n != 1 {
		t.Fatalf("a notification after read-all is unread: %d", n)
	}
	if err := st.MarkNotificationsRead(ctx, acc.ID, owner.ID, []int64{later}); err != nil {
		t.Fatal(err)
	}
	if n := unread(owner.ID); n != 0 {
		t.Fatalf("unread %d", n)
	}
	if n := unread(second); n != 6 {
		t.Fatalf("the second user: unread %d, want 6", n)
	}
}

// A stream ticket is spent once, and not after it expires.
func TestStreamTicketSingleUseAndExpiry(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	acc, u := signup(t, st)
	now := time.Now()
	off := rerun(t)
	hash := fmt.Appendf(nil, "%032d", 1+off)
	if err := st.CreateStreamTicket(ctx, acc.ID, u.ID, hash, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	gotAcc, gotUser, err := st.UseStreamTicket(ctx, hash, now)
	if err != nil || gotAcc != acc.ID || gotUser != u.ID {
		t.Fatalf("first use: %d %d %v", gotAcc, gotUser, err)
	}
	if _, _, err := st.UseStreamTicket(ctx, hash, now); !errors.Is(err, store.ErrTicketInvalid) {
		t.Fatalf("second use: %v", err)
	}
	late := fmt.Appendf(nil, "%032d", 2+off)
	if err := st.CreateStreamTicket(ctx, acc.ID, u.ID, late, now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := st.UseStreamTicket(ctx, late, now.Add(61*time.Second)); !errors.Is(err, store.ErrTicketInvalid) {
		t.Fatalf("expired use: %v", err)
	}
}

// Workers that see the same outage record one transition each way, and one
// notification each.
func TestRecordCircuitOncePerTransition(t *testing.T) {
	st := testenv.Store(t)
	ctx := context.Background()
	acc, _ := signup(t, st)
	r, err := st.SaveRelay(ctx, acc.ID, store.Relay{Name: "sim-a", Kind: "simulator", Channel: "sms",
		Config: store.RawJSON(`{}`), Weight: 1, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	race := func(open bool) int {
		var wg sync.WaitGroup
		var mu sync.Mutex
		changed := 0
		for range 4 { // four workers' breakers
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := st.RecordCircuit(ctx, r.ID, open)
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				if ok {
					changed++
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		return changed
	}
	if n := race(true); n != 1 {
		t.Fatalf("open: %d transitions recorded, want 1", n)
	}
	if n := race(true); n != 0 {
		t.Fatalf("open again: %d transitions recorded, want 0", n)
	}
	if n := race(false); n != 1 {
		t.Fatalf("close: %d transitions recorded, want 1", n)
	}
	if state, changes, err := st.CircuitState(ctx, acc.ID, r.ID); err != nil || state != "closed" || changes != 2 {
		t.Fatalf("circuit %s after %d changes (%v)", state, changes, err)
	}
	kinds := map[string]int{}
	ns, _, err := st.Notifications(ctx, acc.ID, 0, store.NotificationQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		kinds[n.Kind]++
		if n.Subject["relay_id"] != r.ID || n.Link != fmt.Sprintf("/relays/%d", r.ID) {
			t.Fatalf("notification %+v", n)
		}
	}
	if kinds[notify.RelayCircuitOpened] != 1 || kinds[notify.RelayCircuitClosed] != 1 || len(ns) != 2 {
		t.Fatalf("notifications by kind: %v", kinds)
	}
	// A later outage is news again.
	if n := race(true); n != 1 {
		t.Fatalf("second outage: %d", n)
	}
	if ok, err := st.RecordCircuit(ctx, 1<<40, true); ok || err != nil {
		t.Fatalf("a relay that does not exist: %v %v", ok, err)
	}
}
