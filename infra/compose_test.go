package infra

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
	"go.yaml.in/yaml/v3"

	"github.com/sendingo/sendingo/config"
)

const composeFile = "../docker-compose.yml"

// loadCompose loads docker-compose.yml as docker compose does (compose-go), with
// the observability profile on and an empty environment, so the file's own
// defaults are what is checked. interpolate=false keeps ${VAR:-default} as written.
func loadCompose(t *testing.T, interpolate bool) *types.Project {
	t.Helper()
	return loadComposeWith(t, interpolate, []string{})
}

// loadComposeWith is loadCompose with env (KEY=value) as the environment, as a
// .env file beside the compose file would set it. The file as written is not
// validated (a ${VAR:-…} where an address goes is valid only once
// interpolated); the interpolated one is.
func loadComposeWith(t *testing.T, interpolate bool, env []string) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{composeFile},
		cli.WithWorkingDirectory(".."),
		cli.WithEnv(env),
		cli.WithProfiles([]string{"observability"}),
		cli.WithInterpolation(interpolate),
		cli.WithLoadOptions(func(o *loader.Options) { o.SkipValidation = !interpolate }),
	)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opts.LoadProject(context.Background())
	if err != nil {
		t.Fatalf("load %s: %v", composeFile, err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("service %s: %v", name, err)
	}
	return s
}

// Every service the stack needs is there, with pinned images, health checks
// where others wait on health, and the start order expressed as conditions.
func TestComposeStack(t *testing.T) {
	p := loadCompose(t, true)

	for _, name := range []string{"mysql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
		"migrate", "api", "worker", "relay-sim", "mailpit", "prometheus", "grafana"} {
		service(t, p, name)
	}
	if got := service(t, p, "mysql").Image; !strings.HasPrefix(got, "mysql:8.4.") {
		t.Errorf("mysql image %q, want MySQL 8.4", got)
	}
	for _, name := range []string{"temporal-schema", "temporal-namespace"} {
		if img := service(t, p, name).Image; !strings.HasPrefix(img, "temporalio/admin-tools:") {
			t.Errorf("%s runs %q, want the temporalio/admin-tools image", name, img)
		}
	}
	if img := service(t, p, "temporal").Image; !strings.HasPrefix(img, "temporalio/server:") {
		t.Errorf("temporal runs %q, want temporalio/server (auto-setup is deprecated)", img)
	}

	pinned := regexp.MustCompile(`^[^@]+:v?[0-9]+\.[0-9]+(\.[0-9]+)?(-[a-z0-9.]+)?$|@sha256:[0-9a-f]{64}$`)
	for name, s := range p.Services {
		if s.Build != nil {
			continue // built from this repository
		}
		if !pinned.MatchString(s.Image) || strings.HasSuffix(s.Image, ":latest") {
			t.Errorf("%s: image %q is not pinned to a version", name, s.Image)
		}
	}

	for name, s := range p.Services {
		for dep, d := range s.DependsOn {
			target := service(t, p, dep)
			switch d.Condition {
			case types.ServiceConditionHealthy:
				if target.HealthCheck == nil || target.HealthCheck.Disable || len(target.HealthCheck.Test) == 0 {
					t.Errorf("%s waits for %s to be healthy, but %s has no health check", name, dep, dep)
				}
			case types.ServiceConditionCompletedSuccessfully:
				if target.Restart != "no" {
					t.Errorf("%s waits for %s to complete, but %s restarts (%q)", name, dep, dep, target.Restart)
				}
			case types.ServiceConditionStarted:
			default:
				t.Errorf("%s depends on %s with condition %q", name, dep, d.Condition)
			}
		}
	}
	want := map[string]map[string]string{
		"temporal-schema":    {"mysql": types.ServiceConditionHealthy},
		"temporal":           {"temporal-schema": types.ServiceConditionCompletedSuccessfully},
		"temporal-namespace": {"temporal": types.ServiceConditionHealthy},
		"temporal-ui":        {"temporal": types.ServiceConditionHealthy},
		"migrate":            {"mysql": types.ServiceConditionHealthy},
		"api":                {"migrate": types.ServiceConditionCompletedSuccessfully, "temporal-namespace": types.ServiceConditionCompletedSuccessfully},
		"worker":             {"migrate": types.ServiceConditionCompletedSuccessfully, "temporal-namespace": types.ServiceConditionCompletedSuccessfully},
	}
	for name, deps := range want {
		s := service(t, p, name)
		for dep, cond := range deps {
			if got := s.DependsOn[dep].Condition; got != cond {
				t.Errorf("%s depends on %s with %q, want %q", name, dep, got, cond)
			}
		}
	}
	for _, name := range []string{"mysql", "temporal", "api", "relay-sim"} {
		if hc := service(t, p, name).HealthCheck; hc == nil || len(hc.Test) == 0 {
			t.Errorf("%s has no health check", name)
		}
	}

	if cmd := service(t, p, "migrate").Command; strings.Join(cmd, " ") != "migrate up" {
		t.Errorf("migrate runs %q", cmd)
	}
	api := service(t, p, "api")
	published := false
	for _, port := range api.Ports {
		if port.Target == 8080 && port.Published == "8080" {
			published = true
		}
	}
	if !published {
		t.Errorf("api does not publish 8080: %+v", api.Ports)
	}
	worker := service(t, p, "worker")
	if worker.ContainerName != "" || len(worker.Ports) > 0 {
		t.Errorf("worker has a container name or published ports, so --scale worker=N cannot work")
	}

	for _, name := range []string{"prometheus", "grafana"} {
		if s := service(t, p, name); len(s.Profiles) != 1 || s.Profiles[0] != "observability" {
			t.Errorf("%s profiles %v, want [observability]", name, s.Profiles)
		}
	}
	for _, name := range []string{"api", "worker", "migrate", "mysql", "temporal"} {
		if len(service(t, p, name).Profiles) != 0 {
			t.Errorf("%s is behind a profile; it must start by default", name)
		}
	}

	// Every file the stack mounts from the repository exists.
	for name, s := range p.Services {
		for _, v := range s.Volumes {
			if v.Type != types.VolumeTypeBind {
				continue
			}
			if _, err := os.Stat(v.Source); err != nil {
				t.Errorf("%s mounts %s: %v", name, v.Source, err)
			}
		}
	}
}

// Only the API is published on every interface. The operators' pages (Temporal
// Web, mailpit with every mail the platform sends — password reset links too —,
// the simulator, Prometheus, Grafana) listen on loopback unless OPS_BIND in .env
// publishes them, and the Temporal frontend on loopback whatever it says.
func TestComposePublishesOnlyTheAPIBeyondLoopback(t *testing.T) {
	operators := map[string]uint32{"temporal-ui": 8233, "mailpit": 8025, "relay-sim": 8090, "prometheus": 9090, "grafana": 3000}
	for _, c := range []struct {
		env []string
		ops string // where the operators' pages listen
	}{{[]string{}, "127.0.0.1"}, {[]string{"OPS_BIND=0.0.0.0"}, "0.0.0.0"}} {
		p := loadComposeWith(t, true, c.env)
		seen := map[string]bool{}
		for name, s := range p.Services {
			for _, port := range s.Ports {
				published, _ := strconv.ParseUint(port.Published, 10, 32)
				want := "127.0.0.1"
				switch {
				case name == "api" && port.Target == 8080:
					want = "" // every interface: customers' browsers reach it
				case operators[name] == uint32(published):
					want = c.ops
					seen[name] = true
				}
				if port.HostIP != want {
					t.Errorf("with %v, %s publishes %s:%s→%d; want it on %q", c.env, name, port.HostIP, port.Published, port.Target, want)
				}
			}
		}
		for name := range operators {
			if !seen[name] {
				t.Errorf("with %v, %s publishes no port", c.env, name)
			}
		}
	}
}

// MySQL is sized for a large campaign rather than left at its 128M buffer pool
// and 100M redo log, and an operator sizes it to the host from .env.
func TestComposeMySQLIsSizedForLargeCampaigns(t *testing.T) {
	flags := func(p *types.Project) map[string]string {
		out := map[string]string{}
		for _, a := range service(t, p, "mysql").Command {
			if k, v, ok := strings.Cut(a, "="); ok {
				out[k] = v
			}
		}
		return out
	}
	def := flags(loadCompose(t, true))
	for _, k := range []string{"--innodb-buffer-pool-size", "--innodb-redo-log-capacity"} {
		if def[k] != "1G" {
			t.Errorf("mysql runs with %s=%q by default, want 1G", k, def[k])
		}
	}
	set := flags(loadComposeWith(t, true, []string{"MYSQL_BUFFER_POOL_SIZE=8G", "MYSQL_REDO_LOG_CAPACITY=2G"}))
	if set["--innodb-buffer-pool-size"] != "8G" || set["--innodb-redo-log-capacity"] != "2G" {
		t.Errorf("with MYSQL_BUFFER_POOL_SIZE=8G and MYSQL_REDO_LOG_CAPACITY=2G mysql runs with %q and %q",
			set["--innodb-buffer-pool-size"], set["--innodb-redo-log-capacity"])
	}
	if def["--log-bin-trust-function-creators"] != "1" {
		t.Error("mysql lost --log-bin-trust-function-creators=1, which the migrations' triggers need")
	}
}

// Every container's log is rotated and bounded, so what requests from anywhere
// make the API log cannot fill the host's disk; .env sizes the bound.
func TestComposeLogsAreBounded(t *testing.T) {
	for _, c := range []struct {
		env         []string
		size, files string
	}{{[]string{}, "20m", "5"}, {[]string{"LOG_MAX_SIZE=100m", "LOG_MAX_FILES=3"}, "100m", "3"}} {
		p := loadComposeWith(t, true, c.env)
		for name, s := range p.Services {
			l := s.Logging
			if l == nil || l.Driver != "json-file" || l.Options["max-size"] != c.size || l.Options["max-file"] != c.files {
				t.Errorf("with %v, %s logs with %+v; want json-file rotated at %s × %s", c.env, name, l, c.size, c.files)
			}
		}
	}
}

// The SENDINGO_* settings the stack passes are ones the binary reads.
func TestComposeSettingsAreKnown(t *testing.T) {
	known := map[string]bool{}
	for _, v := range config.Vars {
		known[v.Name] = true
	}
	p := loadCompose(t, true)
	n := 0
	for name, s := range p.Services {
		for k := range s.Environment {
			if strings.HasPrefix(k, "SENDINGO_") {
				n++
				if !known[k] {
					t.Errorf("%s sets %s, which config.Vars does not list (the binary would ignore it)", name, k)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no SENDINGO_* settings found: was the file loaded?")
	}
}

// No secret is committed in clear: each is read from the environment, and its
// fallback says it is for local use only.
func TestComposeSecretsAreLocalOnly(t *testing.T) {
	secret := regexp.MustCompile(`(?i)(PASSWORD|PWD|SECRET|TOKEN|DSN|API_?KEY)`)
	raw := loadCompose(t, false)
	resolved := loadCompose(t, true)
	n := 0
	for name, s := range raw.Services {
		for k, v := range s.Environment {
			if !secret.MatchString(k) || v == nil {
				continue
			}
			n++
			if !strings.Contains(*v, "${") {
				t.Errorf("%s: %s is written in clear (%q); read it from the environment with a local-only default", name, k, *v)
				continue
			}
			r := resolved.Services[name].Environment[k]
			if r == nil || !strings.Contains(*r, "local-only") {
				t.Errorf("%s: %s falls back to %v, which does not say it is local-only", name, k, r)
			}
		}
	}
	if n == 0 {
		t.Fatal("found no secret settings to check")
	}
}

// The Grafana dashboard the observability profile provisions has the panels
// operators look for.
func TestComposeDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "deploy", "grafana", "dashboards", "sendingo.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Campaign throughput", "Message outcomes", "Relays: latency, faults and circuit state",
		"HTTP latency", "HTTP errors", "Temporal task schedule-to-start latency",
		"Messages sent by outcome (worker", "Open circuits", "Relay call latency", "Worker: activity schedule-to-start"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("dashboard lacks the panel %q", want)
		}
	}
}

// Prometheus scrapes the API and every worker replica where they serve
// /metrics, and the worker's health check asks its /healthz there.
func TestComposePrometheusScrapesAPIAndWorkers(t *testing.T) {
	p := loadCompose(t, true)
	b, err := os.ReadFile(filepath.Join("..", "deploy", "prometheus", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		ScrapeConfigs []struct {
			JobName     string `yaml:"job_name"`
			MetricsPath string `yaml:"metrics_path"`
			DNSSD       []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(b, &conf); err != nil {
		t.Fatal(err)
	}
	scraped := map[string]int{} // service → port
	for _, sc := range conf.ScrapeConfigs {
		for _, sd := range sc.DNSSD {
			for _, n := range sd.Names {
				if sc.MetricsPath == "/metrics" {
					scraped[n] = sd.Port
				}
			}
		}
	}
	for svc, variable := range map[string]string{"api": "SENDINGO_HTTP_ADDR", "worker": "SENDINGO_WORKER_METRICS_ADDR"} {
		env := service(t, p, svc).Environment
		addr := env[variable]
		if addr == nil {
			t.Errorf("%s does not set %s", svc, variable)
			continue
		}
		if want := ":" + strconv.Itoa(scraped[svc]); scraped[svc] == 0 || *addr != want {
			t.Errorf("Prometheus scrapes %s on port %d; it serves /metrics on %s=%q", svc, scraped[svc], variable, *addr)
		}
		if env["SENDINGO_MYSQL_DSN"] == nil {
			t.Errorf("%s lost the shared settings (no SENDINGO_MYSQL_DSN)", svc)
		}
	}
	hc := service(t, p, "worker").HealthCheck
	if hc == nil || !strings.Contains(strings.Join(hc.Test, " "), ":9090/healthz") {
		t.Errorf("the worker's health check does not ask :9090/healthz: %+v", hc)
	}
}
