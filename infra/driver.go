// Package infra drives Terraform for sendingo's deployments: the modules and
// environments in infra/terraform, run through terraform-exec. A plan is saved
// to a file with a record of the state it was made against; apply takes only
// that saved plan, and only while the state is still the one the plan saw.
package infra

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
)

// PostDeployOutput is the root output, a list of shell commands, that an
// environment uses to say what to run after an apply (migrations, search
// attributes, a fresh deployment).
const PostDeployOutput = "post_deploy_commands"

// Options configure the driver of one environment.
type Options struct {
	Dir           string   // infra/terraform: the environment is the root module Dir/envs/Env
	Env           string   // staging, prod, ...
	Workspace     string   // Terraform workspace; default Env
	Terraform     string   // path of the terraform binary (see FindTerraform)
	BackendConfig []string // extra -backend-config values (KEY=VALUE or a file), after envs/Env/backend.hcl
	Vars          []string // -var KEY=VALUE for plans
	VarFiles      []string // -var-file for plans (envs/Env/terraform.tfvars is read by terraform itself)
	PlanFile      string   // default envs/Env/sendingo-<workspace>.tfplan
	Reconfigure   bool     // init -reconfigure: forget the backend the directory was initialised with
	Stdout        io.Writer
	Stderr        io.Writer
}

// Driver runs terraform for one environment.
type Driver struct {
	o      Options
	envDir string
	loud   *tfexec.Terraform // streams terraform's own output
	quiet  *tfexec.Terraform // for machine-readable answers (show -json, state pull, output -json)
}

var envName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// New checks the options and finds the environment's directory.
func New(o Options) (*Driver, error) {
	if !envName.MatchString(o.Env) {
		return nil, fmt.Errorf("--env %q: want a short lower-case name such as staging or prod", o.Env)
	}
	if o.Dir == "" {
		return nil, errors.New("no infra/terraform directory given")
	}
	if o.Terraform == "" {
		return nil, errors.New("no terraform binary given")
	}
	dir, err := filepath.Abs(o.Dir)
	if err != nil {
		return nil, err
	}
	o.Dir = dir
	envDir := filepath.Join(dir, "envs", o.Env)
	if fi, err := os.Stat(envDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("no environment %q: %s does not exist (environments: %v)", o.Env, envDir, Envs(dir))
	}
	if o.Workspace == "" {
		o.Workspace = o.Env
	}
	if o.PlanFile == "" {
		o.PlanFile = filepath.Join(envDir, "sendingo-"+o.Workspace+".tfplan")
	}
	if o.PlanFile, err = filepath.Abs(o.PlanFile); err != nil {
		return nil, err
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	d := &Driver{o: o, envDir: envDir}
	if d.loud, err = tfexec.NewTerraform(envDir, o.Terraform); err != nil {
		return nil, err
	}
	d.loud.SetStdout(o.Stdout)
	d.loud.SetStderr(o.Stderr)
	if d.quiet, err = tfexec.NewTerraform(envDir, o.Terraform); err != nil {
		return nil, err
	}
	d.quiet.SetStderr(o.Stderr)
	return d, nil
}

// Envs lists the environments under dir/envs.
func Envs(dir string) []string {
	entries, _ := os.ReadDir(filepath.Join(dir, "envs"))
	var envs []string
	for _, e := range entries {
		if e.IsDir() {
			envs = append(envs, e.Name())
		}
	}
	return envs
}

// EnvDir is the environment's root module.
func (d *Driver) EnvDir() string { return d.envDir }

// Workspace is the Terraform workspace the driver uses.
func (d *Driver) Workspace() string { return d.o.Workspace }

// PlanFile is where plans are saved.
func (d *Driver) PlanFile() string { return d.o.PlanFile }

// Prepare runs `terraform init` with the environment's backend configuration
// (envs/ENV/backend.hcl, then Options.BackendConfig) and selects the
// environment's workspace, creating it on first use.
func (d *Driver) Prepare(ctx context.Context) error {
	// terraform-exec asks terraform for its version before the first command; keep
	// that JSON off the terminal.
	d.loud.SetStdout(io.Discard)
	_, _, err := d.loud.Version(ctx, true)
	d.loud.SetStdout(d.o.Stdout)
	if err != nil {
		return fmt.Errorf("terraform version (%s): %w", d.o.Terraform, err)
	}
	var opts []tfexec.InitOption
	if _, err := os.Stat(filepath.Join(d.envDir, "backend.hcl")); err == nil {
		opts = append(opts, tfexec.BackendConfig("backend.hcl"))
	}
	for _, bc := range d.o.BackendConfig {
		opts = append(opts, tfexec.BackendConfig(bc))
	}
	if d.o.Reconfigure {
		opts = append(opts, tfexec.Reconfigure(true))
	}
	if err := d.loud.Init(ctx, opts...); err != nil {
		return fmt.Errorf("terraform init (%s): %w", d.o.Env, err)
	}
	list, current, err := d.quiet.WorkspaceList(ctx)
	if err != nil {
		return fmt.Errorf("terraform workspace list: %w", err)
	}
	switch {
	case current == d.o.Workspace:
	case slices.Contains(list, d.o.Workspace):
		err = d.quiet.WorkspaceSelect(ctx, d.o.Workspace)
	default:
		fmt.Fprintf(d.o.Stderr, "creating workspace %q\n", d.o.Workspace)
		err = d.quiet.WorkspaceNew(ctx, d.o.Workspace)
	}
	if err != nil {
		return fmt.Errorf("workspace %s: %w", d.o.Workspace, err)
	}
	return nil
}

// StateVersion identifies one version of a state: Terraform bumps the serial on
// every write, and the lineage tells two unrelated states apart.
type StateVersion struct {
	Serial  uint64 `json:"serial"`
	Lineage string `json:"lineage"`
}

func (v StateVersion) String() string {
	if v.Lineage == "" {
		return "no state"
	}
	return fmt.Sprintf("serial %d of lineage %s", v.Serial, v.Lineage)
}

// State reads the workspace's current state version (zero when there is none).
func (d *Driver) State(ctx context.Context) (StateVersion, error) {
	raw, err := d.quiet.StatePull(ctx)
	if err != nil {
		return StateVersion{}, fmt.Errorf("terraform state pull: %w", err)
	}
	var v StateVersion
	if len(bytes.TrimSpace([]byte(raw))) == 0 {
		return v, nil
	}
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return v, fmt.Errorf("read the state's serial and lineage: %w", err)
	}
	return v, nil
}

// planRecord sits next to a saved plan: what it was made from, so apply can
// refuse a plan whose state has moved or whose file was replaced.
type planRecord struct {
	Env       string       `json:"env"`
	Workspace string       `json:"workspace"`
	Destroy   bool         `json:"destroy"`
	State     StateVersion `json:"state"`
	SHA256    string       `json:"plan_sha256"`
	Summary   Summary      `json:"summary"`
	CreatedAt time.Time    `json:"created_at"`
}

func (d *Driver) recordFile() string { return d.o.PlanFile + ".json" }

// Plan makes a plan (a destroy plan when destroy is set), saves it to the plan
// file with a record of the state it was made against, and summarises it from
// terraform's JSON form of the plan. Call Prepare first.
func (d *Driver) Plan(ctx context.Context, destroy bool) (Summary, error) {
	before, err := d.State(ctx)
	if err != nil {
		return Summary{}, err
	}
	// A stale record must not outlive a failed plan.
	_ = os.Remove(d.recordFile())
	if err := os.MkdirAll(filepath.Dir(d.o.PlanFile), 0o755); err != nil {
		return Summary{}, err
	}
	opts := []tfexec.PlanOption{tfexec.Out(d.o.PlanFile), tfexec.LockTimeout("60s")}
	if destroy {
		opts = append(opts, tfexec.Destroy(true))
	}
	for _, v := range d.o.Vars {
		opts = append(opts, tfexec.Var(v))
	}
	for _, f := range d.o.VarFiles {
		opts = append(opts, tfexec.VarFile(f))
	}
	if _, err := d.loud.Plan(ctx, opts...); err != nil {
		return Summary{}, fmt.Errorf("terraform plan (%s): %w", d.o.Env, err)
	}
	plan, err := d.quiet.ShowPlanFile(ctx, d.o.PlanFile)
	if err != nil {
		return Summary{}, fmt.Errorf("read the saved plan as JSON: %w", err)
	}
	sum := Summarize(plan)
	hash, err := fileSHA256(d.o.PlanFile)
	if err != nil {
		return sum, err
	}
	rec := planRecord{Env: d.o.Env, Workspace: d.o.Workspace, Destroy: destroy, State: before,
		SHA256: hash, Summary: sum, CreatedAt: time.Now().UTC()}
	b, err := json.MarshalIndent(rec, "", "  ")
	if err != nil {
		return sum, err
	}
	if err := os.WriteFile(d.recordFile(), b, 0o644); err != nil {
		return sum, fmt.Errorf("record the plan: %w", err)
	}
	return sum, nil
}

// ErrNoPlan means there is no saved plan to apply.
var ErrNoPlan = errors.New("no saved plan")

// ErrStateMoved means the state changed after the plan was made.
var ErrStateMoved = errors.New("the state has moved since the plan was made")

// SavedPlan returns the summary of the saved plan and whether it destroys.
func (d *Driver) SavedPlan() (Summary, bool, error) {
	rec, err := d.readRecord()
	return rec.Summary, rec.Destroy, err
}

func (d *Driver) readRecord() (planRecord, error) {
	var rec planRecord
	b, err := os.ReadFile(d.recordFile())
	if errors.Is(err, os.ErrNotExist) {
		return rec, fmt.Errorf("%w for %s (looked for %s): run `sendingo infra plan --env %s` first",
			ErrNoPlan, d.o.Env, d.o.PlanFile, d.o.Env)
	}
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(b, &rec); err != nil {
		return rec, fmt.Errorf("read %s: %w", d.recordFile(), err)
	}
	return rec, nil
}

// Apply applies the saved plan, and only it: it refuses when there is none, when
// the plan file is not the one planned, or when the state is no longer the one
// the plan was made against (someone applied in between). A plan applies once;
// its files are removed afterwards. Call Prepare first.
func (d *Driver) Apply(ctx context.Context) error {
	rec, err := d.readRecord()
	if err != nil {
		return err
	}
	if rec.Env != d.o.Env || rec.Workspace != d.o.Workspace {
		return fmt.Errorf("the saved plan %s is for env %s (workspace %s), not %s (workspace %s)",
			d.o.PlanFile, rec.Env, rec.Workspace, d.o.Env, d.o.Workspace)
	}
	hash, err := fileSHA256(d.o.PlanFile)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrNoPlan, err)
	}
	if hash != rec.SHA256 {
		return fmt.Errorf("the plan file %s changed after it was planned: plan again", d.o.PlanFile)
	}
	now, err := d.State(ctx)
	if err != nil {
		return err
	}
	if now != rec.State {
		return fmt.Errorf("%w (planned against %s, now %s): run `sendingo infra plan --env %s` again and review it",
			ErrStateMoved, rec.State, now, d.o.Env)
	}
	if err := d.loud.Apply(ctx, tfexec.DirOrPlan(d.o.PlanFile), tfexec.LockTimeout("60s")); err != nil {
		return fmt.Errorf("terraform apply (%s): %w", d.o.Env, err)
	}
	d.DiscardPlan()
	return nil
}

// DiscardPlan removes the saved plan and its record.
func (d *Driver) DiscardPlan() {
	_ = os.Remove(d.recordFile())
	_ = os.Remove(d.o.PlanFile)
}

// Output is one root output.
type Output struct {
	Sensitive bool            `json:"sensitive"`
	Type      json.RawMessage `json:"type"`
	Value     json.RawMessage `json:"value"`
}

// Outputs reads the root outputs. Call Prepare first.
func (d *Driver) Outputs(ctx context.Context) (map[string]Output, error) {
	raw, err := d.quiet.Output(ctx)
	if err != nil {
		return nil, fmt.Errorf("terraform output: %w", err)
	}
	out := make(map[string]Output, len(raw))
	for k, v := range raw {
		out[k] = Output{Sensitive: v.Sensitive, Type: v.Type, Value: v.Value}
	}
	return out, nil
}

// OutputsJSON renders outputs as a JSON object of name → value; sensitive values
// are replaced by "(sensitive)" unless showSensitive.
func OutputsJSON(outs map[string]Output, showSensitive bool) ([]byte, error) {
	m := make(map[string]json.RawMessage, len(outs))
	for k, v := range outs {
		if v.Sensitive && !showSensitive {
			m[k] = json.RawMessage(`"(sensitive)"`)
			continue
		}
		m[k] = v.Value
	}
	return json.MarshalIndent(m, "", "  ")
}

// PostDeploySteps returns the commands the environment's post_deploy_commands
// output lists (none when it has no such output).
func PostDeploySteps(outs map[string]Output) ([]string, error) {
	o, ok := outs[PostDeployOutput]
	if !ok || len(o.Value) == 0 || string(o.Value) == "null" {
		return nil, nil
	}
	var steps []string
	if err := json.Unmarshal(o.Value, &steps); err != nil {
		return nil, fmt.Errorf("output %s: want a list of strings: %w", PostDeployOutput, err)
	}
	return steps, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
