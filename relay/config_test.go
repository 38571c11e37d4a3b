package relay

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// validConfigs holds one working configuration per kind, with recognisable secrets.
var validConfigs = map[string]string{
	KindAligoAlimTalk: `{"base_url":"https://kakaoapi.aligo.in","apikey":"SECRET-ALIGO-API-KEY","userid":"shop","senderkey":"sk-123","sender":"02-1234-5678","test_mode":true}`,
	KindAligoSMS:      `{"key":"SECRET-ALIGO-SMS-KEY","user_id":"shop","sender":"0212345678"}`,
	KindSMTP:          `{"host":"smtp.example.com","port":587,"username":"mailer","password":"SECRET-SMTP-PASSWORD","from":"샵 <shop@example.com>","tls":"starttls"}`,
	KindHTTP:          `{"base_url":"https://relay.example.com/v1","token":"SECRET-HTTP-TOKEN","from":"0212345678"}`,
	KindSimulator:     `{"base_url":"http://127.0.0.1:8090","name":"sim-a"}`,
}

func TestKinds(t *testing.T) {
	if len(Kinds) != len(validConfigs) {
		t.Fatalf("%d kinds, %d test configs", len(Kinds), len(validConfigs))
	}
	for _, k := range Kinds {
		if len(k.Settings) == 0 {
			t.Errorf("kind %s has no settings", k.Name)
		}
		if len(k.Secrets) == 0 {
			t.Errorf("kind %s has no secret", k.Name)
		}
		for _, s := range k.Secrets {
			if !k.Setting(s).Secret {
				t.Errorf("kind %s: secret %q is not a secret setting", k.Name, s)
			}
		}
	}
	if k, _ := KindOf(KindAligoSMS); !k.Carries(ChannelLMS) || k.Carries(ChannelAlimTalk) {
		t.Error("aligo-sms channels are wrong")
	}
}

func TestValidateConfigAcceptsValid(t *testing.T) {
	for kind, raw := range validConfigs {
		if probs := ValidateConfig(kind, json.RawMessage(raw)); len(probs) != 0 {
			t.Errorf("%s: %v", kind, probs)
		}
	}
}

func TestValidateConfigNamesEveryBadField(t *testing.T) {
	cases := []struct {
		kind, raw string
		want      []string
	}{
		{KindAligoAlimTalk, `{}`, []string{"config.apikey is required", "config.userid is required", "config.senderkey is required", "config.sender is required"}},
		{KindAligoAlimTalk, `{"apikey":"k","userid":"u","senderkey":"s","sender":"call me","base_url":"ftp://x"}`,
			[]string{"config.sender must be a phone number (digits and dashes)", "config.base_url must be an http:// or https:// URL"}},
		{KindAligoAlimTalk, `{"apikey":1,"userid":"u","senderkey":"s","sender":"0212345678","test_mode":"yes"}`,
			[]string{"config.apikey must be a string", "config.test_mode must be true or false"}},
		{KindAligoSMS, `{"key":"k","user_id":"u","sender":"0212345678","api_key":"oops"}`,
			[]string{"config.api_key is not a setting of aligo-sms relays"}},
		{KindSMTP, `{"host":"smtp.example.com:25","port":70000,"from":"nobody","tls":"ssl","password":"p"}`,
			[]string{"config.host must be a host name or address, without scheme or port", "config.port must be between 1 and 65535",
				"config.from must be an e-mail address", "config.tls must be one of starttls, tls, none", "config.username is required when a password is set"}},
		{KindSMTP, `{"host":"h","from":"a@b.c","port":"25"}`, []string{"config.port must be a whole number"}},
		{KindHTTP, `{"token":"t"}`, []string{"config.base_url is required"}},
		{KindSimulator, `{"base_url":"http://x","name":"a b"}`, []string{"config.name must be 1 to 64 letters, digits, dots, dashes or underscores"}},
		{KindSimulator, `[1,2]`, []string{"config must be a JSON object"}},
		{"carrier-pigeon", `{}`, []string{"kind must be one of aligo-alimtalk, aligo-sms, smtp, http, simulator"}},
	}
	for _, c := range cases {
		probs := ValidateConfig(c.kind, json.RawMessage(c.raw))
		var got []string
		for _, p := range probs {
			got = append(got, p.String())
		}
		for _, w := range c.want {
			found := false
			for _, g := range got {
				found = found || g == w
			}
			if !found {
				t.Errorf("%s %s: missing %q in %q", c.kind, c.raw, w, got)
			}
		}
		if len(got) != len(c.want) {
			t.Errorf("%s %s: got %q, want %q", c.kind, c.raw, got, c.want)
		}
	}
}

func TestRedactRemovesEverySecret(t *testing.T) {
	for _, k := range Kinds {
		raw := validConfigs[k.Name]
		// Every secret field of the kind gets a value, plus a mistyped field and a
		// URL with credentials.
		var obj map[string]any
		if err := json.Unmarshal([]byte(raw), &obj); err != nil {
			t.Fatal(err)
		}
		secrets := []string{"SECRET-MISTYPED", "SECRET-URL-PASSWORD"}
		for _, s := range k.Secrets {
			obj[s] = "SECRET-" + strings.ToUpper(s) + "-VALUE"
			secrets = append(secrets, obj[s].(string))
		}
		obj["api_key"] = "SECRET-MISTYPED"
		if _, ok := obj["base_url"]; ok || k.Name == KindHTTP {
			obj["base_url"] = "https://user:SECRET-URL-PASSWORD@relay.example.com/x?key=SECRET-URL-PASSWORD"
		}
		full, _ := json.Marshal(obj)
		red := string(Redact(k.Name, full))
		for _, s := range secrets {
			if strings.Contains(red, s) {
				t.Errorf("%s: redacted config still holds %q: %s", k.Name, s, red)
			}
		}
		var back map[string]any
		if err := json.Unmarshal([]byte(red), &back); err != nil {
			t.Fatalf("%s: redacted config is not JSON: %v", k.Name, err)
		}
		for _, s := range k.Secrets {
			if back[s] != Mask {
				t.Errorf("%s: %s = %v, want the mask", k.Name, s, back[s])
			}
		}
	}
	// Non-secrets stay readable.
	red := Redact(KindSMTP, json.RawMessage(validConfigs[KindSMTP]))
	var back map[string]any
	_ = json.Unmarshal(red, &back)
	if back["host"] != "smtp.example.com" || back["username"] != "mailer" || back["port"] != json.Number("587") && back["port"] != 587.0 {
		t.Errorf("redact changed non-secrets: %s", red)
	}
	// Unknown kinds and garbage reveal nothing.
	if got := string(Redact("nope", json.RawMessage(`{"anything":"SECRET"}`))); strings.Contains(got, "SECRET") {
		t.Errorf("unknown kind: %s", got)
	}
	if got := string(Redact(KindHTTP, json.RawMessage(`not json SECRET`))); got != "{}" {
		t.Errorf("garbage: %s", got)
	}
}

func TestMergeSecrets(t *testing.T) {
	old := json.RawMessage(validConfigs[KindAligoAlimTalk])
	updated := Redact(KindAligoAlimTalk, old)
	// The operator changes the user id and sends the masked key back.
	var obj map[string]any
	_ = json.Unmarshal(updated, &obj)
	obj["userid"] = "shop2"
	updated, _ = json.Marshal(obj)
	merged, probs, err := MergeSecrets(KindAligoAlimTalk, old, updated)
	if err != nil || len(probs) > 0 {
		t.Fatal(err, probs)
	}
	var c AligoAlimTalkConfig
	if err := json.Unmarshal(merged, &c); err != nil {
		t.Fatal(err)
	}
	if c.APIKey != "SECRET-ALIGO-API-KEY" || c.UserID != "shop2" {
		t.Errorf("merged = %+v", c)
	}
	// A new secret replaces the old one.
	merged, _, _ = MergeSecrets(KindAligoAlimTalk, old, json.RawMessage(`{"apikey":"new","userid":"u","senderkey":"s","sender":"0212345678"}`))
	_ = json.Unmarshal(merged, &c)
	if c.APIKey != "new" {
		t.Errorf("new key lost: %+v", c)
	}
}

func TestNewBuildsEveryKind(t *testing.T) {
	for _, k := range Kinds {
		s, err := New(k.Name, json.RawMessage(validConfigs[k.Name]), Options{})
		if err != nil {
			t.Fatalf("%s: %v", k.Name, err)
		}
		if s.MaxBatch() != k.MaxBatch {
			t.Errorf("%s: MaxBatch %d, kind says %d", k.Name, s.MaxBatch(), k.MaxBatch)
		}
		_, reports := s.(ReportFetcher)
		_, lookup := s.(Looker)
		if reports != k.Reports || lookup != k.Lookup {
			t.Errorf("%s: reports %v lookup %v, kind says %v %v", k.Name, reports, lookup, k.Reports, k.Lookup)
		}
	}
	_, err := New(KindAligoSMS, json.RawMessage(`{"key":"SECRET"}`), Options{})
	var ce *ConfigError
	if !errors.As(err, &ce) || len(ce.Problems) != 2 {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Error("the config error quotes a secret")
	}
}

// Each kind's settings are its configuration struct's fields: the same JSON
// names, in the same order, of the same types.
func TestKindSettingsAreTheConfigStructs(t *testing.T) {
	types := map[reflect.Kind]string{reflect.String: typeString, reflect.Int: typeInt, reflect.Bool: typeBool}
	for _, k := range Kinds {
		var fields []string
		for f := range k.Config.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fields = append(fields, name+":"+types[f.Type.Kind()])
		}
		var settings []string
		for _, s := range k.Settings {
			settings = append(settings, s.Name+":"+s.Type)
		}
		if !slices.Equal(fields, settings) {
			t.Errorf("%s: struct %s has %v, settings %v", k.Name, k.Config.Name(), fields, settings)
		}
	}
}
