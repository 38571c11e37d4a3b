package infra

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// TerraformVersion is the Terraform release sendingo pins: the last one under the
// MPL, which `go build` makes from the module proxy alone (tools/terraform/go.mod).
const TerraformVersion = "v1.5.7"

const terraformPackage = "github.com/hashicorp/terraform"

// FindTerraform returns the terraform binary `sendingo infra` and the tests run:
//   - $SENDINGO_TERRAFORM when set (it must exist);
//   - terraform on PATH;
//   - the pinned build: .bin/terraform in the source tree, built from
//     tools/terraform/go.mod on first use (go.sum-verified), or outside a source
//     tree `go install ...@v1.5.7` into the user cache directory.
//
// logf reports a build, which takes minutes on a small machine.
func FindTerraform(ctx context.Context, logf func(format string, args ...any)) (string, error) {
	if p := os.Getenv("SENDINGO_TERRAFORM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("SENDINGO_TERRAFORM=%s: %w", p, err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("terraform"); err == nil {
		return p, nil
	}
	return PinnedTerraform(ctx, logf)
}

// PinnedTerraform returns the pinned terraform, building it when missing.
func PinnedTerraform(ctx context.Context, logf func(format string, args ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if root, ok := sourceRoot(); ok {
		bin := filepath.Join(root, ".bin", "terraform")
		if _, err := os.Stat(bin); err == nil {
			return bin, nil
		}
		logf("building the pinned terraform %s into %s (first use only, a few minutes)", TerraformVersion, bin)
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, terraformPackage)
		cmd.Dir = filepath.Join(root, "tools", "terraform")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build terraform %s: %w\n%s", TerraformVersion, err, out)
		}
		return bin, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	gobin := filepath.Join(cache, "sendingo", "terraform-"+TerraformVersion)
	bin := filepath.Join(gobin, "terraform")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	logf("installing the pinned terraform %s into %s (first use only, a few minutes)", TerraformVersion, gobin)
	cmd := exec.CommandContext(ctx, "go", "install", terraformPackage+"@"+TerraformVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+gobin)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install terraform %s: %w\n%s", TerraformVersion, err, out)
	}
	return bin, nil
}

// sourceRoot finds the sendingo source tree (the one whose tools/terraform/go.mod
// pins terraform) above the working directory.
func sourceRoot() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "tools", "terraform", "go.mod"))
		if err == nil && strings.Contains(string(b), terraformPackage+" "+TerraformVersion) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// DefaultDir finds infra/terraform above the working directory, so `sendingo
// infra` works from anywhere in the source tree.
func DefaultDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "infra", "terraform", "envs")
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return filepath.Dir(p), nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no infra/terraform/envs above the working directory: run from the source tree or pass --dir")
		}
		dir = parent
	}
}
