// Package sheet reads uploaded customer lists (.xlsx and .csv) as a stream of
// validated rows, and writes the sample and benchmark files that go with them.
//
// Parse never holds the rows of a file: each row is handed to a callback that
// stages it (the import pipeline batches rows into MySQL), so a million-row
// upload costs the same memory as a ten-row one. For the same reason duplicate
// phones within a file are not detected here; Row.Phone is the normalised key
// the staging table can group by.
//
// The rules, in short:
//   - Format from content, not name: a zip is .xlsx, other text is CSV;
//     legacy .xls (OLE2), HTML/XML "Excel" exports, PDFs and binaries are
//     refused with ErrNotSpreadsheet and a message saying what to do.
//   - .xlsx: only the first worksheet is read; cells are read as Excel shows
//     them (dates as yyyy-mm-dd), formulas by their cached value.
//   - CSV: UTF-8 with or without BOM, CP949/EUC-KR (Korean Excel's "CSV"),
//     UTF-16 with BOM (Excel's "Unicode text"); ',', ';' or tab, sniffed, and
//     Excel's "sep=;" first line; quoted fields, CRLF, ragged rows.
//   - Header: the first non-empty row, or, when that row names no phone
//     column, the first of the next few that does (a title line above the
//     table). Titles match ignoring case, spaces, '-', '_', '.', and a
//     trailing "*" or "(필수)": see NameTitles, PhoneTitles, EmailTitles.
//     Every other titled column is an attribute keyed by its title.
//   - Duplicate titles: the first column titled as a field takes it (a
//     mobile-titled phone column beats a generic one); the others, and
//     repeated attribute titles, become attributes whose keys get " (2)",
//     " (3)", ... so nothing is dropped. Column.Note says so.
//   - Rows whose cells are all blank are skipped; every other row below the
//     header is emitted with a verdict.
package sheet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Errors callers branch on (errors.Is). The returned errors wrap these with
// the details a person needs to fix the file.
var (
	// ErrNotSpreadsheet: neither .xlsx nor .csv, or an .xlsx too damaged to read.
	ErrNotSpreadsheet = errors.New("the file is not an .xlsx or .csv spreadsheet")
	// ErrEmpty: no header row, or a header row and no customer rows below it.
	ErrEmpty = errors.New("the spreadsheet has no customer rows")
	// ErrNoPhoneColumn: the header row has no column recognised as the phone.
	ErrNoPhoneColumn = errors.New("the spreadsheet has no phone column")
	// ErrTooManyRows: more customer rows than Options.MaxRows.
	ErrTooManyRows = errors.New("the spreadsheet has too many rows")
)

// Verdicts given to each row. A row gets one verdict, the most serious of its
// problems (phone first, then name, then e-mail); Reason lists all of them.
const (
	VerdictOK           = "ok"
	VerdictInvalidPhone = "invalid_phone"
	VerdictMissingPhone = "missing_phone"
	VerdictMissingName  = "missing_name"
	VerdictInvalidEmail = "invalid_email"
)

// Format is the kind of file Parse found.
type Format string

// Formats Parse understands.
const (
	FormatXLSX Format = "xlsx"
	FormatCSV  Format = "csv"
)

// Field is what a column of the header row maps to.
type Field string

// Column mappings.
const (
	FieldName      Field = "name"
	FieldPhone     Field = "phone"
	FieldEmail     Field = "email"
	FieldAttribute Field = "attribute" // any other titled column: a customer attribute
	FieldIgnored   Field = "ignored"   // a column with an empty title: its cells are not read
)

// Options tune Parse. The zero value is usable.
type Options struct {
	// MaxRows is the most customer rows (non-empty rows below the header)
	// accepted; 0 means no limit. Parse fails with ErrTooManyRows on the first
	// row beyond it, after emitting MaxRows rows, so the caller must discard
	// what it staged.
	MaxRows int
	// Region reads phone numbers written without a country code; empty means
	// phone.DefaultRegion (KR).
	Region string
	// TempDir is where big .xlsx worksheets are unpacked while reading; empty
	// means os.TempDir().
	TempDir string
	// Limits bound the attributes and the text a file may hold; zero fields
	// take their DefaultLimits value.
	Limits Limits
	// Contacts reads a list of contacts to match rather than customers (an
	// opt-out list): a header naming an e-mail column will do when there is no
	// phone column, and the caller judges each row by its phone or e-mail.
	Contacts bool
}

// Header describes the header row Parse found and how it mapped the columns.
type Header struct {
	Format Format
	// Sheet is the worksheet read (.xlsx only; always the first one).
	Sheet string
	// Encoding is the text encoding of a .csv: "utf-8", "cp949" or "utf-16".
	Encoding string
	// Delimiter of a .csv: ',', ';' or '\t'.
	Delimiter rune
	// Line is the 1-based line (.csv) or row (.xlsx) number of the header.
	Line int
	// Columns lists every column of the header row, left to right.
	Columns []Column
}

// Column is one column of the header row.
type Column struct {
	Index int    // 0-based position (column A is 0)
	Title string // the header text, trimmed
	Field Field
	// Key is the attribute key for FieldAttribute columns: the title, with
	// " (2)", " (3)", ... appended when the same title (ignoring case) appears
	// again. Empty for other fields.
	Key string
	// Note explains a mapping a person might not expect, e.g. a second phone
	// column kept as an attribute.
	Note string
}

// Row is one customer row of the file, validated.
type Row struct {
	Line     int    // 1-based line (.csv) or row (.xlsx) number in the file
	Name     string // trimmed
	Phone    string // E.164 (+821012345678); empty when RawPhone is not a valid number
	RawPhone string // the phone cell as written, trimmed
	Email    string // trimmed; may be empty
	// Attributes holds the non-empty cells of the attribute columns, keyed by
	// Column.Key. Nil when there are none.
	Attributes map[string]string
	Verdict    string // one of the Verdict constants
	Reason     string // why the verdict is not ok, in plain words; empty when ok
}

// rowSource yields the cells of a file row by row. next returns io.EOF after
// the last row. The returned slice belongs to the caller (rows are validated
// on other goroutines while the next ones are read).
type rowSource interface {
	next() (line int, cells []string, err error)
}

// headerSearchRows is how many non-empty rows are searched for the header.
// Exported lists often carry a title line ("고객 명단 2024") above the table; the
// first row that names a phone column is the header. When none of these rows
// does, the first non-empty row is taken and ErrNoPhoneColumn names its titles.
const headerSearchRows = 10

// Parse reads a customer list from r, detecting the format from its content
// (an .xlsx is a zip; anything else that is text is read as CSV), and calls
// emit for every non-empty row below the header row, in file order.
//
// The content decides the format rather than the file name, because names
// lie in practice: Korean back offices export tab-separated text named .xls.
// Legacy binary .xls workbooks and HTML "spreadsheets" are refused with a
// message saying to save the file as .xlsx.
//
// Only the first worksheet of an .xlsx is read, so a workbook may carry notes
// or instructions on later sheets (the sample file does).
//
// emit is called on the goroutine that called Parse, one row at a time, in
// file order; reading and validating the following rows overlaps with it.
// Parse stops at the first error from emit and returns it wrapped with the
// line; it stops between rows when ctx is done. The Header is returned as far
// as it is known, also with an error.
//
// An .xlsx is read through random access: when r is also an io.ReaderAt and
// an io.Seeker (an *os.File, a *bytes.Reader), from r's current offset on;
// otherwise Parse reads it into memory first.
func Parse(ctx context.Context, r io.Reader, opts Options, emit func(Row) error) (Header, error) {
	if err := ctx.Err(); err != nil {
		return Header{}, err
	}
	opts.Limits = opts.Limits.withDefaults()
	ra, size, random := randomAccess(r)
	format, br, err := sniff(r)
	if err != nil {
		return Header{}, err
	}
	switch format {
	case FormatXLSX:
		if !random {
			b, err := io.ReadAll(br)
			if err != nil {
				return Header{Format: FormatXLSX}, fmt.Errorf("read the upload: %w", err)
			}
			ra, size = bytes.NewReader(b), int64(len(b))
		}
		return parseXLSX(ctx, ra, size, opts, emit)
	default:
		return parseCSV(ctx, br, opts, emit)
	}
}

// randomAccess returns r as an io.ReaderAt of size bytes starting at r's
// current offset, when r allows it.
func randomAccess(r io.Reader) (io.ReaderAt, int64, bool) {
	rs, ok := r.(interface {
		io.ReaderAt
		io.Seeker
	})
	if !ok {
		return nil, 0, false
	}
	off, err := rs.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, 0, false
	}
	end, err := rs.Seek(0, io.SeekEnd)
	if _, serr := rs.Seek(off, io.SeekStart); err != nil || serr != nil {
		return nil, 0, false
	}
	return io.NewSectionReader(rs, off, end-off), end - off, true
}

// parseRows finds the header in src, maps it, and emits the customer rows.
// hdr carries what the format-specific reader already knows (format,
// encoding); finish, when not nil, fills in what is only known at the end.
func parseRows(ctx context.Context, src rowSource, hdr Header, opts Options, emit func(Row) error, finish func(*Header)) (Header, error) {
	done := func(err error) (Header, error) {
		if finish != nil {
			finish(&hdr)
		}
		return hdr, err
	}

	// Find the header: the first non-empty row, or a later one among the
	// first few that names a phone column (see headerSearchRows). Rows above
	// the header are titles, not customers.
	type pending struct {
		line  int
		cells []string
	}
	var candidates []pending
	headerAt := -1
	for len(candidates) < headerSearchRows {
		if err := ctx.Err(); err != nil {
			return done(err)
		}
		line, cells, err := src.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return done(err)
		}
		if blank(cells) {
			continue
		}
		candidates = append(candidates, pending{line, append([]string(nil), cells...)})
		if hasPhoneTitle(cells) || (opts.Contacts && hasEmailTitle(cells)) {
			headerAt = len(candidates) - 1
			break
		}
	}
	if len(candidates) == 0 {
		return done(fmt.Errorf("%w: no header row was found (the file is blank)", ErrEmpty))
	}
	if headerAt < 0 {
		// No row names a phone column: report the titles of the first one,
		// which is the header by the usual rule.
		headerAt = 0
	}
	hdr.Line = candidates[headerAt].line
	m := mapHeader(candidates[headerAt].cells)
	hdr.Columns = m.columns
	if m.phone < 0 && (!opts.Contacts || m.email < 0) {
		return done(noPhoneColumnError(hdr.Line, m.columns))
	}
	if err := checkAttributeColumns(hdr.Line, m, opts.Limits); err != nil {
		return done(err)
	}
	v := newValidator(m, opts.Region, opts.Limits.MaxAttributeValue)

	emitted, err := emitRows(ctx, src, v, opts.MaxRows, emit)
	if err != nil {
		return done(err)
	}
	if emitted == 0 {
		return done(fmt.Errorf("%w: the header row (line %d) is followed by no customer rows", ErrEmpty, hdr.Line))
	}
	return done(nil)
}

func blank(cells []string) bool {
	for _, c := range cells {
		if trim(c) != "" {
			return false
		}
	}
	return true
}

// trim removes surrounding white space, including the no-break spaces, zero
// width spaces and stray byte order marks that copy-paste leaves in cells.
func trim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f', '\u00a0', '\u200b', '\u3000', '\ufeff':
			return true
		}
		return false
	})
}

func noPhoneColumnError(line int, cols []Column) error {
	var found []string
	for _, c := range cols {
		if c.Title != "" {
			found = append(found, fmt.Sprintf("%q", c.Title))
		}
	}
	const show = 20
	list := strings.Join(found, ", ")
	if len(found) > show {
		list = strings.Join(found[:show], ", ") + fmt.Sprintf(" and %d more", len(found)-show)
	}
	return fmt.Errorf("%w: the header row (line %d) has %s; title the phone column one of %s",
		ErrNoPhoneColumn, line, list, strings.Join(PhoneTitles, ", "))
}

// checkAttributeColumns holds the header to the attribute limits: how many
// attribute columns, and how long their titles (the attribute keys) are.
func checkAttributeColumns(line int, m columnMap, lim Limits) error {
	if len(m.attrs) > lim.MaxAttributes {
		return limitErr(LimitAttributes, int64(lim.MaxAttributes), "the header row (line %d) has %d attribute columns (columns other than name, phone and e-mail); at most %d are allowed",
			line, len(m.attrs), lim.MaxAttributes)
	}
	for _, i := range m.attrs {
		if key := m.columns[i].Key; utf8.RuneCountInString(key) > lim.MaxAttributeKey {
			return limitErr(LimitAttributeKey, int64(lim.MaxAttributeKey), "the title of column %s (%q) is longer than %d characters; attribute names may have at most %d",
				columnName(i), short(key), lim.MaxAttributeKey, lim.MaxAttributeKey)
		}
	}
	return nil
}

// columnName is the spreadsheet name of a 0-based column: A, B, ..., Z, AA.
func columnName(i int) string {
	name := ""
	for i++; i > 0; i = (i - 1) / 26 {
		name = string(rune('A'+(i-1)%26)) + name
	}
	return name
}
