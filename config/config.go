// Package config reads sendingo's settings from the environment. Every setting has
// a default that suits local development; production deployments override them.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/sendingo/sendingo/egress"
)

// DevJWTSecret is the signing secret used when none is configured. It is public
// (it is in this file), so api and worker refuse it outside dev mode.
const DevJWTSecret = "sendingo-development-secret-do-not-use-in-production"

// Config holds every setting. Field comments name the environment variable.
type Config struct {
	MySQLDSN          string        // SENDINGO_MYSQL_DSN (switched to MySQLTLSName when MySQLTLSCA is set)
	MySQLTLSCA        string        // SENDINGO_MYSQL_TLS_CA
	TemporalAddress   string        // SENDINGO_TEMPORAL_ADDRESS
	TemporalNamespace string        // SENDINGO_TEMPORAL_NAMESPACE
	TaskQueue         string        // SENDINGO_TASK_QUEUE
	HTTPAddr          string        // SENDINGO_HTTP_ADDR
	JWTSecret         string        // SENDINGO_JWT_SECRET
	TokenTTL          time.Duration // SENDINGO_TOKEN_TTL
	PublicURL         string        // SENDINGO_PUBLIC_URL
	LogLevel          string        // SENDINGO_LOG_LEVEL
	Dev               bool          // SENDINGO_DEV
	DataDir           string        // SENDINGO_DATA_DIR
	MaxBodyBytes      int64         // SENDINGO_MAX_BODY_BYTES
	MaxUploadBytes    int64         // SENDINGO_MAX_UPLOAD_BYTES
	MaxImportRows     int           // SENDINGO_MAX_IMPORT_ROWS
	RelaySimAddr      string        // SENDINGO_RELAY_SIM_ADDR
	TemporalUIPort    int           // SENDINGO_TEMPORAL_UI_PORT
	SMTPAddr          string        // SENDINGO_SMTP_ADDR
	MailFrom          string        // SENDINGO_MAIL_FROM
	ReportDeadline    time.Duration // SENDINGO_REPORT_DEADLINE
	ChunkSize         int           // SENDINGO_CHUNK_SIZE
	ChunkWindow       int           // SENDINGO_CHUNK_WINDOW
	// AllowPrivateHosts are host:port pairs tenant-supplied addresses (relays,
	// SMTP hosts, alert webhooks) may reach although they are loopback, private,
	// link-local or otherwise internal. SENDINGO_ALLOW_PRIVATE_HOSTS.
	AllowPrivateHosts []string
	TrustedProxies    string // SENDINGO_TRUSTED_PROXIES

	MaxUnpackedBytes     int64         // SENDINGO_MAX_UNPACKED_BYTES
	MaxConcurrentUploads int           // SENDINGO_MAX_CONCURRENT_UPLOADS
	HTTPReadTimeout      time.Duration // SENDINGO_HTTP_READ_TIMEOUT
	HTTPWriteTimeout     time.Duration // SENDINGO_HTTP_WRITE_TIMEOUT
	HTTPIdleTimeout      time.Duration // SENDINGO_HTTP_IDLE_TIMEOUT
	UploadTimeout        time.Duration // SENDINGO_UPLOAD_TIMEOUT
	ExportTimeout        time.Duration // SENDINGO_EXPORT_TIMEOUT
	AuthWindow           time.Duration // SENDINGO_AUTH_WINDOW
	AuthFailuresPerEmail int           // SENDINGO_AUTH_FAILURES_PER_EMAIL
	AuthFailuresPerIP    int           // SENDINGO_AUTH_FAILURES_PER_IP
	SignupsPerIP         int           // SENDINGO_SIGNUPS_PER_IP
	ClicksPerLink        int           // SENDINGO_CLICKS_PER_LINK: recorded per tracking link per hour
	// PasswordResetsPerEmail and PasswordResetsPerIP bound password reset
	// requests per window (SENDINGO_PASSWORD_RESETS_PER_EMAIL, _PER_IP).
	PasswordResetsPerEmail int
	PasswordResetsPerIP    int
	// InvitationsPerAccount bounds the invitations (each a mail through the
	// platform's mail server) an account makes per window
	// (SENDINGO_INVITATIONS_PER_ACCOUNT).
	InvitationsPerAccount int
	// AlertMailsPerHour bounds the low-stock alert e-mails an account's
	// alerts send an hour (SENDINGO_ALERT_MAILS_PER_HOUR).
	AlertMailsPerHour int

	// Temporal TLS: a client certificate and key for mTLS, a CA for a private
	// server certificate (each PEM or a file path), the server name to verify,
	// and a Temporal Cloud API key. Setting any of them turns TLS on.
	TemporalTLSCert       string // SENDINGO_TEMPORAL_TLS_CERT
	TemporalTLSKey        string // SENDINGO_TEMPORAL_TLS_KEY
	TemporalTLSCA         string // SENDINGO_TEMPORAL_TLS_CA
	TemporalTLSServerName string // SENDINGO_TEMPORAL_TLS_SERVER_NAME
	TemporalAPIKey        string // SENDINGO_TEMPORAL_API_KEY

	// SMTPUsername and SMTPPassword authenticate to SMTPAddr (AUTH PLAIN, only
	// after STARTTLS or on implicit TLS). SENDINGO_SMTP_USERNAME,
	// SENDINGO_SMTP_PASSWORD or the file SENDINGO_SMTP_PASSWORD_FILE names.
	SMTPUsername string
	SMTPPassword string

	// WorkerMetricsAddr is where `sendingo worker` serves /metrics and /healthz.
	// SENDINGO_WORKER_METRICS_ADDR.
	WorkerMetricsAddr string

	// PprofAddr, when set, is where `sendingo worker` and `sendingo api` serve net/http/pprof
	// (opt-in, for profiling a run). SENDINGO_PPROF_ADDR.
	PprofAddr string
	// WorkerMemoryLimit is the worker's soft memory limit in bytes (Go's
	// runtime/debug.SetMemoryLimit; 0 leaves the runtime's default). GOMEMLIMIT,
	// when set, wins. SENDINGO_WORKER_MEMORY_LIMIT.
	WorkerMemoryLimit int64
}

// Var describes one environment variable, for the README's table and `--help`.
type Var struct {
	Name, Default, Meaning string
}

// Vars lists every variable with its default.
var Vars = []Var{
	{"SENDINGO_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/sendingo", "MySQL/MariaDB DSN (go-sql-driver form); the required parameters are added"},
	{"SENDINGO_MYSQL_DSN_FILE", "", "file holding the DSN instead (e.g. a mounted secret); not with SENDINGO_MYSQL_DSN"},
	{"SENDINGO_MYSQL_TLS_CA", "(none)", "CA that signed the database server's certificate: PEM or a file path; connections then use TLS checked against it, host name included (the DSN's tls parameter is replaced)"},
	{"SENDINGO_TEMPORAL_ADDRESS", "127.0.0.1:7233", "Temporal frontend host:port"},
	{"SENDINGO_TEMPORAL_NAMESPACE", "default", "Temporal namespace"},
	{"SENDINGO_TEMPORAL_TLS_CERT", "(none)", "client certificate for Temporal mTLS: PEM, or the path of a PEM file; needs SENDINGO_TEMPORAL_TLS_KEY"},
	{"SENDINGO_TEMPORAL_TLS_KEY", "(none)", "private key of that certificate: PEM, or the path of a PEM file"},
	{"SENDINGO_TEMPORAL_TLS_CA", "(system roots)", "CA that signed the Temporal frontend's certificate, when not a public one: PEM or a file path"},
	{"SENDINGO_TEMPORAL_TLS_SERVER_NAME", "(the address's host)", "name the Temporal frontend's certificate must carry"},
	{"SENDINGO_TEMPORAL_API_KEY", "(none)", "Temporal Cloud API key (sent as a bearer token over TLS); any SENDINGO_TEMPORAL_TLS_* or this turns TLS on"},
	{"SENDINGO_TASK_QUEUE", "sendingo", "Temporal task queue the worker polls"},
	{"SENDINGO_HTTP_ADDR", ":8080", "address the REST API listens on"},
	{"SENDINGO_JWT_SECRET", "(development secret)", "HMAC secret for access tokens; required outside dev mode"},
	{"SENDINGO_JWT_SECRET_FILE", "", "file holding the JWT secret instead; not with SENDINGO_JWT_SECRET"},
	{"SENDINGO_TOKEN_TTL", "24h", "access token lifetime"},
	{"SENDINGO_PUBLIC_URL", "http://localhost:8080", "base URL customers reach (tracking links)"},
	{"SENDINGO_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"SENDINGO_DEV", "false", "dev mode: allows the development JWT secret"},
	{"SENDINGO_DATA_DIR", ".data", "where `sendingo dev` keeps the Temporal dev server's state and logs"},
	{"SENDINGO_MAX_BODY_BYTES", "1048576", "largest JSON request body (413 beyond)"},
	{"SENDINGO_MAX_UPLOAD_BYTES", "104857600", "largest import upload (413 beyond)"},
	{"SENDINGO_MAX_IMPORT_ROWS", "1000000", "most data rows one import may hold"},
	{"SENDINGO_MAX_UNPACKED_BYTES", "536870912", "largest unpacked size of an .xlsx upload (422 beyond)"},
	{"SENDINGO_MAX_CONCURRENT_UPLOADS", "2", "imports parsed at once per API process (503 with Retry-After beyond)"},
	{"SENDINGO_HTTP_READ_TIMEOUT", "30s", "time to read a request, headers and body (uploads: SENDINGO_UPLOAD_TIMEOUT)"},
	{"SENDINGO_HTTP_WRITE_TIMEOUT", "60s", "time to handle a request and write the answer (exports: SENDINGO_EXPORT_TIMEOUT)"},
	{"SENDINGO_HTTP_IDLE_TIMEOUT", "120s", "how long an idle keep-alive connection is kept (these three also bound the worker's metrics port)"},
	{"SENDINGO_UPLOAD_TIMEOUT", "10m", "time to receive and stage one import upload"},
	{"SENDINGO_EXPORT_TIMEOUT", "30m", "time to stream one export"},
	{"SENDINGO_AUTH_WINDOW", "15m", "window of the login, sign-up, password reset and invitation limits"},
	{"SENDINGO_AUTH_FAILURES_PER_EMAIL", "10", "failed logins per e-mail per window (429 beyond, even with the right password)"},
	{"SENDINGO_AUTH_FAILURES_PER_IP", "50", "failed logins and sign-ups per client address (IPv4, or IPv6 /64) per window"},
	{"SENDINGO_SIGNUPS_PER_IP", "20", "sign-ups per client address per window"},
	{"SENDINGO_CLICKS_PER_LINK", "1000", "clicks one API process records per tracking link per hour; later ones are still redirected, not recorded (a leaked link cannot fill the disk)"},
	{"SENDINGO_PASSWORD_RESETS_PER_EMAIL", "3", "password reset requests per e-mail per window (429 beyond)"},
	{"SENDINGO_PASSWORD_RESETS_PER_IP", "20", "password reset requests per client address per window"},
	{"SENDINGO_INVITATIONS_PER_ACCOUNT", "30", "invitations (each a mail from the platform's mail server) an account makes per window (429 beyond)"},
	{"SENDINGO_ALERT_MAILS_PER_HOUR", "20", "low-stock alert e-mails an account's alerts send an hour; later alerts are recorded and notified, their e-mail skipped"},
	{"SENDINGO_RELAY_SIM_ADDR", "127.0.0.1:8090", "where `sendingo dev` starts the relay simulator"},
	{"SENDINGO_TEMPORAL_UI_PORT", "8233", "Temporal Web port of the dev server `sendingo dev` starts"},
	{"SENDINGO_SMTP_ADDR", "127.0.0.1:1025", "SMTP server for the platform's e-mails: stock alerts, invitations, password resets"},
	{"SENDINGO_MAIL_FROM", "sendingo@localhost", "sender address of the platform's e-mails"},
	{"SENDINGO_SMTP_USERNAME", "(none)", "user for SMTP authentication (e.g. SES SMTP credentials); when set, STARTTLS (or TLS on port 465) is required"},
	{"SENDINGO_SMTP_PASSWORD", "(none)", "password for SMTP authentication"},
	{"SENDINGO_SMTP_PASSWORD_FILE", "(none)", "file holding the SMTP password, instead of SENDINGO_SMTP_PASSWORD"},
	{"SENDINGO_REPORT_DEADLINE", "24h", "how long a campaign awaits delivery reports before the rest is unknown"},
	{"SENDINGO_CHUNK_SIZE", "10000", "messages per SendChunk activity"},
	{"SENDINGO_CHUNK_WINDOW", "8", "SendChunk activities in flight per campaign"},
	{"SENDINGO_TRUSTED_PROXIES", "(none)", "comma-separated IPs or CIDR ranges of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed"},
	{"SENDINGO_WORKER_METRICS_ADDR", ":9090", "where `sendingo worker` serves /metrics (its own and the Temporal SDK's) and /healthz; `sendingo dev` serves them on the API's /metrics"},
	{"SENDINGO_PPROF_ADDR", "(none)", "when set, `sendingo worker` and `sendingo api` serve Go's /debug/pprof/ there (keep it on loopback)"},
	{"SENDINGO_WORKER_MEMORY_LIMIT", "80", "the worker's soft memory limit in MiB (the Go GC works harder near it; 0 turns it off; GOMEMLIMIT wins)"},
	{"SENDINGO_TEMPORAL_CLI", ".bin/temporal", "the Temporal CLI `sendingo dev` and the tests run (built from tools/go.mod when missing)"},
	{"SENDINGO_ALLOW_PRIVATE_HOSTS", "(none)", "comma-separated host:port pairs relays, SMTP hosts and webhooks may reach although they are loopback, private or internal; `sendingo dev` adds the relay simulator"},
	{"SENDINGO_TERRAFORM", "terraform on PATH", "the terraform `sendingo infra` runs; else terraform on PATH, else the pinned v1.5.7 built from tools/terraform"},
}

// Load reads the environment through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	get := func(name, def string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		return def
	}
	var errs []error
	dur := func(name, def string) time.Duration {
		d, err := time.ParseDuration(get(name, def))
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive duration such as 24h, got %q", name, get(name, def)))
		}
		return d
	}
	integer := func(name, def string) int64 {
		n, err := strconv.ParseInt(get(name, def), 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("%s: want a positive whole number, got %q", name, get(name, def)))
		}
		return n
	}
	mib := func(name, def string) int64 { // 0 allowed: off
		n, err := strconv.ParseInt(get(name, def), 10, 64)
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s: want a whole number of MiB (0: no limit), got %q", name, get(name, def)))
		}
		return n << 20
	}
	boolean := func(name string) bool {
		v := get(name, "false")
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: want true or false, got %q", name, v))
		}
		return b
	}
	// secret reads a setting that may come from the environment or, better
	// (it stays out of the process environment and `ps e`), from a file
	// named by NAME_FILE, as container secrets are mounted.
	secret := func(name, def string) string {
		v, file := get(name, ""), get(name+"_FILE", "")
		switch {
		case v != "" && file != "":
			errs = append(errs, fmt.Errorf("%s and %s_FILE are both set; set one", name, name))
		case file != "":
			b, err := os.ReadFile(file)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s_FILE: %w", name, err))
				return def
			}
			if v = strings.TrimSpace(string(b)); v == "" {
				errs = append(errs, fmt.Errorf("%s_FILE: %s is empty", name, file))
			}
		}
		if v == "" {
			return def
		}
		return v
	}
	c := Config{
		MySQLDSN:          secret("SENDINGO_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/sendingo"),
		TemporalAddress:   get("SENDINGO_TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: get("SENDINGO_TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         get("SENDINGO_TASK_QUEUE", "sendingo"),
		HTTPAddr:          get("SENDINGO_HTTP_ADDR", ":8080"),
		JWTSecret:         secret("SENDINGO_JWT_SECRET", DevJWTSecret),
		TokenTTL:          dur("SENDINGO_TOKEN_TTL", "24h"),
		PublicURL:         strings.TrimRight(get("SENDINGO_PUBLIC_URL", "http://localhost:8080"), "/"),
		LogLevel:          get("SENDINGO_LOG_LEVEL", "info"),
		Dev:               boolean("SENDINGO_DEV"),
		DataDir:           get("SENDINGO_DATA_DIR", ".data"),
		MaxBodyBytes:      integer("SENDINGO_MAX_BODY_BYTES", "1048576"),
		MaxUploadBytes:    integer("SENDINGO_MAX_UPLOAD_BYTES", "104857600"),
		MaxImportRows:     int(integer("SENDINGO_MAX_IMPORT_ROWS", "1000000")),
		RelaySimAddr:      get("SENDINGO_RELAY_SIM_ADDR", "127.0.0.1:8090"),
		TemporalUIPort:    int(integer("SENDINGO_TEMPORAL_UI_PORT", "8233")),
		SMTPAddr:          get("SENDINGO_SMTP_ADDR", "127.0.0.1:1025"),
		MailFrom:          get("SENDINGO_MAIL_FROM", "sendingo@localhost"),
		ReportDeadline:    dur("SENDINGO_REPORT_DEADLINE", "24h"),
		ChunkSize:         int(integer("SENDINGO_CHUNK_SIZE", "10000")),
		ChunkWindow:       int(integer("SENDINGO_CHUNK_WINDOW", "8")),

		MaxUnpackedBytes:       integer("SENDINGO_MAX_UNPACKED_BYTES", "536870912"),
		MaxConcurrentUploads:   int(integer("SENDINGO_MAX_CONCURRENT_UPLOADS", "2")),
		HTTPReadTimeout:        dur("SENDINGO_HTTP_READ_TIMEOUT", "30s"),
		HTTPWriteTimeout:       dur("SENDINGO_HTTP_WRITE_TIMEOUT", "60s"),
		HTTPIdleTimeout:        dur("SENDINGO_HTTP_IDLE_TIMEOUT", "120s"),
		UploadTimeout:          dur("SENDINGO_UPLOAD_TIMEOUT", "10m"),
		ExportTimeout:          dur("SENDINGO_EXPORT_TIMEOUT", "30m"),
		AuthWindow:             dur("SENDINGO_AUTH_WINDOW", "15m"),
		AuthFailuresPerEmail:   int(integer("SENDINGO_AUTH_FAILURES_PER_EMAIL", "10")),
		AuthFailuresPerIP:      int(integer("SENDINGO_AUTH_FAILURES_PER_IP", "50")),
		SignupsPerIP:           int(integer("SENDINGO_SIGNUPS_PER_IP", "20")),
		ClicksPerLink:          int(integer("SENDINGO_CLICKS_PER_LINK", "1000")),
		PasswordResetsPerEmail: int(integer("SENDINGO_PASSWORD_RESETS_PER_EMAIL", "3")),
		PasswordResetsPerIP:    int(integer("SENDINGO_PASSWORD_RESETS_PER_IP", "20")),
		InvitationsPerAccount:  int(integer("SENDINGO_INVITATIONS_PER_ACCOUNT", "30")),
		AlertMailsPerHour:      int(integer("SENDINGO_ALERT_MAILS_PER_HOUR", "20")),
		WorkerMetricsAddr:      get("SENDINGO_WORKER_METRICS_ADDR", ":9090"),
		PprofAddr:              get("SENDINGO_PPROF_ADDR", ""),
		WorkerMemoryLimit:      mib("SENDINGO_WORKER_MEMORY_LIMIT", "80"),

		TemporalTLSCert:       get("SENDINGO_TEMPORAL_TLS_CERT", ""),
		TemporalTLSKey:        get("SENDINGO_TEMPORAL_TLS_KEY", ""),
		TemporalTLSCA:         get("SENDINGO_TEMPORAL_TLS_CA", ""),
		TemporalTLSServerName: get("SENDINGO_TEMPORAL_TLS_SERVER_NAME", ""),
		TemporalAPIKey:        get("SENDINGO_TEMPORAL_API_KEY", ""),
		SMTPUsername:          get("SENDINGO_SMTP_USERNAME", ""),
	}
	c.MySQLTLSCA = get("SENDINGO_MYSQL_TLS_CA", "")
	if err := c.SetMySQLDSN(c.MySQLDSN); err != nil {
		errs = append(errs, err)
	}
	c.TrustedProxies = get("SENDINGO_TRUSTED_PROXIES", "")
	if _, err := parseProxies(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		errs = append(errs, errors.New("SENDINGO_TEMPORAL_TLS_CERT and SENDINGO_TEMPORAL_TLS_KEY go together: set both for mTLS, or neither"))
	}
	c.SMTPPassword = secret("SENDINGO_SMTP_PASSWORD", "")
	if (c.SMTPUsername == "") != (c.SMTPPassword == "") {
		errs = append(errs, errors.New("SENDINGO_SMTP_USERNAME and SENDINGO_SMTP_PASSWORD (or SENDINGO_SMTP_PASSWORD_FILE) go together: set both to authenticate, or neither"))
	}
	allow, err := egress.ParseList(getenv("SENDINGO_ALLOW_PRIVATE_HOSTS"))
	if err != nil {
		errs = append(errs, fmt.Errorf("SENDINGO_ALLOW_PRIVATE_HOSTS: %w", err))
	}
	c.AllowPrivateHosts = allow
	if _, err := c.SlogLevel(); err != nil {
		errs = append(errs, err)
	}
	return c, errors.Join(errs...)
}

// Proxies returns the trusted proxies as prefixes (a single address is a /32
// or /128). Load has checked the list; an invalid entry yields none.
func (c Config) Proxies() []netip.Prefix {
	p, err := parseProxies(c.TrustedProxies)
	if err != nil {
		return nil
	}
	return p
}

// parseProxies reads a comma-separated list of IP addresses and CIDR ranges.
func parseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("SENDINGO_TRUSTED_PROXIES: %q is neither an IP address nor a CIDR range", f)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// FromEnv is Load(os.Getenv).
func FromEnv() (Config, error) { return Load(os.Getenv) }

// CheckSecrets refuses the public development secret unless in dev mode.
func (c Config) CheckSecrets() error {
	if c.Dev {
		return nil
	}
	if c.JWTSecret == DevJWTSecret {
		return errors.New("SENDINGO_JWT_SECRET is not set: refusing to sign tokens with the public development secret outside dev mode (set SENDINGO_JWT_SECRET, or SENDINGO_DEV=true for local use)")
	}
	if len(c.JWTSecret) < 32 {
		return errors.New("SENDINGO_JWT_SECRET must be at least 32 characters")
	}
	return nil
}

// RedactDSN returns dsn fit to print: the password replaced, or, for a DSN
// that does not parse (and so cannot be taken apart safely), a placeholder.
func RedactDSN(dsn string) string {
	c, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "(a DSN that does not parse)"
	}
	if c.Passwd != "" {
		c.Passwd = "REDACTED"
	}
	return c.FormatDSN()
}

// SlogLevel parses LogLevel.
func (c Config) SlogLevel() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("SENDINGO_LOG_LEVEL: want debug, info, warn or error, got %q", c.LogLevel)
	}
	return l, nil
}

// Egress builds the guard for tenant-supplied addresses from AllowPrivateHosts.
func (c Config) Egress() (*egress.Guard, error) {
	g, err := egress.New(c.AllowPrivateHosts...)
	if err != nil {
		return nil, fmt.Errorf("SENDINGO_ALLOW_PRIVATE_HOSTS: %w", err)
	}
	return g, nil
}
