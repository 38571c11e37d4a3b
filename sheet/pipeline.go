package sheet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
)

const (
	// batchRows and batchBytes bound a batch of rows travelling together
	// through the pipeline: so many rows, or so many bytes of cell text.
	batchRows  = 256
	batchBytes = 1 << 20
	// maxValidators caps the goroutines validating rows. Phone
	// normalisation (libphonenumber's regular expressions) is most of the
	// CPU a row costs, and the database the rows go to wants cores too.
	maxValidators = 4
)

// batch is a run of data rows read from the file, validated by a worker.
type batch struct {
	lines  []int
	cells  [][]string
	rows   []Row
	badAt  int   // index of the first row that failed validation, or -1
	badErr error // why
	err    error // the read error that ended the file after these rows
	done   chan struct{}
}

// emitRows validates the rows below the header and hands them to emit in file
// order. Reading, validating and emitting overlap: one goroutine reads the
// file, a few validate, and the caller's goroutine runs emit, which is where
// the caller writes to the database. At most a few batches are in flight, so
// memory does not grow with the file. All goroutines have stopped when
// emitRows returns, so the caller may close the file.
func emitRows(ctx context.Context, src rowSource, v *validator, maxRows int, emit func(Row) error) (emitted int, err error) {
	workers := min(runtime.GOMAXPROCS(0), maxValidators)
	ordered := make(chan *batch, 2*workers) // batches in file order, for emit
	work := make(chan *batch, workers)      // the same batches, for validation
	stop := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()

	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(work)
		defer close(ordered)
		for {
			b := &batch{done: make(chan struct{}), badAt: -1}
			eof := false
			for size := 0; len(b.lines) < batchRows && size < batchBytes; {
				if b.err = ctx.Err(); b.err != nil {
					break
				}
				line, cells, err := src.next()
				if errors.Is(err, io.EOF) {
					eof = true
					break
				}
				if err != nil {
					b.err = err
					break
				}
				if !blank(cells) {
					kept, n := v.project(cells)
					size += n
					b.lines = append(b.lines, line)
					b.cells = append(b.cells, kept)
				}
			}
			// ordered first: a batch is in the emit queue before any
			// worker can finish it, and the queue's capacity bounds the
			// batches in flight.
			select {
			case ordered <- b:
			case <-stop:
				return
			}
			select {
			case work <- b:
			case <-stop:
				return
			}
			if eof || b.err != nil {
				return
			}
		}
	}()

	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range work {
				b.rows = make([]Row, 0, len(b.lines))
				for i, line := range b.lines {
					r, err := v.row(line, b.cells[i])
					if err != nil {
						b.badAt, b.badErr = i, err
						break
					}
					b.rows = append(b.rows, r)
				}
				b.cells = nil
				close(b.done)
			}
		}()
	}

	for b := range ordered {
		select {
		case <-b.done:
		case <-ctx.Done():
			return emitted, fmt.Errorf("stopped after %d rows: %w", emitted, ctx.Err())
		}
		for _, r := range b.rows {
			if err := ctx.Err(); err != nil {
				return emitted, fmt.Errorf("stopped after %d rows: %w", emitted, err)
			}
			if maxRows > 0 && emitted >= maxRows {
				return emitted, fmt.Errorf("%w: line %d is beyond the limit of %d customer rows per file; split the file", ErrTooManyRows, r.Line, maxRows)
			}
			emitted++
			if err := emit(r); err != nil {
				return emitted, fmt.Errorf("line %d: %w", r.Line, err)
			}
		}
		if b.badErr != nil {
			return emitted, b.badErr
		}
		if b.err != nil {
			if ctx.Err() != nil {
				return emitted, fmt.Errorf("stopped after %d rows: %w", emitted, b.err)
			}
			return emitted, b.err
		}
	}
	return emitted, nil
}
