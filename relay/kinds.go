package relay

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// Kind is everything about one relay kind, in one entry of Kinds: what it can
// do, its settings (the configuration struct, each field's type, whether it is
// required or a secret, its default), how to check them, the JSON schema the API
// documents them with (Schema; api/openapi.yaml carries the same, which a test
// holds it to), and how to build the adapter.
type Kind struct {
	Name     string
	Channels []Channel // channels the kind can carry
	Secrets  []string  // configuration fields that are credentials (from Settings)
	MaxBatch int       // messages per Send
	// Reports: the adapter implements ReportFetcher (delivery reports come later).
	// Without it, Send's answer is final (SMTP answers Delivered).
	Reports bool
	// Lookup: the adapter implements Looker (see each adapter for how exact it is).
	Lookup bool
	// Idempotent: the relay honours our idempotency key, so resending a message it
	// may already have is safe.
	Idempotent bool
	// ReportsByID: its delivery reports name our message id, so a message it
	// took without answering (held in doubt) is still settled by its report.
	// Aligo's reports are asked for by the request id of an answered send (mid),
	// and SMTP sends none.
	ReportsByID bool
	// Settings are the fields of the kind's configuration, in the order problems
	// are reported; their names are the configuration struct's JSON names.
	Settings []Setting
	// Config is the configuration struct's type (AligoAlimTalkConfig, …).
	Config reflect.Type

	crossCheck func(obj map[string]any) []FieldProblem // checks across fields
	build      func(raw json.RawMessage, opts Options) (Sender, error)
}

// Setting is one field of a relay kind's configuration.
type Setting struct {
	Name        string
	Type        string // "string", "integer" or "boolean", as in JSON schema
	Required    bool
	Secret      bool     // a credential: masked in answers and logs
	Default     any      // what an absent value means, when it means one value
	Enum        []string // the values allowed, when they are few
	Description string
	check       func(v any) string // a problem with a present value of the right type
}

const (
	typeString = "string"
	typeInt    = "integer"
	typeBool   = "boolean"
)

// kind makes the Kinds entry of configuration C, built by newC.
func kind[C any](k Kind, newC func(C, Options) Sender) Kind {
	k.Config = reflect.TypeFor[C]()
	for _, s := range k.Settings {
		if s.Secret {
			k.Secrets = append(k.Secrets, s.Name)
		}
	}
	k.build = func(raw json.RawMessage, opts Options) (Sender, error) {
		var c C
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("read %s relay configuration: %w", k.Name, err)
		}
		return newC(c, opts), nil
	}
	return k
}

var (
	baseURLSetting = func(def string) Setting {
		if def == "" {
			return Setting{Name: "base_url", Type: typeString, Required: true, check: checkURL,
				Description: "The relay's API, http(s)://host[:port][/path]"}
		}
		return Setting{Name: "base_url", Type: typeString, Default: def, check: checkURL,
			Description: "The provider's API; change it only for a test server"}
	}
	testModeSetting = Setting{Name: "test_mode", Type: typeBool, Default: false,
		Description: "Aligo's test mode: calls are checked and answered, nothing is sent"}
	tokenSetting = Setting{Name: "token", Type: typeString, Secret: true,
		Description: `Sent as "Authorization: Bearer <token>"`}
	fromSetting = Setting{Name: "from", Type: typeString,
		Description: "The from of every message: a calling number or an e-mail address"}
)

// Kinds lists every relay kind.
var Kinds = []Kind{
	kind(Kind{Name: KindAligoAlimTalk, Channels: []Channel{ChannelAlimTalk},
		MaxBatch: aligoMaxBatch, Reports: true, Lookup: true,
		Settings: []Setting{
			baseURLSetting(AligoAlimTalkBaseURL),
			{Name: "apikey", Type: typeString, Required: true, Secret: true, Description: "Aligo API key"},
			{Name: "userid", Type: typeString, Required: true, Description: "Aligo user ID"},
			{Name: "senderkey", Type: typeString, Required: true,
				Description: "Kakao channel sender profile key; a template's own sender key overrides it"},
			{Name: "sender", Type: typeString, Required: true, check: checkPhone,
				Description: "Registered calling number, used by Aligo's SMS failover"},
			testModeSetting,
		}}, func(c AligoAlimTalkConfig, o Options) Sender { return NewAligoAlimTalk(c, o) }),
	kind(Kind{Name: KindAligoSMS, Channels: []Channel{ChannelSMS, ChannelLMS},
		MaxBatch: aligoMaxBatch, Reports: true, Lookup: true,
		Settings: []Setting{
			baseURLSetting(AligoSMSBaseURL),
			{Name: "key", Type: typeString, Required: true, Secret: true, Description: "Aligo API key"},
			{Name: "user_id", Type: typeString, Required: true, Description: "Aligo user ID"},
			{Name: "sender", Type: typeString, Required: true, check: checkPhone, Description: "Registered calling number"},
			testModeSetting,
		}}, func(c AligoSMSConfig, o Options) Sender { return NewAligoSMS(c, o) }),
	kind(Kind{Name: KindSMTP, Channels: []Channel{ChannelEmail}, MaxBatch: smtpMaxBatch,
		Settings: []Setting{
			{Name: "host", Type: typeString, Required: true, check: checkHost,
				Description: "Mail server host name or address, without scheme or port"},
			{Name: "port", Type: typeInt, check: checkPort,
				Description: "Default 587 (starttls), 465 (tls), 25 (none)"},
			{Name: "username", Type: typeString, Description: "Required when a password is set"},
			{Name: "password", Type: typeString, Secret: true},
			{Name: "from", Type: typeString, Required: true, check: checkAddress, Description: `"Name <addr>" or "addr"`},
			{Name: "tls", Type: typeString, Default: "starttls", Enum: []string{"starttls", "tls", "none"},
				check: checkOneOf("starttls", "tls", "none"),
				Description: "starttls: upgrade when the server offers it, and never send a password in clear text; " +
					"tls: implicit TLS (port 465); none: never (a local mail catcher)"},
		},
		crossCheck: func(obj map[string]any) []FieldProblem {
			if obj["password"] != nil && obj["password"] != "" && (obj["username"] == nil || obj["username"] == "") {
				return []FieldProblem{{"config.username", "is required when a password is set"}}
			}
			return nil
		}}, func(c SMTPConfig, o Options) Sender { return NewSMTP(c, o) }),
	kind(Kind{Name: KindHTTP, Channels: []Channel{ChannelAlimTalk, ChannelSMS, ChannelLMS, ChannelEmail},
		MaxBatch: httpMaxBatch, Reports: true, Lookup: true, Idempotent: true, ReportsByID: true,
		Settings: []Setting{baseURLSetting(""), tokenSetting, fromSetting},
	}, func(c HTTPConfig, o Options) Sender { return NewHTTP(c, o) }),
	kind(Kind{Name: KindSimulator, Channels: []Channel{ChannelAlimTalk, ChannelSMS, ChannelLMS, ChannelEmail},
		MaxBatch: httpMaxBatch, Reports: true, Lookup: true, Idempotent: true, ReportsByID: true,
		Settings: []Setting{
			baseURLSetting(""),
			{Name: "name", Type: typeString, Required: true, check: checkSimName,
				Description: "The simulator counts per name: /r/{name}/…"},
			tokenSetting, fromSetting,
		}}, func(c SimulatorConfig, o Options) Sender { return NewSimulator(c, o) }),
}

// KindOf returns the Kind named name.
func KindOf(name string) (Kind, bool) {
	for _, k := range Kinds {
		if k.Name == name {
			return k, true
		}
	}
	return Kind{}, false
}

// Carries reports whether the kind can carry channel c.
func (k Kind) Carries(c Channel) bool { return slices.Contains(k.Channels, c) }

// Setting returns the kind's setting name (the zero Setting if it has none).
func (k Kind) Setting(name string) Setting {
	for _, s := range k.Settings {
		if s.Name == name {
			return s
		}
	}
	return Setting{}
}

// Schema is the JSON schema of the kind's configuration, as api/openapi.yaml
// documents it (components.schemas.RelayConfig.<kind>). Secrets carry
// x-secret: true.
func (k Kind) Schema() map[string]any {
	props := map[string]any{}
	required := []any{}
	for _, s := range k.Settings {
		p := map[string]any{"type": s.Type}
		if s.Description != "" {
			p["description"] = s.Description
		}
		if s.Default != nil {
			p["default"] = s.Default
		}
		if len(s.Enum) > 0 {
			enum := make([]any, len(s.Enum))
			for i, e := range s.Enum {
				enum[i] = e
			}
			p["enum"] = enum
		}
		if s.Secret {
			p["x-secret"] = true
		}
		props[s.Name] = p
		if s.Required {
			required = append(required, s.Name)
		}
	}
	out := map[string]any{
		"type":                 "object",
		"description":          fmt.Sprintf("Settings of the %s relay kind, which carries %s.", k.Name, channelList(k.Channels)),
		"additionalProperties": false,
		"properties":           props,
	}
	if len(required) > 0 {
		out["required"] = required
	}
	return out
}

func channelList(cs []Channel) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = string(c)
	}
	return strings.Join(s, ", ")
}
