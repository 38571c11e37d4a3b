package egress

import (
	"slices"
	"testing"
)

// List answers every exception once, canonical, and nothing for a nil or empty Guard.
func TestListAnswersEveryExceptionOnce(t *testing.T) {
	var none *Guard
	if l := none.List(); len(l) != 0 {
		t.Fatalf("nil guard lists %v", l)
	}
	g, err := New("127.0.0.1:8090", "localhost:1025", "127.0.0.1:8090")
	if err != nil {
		t.Fatal(err)
	}
	l := g.List()
	slices.Sort(l)
	want := []string{"127.0.0.1:8090", "localhost:1025"}
	if !slices.Equal(l, want) {
		t.Fatalf("List() = %v, want %v", l, want)
	}
	if empty, _ := New(); len(empty.List()) != 0 {
		t.Fatalf("empty guard lists %v", empty.List())
	}
}
