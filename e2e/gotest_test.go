package e2e

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `make test` runs the Go tests through scripts/go-test: the whole output goes
// to .test/go-test.log, and a failing run ends with what each failed test said
// (and nothing a passing test said), or what a package said outside its tests
// when it failed there, since a CI summary shows only the end of a long run's
// output.
func TestGoTestRunnerEndsWithWhatFailed(t *testing.T) {
	script, err := os.ReadFile("../scripts/go-test")
	if err != nil {
		t.Fatal(err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	run := func(tests string) (string, int, string) {
		t.Helper()
		dir := t.TempDir()
		files := map[string]string{
			"scripts/go-test": string(script),
			"go.mod":          "module example.com/m\n\ngo 1.26\n",
			"p/p_test.go":     "package p\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nvar _ = os.Exit\n\n" + tests,
		}
		for name, body := range files {
			path := filepath.Join(dir, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command(filepath.Join(dir, "scripts", "go-test"), "-count=1", "./...")
		cmd.Env = append(os.Environ(), "GO="+goBin, "GOFLAGS=", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		log, err := os.ReadFile(filepath.Join(dir, ".test", "go-test.log"))
		if err != nil {
			t.Fatalf("no log kept: %v\n%s", err, out)
		}
		return string(out), code, string(log)
	}

	passing := `func TestPasses(t *testing.T) { t.Log("said by a passing test") }` + "\n"
	out, code, log := run(passing + `func TestFails(t *testing.T) {
	t.Log("said before failing")
	t.Run("part", func(t *testing.T) { t.Error("the part's reason") })
	t.Fatal("the reason it failed")
}
`)
	_, summary, found := strings.Cut(out, "== failed")
	if code != 1 || !found {
		t.Fatalf("a failing run exited %d, summary found %v:\n%s", code, found, out)
	}
	for _, want := range []string{"--- FAIL: TestFails", "said before failing", "the reason it failed",
		"--- FAIL: TestFails/part", "the part's reason"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "said by a passing test") {
		t.Errorf("the summary repeats a passing test's lines:\n%s", summary)
	}
	if !strings.Contains(log, "said by a passing test") || !strings.Contains(log, "the reason it failed") {
		t.Errorf("the log is not the whole output:\n%s", log)
	}

	// A test that panics: the panic, its stack and what the test had said.
	out, code, _ = run(`func TestPanics(t *testing.T) { t.Log("said before panicking"); var m map[string]int; m["x"] = 1 }` + "\n")
	_, summary, found = strings.Cut(out, "== failed")
	if code == 0 || !found || !strings.Contains(summary, "panic: assignment to entry in nil map") ||
		!strings.Contains(summary, "p_test.go:") || !strings.Contains(summary, "said before panicking") {
		t.Errorf("a panicking run (exit %d):\n%s", code, out)
	}

	// A package whose TestMain cannot set up runs no test: what it said is shown.
	out, code, _ = run(passing + `func TestMain(m *testing.M) { println("set-up failed: no database"); os.Exit(1) }` + "\n")
	_, summary, found = strings.Cut(out, "== failed")
	if code == 0 || !found || !strings.Contains(summary, "set-up failed: no database") {
		t.Errorf("a run whose TestMain failed (exit %d):\n%s", code, out)
	}

	out, code, _ = run(passing)
	if code != 0 || strings.Contains(out, "== failed") {
		t.Errorf("a passing run exited %d:\n%s", code, out)
	}
}
