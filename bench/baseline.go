package bench

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/go-sql-driver/mysql"

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
	p, err := s.StartAPIProcess(ctx, binary)
	if err != nil {
		return "", nil, err
	}
	return p.Base, p.Stop, nil
}

// APIProc is an API process started by StartAPIProcess.
type APIProc struct {
	Base    string
	Process *os.Process
	Stop    func()
}

// StartAPIProcess is StartAPI, answering the process too; env adds to the
// process's environment.
func (s *Stack) StartAPIProcess(ctx context.Context, binary string, env ...string) (APIProc, error) {
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		return APIProc{}, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.CommandContext(ctx, binary, "api")
	cmd.Env = append(append([]string{}, s.WorkerEnv...), "SENDINGO_HTTP_ADDR="+addr, "SENDINGO_PUBLIC_URL=http://"+addr)
	cmd.Env = append(cmd.Env, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return APIProc{}, fmt.Errorf("start api %s: %w", binary, err)
	}
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }
	base := "http://" + addr
	if err := waitHTTP(ctx, base+"/healthz"); err != nil {
		stop()
		return APIProc{}, err
	}
	return APIProc{Base: base, Process: cmd.Process, Stop: stop}, nil
}

// LinksDatabase is a database of binary's own schema (`sendingo migrate up`
// as binary has it) holding a copy of the stack's tracking links, and its DSN:
// an API of another build resolves the same tokens there and writes its clicks
// in the shape its own code knows, into a table of its own. The stack drops it
// when it closes.
func (s *Stack) LinksDatabase(ctx context.Context, binary, label string) (string, error) {
	dsn, err := freshDatabase(s.Cfg.MySQLDSN, label)
	if err != nil {
		return "", err
	}
	s.closers = append(s.closers, func() { dropDatabase(dsn) })
	cmd := exec.CommandContext(ctx, binary, "migrate", "up")
	cmd.Env = append(append([]string{}, s.WorkerEnv...), "SENDINGO_MYSQL_DSN="+dsn)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s migrate up: %w\n%s", binary, err, out)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", err
	}
	if _, err := s.DB.ExecContext(ctx, "INSERT INTO `"+cfg.DBName+"`.message_links (token, message_id, campaign_id, account_id, idx, url) "+
		"SELECT token, message_id, campaign_id, account_id, idx, url FROM message_links"); err != nil {
		return "", fmt.Errorf("copy the tracking links: %w", err)
	}
	return dsn, nil
}
