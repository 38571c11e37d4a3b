package bench

import (
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"time"

	"github.com/sendingo/sendingo/sheet"
)

// ImportResult is one measured import.
type ImportResult struct {
	File              string
	Rows              int
	FileBytes         int64
	Staged, Committed time.Duration
	PeakRSS, PeakHeap uint64
	Created           int64
}

// RowsPerSecond is end to end: upload → staged → committed.
func (r ImportResult) RowsPerSecond() float64 {
	return float64(r.Rows) / (r.Staged + r.Committed).Seconds()
}

// GenerateImportFile writes a benchmark file of rows customers: format "xlsx",
// or "csv" (UTF-8) / "csv-cp949".
func GenerateImportFile(dir, format string, rows int) (string, error) {
	ext := map[string]string{"xlsx": ".xlsx", "csv": ".csv", "csv-cp949": ".csv"}[format]
	if ext == "" {
		return "", fmt.Errorf("unknown format %q", format)
	}
	path := filepath.Join(dir, fmt.Sprintf("customers-%d-%s%s", rows, format, ext))
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	switch format {
	case "xlsx":
		err = sheet.WriteXLSX(f, rows, 1)
	case "csv":
		err = sheet.WriteCSV(f, rows, "utf-8", 1)
	case "csv-cp949":
		err = sheet.WriteCSV(f, rows, "cp949", 1)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// Import uploads path, commits it into a new group and waits until completed.
func (s *Stack) Import(ctx context.Context, path string, rows int) (ImportResult, error) {
	res := ImportResult{File: filepath.Base(path), Rows: rows}
	if fi, err := os.Stat(path); err == nil {
		res.FileBytes = fi.Size()
	}
	mem := SampleMemory(50 * time.Millisecond)
	defer mem.Stop()

	// Stream the multipart body from the file: nothing is buffered whole.
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		part, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	start := time.Now()
	var im struct {
		ID        int64 `json:"id"`
		ValidRows int64 `json:"valid_rows"`
	}
	if err := s.Call(ctx, "POST", "/api/v1/imports", mw.FormDataContentType(), pr, 201, &im); err != nil {
		return res, err
	}
	res.Staged = time.Since(start)
	if im.ValidRows != int64(rows) {
		return res, fmt.Errorf("%s: %d valid rows staged, want %d", path, im.ValidRows, rows)
	}
	start = time.Now()
	body := fmt.Sprintf(`{"new_group_name":%q}`, res.File)
	if err := s.Call(ctx, "POST", fmt.Sprintf("/api/v1/imports/%d/commit", im.ID), "application/json",
		stringsReader(body), 202, nil); err != nil {
		return res, err
	}
	for {
		var st struct {
			Status  string `json:"status"`
			Created int64  `json:"created"`
			Error   string `json:"error"`
		}
		if err := s.Call(ctx, "GET", fmt.Sprintf("/api/v1/imports/%d", im.ID), "", nil, 200, &st); err != nil {
			return res, err
		}
		if st.Status == "completed" {
			res.Created = st.Created
			break
		}
		if st.Status == "failed" {
			return res, fmt.Errorf("import failed: %s", st.Error)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.Committed = time.Since(start)
	res.PeakRSS, res.PeakHeap = mem.Stop()
	return res, nil
}
