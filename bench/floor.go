package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jmoiron/sqlx"
	"github.com/sendingo/sendingo/migrations"
)

// FloorResult is the least MySQL work a durable campaign of N recipients needs,
// measured on this machine: N message rows of campaign_messages' width inserted,
// then one status write per row for the hand-over and one for the delivery
// report, each in the best batching MySQL allows (multi-row INSERTs of
// floorBatch rows, UPDATEs of floorRange consecutive primary keys), floorConns
// statements at a time.
//
// DatabaseCPU is the local MariaDB's CPU time over the three phases (0 when
// the server runs elsewhere): the MySQL work any implementation of the
// campaign must pay for, which the cores share with everything else a send
// runs (CPUBound).
type FloorResult struct {
	Rows                     int
	Insert, Handover, Report time.Duration
	DatabaseCPU              time.Duration
}

// Total is the floor: the three phases one after the other.
func (f FloorResult) Total() time.Duration { return f.Insert + f.Handover + f.Report }

const (
	floorBatch = 5000  // rows per INSERT (the prepare's batch)
	floorRange = 10000 // rows per UPDATE (a chunk)
	floorConns = 2     // statements at a time (the prepare's inserters; the machine's cores)
)

// Floor measures FloorResult for n rows on a throw-away, migrated database of
// the server dsn names.
func Floor(ctx context.Context, dsn string, n int) (FloorResult, error) {
	res := FloorResult{Rows: n}
	fdsn, err := freshDatabase(dsn, "floor")
	if err != nil {
		return res, err
	}
	defer dropDatabase(fdsn)
	// The project's own schema: the floor writes campaign_messages itself, with
	// its columns, types and keys as the migrations make them.
	if err := migrations.Up(fdsn); err != nil {
		return res, err
	}
	cfg, err := mysql.ParseDSN(fdsn)
	if err != nil {
		return res, err
	}
	cfg.ParseTime = true
	db, err := sqlx.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return res, err
	}
	defer db.Close()
	db.SetMaxOpenConns(floorConns)
	// The rows the bench campaign writes: a Korean SMS rendered per recipient.
	grades := []string{"VIP", "골드", "실버"}
	dbPid := LocalMySQLPid()
	cpu0 := ProcessCPU(dbPid)
	start := time.Now()
	err = parallel(ctx, (n+floorBatch-1)/floorBatch, func(b int) error {
		lo, hi := b*floorBatch, min((b+1)*floorBatch, n)
		var q strings.Builder
		q.WriteString(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name,
			channel, subject, body, buttons, fallback_channel, fallback_subject, fallback_body) VALUES `)
		args := make([]any, 0, (hi-lo)*13)
		for i := lo; i < hi; i++ {
			if i > lo {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,?,?,?,?,?,?,?,?,?,?)")
			name := fmt.Sprintf("고객%d", i)
			args = append(args, 1, 1, i+1, 1, fmt.Sprintf("+8210%08d", i), name, "sms", "",
				name+"님, "+grades[i%3]+" 회원 혜택을 확인하세요", "", "", "", "")
		}
		_, err := db.ExecContext(ctx, q.String(), args...)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("floor insert: %w", err)
	}
	res.Insert = time.Since(start)
	var first, last int64
	if err := db.QueryRowContext(ctx, `SELECT MIN(id), MAX(id) FROM campaign_messages`).Scan(&first, &last); err != nil {
		return res, err
	}
	ranges := int((last-first)/floorRange) + 1
	update := func(stmt string) (time.Duration, error) {
		start := time.Now()
		err := parallel(ctx, ranges, func(r int) error {
			lo := first + int64(r)*floorRange
			_, err := db.ExecContext(ctx, stmt, lo, lo+floorRange-1)
			return err
		})
		return time.Since(start), err
	}
	if res.Handover, err = update(`UPDATE campaign_messages SET status = 'sent', relay_id = 1, sent_channel = 'sms',
		provider_id = 'sim-0123456789abcdef', sent_at = NOW(6) WHERE id BETWEEN ? AND ?`); err != nil {
		return res, fmt.Errorf("floor hand-over: %w", err)
	}
	if res.Report, err = update(`UPDATE campaign_messages SET status = 'delivered', result_at = NOW(6)
		WHERE id BETWEEN ? AND ?`); err != nil {
		return res, fmt.Errorf("floor report: %w", err)
	}
	if dbPid != 0 {
		res.DatabaseCPU = ProcessCPU(dbPid) - cpu0
	}
	return res, nil
}

// CPUBound is the shortest a campaign could run on cores cores if it did the
// floor's MySQL work and nothing more there, while its own processes (the
// worker and the relay simulator, on the same machine) still spent other: the
// CPU they all need, spread perfectly over the cores. 0 when the floor's
// database CPU is unknown (a server elsewhere).
func (f FloorResult) CPUBound(other time.Duration, cores int) time.Duration {
	if f.DatabaseCPU == 0 || cores < 1 {
		return 0
	}
	return (f.DatabaseCPU + other) / time.Duration(cores)
}

// parallel runs do(0..n-1), floorConns at a time, and answers the first error.
func parallel(ctx context.Context, n int, do func(int) error) error {
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for w := 0; w < floorConns; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := do(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
