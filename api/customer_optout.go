package api

import (
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/sendingo/sendingo/render"
	"github.com/sendingo/sendingo/sheet"
	"github.com/sendingo/sendingo/store"
)

// Opt-out lists: a CSV or .xlsx of phone numbers or e-mail addresses (an 080
// opt-out service's export) whose customers are opted out. The file is read as
// a stream through the same reader and upload limits as customer imports, and
// applied in batches; the answer reports every row.

// optOutBatch is how many contacts one statement opts out.
const optOutBatch = 1000

// maxOptOutReportRows caps the rows the answer lists one by one (the counts
// cover every row), so the answer stays small whatever the file's size.
const maxOptOutReportRows = 5000

// optOutRowJSON is what happened to one row of the file.
type optOutRowJSON struct {
	Line int `json:"line"`
	// Value is the contact as matched: an E.164 phone or an e-mail address (the
	// cell as written for an invalid row).
	Value  string `json:"value"`
	Kind   string `json:"kind,omitempty"` // phone or email
	Result string `json:"result"`         // opted_out, already_opted_out, not_found or invalid
	Reason string `json:"reason,omitempty"`
}

type optOutReportJSON struct {
	Total           int64           `json:"total"`
	OptedOut        int64           `json:"opted_out"`
	AlreadyOptedOut int64           `json:"already_opted_out"`
	NotFound        int64           `json:"not_found"`
	Invalid         int64           `json:"invalid"`
	Rows            []optOutRowJSON `json:"rows"`
	RowsOmitted     int64           `json:"rows_omitted"`
}

func (r *optOutReportJSON) add(row optOutRowJSON) {
	r.Total++
	switch row.Result {
	case store.OptOutDone:
		r.OptedOut++
	case store.OptOutAlready:
		r.AlreadyOptedOut++
	case store.OptOutNotFound:
		r.NotFound++
	default:
		r.Invalid++
	}
	if len(r.Rows) < maxOptOutReportRows {
		r.Rows = append(r.Rows, row)
	} else {
		r.RowsOmitted++
	}
}

// importOptOuts handles POST /opt-outs (multipart, field file).
func (s *Server) importOptOuts(c *gin.Context) {
	up, ok := s.receiveUpload(c)
	if !ok {
		return
	}
	defer up.Close()
	spool, dir := up.spool, up.dir
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		internalError(c, err)
		return
	}
	ctx, acc := c.Request.Context(), account(c)
	report := optOutReportJSON{Rows: []optOutRowJSON{}}
	var batch []optOutRowJSON
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var phones, emails []string
		for _, r := range batch {
			switch r.Kind {
			case "phone":
				phones = append(phones, r.Value)
			case "email":
				emails = append(emails, r.Value)
			}
		}
		results, err := s.store.OptOutContacts(ctx, acc, phones, emails, s.now())
		if err != nil {
			return err
		}
		for _, r := range batch {
			if r.Kind != "" {
				r.Result = results[r.Value]
			}
			report.add(r)
		}
		batch = batch[:0]
		return nil
	}
	opts := s.sheetOptions(dir)
	opts.Contacts = true
	_, err := sheet.Parse(ctx, spool, opts, func(r sheet.Row) error {
		batch = append(batch, optOutRowOf(r))
		if len(batch) == optOutBatch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		// Batches already applied stay applied: opting out twice is harmless,
		// and the same file can simply be uploaded again.
		importParseProblem(c, err, s.cfg.MaxImportRows)
		return
	}
	s.log.Info("opt-out list applied", "account_id", acc, "rows", report.Total, "opted_out", report.OptedOut,
		"not_found", report.NotFound, "invalid", report.Invalid)
	c.JSON(http.StatusOK, report)
}

// optOutRowOf is the contact a row names: its phone when valid, else its
// e-mail when valid, else an invalid row saying why.
func optOutRowOf(r sheet.Row) optOutRowJSON {
	out := optOutRowJSON{Line: r.Line}
	switch {
	case r.Phone != "":
		out.Value, out.Kind = r.Phone, "phone"
	case r.Email != "" && r.Verdict != sheet.VerdictInvalidEmail:
		out.Value, out.Kind = strings.ToLower(r.Email), "email"
	default:
		out.Value, out.Result = render.TruncateRunes(strings.TrimSpace(r.RawPhone+" "+r.Email), 100), "invalid"
		out.Reason = "neither a valid phone number nor a valid e-mail address"
	}
	return out
}
