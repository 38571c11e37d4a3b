package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/korean"

	"github.com/sendingo/sendingo/apitest"
	"github.com/sendingo/sendingo/workflows"
)

type importOut struct {
	ID            int64  `json:"id"`
	Status        string `json:"status"`
	Format        string `json:"format"`
	TotalRows     int64  `json:"total_rows"`
	ValidRows     int64  `json:"valid_rows"`
	InvalidRows   int64  `json:"invalid_rows"`
	DuplicateRows int64  `json:"duplicate_rows"`
	TargetGroupID int64  `json:"target_group_id"`
	Created       int64  `json:"created"`
	Updated       int64  `json:"updated"`
	Skipped       int64  `json:"skipped"`
	Error         string `json:"error"`
	Columns       []struct {
		Header, Field, Key string
	} `json:"columns"`
}

type importRowOut struct {
	ID         int64             `json:"id"`
	Line       int               `json:"line"`
	Name       string            `json:"name"`
	Phone      string            `json:"phone"`
	Verdict    string            `json:"verdict"`
	Reason     string            `json:"reason"`
	Attributes map[string]string `json:"attributes"`
}

// customerXLSX is the file: Korean headers, phones in every spelling, a
// numeric phone cell, an empty row, a duplicate, a bad phone and an extra column.
func customerXLSX(t *testing.T) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sh := f.GetSheetName(0)
	rows := [][]any{
		{"이름", "휴대폰", "이메일", "등급"},
		{"김민수", "010-1234-5678", "minsu@example.com", "VIP"},
		{"이서연", "01023456789", "", "골드"},
		{"박지훈", "+82 10 3456 7890", "jihoon@example.com", ""},
		{"최유진", "+821045678901", "", "실버"},
		{"정하은", 1056789012, "", ""},         // Excel dropped the leading 0
		{nil, nil, nil, nil},                // empty row
		{"김민수2", "010 1234 5678", "", "중복"}, // duplicate of line 2
		{"오류", "010-12", "", ""},            // bad phone
		{"", "010-9999-0000", "", ""},       // missing name
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(sh, cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func waitImport(t *testing.T, c *apitest.Client, id int64) importOut {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var im importOut
		c.Do("GET", fmt.Sprintf("/api/v1/imports/%d", id), nil).Expect(200).JSON(&im)
		if im.Status == "completed" || im.Status == "failed" {
			return im
		}
		if time.Now().After(deadline) {
			t.Fatalf("import %d still %s", id, im.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func importRows(t *testing.T, c *apitest.Client, id int64, verdict string) []importRowOut {
	t.Helper()
	var out struct{ Items []importRowOut }
	q := ""
	if verdict != "" {
		q = "&verdict=" + verdict
	}
	c.Do("GET", fmt.Sprintf("/api/v1/imports/%d/rows?size=200%s", id, q), nil).Expect(200).JSON(&out)
	return out.Items
}

func TestXLSXImportVerdictsCommitAndReimport(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)

	var im importOut
	c.Upload("/api/v1/imports", "file", "고객.xlsx", customerXLSX(t), nil).Expect(201).JSON(&im)
	if im.Status != "staged" || im.Format != "xlsx" || im.TotalRows != 8 || im.ValidRows != 5 || im.DuplicateRows != 1 || im.InvalidRows != 2 {
		t.Fatalf("staged import %+v", im)
	}
	fields := map[string]string{}
	for _, col := range im.Columns {
		fields[col.Header] = col.Field
	}
	if fields["이름"] != "name" || fields["휴대폰"] != "phone" || fields["이메일"] != "email" || fields["등급"] != "attribute" {
		t.Fatalf("columns %+v", im.Columns)
	}

	byLine := map[int]importRowOut{}
	for _, r := range importRows(t, c, im.ID, "") {
		byLine[r.Line] = r
	}
	want := map[int]struct{ verdict, phone string }{
		2: {"ok", "+821012345678"}, 3: {"ok", "+821023456789"}, 4: {"ok", "+821034567890"},
		5: {"ok", "+821045678901"}, 6: {"ok", "+821056789012"},
		8: {"duplicate", "+821012345678"}, 9: {"invalid_phone", ""}, 10: {"missing_name", "+821099990000"},
	}
	if len(byLine) != len(want) {
		t.Fatalf("rows %+v", byLine)
	}
	for line, w := range want {
		r := byLine[line]
		if r.Verdict != w.verdict || r.Phone != w.phone {
			t.Errorf("line %d: verdict %q phone %q, want %q %q (reason %q)", line, r.Verdict, r.Phone, w.verdict, w.phone, r.Reason)
		}
		if w.verdict != "ok" && r.Reason == "" {
			t.Errorf("line %d has no reason", line)
		}
	}
	if !strings.Contains(byLine[8].Reason, "2") {
		t.Errorf("duplicate reason %q should name line 2", byLine[8].Reason)
	}
	if got := len(importRows(t, c, im.ID, "invalid")); got != 2 {
		t.Fatalf("invalid filter gave %d rows", got)
	}

	// The operator drops one valid row before committing.
	var del struct {
		Deleted int64
		Import  importOut
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/imports/%d/rows", im.ID), map[string]any{"row_ids": []int64{byLine[5].ID}}).Expect(200).JSON(&del)
	if del.Deleted != 1 || del.Import.ValidRows != 4 || del.Import.TotalRows != 7 {
		t.Fatalf("after delete %+v", del)
	}

	// Commit into a new group; a double submit starts one workflow.
	first := c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "엑셀고객"}).Expect(202)
	if loc := first.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/imports/%d", im.ID) {
		t.Fatalf("Location %q", loc)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "엑셀고객"}).Expect(202)
	done := waitImport(t, c, im.ID)
	if done.Status != "completed" || done.Created != 4 || done.Updated != 0 || done.Skipped != 3 {
		t.Fatalf("completed import %+v", done)
	}
	h.recordHistory(t, workflows.ImportWorkflowID(im.ID), "import-customers.json")
	var groups struct{ Items []groupJSON }
	c.Do("GET", "/api/v1/groups", nil).Expect(200).JSON(&groups)
	var target groupJSON
	for _, g := range groups.Items {
		if strings.HasPrefix(g.Name, "엑셀고객") {
			if target.ID != 0 {
				t.Fatalf("the double submit made two groups: %+v", groups.Items)
			}
			target = g
		}
	}
	if target.ID != done.TargetGroupID || target.CustomerCount != 4 || target.Name != "엑셀고객" {
		t.Fatalf("target group %+v (import says %d)", target, done.TargetGroupID)
	}
	var minsu struct {
		Items []struct {
			Name       string
			Email      string
			Attributes map[string]string
			Groups     []struct{ Name string }
		}
		Total int64
	}
	c.Do("GET", "/api/v1/customers?q=010-1234-5678", nil).Expect(200).JSON(&minsu)
	if minsu.Total != 1 || minsu.Items[0].Name != "김민수" || minsu.Items[0].Email != "minsu@example.com" ||
		minsu.Items[0].Attributes["등급"] != "VIP" || len(minsu.Items[0].Groups) != 1 || minsu.Items[0].Groups[0].Name != "엑셀고객" {
		t.Fatalf("imported customer %+v", minsu)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "again"}).Expect(409)
	c.Do("DELETE", fmt.Sprintf("/api/v1/imports/%d/rows", im.ID), map[string]any{"row_ids": []int64{byLine[6].ID}}).Expect(409)

	// Re-importing the same file into an existing group updates, never duplicates.
	var again importOut
	c.Upload("/api/v1/imports", "file", "고객.xlsx", customerXLSX(t), nil).Expect(201).JSON(&again)
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", again.ID), map[string]any{"group_id": target.ID}).Expect(202)
	done = waitImport(t, c, again.ID)
	if done.Created != 1 || done.Updated != 4 {
		t.Fatalf("re-import created %d updated %d, want 1 (the row deleted before) and 4", done.Created, done.Updated)
	}
	var all struct{ Total int64 }
	c.Do("GET", "/api/v1/customers", nil).Expect(200).JSON(&all)
	if all.Total != 5 {
		t.Fatalf("%d customers after re-import, want 5", all.Total)
	}
	h.noCustomerWithoutGroup(t)
}

func TestCP949CSVImport(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	csv := "이름,전화번호,이메일,메모\r\n" +
		"홍길동,010-2222-3333,hong@example.com,첫 고객\r\n" +
		"성춘향,+82 10 4444 5555,,\r\n" +
		",,,\r\n" +
		"이몽룡,1066667777,,남원\r\n" +
		"변학도,01022223333,,중복\r\n" +
		"향단,02-12,,\r\n"
	encoded, err := korean.EUCKR.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	var im importOut
	c.Upload("/api/v1/imports", "file", "customers.csv", []byte(encoded), nil).Expect(201).JSON(&im)
	if im.Format != "csv" || im.TotalRows != 5 || im.ValidRows != 3 || im.DuplicateRows != 1 || im.InvalidRows != 1 {
		t.Fatalf("CP949 import %+v", im)
	}
	rows := importRows(t, c, im.ID, "ok")
	if rows[0].Name != "홍길동" || rows[0].Attributes["메모"] != "첫 고객" || rows[2].Phone != "+821066667777" {
		t.Fatalf("decoded rows %+v", rows)
	}
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "춘향전"}).Expect(202)
	done := waitImport(t, c, im.ID)
	if done.Created != 3 || done.Skipped != 2 {
		t.Fatalf("CP949 commit %+v", done)
	}
	var found struct {
		Items []struct{ Attributes map[string]string }
	}
	c.Do("GET", "/api/v1/customers?q=이몽룡", nil).Expect(200).JSON(&found)
	if len(found.Items) != 1 || found.Items[0].Attributes["메모"] != "남원" {
		t.Fatalf("이몽룡 %+v", found)
	}
}

func TestRefusedUploadsStoreNothing(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	big := bytes.Repeat([]byte("이름,전화번호\n홍길동,010-1234-5678\n"), int(h.cfg.MaxUploadBytes)/30+10)
	cases := []struct {
		name, file string
		content    []byte
		status     int
		slug       string
	}{
		{"too big", "big.csv", big, 413, "upload-too-large"},
		{"not a spreadsheet", "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), 415, "not-a-spreadsheet"},
		{"legacy xls", "old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), 415, "not-a-spreadsheet"},
		{"no phone column", "nophone.csv", []byte("이름,이메일\n홍길동,hong@example.com\n"), 422, "no-phone-column"},
		{"header only", "empty.csv", []byte("이름,전화번호\n"), 422, "empty-spreadsheet"},
		{"empty file", "zero.csv", nil, 422, "empty-spreadsheet"},
		{"broken xlsx", "broken.xlsx", []byte("PK\x03\x04garbage"), 415, "not-a-spreadsheet"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			imports, rows := h.count(t, "imports"), h.count(t, "import_rows")
			p := c.Upload("/api/v1/imports", "file", tc.file, tc.content, nil).Expect(tc.status)
			if slug := p.Slug(); slug != tc.slug {
				t.Fatalf("slug %q, want %q: %s", slug, tc.slug, p.Body)
			}
			if p.Problem().Detail == "" {
				t.Fatal("no detail")
			}
			if i, r := h.count(t, "imports"), h.count(t, "import_rows"); i != imports || r != rows {
				t.Fatalf("refused upload stored rows: imports %d→%d, rows %d→%d", imports, i, rows, r)
			}
		})
	}
	p := c.Do("POST", "/api/v1/imports", map[string]string{"file": "x"}).Expect(415).Problem()
	if !strings.Contains(p.Detail, "multipart") {
		t.Fatalf("detail %q", p.Detail)
	}
	c.Upload("/api/v1/imports", "other", "x.csv", []byte("a"), nil).Expect(422)
}

func TestSampleFileIsAnImportableSpreadsheet(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	resp := c.Do("GET", "/api/v1/imports/sample.xlsx", nil).Expect(200)
	f, err := excelize.OpenReader(bytes.NewReader(resp.Body))
	if err != nil {
		t.Fatalf("sample is not an .xlsx: %v", err)
	}
	f.Close()
	var im importOut
	c.Upload("/api/v1/imports", "file", "sample.xlsx", resp.Body, nil).Expect(201).JSON(&im)
	if im.ValidRows == 0 || im.InvalidRows != 0 {
		t.Fatalf("the sample does not import cleanly: %+v", im)
	}
}

// uploadCSV stages a CSV and answers the import.
func uploadCSV(t *testing.T, c *apitest.Client, name, content string) importOut {
	t.Helper()
	var im importOut
	c.Upload("/api/v1/imports", "file", name, []byte(content), nil).Expect(201).JSON(&im)
	return im
}

type customerAttrs struct {
	Items []struct {
		ID         int64             `json:"id"`
		Name       string            `json:"name"`
		Email      string            `json:"email"`
		Attributes map[string]string `json:"attributes"`
	} `json:"items"`
	Total int64 `json:"total"`
}

// A second file with changed and added columns updates the customers it names
// (matched by phone): changed values win, new columns are added, columns the file
// lacks keep their values, an empty e-mail keeps the old one; others stay as
// they were and nobody is duplicated.
func TestReimportMergesAttributes(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	first := uploadCSV(t, c, "1차.csv", "이름,휴대폰,이메일,등급,지역\n"+
		"김민수,010-1111-2222,minsu@example.com,VIP,서울\n"+
		"이영희,010-3333-4444,younghee@example.com,골드,부산\n")
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", first.ID), map[string]string{"new_group_name": "1차"}).Expect(202)
	if done := waitImport(t, c, first.ID); done.Status != "completed" || done.Created != 2 {
		t.Fatalf("first import %+v", done)
	}
	second := uploadCSV(t, c, "2차.csv", "이름,휴대폰,이메일,등급,생일\n"+
		"김민수(변경),01011112222,,골드,0101\n"+
		"박철수,010-5555-6666,chulsoo@example.com,실버,1225\n")
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", second.ID), map[string]string{"new_group_name": "2차"}).Expect(202)
	if done := waitImport(t, c, second.ID); done.Status != "completed" || done.Created != 1 || done.Updated != 1 {
		t.Fatalf("second import %+v, want 1 created and 1 updated", done)
	}
	get := func(phone string) customerAttrs {
		var out customerAttrs
		c.Do("GET", "/api/v1/customers?q="+urlQuery(phone), nil).Expect(200).JSON(&out)
		if out.Total != 1 {
			t.Fatalf("%d customers with %s", out.Total, phone)
		}
		return out
	}
	minsu := get("010-1111-2222").Items[0]
	if minsu.Name != "김민수(변경)" || minsu.Email != "minsu@example.com" ||
		fmt.Sprint(minsu.Attributes) != fmt.Sprint(map[string]string{"등급": "골드", "지역": "서울", "생일": "0101"}) {
		t.Fatalf("re-imported customer %+v", minsu)
	}
	younghee := get("010-3333-4444").Items[0]
	if younghee.Name != "이영희" || fmt.Sprint(younghee.Attributes) != fmt.Sprint(map[string]string{"등급": "골드", "지역": "부산"}) {
		t.Fatalf("customer not in the second file %+v", younghee)
	}
	chulsoo := get("010-5555-6666").Items[0]
	if fmt.Sprint(chulsoo.Attributes) != fmt.Sprint(map[string]string{"등급": "실버", "생일": "1225"}) {
		t.Fatalf("new customer %+v", chulsoo)
	}
	var all customerAttrs
	c.Do("GET", "/api/v1/customers", nil).Expect(200).JSON(&all)
	if all.Total != 3 {
		t.Fatalf("%d customers after two imports, want 3", all.Total)
	}
	expectGroups(t, c, minsu.ID, "1차", "2차")
}

// Deleting a staged row of a duplicate pair recomputes the duplicates: the next
// line with that phone becomes the one that counts, and a third names it.
func TestDeletingAStagedRowRecomputesDuplicates(t *testing.T) {
	h := newHarness(t)
	token, _ := h.signup(t)
	c := h.c.As(token)
	im := uploadCSV(t, c, "중복.csv", "이름,휴대폰\n"+
		"첫째,010-1000-0001\n"+ // line 2
		"다른,010-1000-0002\n"+ // line 3
		"둘째,01010000001\n"+ // line 4: duplicate of line 2
		"셋째,010 1000 0001\n") // line 5: duplicate of line 2
	if im.ValidRows != 2 || im.DuplicateRows != 2 {
		t.Fatalf("staged %+v, want 2 valid and 2 duplicates", im)
	}
	byLine := map[int]importRowOut{}
	for _, r := range importRows(t, c, im.ID, "") {
		byLine[r.Line] = r
	}
	var del struct {
		Deleted int64
		Import  importOut
	}
	c.Do("DELETE", fmt.Sprintf("/api/v1/imports/%d/rows", im.ID), map[string]any{"row_ids": []int64{byLine[2].ID}}).Expect(200).JSON(&del)
	if del.Deleted != 1 || del.Import.TotalRows != 3 || del.Import.ValidRows != 2 || del.Import.DuplicateRows != 1 {
		t.Fatalf("after deleting line 2: %+v, want 3 rows, 2 valid, 1 duplicate", del)
	}
	byLine = map[int]importRowOut{}
	for _, r := range importRows(t, c, im.ID, "") {
		byLine[r.Line] = r
	}
	if byLine[4].Verdict != "ok" || byLine[5].Verdict != "duplicate" || !strings.Contains(byLine[5].Reason, "4") {
		t.Fatalf("after deleting line 2: line 4 %+v, line 5 %+v", byLine[4], byLine[5])
	}
	c.Do("POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), map[string]string{"new_group_name": "중복"}).Expect(202)
	if done := waitImport(t, c, im.ID); done.Status != "completed" || done.Created != 2 || done.Skipped != 1 {
		t.Fatalf("committed %+v, want 2 created and 1 skipped", done)
	}
	var out customerAttrs
	c.Do("GET", "/api/v1/customers?q=01010000001", nil).Expect(200).JSON(&out)
	if out.Total != 1 || out.Items[0].Name != "둘째" {
		t.Fatalf("the customer of 010-1000-0001: %+v, want 둘째 (line 4)", out)
	}
}
