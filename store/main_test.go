package store_test

import (
	"context"
	"testing"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// openStore opens a store on the package's test database, closed when t ends.
func openStore(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), testenv.Current().DSN)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
