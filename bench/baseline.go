package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/sendingo/sendingo/devserver"
)

// BuildRef builds `sendingo` as of the git ref in a temporary worktree of the
// repository in the current directory and answers the binary's path; cleanup
// removes the worktree and the binary.
func BuildRef(ctx context.Context, ref string) (bin string, cleanup func(), err error) {
	dir, err := os.MkdirTemp("", "sendingo-baseline-")
	if err != nil {
		return "", nil, err
	}
	tree := filepath.Join(dir, "tree")
	cleanup = func() {
		_ = exec.Command("git", "worktree", "remove", "--force", tree).Run()
		_ = os.RemoveAll(dir)
	}
	run := func(cwd string, name string, args ...string) error {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = cwd
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	if err := run("", "git", "worktree", "add", "--detach", tree, ref); err != nil {
		cleanup()
		return "", nil, err
	}
	bin = filepath.Join(dir, "sendingo-"+ref)
	if err := run(tree, "go", "build", "-o", bin, "./cmd/sendingo"); err != nil {
		cleanup()
		return "", nil, err
	}
	return bin, cleanup, nil
}

// StartAPI serves the API from binary (`sendingo api`, in its own process)
// against the stack's database and Temporal, and answers its base URL.
func (s *Stack) StartAPI(ctx context.Context, binary string) (string, func(), error) {
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		return "", nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.CommandContext(ctx, binary, "api")
	cmd.Env = append(append([]string{}, s.WorkerEnv...), "SENDINGO_HTTP_ADDR="+addr, "SENDINGO_PUBLIC_URL=http://"+addr)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start api %s: %w", binary, err)
	}
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }
	base := "http://" + addr
	if err := waitHTTP(ctx, base+"/healthz"); err != nil {
		stop()
		return "", nil, err
	}
	return base, stop, nil
}
