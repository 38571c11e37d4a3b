package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/phone"
)

// Import statuses.
const (
	ImportStaged     = "staged"
	ImportCommitting = "committing"
	ImportCompleted  = "completed"
	ImportFailed     = "failed"
)

// Row verdicts. Everything but ok and duplicate is a kind of invalid.
const (
	VerdictOK        = "ok"
	VerdictDuplicate = "duplicate"
	// VerdictNotMobile: a valid number SMS, LMS and AlimTalk cannot reach (a
	// landline, 070, ...). The row is imported; the customer is never texted.
	VerdictNotMobile = "not_mobile"
	// NotMobileReason is the reason a not_mobile row carries. Marking duplicates
	// keeps it after the line reference, so resetting them can restore the verdict.
	NotMobileReason = "not a mobile number (a landline, 070, ...): the customer is stored but never texted"
)

// ErrImportState refuses an operation the import's status does not allow.
var ErrImportState = fmt.Errorf("import state: %w", ErrConflict)

// ImportColumn describes one column of the uploaded file.
type ImportColumn struct {
	Index  int    `json:"index"`
	Header string `json:"header"`
	Field  string `json:"field"`          // name, phone, email, attribute or ignored
	Key    string `json:"key,omitempty"`  // the attribute key, for attribute columns
	Note   string `json:"note,omitempty"` // why a column was mapped as it was
}

// Import is an uploaded customer file, staged row by row, then committed.
type Import struct {
	ID               int64          `db:"id" json:"id"`
	AccountID        int64          `db:"account_id" json:"-"`
	Filename         string         `db:"filename" json:"filename"`
	Format           string         `db:"format" json:"format"`
	Status           string         `db:"status" json:"status"`
	ColumnsJSON      []byte         `db:"columns_json" json:"-"`
	Columns          []ImportColumn `db:"-" json:"columns"`
	TotalRows        int64          `db:"total_rows" json:"total_rows"`
	ValidRows        int64          `db:"valid_rows" json:"valid_rows"`
	InvalidRows      int64          `db:"invalid_rows" json:"invalid_rows"`
	NotMobileRows    int64          `db:"not_mobile_rows" json:"not_mobile_rows"`
	DuplicateRows    int64          `db:"duplicate_rows" json:"duplicate_rows"`
	TargetGroupID    int64          `db:"target_group_id" json:"target_group_id,omitempty"`
	NewGroupName     string         `db:"new_group_name" json:"-"`
	CommittedThrough int64          `db:"committed_through" json:"-"`
	ProcessedRows    int64          `db:"processed_rows" json:"processed_rows"`
	CreatedCount     int64          `db:"created_count" json:"created"`
	UpdatedCount     int64          `db:"updated_count" json:"updated"`
	SkippedCount     int64          `db:"skipped_count" json:"skipped"`
	Error            string         `db:"error" json:"error,omitempty"`
	CreatedBy        int64          `db:"created_by" json:"-"`
	CreatedAt        time.Time      `db:"created_at" json:"created_at"`
	CommitStartedAt  time.Time      `db:"commit_started_at" json:"-"`
	CompletedAt      time.Time      `db:"completed_at" json:"-"`
}

func (im *Import) decode() error {
	im.Columns = []ImportColumn{}
	if len(im.ColumnsJSON) > 0 {
		return json.Unmarshal(im.ColumnsJSON, &im.Columns)
	}
	return nil
}

// ImportRow is one staged data row with its verdict.
type ImportRow struct {
	ID         int64      `db:"id" json:"id"`
	ImportID   int64      `db:"import_id" json:"-"`
	AccountID  int64      `db:"account_id" json:"-"`
	Line       int        `db:"line" json:"line"`
	Name       string     `db:"name" json:"name"`
	Phone      string     `db:"phone" json:"phone"`
	RawPhone   string     `db:"raw_phone" json:"raw_phone"`
	Email      string     `db:"email" json:"email"`
	Attributes Attributes `db:"attributes" json:"attributes"`
	Verdict    string     `db:"verdict" json:"verdict"`
	Reason     string     `db:"reason" json:"reason,omitempty"`
	// NightConsent is the row's 야간수신동의 / night consent cell: "Y", "N", or ""
	// when the file has no such column (the customer's consent stays as it is).
	NightConsent string `db:"night_consent" json:"night_consent,omitempty"`
}

// CreateImport records a new upload before its rows are staged.
func (s *Store) CreateImport(ctx context.Context, accountID, userID int64, filename, format string) (int64, error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO imports (account_id, filename, format, status, columns_json, created_by, created_at)
		VALUES (?, ?, ?, 'staged', '[]', ?, ?)`, accountID, filename, format, userID, now())
	if err != nil {
		return 0, fmt.Errorf("insert import: %w", err)
	}
	id, _ := res.LastInsertId()
	return id, nil
}

// Imports pages the account's imports, newest first.
func (s *Store) Imports(ctx context.Context, accountID int64, p Page) ([]Import, int64, error) {
	where, args, err := p.afterID("id", true, []string{"account_id = ?"}, []any{accountID})
	if err != nil {
		return nil, 0, err
	}
	ims := []Import{}
	if err := s.db.SelectContext(ctx, &ims, `SELECT `+importsColumns+` FROM imports WHERE `+strings.Join(where, " AND ")+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, p.Size, p.Offset())...); err != nil {
		return nil, 0, err
	}
	for i := range ims {
		if err := ims[i].decode(); err != nil {
			return nil, 0, err
		}
	}
	var total int64
	err = s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM imports WHERE account_id = ?`, accountID)
	return ims, total, err
}

// DeleteImport removes an import and its rows (used when parsing fails).
func (s *Store) DeleteImport(ctx context.Context, accountID, id int64) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM imports WHERE account_id = ? AND id = ?`, accountID, id)
	return err
}

// StageRows inserts a batch of parsed rows with one multi-row statement.
func (s *Store) StageRows(ctx context.Context, accountID, importID int64, rows []ImportRow) error {
	if len(rows) == 0 {
		return nil
	}
	var b strings.Builder
	b.Grow(len(rows) * 32)
	args := make([]any, 0, len(rows)*11)
	b.WriteString(`INSERT INTO import_rows (import_id, account_id, line, name, phone, raw_phone, email, attributes, verdict, reason,
		night_consent) VALUES `)
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?,?,?,?,?,?,?,?,?,?,?)")
		args = append(args, importID, accountID, r.Line, r.Name, r.Phone, r.RawPhone, r.Email, r.Attributes.JSON(), r.Verdict, r.Reason,
			r.NightConsent)
	}
	if _, err := s.db.ExecContext(ctx, b.String(), args...); err != nil {
		return fmt.Errorf("stage %d rows of import %d: %w", len(rows), importID, err)
	}
	return nil
}

// RowStager stages batches of rows in the background, one batch at a time in
// order, so the caller parses the next batch while the last one is inserted.
// At most one batch waits besides the one being inserted: memory stays flat.
type RowStager struct {
	ch   chan []ImportRow
	done chan struct{}
	err  error // set by the inserting goroutine before done closes
	mu   sync.Mutex
	once sync.Once
}

// NewRowStager starts a stager for one import; Close must be called.
func (s *Store) NewRowStager(ctx context.Context, accountID, importID int64) *RowStager {
	r := &RowStager{ch: make(chan []ImportRow, 1), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		for batch := range r.ch {
			if r.failed() != nil {
				continue // drain: the caller learns the error from Stage or Close
			}
			if err := s.StageRows(ctx, accountID, importID, batch); err != nil {
				r.mu.Lock()
				r.err = err
				r.mu.Unlock()
			}
		}
	}()
	return r
}

func (r *RowStager) failed() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Stage hands a batch over (the stager owns it from now on); it answers an
// earlier batch's error, if any.
func (r *RowStager) Stage(batch []ImportRow) error {
	if err := r.failed(); err != nil {
		return err
	}
	if len(batch) > 0 {
		r.ch <- batch
	}
	return nil
}

// Close waits until every batch handed over is inserted and answers the first
// error.
func (r *RowStager) Close() error {
	r.once.Do(func() { close(r.ch) })
	<-r.done
	return r.failed()
}

// FinishStaging records the columns, marks rows whose phone appeared on an earlier
// line as duplicates, and counts the verdicts.
func (s *Store) FinishStaging(ctx context.Context, accountID, importID int64, columns []ImportColumn) (Import, error) {
	cols, _ := json.Marshal(columns)
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET columns_json = ? WHERE account_id = ? AND id = ?`, cols, accountID, importID); err != nil {
			return err
		}
		return remarkDuplicates(ctx, tx, accountID, importID)
	})
	if err != nil {
		return Import{}, fmt.Errorf("finish staging import %d: %w", importID, err)
	}
	return s.Import(ctx, accountID, importID)
}

// remarkDuplicates recomputes the duplicate verdicts (the first line with a phone
// wins) and the import's counts. It runs after staging and after rows are deleted,
// so deleting the first occurrence promotes the next one. Rows that are imported
// (ok and not_mobile) count as valid; a duplicate of a not_mobile row keeps that
// reason after its line reference, so a reset restores its verdict.
func remarkDuplicates(ctx context.Context, tx *sqlx.Tx, accountID, importID int64) error {
	if _, err := tx.ExecContext(ctx, `UPDATE import_rows
		SET verdict = IF(reason LIKE CONCAT('%', ?), 'not_mobile', 'ok'),
		    reason = IF(reason LIKE CONCAT('%', ?), ?, '')
		WHERE import_id = ? AND verdict = 'duplicate'`, NotMobileReason, NotMobileReason, NotMobileReason, importID); err != nil {
		return fmt.Errorf("reset duplicates: %w", err)
	}
	// The phones on more than one row are found from the phone index alone
	// (c); only their rows are then read for verdict and line. Grouping every
	// row by phone with its verdict read took ten times as long at 1,000,000.
	if _, err := tx.ExecContext(ctx, `UPDATE import_rows r
		JOIN (SELECT m.phone, MIN(m.id) AS first_id, MIN(m.line) AS first_line
		        FROM (SELECT phone FROM import_rows WHERE import_id = ? GROUP BY phone HAVING COUNT(*) > 1) c
		        STRAIGHT_JOIN import_rows m ON m.import_id = ? AND m.phone = c.phone
		       WHERE m.verdict IN ('ok', 'not_mobile') GROUP BY m.phone HAVING COUNT(*) > 1) d
		  ON r.phone = d.phone
		 SET r.reason = CONCAT('same phone as line ', d.first_line, IF(r.verdict = 'not_mobile', CONCAT('; ', r.reason), '')),
		     r.verdict = 'duplicate'
		WHERE r.import_id = ? AND r.verdict IN ('ok', 'not_mobile') AND r.id <> d.first_id`, importID, importID, importID); err != nil {
		return fmt.Errorf("mark duplicates: %w", err)
	}
	_, err := tx.ExecContext(ctx, `UPDATE imports i
		JOIN (SELECT COUNT(*) AS total,
		             COALESCE(SUM(verdict IN ('ok', 'not_mobile')), 0) AS valid,
		             COALESCE(SUM(verdict = 'not_mobile'), 0) AS not_mobile,
		             COALESCE(SUM(verdict = 'duplicate'), 0) AS dup
		        FROM import_rows WHERE import_id = ?) c
		 SET i.total_rows = c.total, i.valid_rows = c.valid, i.not_mobile_rows = c.not_mobile, i.duplicate_rows = c.dup,
		     i.invalid_rows = c.total - c.valid - c.dup
		WHERE i.account_id = ? AND i.id = ?`, importID, accountID, importID)
	return err
}

// Import returns one import of the account.
func (s *Store) Import(ctx context.Context, accountID, id int64) (Import, error) {
	var im Import
	if err := s.db.GetContext(ctx, &im, `SELECT `+importsColumns+` FROM imports WHERE account_id = ? AND id = ?`, accountID, id); err != nil {
		return im, notFound(err)
	}
	return im, im.decode()
}

// ImportRows pages staged rows; verdict is "", "ok", "duplicate" or "invalid"
// (every other verdict).
func (s *Store) ImportRows(ctx context.Context, accountID, importID int64, verdict string, p Page) ([]ImportRow, int64, error) {
	if _, err := s.Import(ctx, accountID, importID); err != nil {
		return nil, 0, err
	}
	where := "import_id = ? AND account_id = ?"
	args := []any{importID, accountID}
	switch verdict {
	case "":
	case "invalid":
		where += " AND verdict NOT IN ('ok', 'duplicate', 'not_mobile')"
	default:
		where += " AND verdict = ?"
		args = append(args, verdict)
	}
	var total int64
	if err := s.db.GetContext(ctx, &total, `SELECT COUNT(*) FROM import_rows WHERE `+where, args...); err != nil {
		return nil, 0, err
	}
	page, pargs, err := p.afterID("id", false, []string{where}, args)
	if err != nil {
		return nil, 0, err
	}
	rows := []ImportRow{}
	err = s.db.SelectContext(ctx, &rows, `SELECT `+importRowsColumns+` FROM import_rows WHERE `+strings.Join(page, " AND ")+` ORDER BY id LIMIT ? OFFSET ?`,
		append(pargs, p.Size, p.Offset())...)
	return rows, total, err
}

// DeleteImportRows drops rows from a staged import and recounts; it answers the
// import as it is afterwards.
func (s *Store) DeleteImportRows(ctx context.Context, accountID, importID int64, rowIDs []int64) (Import, int64, error) {
	var deleted int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		im, err := importForUpdate(ctx, tx, accountID, importID)
		if err != nil {
			return err
		}
		if im.Status != ImportStaged {
			return fmt.Errorf("import %d is %s; rows can only be deleted before commit: %w", importID, im.Status, ErrImportState)
		}
		query, args, _ := sqlx.In(`DELETE FROM import_rows WHERE import_id = ? AND account_id = ? AND id IN (?)`, importID, accountID, rowIDs)
		res, err := tx.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		deleted, _ = res.RowsAffected()
		return remarkDuplicates(ctx, tx, accountID, importID)
	})
	if err != nil {
		return Import{}, 0, err
	}
	im, err := s.Import(ctx, accountID, importID)
	return im, deleted, err
}

func importForUpdate(ctx context.Context, tx *sqlx.Tx, accountID, id int64) (Import, error) {
	var im Import
	err := tx.GetContext(ctx, &im, `SELECT `+importsColumns+` FROM imports WHERE account_id = ? AND id = ? FOR UPDATE`, accountID, id)
	if err == sql.ErrNoRows {
		return im, ErrNotFound
	}
	return im, err
}

// BeginImportCommit fixes the import's target group, creating the new group
// when one was asked for, and marks it committing. It is idempotent: a second
// call answers the group chosen the first time.
func (s *Store) BeginImportCommit(ctx context.Context, accountID, importID, groupID int64, newGroupName string) (int64, error) {
	var target int64
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		im, err := importForUpdate(ctx, tx, accountID, importID)
		if err != nil {
			return err
		}
		if im.TargetGroupID != 0 {
			target = im.TargetGroupID
			return nil
		}
		if im.Status != ImportStaged && im.Status != ImportCommitting {
			return fmt.Errorf("import %d is %s: %w", importID, im.Status, ErrImportState)
		}
		if newGroupName != "" {
			g, err := createGroupTx(ctx, tx, accountID, newGroupName)
			if err != nil {
				return err
			}
			target = g.ID
		} else {
			if _, err := groupForUpdate(ctx, tx, accountID, groupID); err != nil {
				return err
			}
			target = groupID
		}
		_, err = tx.ExecContext(ctx, `UPDATE imports SET status = 'committing', target_group_id = ?, new_group_name = ?,
			commit_started_at = ? WHERE id = ?`, target, newGroupName, now(), importID)
		return err
	})
	return target, err
}

// MarkImportCommitting flips a staged import to committing (the API does it as
// soon as the workflow is started, so a poll right after sees it).
func (s *Store) MarkImportCommitting(ctx context.Context, accountID, importID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE imports SET status = 'committing' WHERE account_id = ? AND id = ? AND status = 'staged'`,
		accountID, importID)
	return err
}

// ImportPart is one id range of a committing import's rows. The parts of an
// import commit side by side, each in order, one transaction per batch; a
// part's resume point moves in the transaction that commits its batch.
type ImportPart struct {
	Part             int   `db:"part"`
	ThroughID        int64 `db:"through_id"`        // the part's last import_rows.id
	CommittedThrough int64 `db:"committed_through"` // the last id committed (the part's first id - 1 before any)
}

// Done tells whether every row of the part is committed.
func (p ImportPart) Done() bool { return p.CommittedThrough >= p.ThroughID }

// ImportParts answers a committing import's parts. The first call splits the
// rows not yet committed into up to n id ranges of about equal size and
// stores them; every later call (a retried or continued commit) answers the
// stored split, whatever its n, so each row belongs to one part for good.
func (s *Store) ImportParts(ctx context.Context, accountID, importID int64, n int) ([]ImportPart, error) {
	var parts []ImportPart
	err := s.inTx(ctx, nil, func(tx *sqlx.Tx) error {
		// The import's row lock makes concurrent first calls split once.
		im, err := importForUpdate(ctx, tx, accountID, importID)
		if err != nil {
			return err
		}
		if im.Status != ImportCommitting || im.TargetGroupID == 0 {
			return fmt.Errorf("import %d is %s, not committing: %w", importID, im.Status, ErrImportState)
		}
		if err := tx.SelectContext(ctx, &parts, `SELECT part, through_id, committed_through FROM import_commit_parts
			WHERE import_id = ? ORDER BY part`, importID); err != nil || len(parts) > 0 {
			return err
		}
		// What is left: the rows after the import's resume point (an import
		// whose commit began before parts existed resumes there).
		var last int64
		if err := tx.GetContext(ctx, &last, `SELECT COALESCE(MAX(id), 0) FROM import_rows WHERE import_id = ?`, importID); err != nil {
			return err
		}
		parts = splitImport(im.CommittedThrough, last, n)
		for _, p := range parts {
			if _, err := tx.ExecContext(ctx, `INSERT INTO import_commit_parts (import_id, part, through_id, committed_through)
				VALUES (?, ?, ?, ?)`, importID, p.Part, p.ThroughID, p.CommittedThrough); err != nil {
				return fmt.Errorf("plan import %d's commit: %w", importID, err)
			}
		}
		return nil
	})
	return parts, err
}

// splitImport cuts the ids (after, last] into up to n ranges of equal width
// (an import's rows are staged with nearly consecutive ids). Nothing left is
// one part already done.
func splitImport(after, last int64, n int) []ImportPart {
	left := last - after
	if left <= 0 {
		return []ImportPart{{Part: 0, ThroughID: after, CommittedThrough: after}}
	}
	n = max(1, min(n, int(min(left, 255))))
	parts := make([]ImportPart, n)
	from := after
	for i := range parts {
		through := after + left*int64(i+1)/int64(n)
		parts[i] = ImportPart{Part: i, ThroughID: through, CommittedThrough: from}
		from = through
	}
	return parts
}

// CommitImportBatch upserts the next batch of a part's ok rows into customers
// and the target group, in one transaction that also moves the part's resume
// point and adds to the import's counts, and answers whether the part is done.
// A retried call after a crash therefore continues where the part's last
// committed batch ended, and counts nothing twice. Parts commit at once on
// their own connections; a deadlock between them (known customers' key locks)
// runs the batch again.
func (s *Store) CommitImportBatch(ctx context.Context, accountID, importID int64, part, limit int) (partDone bool, err error) {
	err = s.inTxRetrying(ctx, func(tx *sqlx.Tx) error {
		partDone = false
		var im struct {
			Status        string `db:"status"`
			TargetGroupID int64  `db:"target_group_id"`
		}
		if err := tx.GetContext(ctx, &im, `SELECT status, target_group_id FROM imports WHERE account_id = ? AND id = ?`,
			accountID, importID); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if im.Status != ImportCommitting || im.TargetGroupID == 0 {
			return fmt.Errorf("import %d is %s, not committing: %w", importID, im.Status, ErrImportState)
		}
		// The part's row lock keeps two attempts of one part (a retry and the
		// attempt it replaced, still running) from committing one batch twice.
		var p ImportPart
		if err := tx.GetContext(ctx, &p, `SELECT part, through_id, committed_through FROM import_commit_parts
			WHERE import_id = ? AND part = ? FOR UPDATE`, importID, part); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("import %d has no part %d: %w", importID, part, ErrImportState)
		} else if err != nil {
			return err
		}
		if p.Done() {
			partDone = true
			return nil
		}
		var rows []ImportRow
		if err := tx.SelectContext(ctx, &rows, `SELECT `+importRowsColumns+` FROM import_rows
			WHERE import_id = ? AND account_id = ? AND verdict IN ('ok', 'not_mobile') AND id > ? AND id <= ? ORDER BY id LIMIT ?`,
			importID, accountID, p.CommittedThrough, p.ThroughID, limit); err != nil {
			return fmt.Errorf("load batch: %w", err)
		}
		through := p.ThroughID
		if len(rows) == limit {
			through = rows[len(rows)-1].ID
		}
		var created, updated int64
		if len(rows) > 0 {
			var err error
			if created, updated, err = upsertCustomers(ctx, tx, accountID, rows); err != nil {
				return err
			}
			g, err := groupForUpdate(ctx, tx, accountID, im.TargetGroupID)
			if err != nil {
				return err
			}
			if err := addImported(ctx, tx, accountID, g, rows, updated); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE import_commit_parts SET committed_through = ? WHERE import_id = ? AND part = ?`,
			through, importID, part); err != nil {
			return err
		}
		partDone = through >= p.ThroughID
		if len(rows) == 0 {
			return nil
		}
		// Last, so the import's row is locked only while this commits (the
		// other parts add to the same counts).
		res, err := tx.ExecContext(ctx, `UPDATE imports SET processed_rows = processed_rows + ?, created_count = created_count + ?,
			updated_count = updated_count + ? WHERE id = ? AND status = 'committing'`, len(rows), created, updated, importID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fmt.Errorf("import %d stopped committing: %w", importID, ErrImportState)
		}
		return nil
	})
	return partDone, err
}

// upsertCustomers inserts new customers and updates known ones (matched by phone):
// name and e-mail are replaced (an empty e-mail keeps the old one), attributes are
// merged. It answers the counts. The counts come from the
// upsert's own affected rows (1 per row inserted, 2 per row updated): updated_at
// always moves forward on an update, so no update is an "unchanged" 0 and the
// counts are exact without reading the known phones first. Rows with a night
// consent cell and rows without go in separate statements, so a new customer
// without one gets no consent (0) and a known one keeps its own, without a
// second pass over the rows.
func upsertCustomers(ctx context.Context, tx *sqlx.Tx, accountID int64, rows []ImportRow) (created, updated int64, err error) {
	t := now()
	var withCell, without []ImportRow
	for _, r := range rows {
		if r.NightConsent == "Y" || r.NightConsent == "N" {
			withCell = append(withCell, r)
		} else {
			without = append(without, r)
		}
	}
	for _, part := range []struct {
		rows []ImportRow
		// on a known customer: the file's consent, or the customer's own
		consent string
	}{
		{withCell, "VALUES(night_ad_consent)"},
		{without, "night_ad_consent"},
	} {
		if len(part.rows) == 0 {
			continue
		}
		var b strings.Builder
		b.Grow(len(part.rows)*24 + 512)
		b.WriteString(`INSERT INTO customers (account_id, name, phone, email, attributes, opted_out, night_ad_consent, not_mobile,
		created_at, updated_at) VALUES `)
		vals := make([]any, 0, len(part.rows)*8)
		for i, r := range part.rows {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("(?,?,?,?,?,0,?,?,?,?)")
			vals = append(vals, accountID, r.Name, r.Phone, r.Email, r.Attributes.JSON(), r.NightConsent == "Y", !phone.IsMobile(r.Phone), t, t)
		}
		b.WriteString(` ON DUPLICATE KEY UPDATE name = VALUES(name),
		email = IF(VALUES(email) = '', email, VALUES(email)),
		attributes = JSON_MERGE_PATCH(attributes, VALUES(attributes)),
		night_ad_consent = ` + part.consent + `,
		not_mobile = VALUES(not_mobile),
		updated_at = GREATEST(updated_at + INTERVAL 1 MICROSECOND, VALUES(updated_at))`)
		res, err := tx.ExecContext(ctx, b.String(), vals...)
		if err != nil {
			return 0, 0, fmt.Errorf("upsert %d customers: %w", len(part.rows), err)
		}
		affected, err := res.RowsAffected()
		if err != nil {
			return 0, 0, err
		}
		n := int64(len(part.rows))
		if affected < n || affected > 2*n {
			return 0, 0, fmt.Errorf("upsert %d customers: %d rows affected", n, affected)
		}
		updated += affected - n
		created += 2*n - affected
	}
	return created, updated, nil
}

// addImported puts an import batch's customers (by phone) into group g with one
// INSERT … SELECT, no ids through the client; when the batch updated some known
// customers it also takes the batch out of 미지정 (new ones are in no group).
func addImported(ctx context.Context, tx *sqlx.Tx, accountID int64, g Group, rows []ImportRow, known int64) error {
	if len(rows) == 0 {
		return nil
	}
	phones := make([]string, len(rows))
	for i, r := range rows {
		phones[i] = r.Phone
	}
	query, args, _ := sqlx.In(`INSERT IGNORE INTO group_members (account_id, group_id, customer_id, created_at)
		SELECT account_id, ?, id, ? FROM customers WHERE account_id = ? AND phone IN (?)`, g.ID, now(), accountID, phones)
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("add members to group %d: %w", g.ID, err)
	}
	if g.IsDefault || known == 0 {
		return nil
	}
	def, err := defaultGroupID(ctx, tx, accountID)
	if err != nil {
		return err
	}
	query, args, _ = sqlx.In(`DELETE m FROM group_members m JOIN customers c ON c.id = m.customer_id
		WHERE m.group_id = ? AND c.account_id = ? AND c.phone IN (?)`, def, accountID, phones)
	if _, err := tx.ExecContext(ctx, query, args...); err != nil {
		return fmt.Errorf("leave the default group: %w", err)
	}
	return nil
}

// CompleteImport marks the import completed; rows not committed count as skipped.
func (s *Store) CompleteImport(ctx context.Context, accountID, importID int64) (Import, error) {
	if _, err := s.db.ExecContext(ctx, `UPDATE imports SET status = 'completed',
		skipped_count = total_rows - processed_rows, completed_at = ?
		WHERE account_id = ? AND id = ? AND status = 'committing'`, now(), accountID, importID); err != nil {
		return Import{}, fmt.Errorf("complete import %d: %w", importID, err)
	}
	return s.Import(ctx, accountID, importID)
}

// FailImport records why the commit failed.
func (s *Store) FailImport(ctx context.Context, accountID, importID int64, reason string) error {
	if len(reason) > 1000 {
		reason = reason[:1000]
	}
	_, err := s.db.ExecContext(ctx, `UPDATE imports SET status = 'failed', error = ?, completed_at = ?
		WHERE account_id = ? AND id = ? AND status IN ('staged', 'committing')`, reason, now(), accountID, importID)
	return err
}
