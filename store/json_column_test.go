package store_test

import (
	"testing"

	"github.com/sendingo/sendingo/store"
)

// RawJSON and NullJSON read a JSON column alike, but for NULL: {} and null.
func TestJSONColumnsScanACopyAndTheirOwnNull(t *testing.T) {
	src := []byte(`{"a":1}`)
	var r store.RawJSON
	var n store.NullJSON
	if err := r.Scan(src); err != nil || string(r) != `{"a":1}` {
		t.Fatalf("RawJSON from bytes: %q %v", r, err)
	}
	if err := n.Scan(src); err != nil || string(n) != `{"a":1}` {
		t.Fatalf("NullJSON from bytes: %q %v", n, err)
	}
	src[2] = 'b' // the driver reuses its buffer: what was read must not change
	if string(r) != `{"a":1}` || string(n) != `{"a":1}` {
		t.Fatalf("scanned values share the driver's buffer: %q %q", r, n)
	}
	if err := r.Scan(`[1]`); err != nil || string(r) != `[1]` {
		t.Fatalf("RawJSON from string: %q %v", r, err)
	}
	if err := r.Scan(nil); err != nil || string(r) != `{}` {
		t.Fatalf("RawJSON from NULL: %q %v", r, err)
	}
	if err := n.Scan(nil); err != nil || n != nil {
		t.Fatalf("NullJSON from NULL: %q %v", n, err)
	}
	if b, _ := n.MarshalJSON(); string(b) != "null" {
		t.Fatalf("NULL writes %s", b)
	}
	if err := n.Scan(7); err == nil || err.Error() != "scan JSON column: unexpected int" {
		t.Fatalf("NullJSON from int: %v", err)
	}
	if err := r.Scan(7); err == nil || string(r) != `{}` {
		t.Fatalf("RawJSON from int: %q %v (want the error and the value kept)", r, err)
	}
}
