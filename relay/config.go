package relay

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/sendingo/sendingo/egress"
)

// The relay kinds.
const (
	KindAligoAlimTalk = "aligo-alimtalk"
	KindAligoSMS      = "aligo-sms"
	KindSMTP          = "smtp"
	KindHTTP          = "http"
	KindSimulator     = "simulator"
)

// AligoAlimTalkConfig configures an aligo-alimtalk relay.
type AligoAlimTalkConfig struct {
	BaseURL   string `json:"base_url,omitempty"` // default https://kakaoapi.aligo.in
	APIKey    string `json:"apikey"`
	UserID    string `json:"userid"`
	SenderKey string `json:"senderkey"` // Kakao channel sender profile key; a Message's SenderKey overrides it
	Sender    string `json:"sender"`    // registered calling number, used by Aligo's SMS failover
	TestMode  bool   `json:"test_mode,omitempty"`
}

// AligoSMSConfig configures an aligo-sms relay.
type AligoSMSConfig struct {
	BaseURL  string `json:"base_url,omitempty"` // default https://apis.aligo.in
	Key      string `json:"key"`
	UserID   string `json:"user_id"`
	Sender   string `json:"sender"` // registered calling number
	TestMode bool   `json:"test_mode,omitempty"`
}

// SMTPConfig configures an smtp relay.
type SMTPConfig struct {
	Host     string `json:"host"`
	Port     int    `json:"port,omitempty"` // default 587 (starttls), 465 (tls), 25 (none)
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	From     string `json:"from"` // "Name <addr>" or "addr"
	// TLS is "starttls" (default: upgrade when the server offers it, and refuse to
	// send a password over a connection that stayed in clear text), "tls" (implicit
	// TLS, port 465) or "none" (never; for a local mail catcher).
	TLS string `json:"tls,omitempty"`
}

// HTTPConfig configures a generic http relay.
type HTTPConfig struct {
	BaseURL string `json:"base_url"`
	Token   string `json:"token,omitempty"` // sent as "Authorization: Bearer <token>"
	From    string `json:"from,omitempty"`  // the "from" of every message (calling number or address)
}

// SimulatorConfig configures a relay served by the relay simulator.
type SimulatorConfig struct {
	BaseURL string `json:"base_url"`
	Name    string `json:"name"` // the simulator counts per name: /r/{name}/...
	Token   string `json:"token,omitempty"`
	From    string `json:"from,omitempty"`
}

// FieldProblem names one invalid configuration field.
type FieldProblem struct {
	Field   string // "config.apikey"
	Message string // "is required"
}

func (p FieldProblem) String() string { return p.Field + " " + p.Message }

// ConfigError is New's error for an invalid configuration.
type ConfigError struct {
	Kind     string
	Problems []FieldProblem
}

func (e *ConfigError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("invalid %s relay configuration: %s", e.Kind, strings.Join(parts, "; "))
}

// ValidateConfig checks a relay configuration and names every bad field
// ("config.apikey is required"). An unknown kind is reported on "kind".
func ValidateConfig(kind string, raw json.RawMessage) []FieldProblem {
	k, ok := KindOf(kind)
	if !ok {
		names := make([]string, len(Kinds))
		for i, k := range Kinds {
			names[i] = k.Name
		}
		return []FieldProblem{{"kind", "must be one of " + strings.Join(names, ", ")}}
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return []FieldProblem{{"config", "must be a JSON object"}}
	}
	var probs []FieldProblem
	known := map[string]bool{}
	for _, f := range k.Settings {
		known[f.Name] = true
		name := "config." + f.Name
		v, present := obj[f.Name]
		if !present || v == nil || v == "" {
			if f.Required {
				probs = append(probs, FieldProblem{name, "is required"})
			}
			continue
		}
		switch f.Type {
		case typeString:
			if _, ok := v.(string); !ok {
				probs = append(probs, FieldProblem{name, "must be a string"})
				continue
			}
		case typeInt:
			n, ok := v.(json.Number)
			if _, err := n.Int64(); !ok || err != nil {
				probs = append(probs, FieldProblem{name, "must be a whole number"})
				continue
			}
		case typeBool:
			if _, ok := v.(bool); !ok {
				probs = append(probs, FieldProblem{name, "must be true or false"})
				continue
			}
		}
		if f.check != nil {
			if msg := f.check(v); msg != "" {
				probs = append(probs, FieldProblem{name, msg})
			}
		}
	}
	var unknown []string
	for k := range obj {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		probs = append(probs, FieldProblem{"config." + k, "is not a setting of " + kind + " relays"})
	}
	if k.crossCheck != nil {
		probs = append(probs, k.crossCheck(obj)...)
	}
	return probs
}

func decodeObject(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("not an object")
	}
	return obj, nil
}

func checkURL(v any) string {
	if _, _, err := egress.ParseURL(v.(string)); err != nil {
		return err.Error()
	}
	return ""
}

// CheckDestinations names the configuration fields whose destination g refuses
// when saving (egress.Guard.CheckHost): the base URL, or the SMTP host and port.
// It gives the tenant an early answer; the check when dialling is the one that
// holds (a name may resolve to anything later). raw is assumed valid.
func CheckDestinations(kind string, raw json.RawMessage, g *egress.Guard) []FieldProblem {
	obj, err := decodeObject(raw)
	if err != nil {
		return nil
	}
	if kind == KindSMTP {
		host, _ := obj["host"].(string)
		if host == "" {
			return nil
		}
		var c SMTPConfig
		if json.Unmarshal(raw, &c) != nil {
			return nil
		}
		if err := g.CheckHost(host, smtpPort(c)); err != nil {
			return []FieldProblem{{"config.host", err.Error()}}
		}
		return nil
	}
	base, _ := obj["base_url"].(string)
	if base == "" {
		return nil
	}
	if err := g.CheckURL(base); err != nil {
		return []FieldProblem{{"config.base_url", err.Error()}}
	}
	return nil
}

func checkPhone(v any) string {
	digits := 0
	for _, r := range v.(string) {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ':
		default:
			return "must be a phone number (digits and dashes)"
		}
	}
	if digits < 7 || digits > 12 {
		return "must be a phone number of 7 to 12 digits"
	}
	return ""
}

func checkHost(v any) string {
	s := v.(string)
	if strings.ContainsAny(s, " /:@") && !strings.HasPrefix(s, "[") {
		return "must be a host name or address, without scheme or port"
	}
	return ""
}

func checkPort(v any) string {
	n, _ := v.(json.Number).Int64()
	if n < 1 || n > 65535 {
		return "must be between 1 and 65535"
	}
	return ""
}

func checkAddress(v any) string {
	if _, err := mail.ParseAddress(v.(string)); err != nil {
		return "must be an e-mail address"
	}
	return ""
}

func checkOneOf(values ...string) func(any) string {
	return func(v any) string {
		if !slices.Contains(values, v.(string)) {
			return "must be one of " + strings.Join(values, ", ")
		}
		return ""
	}
}

var simNameRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

func checkSimName(v any) string {
	if !simNameRE.MatchString(v.(string)) {
		return "must be 1 to 64 letters, digits, dots, dashes or underscores"
	}
	return ""
}

// Redact returns the configuration with every secret replaced by Mask, user
// information and query strings stripped from URLs, and — because a mistyped field
// name may hold a credential — every field the kind does not know masked too. The
// result is what API answers and logs may show. Anything unreadable becomes {}.
func Redact(kind string, raw json.RawMessage) json.RawMessage {
	obj, err := decodeObject(raw)
	if err != nil {
		return json.RawMessage("{}")
	}
	k, knownKind := KindOf(kind)
	known := map[string]bool{}
	for _, f := range k.Settings {
		known[f.Name] = true
	}
	for name, v := range obj {
		switch {
		case !knownKind || !known[name] || slices.Contains(k.Secrets, name):
			if v != nil && v != "" {
				obj[name] = Mask
			}
		case name == "base_url":
			if s, ok := v.(string); ok {
				obj[name] = safeURL(s)
			}
		}
	}
	out, err := json.Marshal(obj)
	if err != nil {
		return json.RawMessage("{}")
	}
	return out
}

// MergeSecrets prepares an updated configuration for storage: a secret the update
// leaves out, or sends back as Mask (as read from a redacted answer), keeps its
// old value — but only while the relay's endpoint stays where it was. An update
// that points the relay elsewhere (Endpoint: the base URL; the SMTP host, port or
// TLS mode) must carry every stored secret again, or anyone allowed to edit
// relays could send the stored credentials to a server of their choosing; each
// secret it would carry over is named in problems, and nothing is merged.
func MergeSecrets(kind string, old, updated json.RawMessage) (merged json.RawMessage, problems []FieldProblem, err error) {
	k, ok := KindOf(kind)
	if !ok {
		return nil, nil, fmt.Errorf("unknown relay kind %q", kind)
	}
	up, err := decodeObject(updated)
	if err != nil {
		return nil, nil, fmt.Errorf("read updated config: %w", err)
	}
	prev, err := decodeObject(old)
	if err != nil {
		prev = map[string]any{}
	}
	moved := Endpoint(kind, old) != Endpoint(kind, updated)
	for _, s := range k.Secrets {
		v, present := up[s]
		if present && v != Mask {
			continue
		}
		pv, had := prev[s]
		if !had || pv == nil || pv == "" {
			if v == Mask {
				problems = append(problems, FieldProblem{"config." + s, "is " + Mask + ", but no secret is stored: send the secret itself"})
			}
			delete(up, s)
			continue
		}
		if moved {
			problems = append(problems, FieldProblem{"config." + s,
				"must be sent again: the update changes where the relay connects, and a stored secret never follows it there"})
			continue
		}
		up[s] = pv
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	merged, err = json.Marshal(up)
	return merged, nil, err
}

// MaskedSecrets names the secrets of a new configuration (a new relay, or one
// whose kind changes) that hold Mask instead of a value: there is no stored
// secret for them to stand for.
func MaskedSecrets(kind string, raw json.RawMessage) []FieldProblem {
	k, ok := KindOf(kind)
	if !ok {
		return nil
	}
	obj, err := decodeObject(raw)
	if err != nil {
		return nil
	}
	var probs []FieldProblem
	for _, s := range k.Secrets {
		if obj[s] == Mask {
			probs = append(probs, FieldProblem{"config." + s, "is " + Mask + ": send the secret itself"})
		}
	}
	return probs
}

// Endpoint is where a relay's requests (and with them its secrets) go, in a form
// two configurations can be compared by: the base URL with defaults applied,
// scheme and host lower-cased and the trailing slash dropped; for SMTP the host,
// the effective port and the TLS mode.
func Endpoint(kind string, raw json.RawMessage) string {
	obj, err := decodeObject(raw)
	if err != nil {
		return ""
	}
	str := func(name string) string { v, _ := obj[name].(string); return strings.TrimSpace(v) }
	if kind == KindSMTP {
		var c SMTPConfig
		_ = json.Unmarshal(raw, &c)
		if c.TLS == "" {
			c.TLS = "starttls"
		}
		host := strings.TrimSuffix(strings.ToLower(str("host")), ".")
		return fmt.Sprintf("smtp://%s:%d?tls=%s", host, smtpPort(c), c.TLS)
	}
	base := str("base_url")
	if k, ok := KindOf(kind); ok && base == "" {
		base, _ = k.Setting("base_url").Default.(string)
	}
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	u.Scheme, u.Host = strings.ToLower(u.Scheme), strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u.String()
}

// Options are what every adapter may need besides its configuration.
type Options struct {
	// HTTPClient is shared by HTTP adapters; nil means NewHTTPClient(Timeout, Egress).
	HTTPClient *http.Client
	// Egress checks every connection the adapters open (SMTP, and HTTP when
	// HTTPClient is nil): relay addresses are tenant input. nil connects
	// anywhere, which only tests and operator-chosen addresses (alert mail)
	// should use; the worker always sets it.
	Egress *egress.Guard
	// Timeout bounds one provider call (SMTP: one command); 0 means DefaultTimeout.
	Timeout time.Duration
	// TLSConfig is the base TLS configuration of SMTP connections (tests add a root
	// CA here); nil means the system roots.
	TLSConfig *tls.Config
	// Logger receives debug lines per provider call; never secrets. nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.HTTPClient == nil {
		o.HTTPClient = NewHTTPClient(o.Timeout, o.Egress)
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// dialer is how adapters that dial themselves (SMTP) connect: through Egress
// when set.
func (o Options) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: o.Timeout}
	if o.Egress != nil {
		return o.Egress.DialContext(d)
	}
	return d.DialContext
}

// New builds the adapter for a relay of kind with configuration raw. The result
// also implements ReportFetcher and Looker when the Kind says so.
func New(kind string, raw json.RawMessage, opts Options) (Sender, error) {
	if probs := ValidateConfig(kind, raw); len(probs) > 0 {
		return nil, &ConfigError{Kind: kind, Problems: probs}
	}
	k, ok := KindOf(kind)
	if !ok {
		return nil, fmt.Errorf("unknown relay kind %q", kind)
	}
	return k.build(raw, opts)
}
