package sim_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sendingo/sendingo/relay"
)

// TestSimulatorAsASeparateProcess builds the simulator binary, runs it as its own
// process, sends the same message ids twice through the simulator adapter and
// checks /stats: every repeat counted as a duplicate, none delivered twice.
func TestSimulatorAsASeparateProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the simulator with")
	}
	bin := filepath.Join(t.TempDir(), "relay-sim")
	build := exec.Command(goBin, "build", "-o", bin, "github.com/sendingo/sendingo/relay/sim/internal/simcmd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the simulator: %v\n%s", err, out)
	}

	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--latency", "1ms", "--jitter", "1ms")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		exited <- cmd.Wait()
		close(done)
	}()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var base string
	select {
	case base = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatal("the simulator did not print its address")
	}
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("address line %q", base)
	}

	ctx := context.Background()
	a := relay.NewSimulator(relay.SimulatorConfig{BaseURL: base, Name: "proc"}, relay.Options{})
	all := msgs(0, 1000, relay.ChannelAlimTalk)
	for _, r := range relay.SendAll(ctx, a, all) {
		if r.Outcome != relay.Accepted {
			t.Fatalf("first send: %+v", r)
		}
	}
	// A crashed chunk resends the same ids, in other batches.
	for _, part := range [][]relay.Message{all[700:], all[:350], all[350:700]} {
		for _, r := range relay.SendAll(ctx, a, part) {
			if r.Outcome != relay.Accepted {
				t.Fatalf("resend: %+v", r)
			}
		}
	}
	st := stats(t, base)
	p := st.Relays["proc"]
	if p.Received != 2000 || p.Unique != 1000 || p.Duplicates != 1000 {
		t.Errorf("relay stats %+v", p)
	}
	if st.Unique != 1000 || st.Duplicates != 1000 || st.Redelivered != 0 {
		t.Errorf("stats %+v", st)
	}

	// SIGTERM stops it cleanly.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the simulator ignored SIGTERM")
	}
}
