package sheet

import (
	"archive/zip"
	"encoding/csv"
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"
)

// TableWriter writes a header row and then rows, streaming: memory does not grow
// with the number of rows.
type TableWriter interface {
	Row(values ...any) error
	Close() error
}

// NewXLSXWriter writes an .xlsx with one worksheet to w. Rows go through
// excelize's StreamWriter (which spills to a temporary file past 16 MiB) and the
// archive is written straight to w on Close.
func NewXLSXWriter(w io.Writer, sheetName string, header []string) (TableWriter, error) {
	f := excelize.NewFile()
	if sheetName != "" && sheetName != "Sheet1" {
		if err := f.SetSheetName("Sheet1", sheetName); err != nil {
			f.Close()
			return nil, err
		}
	} else {
		sheetName = "Sheet1"
	}
	sw, err := f.NewStreamWriter(sheetName)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("xlsx stream writer: %w", err)
	}
	x := &xlsxWriter{f: f, sw: sw, w: w}
	values := make([]any, len(header))
	for i, h := range header {
		values[i] = h
	}
	if err := x.Row(values...); err != nil {
		f.Close()
		return nil, err
	}
	return x, nil
}

type xlsxWriter struct {
	f   *excelize.File
	sw  *excelize.StreamWriter
	w   io.Writer
	row int
}

func (x *xlsxWriter) Row(values ...any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	if err := x.sw.SetRow(cell, values); err != nil {
		return fmt.Errorf("xlsx row %d: %w", x.row, err)
	}
	return nil
}

func (x *xlsxWriter) Close() error {
	defer x.f.Close()
	if err := x.sw.Flush(); err != nil {
		return fmt.Errorf("xlsx flush: %w", err)
	}
	// excelize assembles the whole archive in a bytes.Buffer before writing it
	// out (tens of MiB for a million rows). Its zip writer is pluggable: one
	// writing straight to w streams the archive and leaves the buffer empty.
	x.f.ZipWriter = func(io.Writer) excelize.ZipWriter { return zip.NewWriter(x.w) }
	buf, err := x.f.WriteToBuffer()
	if err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	if buf.Len() > 0 {
		return fmt.Errorf("write xlsx: excelize buffered %d bytes instead of streaming them", buf.Len())
	}
	return nil
}

// NewCSVWriter writes a UTF-8 CSV with a byte-order mark, which is what makes
// Excel open Korean text correctly (without it Excel assumes CP949).
//
// Spreadsheet programs run a CSV cell that starts with = + - @, a tab or a
// carriage return as a formula, so a customer named =HYPERLINK(...) would
// become a live link (or worse) on an operator's machine. Such text cells get
// a leading apostrophe (OWASP's advice for CSV injection): Excel then shows
// the text, apostrophe included. Numbers are written as they are. An .xlsx
// keeps every value a typed text cell and needs none of this.
func NewCSVWriter(w io.Writer, header []string) (TableWriter, error) {
	if _, err := w.Write(utf8BOM); err != nil {
		return nil, err
	}
	c := &csvWriter{w: csv.NewWriter(w)}
	values := make([]any, len(header))
	for i, h := range header {
		values[i] = h
	}
	return c, c.Row(values...)
}

type csvWriter struct {
	w      *csv.Writer
	record []string
	rows   int
}

func (c *csvWriter) Row(values ...any) error {
	c.record = c.record[:0]
	for _, v := range values {
		c.record = append(c.record, csvCell(v))
	}
	if err := c.w.Write(c.record); err != nil {
		return err
	}
	// Flush now and then so the rows reach the client as they are written.
	if c.rows++; c.rows%1000 == 0 {
		c.w.Flush()
		return c.w.Error()
	}
	return nil
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	return c.w.Error()
}

// csvCell is v as CSV text, neutralised when a spreadsheet would read it as a
// formula (see NewCSVWriter).
func csvCell(v any) string {
	switch n := v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fmt.Sprint(n)
	}
	s := fmt.Sprint(v)
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
