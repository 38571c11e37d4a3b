package activities_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/sendingo/sendingo/activities"
	"github.com/sendingo/sendingo/egress"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// newAccount opens a store on the package's database and activities over it
// (no relay reachable), and signs up an account in Asia/Seoul named name.
func newAccount(t *testing.T, name string) (*store.Store, *activities.Activities, store.Account) {
	t.Helper()
	ctx := context.Background()
	st := testenv.Store(t)
	acts := activities.New(st, slog.New(slog.DiscardHandler), "http://localhost", &egress.Guard{})
	acc, _, err := st.Signup(ctx, store.SignupParams{AccountName: name, Timezone: "Asia/Seoul", UserName: name,
		Email: fmt.Sprintf("%s-%d@example.com", name, time.Now().UnixNano()), PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return st, acts, acc
}
