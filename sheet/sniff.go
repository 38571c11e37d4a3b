package sheet

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
)

const (
	// readBufferSize is the buffer put in front of the upload; sniffing and
	// encoding detection look at most this far ahead.
	readBufferSize = 64 << 10
	// sniffSize is how much of the file's start decides its kind.
	sniffSize = 8 << 10
)

var (
	zipMagic   = []byte("PK\x03\x04")
	emptyZip   = []byte("PK\x05\x06")
	ole2Magic  = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
	utf8BOM    = []byte{0xEF, 0xBB, 0xBF}
	utf16LEBOM = []byte{0xFF, 0xFE}
	utf16BEBOM = []byte{0xFE, 0xFF}
)

// sniff decides the format from the first bytes of r and returns a reader
// that still yields those bytes.
func sniff(r io.Reader) (Format, *bufio.Reader, error) {
	br := bufio.NewReaderSize(r, readBufferSize)
	prefix, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) {
		return "", nil, fmt.Errorf("read the upload: %w", err)
	}
	if len(prefix) == 0 {
		return "", nil, fmt.Errorf("%w: the file is empty", ErrEmpty)
	}
	switch {
	case bytes.HasPrefix(prefix, zipMagic), bytes.HasPrefix(prefix, emptyZip):
		return FormatXLSX, br, nil
	case bytes.HasPrefix(prefix, ole2Magic):
		// Excel 97–2003 workbooks, and also password-protected .xlsx files,
		// which Excel wraps in the same container.
		return "", nil, fmt.Errorf("%w: it is a legacy Excel 97-2003 .xls workbook (or a password-protected one); open it in Excel, remove any password, and save it as .xlsx (Excel Workbook) or .csv", ErrNotSpreadsheet)
	case bytes.HasPrefix(prefix, utf16LEBOM), bytes.HasPrefix(prefix, utf16BEBOM):
		// Excel's "Unicode Text" export: UTF-16, tab separated.
		return FormatCSV, br, nil
	case bytes.HasPrefix(prefix, []byte("%PDF-")):
		return "", nil, fmt.Errorf("%w: it is a PDF document", ErrNotSpreadsheet)
	case isMarkup(prefix):
		// Many Korean back offices "export to Excel" as an HTML table or an
		// Excel 2003 XML file named .xls; Excel opens those, we do not.
		return "", nil, fmt.Errorf("%w: it is an HTML or XML file (some systems export those with an .xls name); open it in Excel and save it as .xlsx (Excel Workbook) or .csv", ErrNotSpreadsheet)
	case bytes.IndexByte(prefix, 0) >= 0:
		// Text never contains NUL bytes; images, archives and executables do.
		return "", nil, fmt.Errorf("%w: it is a binary file", ErrNotSpreadsheet)
	}
	return FormatCSV, br, nil
}

// isMarkup reports whether the file starts like HTML or XML.
func isMarkup(prefix []byte) bool {
	p := bytes.TrimPrefix(prefix, utf8BOM)
	p = bytes.TrimLeft(p, " \t\r\n")
	if len(p) > 64 {
		p = p[:64]
	}
	p = bytes.ToLower(p)
	for _, start := range []string{"<?xml", "<!doctype", "<html", "<table", "<meta", "<head", "<body", "<!--"} {
		if bytes.HasPrefix(p, []byte(start)) {
			return true
		}
	}
	return false
}
