package infra

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/terraform-config-inspect/tfconfig"
	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/sendingo/sendingo/config"
)

const tfRoot = "terraform"

// `terraform fmt -check -recursive` over infra/, through terraform-exec.
func TestTerraformFmt(t *testing.T) {
	tf, err := tfexec.NewTerraform(".", terraformBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	ok, files, err := tf.FormatCheck(context.Background(), tfexec.Recursive(true), tfexec.Dir("."))
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Errorf("not formatted (run `terraform fmt -recursive infra`): %v", files)
	}
}

func moduleDirs(t *testing.T, kind string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(tfRoot, kind))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, filepath.Join(tfRoot, kind, e.Name()))
		}
	}
	return dirs
}

func loadModule(t *testing.T, dir string) *tfconfig.Module {
	t.Helper()
	m, diags := tfconfig.LoadModule(dir)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", dir, diags.Err())
	}
	return m
}

// secretName matches variables that would hold a secret; ARNs of secrets are
// references, not secrets.
var secretName = regexp.MustCompile(`(?i)(password|passwd|secret|token|api_?key|private_?key|credential)`)

func isSecretName(name string) bool {
	return secretName.MatchString(name) && !strings.HasSuffix(name, "_arn")
}

// The modules the issue names exist, and every variable and output of every
// module and environment says what it is.
func TestModulesDescribeEverything(t *testing.T) {
	var names []string
	for _, dir := range moduleDirs(t, "modules") {
		names = append(names, filepath.Base(dir))
	}
	for _, want := range []string{"network", "database", "compute", "email", "observability", "temporal"} {
		if !slices.Contains(names, want) {
			t.Errorf("no module %s (have %v)", want, names)
		}
	}
	for _, env := range []string{"staging", "prod"} {
		if _, err := os.Stat(filepath.Join(tfRoot, "envs", env)); err != nil {
			t.Errorf("no environment %s: %v", env, err)
		}
	}
	for _, dir := range append(moduleDirs(t, "modules"), moduleDirs(t, "envs")...) {
		m := loadModule(t, dir)
		if len(m.RequiredCore) == 0 {
			t.Errorf("%s: no required_version", dir)
		}
		for _, v := range m.Variables {
			if v.Type == "" {
				t.Errorf("%s: variable %s has no type", v.Pos.Filename, v.Name)
			}
			if strings.TrimSpace(v.Description) == "" {
				t.Errorf("%s: variable %s has no description", v.Pos.Filename, v.Name)
			}
			if (v.Sensitive || isSecretName(v.Name)) && v.Default != nil {
				t.Errorf("%s: variable %s holds a secret and has a default", v.Pos.Filename, v.Name)
			}
		}
		for _, o := range m.Outputs {
			if strings.TrimSpace(o.Description) == "" {
				t.Errorf("%s: output %s has no description", o.Pos.Filename, o.Name)
			}
		}
	}
}

// moduleCall is a module block as written: its source and the arguments given.
type moduleCall struct {
	name, source string
	args         []string
	rng          hcl.Range
}

func moduleCalls(t *testing.T, dir string) []moduleCall {
	t.Helper()
	p := hclparse.NewParser()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	var calls []moduleCall
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", f, diags)
		}
		content, _, diags := file.Body.PartialContent(&hcl.BodySchema{
			Blocks: []hcl.BlockHeaderSchema{{Type: "module", LabelNames: []string{"name"}}}})
		if diags.HasErrors() {
			t.Fatalf("%s: %v", f, diags)
		}
		for _, b := range content.Blocks {
			attrs, diags := b.Body.JustAttributes()
			if diags.HasErrors() {
				t.Fatalf("%s: module %s: %v", f, b.Labels[0], diags)
			}
			c := moduleCall{name: b.Labels[0], rng: b.DefRange}
			for name, a := range attrs {
				if name == "source" {
					v, d := a.Expr.Value(nil)
					if d.HasErrors() {
						t.Fatalf("%s: module %s: source is not a literal", f, c.name)
					}
					c.source = v.AsString()
					continue
				}
				c.args = append(c.args, name)
			}
			calls = append(calls, c)
		}
	}
	return calls
}

func tfvarsKeys(t *testing.T, path string) map[string]hcl.Expression {
	t.Helper()
	file, diags := hclparse.NewParser().ParseHCLFile(path)
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	attrs, diags := file.Body.JustAttributes()
	if diags.HasErrors() {
		t.Fatalf("%s: %v", path, diags)
	}
	out := map[string]hcl.Expression{}
	for k, a := range attrs {
		out[k] = a.Expr
	}
	return out
}

var metaArgs = []string{"count", "for_each", "providers", "depends_on", "version"}

// Every environment gives each module every input it requires and nothing it
// does not declare; its terraform.tfvars sets every required root variable,
// declares nothing unknown and holds no secret; its backend config is complete.
func TestEnvsSupplyModuleInputs(t *testing.T) {
	keys := map[string]string{}
	for _, env := range moduleDirs(t, "envs") {
		root := loadModule(t, env)
		calls := moduleCalls(t, env)
		if len(calls) == 0 {
			t.Errorf("%s calls no module", env)
		}
		for _, c := range calls {
			if !strings.HasPrefix(c.source, "../../modules/") {
				t.Errorf("%s: module %s comes from %q, not ../../modules", c.rng, c.name, c.source)
				continue
			}
			mod := loadModule(t, filepath.Join(env, c.source))
			for _, v := range mod.Variables {
				if v.Required && !slices.Contains(c.args, v.Name) {
					t.Errorf("%s: module %s lacks the required input %s", c.rng, c.name, v.Name)
				}
			}
			for _, a := range c.args {
				if _, ok := mod.Variables[a]; !ok && !slices.Contains(metaArgs, a) {
					t.Errorf("%s: module %s has no variable %s", c.rng, c.name, a)
				}
			}
		}

		vars := tfvarsKeys(t, filepath.Join(env, "terraform.tfvars"))
		for _, v := range root.Variables {
			if _, ok := vars[v.Name]; v.Required && !ok {
				t.Errorf("%s/terraform.tfvars does not set the required variable %s", env, v.Name)
			}
		}
		for k, expr := range vars {
			if _, ok := root.Variables[k]; !ok {
				t.Errorf("%s/terraform.tfvars sets %s, which %s does not declare", env, k, env)
			}
			if isSecretName(k) {
				if v, d := expr.Value(nil); d.HasErrors() || !v.IsNull() {
					t.Errorf("%s/terraform.tfvars sets the secret %s: secrets belong in Secrets Manager", env, k)
				}
			}
		}

		backend := tfvarsKeys(t, filepath.Join(env, "backend.hcl"))
		for _, k := range []string{"bucket", "key", "region", "dynamodb_table", "encrypt"} {
			if _, ok := backend[k]; !ok {
				t.Errorf("%s/backend.hcl lacks %s", env, k)
			}
		}
		if e, ok := backend["key"]; ok {
			v, _ := e.Value(nil)
			if other, dup := keys[v.AsString()]; dup {
				t.Errorf("%s and %s share the state key %s", env, other, v.AsString())
			}
			keys[v.AsString()] = env
		}
	}
}

// The environments differ only in their tfvars and backend config: the wiring
// (*.tf) is one, so what staging proves holds for prod.
func TestEnvsShareTheirWiring(t *testing.T) {
	envs := moduleDirs(t, "envs")
	read := func(dir string) map[string][]byte {
		files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
		m := map[string][]byte{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			m[filepath.Base(f)] = b
		}
		return m
	}
	first := read(envs[0])
	for _, env := range envs[1:] {
		other := read(env)
		var names []string
		for n := range first {
			names = append(names, n)
		}
		for n := range other {
			if _, ok := first[n]; !ok {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			if !bytes.Equal(first[n], other[n]) {
				t.Errorf("%s/%s differs from %s/%s: keep environments' wiring identical (differences go in terraform.tfvars)",
					env, n, envs[0], n)
			}
		}
	}
}

// Every SENDINGO_* variable the task definitions set is one the binary reads.
func TestTaskSettingsAreKnown(t *testing.T) {
	known := map[string]bool{}
	for _, v := range config.Vars {
		known[v.Name] = true
	}
	re := regexp.MustCompile(`SENDINGO_[A-Z0-9_]+`)
	err := filepath.WalkDir(tfRoot, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".tf") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, name := range re.FindAllString(string(b), -1) {
			if !known[name] {
				t.Errorf("%s sets %s, which config.Vars does not list (the binary would ignore it)", path, name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Full `terraform validate` needs the aws and temporalcloud providers, which
// must be downloaded from the Terraform registry.
func TestEnvsValidate(t *testing.T) {
	if os.Getenv("SENDINGO_INFRA_VALIDATE") == "" {
		t.Skip("terraform validate of envs/* needs the hashicorp/aws and temporalio/temporalcloud providers " +
			"from the Terraform registry, which this machine cannot reach; set SENDINGO_INFRA_VALIDATE=1 where it can " +
			"(fmt and the static checks above run everywhere)")
	}
	bin := terraformBinary(t)
	for _, env := range moduleDirs(t, "envs") {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(tfRoot)); err != nil {
			t.Fatal(err)
		}
		work := filepath.Join(dir, "envs", filepath.Base(env))
		for _, args := range [][]string{{"init", "-backend=false", "-input=false"}, {"validate"}} {
			cmd := exec.Command(bin, args...)
			cmd.Dir = work
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: terraform %s: %v\n%s", env, args[0], err, out)
			}
		}
	}
}

// Every credential reaches the tasks through ECS `secrets` (read from Secrets
// Manager at start), never through the plain environment of the task
// definitions: the database DSN, the JWT secret, the SES SMTP credentials and
// Temporal's mTLS pair and API key.
func TestTaskCredentialsComeFromSecretsManager(t *testing.T) {
	path := filepath.Join(tfRoot, "modules", "compute", "main.tf")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	file, diags := hclparse.NewParser().ParseHCL(src, path)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	re := regexp.MustCompile(`SENDINGO_[A-Z0-9_]+`)
	in := map[string]map[string]bool{} // local's name → variables it names
	for _, b := range file.Body.(*hclsyntax.Body).Blocks {
		if b.Type != "locals" {
			continue
		}
		for name, a := range b.Body.Attributes {
			r := a.Expr.Range()
			in[name] = map[string]bool{}
			for _, v := range re.FindAllString(string(src[r.Start.Byte:r.End.Byte]), -1) {
				in[name][v] = true
			}
		}
	}
	if len(in["environment"]) == 0 || len(in["secrets"]) == 0 {
		t.Fatalf("%s: no locals environment and secrets to check (found %v)", path, in)
	}
	for _, v := range []string{"SENDINGO_MYSQL_DSN", "SENDINGO_JWT_SECRET", "SENDINGO_SMTP_USERNAME", "SENDINGO_SMTP_PASSWORD",
		"SENDINGO_TEMPORAL_TLS_CERT", "SENDINGO_TEMPORAL_TLS_KEY", "SENDINGO_TEMPORAL_API_KEY"} {
		if !in["secrets"][v] && !in["temporal_secrets"][v] {
			t.Errorf("%s: the tasks do not get %s from Secrets Manager", path, v)
		}
		if in["environment"][v] {
			t.Errorf("%s: %s is in the tasks' plain environment", path, v)
		}
	}
}
