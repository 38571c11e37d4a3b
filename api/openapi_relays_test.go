package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sendingo/sendingo/api"
	"github.com/sendingo/sendingo/relay"
)

// The settings api/openapi.yaml documents for each relay kind are the ones the
// relay registry validates with: components.schemas.RelayConfig.<kind> is
// relay.Kind.Schema(), and RelayInput lists every kind. On a drift the failure
// shows the YAML to paste.
func TestOpenAPIRelayConfigSchemasAreTheRegistrys(t *testing.T) {
	var spec struct {
		Components struct {
			Schemas map[string]any `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(api.OpenAPISpec(), &spec); err != nil {
		t.Fatal(err)
	}
	schemas := spec.Components.Schemas
	var names []string
	for _, k := range relay.Kinds {
		names = append(names, k.Name)
		name := "RelayConfig." + k.Name
		if got, want := canonical(t, schemas[name]), canonical(t, k.Schema()); got != want {
			var buf bytes.Buffer
			enc := yaml.NewEncoder(&buf)
			enc.SetIndent(2)
			_ = enc.Encode(map[string]any{name: k.Schema()})
			t.Errorf("components.schemas.%s differs from relay.KindOf(%q).Schema(); it should read\n%s", name, k.Name, buf.String())
		}
	}
	input := canonical(t, schemas["RelayInput"])
	var in struct {
		Properties struct {
			Kind   struct{ Enum []string }
			Config struct {
				AnyOf []struct {
					Ref string `json:"$ref"`
				} `json:"anyOf"`
			}
		}
	}
	if err := json.Unmarshal([]byte(input), &in); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.Properties.Kind.Enum, names) {
		t.Errorf("RelayInput.kind enum %v, registry %v", in.Properties.Kind.Enum, names)
	}
	var refs []string
	for _, r := range in.Properties.Config.AnyOf {
		refs = append(refs, r.Ref)
	}
	var want []string
	for _, n := range names {
		want = append(want, "#/components/schemas/RelayConfig."+n)
	}
	if !slices.Equal(refs, want) {
		t.Errorf("RelayInput.config anyOf %v, want %v", refs, want)
	}
}

// canonical is v as JSON with sorted keys.
func canonical(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var back any
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	b, _ = json.Marshal(back)
	return string(b)
}
