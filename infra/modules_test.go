package infra

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
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
	for _, want := range []string{"network", "database", "compute", "email", "observability", "temporal", "stack"} {
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
	args         map[string]*hcl.Attribute
	rng          hcl.Range
}

// tfBodies parses every *.tf file of dir.
func tfBodies(t *testing.T, dir string) []*hclsyntax.Body {
	t.Helper()
	p := hclparse.NewParser()
	files, _ := filepath.Glob(filepath.Join(dir, "*.tf"))
	var bodies []*hclsyntax.Body
	for _, f := range files {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			t.Fatalf("%s: %v", f, diags)
		}
		bodies = append(bodies, file.Body.(*hclsyntax.Body))
	}
	return bodies
}

func moduleCalls(t *testing.T, dir string) []moduleCall {
	t.Helper()
	var calls []moduleCall
	for _, body := range tfBodies(t, dir) {
		for _, b := range body.Blocks {
			if b.Type != "module" {
				continue
			}
			attrs, diags := b.Body.JustAttributes()
			if diags.HasErrors() {
				t.Fatalf("%s: module %s: %v", b.DefRange(), b.Labels[0], diags)
			}
			c := moduleCall{name: b.Labels[0], rng: b.DefRange(), args: map[string]*hcl.Attribute{}}
			for name, a := range attrs {
				if name == "source" {
					v, d := a.Expr.Value(nil)
					if d.HasErrors() {
						t.Fatalf("%s: module %s: source is not a literal", c.rng, c.name)
					}
					c.source = v.AsString()
					continue
				}
				c.args[name] = a
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

// Every module call — an environment's of the stack, the stack's of the six —
// gives the module every input it requires and nothing it does not declare,
// and takes it from this tree: environments from ../../modules, modules from
// their siblings.
func TestModuleCallsSupplyInputs(t *testing.T) {
	callers := map[string]string{}
	for _, dir := range moduleDirs(t, "envs") {
		callers[dir] = "../../modules/"
	}
	for _, dir := range moduleDirs(t, "modules") {
		callers[dir] = "../"
	}
	for dir, prefix := range callers {
		for _, c := range moduleCalls(t, dir) {
			if !strings.HasPrefix(c.source, prefix) || strings.Contains(strings.TrimPrefix(c.source, prefix), "/") {
				t.Errorf("%s: module %s comes from %q, not %s<module>", c.rng, c.name, c.source, prefix)
				continue
			}
			mod := loadModule(t, filepath.Join(dir, c.source))
			for _, v := range mod.Variables {
				if _, ok := c.args[v.Name]; v.Required && !ok {
					t.Errorf("%s: module %s lacks the required input %s", c.rng, c.name, v.Name)
				}
			}
			for a := range c.args {
				if _, ok := mod.Variables[a]; !ok && !slices.Contains(metaArgs, a) {
					t.Errorf("%s: module %s has no variable %s", c.rng, c.name, a)
				}
			}
		}
	}
}

// An environment's settings hold no secret, neither in its call of the stack
// nor in its terraform.tfvars, which sets every required root variable and
// nothing undeclared; its backend config is complete and its state its own.
func TestEnvsSettings(t *testing.T) {
	keys := map[string]string{}
	for _, env := range moduleDirs(t, "envs") {
		for _, c := range moduleCalls(t, env) {
			for name, a := range c.args {
				if !isSecretName(name) {
					continue
				}
				// A literal is a value written into the file; a reference (var.x) is
				// checked where it is set.
				if v, d := a.Expr.Value(nil); !d.HasErrors() && !v.IsNull() {
					t.Errorf("%s: module %s is given the secret %s: secrets belong in Secrets Manager", a.NameRange, c.name, name)
				}
			}
		}

		root := loadModule(t, env)
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

// stackSource is the one module an environment calls: the wiring of every
// environment, so that they differ in values only.
const stackSource = "../../modules/stack"

// isRef reports whether expr is exactly the reference want, e.g. var.image_tag.
func isRef(expr hcl.Expression, want string) bool {
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() {
		return false
	}
	var parts []string
	for _, step := range tr {
		switch s := step.(type) {
		case hcl.TraverseRoot:
			parts = append(parts, s.Name)
		case hcl.TraverseAttr:
			parts = append(parts, s.Name)
		default:
			return false
		}
	}
	return strings.Join(parts, ".") == want
}

// An environment is thin: providers, the backend, one call of modules/stack
// with its values, and pass-throughs — every root variable handed to the stack
// under its own name, every stack output passed on under its own name. No
// resource or data source lives in an environment, so none can exist in one
// and not the other.
func TestEnvsAreThin(t *testing.T) {
	allowed := []string{"terraform", "provider", "locals", "variable", "module", "output", "moved"}
	stack := loadModule(t, filepath.Join(tfRoot, "modules", "stack"))
	for _, env := range moduleDirs(t, "envs") {
		for _, body := range tfBodies(t, env) {
			for _, b := range body.Blocks {
				if !slices.Contains(allowed, b.Type) {
					t.Errorf("%s: a %s block in an environment: it belongs in %s", b.DefRange(), b.Type, stackSource)
				}
			}
		}
		root := loadModule(t, env)
		calls := moduleCalls(t, env)
		if len(calls) != 1 || calls[0].name != "stack" || calls[0].source != stackSource {
			var got []string
			for _, c := range calls {
				got = append(got, c.name+" ("+c.source+")")
			}
			t.Errorf("%s calls %v: want one module \"stack\" from %s", env, got, stackSource)
			continue
		}
		call := calls[0]
		for _, v := range root.Variables {
			if a, ok := call.args[v.Name]; !ok || !isRef(a.Expr, "var."+v.Name) {
				t.Errorf("%s: variable %s is not passed to the stack as %s = var.%s", v.Pos.Filename, v.Name, v.Name, v.Name)
			}
		}
		for name := range stack.Outputs {
			o, ok := root.Outputs[name]
			if !ok {
				t.Errorf("%s does not pass on the stack's output %s", env, name)
				continue
			}
			if !outputIs(t, o, "module.stack."+name) {
				t.Errorf("%s: output %s is not module.stack.%s", o.Pos.Filename, name, name)
			}
		}
		for name, o := range root.Outputs {
			if _, ok := stack.Outputs[name]; !ok {
				t.Errorf("%s: output %s is the environment's own: add it to %s so every environment has it", o.Pos.Filename, name, stackSource)
			}
		}
	}
}

// outputIs reports whether output o's value is exactly the reference want.
func outputIs(t *testing.T, o *tfconfig.Output, want string) bool {
	t.Helper()
	for _, body := range tfBodies(t, filepath.Dir(o.Pos.Filename)) {
		for _, b := range body.Blocks {
			if b.Type == "output" && b.Labels[0] == o.Name {
				a, ok := b.Body.Attributes["value"]
				return ok && isRef(a.Expr, want)
			}
		}
	}
	return false
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

// Behind the ALB the API believes forwarded headers from the ALB's nodes (the
// public subnets) and from nothing else. Without that every client is the ALB
// to the API: one client's failed logins would lock everyone out, logs and the
// audit would show the ALB's address, and HSTS would never be sent.
func TestTheAPIBelievesTheALBsForwardedHeaders(t *testing.T) {
	exprText := func(e hcl.Expression) string {
		r := e.Range()
		src, err := os.ReadFile(r.Filename)
		if err != nil {
			t.Fatal(err)
		}
		return string(src[r.Start.Byte:r.End.Byte])
	}
	// compute passes trusted_proxy_cidrs to every task as SENDINGO_TRUSTED_PROXIES.
	path := filepath.Join(tfRoot, "modules", "compute", "main.tf")
	env := ""
	for _, body := range tfBodies(t, filepath.Dir(path)) {
		for _, b := range body.Blocks {
			if b.Type == "locals" && b.Body.Attributes["environment"] != nil {
				env = exprText(b.Body.Attributes["environment"].Expr)
			}
		}
	}
	if !regexp.MustCompile(`SENDINGO_TRUSTED_PROXIES\s*=\s*join\(",",\s*var\.trusted_proxy_cidrs\)`).MatchString(env) {
		t.Errorf("%s: the tasks' environment does not set SENDINGO_TRUSTED_PROXIES from var.trusted_proxy_cidrs", path)
	}
	// The stack gives compute the public subnets' ranges...
	found := false
	for _, c := range moduleCalls(t, filepath.Join(tfRoot, "modules", "stack")) {
		if c.name != "compute" {
			continue
		}
		found = true
		if a := c.args["trusted_proxy_cidrs"]; a == nil || exprText(a.Expr) != "module.network.public_subnet_cidr_blocks" {
			t.Errorf("%s: compute's trusted_proxy_cidrs is not module.network.public_subnet_cidr_blocks", c.rng)
		}
	}
	if !found {
		t.Fatal("the stack calls no module compute")
	}
	// ...which are where the ALB is.
	out := loadModule(t, filepath.Join(tfRoot, "modules", "network")).Outputs["public_subnet_cidr_blocks"]
	if out == nil {
		t.Fatal("the network module has no output public_subnet_cidr_blocks")
	}
	src, err := os.ReadFile(filepath.Join(tfRoot, "modules", "network", "outputs.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)output "public_subnet_cidr_blocks" \{.*?value\s*=\s*aws_subnet\.public\[\*\]\.cidr_block\s*\n\}`).Match(src) {
		t.Error("public_subnet_cidr_blocks is not the public subnets' cidr_block")
	}
	compute, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)resource "aws_lb" "[a-z_]+" \{.*?subnets\s*=\s*var\.public_subnet_ids`).Match(compute) {
		t.Error("the ALB is not in the public subnets")
	}
}

// The tasks check the database's certificate when the environment names the
// region's RDS CA bundle: compute passes database_tls_ca as
// SENDINGO_MYSQL_TLS_CA, and the stack reads it from database_ca_file.
func TestTheTasksCheckTheDatabasesCertificate(t *testing.T) {
	compute, err := os.ReadFile(filepath.Join(tfRoot, "modules", "compute", "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?s)environment = \[.*?SENDINGO_MYSQL_TLS_CA\s*=\s*var\.database_tls_ca\n`).Match(compute) {
		t.Error("the tasks' environment does not set SENDINGO_MYSQL_TLS_CA from var.database_tls_ca")
	}
	found := false
	for _, c := range moduleCalls(t, filepath.Join(tfRoot, "modules", "stack")) {
		if c.name != "compute" {
			continue
		}
		found = true
		a := c.args["database_tls_ca"]
		if a == nil {
			t.Fatalf("%s: the stack gives compute no database_tls_ca", c.rng)
		}
		r := a.Expr.Range()
		src, err := os.ReadFile(r.Filename)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(src[r.Start.Byte:r.End.Byte]); got != `var.database_ca_file == null ? null : file("${path.root}/${var.database_ca_file}")` {
			t.Errorf("%s: compute's database_tls_ca is %s, want the file database_ca_file names", c.rng, got)
		}
	}
	if !found {
		t.Fatal("the stack calls no module compute")
	}
	if !regexp.MustCompile(`\{ name = "DB_CA", value = var\.database_tls_ca \}`).Match(compute) {
		t.Error("the db-user job is not given var.database_tls_ca as DB_CA")
	}

	// The db-user job's script, run by sh with a mysql that records how it
	// was called: with DB_CA it checks the server before the master password
	// goes out.
	m := regexp.MustCompile(`(?s)db_user_script = <<-EOT\n(.*?)\n\s*EOT`).FindSubmatch(compute)
	if m == nil {
		t.Fatal("no db_user_script in compute's main.tf")
	}
	lines := strings.Split(string(m[1]), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, "    ")
	}
	script := strings.ReplaceAll(strings.Join(lines, "\n"), "$${", "${")
	bin := t.TempDir()
	if err := os.WriteFile(filepath.Join(bin, "mysql"), []byte("#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$ARGS\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(ca string) string {
		t.Helper()
		args := filepath.Join(t.TempDir(), "args")
		cmd := exec.Command("sh", "-c", script)
		cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin", "ARGS=" + args, "SENDINGO_MYSQL_DSN=app:s3cret@tcp(db.example:3306)/sendingo?tls=skip-verify",
			"DB_HOST=db.example", "DB_NAME=sendingo", "MASTER_USER=admin", "DB_CA=" + ca}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("the db-user script: %v\n%s", err, out)
		}
		b, err := os.ReadFile(args)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	const pemCA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
	if got := run(pemCA); !strings.Contains(got, "--ssl-mode=VERIFY_IDENTITY\n--ssl-ca=/tmp/db-ca.pem\n") ||
		!strings.Contains(got, "IDENTIFIED BY 's3cret'") {
		t.Errorf("with DB_CA mysql was called with:\n%s", got)
	}
	if b, err := os.ReadFile("/tmp/db-ca.pem"); err != nil || strings.TrimSpace(string(b)) != pemCA {
		t.Errorf("the CA file holds %q (%v)", b, err)
	}
	if got := run(""); !strings.Contains(got, "--ssl-mode=REQUIRED\n") || strings.Contains(got, "--ssl-ca") {
		t.Errorf("without DB_CA mysql was called with:\n%s", got)
	}
}

// Through the ALB, /metrics answers 404: the deployment's alarms are
// CloudWatch's, and the totals are not the internet's to read.
func TestTheALBKeepsMetricsToItself(t *testing.T) {
	path := filepath.Join(tfRoot, "modules", "compute", "main.tf")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rule := regexp.MustCompile(`(?s)resource "aws_lb_listener_rule" "[a-z_]+" \{\s*listener_arn\s*=\s*aws_lb_listener\.https\.arn.*?\n\}`).Find(src)
	if rule == nil {
		t.Fatalf("%s: no listener rule on the HTTPS listener", path)
	}
	for _, want := range []string{`values = ["/metrics", "/metrics/*"]`, `type = "fixed-response"`, `status_code  = "404"`} {
		if !strings.Contains(string(rule), want) {
			t.Errorf("%s: the HTTPS listener's rule lacks %s:\n%s", path, want, rule)
		}
	}
}
