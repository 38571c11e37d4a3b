package sheet

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"strings"
)

// WriteSharedStringBomb writes a hostile .xlsx for tests and benchmarks: a
// header row (이름, 전화번호) and rows data rows of cols cells that all point
// at one shared string of textBytes bytes. The file is small (each cell is
// a few bytes of XML, and repeats compress well) but describes
// rows × cols × textBytes bytes of text: it is what the import limits are
// there to refuse. Memory stays flat however big the numbers are.
func WriteSharedStringBomb(w io.Writer, rows, cols, textBytes int) error {
	if rows < 1 || cols < 1 || cols > 16384 || rows > xlsxMaxRows-1 || textBytes < 1 {
		return fmt.Errorf("write bomb: %d rows of %d columns of %d bytes is out of range", rows, cols, textBytes)
	}
	zw := zip.NewWriter(w)
	part := func(name, content string) error {
		pw, err := zw.Create(name)
		if err == nil {
			_, err = io.WriteString(pw, content)
		}
		return err
	}
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	steps := []struct{ name, content string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook ` + ns + ` xmlns:r="` + rel + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst ` + ns + ` count="3" uniqueCount="3"><si><t>` + strings.Repeat("x", textBytes) + `</t></si><si><t>이름</t></si><si><t>전화번호</t></si></sst>`},
	}
	for _, s := range steps {
		if err := part(s.name, s.content); err != nil {
			return fmt.Errorf("write bomb %s: %w", s.name, err)
		}
	}
	pw, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		return fmt.Errorf("write bomb sheet: %w", err)
	}
	bw := bufio.NewWriterSize(pw, 64<<10)
	fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet %s><sheetData><row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>2</v></c></row>`, ns)
	// Cell references, as Excel writes them, make the file compress like
	// a real one (a few MB for millions of cells) rather than to nothing.
	names := make([]string, cols)
	for i := range names {
		names[i] = columnName(i)
	}
	for r := 2; r < rows+2; r++ {
		fmt.Fprintf(bw, `<row r="%d">`, r)
		for _, name := range names {
			fmt.Fprintf(bw, `<c r="%s%d" t="s"><v>0</v></c>`, name, r)
		}
		bw.WriteString("</row>")
	}
	bw.WriteString(`</sheetData></worksheet>`)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write bomb sheet: %w", err)
	}
	return zw.Close()
}
