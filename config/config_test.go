package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/testenv/testca"
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

// The public development secret signs tokens only in dev mode; outside it the
// api and worker refuse to start, and say what to set.
func TestCheckSecretsRefusesTheDevelopmentSecretOutsideDevMode(t *testing.T) {
	env := func(vars map[string]string) Config {
		t.Helper()
		c, err := Load(func(k string) string { return vars[k] })
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	strong := "a-production-secret-of-at-least-32-chars"
	for _, tc := range []struct {
		name    string
		vars    map[string]string
		refused string // part of the refusal; "" when accepted
	}{
		{"no secret, not dev", nil, "SENDINGO_JWT_SECRET is not set"},
		{"the development secret spelled out, not dev", map[string]string{"SENDINGO_JWT_SECRET": DevJWTSecret}, "SENDINGO_JWT_SECRET is not set"},
		{"no secret, dev mode", map[string]string{"SENDINGO_DEV": "true"}, ""},
		{"a short secret", map[string]string{"SENDINGO_JWT_SECRET": "short-secret"}, "at least 32 characters"},
		{"a real secret", map[string]string{"SENDINGO_JWT_SECRET": strong}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := env(tc.vars).CheckSecrets()
			switch {
			case tc.refused == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refused != "" && (err == nil || !strings.Contains(err.Error(), tc.refused)):
				t.Fatalf("CheckSecrets() = %v, want a refusal saying %q", err, tc.refused)
			}
		})
	}
}

// SENDINGO_MYSQL_TLS_CA switches the DSN to TLS checked against it, whatever
// weaker tls parameter the DSN had; it refuses a DSN that says tls=false and a
// value that holds no certificate.
func TestMySQLTLSCA(t *testing.T) {
	caPEM := string(testca.New(t, "ca").PEM)
	load := func(dsn, ca string) (Config, error) {
		return Load(func(k string) string {
			return map[string]string{"SENDINGO_MYSQL_DSN": dsn, "SENDINGO_MYSQL_TLS_CA": ca}[k]
		})
	}
	for _, dsn := range []string{"app:pw@tcp(db.example:3306)/sendingo", "app:pw@tcp(db.example:3306)/sendingo?tls=skip-verify",
		"app:pw@tcp(db.example:3306)/sendingo?tls=preferred"} {
		c, err := load(dsn, caPEM)
		if err != nil {
			t.Fatalf("%s: %v", dsn, err)
		}
		if !strings.Contains(c.MySQLDSN, "tls="+MySQLTLSName) || strings.Contains(c.MySQLDSN, "skip-verify") || strings.Contains(c.MySQLDSN, "preferred") {
			t.Errorf("%s became %s, want tls=%s alone", dsn, c.MySQLDSN, MySQLTLSName)
		}
	}
	if c, err := load("app:pw@tcp(db.example:3306)/sendingo?tls=skip-verify", ""); err != nil || !strings.Contains(c.MySQLDSN, "tls=skip-verify") {
		t.Errorf("without the variable the DSN changed: %s (%v)", c.MySQLDSN, err)
	}
	if _, err := load("app:pw@tcp(db.example:3306)/sendingo?tls=false", caPEM); err == nil || !strings.Contains(err.Error(), "tls=false") {
		t.Errorf("tls=false with a CA: %v", err)
	}
	if _, err := load("app:pw@tcp(db.example:3306)/sendingo", "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----"); err == nil ||
		!strings.Contains(err.Error(), "SENDINGO_MYSQL_TLS_CA") {
		t.Errorf("a CA that is no certificate: %v", err)
	}
}
