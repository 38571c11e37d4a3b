package sheet

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/net/html/charset"
)

// What excelize (v2.10.1) holds in memory is bounded before it opens a
// workbook. It reads the whole zip directory, keeps every part in memory
// except big worksheets and shared-string tables (xlsxSpoolSize), decodes
// styles and relationships at once, and materialises each row it reads as a
// slice of strings. The check below walks the parts with the same XML
// decoder, so it sees the cells excelize would, and adds up what they would
// expand to.
const (
	// maxZipDirectory caps the bytes of the zip's central directory: every
	// entry becomes a struct of a few hundred bytes, so a directory of
	// millions of empty entries would cost gigabytes. A workbook has a few
	// dozen entries (a few KiB).
	maxZipDirectory = 1 << 20
	// maxMemoryPart and maxMemoryParts cap the parts excelize keeps in memory
	// (styles, relationships, images, ...): each one, and all together.
	maxMemoryPart  = 4 << 20
	maxMemoryParts = 32 << 20
	// maxXMLRun caps the bytes between two '<' or '>' of any part: one text
	// node or one tag. encoding/xml holds a whole text node in memory; a
	// cell holds at most 32,767 characters.
	maxXMLRun = 1 << 20
	// cellOverhead is what a cell costs beyond its text in a materialised
	// row (a string header), counted for every column position up to the
	// last one used, as excelize pads the gaps.
	cellOverhead = 16
	// builtinFormatBytes bounds what a built-in number format adds to a
	// value (a date or a number with separators).
	builtinFormatBytes = 32
)

// checkXLSX refuses, with a *LimitError, a workbook that would cost more than
// lim to read. It reads the zip through ra and holds little in memory: the
// zip directory (bounded first), one length per shared string, and the
// number formats. A workbook it cannot make sense of is passed on: excelize
// refuses it with its own message.
func checkXLSX(ctx context.Context, ra io.ReaderAt, size int64, lim Limits) error {
	budget := &budgetReaderAt{r: ra, left: maxZipDirectory + 70<<10} // the end record is searched in the last 65 KiB
	zr, err := zip.NewReader(budget, size)
	if errors.Is(err, errBudget) {
		return limitErr(LimitParts, maxZipDirectory, "the .xlsx file's zip directory is larger than %s; a workbook has a few dozen parts", mib(maxZipDirectory))
	}
	if err != nil {
		return nil
	}
	budget.left = -1 // the entries themselves are bounded below

	var unpacked, inMemory int64
	var sst, styles *zip.File
	seen := make(map[string]bool, len(zr.File))
	for _, f := range zr.File {
		if f.UncompressedSize64 > uint64(lim.MaxUnpackedBytes) {
			return unpackedErr(lim)
		}
		if unpacked += int64(f.UncompressedSize64); unpacked > lim.MaxUnpackedBytes {
			return unpackedErr(lim)
		}
		name := strings.ReplaceAll(f.Name, `\`, "/")
		lower := strings.ToLower(name)
		if seen[lower] {
			return fmt.Errorf("%w: the .xlsx file holds the part %s twice", ErrNotSpreadsheet, name)
		}
		seen[lower] = true
		spooled := int64(f.UncompressedSize64) > xlsxSpoolSize && !f.FileInfo().IsDir() &&
			(lower == "xl/sharedstrings.xml" || strings.HasPrefix(lower, "xl/worksheets/sheet"))
		if !spooled {
			if f.UncompressedSize64 > maxMemoryPart {
				return limitErr(LimitParts, maxMemoryPart, "the part %s of the .xlsx file is %s unpacked; parts other than worksheets may have at most %s (remove pictures and objects from the workbook)",
					name, mib(int64(f.UncompressedSize64)), mib(maxMemoryPart))
			}
			if inMemory += int64(f.UncompressedSize64); inMemory > maxMemoryParts {
				return limitErr(LimitParts, maxMemoryParts, "the parts of the .xlsx file other than worksheets unpack to more than %s (remove pictures and objects from the workbook)", mib(maxMemoryParts))
			}
		}
		switch {
		case lower == "xl/sharedstrings.xml":
			sst = f
		case name == "xl/styles.xml":
			styles = f
		}
	}

	formats := numberFormats{}
	if styles != nil {
		if err := readStyles(styles, &formats); err != nil {
			return err
		}
	}
	var strs []uint32
	if sst != nil {
		if strs, err = sharedStringLengths(ctx, sst, lim); err != nil {
			return err
		}
	}
	// Only the first worksheet is read, but which part that is depends on
	// the workbook's relationships; every part is checked as if it were it.
	// Parts that are not worksheets have no cells and cost a glance.
	for _, f := range zr.File {
		if f == sst || f == styles || f.FileInfo().IsDir() {
			continue
		}
		if err := checkCells(ctx, f, strs, &formats, lim); err != nil {
			return err
		}
	}
	return nil
}

func unpackedErr(lim Limits) error {
	return limitErr(LimitUnpackedBytes, lim.MaxUnpackedBytes, "the .xlsx file unpacks to more than %s; split it, or save it as .csv", mib(lim.MaxUnpackedBytes))
}

func mib(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

var errBudget = errors.New("read budget exhausted")

// budgetReaderAt fails reads once left bytes have been read (left < 0: no
// limit).
type budgetReaderAt struct {
	r    io.ReaderAt
	left int64
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if b.left >= 0 {
		if int64(len(p)) > b.left {
			return 0, errBudget
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

// runGuard fails a read that would make a run of bytes without '<' or '>'
// longer than maxXMLRun.
type runGuard struct {
	r    io.Reader
	part string
	run  int64
}

func (g *runGuard) Read(p []byte) (int, error) {
	if len(p) > maxXMLRun {
		p = p[:maxXMLRun] // so a run inside one read is shorter than the limit
	}
	n, err := g.r.Read(p)
	if n > 0 {
		chunk := p[:n]
		if i := bytes.IndexAny(chunk, "<>"); i < 0 {
			g.run += int64(n)
		} else {
			g.run += int64(i)
			if g.run <= maxXMLRun {
				g.run = int64(n - 1 - bytes.LastIndexAny(chunk, "<>"))
			}
		}
		if g.run > maxXMLRun {
			return 0, limitErr(LimitXMLRun, maxXMLRun, "the part %s of the .xlsx file holds a text or tag longer than %s; a cell holds at most 32,767 characters", g.part, mib(maxXMLRun))
		}
	}
	return n, err
}

// openXML opens a part for decoding the way excelize does (same decoder,
// same character sets), behind the run guard.
func openXML(f *zip.File) (*xml.Decoder, func(), error) {
	rc, err := f.Open()
	if err != nil {
		return nil, nil, err
	}
	d := xml.NewDecoder(&runGuard{r: rc, part: f.Name})
	d.CharsetReader = charset.NewReaderLabel
	return d, func() { rc.Close() }, nil
}

// token returns the next token; a run-guard error is returned, any other
// error ends the part as io.EOF.
//
// The tokens are raw (no namespace translation, end tags not matched to start
// tags), which is faster. excelize decodes with Token, which yields the same
// tokens up to the first syntax error and stops reading there; the raw
// tokenizer reads on and so sees at least what excelize would materialise.
func token(d *xml.Decoder) (xml.Token, error) {
	tok, err := d.RawToken()
	if err != nil {
		var le *LimitError
		if errors.As(err, &le) {
			return nil, le
		}
		return nil, io.EOF
	}
	return tok, nil
}

// sharedStringLengths returns the length of every shared string as excelize
// will number them. A table small enough for excelize to hold in memory is
// decoded whole, and only <si> children of the root count; a bigger one is
// indexed by a flat walk in which any <si> not inside another counts. Each
// string's length is all the text inside its <si> (a little more than
// excelize returns when it has phonetic runs: the estimate errs high).
func sharedStringLengths(ctx context.Context, f *zip.File, lim Limits) ([]uint32, error) {
	d, done, err := openXML(f)
	if err != nil {
		return nil, nil
	}
	defer done()
	inMemory := int64(f.UncompressedSize64) <= xlsxSpoolSize
	var (
		lens   []uint32
		depth  int   // element depth in the part
		siAt   = -1  // depth of the <si> being measured, -1 outside one
		length int64 // of the <si> being measured
		rooted bool  // the root element has ended (in-memory tables stop there)
	)
	// excelize keeps a string cut short by a syntax error, so one still open
	// when the part ends counts too.
	record := func() error {
		if length > lim.MaxRowBytes {
			return limitErr(LimitRowBytes, lim.MaxRowBytes, "shared string %d of the .xlsx file is %d bytes long; a row may hold at most %s of text",
				len(lens), length, mib(lim.MaxRowBytes))
		}
		lens = append(lens, uint32(length))
		if len(lens) > lim.MaxSharedStrings {
			return limitErr(LimitSharedStrings, int64(lim.MaxSharedStrings), "the .xlsx file holds more than %d distinct texts; split it, or save it as .csv", lim.MaxSharedStrings)
		}
		siAt = -1
		return nil
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		tok, err := token(d)
		if err == io.EOF || rooted {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if siAt < 0 && t.Name.Local == "si" && (!inMemory || depth == 2) {
				siAt, length = depth, 0
			}
		case xml.CharData:
			if siAt >= 0 {
				length += int64(len(t))
			}
		case xml.EndElement:
			if depth == siAt {
				if err := record(); err != nil {
					return nil, err
				}
			}
			depth--
			if depth == 0 && inMemory {
				rooted = true
			}
		}
	}
	if siAt >= 0 {
		if err := record(); err != nil {
			return nil, err
		}
	}
	return lens, nil
}

// numberFormats is what a cell's style can add to its text: for each style
// (index into cellXfs), its number format; for each custom format, its
// length and how often it repeats the text ('@').
type numberFormats struct {
	xfFormat []int              // cellXfs order → numFmtId
	custom   map[int]formatCost // numFmtId → cost of the custom format
	maxCost  formatCost         // the costliest custom format, for styles that are ambiguous
	unclear  bool               // several cellXfs or numFmts lists: charge every style the costliest format
}

type formatCost struct {
	length  int64 // bytes of the format code
	repeats int64 // '@' in it: each one repeats the text
}

// readStyles reads the number formats and the styles that use them from
// xl/styles.xml (held in memory by excelize, so at most maxMemoryPart).
func readStyles(f *zip.File, nf *numberFormats) error {
	d, done, err := openXML(f)
	if err != nil {
		return nil
	}
	defer done()
	nf.custom = map[int]formatCost{}
	var path []string
	lists := map[string]int{}
	for {
		tok, err := token(d)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			parent := ""
			if len(path) >= 2 {
				parent = path[len(path)-2]
			}
			switch {
			case t.Name.Local == "cellXfs" || t.Name.Local == "numFmts":
				lists[t.Name.Local]++
			case t.Name.Local == "xf" && parent == "cellXfs":
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				nf.xfFormat = append(nf.xfFormat, id)
			case t.Name.Local == "numFmt":
				id, _ := strconv.Atoi(attr(t, "numFmtId"))
				code := attr(t, "formatCode")
				c := formatCost{length: int64(len(code)), repeats: int64(strings.Count(code, "@"))}
				if old, ok := nf.custom[id]; ok {
					c = worse(c, old)
				}
				nf.custom[id] = c
				nf.maxCost = worse(nf.maxCost, c)
			}
		case xml.EndElement:
			if len(path) > 0 {
				path = path[:len(path)-1]
			}
		}
	}
	nf.unclear = lists["cellXfs"] > 1 || lists["numFmts"] > 1
	return nil
}

func worse(a, b formatCost) formatCost {
	return formatCost{length: max(a.length, b.length), repeats: max(a.repeats, b.repeats)}
}

func attr(t xml.StartElement, local string) string {
	v := ""
	for _, a := range t.Attr {
		if a.Name.Local == local {
			v = a.Value // the last one wins, as in excelize
		}
	}
	return v
}

// expand bounds the text a cell of style s shows for a value of n bytes.
func (nf *numberFormats) expand(s int, n int64) int64 {
	if s <= 0 || nf.custom == nil || (s >= len(nf.xfFormat) && !nf.unclear) {
		return n // no style: the value as it is
	}
	c, custom := nf.maxCost, true
	if !nf.unclear {
		c, custom = nf.custom[nf.xfFormat[s]]
	}
	if !custom {
		return n + builtinFormatBytes
	}
	// A custom format shows its literal text, each '@' the whole value, and
	// date and number codes a few bytes per code character ("mmmm": "September").
	return n*(c.repeats+1) + 3*c.length + builtinFormatBytes
}

// checkCells adds up, row by row, the text the cells of a part expand to.
func checkCells(ctx context.Context, f *zip.File, strs []uint32, nf *numberFormats, lim Limits) error {
	d, done, err := openXML(f)
	if err != nil {
		return nil
	}
	defer done()
	var (
		total, row  int64
		rowNum      int // as excelize numbers rows: r="" when given, else one more
		col, maxCol int // the column position of the cell, and the row's last one
	)
	endRow := func() error {
		// excelize pads the row up to its last cell with empty strings.
		if row += cellOverhead * int64(maxCol); row > lim.MaxRowBytes {
			return limitErr(LimitRowBytes, lim.MaxRowBytes, "row %d of the .xlsx file holds more than %s of text once its shared strings and number formats are applied (%d bytes); split long texts or remove unused columns",
				rowNum, mib(lim.MaxRowBytes), row)
		}
		return nil
	}
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tok, err := token(d)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch start.Name.Local {
		case "row":
			if err := endRow(); err != nil {
				return err
			}
			rowNum++
			if r, err := strconv.Atoi(attr(start, "r")); err == nil && r > 0 {
				rowNum = r
			}
			row, col, maxCol = 0, 0, 0
		case "c":
			text, err := cellText(d, start, strs)
			if err != nil {
				return err
			}
			col++
			if c := columnOf(attr(start, "r")); c > 0 {
				col = c
			}
			maxCol = max(maxCol, col)
			s, _ := strconv.Atoi(attr(start, "s"))
			text = nf.expand(s, text)
			row += text
			if total += text; total > lim.MaxTextBytes {
				return limitErr(LimitTextBytes, lim.MaxTextBytes, "the worksheet holds more than %s of text once its shared strings and number formats are applied; split the file, or save it as .csv",
					mib(lim.MaxTextBytes))
			}
		}
	}
	return endRow()
}

// cellText reads a <c> element to its end and returns the bytes of its text:
// all character data inside it, and for a shared-string cell the length of
// the string each <v> points at (the largest, if there are several).
func cellText(d *xml.Decoder, start xml.StartElement, strs []uint32) (int64, error) {
	shared := attr(start, "t") == "s"
	var text, sst int64
	var v []byte // direct character data of the current <v>, as excelize decodes it
	depth, vAt := 1, -1
	for depth > 0 {
		tok, err := token(d)
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local == "v" && vAt < 0 {
				vAt, v = depth, v[:0]
			}
		case xml.CharData:
			text += int64(len(t))
			if depth == vAt && len(v) < 64 {
				v = append(v, t...)
			}
		case xml.EndElement:
			if depth == vAt {
				vAt = -1
				if shared {
					sst = max(sst, sharedLength(strs, string(v)))
				}
			}
			depth--
		}
	}
	return text + sst, nil
}

// sharedLength is the length of the shared string a <v> names, read as
// excelize reads it (a number that does not parse names string 0).
func sharedLength(strs []uint32, v string) int64 {
	i, _ := strconv.Atoi(strings.TrimSpace(v))
	if i < 0 || i >= len(strs) {
		return int64(len(v))
	}
	return int64(strs[i])
}

// columnOf returns the 1-based column of a cell reference such as "AB12", or 0.
func columnOf(ref string) int {
	col := 0
	for i := 0; i < len(ref); i++ {
		ch := ref[i]
		switch {
		case ch >= 'A' && ch <= 'Z':
			col = col*26 + int(ch-'A') + 1
		case ch >= 'a' && ch <= 'z':
			col = col*26 + int(ch-'a') + 1
		default:
			return col
		}
		if col > 16384 {
			return 0
		}
	}
	return col
}
