package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/devserver"
)

// No command prints or logs the MySQL password, whether the DSN comes from the
// environment, a file or the flag, and whether MySQL is unreachable or the DSN
// does not even parse.
func TestNoCommandPrintsTheDSNPassword(t *testing.T) {
	const password = "Sup3r-Secret-Pw"
	port, err := devserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := fmt.Sprintf("sendingo:%s@tcp(127.0.0.1:%d)/sendingo", password, port)
	file := filepath.Join(t.TempDir(), "dsn")
	if err := os.WriteFile(file, []byte(unreachable+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sources := []struct {
		name string
		env  []string
		args []string
	}{
		{"environment", []string{"SENDINGO_MYSQL_DSN=" + unreachable}, nil},
		{"file", []string{"SENDINGO_MYSQL_DSN_FILE=" + file}, nil},
		{"flag", nil, []string{"--mysql-dsn", unreachable}},
		{"malformed", []string{"SENDINGO_MYSQL_DSN=sendingo:" + password + "@tcp(127.0.0.1:3306/sendingo"}, nil},
	}
	commands := [][]string{{"api"}, {"worker"}, {"migrate", "up"}, {"migrate", "status"}, {"dev"}}
	for _, src := range sources {
		for _, command := range commands {
			t.Run(src.name+" "+strings.Join(command, " "), func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, binary, append(command, src.args...)...)
				cmd.Env = append(os.Environ(),
					"SENDINGO_JWT_SECRET=e2e-secret-e2e-secret-e2e-secret-0123",
					fmt.Sprintf("SENDINGO_TEMPORAL_ADDRESS=127.0.0.1:%d", port),
					fmt.Sprintf("SENDINGO_HTTP_ADDR=127.0.0.1:%d", port),
					"SENDINGO_DATA_DIR="+t.TempDir(),
					"SENDINGO_MYSQL_DSN=", "SENDINGO_MYSQL_DSN_FILE=",
				)
				cmd.Env = append(cmd.Env, src.env...)
				out, err := cmd.CombinedOutput()
				if err == nil {
					t.Fatalf("succeeded without MySQL:\n%s", out)
				}
				if strings.Contains(string(out), password) {
					t.Fatalf("the output shows the password:\n%s", out)
				}
				if src.name != "malformed" && !strings.Contains(string(out), "MySQL is not reachable") {
					t.Errorf("the output does not say MySQL is unreachable:\n%s", out)
				}
			})
		}
	}
}
