package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// SENDINGO_ALLOW_PRIVATE_HOSTS is a comma-separated list of host:port pairs; a
// malformed entry stops the start with the variable's name.
func TestAllowPrivateHosts(t *testing.T) {
	c, err := Load(env(map[string]string{"SENDINGO_ALLOW_PRIVATE_HOSTS": " 127.0.0.1:8090, relay.internal:443 ,"}))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.AllowPrivateHosts, "|") != "127.0.0.1:8090|relay.internal:443" {
		t.Fatalf("AllowPrivateHosts %q", c.AllowPrivateHosts)
	}
	g, err := c.Egress()
	if err != nil || !g.Allowed("relay.internal", 443) || g.Allowed("relay.internal", 80) || g.Allowed("127.0.0.1", 3306) {
		t.Fatalf("guard %v %v", g.List(), err)
	}
	if c, _ := Load(env(nil)); len(c.AllowPrivateHosts) != 0 {
		t.Fatalf("default allows %q", c.AllowPrivateHosts)
	}
	for _, bad := range []string{"127.0.0.1", "10.0.0.1:http", "host:70000"} {
		if _, err := Load(env(map[string]string{"SENDINGO_ALLOW_PRIVATE_HOSTS": bad})); err == nil || !strings.Contains(err.Error(), "SENDINGO_ALLOW_PRIVATE_HOSTS") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	found := false
	for _, v := range Vars {
		found = found || v.Name == "SENDINGO_ALLOW_PRIVATE_HOSTS"
	}
	if !found {
		t.Error("Vars does not list SENDINGO_ALLOW_PRIVATE_HOSTS")
	}
}

// SMTP credentials: a username and a password (inline or from a file) go
// together; the file's trailing line break is not part of the password.
func TestSMTPCredentials(t *testing.T) {
	c, err := Load(env(map[string]string{"SENDINGO_SMTP_USERNAME": "AKIAUSER", "SENDINGO_SMTP_PASSWORD": "pa ss"}))
	if err != nil || c.SMTPUsername != "AKIAUSER" || c.SMTPPassword != "pa ss" {
		t.Fatalf("inline: %q %q %v", c.SMTPUsername, c.SMTPPassword, err)
	}
	file := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(file, []byte("from-a-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err = Load(env(map[string]string{"SENDINGO_SMTP_USERNAME": "AKIAUSER", "SENDINGO_SMTP_PASSWORD_FILE": file}))
	if err != nil || c.SMTPPassword != "from-a-file" {
		t.Fatalf("file: %q %v", c.SMTPPassword, err)
	}
	if c, err := Load(env(nil)); err != nil || c.SMTPUsername != "" || c.SMTPPassword != "" {
		t.Fatalf("default: %q %q %v", c.SMTPUsername, c.SMTPPassword, err)
	}
	for name, vars := range map[string]map[string]string{
		"SENDINGO_SMTP_PASSWORD_FILE": {"SENDINGO_SMTP_USERNAME": "u", "SENDINGO_SMTP_PASSWORD_FILE": filepath.Join(t.TempDir(), "missing")},
		"are both set":                {"SENDINGO_SMTP_USERNAME": "u", "SENDINGO_SMTP_PASSWORD": "p", "SENDINGO_SMTP_PASSWORD_FILE": file},
		"go together":                 {"SENDINGO_SMTP_USERNAME": "u"},
	} {
		if _, err := Load(env(vars)); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%v: %v, want an error naming %q", vars, err, name)
		}
	}
	if _, err := Load(env(map[string]string{"SENDINGO_SMTP_PASSWORD": "p"})); err == nil || !strings.Contains(err.Error(), "SENDINGO_SMTP_USERNAME") {
		t.Errorf("a password alone: %v", err)
	}
}
