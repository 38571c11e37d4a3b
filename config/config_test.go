package config

import (
	"strings"
	"testing"
)

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
