package sheet

import (
	"bytes"
	"encoding/csv"
	"testing"
)

// Cells a spreadsheet would run as formulas get a leading apostrophe; numbers
// and ordinary text are written as they are.
func TestCSVWriterNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	w, err := NewCSVWriter(&b, []string{"이름", "값"})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{`=HYPERLINK("http://x","y")`, -5},
		{"+821012345678", 3.5},
		{"-2+3", int64(7)},
		{"@SUM(A1)", "\tx"},
		{"\r=1", "홍길동"},
		{"010-1234-5678", ""},
	}
	for _, r := range rows {
		if err := w.Row(r...); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b.Bytes(), utf8BOM))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"이름", "값"},
		{`'=HYPERLINK("http://x","y")`, "-5"},
		{"'+821012345678", "3.5"},
		{"'-2+3", "7"},
		{"'@SUM(A1)", "'\tx"},
		{"'\r=1", "홍길동"},
		{"010-1234-5678", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %q", got)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Errorf("row %d cell %d: %q, want %q", i, j, got[i][j], want[i][j])
			}
		}
	}
}
