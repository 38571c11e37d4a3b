package sheet

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/transform"
)

// Sample returns the downloadable sample .xlsx: the customer sheet with the
// known columns, two attribute columns and three example rows, and a second
// sheet with instructions (only the first sheet is imported).
func Sample() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet, help = "고객", "안내"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, fmt.Errorf("sample: name sheet: %w", err)
	}
	rows := [][]any{
		{"이름", "전화번호", "이메일", "등급", "생일"},
		{"홍길동", "010-1234-5678", "gildong@example.com", "VIP", "1990-05-01"},
		{"김영희", "010-2345-6789", "younghee@example.com", "골드", "1985-11-23"},
		{"이철수", "01034567890", "", "일반", ""},
	}
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sheet, cell, &row); err != nil {
			return nil, fmt.Errorf("sample: row %d: %w", i+1, err)
		}
	}
	bold, err := f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
	})
	if err != nil {
		return nil, fmt.Errorf("sample: header style: %w", err)
	}
	// The phone column is formatted as text ("@") so numbers people type
	// keep their leading 0 (the parser recovers it anyway, but a visible 0
	// avoids a support question).
	text, err := f.NewStyle(&excelize.Style{NumFmt: 49})
	if err != nil {
		return nil, fmt.Errorf("sample: text style: %w", err)
	}
	steps := []func() error{
		func() error { return f.SetColStyle(sheet, "B", text) },
		func() error { return f.SetCellStyle(sheet, "A1", "E1", bold) },
		func() error { return f.SetColWidth(sheet, "A", "A", 12) },
		func() error { return f.SetColWidth(sheet, "B", "B", 18) },
		func() error { return f.SetColWidth(sheet, "C", "C", 26) },
		func() error { return f.SetColWidth(sheet, "D", "E", 12) },
		func() error {
			return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, fmt.Errorf("sample: format sheet: %w", err)
		}
	}

	if _, err := f.NewSheet(help); err != nil {
		return nil, fmt.Errorf("sample: help sheet: %w", err)
	}
	notes := []string{
		"고객 목록 작성 안내 (How to fill in the customer list)",
		"",
		"• 첫 번째 시트('고객')만 가져옵니다. 이 안내 시트는 무시됩니다. Only the first sheet is imported.",
		"• 첫 줄은 제목 줄입니다: 이름, 전화번호, 이메일. 전화번호 열은 꼭 필요합니다. The first row holds the titles; a phone column is required.",
		"• 전화번호는 010-1234-5678, 01012345678, +82 10 1234 5678 어느 형식이든 됩니다.",
		"• 그 밖의 열(예: 등급, 생일)은 고객 속성으로 저장되어 메시지 변수로 쓸 수 있습니다. Other columns become customer attributes.",
		"• 이미 있는 전화번호는 새로 만들지 않고 갱신합니다. A known phone number updates that customer.",
		"• .xlsx 또는 .csv(UTF-8 또는 CP949)로 저장해 올려 주세요. Upload .xlsx or .csv.",
	}
	for i, n := range notes {
		if err := f.SetCellValue(help, fmt.Sprintf("A%d", i+1), n); err != nil {
			return nil, fmt.Errorf("sample: help row %d: %w", i+1, err)
		}
	}
	if err := f.SetColWidth(help, "A", "A", 110); err != nil {
		return nil, fmt.Errorf("sample: help width: %w", err)
	}
	f.SetActiveSheet(0)
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, fmt.Errorf("sample: write: %w", err)
	}
	return buf.Bytes(), nil
}

// generatedHeader is the header row of the benchmark files.
var generatedHeader = []string{"이름", "전화번호", "이메일", "등급", "생일"}

// MaxGeneratedRows is the most rows WriteXLSX and WriteCSV can write with
// distinct phone numbers.
const MaxGeneratedRows = 3970 * 10000

// phoneSpace counts the distinct numbers generated: 010-MMMM-LLLL with the
// middle block in 2000–5969 (every number there is a valid Korean mobile;
// 5970–5999 are not).
const phoneSpace = MaxGeneratedRows

// generator makes realistic, reproducible customer rows. Row i always gets
// the same phone for a given seed, and distinct rows get distinct phones.
type generator struct {
	rnd    *rand.Rand
	offset int64
}

func newGenerator(seed int64) *generator {
	g := &generator{rnd: rand.New(rand.NewPCG(uint64(seed), 0x5e6d16))}
	g.offset = g.rnd.Int64N(phoneSpace)
	return g
}

// phoneDigits returns the 8 digits after 010 for row i: i·7919 + offset mod
// phoneSpace is a permutation (7919 is prime and shares no factor with
// 3970·10000), so numbers are distinct without remembering any.
func (g *generator) phoneDigits(i int) (mid, last int) {
	k := (int64(i)*7919 + g.offset) % phoneSpace
	return 2000 + int(k/10000), int(k % 10000)
}

var (
	surnames = []string{"김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "류", "홍"}
	given    = []string{"민", "서", "준", "지", "현", "우", "수", "영", "하", "윤", "도", "예", "은", "진", "호", "연", "재", "유", "성", "아", "혜", "태", "동", "희"}
	grades   = []string{"일반", "일반", "일반", "실버", "골드", "VIP"}
	domains  = []string{"example.com", "example.co.kr", "example.net", "mail.example.kr"}
)

// row returns the cells of generated row i (0-based). The phone is written
// in the shapes real lists mix; numeric, when true, asks for the phone as a
// number cell the way Excel stores a typed 01012345678 (leading 0 dropped).
func (g *generator) row(i int) (cells [5]string, numeric bool) {
	name := surnames[g.rnd.IntN(len(surnames))] + given[g.rnd.IntN(len(given))] + given[g.rnd.IntN(len(given))]
	mid, last := g.phoneDigits(i)
	var ph string
	switch i % 10 {
	case 0, 1, 2, 3, 4, 5:
		ph = fmt.Sprintf("010-%04d-%04d", mid, last)
	case 6, 7:
		ph = fmt.Sprintf("010%04d%04d", mid, last)
	case 8:
		ph = fmt.Sprintf("+82 10 %04d %04d", mid, last)
	case 9:
		ph, numeric = fmt.Sprintf("10%04d%04d", mid, last), true
	}
	email := ""
	if g.rnd.IntN(10) < 8 { // not everyone leaves an e-mail
		email = fmt.Sprintf("user%d@%s", i+1, domains[g.rnd.IntN(len(domains))])
	}
	birthday := ""
	if g.rnd.IntN(3) > 0 {
		birthday = fmt.Sprintf("%04d-%02d-%02d", 1950+g.rnd.IntN(56), 1+g.rnd.IntN(12), 1+g.rnd.IntN(28))
	}
	return [5]string{name, ph, email, grades[g.rnd.IntN(len(grades))], birthday}, numeric
}

// WriteXLSX writes a benchmark .xlsx of rows customers (plus the header row)
// with distinct valid phone numbers, reproducible from seed. It uses
// excelize's StreamWriter, which spills rows to a temporary file past 16 MiB,
// and streams the zip archive to w, so memory stays flat however many rows
// are written. One row in ten has its
// phone as a number cell with the leading 0 lost, as Excel stores it.
func WriteXLSX(w io.Writer, rows int, seed int64) error {
	if rows < 0 || rows > MaxGeneratedRows || rows > xlsxMaxRows-1 {
		return fmt.Errorf("write xlsx: %d rows is out of range", rows)
	}
	tw, err := NewXLSXWriter(w, "Sheet1", generatedHeader)
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	g := newGenerator(seed)
	values := make([]any, len(generatedHeader))
	for i := range rows {
		cells, numeric := g.row(i)
		for j, c := range cells {
			values[j] = c
		}
		if numeric {
			n, err := strconv.ParseInt(cells[1], 10, 64)
			if err != nil {
				return fmt.Errorf("write xlsx row %d: %w", i+2, err)
			}
			values[1] = n
		}
		if err := tw.Row(values...); err != nil {
			return fmt.Errorf("write xlsx: %w", err)
		}
	}
	return tw.Close()
}

// WriteCSV writes a benchmark .csv of rows customers like WriteXLSX, in
// encoding "utf-8", "utf-8-bom" (what Excel writes for "CSV UTF-8") or
// "cp949" (what Korean Excel writes for plain "CSV"). It streams: memory does
// not grow with rows.
func WriteCSV(w io.Writer, rows int, encoding string, seed int64) error {
	if rows < 0 || rows > MaxGeneratedRows {
		return fmt.Errorf("write csv: %d rows is out of range", rows)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var out io.Writer = bw
	var enc io.WriteCloser
	switch encoding {
	case EncodingUTF8, "utf8":
	case "utf-8-bom":
		if _, err := bw.Write(utf8BOM); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	case EncodingCP949, "euc-kr":
		enc = transform.NewWriter(bw, korean.EUCKR.NewEncoder())
		out = enc
	default:
		return fmt.Errorf("write csv: unknown encoding %q (want utf-8, utf-8-bom or cp949)", encoding)
	}
	cw := csv.NewWriter(out)
	cw.UseCRLF = true // as Excel writes it
	if err := cw.Write(generatedHeader); err != nil {
		return fmt.Errorf("write csv header: %w", err)
	}
	g := newGenerator(seed)
	for i := range rows {
		cells, _ := g.row(i)
		if err := cw.Write(cells[:]); err != nil {
			return fmt.Errorf("write csv row %d: %w", i+2, err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write csv: %w", err)
	}
	return nil
}
