package devserver

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A server that exits during start-up on ports picked here (as when another
// process took one first) is started again on fresh ports, at most three times
// in all; on ports the caller chose it is not, since fresh ones would not be
// what was asked for.
func TestAServerThatExitsAtStartIsStartedAgainOnOtherPorts(t *testing.T) {
	dir := t.TempDir()
	calls := filepath.Join(dir, "calls")
	cli := filepath.Join(dir, "temporal")
	// Each start records its --port, then exits as a server whose port was taken.
	script := "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --port ] && echo \"$2\" >> " + calls + "; shift; done\nexit 1\n"
	if err := os.WriteFile(cli, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	starts := func() []string {
		t.Helper()
		b, err := os.ReadFile(calls)
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(calls)
		return strings.Fields(string(b))
	}

	_, err := Start(context.Background(), Options{CLI: cli})
	if !errors.Is(err, errExitedEarly) {
		t.Fatalf("start: %v", err)
	}
	ports := starts()
	if len(ports) != 3 || ports[0] == ports[1] && ports[1] == ports[2] {
		t.Fatalf("started on ports %v, want three starts on fresh ports", ports)
	}

	_, err = Start(context.Background(), Options{CLI: cli, Port: 17233, HTTPPort: 17243, MetricsPort: 17253})
	if !errors.Is(err, errExitedEarly) {
		t.Fatalf("start on given ports: %v", err)
	}
	if ports := starts(); len(ports) != 1 || ports[0] != "17233" {
		t.Fatalf("started on given ports %v, want once on 17233", ports)
	}
}

// FreePort picks below the kernel's ephemeral range, where no outgoing
// connection or listener on port 0 is given a port, and answers ports a
// server can then listen on.
func TestFreePortIsOutsideTheEphemeralRange(t *testing.T) {
	lo := ephemeralLow()
	if lo-freePortMin < 1000 {
		t.Skipf("the ephemeral range starts at %d: no room below it, the kernel picks", lo)
	}
	seen := map[int]bool{}
	for range 20 {
		p, err := FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if p < freePortMin || p >= lo {
			t.Fatalf("FreePort answered %d, want a port in [%d, %d)", p, freePortMin, lo)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("listen on the port FreePort answered: %v", err)
		}
		l.Close()
		seen[p] = true
	}
	if len(seen) < 2 {
		t.Fatalf("20 calls answered %v: want ports picked at random", seen)
	}
}
