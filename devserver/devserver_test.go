package devserver

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
