package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sendingo/sendingo/devserver"
	"github.com/sendingo/sendingo/migrations"
)

// mariaDB is a MariaDB server of one test's own: its data directory, port and
// socket are private, so the test can stop and start it while other packages
// use the shared server on 127.0.0.1:3306.
type mariaDB struct {
	t      *testing.T
	dir    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	// extra are more mariadbd options (a server certificate, say); the test
	// may change them between a stop and a start.
	extra []string
}

// startMariaDB initialises a data directory with mariadb-install-db (root with an
// empty password over TCP), starts mariadbd on a free port and waits until it
// answers, with the extra mariadbd options given. The server is killed when the
// test ends, whatever happened.
func startMariaDB(t *testing.T, extra ...string) *mariaDB {
	t.Helper()
	for _, bin := range []string{"mariadb-install-db", "mariadbd"} {
		if _, err := exec.LookPath(bin); err != nil {
			// /usr/sbin is not on every PATH.
			if _, err := os.Stat(filepath.Join("/usr/sbin", bin)); err != nil {
				t.Fatalf("%s not found: this test runs a MariaDB server of its own (Debian: apt-get install mariadb-server)", bin)
			}
		}
	}
	m := &mariaDB{t: t, dir: t.TempDir(), extra: extra}
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(m.dir, "data"),
		"--auth-root-authentication-method=normal", "--skip-test-db"}
	args = append(args, m.userArgs()...)
	install := exec.Command(binPath("mariadb-install-db"), args...)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	// The port is free when picked, but another process (a dev server of
	// another package's tests) may bind it first: mariadbd then exits at once,
	// and starts again on another port.
	for attempt := 1; ; attempt++ {
		port, err := devserver.FreePort("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		m.port = port
		_ = os.Remove(filepath.Join(m.dir, "error.log")) // this attempt's lines only
		err = m.launch()
		if err == nil {
			break
		}
		if attempt == 3 || !strings.Contains(m.errorLog(), "already in use") {
			t.Fatal(err)
		}
		t.Logf("mariadbd could not bind port %d, starting again on another: %v", port, err)
	}
	t.Logf("MariaDB of this test on 127.0.0.1:%d, data in %s", m.port, m.dir)
	return m
}

// userArgs: mariadbd refuses to run as root unless told to; the data directory
// is root's then, so --user=root is what works.
func (m *mariaDB) userArgs() []string {
	if os.Geteuid() == 0 {
		return []string{"--user=root"}
	}
	return nil
}

func binPath(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

// start runs mariadbd on the data directory and its port, and waits until it
// answers.
func (m *mariaDB) start() {
	m.t.Helper()
	if err := m.launch(); err != nil {
		m.t.Fatal(err)
	}
}

// launch runs mariadbd and waits until it answers; it answers an error if the
// server exits meanwhile or is not ready in a minute.
func (m *mariaDB) launch() error {
	args := []string{"--no-defaults",
		"--datadir=" + filepath.Join(m.dir, "data"),
		"--port=" + strconv.Itoa(m.port),
		"--bind-address=127.0.0.1",
		"--socket=" + filepath.Join(m.dir, "mysqld.sock"),
		"--pid-file=" + filepath.Join(m.dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(m.dir, "error.log"),
		"--skip-name-resolve",
		"--skip-log-bin",
		// What Debian's configuration of the shared server sets.
		"--character-set-server=utf8mb4",
		"--collation-server=utf8mb4_general_ci",
		"--innodb-buffer-pool-size=256M",
	}
	args = append(args, m.extra...)
	args = append(args, m.userArgs()...)
	cmd := exec.Command(binPath("mariadbd"), args...)
	// Its own process group keeps a terminal's Ctrl-C away; Pdeathsig kills it if
	// the test binary dies abruptly, the cleanup below if the test just ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start mariadbd: %w", err)
	}
	m.cmd, m.exited = cmd, make(chan struct{})
	exited := m.exited
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	m.t.Cleanup(func() { m.kill(cmd, exited) })

	db, err := sql.Open("mysql", m.dsn(""))
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(time.Minute)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("mariadbd on port %d exited during start-up:\n%s", m.port, m.errorLog())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd on port %d not ready in a minute: %v\n%s", m.port, err, m.errorLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop shuts the server down as an operator would (SIGTERM) and waits until it
// has exited.
func (m *mariaDB) stop() {
	m.t.Helper()
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.exited:
	case <-time.After(time.Minute):
		m.t.Fatalf("mariadbd did not stop within a minute of SIGTERM:\n%s", m.errorLog())
	}
}

func (m *mariaDB) kill(cmd *exec.Cmd, exited chan struct{}) {
	select {
	case <-exited:
	default:
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

func (m *mariaDB) errorLog() string {
	b, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

func (m *mariaDB) dsn(db string) string {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Net, cfg.Addr, cfg.DBName = "root", "tcp", fmt.Sprintf("127.0.0.1:%d", m.port), db
	return cfg.FormatDSN()
}

// migratedDatabase creates the sendingo database on the server, migrates it and
// answers its DSN.
func (m *mariaDB) migratedDatabase() string {
	m.t.Helper()
	db, err := sql.Open("mysql", m.dsn(""))
	if err != nil {
		m.t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE sendingo CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		m.t.Fatal(err)
	}
	dsn := m.dsn("sendingo")
	if err := migrations.Up(dsn); err != nil {
		m.t.Fatalf("migrate: %v", err)
	}
	return dsn
}
