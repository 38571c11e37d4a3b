package api

import (
	"slices"
	"testing"
)

// The hub's accounts are those with open streams, each once.
func TestHubAccountsAreThoseWithOpenStreams(t *testing.T) {
	h := &hub{subs: map[int64]map[*subscriber]struct{}{}}
	if a := h.accounts(); len(a) != 0 {
		t.Fatalf("no streams, accounts %v", a)
	}
	h.subs[7] = map[*subscriber]struct{}{{}: {}, {}: {}}
	h.subs[3] = map[*subscriber]struct{}{{}: {}}
	a := h.accounts()
	slices.Sort(a)
	if !slices.Equal(a, []int64{3, 7}) {
		t.Fatalf("accounts %v, want [3 7]", a)
	}
}
