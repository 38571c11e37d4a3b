package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv"
)

// BenchmarkHandOverWrite measures what recording a relay's hand-over of 10,000
// messages costs MariaDB, the way the send path writes it (ApplyResults: a
// provider id and sent time per row, UPDATE … JOIN JSON_TABLE, 500 rows a
// statement), against the floor of the same rows written as range UPDATEs
// of 500 consecutive ids with one value for all; it reports the ratio.
//
//	go test ./store -run '^$' -bench HandOverWrite -benchtime 20x
func BenchmarkHandOverWrite(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, testenv.Current().DSN)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	db := testenv.DB(b)
	const account, campaign, n = 990301, 990301, 10_000
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
	defer db.Exec(`DELETE FROM campaign_messages WHERE account_id = ?`, account)
	var first int64
	if err := db.Get(&first, `SELECT MIN(id) FROM campaign_messages WHERE account_id = ?`, account); err != nil {
		b.Fatal(err)
	}
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
