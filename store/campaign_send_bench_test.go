package store_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// BenchmarkHandOverWrite measures what recording a relay's hand-over of 10,000
// messages costs MariaDB, the way the send path writes it (ApplyResults: a
// provider id per row, single-table UPDATEs taking it from an ELT list, 500
// rows a statement), against the floor of the same rows written as range
// UPDATEs of 500 consecutive ids with one value for all; it reports the ratio.
//
//	go test ./store -run '^$' -bench HandOverWrite -benchtime 20x
func BenchmarkHandOverWrite(b *testing.B) {
	ctx := context.Background()
	st, db, account, first := chunkFixture(b, 990301)
	const n = chunkFixtureRows
	claim := func() {
		if _, err := db.Exec(`UPDATE campaign_messages SET status = 'sending', provider_id = '', relay_id = 0 WHERE account_id = ?`, account); err != nil {
			b.Fatal(err)
		}
	}
	check := func(what string) {
		var sent int
		if err := db.Get(&sent, `SELECT COUNT(*) FROM campaign_messages WHERE account_id = ? AND status = 'sent' AND provider_id <> ''`, account); err != nil || sent != n {
			b.Fatalf("%s wrote %d of %d rows (%v)", what, sent, n, err)
		}
	}
	results := make([]store.MessageResult, n)
	var perRow, floor time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		claim()
		now := time.Now()
		for j := range results {
			results[j] = store.MessageResult{ID: first + int64(j), Status: store.MessageSent, RelayID: 1, SentChannel: "sms",
				ProviderID: fmt.Sprintf("kakao-%d", j), SentAt: now}
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := st.ApplyResults(ctx, account, results, store.MessageSending); err != nil {
			b.Fatal(err)
		}
		perRow += time.Since(t0)
		b.StopTimer()
		check("ApplyResults")
		claim()
		b.StartTimer()
		t0 = time.Now()
		for lo := first; lo < first+n; lo += 500 {
			if _, err := db.Exec(`UPDATE campaign_messages SET status = 'sent', relay_id = 1, sent_channel = 'sms',
				provider_id = 'kakao-0', sent_at = ? WHERE id BETWEEN ? AND ? AND account_id = ? AND status = 'sending'`,
				now.UTC(), lo, lo+499, account); err != nil {
				b.Fatal(err)
			}
		}
		floor += time.Since(t0)
		b.StopTimer()
		check("the range UPDATE")
		b.StartTimer()
	}
	b.ReportMetric(perRow.Seconds()/float64(b.N), "s-per-row/10k")
	b.ReportMetric(floor.Seconds()/float64(b.N), "s-range/10k")
	b.ReportMetric(float64(perRow)/float64(max(floor, 1)), "x-floor")
}

// chunkFixtureRows is how many messages chunkFixture stores.
const chunkFixtureRows = 10_000

// chunkFixture stores chunkFixtureRows pending SMS messages of a campaign of
// account (the campaign's id is the account's), removed when the benchmark
// ends, and answers the store, the database, the account and the first id.
func chunkFixture(b *testing.B, account int64) (*store.Store, *sqlx.DB, int64, int64) {
	b.Helper()
	st, db := testenv.Store(b), testenv.DB(b)
	campaign, n := account, chunkFixtureRows
	if _, err := db.Exec(`DELETE FROM campaign_messages WHERE account_id = ?`, account); err != nil {
		b.Fatal(err)
	}
	for lo := 0; lo < n; lo += 1000 {
		var q strings.Builder
		q.WriteString(`INSERT INTO campaign_messages (campaign_id, account_id, customer_id, group_id, recipient, name, channel, body, buttons, fallback_body) VALUES `)
		args := []any{}
		for i := lo; i < lo+1000; i++ {
			if i > lo {
				q.WriteByte(',')
			}
			q.WriteString("(?,?,?,1,?,?,'sms',?,'','')")
			args = append(args, campaign, account, i+1, fmt.Sprintf("+8210%08d", i), fmt.Sprintf("고객%d", i), fmt.Sprintf("고객%d님, VIP 회원 혜택을 확인하세요", i))
		}
		if _, err := db.Exec(q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { db.Exec(`DELETE FROM campaign_messages WHERE account_id = ?`, account) })
	var first int64
	if err := db.Get(&first, `SELECT MIN(id) FROM campaign_messages WHERE account_id = ?`, account); err != nil {
		b.Fatal(err)
	}
	return st, db, account, first
}

// BenchmarkLoadChunk measures loading a chunk of 10,000 messages to send
// (ChunkMessages, scanned field by field into room made up front) against the
// same query through sqlx's reflection into a growing slice, as it was loaded
// before, in the same run; it reports the ratio and the allocations of each.
//
//	go test ./store -run '^$' -bench LoadChunk -benchtime 50x
func BenchmarkLoadChunk(b *testing.B) {
	ctx := context.Background()
	st, db, account, first := chunkFixture(b, 990302)
	key := store.CampaignKey{ID: account, AccountID: account}
	last := first + chunkFixtureRows - 1
	var direct, reflected time.Duration
	var directBytes, reflectedBytes uint64
	var ms runtime.MemStats
	allocated := func() uint64 { runtime.ReadMemStats(&ms); return ms.TotalAlloc }
	for i := 0; i < b.N; i++ {
		a0, t0 := allocated(), time.Now()
		rows, err := st.ChunkMessages(ctx, key, first, last)
		direct += time.Since(t0)
		directBytes += allocated() - a0
		if err != nil || len(rows) != chunkFixtureRows {
			b.Fatalf("ChunkMessages loaded %d rows (%v)", len(rows), err)
		}
		a0, t0 = allocated(), time.Now()
		var old []store.ChunkMessage
		if err := db.Select(&old, `SELECT id, customer_id, recipient, name, channel, subject, body, buttons,
			fallback_channel, fallback_subject, fallback_body, status, attempt, claimed_at
			FROM campaign_messages FORCE INDEX (PRIMARY)
			WHERE id BETWEEN ? AND ? AND campaign_id = ? AND account_id = ? AND status IN ('pending', 'sending') ORDER BY id`,
			first, last, key.ID, key.AccountID); err != nil || len(old) != chunkFixtureRows {
			b.Fatalf("the reflected load read %d rows (%v)", len(old), err)
		}
		reflected += time.Since(t0)
		reflectedBytes += allocated() - a0
		if old[len(old)-1] != rows[len(rows)-1] {
			b.Fatalf("the loads differ: %+v against %+v", rows[len(rows)-1], old[len(old)-1])
		}
	}
	b.ReportMetric(direct.Seconds()/float64(b.N), "s-direct/10k")
	b.ReportMetric(reflected.Seconds()/float64(b.N), "s-sqlx/10k")
	b.ReportMetric(float64(reflected)/float64(max(direct, 1)), "x-faster")
	b.ReportMetric(float64(directBytes)/float64(b.N)/1e6, "MB-direct/10k")
	b.ReportMetric(float64(reflectedBytes)/float64(b.N)/1e6, "MB-sqlx/10k")
}

// BenchmarkRollUpBlock measures rolling up the statistics blocks of 10,000
// delivered messages (RollUp: a transaction per block that deletes its rows,
// reads the messages and writes the hours), against only reading the same
// rows' columns in the same run (what MariaDB has to send whatever the
// roll-up does with it), and reports the ratio.
//
//	go test ./store -run '^$' -bench RollUpBlock -benchtime 100x
func BenchmarkRollUpBlock(b *testing.B) {
	ctx := context.Background()
	st, db, account, first := chunkFixture(b, 990303)
	now := time.Now().UTC()
	if _, err := db.Exec(`UPDATE campaign_messages SET status = 'delivered', relay_id = 1, sent_at = ?, result_at = ? WHERE account_id = ?`,
		now, now.Add(time.Second), account); err != nil {
		b.Fatal(err)
	}
	blocks := store.BlocksOf(first, first+chunkFixtureRows-1)
	var rollUp, read time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := st.RollUp(ctx, blocks); err != nil {
			b.Fatal(err)
		}
		rollUp += time.Since(t0)
		t0 = time.Now()
		n := 0
		for _, blk := range blocks {
			rows, err := db.Query(`SELECT account_id, LEFT(sent_at, 13), LEFT(result_at, 13), status FROM campaign_messages WHERE id BETWEEN ? AND ?`,
				blk*store.StatsBlock, blk*store.StatsBlock+store.StatsBlock-1)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				n++
			}
			rows.Close()
		}
		read += time.Since(t0)
		var sent int64
		if err := db.Get(&sent, `SELECT COALESCE(SUM(sent), 0) FROM message_stats WHERE account_id = ? AND block_id BETWEEN ? AND ?`,
			account, blocks[0], blocks[len(blocks)-1]); err != nil || sent != chunkFixtureRows || n < chunkFixtureRows {
			b.Fatalf("rolled up %d sent of %d, read %d rows (%v)", sent, chunkFixtureRows, n, err)
		}
	}
	b.ReportMetric(rollUp.Seconds()/float64(b.N), "s-rollup/10k")
	b.ReportMetric(read.Seconds()/float64(b.N), "s-read/10k")
	b.ReportMetric(float64(rollUp)/float64(max(read, 1)), "x-read")
}
