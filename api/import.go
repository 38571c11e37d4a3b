package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/phone"
	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/sheet"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/workflows"
)

// stageBatch is how many parsed rows go into one multi-row INSERT.
const stageBatch = 2000

type importJSON struct {
	store.Import
	Progress importProgress `json:"progress"`
}

type importProgress struct {
	Processed int64 `json:"processed"`
	Total     int64 `json:"total"`
	Percent   int   `json:"percent"`
}

func toImportJSON(im store.Import) importJSON {
	p := importProgress{Processed: im.ProcessedRows, Total: im.ValidRows}
	if p.Total > 0 {
		p.Percent = int(p.Processed * 100 / p.Total)
	}
	if im.Status == store.ImportCompleted {
		p.Percent = 100
	}
	return importJSON{Import: im, Progress: p}
}

// createImport stages an uploaded .xlsx or .csv: every row with a verdict. The
// upload is spooled to a temporary file (an .xlsx needs random access) and parsed
// as a stream; rows go to MySQL in batches. A refused file leaves nothing behind.
func (s *Server) createImport(c *gin.Context) {
	up, ok := s.receiveUpload(c)
	if !ok {
		return
	}
	defer up.Close()
	spool, filename, dir := up.spool, up.filename, up.dir

	ctx, acc := c.Request.Context(), account(c)
	head := make([]byte, 4)
	n, _ := spool.ReadAt(head, 0)
	format := "csv"
	if bytes.HasPrefix(head[:n], []byte("PK\x03\x04")) {
		format = "xlsx"
	}
	id, err := s.store.CreateImport(ctx, acc, c.GetInt64(ctxUserID), filename, format)
	if err != nil {
		internalError(c, err)
		return
	}
	header, err := s.stage(ctx, acc, id, spool, dir)
	if err != nil {
		// Nothing of a refused file stays: the import and its staged rows go.
		if derr := s.store.DeleteImport(context.WithoutCancel(ctx), acc, id); derr != nil {
			s.log.Error("delete refused import", "import_id", id, "error", derr)
		}
		importParseProblem(c, err, s.cfg.MaxImportRows)
		return
	}
	cols := make([]store.ImportColumn, len(header.Columns))
	for i, col := range header.Columns {
		cols[i] = store.ImportColumn{Index: col.Index, Header: col.Title, Field: string(col.Field), Key: col.Key, Note: col.Note}
		if col.Field == sheet.FieldAttribute && sheet.IsNightConsentKey(col.Key) {
			cols[i].Field, cols[i].Key = "night_ad_consent", ""
		}
	}
	im, err := s.store.FinishStaging(ctx, acc, id, cols)
	if err != nil {
		internalError(c, err)
		return
	}
	s.log.Info("import staged", "account_id", acc, "import_id", id, "rows", im.TotalRows, "valid", im.ValidRows)
	c.Header("Location", "/api/v1/imports/"+itoa(id))
	c.JSON(http.StatusCreated, toImportJSON(im))
}

// upload is a received spreadsheet: the spooled file, its name as sent, and
// the directory everything the upload writes to disk goes into.
type upload struct {
	spool    *os.File
	filename string
	dir      string
	release  func()
}

// Close closes the file and frees the upload's slot and directory.
func (u *upload) Close() {
	u.spool.Close()
	u.release()
}

// receiveUpload takes a spreadsheet upload (multipart/form-data, field file):
// admitted (beginUpload) and spooled to a temporary file (spoolUpload). It
// answers every refusal itself.
func (s *Server) receiveUpload(c *gin.Context) (*upload, bool) {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "multipart/form-data" {
		problem(c, http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"upload the file as multipart/form-data in a field named file")
		return nil, false
	}
	dir, release, ok := s.beginUpload(c)
	if !ok {
		return nil, false
	}
	spool, filename, ok := s.spoolUpload(c, dir)
	if !ok {
		release()
		return nil, false
	}
	return &upload{spool: spool, filename: filename, dir: dir, release: release}, true
}

// beginUpload admits a spreadsheet upload (customer imports, opt-out lists):
// it takes one of the process's upload slots (or answers 503), gives the
// request the upload deadlines, and makes the directory everything the upload
// writes to disk goes into. release frees the slot and removes the directory.
func (s *Server) beginUpload(c *gin.Context) (dir string, release func(), ok bool) {
	// Parsing takes CPU and memory; a few at a time per process, and the
	// rest are asked to come back rather than queued.
	select {
	case s.uploads <- struct{}{}:
	default:
		c.Header("Retry-After", "10")
		problem(c, http.StatusServiceUnavailable, "too-many-uploads", "Too many uploads",
			fmt.Sprintf("%d imports are being received right now; try again in a few seconds", cap(s.uploads)))
		return "", nil, false
	}
	// An upload may take longer than an ordinary request to arrive and to
	// stage; it has its own deadline.
	extendDeadlines(c, s.cfg.UploadTimeout, s.cfg.UploadTimeout+s.cfg.HTTPWriteTimeout)
	// Everything this upload writes to disk (the spooled file, excelize's
	// unpacked parts) goes into one directory, removed whatever happens: a
	// library that fails half-way cannot leave files behind.
	dir, err := os.MkdirTemp("", "sendingo-upload-*")
	if err != nil {
		<-s.uploads
		internalError(c, err)
		return "", nil, false
	}
	return dir, func() { os.RemoveAll(dir); <-s.uploads }, true
}

// spoolUpload copies the multipart field "file" to a temporary file, answering
// 413 when it exceeds the upload limit.
func (s *Server) spoolUpload(c *gin.Context, dir string) (*os.File, string, bool) {
	limit := s.cfg.MaxUploadBytes
	if c.Request.ContentLength > limit+64<<10 {
		tooLarge(c, limit)
		return nil, "", false
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		badRequest(c, "malformed multipart body: "+err.Error())
		return nil, "", false
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			Fields{{Field: "file", Message: "is required: attach the .xlsx or .csv file in a field named file"}}.Abort(c)
			return nil, "", false
		}
		if err != nil {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				tooLarge(c, limit)
			} else {
				badRequest(c, "malformed multipart body: "+err.Error())
			}
			return nil, "", false
		}
		if part.FormName() != "file" {
			_, _ = io.Copy(io.Discard, part)
			continue
		}
		f, err := os.CreateTemp(dir, "upload-*")
		if err != nil {
			internalError(c, err)
			return nil, "", false
		}
		n, err := io.Copy(f, io.LimitReader(part, limit+1))
		var maxErr *http.MaxBytesError
		switch {
		case n > limit || errors.As(err, &maxErr):
			f.Close()
			os.Remove(f.Name())
			tooLarge(c, limit)
			return nil, "", false
		case err != nil:
			f.Close()
			os.Remove(f.Name())
			badRequest(c, "the upload was interrupted: "+err.Error())
			return nil, "", false
		case n == 0:
			f.Close()
			os.Remove(f.Name())
			unprocessable(c, "empty-spreadsheet", "Empty file", "the uploaded file is empty")
			return nil, "", false
		}
		name := part.FileName()
		if !utf8.ValidString(name) || len(name) > 255 {
			name = "upload"
		}
		return f, name, true
	}
}

func tooLarge(c *gin.Context, limit int64) {
	problem(c, http.StatusRequestEntityTooLarge, "upload-too-large", "Upload too large",
		fmt.Sprintf("the file is larger than the %d MB upload limit", limit>>20))
}

// sheetOptions are the limits every uploaded spreadsheet is read with.
func (s *Server) sheetOptions(tempDir string) sheet.Options {
	return sheet.Options{MaxRows: s.cfg.MaxImportRows, TempDir: tempDir, Limits: sheet.Limits{
		MaxAttributes: maxAttributes, MaxAttributeKey: maxAttributeKey, MaxAttributeValue: maxAttributeValue,
		MaxUnpackedBytes: s.cfg.MaxUnpackedBytes,
	}}
}

// stage parses the spooled file and inserts its rows in batches.
func (s *Server) stage(ctx context.Context, accountID, importID int64, f *os.File, tempDir string) (sheet.Header, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return sheet.Header{}, err
	}
	// Batches are inserted in the background while the next one is parsed.
	stager := s.store.NewRowStager(ctx, accountID, importID)
	batch := make([]store.ImportRow, 0, stageBatch)
	flush := func() error {
		err := stager.Stage(batch)
		batch = make([]store.ImportRow, 0, stageBatch)
		return err
	}
	header, err := sheet.Parse(ctx, f, s.sheetOptions(tempDir), func(r sheet.Row) error {
		batch = append(batch, importRowOf(r))
		if len(batch) == stageBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if cerr := stager.Close(); err == nil {
		err = cerr
	}
	return header, err
}

// importRowOf is a parsed row as it is staged. The night consent column, which
// Parse keeps as an attribute, becomes the row's consent (a cell that is neither
// yes nor no makes the row invalid); a valid number SMS cannot reach makes it
// not_mobile: imported, never texted.
func importRowOf(r sheet.Row) store.ImportRow {
	row := store.ImportRow{Line: r.Line, Name: render.TruncateRunes(r.Name, 200), Phone: r.Phone,
		RawPhone: render.TruncateRunes(r.RawPhone, 64), Email: render.TruncateRunes(r.Email, 254), Attributes: store.Attributes(r.Attributes),
		Verdict: r.Verdict, Reason: r.Reason}
	for key, cell := range row.Attributes {
		if !sheet.IsNightConsentKey(key) {
			continue
		}
		delete(row.Attributes, key)
		consent, ok := sheet.ParseConsent(cell)
		switch {
		case !ok:
			if row.Verdict == sheet.VerdictOK {
				row.Verdict = sheet.VerdictInvalidConsent
			}
			row.Reason = strings.TrimPrefix(row.Reason+"; "+fmt.Sprintf("%s %q is neither yes (Y, 예, 동의) nor no (N, 아니오, 미동의)", key, render.TruncateRunes(cell, 40)), "; ")
		case consent:
			row.NightConsent = "Y"
		default:
			row.NightConsent = "N"
		}
	}
	if row.Verdict == sheet.VerdictOK && !phone.IsMobile(row.Phone) {
		row.Verdict, row.Reason = store.VerdictNotMobile, store.NotMobileReason
	}
	row.Reason = render.TruncateRunes(row.Reason, 255)
	return row
}

// importParseProblem answers why a file was refused.
func importParseProblem(c *gin.Context, err error, maxRows int) {
	var limit *sheet.LimitError
	switch {
	case errors.Is(err, sheet.ErrNotSpreadsheet):
		problem(c, http.StatusUnsupportedMediaType, "not-a-spreadsheet", "Not a spreadsheet", err.Error())
	case errors.Is(err, sheet.ErrNoPhoneColumn):
		unprocessable(c, "no-phone-column", "No phone column", err.Error())
	case errors.Is(err, sheet.ErrEmpty):
		unprocessable(c, "empty-spreadsheet", "Empty spreadsheet", err.Error())
	case errors.Is(err, sheet.ErrTooManyRows):
		unprocessable(c, "too-many-rows", "Too many rows", err.Error())
	case errors.As(err, &limit):
		writeProblem(c, Problem{Type: ProblemBase + "spreadsheet-limit", Title: "Spreadsheet over a limit",
			Status: http.StatusUnprocessableEntity, Detail: limit.Detail,
			Extensions: map[string]any{"limit": limit.Limit, "max": limit.Max}})
	case errors.Is(err, context.Canceled):
		badRequest(c, "the upload was cancelled")
	default:
		internalError(c, err)
	}
}

func (s *Server) listImports(c *gin.Context) {
	listPage(c, "imports", s.store.Imports, toImportJSON, func(x store.Import) string { return store.Cursor(x.ID) })
}

func (s *Server) getImport(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	im, err := s.store.Import(c.Request.Context(), account(c), id)
	if !storeErr(c, err, "import") {
		return
	}
	c.JSON(http.StatusOK, toImportJSON(im))
}

func (s *Server) importRows(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	p, ok := pageParams(c)
	if !ok {
		return
	}
	verdict := c.Query("verdict")
	switch verdict {
	case "", "ok", "invalid", "duplicate", store.VerdictNotMobile:
	default:
		Fields{{Field: "verdict", Message: "must be ok, invalid, duplicate or not_mobile"}}.Abort(c)
		return
	}
	rows, total, err := s.store.ImportRows(c.Request.Context(), account(c), id, verdict, p)
	if !storeErr(c, err, "import") {
		return
	}
	c.JSON(http.StatusOK, list[store.ImportRow]{Items: rows, Total: total, Page: p.Page, Size: p.Size,
		NextCursor: nextCursor(rows, p.Size, func(x store.ImportRow) string { return store.Cursor(x.ID) })})
}

type deleteRowsRequest struct {
	RowIDs []int64 `json:"row_ids"`
}

func (s *Server) deleteImportRows(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req deleteRowsRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	if len(req.RowIDs) == 0 {
		errs.Add("row_ids", "is required: a non-empty list of row ids")
	} else if len(req.RowIDs) > MaxIDsPerRequest {
		errs.Add("row_ids", "may hold at most %d ids per request", MaxIDsPerRequest)
	}
	if errs.Abort(c) {
		return
	}
	im, deleted, err := s.store.DeleteImportRows(c.Request.Context(), account(c), id, req.RowIDs)
	if !storeErr(c, err, "import") {
		return
	}
	c.JSON(http.StatusOK, gin.H{"deleted": deleted, "import": toImportJSON(im)})
}

type commitRequest struct {
	GroupID      int64  `json:"group_id"`
	NewGroupName string `json:"new_group_name"`
}

// commitImport starts the ImportCustomers workflow. It is idempotent: the
// workflow ID is import:{id}, so a double submit starts one commit.
func (s *Server) commitImport(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	var req commitRequest
	if !bindJSON(c, &req) {
		return
	}
	var errs Fields
	req.NewGroupName = checkTargetGroup(&errs, req.GroupID, req.NewGroupName, "to import into")
	if errs.Abort(c) {
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	im, err := s.store.Import(ctx, acc, id)
	if !storeErr(c, err, "import") {
		return
	}
	switch im.Status {
	case store.ImportCommitting:
		c.Header("Location", "/api/v1/imports/"+itoa(id))
		c.JSON(http.StatusAccepted, toImportJSON(im))
		return
	case store.ImportCompleted, store.ImportFailed:
		conflict(c, fmt.Sprintf("import %d is already %s; upload the file again to import it again", id, im.Status))
		return
	}
	if im.ValidRows == 0 {
		unprocessable(c, "nothing-to-import", "Nothing to import", "the import has no valid rows to commit")
		return
	}
	if req.GroupID != 0 {
		if _, err := s.store.Group(ctx, acc, req.GroupID); !storeErr(c, err, "group") {
			return
		}
	}
	_, err = s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.ImportWorkflowID(id),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes:    workflows.AccountSearchAttributes(acc),
	}, workflows.ImportCustomers, workflows.ImportInput{AccountID: acc, ImportID: id, GroupID: req.GroupID, NewGroupName: req.NewGroupName})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		internalError(c, fmt.Errorf("start import workflow: %w", err))
		return
	}
	if err := s.store.MarkImportCommitting(ctx, acc, id); err != nil {
		internalError(c, err)
		return
	}
	im, err = s.store.Import(ctx, acc, id)
	if !storeErr(c, err, "import") {
		return
	}
	c.Header("Location", "/api/v1/imports/"+itoa(id))
	c.JSON(http.StatusAccepted, toImportJSON(im))
}

func (s *Server) importSample(c *gin.Context) {
	b, err := sheet.Sample()
	if err != nil {
		internalError(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="sendingo-customers-sample.xlsx"`)
	c.Data(http.StatusOK, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b)
}
