package sheet

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// fixture is one customer list in every shape a person might upload. Row
// numbers in want match the line numbers of the CSV renderings, the empty
// row included.
var fixture = [][]any{
	{"이름", "전화번호", "이메일", "등급", "메모"},
	{"홍길동", "010-1234-5678", "gildong@example.com", "VIP", "첫 구매"},
	{"김철수", "01012345679", "", "골드", ""},
	{"이영희", "+82 10 1234 5680", "younghee@example.co.kr", "", ""},
	{"박민수", "+821012345681", "", "", ""},
	{"최지우", 1012345682, "", "일반", "숫자 셀"}, // a number cell: Excel dropped the 0
	{"", "", "", "", ""},
	{"정우성", "010-12", "", "", ""},
	{"", "010-1234-5683", "", "", ""},
	{"강동원", "", "dong@example.com", "", ""},
	{"윤아", "010-1234-5684", "yoona@naver", "", "쉼표, 그리고 \"따옴표\""},
}

var fixtureWant = []Row{
	{Line: 2, Name: "홍길동", Phone: "+821012345678", RawPhone: "010-1234-5678", Email: "gildong@example.com",
		Attributes: map[string]string{"등급": "VIP", "메모": "첫 구매"}, Verdict: VerdictOK},
	{Line: 3, Name: "김철수", Phone: "+821012345679", RawPhone: "01012345679",
		Attributes: map[string]string{"등급": "골드"}, Verdict: VerdictOK},
	{Line: 4, Name: "이영희", Phone: "+821012345680", RawPhone: "+82 10 1234 5680", Email: "younghee@example.co.kr", Verdict: VerdictOK},
	{Line: 5, Name: "박민수", Phone: "+821012345681", RawPhone: "+821012345681", Verdict: VerdictOK},
	{Line: 6, Name: "최지우", Phone: "+821012345682", RawPhone: "1012345682",
		Attributes: map[string]string{"등급": "일반", "메모": "숫자 셀"}, Verdict: VerdictOK},
	{Line: 8, Name: "정우성", RawPhone: "010-12", Verdict: VerdictInvalidPhone, Reason: "phone 010-12 is not a valid number"},
	{Line: 9, Phone: "+821012345683", RawPhone: "010-1234-5683", Verdict: VerdictMissingName, Reason: "name is empty"},
	{Line: 10, Name: "강동원", Email: "dong@example.com", Verdict: VerdictMissingPhone, Reason: "phone is empty"},
	{Line: 11, Name: "윤아", Phone: "+821012345684", RawPhone: "010-1234-5684", Email: "yoona@naver",
		Attributes: map[string]string{"메모": "쉼표, 그리고 \"따옴표\""}, Verdict: VerdictInvalidEmail,
		Reason: "e-mail yoona@naver is not a valid address"},
}

var fixtureColumns = []Column{
	{Index: 0, Title: "이름", Field: FieldName},
	{Index: 1, Title: "전화번호", Field: FieldPhone},
	{Index: 2, Title: "이메일", Field: FieldEmail},
	{Index: 3, Title: "등급", Field: FieldAttribute, Key: "등급"},
	{Index: 4, Title: "메모", Field: FieldAttribute, Key: "메모"},
}

// buildXLSX writes rows with the ordinary (non-streaming) API, which stores
// strings as shared strings the way Excel does.
func buildXLSX(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, row := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &row); err != nil {
			t.Fatal(err)
		}
	}
	// A second sheet that must not be read.
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Other", "A1", &[]any{"전화번호", "이름"}); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetRow("Other", "A2", &[]any{"010-9999-9999", "다른 시트"}); err != nil {
		t.Fatal(err)
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// buildCSV renders rows as CSV text (CRLF, as Excel writes it).
func buildCSV(t testing.TB, rows [][]any, comma rune) string {
	t.Helper()
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.UseCRLF = true
	for _, row := range rows {
		rec := make([]string, len(row))
		for i, c := range row {
			rec[i] = fmt.Sprint(c)
		}
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	return b.String()
}

func toCP949(t testing.TB, s string) []byte {
	t.Helper()
	b, _, err := transform.Bytes(korean.EUCKR.NewEncoder(), []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func toUTF16LE(t testing.TB, s string) []byte {
	t.Helper()
	b, _, err := transform.Bytes(unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder(), []byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func parseAll(t testing.TB, data []byte, opts Options) (Header, []Row, error) {
	t.Helper()
	var rows []Row
	h, err := Parse(context.Background(), bytes.NewReader(data), opts, func(r Row) error {
		rows = append(rows, r)
		return nil
	})
	return h, rows, err
}

func TestParseFixture(t *testing.T) {
	csvText := buildCSV(t, fixture, ',')
	tests := []struct {
		name     string
		data     []byte
		format   Format
		encoding string
		delim    rune
	}{
		{"xlsx", buildXLSX(t, fixture), FormatXLSX, "", 0},
		{"csv utf-8 with BOM", append([]byte("\ufeff"), csvText...), FormatCSV, EncodingUTF8, ','},
		{"csv utf-8", []byte(csvText), FormatCSV, EncodingUTF8, ','},
		{"csv cp949", toCP949(t, csvText), FormatCSV, EncodingCP949, ','},
		{"csv semicolon", []byte(buildCSV(t, fixture, ';')), FormatCSV, EncodingUTF8, ';'},
		{"utf-16 tab separated", toUTF16LE(t, buildCSV(t, fixture, '\t')), FormatCSV, EncodingUTF16, '\t'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, rows, err := parseAll(t, tt.data, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if h.Format != tt.format || h.Encoding != tt.encoding || h.Delimiter != tt.delim || h.Line != 1 {
				t.Errorf("header = %+v, want format %s encoding %q delimiter %q line 1", h, tt.format, tt.encoding, tt.delim)
			}
			if tt.format == FormatXLSX && h.Sheet != "Sheet1" {
				t.Errorf("sheet = %q, want Sheet1", h.Sheet)
			}
			if !reflect.DeepEqual(h.Columns, fixtureColumns) {
				t.Errorf("columns = %+v\nwant %+v", h.Columns, fixtureColumns)
			}
			if len(rows) != len(fixtureWant) {
				t.Fatalf("got %d rows, want %d: %+v", len(rows), len(fixtureWant), rows)
			}
			for i := range rows {
				if !reflect.DeepEqual(rows[i], fixtureWant[i]) {
					t.Errorf("row %d:\n got %+v\nwant %+v", i, rows[i], fixtureWant[i])
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	zipNoWorkbook := func() []byte {
		var b bytes.Buffer
		f := excelize.NewFile()
		defer f.Close()
		if err := f.Write(&b); err != nil {
			t.Fatal(err)
		}
		data := b.Bytes()
		// Cut the archive short: a damaged download.
		return data[:len(data)/2]
	}()
	tests := []struct {
		name     string
		data     []byte
		want     error
		contains []string
	}{
		{"empty file", nil, ErrEmpty, []string{"empty"}},
		{"blank lines only", []byte("\r\n ,, \r\n\r\n"), ErrEmpty, []string{"no header"}},
		{"header only", []byte("이름,전화번호\r\n"), ErrEmpty, []string{"line 1", "no customer rows"}},
		{"header and blank rows", []byte("이름,전화번호\r\n,\r\n , \r\n"), ErrEmpty, nil},
		{"no phone column", []byte("name,tel number,email\nhong,010-1234-5678,a@b.cd\n"), ErrNoPhoneColumn,
			[]string{`"name"`, `"tel number"`, "전화번호", "휴대폰", "phone number"}},
		{"xlsx without phone column", buildXLSX(t, [][]any{{"이름", "주소"}, {"홍길동", "서울"}}), ErrNoPhoneColumn, []string{`"주소"`}},
		{"legacy xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...), ErrNotSpreadsheet, []string{".xls", "save it as .xlsx"}},
		{"truncated xlsx", zipNoWorkbook, ErrNotSpreadsheet, []string{"damaged"}},
		{"zip magic then garbage", []byte("PK\x03\x04 this is not a zip at all"), ErrNotSpreadsheet, []string{"damaged"}},
		{"html named xls", []byte("\ufeff<html><body><table><tr><td>이름</td></tr></table></body></html>"), ErrNotSpreadsheet, []string{"HTML", ".xlsx"}},
		{"xml spreadsheet 2003", []byte(`<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>`), ErrNotSpreadsheet, nil},
		{"png image", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), ErrNotSpreadsheet, []string{"binary"}},
		{"pdf", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"), ErrNotSpreadsheet, []string{"PDF"}},
		{"record without line breaks", bytes.Repeat([]byte("전화번호,"), maxRecordBytes/10+10), ErrNotSpreadsheet, []string{"KiB"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseAll(t, tt.data, Options{})
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestParseMaxRows(t *testing.T) {
	data := []byte("전화번호,이름\n01011112222,가\n01011112223,나\n\n01011112224,다\n")
	_, rows, err := parseAll(t, data, Options{MaxRows: 3})
	if err != nil || len(rows) != 3 {
		t.Fatalf("MaxRows 3 on 3 rows: %d rows, err %v", len(rows), err)
	}
	_, rows, err = parseAll(t, data, Options{MaxRows: 2})
	if !errors.Is(err, ErrTooManyRows) {
		t.Fatalf("err = %v, want ErrTooManyRows", err)
	}
	if !strings.Contains(err.Error(), "2 customer rows") || !strings.Contains(err.Error(), "line 5") {
		t.Errorf("error %q should name the limit and the line", err)
	}
	if len(rows) != 2 {
		t.Errorf("emitted %d rows before failing, want 2", len(rows))
	}
}

func TestParseStops(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, 1000, EncodingUTF8, 1); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	xlsx := buildXLSX(t, fixture)

	t.Run("emit error", func(t *testing.T) {
		boom := errors.New("boom")
		n := 0
		_, err := Parse(context.Background(), bytes.NewReader(data), Options{}, func(Row) error {
			if n++; n == 10 {
				return boom
			}
			return nil
		})
		if !errors.Is(err, boom) || n != 10 || !strings.Contains(err.Error(), "line 11") {
			t.Fatalf("err = %v after %d rows, want boom at line 11 after 10", err, n)
		}
	})
	for name, data := range map[string][]byte{"csv": data, "xlsx": xlsx} {
		t.Run("cancel "+name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			n := 0
			_, err := Parse(ctx, bytes.NewReader(data), Options{}, func(Row) error {
				if n++; n == 3 {
					cancel()
				}
				return nil
			})
			if !errors.Is(err, context.Canceled) || n != 3 {
				t.Fatalf("err = %v after %d rows, want context.Canceled after 3", err, n)
			}
		})
	}
}

func TestParseHeaderMapping(t *testing.T) {
	data := []byte("고객 명단 (2024년 5월)\n\n" + // a title line above the table
		"Name, Phone Number (필수) ,E-Mail,휴대폰,Memo,,MEMO,이름,name,\n" +
		"홍길동,010-1234-5678,h@example.com,010-9999-8888,a,ignored,b,c,d,\n")
	h, rows, err := parseAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Line != 3 {
		t.Errorf("header line = %d, want 3", h.Line)
	}
	type m struct {
		Title string
		Field Field
		Key   string
	}
	var got []m
	for _, c := range h.Columns {
		got = append(got, m{c.Title, c.Field, c.Key})
	}
	want := []m{
		{"Name", FieldName, ""},
		{"Phone Number (필수)", FieldAttribute, "Phone Number (필수)"}, // the mobile column wins
		{"E-Mail", FieldEmail, ""},
		{"휴대폰", FieldPhone, ""},
		{"Memo", FieldAttribute, "Memo"},
		{"", FieldIgnored, ""},
		{"MEMO", FieldAttribute, "MEMO (2)"},
		{"이름", FieldAttribute, "이름"},
		{"name", FieldAttribute, "name (2)"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("columns:\n got %+v\nwant %+v", got, want)
	}
	if h.Columns[1].Note == "" || h.Columns[5].Note == "" || h.Columns[6].Note == "" || h.Columns[8].Note == "" {
		t.Errorf("surprising mappings should carry a note: %+v", h.Columns)
	}
	wantAttrs := map[string]string{"Phone Number (필수)": "010-1234-5678", "Memo": "a", "MEMO (2)": "b", "이름": "c", "name (2)": "d"}
	if len(rows) != 1 || rows[0].Line != 4 || rows[0].Phone != "+821099998888" || !reflect.DeepEqual(rows[0].Attributes, wantAttrs) {
		t.Errorf("rows = %+v", rows)
	}
}

func TestNormalizePhone(t *testing.T) {
	tests := []struct {
		raw, want string
		reason    string
	}{
		{"010-1234-5678", "+821012345678", ""},
		{"1012345678", "+821012345678", ""},
		{"1012345678.0", "+821012345678", ""},
		{"1.012345678E+09", "+821012345678", ""},
		{"1.012345678e9", "+821012345678", ""},
		{"821012345678", "+821012345678", ""}, // +82 typed into a number cell loses the +
		{"(010) 1234.5678", "+821012345678", ""},
		{"1.01E+09", "", "lost its digits"},
		{"1.5", "", "not a valid number"},
		{"010-12", "", "not a valid number"},
		{"abc", "", "not a valid number"},
		{"1e", "", "not a valid number"},
		{"E+09", "", "not a valid number"},
		{"9.9E+99", "", "not a valid number"},
	}
	for _, tt := range tests {
		got, reason := normalizePhone(tt.raw, "")
		if got != tt.want || !strings.Contains(reason, tt.reason) || (tt.reason == "") != (reason == "") {
			t.Errorf("normalizePhone(%q) = %q, %q; want %q, reason containing %q", tt.raw, got, reason, tt.want, tt.reason)
		}
	}
}

func TestValidEmail(t *testing.T) {
	for s, want := range map[string]bool{
		"a@example.com":         true,
		"first.last@mail.co.kr": true,
		"a+tag@example.com":     true,
		"hong@naver":            false,
		"hong.naver.com":        false,
		"@example.com":          false,
		"a@@example.com":        false,
		"a b@example.com":       false,
		"a@example..com":        false,
		"Hong <a@example.com>":  false,
		"a@example.com;b@c.de":  false,
	} {
		if got := validEmail(s); got != want {
			t.Errorf("validEmail(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestCSVEncodingDecidedLate(t *testing.T) {
	// 100 KiB of ASCII rows before the first Korean name: a fixed-prefix sniff
	// would call this UTF-8 and mangle the names below.
	var b strings.Builder
	b.WriteString("phone,name\r\n")
	i := 0
	for ; b.Len() < 100<<10; i++ {
		fmt.Fprintf(&b, "0101111%04d,Kim\r\n", i)
	}
	b.WriteString("01099998888,홍길동\r\n")
	_, rows, err := parseAll(t, toCP949(t, b.String()), Options{})
	if err != nil {
		t.Fatal(err)
	}
	last := rows[len(rows)-1]
	if last.Name != "홍길동" || last.Line != i+2 {
		t.Errorf("last row = %+v, want 홍길동 on line %d", last, i+2)
	}
}

func TestCSVDetails(t *testing.T) {
	tests := []struct {
		name string
		data string
		want []Row
	}{
		{"sep hint line", "sep=;\r\n이름;전화번호\r\n홍길동;010-1234-5678\r\n", []Row{
			{Line: 3, Name: "홍길동", Phone: "+821012345678", RawPhone: "010-1234-5678", Verdict: VerdictOK}}},
		{"quoted newline and ragged rows", "이름,전화번호,메모\n\"홍\n길동\",010-1234-5678\n김,01012345679,a,extra\n", []Row{
			{Line: 2, Name: "홍\n길동", Phone: "+821012345678", RawPhone: "010-1234-5678", Verdict: VerdictOK},
			{Line: 4, Name: "김", Phone: "+821012345679", RawPhone: "01012345679", Attributes: map[string]string{"메모": "a"}, Verdict: VerdictOK}}},
		{"stray quote and no final newline", "이름,전화번호\n홍\"길동,010-1234-5678", []Row{
			{Line: 2, Name: "홍\"길동", Phone: "+821012345678", RawPhone: "010-1234-5678", Verdict: VerdictOK}}},
		{"two problems", "이름,전화번호,이메일\n, 010-1 ,x@\n", []Row{
			{Line: 2, RawPhone: "010-1", Email: "x@", Verdict: VerdictInvalidPhone,
				Reason: "phone 010-1 is not a valid number; name is empty; e-mail x@ is not a valid address"}}},
		{"invalid utf-8 after valid start", "이름,전화번호\n" + strings.Repeat("홍길동,010-1234-5678\n", 1000) + "\xff\xfe,010-1234-5679\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, rows, err := parseAll(t, []byte(tt.data), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil {
				if len(rows) != 1001 {
					t.Errorf("%d rows, want 1001", len(rows))
				}
				for _, r := range rows {
					if !utf8ValidRow(r) {
						t.Errorf("row %+v is not valid UTF-8", r)
					}
				}
				return
			}
			if !reflect.DeepEqual(rows, tt.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", rows, tt.want)
			}
		})
	}
}

func utf8ValidRow(r Row) bool {
	s := r.Name + r.RawPhone + r.Email + r.Reason
	for k, v := range r.Attributes {
		s += k + v
	}
	return strings.ToValidUTF8(s, "") == s
}

func TestXLSXDetails(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	set := func(cell string, v any) {
		if err := f.SetCellValue("Sheet1", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	// The table starts at B3 under a title; row 5 is missing entirely.
	set("A1", "우리 가게 고객")
	set("B3", "휴대폰")
	set("C3", "성명")
	set("D3", "생일")
	set("B4", 1012345678.0)
	set("C4", "  홍길동\u00a0")
	set("B6", "010-1234-5679")
	set("C6", "김")
	set("D6", 33000) // a date serial with a date format
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellStyle("Sheet1", "D6", "D6", style); err != nil {
		t.Fatal(err)
	}
	if err := f.SetCellFormula("Sheet1", "E3", `="등"&"급"`); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	h, rows, err := parseAll(t, b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Line != 3 || h.Columns[0].Field != FieldIgnored || h.Columns[1].Field != FieldPhone || h.Columns[2].Field != FieldName {
		t.Errorf("header = %+v", h)
	}
	want := []Row{
		{Line: 4, Name: "홍길동", Phone: "+821012345678", RawPhone: "1012345678", Verdict: VerdictOK},
		{Line: 6, Name: "김", Phone: "+821012345679", RawPhone: "010-1234-5679", Attributes: map[string]string{"생일": "1990-05-07"}, Verdict: VerdictOK},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, want)
	}
}

// TestXLSXSpooled reads a workbook whose worksheet and shared strings are
// bigger than xlsxSpoolSize, so excelize streams both from temporary files.
func TestXLSXSpooled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 20,000-row workbook")
	}
	const n = 20000
	data := make([][]any, 0, n+1)
	data = append(data, []any{"이름", "전화번호", "이메일"})
	g := newGenerator(7)
	for i := range n {
		c, _ := g.row(i)
		data = append(data, []any{c[0], c[1], fmt.Sprintf("spooled%d@example.com", i)})
	}
	dir := t.TempDir()
	count, bad := 0, 0
	hdr, err := Parse(context.Background(), bytes.NewReader(buildXLSX(t, data)), Options{TempDir: dir}, func(r Row) error {
		count++
		if count == 1 {
			if spooled, err := os.ReadDir(dir); err != nil || len(spooled) < 2 {
				return fmt.Errorf("worksheet and shared strings not spooled to %s: %v %v", dir, spooled, err)
			}
		}
		if r.Verdict != VerdictOK {
			bad++
		}
		if r.Line != count+1 {
			return fmt.Errorf("row %d has line %d", count, r.Line)
		}
		return nil
	})
	if err != nil || count != n || bad != 0 || hdr.Sheet != "Sheet1" {
		t.Fatalf("err %v, %d rows (%d not ok), want %d", err, count, bad, n)
	}
	if left, err := os.ReadDir(dir); err != nil || len(left) != 0 {
		t.Errorf("temporary files left behind: %v %v", left, err)
	}
}

func TestSample(t *testing.T) {
	data, err := Sample()
	if err != nil {
		t.Fatal(err)
	}
	h, rows, err := parseAll(t, data, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if h.Sheet != "고객" || len(h.Columns) != 5 {
		t.Errorf("header = %+v", h)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3", len(rows))
	}
	for _, r := range rows {
		if r.Verdict != VerdictOK || r.Attributes["등급"] == "" {
			t.Errorf("sample row %+v", r)
		}
	}
}

func TestGenerators(t *testing.T) {
	const n = 3000
	var x bytes.Buffer
	if err := WriteXLSX(&x, n, 42); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"xlsx": x.Bytes()}
	for _, enc := range []string{EncodingUTF8, "utf-8-bom", EncodingCP949} {
		var b bytes.Buffer
		if err := WriteCSV(&b, n, enc, 42); err != nil {
			t.Fatal(err)
		}
		files[enc] = b.Bytes()
	}
	var first []string
	for name, data := range files {
		seen := make(map[string]bool, n)
		var phones []string
		h, err := Parse(context.Background(), bytes.NewReader(data), Options{}, func(r Row) error {
			if r.Verdict != VerdictOK {
				return fmt.Errorf("row %+v is not ok", r)
			}
			if seen[r.Phone] {
				return fmt.Errorf("phone %s repeated", r.Phone)
			}
			seen[r.Phone] = true
			phones = append(phones, r.Phone)
			return nil
		})
		if err != nil || len(phones) != n {
			t.Fatalf("%s: %d rows, err %v", name, len(phones), err)
		}
		if name == EncodingCP949 && h.Encoding != EncodingCP949 {
			t.Errorf("cp949 file read as %s", h.Encoding)
		}
		// Same seed, same phones, whatever the format.
		if first == nil {
			first = phones
		} else if !reflect.DeepEqual(first, phones) {
			t.Errorf("%s: phones differ from the other formats", name)
		}
	}
	if err := WriteCSV(io.Discard, 1, "latin1", 1); err == nil {
		t.Error("WriteCSV accepted an unknown encoding")
	}
}

func TestGeneratedPhonesDistinct(t *testing.T) {
	// The permutation argument, checked on a sample far apart in the space.
	g := newGenerator(3)
	seen := map[[2]int]bool{}
	for _, base := range []int{0, 1_000_000, phoneSpace - 5000} {
		for i := base; i < base+5000; i++ {
			mid, last := g.phoneDigits(i)
			if mid < 2000 || mid > 5969 || seen[[2]int{mid, last}] {
				t.Fatalf("row %d: 010-%04d-%04d out of range or repeated", i, mid, last)
			}
			seen[[2]int{mid, last}] = true
		}
	}
}

// The night consent column is found by its Korean or English title, and its
// cells read as yes or no however they are written.
func TestNightConsent(t *testing.T) {
	for _, key := range []string{"야간수신동의", "Night Consent", "night_ad_consent", "야간 광고 수신 동의"} {
		if !IsNightConsentKey(key) {
			t.Errorf("%q is not recognised as the night consent column", key)
		}
	}
	if IsNightConsentKey("수신동의") {
		t.Error("수신동의 (plain consent) taken for night consent")
	}
	for cell, want := range map[string]bool{"Y": true, "예": true, "동의": true, " o ": true, "1": true,
		"N": false, "아니오": false, "미동의": false, "X": false, "0": false} {
		got, ok := ParseConsent(cell)
		if !ok || got != want {
			t.Errorf("ParseConsent(%q) = %v, %v; want %v", cell, got, ok, want)
		}
	}
	if _, ok := ParseConsent("maybe"); ok {
		t.Error("ParseConsent accepted maybe")
	}
}
