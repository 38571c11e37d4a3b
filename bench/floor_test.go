package bench

import (
	"context"
	"testing"
	"time"

	"github.com/sendingo/sendingo/testenv"
)

// The floor times its three phases on the rows it was asked for and, with
// MariaDB on this machine (as in the tests), counts the server's CPU over them:
// what the CPU bound the campaign bench prints is made of.
func TestFloorCountsTheServersCPU(t *testing.T) {
	if LocalMySQLPid() == 0 {
		t.Skip("MariaDB does not run on this machine")
	}
	f, err := Floor(context.Background(), testenv.ServerDSN(), 30000)
	if err != nil {
		t.Fatal(err)
	}
	if f.Rows != 30000 || f.Insert <= 0 || f.Handover <= 0 || f.Report <= 0 {
		t.Fatalf("floor of 30000 rows: %+v", f)
	}
	if f.DatabaseCPU <= 0 {
		t.Fatalf("the floor counted no MariaDB CPU: %+v", f)
	}
	other := 3 * time.Second
	if got, want := f.CPUBound(other, 2), (f.DatabaseCPU+other)/2; got != want {
		t.Errorf("CPU bound over 2 cores: %v, want %v", got, want)
	}
	if got := (FloorResult{Rows: 1}).CPUBound(other, 2); got != 0 {
		t.Errorf("with no database CPU known (a server elsewhere) the bound is %v, want none", got)
	}
}
