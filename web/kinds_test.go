package web

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/sendingo/sendingo/relay"
)

// The console's relay editor draws each kind's form from `kinds` in
// src/features/relays/lib/kinds.ts. It is written from relay.Kinds, the one
// registry of relay kinds, and must say what the registry says: the channels,
// the field whose change asks for the secrets again, and each setting's name,
// widget and whether it is required. A kind or setting added to the registry
// fails here until the console knows it.
func TestConsoleRelayKindsAreTheRegistrys(t *testing.T) {
	src, err := os.ReadFile("src/features/relays/lib/kinds.ts")
	if err != nil {
		t.Fatal(err)
	}
	const open = "export const kinds: Record<string, KindSpec> = {\n"
	text := string(src)
	start := strings.Index(text, open)
	end := strings.Index(text[max(start, 0):], "\n};\n")
	if start < 0 || end < 0 {
		t.Fatalf("kinds.ts has no %q … \"};\" block", strings.TrimSpace(open))
	}
	got := text[start : start+end+len("\n};\n")]
	if want := consoleKinds(); got != want {
		t.Errorf("kinds.ts differs from relay.Kinds; its kinds block should read:\n%s", want)
	}
}

// consoleKinds is the kinds block of kinds.ts as relay.Kinds has it.
func consoleKinds() string {
	var b strings.Builder
	b.WriteString("export const kinds: Record<string, KindSpec> = {\n")
	for _, k := range relay.Kinds {
		key := k.Name
		if strings.Contains(key, "-") {
			key = "'" + key + "'"
		}
		channels := make([]string, len(k.Channels))
		for i, c := range k.Channels {
			channels[i] = "'" + string(c) + "'"
		}
		endpoint := "base_url"
		for _, s := range k.Settings {
			if s.Name == "host" {
				endpoint = "host"
			}
		}
		fmt.Fprintf(&b, "  %s: {\n    channels: [%s],\n    endpoint: '%s',\n    fields: [\n", key, strings.Join(channels, ", "), endpoint)
		for _, s := range k.Settings {
			required := ""
			if s.Required {
				required = ", required: true"
			}
			fmt.Fprintf(&b, "      { name: '%s', type: '%s'%s },\n", s.Name, widget(s), required)
		}
		b.WriteString("    ],\n  },\n")
	}
	b.WriteString("};\n")
	return b.String()
}

// widget is the form control the console draws for a setting (kinds.ts FieldType).
func widget(s relay.Setting) string {
	switch {
	case s.Secret:
		return "secret"
	case len(s.Enum) > 0:
		return s.Name // one control per enumerated setting ("tls")
	case s.Type == "integer":
		return "number"
	case s.Type == "boolean":
		return "bool"
	case s.Name == "base_url":
		return "url"
	}
	return "text"
}
