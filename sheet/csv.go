package sheet

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encodings of CSV files, as reported in Header.Encoding and accepted by WriteCSV.
const (
	EncodingUTF8  = "utf-8"
	EncodingCP949 = "cp949"
	EncodingUTF16 = "utf-16"
)

// maxRecordBytes caps one CSV record. encoding/csv holds a whole record in
// memory, so without a cap a file with no line breaks would be read whole.
// Real customer rows are a few hundred bytes.
const maxRecordBytes = 1 << 20

var errRecordTooLong = errors.New("record too long")

// parseCSV streams a CSV file: bytes are decoded to UTF-8 as they are read,
// and encoding/csv holds one record at a time.
func parseCSV(ctx context.Context, br *bufio.Reader, opts Options, emit func(Row) error) (Header, error) {
	dec := newTextDecoder(br)
	text := bufio.NewReaderSize(dec, readBufferSize)
	delim, skipped, err := sniffDelimiter(text)
	if err != nil {
		return Header{Format: FormatCSV}, err
	}
	lim := &recordLimiter{r: text}
	cr := csv.NewReader(lim)
	cr.Comma = delim
	cr.FieldsPerRecord = -1 // ragged rows are normal: trailing blanks are not written
	cr.LazyQuotes = true    // a stray quote in a name is data, not a reason to refuse the file
	src := &csvSource{r: cr, lim: lim, skipped: skipped}
	hdr := Header{Format: FormatCSV, Delimiter: delim}
	return parseRows(ctx, src, hdr, opts, emit, func(h *Header) { h.Encoding = dec.encoding() })
}

type csvSource struct {
	r       *csv.Reader
	lim     *recordLimiter
	skipped int // lines consumed before the csv.Reader started (a "sep=" line)
}

func (s *csvSource) next() (int, []string, error) {
	rec, err := s.r.Read()
	s.lim.mark = s.r.InputOffset()
	if errors.Is(err, io.EOF) {
		return 0, nil, io.EOF
	}
	if err != nil {
		// FieldPos is only defined after a successful Read.
		if errors.Is(err, errRecordTooLong) {
			return 0, nil, fmt.Errorf("%w: a record is longer than %d KiB (after byte %d)", ErrNotSpreadsheet, maxRecordBytes>>10, s.lim.mark)
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return 0, nil, fmt.Errorf("%w: %w", ErrNotSpreadsheet, err)
		}
		return 0, nil, fmt.Errorf("read csv: %w", err)
	}
	line, _ := s.r.FieldPos(0)
	line += s.skipped
	return line, rec, nil
}

// recordLimiter fails a read that would take the current record past
// maxRecordBytes. mark is the input offset where the current record began.
type recordLimiter struct {
	r    io.Reader
	n    int64 // bytes delivered
	mark int64
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if l.n-l.mark > maxRecordBytes {
		return 0, errRecordTooLong
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	return n, err
}

// sniffDelimiter picks ',', ';' or '\t' by counting them (outside quotes) in
// the first non-blank line. Excel's "sep=;" hint line is honoured and skipped;
// skipped is the number of lines consumed.
func sniffDelimiter(r *bufio.Reader) (delim rune, skipped int, err error) {
	buf, err := r.Peek(readBufferSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return 0, 0, fmt.Errorf("read csv: %w", err)
	}
	offset := 0
	for offset < len(buf) {
		line := buf[offset:]
		next := len(buf)
		if i := bytes.IndexByte(line, '\n'); i >= 0 {
			line, next = line[:i], offset+i+1
		}
		t := strings.TrimSpace(string(line))
		if t == "" {
			offset, skipped = next, skipped+1
			continue
		}
		if len(t) == 5 && strings.HasPrefix(strings.ToLower(t), "sep=") && strings.ContainsRune(",;\t|", rune(t[4])) {
			if _, err := r.Discard(next); err != nil {
				return 0, 0, fmt.Errorf("read csv: %w", err)
			}
			return rune(t[4]), skipped + 1, nil
		}
		return countDelimiters(line), 0, nil
	}
	return ',', 0, nil
}

func countDelimiters(line []byte) rune {
	counts := map[rune]int{}
	quoted := false
	for _, b := range line {
		switch b {
		case '"':
			quoted = !quoted
		case ',', ';', '\t':
			if !quoted {
				counts[rune(b)]++
			}
		}
	}
	best := ','
	for _, d := range []rune{';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

// textDecoder turns a CSV file of unknown encoding into UTF-8 as it streams.
// A byte order mark settles the encoding at once. Without one, ASCII passes
// through untouched (it reads the same in UTF-8 and CP949), and the first
// non-ASCII byte settles it: if the few KiB from there are valid UTF-8, the
// file is UTF-8, otherwise it is CP949, which is what Korean Excel writes for
// "CSV (쉼표로 분리)". Deciding there rather than on a fixed prefix means a
// file whose first thousand rows are ASCII is still detected right.
type textDecoder struct {
	br  *bufio.Reader
	r   io.Reader // the decoding reader once the encoding is settled
	enc string
}

func newTextDecoder(br *bufio.Reader) *textDecoder {
	d := &textDecoder{br: br}
	prefix, _ := br.Peek(3)
	switch {
	case bytes.HasPrefix(prefix, utf8BOM):
		_, _ = br.Discard(len(utf8BOM)) // cannot fail: the bytes are buffered
		d.enc, d.r = EncodingUTF8, br
	case bytes.HasPrefix(prefix, utf16LEBOM), bytes.HasPrefix(prefix, utf16BEBOM):
		d.enc = EncodingUTF16
		d.r = transform.NewReader(br, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	}
	return d
}

// encoding reports the encoding found; a file that was all ASCII is UTF-8.
func (d *textDecoder) encoding() string {
	if d.enc == "" {
		return EncodingUTF8
	}
	return d.enc
}

func (d *textDecoder) Read(p []byte) (int, error) {
	if d.r != nil {
		return d.r.Read(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	if _, err := d.br.Peek(1); err != nil {
		return 0, err
	}
	buf, _ := d.br.Peek(d.br.Buffered())
	i := 0
	for i < len(buf) && i < len(p) && buf[i] < utf8.RuneSelf {
		i++
	}
	if i > 0 {
		copy(p, buf[:i])
		_, _ = d.br.Discard(i)
		return i, nil
	}
	// buf[0] is the first non-ASCII byte of the file: settle the encoding.
	window, err := d.br.Peek(sniffSize)
	if looksUTF8(window, err != nil) {
		d.enc, d.r = EncodingUTF8, d.br
	} else {
		d.enc, d.r = EncodingCP949, transform.NewReader(d.br, korean.EUCKR.NewDecoder())
	}
	return d.r.Read(p)
}

// looksUTF8 reports whether window is valid UTF-8, allowing a rune cut off at
// its end unless the window is the end of the file.
func looksUTF8(window []byte, atEnd bool) bool {
	if !atEnd {
		for i := len(window) - 1; i >= 0 && i >= len(window)-utf8.UTFMax; i-- {
			if utf8.RuneStart(window[i]) {
				if !utf8.FullRune(window[i:]) {
					window = window[:i]
				}
				break
			}
		}
	}
	return utf8.Valid(window)
}
