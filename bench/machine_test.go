package bench

import (
	"math"
	"testing"
	"time"
)

// The machine's CPU is read from /proc/stat's cpu line, and a round's shares
// say how much of the machine was busy and how much its host took (steal).
func TestMachineCPUSharesOfARound(t *testing.T) {
	before := parseMachineCPU("cpu  100 10 50 800 20 5 15 0 7 0\ncpu0 50 5 25 400 10 2 7 0 3 0\n")
	after := parseMachineCPU("cpu  250 10 110 830 20 5 25 100 57 0\ncpu0 1 1 1 1 1 1 1 1 1 1\n")
	if before != (MachineCPU{Busy: 1800 * time.Millisecond, Idle: 8200 * time.Millisecond}) {
		t.Fatalf("before %+v", before)
	}
	// Over the round: busy 150+60+10 = 220 ticks, idle 30, steal 100.
	busy, steal := after.Shares(before)
	if math.Abs(busy-220.0/350) > 1e-9 || math.Abs(steal-100.0/350) > 1e-9 {
		t.Fatalf("busy %.3f, steal %.3f; want %.3f and %.3f", busy, steal, 220.0/350, 100.0/350)
	}
	if m := parseMachineCPU("intr 1 2 3\n"); m != (MachineCPU{}) {
		t.Fatalf("a file without the cpu line read as %+v", m)
	}
	if busy, steal := before.Shares(before); busy != 0 || steal != 0 {
		t.Fatalf("no time passed: busy %v steal %v", busy, steal)
	}
	if live := ReadMachineCPU(); live.Busy+live.Idle <= 0 {
		t.Fatalf("this machine's /proc/stat read as %+v", live)
	}
}
