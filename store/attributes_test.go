package store_test

import (
	"encoding/json"
	"maps"
	"testing"

	"github.com/sendingo/sendingo/store"
)

// attributeColumns are what the attributes column may hold: what the store
// writes, what MariaDB's JSON functions write, and what only encoding/json
// reads rightly (escapes, other value types, broken JSON).
var attributeColumns = []string{
	`{}`, ` { } `, `{"등급":"골드"}`, `{"등급": "골드", "city": "Seoul"}`,
	"{\n\t\"a\" : \"1\" ,\r\n\"b\":\"\"}", `{"":""}`, `{"a":"1","a":"2"}`,
	`{"a":"x\"y"}`, `{"a":"\u003cb\u003e"}`, `{"a\\b":"c"}`, `{"a":"line\nbreak"}`,
	"{\"a\":\"raw\ttab\"}", "{\"a\":\"\xff\"}", "{\"\xc3\":\"b\"}",
	`{"a":1}`, `{"a":null}`, `{"a":true}`, `{"a":["x"]}`, `{"a":{"b":"c"}}`,
	`null`, `[]`, `"a"`, `{`, `{"a"`, `{"a":`, `{"a":"b"`, `{"a":"b",}`, `{"a":"b"}x`,
	`{"a" "b"}`, `{"a":"b" "c":"d"}`, `{,}`, `{"a":"b",,"c":"d"}`, `{"a":"b"}}`, ``,
}

// TestAttributesReadAsEncodingJSONDoes: every column value reads to the
// attributes encoding/json makes of it, or fails where it fails.
func TestAttributesReadAsEncodingJSONDoes(t *testing.T) {
	for _, col := range attributeColumns {
		checkAttributes(t, col)
	}
}

func FuzzAttributesReadAsEncodingJSONDoes(f *testing.F) {
	for _, col := range attributeColumns {
		f.Add(col)
	}
	f.Fuzz(checkAttributes)
}

func checkAttributes(t *testing.T, col string) {
	t.Helper()
	var got store.Attributes
	gotErr := got.Scan([]byte(col))
	want := map[string]string{}
	wantErr := error(nil)
	if col != "" {
		wantErr = json.Unmarshal([]byte(col), &want)
	}
	if (gotErr != nil) != (wantErr != nil) {
		t.Fatalf("%q: error %v, encoding/json's %v", col, gotErr, wantErr)
	}
	if gotErr == nil && !maps.Equal(map[string]string(got), want) {
		t.Fatalf("%q: read %q, encoding/json reads %q", col, got, want)
	}
}

// BenchmarkAttributesScan reads a customer's attributes column as a campaign
// does for every recipient, and encoding/json's reading of the same bytes in
// the same run; it reports the ratio.
//
//	go test ./store -run '^$' -bench AttributesScan -v
func BenchmarkAttributesScan(b *testing.B) {
	col := []byte(`{"등급":"골드","city":"Seoul"}`)
	var plain, reflected float64
	b.Run("plain", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a store.Attributes
			if err := a.Scan(col); err != nil || len(a) != 2 {
				b.Fatal(a, err)
			}
		}
		plain = float64(b.Elapsed()) / float64(b.N)
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a := map[string]string{}
			if err := json.Unmarshal(col, &a); err != nil || len(a) != 2 {
				b.Fatal(a, err)
			}
		}
		reflected = float64(b.Elapsed()) / float64(b.N)
	})
	if plain > 0 {
		b.Logf("plain reading: %.0f ns, encoding/json: %.0f ns, %.1fx", plain, reflected, reflected/plain)
	}
}
