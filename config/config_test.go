package config

import (
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
