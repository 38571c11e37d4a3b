// Package egress decides where outbound connections carrying tenant input may go.
//
// Relay endpoints, SMTP hosts and alert webhooks are typed in by tenants. Left
// alone, they could point the worker at the cloud metadata service
// (169.254.169.254), at MySQL on 127.0.0.1:3306 or at anything else on the
// operator's private network, and the answers would come back to the tenant as
// failure reasons. A Guard refuses every destination that is not a public unicast
// address, unless the operator listed its host:port (SENDINGO_ALLOW_PRIVATE_HOSTS).
//
// The decisive check runs when dialling, in the net.Dialer's Control function, on
// the address the socket is about to connect to: a name that resolves to a private
// address, DNS rebinding between save and send, and HTTP redirects all end up
// there. Save-time checks (CheckURL, CheckHost) only give the tenant an early,
// clear answer.
package egress

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every refusal (errors.Is).
var ErrRefused = errors.New("destination not allowed")

// RefusedError says which destination was refused and why.
type RefusedError struct {
	Addr   string // host:port or IP:port
	Reason string // "loopback", "private", "link-local", ...
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("must not point at a %s address (%s) unless the operator lists it in SENDINGO_ALLOW_PRIVATE_HOSTS", e.Reason, e.Addr)
}

// Unwrap lets errors.Is(err, ErrRefused) match.
func (e *RefusedError) Unwrap() error { return ErrRefused }

// Guard holds the operator's exceptions. The zero value and a nil *Guard refuse
// every non-public destination. It is safe for concurrent use; Allow may be
// called while connections are being dialled (tests and `sendingo dev` add the
// relay simulator's address once it is known).
type Guard struct {
	mu      sync.RWMutex
	allowed map[string]bool // canonical host:port
}

// New returns a Guard that lets the listed host:port pairs through even when
// they are not public. Names are matched as written (case-insensitively), IP
// addresses in canonical form.
func New(allow ...string) (*Guard, error) {
	g := &Guard{}
	for _, a := range allow {
		if err := g.Allow(a); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// ParseList splits a comma-separated SENDINGO_ALLOW_PRIVATE_HOSTS value and
// checks every entry.
func ParseList(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, err := canonical(part); err != nil {
			return nil, err
		}
		out = append(out, part)
	}
	return out, nil
}

// Allow adds one host:port exception.
func (g *Guard) Allow(hostport string) error {
	key, err := canonical(hostport)
	if err != nil {
		return err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.allowed == nil {
		g.allowed = map[string]bool{}
	}
	g.allowed[key] = true
	return nil
}

// AllowURL adds the host:port a URL connects to (tests and the dev command know
// their servers by URL).
func (g *Guard) AllowURL(raw string) error {
	host, port, err := urlHostPort(raw)
	if err != nil {
		return err
	}
	return g.Allow(net.JoinHostPort(host, strconv.Itoa(port)))
}

// Allowed reports whether host:port is one of the operator's exceptions.
func (g *Guard) Allowed(host string, port int) bool {
	if g == nil {
		return false
	}
	key, err := canonical(net.JoinHostPort(host, strconv.Itoa(port)))
	if err != nil {
		return false
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.allowed[key]
}

// List returns the exceptions, for logs.
func (g *Guard) List() []string {
	if g == nil {
		return nil
	}
	g.mu.RLock()
	defer g.mu.RUnlock()
	return slices.Collect(maps.Keys(g.allowed))
}

// canonical is the map key of host:port: the host lower-cased without a
// trailing dot, an IP address in its canonical form (IPv4-mapped IPv6 as IPv4).
func canonical(hostport string) (string, error) {
	host, portStr, err := net.SplitHostPort(strings.TrimSpace(hostport))
	if err != nil {
		return "", fmt.Errorf("%q: want host:port: %w", hostport, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 {
		return "", fmt.Errorf("%q: the port must be a number from 1 to 65535", hostport)
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return "", fmt.Errorf("%q: the host is missing", hostport)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.Unmap().WithZone("").String()
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// ParseURL checks the form of an http(s) base URL or webhook — the scheme, a
// host, no user information (credentials belong in their own, masked fields; a
// URL is shown and logged), no fragment — and answers the host and port it
// connects to.
func ParseURL(raw string) (host string, port int, err error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return "", 0, errors.New("must be an http:// or https:// URL")
	}
	if u.User != nil {
		return "", 0, errors.New("must not contain user information (user:password@); put credentials in their own fields")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return "", 0, errors.New("must not contain a #fragment")
	}
	return urlHostPort(raw)
}

// CheckURL is ParseURL and CheckHost: the save-time check of a URL.
func (g *Guard) CheckURL(raw string) error {
	host, port, err := ParseURL(raw)
	if err != nil {
		return err
	}
	return g.CheckHost(host, port)
}

// CheckHost is the save-time check of a destination host and port. It refuses IP
// literals that are not public, localhost names and numeric host forms a resolver
// might read as an address (2130706433, 0x7f.1); other names are checked when
// dialled, since what they resolve to can change.
func (g *Guard) CheckHost(host string, port int) error {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if g.Allowed(host, port) {
		return nil
	}
	addr := net.JoinHostPort(host, strconv.Itoa(port))
	if ip, err := netip.ParseAddr(host); err == nil {
		if reason := Classify(ip); reason != "" {
			return &RefusedError{Addr: addr, Reason: reason}
		}
		return nil
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return &RefusedError{Addr: addr, Reason: "loopback"}
	}
	if numericHost(host) {
		return errors.New("must be a host name or an IP address in its usual form")
	}
	return nil
}

// numericHost reports whether every label of host is a number (decimal, octal or
// 0x hex): inet_aton reads such names as addresses, and no real name is one.
func numericHost(host string) bool {
	for _, label := range strings.Split(host, ".") {
		l := strings.TrimPrefix(strings.TrimPrefix(label, "0x"), "0X")
		if l == "" {
			return false
		}
		hex := l != label
		for _, r := range l {
			isDigit := r >= '0' && r <= '9'
			isHex := isDigit || (r >= 'a' && r <= 'f') || (r >= 'A' && r <= 'F')
			if !(isDigit || hex && isHex) {
				return false
			}
		}
	}
	return true
}

func urlHostPort(raw string) (string, int, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", 0, errors.New("must be an http:// or https:// URL")
	}
	port := 80
	if u.Scheme == "https" {
		port = 443
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return "", 0, errors.New("has a port outside 1 to 65535")
		}
		port = n
	}
	return u.Hostname(), port, nil
}

// DialContext returns a dial function with d's settings that refuses every
// destination Classify objects to, unless the address asked for (name or IP, with
// its port) is one of the exceptions. The check runs in d's Control function, on
// each address the socket actually connects to.
func (g *Guard) DialContext(d *net.Dialer) func(ctx context.Context, network, address string) (net.Conn, error) {
	checked := *d
	inner := d.Control
	checked.Control = func(network, address string, c syscall.RawConn) error {
		if err := g.checkDial(address); err != nil {
			return err
		}
		if inner != nil {
			return inner(network, address, c)
		}
		return nil
	}
	plain := *d
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		host, portStr, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		if port, err := strconv.Atoi(portStr); err == nil && g.Allowed(host, port) {
			return plain.DialContext(ctx, network, address)
		}
		return checked.DialContext(ctx, network, address)
	}
}

// checkDial is the Control check: address is the IP:port being connected to.
func (g *Guard) checkDial(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &RefusedError{Addr: address, Reason: "unparseable"}
	}
	reason := Classify(ap.Addr())
	if reason == "" || g.Allowed(ap.Addr().String(), int(ap.Port())) {
		return nil
	}
	return &RefusedError{Addr: address, Reason: reason}
}

// MaxRedirects is how many redirects a guarded HTTP client follows.
const MaxRedirects = 3

// Transport returns an HTTP transport whose connections go through the guard.
// It uses no proxy from the environment: a proxy would make the connection to
// the tenant's address itself, out of the guard's sight.
func (g *Guard) Transport(dialTimeout time.Duration) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = g.DialContext(&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second})
	return t
}

// ErrTooManyRedirects is CheckRedirect's refusal.
var ErrTooManyRedirects = fmt.Errorf("more than %d redirects", MaxRedirects)

// CheckRedirect caps redirects at MaxRedirects; each one is dialled through the
// guard like the first request.
func CheckRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return ErrTooManyRedirects
	}
	return nil
}

// Classify names the kind of a non-public address ("loopback", "private",
// "link-local", ...) and answers "" for a public unicast one. IPv4-mapped and
// IPv4-embedding IPv6 forms are judged by the IPv4 address they carry.
func Classify(ip netip.Addr) string {
	ip = ip.WithZone("")
	if ip.Is4In6() {
		ip = ip.Unmap()
	}
	if ip.Is6() {
		// NAT64 (64:ff9b::/96) and 6to4 (2002::/16) reach the IPv4 address they
		// embed.
		b := ip.As16()
		switch {
		case nat64.Contains(ip):
			return Classify(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixToFour.Contains(ip):
			return Classify(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
	}
	for _, b := range blocked {
		if b.prefix.Contains(ip) {
			return b.reason
		}
	}
	if !ip.IsGlobalUnicast() {
		return "non-unicast"
	}
	return ""
}

var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour = netip.MustParsePrefix("2002::/16")
)

type blockedPrefix struct {
	prefix netip.Prefix
	reason string
}

// blocked lists the special-purpose ranges (IANA IPv4 and IPv6 special-purpose
// address registries) no tenant destination may be in.
var blocked = func() []blockedPrefix {
	list := []struct{ cidr, reason string }{
		{"0.0.0.0/8", "unspecified"},
		{"10.0.0.0/8", "private"},
		{"100.64.0.0/10", "shared (CGNAT)"},
		{"127.0.0.0/8", "loopback"},
		{"169.254.0.0/16", "link-local"},
		{"172.16.0.0/12", "private"},
		{"192.0.0.0/24", "IETF protocol"},
		{"192.0.2.0/24", "documentation"},
		{"192.88.99.0/24", "6to4 relay"},
		{"192.168.0.0/16", "private"},
		{"198.18.0.0/15", "benchmarking"},
		{"198.51.100.0/24", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"224.0.0.0/4", "multicast"},
		{"240.0.0.0/4", "reserved"}, // includes 255.255.255.255, broadcast
		{"::/128", "unspecified"},
		{"::1/128", "loopback"},
		{"::/96", "IPv4-compatible"},
		{"64:ff9b:1::/48", "NAT64 local-use"},
		{"100::/64", "discard"},
		{"2001::/23", "IETF protocol"}, // includes Teredo 2001::/32
		{"2001:db8::/32", "documentation"},
		{"3fff::/20", "documentation"},
		{"5f00::/16", "segment routing"},
		{"fc00::/7", "unique local (private)"},
		{"fe80::/10", "link-local"},
		{"fec0::/10", "site-local"},
		{"ff00::/8", "multicast"},
	}
	out := make([]blockedPrefix, len(list))
	for i, l := range list {
		out[i] = blockedPrefix{netip.MustParsePrefix(l.cidr), l.reason}
	}
	return out
}()
