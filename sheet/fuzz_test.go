package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

var errInvariant = errors.New("invariant broken")

// checkParse runs Parse on data and checks what must hold for any input:
// no panic, rows in file order, known verdicts, valid UTF-8 for MySQL.
func checkParse(t *testing.T, data []byte) {
	t.Helper()
	last := 0
	_, err := Parse(context.Background(), bytes.NewReader(data), Options{MaxRows: 500}, func(r Row) error {
		if r.Line <= last {
			return fmt.Errorf("%w: line %d after line %d", errInvariant, r.Line, last)
		}
		last = r.Line
		switch r.Verdict {
		case VerdictOK:
			if r.Phone == "" || r.Name == "" || r.Reason != "" {
				return fmt.Errorf("%w: ok row %+v lacks a phone or name, or has a reason", errInvariant, r)
			}
		case VerdictInvalidPhone, VerdictMissingPhone, VerdictMissingName, VerdictInvalidEmail:
			if r.Reason == "" {
				return fmt.Errorf("%w: row %+v has no reason", errInvariant, r)
			}
		default:
			return fmt.Errorf("%w: row %+v has an unknown verdict", errInvariant, r)
		}
		if r.Phone != "" && !strings.HasPrefix(r.Phone, "+") {
			return fmt.Errorf("%w: phone %q is not E.164", errInvariant, r.Phone)
		}
		fields := []string{r.Name, r.Phone, r.RawPhone, r.Email, r.Reason}
		for k, v := range r.Attributes {
			if v == "" {
				return fmt.Errorf("%w: empty attribute %q", errInvariant, k)
			}
			fields = append(fields, k, v)
		}
		for _, s := range fields {
			if !utf8.ValidString(s) {
				return fmt.Errorf("%w: invalid UTF-8 %q in row %+v", errInvariant, s, r)
			}
		}
		return nil
	})
	if errors.Is(err, errInvariant) {
		t.Fatal(err)
	}
}

func FuzzParseCSV(f *testing.F) {
	csvText := buildCSV(f, fixture, ',')
	var gen bytes.Buffer
	if err := WriteCSV(&gen, 20, EncodingCP949, 1); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		[]byte(csvText),
		append([]byte("\ufeff"), csvText...),
		toCP949(f, csvText),
		toUTF16LE(f, buildCSV(f, fixture, '\t')),
		[]byte(buildCSV(f, fixture, ';')),
		gen.Bytes(),
		[]byte("sep=;\n이름;전화번호\n홍길동;1.012345678E+09\n"),
		[]byte("고객 명단\n\nName,Phone Number(필수),E-Mail\n\"홍\"\"길동\",+82 10 1234 5678,a@b.co\n"),
		[]byte("이름,전화번호\n\"unterminated,010"),
		[]byte("\xff\xfe\x00"),
		[]byte("\xef\xbb\xbf"),
		[]byte("전화번호\r\r\r\n\x00"),
		[]byte("phone\n1.01E+09\n9e9\n1.\n.0\n"),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

func FuzzParseXLSX(f *testing.F) {
	valid := buildXLSX(f, fixture)
	sample, err := Sample()
	if err != nil {
		f.Fatal(err)
	}
	var gen bytes.Buffer
	if err := WriteXLSX(&gen, 20, 1); err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		valid,
		sample,
		gen.Bytes(),
		valid[:len(valid)/2],                    // truncated download
		valid[:len(valid)-22],                   // no end of central directory
		append(valid[:100:100], valid[200:]...), // a hole
		[]byte("PK\x03\x04"),
		[]byte("PK\x05\x06" + strings.Repeat("\x00", 18)),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkParse(t, data)
	})
}

// FuzzParseXLSXWorksheet fuzzes what is inside a well-formed workbook: the
// worksheet and shared-strings XML. Mutating whole .xlsx files mostly breaks
// the zip checksums, so that target seldom reaches excelize's XML reading.
func FuzzParseXLSXWorksheet(f *testing.F) {
	parts := zipParts(f, buildXLSX(f, fixture))
	if _, rows, err := parseAll(f, rezip(f, parts, nil), Options{}); err != nil || len(rows) != len(fixtureWant) {
		f.Fatalf("the re-zipped template does not parse: %d rows, %v", len(rows), err)
	}
	f.Add(parts[sheetPart], parts[stringsPart])
	f.Add([]byte(`<worksheet><sheetData><row r="1048577"><c r="A1" t="s"><v>99</v></c></row></sheetData></worksheet>`), parts[stringsPart])
	f.Add([]byte(`<worksheet><sheetData><row r="2"><c r="XFE2"><v>1</v></c></row><row r="1"><c r="A1" t="inlineStr"><is><t>phone</t></is></c></row></sheetData></worksheet>`), []byte(`<sst><si><t>x`))
	f.Add([]byte(`<worksheet><sheetData><row><c t="d"><v>not a date</v></c><c s="999"><v>1e400</v></c><c t="b"><v>2</v></c><c t="e"><v>#N/A</v></c></row></sheetData></worksheet>`), []byte{})
	f.Fuzz(func(t *testing.T, sheetXML, sharedStrings []byte) {
		repl := map[string][]byte{sheetPart: sheetXML, stringsPart: sharedStrings}
		checkParse(t, rezip(t, parts, repl))
	})
}

const (
	sheetPart   = "xl/worksheets/sheet1.xml"
	stringsPart = "xl/sharedStrings.xml"
)

func zipParts(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	parts := make(map[string][]byte)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[zf.Name] = b
	}
	if parts[sheetPart] == nil || parts[stringsPart] == nil {
		t.Fatalf("template workbook lacks %s or %s", sheetPart, stringsPart)
	}
	return parts
}

func rezip(t testing.TB, parts, repl map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	// [Content_Types].xml first, as Office writes it; the rest in any order.
	names := []string{"[Content_Types].xml"}
	for name := range parts {
		if name != names[0] {
			names = append(names, name)
		}
	}
	for _, name := range names {
		content, ok := repl[name]
		if !ok {
			content = parts[name]
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
