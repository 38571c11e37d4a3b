package sheet

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"testing"
)

// benchRows sizes the benchmark files; the lead's numbers come from
//
//	go test -run='^$' -bench=Parse -benchtime=1x ./sheet/ -args -sheet.rows=1000000
var benchRows = flag.Int("sheet.rows", 20000, "customer rows in the benchmark files")

func BenchmarkParse(b *testing.B) {
	dir := b.TempDir()
	write := func(name string, fn func(*os.File) error) string {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		if err := fn(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		return path
	}
	n := *benchRows
	files := []struct{ name, path string }{
		{"xlsx", write("bench.xlsx", func(f *os.File) error { return WriteXLSX(f, n, 1) })},
		{"csv-utf8", write("bench-utf8.csv", func(f *os.File) error { return WriteCSV(f, n, "utf-8-bom", 1) })},
		{"csv-cp949", write("bench-cp949.csv", func(f *os.File) error { return WriteCSV(f, n, EncodingCP949, 1) })},
	}
	for _, file := range files {
		b.Run(file.name, func(b *testing.B) {
			st, err := os.Stat(file.path)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(st.Size())
			// The live heap as of the last GC: what Parse really holds,
			// without forcing collections that would slow it down. For .xlsx
			// it includes the compressed file while excelize opens it.
			live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
			var peak uint64
			sample := func() {
				metrics.Read(live)
				peak = max(peak, live[0].Value.Uint64())
			}
			runtime.GC()
			sample()
			base := peak
			rows := 0
			b.ResetTimer()
			for b.Loop() {
				f, err := os.Open(file.path)
				if err != nil {
					b.Fatal(err)
				}
				_, err = Parse(context.Background(), f, Options{}, func(r Row) error {
					// Sampling the heap now and then shows whether it grows
					// with the rows read so far; it should not.
					if rows++; rows%8192 == 0 {
						sample()
					}
					return nil
				})
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak-min(base, peak))/(1<<20), "peak-live-heap-MB")
		})
	}
}
