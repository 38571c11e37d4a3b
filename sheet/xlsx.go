package sheet

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

const (
	// xlsxSpoolSize: worksheet and shared-string parts larger than this,
	// unpacked, are written to temporary files and streamed from there
	// instead of being held in memory. excelize's default is 16 MiB.
	xlsxSpoolSize = 1 << 20
	// xlsxMaxRows is Excel's own row limit; a row number beyond it comes from
	// a damaged or hostile file, and iterating up to it would spin for ages.
	xlsxMaxRows = 1 << 20
)

// parseXLSX reads the first worksheet of an .xlsx with excelize's row
// iterator, which decodes the worksheet XML as a stream.
//
// Memory: excelize v2.10.1 reads the compressed upload into memory (its
// OpenReader and OpenFile both do), which the upload size limit bounds; the
// unpacked worksheet and shared strings, ten or more times larger, go to
// temporary files (see xlsxSpoolSize) that Close removes. What it would hold
// beyond that (the zip directory, other parts, the text of a row once shared
// strings and number formats are applied) is checked first, by checkXLSX
// reading the zip through ra, and a workbook over opts.Limits is refused
// before excelize sees it.
func parseXLSX(ctx context.Context, ra io.ReaderAt, size int64, opts Options, emit func(Row) error) (hdr Header, err error) {
	hdr.Format = FormatXLSX
	if err := checkXLSX(ctx, ra, size, opts.Limits); err != nil {
		return hdr, err
	}
	var f *excelize.File
	err = guard(func() (err error) {
		f, err = excelize.OpenReader(io.NewSectionReader(ra, 0, size), excelize.Options{
			// checkXLSX has bounded this already; excelize wants it at
			// least as big as the spool threshold.
			UnzipSizeLimit:    max(opts.Limits.MaxUnpackedBytes, xlsxSpoolSize),
			UnzipXMLSizeLimit: xlsxSpoolSize,
			TmpDir:            opts.TempDir,
			ShortDatePattern:  "yyyy-mm-dd", // dates in attribute columns read as 2024-05-01, not 05-01-24
		})
		return err
	})
	if f != nil {
		defer func() {
			if cerr := f.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("close xlsx: %w", cerr)
			}
		}()
	}
	if err != nil {
		return hdr, fmt.Errorf("%w: the .xlsx file is damaged or is not an Excel workbook: %w", ErrNotSpreadsheet, err)
	}
	if err := ctx.Err(); err != nil {
		return hdr, err
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return hdr, fmt.Errorf("%w: the .xlsx workbook has no worksheet", ErrNotSpreadsheet)
	}
	hdr.Sheet = sheets[0]
	var rows *excelize.Rows
	if err := guard(func() (err error) { rows, err = f.Rows(hdr.Sheet); return err }); err != nil {
		return hdr, fmt.Errorf("%w: read worksheet %q: %w", ErrNotSpreadsheet, hdr.Sheet, err)
	}
	defer rows.Close()
	src := &xlsxSource{rows: rows, sheet: hdr.Sheet}
	return parseRows(ctx, src, hdr, opts, emit, nil)
}

type xlsxSource struct {
	rows  *excelize.Rows
	sheet string
	line  int
}

func (s *xlsxSource) next() (int, []string, error) {
	var more bool
	if err := guard(func() error { more = s.rows.Next(); return nil }); err != nil {
		return 0, nil, fmt.Errorf("%w: worksheet %q after row %d: %w", ErrNotSpreadsheet, s.sheet, s.line, err)
	}
	if !more {
		if err := s.rows.Error(); err != nil {
			return 0, nil, fmt.Errorf("%w: worksheet %q after row %d: %w", ErrNotSpreadsheet, s.sheet, s.line, err)
		}
		return 0, nil, io.EOF
	}
	// Next yields every row number in turn, absent rows as empty ones, so
	// counting calls gives the row number.
	s.line++
	if s.line > xlsxMaxRows {
		return 0, nil, fmt.Errorf("%w: worksheet %q goes beyond Excel's %d rows", ErrNotSpreadsheet, s.sheet, xlsxMaxRows)
	}
	var cells []string
	if err := guard(func() (err error) { cells, err = s.rows.Columns(); return err }); err != nil {
		return 0, nil, fmt.Errorf("%w: worksheet %q row %d: %w", ErrNotSpreadsheet, s.sheet, s.line, err)
	}
	return s.line, cells, nil
}

// guard runs a call into excelize and turns a panic into an error. The
// upload is untrusted input to a third-party parser; a malformed file must
// fail its import, not the API process.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: %v", errParserPanic, p)
		}
	}()
	return fn()
}

var errParserPanic = errors.New("xlsx parser failed")
