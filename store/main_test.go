package store_test

import (
	"sync"
	"testing"

	"github.com/sendingo/sendingo/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// rerun offsets a test's fixed ids by how many times it ran before in this
// process: the package's database lives for the whole `go test`, and
// -count=N runs each test N times in it.
func rerun(t *testing.T) int64 {
	reruns.Lock()
	defer reruns.Unlock()
	n := reruns.byTest[t.Name()]
	reruns.byTest[t.Name()]++
	return int64(n) * 1_000_000
}

var reruns = struct {
	sync.Mutex
	byTest map[string]int
}{byTest: map[string]int{}}
