package sheet

import (
	"errors"
	"fmt"
)

// ErrLimit: the file is over one of Limits. The error is a *LimitError that
// names the limit.
var ErrLimit = errors.New("the spreadsheet is over a limit")

// Limits bound what one upload may cost the server. An .xlsx is a zip of XML
// in which a cell may point at a shared string, and a number format may
// repeat a text ("@@@@"), so a file of a few megabytes can describe
// gigabytes of text: the limits are checked on the text as it would be
// expanded, before the workbook is handed to the spreadsheet library.
//
// The zero value of a field means its DefaultLimits value.
type Limits struct {
	// MaxAttributes is the most attribute columns (titled columns other
	// than name, phone and e-mail).
	MaxAttributes int
	// MaxAttributeKey is the longest attribute title, in characters.
	MaxAttributeKey int
	// MaxAttributeValue is the longest attribute cell, in characters.
	MaxAttributeValue int
	// MaxRowBytes caps the text of one row once shared strings and number
	// formats are applied (.xlsx); for a .csv it is the longest record.
	MaxRowBytes int64
	// MaxTextBytes caps the text of the whole worksheet, expanded (.xlsx).
	MaxTextBytes int64
	// MaxUnpackedBytes caps the unpacked size of all the parts of an .xlsx.
	MaxUnpackedBytes int64
	// MaxSharedStrings caps the distinct texts of an .xlsx's shared-string
	// table (the spreadsheet library indexes every one of them).
	MaxSharedStrings int
}

// DefaultLimits are the limits Parse applies where Options.Limits is zero. The
// attribute limits are those of a customer created through the API.
var DefaultLimits = Limits{
	MaxAttributes:     100,
	MaxAttributeKey:   64,
	MaxAttributeValue: 1000,
	MaxRowBytes:       1 << 20,
	MaxTextBytes:      512 << 20,
	MaxUnpackedBytes:  512 << 20,
	MaxSharedStrings:  2_000_000,
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	return Limits{
		MaxAttributes:     positiveOr(l.MaxAttributes, d.MaxAttributes),
		MaxAttributeKey:   positiveOr(l.MaxAttributeKey, d.MaxAttributeKey),
		MaxAttributeValue: positiveOr(l.MaxAttributeValue, d.MaxAttributeValue),
		MaxRowBytes:       positiveOr(l.MaxRowBytes, d.MaxRowBytes),
		MaxTextBytes:      positiveOr(l.MaxTextBytes, d.MaxTextBytes),
		MaxUnpackedBytes:  positiveOr(l.MaxUnpackedBytes, d.MaxUnpackedBytes),
		MaxSharedStrings:  positiveOr(l.MaxSharedStrings, d.MaxSharedStrings),
	}
}

// positiveOr is v when it is set (positive), else def.
func positiveOr[T int | int64](v, def T) T {
	if v > 0 {
		return v
	}
	return def
}

// Names of the limits, as LimitError.Limit reports them (stable: the API
// passes them on to clients).
const (
	LimitAttributes     = "attributes"
	LimitAttributeKey   = "attribute_key_length"
	LimitAttributeValue = "attribute_value_length"
	LimitRowBytes       = "row_bytes"
	LimitTextBytes      = "text_bytes"
	LimitUnpackedBytes  = "unpacked_bytes"
	LimitSharedStrings  = "shared_strings"
	LimitParts          = "parts" // the zip's directory, or a part held in memory
	LimitXMLRun         = "xml_text_run"
)

// LimitError says which limit a file is over, and where.
type LimitError struct {
	Limit  string // one of the Limit* names
	Max    int64  // the limit's value
	Detail string // what is over it, in words a person can act on
}

func (e *LimitError) Error() string { return e.Detail }

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

func limitErr(limit string, max int64, format string, args ...any) *LimitError {
	return &LimitError{Limit: limit, Max: max, Detail: fmt.Sprintf(format, args...)}
}
