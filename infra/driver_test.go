package infra

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
)

var (
	tfOnce sync.Once
	tfPath string
	tfErr  error
)

// terraformBinary finds terraform as `sendingo infra` does ($SENDINGO_TERRAFORM,
// PATH, or the pinned build from tools/terraform, built on first use).
func terraformBinary(t *testing.T) string {
	t.Helper()
	tfOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
		defer cancel()
		tfPath, tfErr = FindTerraform(ctx, t.Logf)
	})
	if tfErr != nil {
		t.Fatalf("find terraform: %v", tfErr)
	}
	return tfPath
}

// smokeDir copies the provider-free test environment into a temporary directory,
// so state, plans and .terraform stay out of the source tree.
func smokeDir(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS("testdata/terraform")); err != nil {
		t.Fatal(err)
	}
	return dst
}

func newSmokeDriver(t *testing.T, dir string, mod func(*Options)) *Driver {
	t.Helper()
	o := Options{Dir: dir, Env: "smoke", Terraform: terraformBinary(t),
		Stdout: testWriter{t}, Stderr: testWriter{t}}
	if mod != nil {
		mod(&o)
	}
	d, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// testWriter sends terraform's streamed output to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func counts(s Summary) map[string][3]int {
	m := map[string][3]int{}
	for _, tc := range s.ByType {
		m[tc.Type] = [3]int{tc.Add, tc.Change, tc.Destroy}
	}
	return m
}

func outputString(t *testing.T, outs map[string]Output, name string) string {
	t.Helper()
	var s string
	if err := json.Unmarshal(outs[name].Value, &s); err != nil {
		t.Fatalf("output %s = %s: %v", name, outs[name].Value, err)
	}
	return s
}

// The whole life of an environment with the real terraform: init with the
// backend config and workspace, plan to a file with its summary, apply of the
// saved plan only, outputs, a refused stale plan, and destroy.
func TestDriverLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := smokeDir(t)
	d := newSmokeDriver(t, dir, nil)

	if err := d.Apply(ctx); !errors.Is(err, ErrNoPlan) {
		t.Fatalf("apply before any plan: got %v, want ErrNoPlan", err)
	}
	if err := d.Prepare(ctx); err != nil {
		t.Fatal(err)
	}

	sum, err := d.Plan(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Add != 3 || sum.Change != 0 || sum.Destroy != 0 {
		t.Errorf("first plan: %d add, %d change, %d destroy; want 3, 0, 0", sum.Add, sum.Change, sum.Destroy)
	}
	if got := counts(sum)["terraform_data"]; got != [3]int{3, 0, 0} {
		t.Errorf("first plan, terraform_data: %v, want [3 0 0]", got)
	}
	if _, err := os.Stat(d.PlanFile()); err != nil {
		t.Fatalf("the plan was not saved: %v", err)
	}
	if err := d.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.PlanFile()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("an applied plan must not stay around to be applied again (stat: %v)", err)
	}
	// The state is the workspace's, not the default one.
	if _, err := os.Stat(filepath.Join(d.EnvDir(), "terraform.tfstate.d", "smoke", "terraform.tfstate")); err != nil {
		t.Errorf("no state in workspace smoke: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.EnvDir(), "terraform.tfstate")); err == nil {
		t.Errorf("state written to the default workspace")
	}

	outs, err := d.Outputs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := outputString(t, outs, "greeting"); got != "hello" {
		t.Errorf("greeting = %q, want hello", got)
	}
	steps, err := PostDeploySteps(outs)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 2 || steps[0] != "echo migrate up (hello)" {
		t.Errorf("post-deploy steps = %q", steps)
	}
	js, err := OutputsJSON(outs, false)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "not-a-real-secret") || !strings.Contains(string(js), `"token": "(sensitive)"`) {
		t.Errorf("sensitive output shown without being asked for:\n%s", js)
	}
	if js, _ := OutputsJSON(outs, true); !strings.Contains(string(js), "not-a-real-secret") {
		t.Errorf("--show-sensitive hid the value:\n%s", js)
	}

	// A change: two updates in place and one replica fewer.
	d2 := newSmokeDriver(t, dir, func(o *Options) { o.Vars = []string{"greeting=hi", "replicas=1"} })
	if err := d2.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err = d2.Plan(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(sum)["terraform_data"]; got != [3]int{0, 2, 1} {
		t.Errorf("second plan, terraform_data: %v, want [0 2 1] (add, change, destroy)", got)
	}

	// Someone else plans and applies in between: the saved plan is stale.
	other := newSmokeDriver(t, dir, func(o *Options) {
		o.Vars = []string{"greeting=other"}
		o.PlanFile = filepath.Join(t.TempDir(), "other.tfplan")
	})
	if err := other.Prepare(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Plan(ctx, false); err != nil {
		t.Fatal(err)
	}
	if err := other.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	err = d2.Apply(ctx)
	if !errors.Is(err, ErrStateMoved) {
		t.Fatalf("apply of a stale plan: got %v, want ErrStateMoved", err)
	}
	t.Logf("refused as expected: %v", err)
	if outs, err = d.Outputs(ctx); err != nil {
		t.Fatal(err)
	}
	if got := outputString(t, outs, "greeting"); got != "other" {
		t.Errorf("after the refused apply greeting = %q, want other (unchanged)", got)
	}

	// A plan file replaced after planning is refused too.
	if _, err := d2.Plan(ctx, false); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(d2.PlanFile(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0})
	f.Close()
	if err := d2.Apply(ctx); err == nil || !strings.Contains(err.Error(), "changed after it was planned") {
		t.Fatalf("apply of a modified plan file: got %v", err)
	}

	// Destroy: a saved destroy plan, applied.
	sum, err = d.Plan(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if got := counts(sum)["terraform_data"]; got != [3]int{0, 0, 3} {
		t.Errorf("destroy plan, terraform_data: %v, want [0 0 3]", got)
	}
	if _, destroy, err := d.SavedPlan(); err != nil || !destroy {
		t.Errorf("saved plan: destroy=%v err=%v, want a destroy plan", destroy, err)
	}
	if err := d.Apply(ctx); err != nil {
		t.Fatal(err)
	}
	sum, err = d.Plan(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Empty() {
		t.Errorf("after destroy a destroy plan still changes %+v", sum)
	}
}

func TestSummaryPrint(t *testing.T) {
	s := Summary{Add: 3, Change: 1, Destroy: 2, ByType: []TypeCounts{
		{Type: "aws_ecs_service", Add: 1}, {Type: "aws_security_group_rule", Add: 2, Change: 1, Destroy: 2}}}
	var b strings.Builder
	s.Print(&b)
	for _, want := range []string{"Plan: 3 to add, 1 to change, 2 to destroy.", "aws_ecs_service", "aws_security_group_rule"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
}

func TestNewRefusesUnknownEnv(t *testing.T) {
	_, err := New(Options{Dir: "testdata/terraform", Env: "nope", Terraform: "terraform", Stdout: io.Discard})
	if err == nil || !strings.Contains(err.Error(), "smoke") {
		t.Fatalf("unknown env: got %v, want an error listing smoke", err)
	}
	if _, err := New(Options{Dir: "testdata/terraform", Env: "../etc", Terraform: "terraform"}); err == nil {
		t.Fatal("an env name with a path in it was accepted")
	}
}

func TestFindTerraformHonoursEnv(t *testing.T) {
	t.Setenv("SENDINGO_TERRAFORM", filepath.Join(t.TempDir(), "missing"))
	if _, err := FindTerraform(context.Background(), t.Logf); err == nil || !strings.Contains(err.Error(), "SENDINGO_TERRAFORM") {
		t.Fatalf("a missing $SENDINGO_TERRAFORM: got %v", err)
	}
	bin := filepath.Join(t.TempDir(), "terraform")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SENDINGO_TERRAFORM", bin)
	if got, err := FindTerraform(context.Background(), t.Logf); err != nil || got != bin {
		t.Fatalf("FindTerraform = %q, %v; want %q", got, err, bin)
	}
}

// Terraform counts a replacement as one add and one destroy; reads of data
// sources and no-ops are not changes.
func TestSummarize(t *testing.T) {
	rc := func(mode tfjson.ResourceMode, typ string, actions ...tfjson.Action) *tfjson.ResourceChange {
		return &tfjson.ResourceChange{Mode: mode, Type: typ, Change: &tfjson.Change{Actions: actions}}
	}
	m, d := tfjson.ManagedResourceMode, tfjson.DataResourceMode
	p := &tfjson.Plan{
		ResourceChanges: []*tfjson.ResourceChange{
			rc(m, "aws_ecs_service", tfjson.ActionCreate),
			rc(m, "aws_ecs_service", tfjson.ActionUpdate),
			rc(m, "aws_ecs_task_definition", tfjson.ActionDelete, tfjson.ActionCreate),
			rc(m, "aws_ecs_task_definition", tfjson.ActionCreate, tfjson.ActionDelete),
			rc(m, "aws_lb", tfjson.ActionDelete),
			rc(m, "aws_vpc", tfjson.ActionNoop),
			rc(d, "aws_iam_policy_document", tfjson.ActionRead),
		},
		OutputChanges: map[string]*tfjson.Change{
			"alb_dns_name": {Actions: tfjson.Actions{tfjson.ActionCreate}},
			"vpc_id":       {Actions: tfjson.Actions{tfjson.ActionNoop}},
		},
	}
	s := Summarize(p)
	if s.Add != 3 || s.Change != 1 || s.Destroy != 3 {
		t.Errorf("totals %d/%d/%d, want 3 add, 1 change, 3 destroy", s.Add, s.Change, s.Destroy)
	}
	want := map[string][3]int{
		"aws_ecs_service":         {1, 1, 0},
		"aws_ecs_task_definition": {2, 0, 2},
		"aws_lb":                  {0, 0, 1},
	}
	got := counts(s)
	if len(got) != len(want) {
		t.Errorf("types %v, want %v", got, want)
	}
	for typ, w := range want {
		if got[typ] != w {
			t.Errorf("%s: %v, want %v", typ, got[typ], w)
		}
	}
	if len(s.OutputsChanged) != 1 || s.OutputsChanged[0] != "alb_dns_name" {
		t.Errorf("outputs changed %v, want [alb_dns_name]", s.OutputsChanged)
	}
}
