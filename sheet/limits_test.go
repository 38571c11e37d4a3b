package sheet

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// wantLimit checks that err is a *LimitError for limit whose message
// mentions each of contains.
func wantLimit(t *testing.T, err error, limit string, contains ...string) {
	t.Helper()
	var le *LimitError
	if !errors.As(err, &le) || !errors.Is(err, ErrLimit) {
		t.Fatalf("err = %v, want the %s limit", err, limit)
	}
	if le.Limit != limit {
		t.Fatalf("limit %q (%v), want %q", le.Limit, err, limit)
	}
	for _, s := range contains {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not mention %q", err, s)
		}
	}
}

// TestXLSXSharedStringBombRefused: rows of cells that all point at one 32 KB
// shared string describe 6.4 MB of text per row; the file is refused before
// any row is read, naming the per-row limit.
func TestXLSXSharedStringBombRefused(t *testing.T) {
	var b bytes.Buffer
	if err := WriteSharedStringBomb(&b, 20, 200, 32<<10); err != nil {
		t.Fatal(err)
	}
	_, rows, err := parseAll(t, b.Bytes(), Options{})
	wantLimit(t, err, LimitRowBytes, "row 2", "1 MiB")
	if len(rows) != 0 {
		t.Errorf("%d rows emitted before the refusal", len(rows))
	}
}

// TestXLSXNumberFormatAmplificationRefused: a number format of 600 "@" repeats a
// 2,000-byte text 600 times. The cell is in a column without a title (so its
// text would not even be imported): the expansion alone refuses the file.
func TestXLSXNumberFormatAmplificationRefused(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	code := strings.Repeat("@", 600)
	style, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]any{"A1": "이름", "B1": "전화번호", "A2": "홍길동", "B2": "010-1234-5678", "D2": strings.Repeat("가", 700)} {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellStyle("Sheet1", "D2", "D2", style); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	_, _, err = parseAll(t, b.Bytes(), Options{})
	wantLimit(t, err, LimitRowBytes, "row 2")
}

// TestAttributeLimits: the limits of a customer created through the API hold
// for imports too, in both formats, and the error names the column and line.
func TestAttributeLimits(t *testing.T) {
	many := []any{"이름", "전화번호"}
	for i := range 101 {
		many = append(many, fmt.Sprintf("속성%d", i+1))
	}
	longKey := strings.Repeat("키", 65)
	tests := []struct {
		name     string
		rows     [][]any
		limit    string
		contains []string
	}{
		{"101 attribute columns", [][]any{many, {"홍길동", "010-1234-5678"}}, LimitAttributes, []string{"101", "100"}},
		{"a 65-character title", [][]any{{"이름", "전화번호", longKey}, {"홍길동", "010-1234-5678", "x"}}, LimitAttributeKey, []string{"column C", "64"}},
		{"a 1,001-character value", [][]any{{"이름", "전화번호", "메모"}, {"홍길동", "010-1234-5678", "짧다"},
			{"김철수", "010-1234-5679", strings.Repeat("a", 1001)}}, LimitAttributeValue, []string{"line 3", `"메모"`, "1001", "1000"}},
	}
	for _, tt := range tests {
		for _, format := range []string{"csv", "xlsx"} {
			t.Run(tt.name+" "+format, func(t *testing.T) {
				data := []byte(buildCSV(t, tt.rows, ','))
				if format == "xlsx" {
					data = buildXLSX(t, tt.rows)
				}
				_, _, err := parseAll(t, data, Options{})
				wantLimit(t, err, tt.limit, tt.contains...)
			})
		}
	}
	// At the limits, the file is read.
	atLimit := [][]any{{"이름", "전화번호", strings.Repeat("키", 64)}, {"홍길동", "010-1234-5678", strings.Repeat("a", 1000)}}
	if _, rows, err := parseAll(t, buildXLSX(t, atLimit), Options{}); err != nil || len(rows) != 1 {
		t.Fatalf("a file at the limits: %d rows, %v", len(rows), err)
	}
}

// TestXLSXPartLimits: the unpacked size, the shared-string count, the text of
// the whole sheet, a part held in memory and a text run are each bounded.
func TestXLSXPartLimits(t *testing.T) {
	parts := zipParts(t, buildXLSX(t, fixture))
	big := []byte(strings.Repeat("<!-- filler -->", (2<<20)/15))
	t.Run("unpacked", func(t *testing.T) {
		data := rezip(t, mergeParts(parts, map[string][]byte{"xl/worksheets/sheet2.xml": big}), nil)
		_, _, err := parseAll(t, data, Options{Limits: Limits{MaxUnpackedBytes: 1 << 20}})
		wantLimit(t, err, LimitUnpackedBytes, "1 MiB")
	})
	t.Run("shared strings", func(t *testing.T) {
		_, _, err := parseAll(t, rezip(t, parts, nil), Options{Limits: Limits{MaxSharedStrings: 5}})
		wantLimit(t, err, LimitSharedStrings, "5")
	})
	t.Run("text of the sheet", func(t *testing.T) {
		_, _, err := parseAll(t, rezip(t, parts, nil), Options{Limits: Limits{MaxTextBytes: 100}})
		wantLimit(t, err, LimitTextBytes)
	})
	t.Run("part held in memory", func(t *testing.T) {
		data := rezip(t, mergeParts(parts, map[string][]byte{"xl/media/image1.png": bytes.Repeat([]byte{0}, 5<<20)}), nil)
		_, _, err := parseAll(t, data, Options{})
		wantLimit(t, err, LimitParts, "xl/media/image1.png")
	})
	t.Run("text run", func(t *testing.T) {
		sst := []byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>` + strings.Repeat("x", 3<<20) + `</t></si></sst>`)
		_, _, err := parseAll(t, rezip(t, parts, map[string][]byte{stringsPart: sst}), Options{})
		wantLimit(t, err, LimitXMLRun)
	})
	t.Run("zip directory", func(t *testing.T) {
		var b bytes.Buffer
		zw := zip.NewWriter(&b)
		for name, content := range parts {
			w, _ := zw.Create(name)
			w.Write(content)
		}
		for i := range 30000 {
			if _, err := zw.Create(fmt.Sprintf("xl/media/empty%05d-with-a-long-name-to-fill-the-directory.bin", i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		_, _, err := parseAll(t, b.Bytes(), Options{})
		wantLimit(t, err, LimitParts, "directory")
	})
}

func mergeParts(a, b map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
