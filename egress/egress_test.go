package egress

import (
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "255.255.255.255",
		"224.0.0.1", "239.255.255.250", "240.0.0.1", "192.0.2.10", "198.18.0.1",
		"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fe80::1%eth0", "ff02::1", "fec0::1",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1", "::127.0.0.1",
		"64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
		"2002:7f00:1::1",     // 6to4 of 127.0.0.1
		"2001:db8::1", "2001::1",
	}
	for _, s := range refused {
		if Classify(netip.MustParseAddr(s)) == "" {
			t.Errorf("%s passes as public", s)
		}
	}
	public := []string{"8.8.8.8", "1.1.1.1", "211.234.10.10", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111",
		"::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"}
	for _, s := range public {
		if r := Classify(netip.MustParseAddr(s)); r != "" {
			t.Errorf("%s refused as %s", s, r)
		}
	}
	if r := Classify(netip.MustParseAddr("169.254.169.254")); r != "link-local" {
		t.Errorf("metadata address classified %q", r)
	}
}

func TestSaveTimeChecks(t *testing.T) {
	g, err := New("127.0.0.1:8090", "relay.internal:443")
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{
		"http://169.254.169.254/":               "link-local",
		"http://127.0.0.1:3306/":                "loopback",
		"http://[::1]:8090/":                    "loopback",
		"http://[::ffff:127.0.0.1]:3306/":       "loopback",
		"http://10.0.0.5/":                      "private",
		"http://0.0.0.0:8090/":                  "unspecified",
		"http://localhost:8090/":                "loopback",
		"http://metadata.localhost/":            "loopback",
		"http://2130706433/":                    "usual form",
		"http://0x7f.1/":                        "usual form",
		"https://user:pw@relay.example.com/":    "user information",
		"https://relay.example.com/x#frag":      "fragment",
		"ftp://relay.example.com/":              "http",
		"https://relay.internal:8443/":          "", // allowed only on 443; a name is judged when dialled
		"https://relay.example.com:99999/":      "port",
		"http://[fe80::1%25eth0]:80/":           "link-local",
		"http://127.0.0.1:8090@10.0.0.1:8090/x": "user information",
	}
	for u, want := range bad {
		err := g.CheckURL(u)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", u, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("%s: got %v, want an error about %q", u, err, want)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8090", "http://127.0.0.1:8090/r/a", "https://relay.internal/", "https://kakaoapi.aligo.in", "https://8.8.8.8/"} {
		if err := g.CheckURL(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	var re *RefusedError
	if err := g.CheckHost("192.168.0.10", 25); !errors.As(err, &re) || !errors.Is(err, ErrRefused) || re.Reason != "private" {
		t.Errorf("smtp host 192.168.0.10: %v", err)
	}
	if _, err := ParseList("127.0.0.1:8090, sim:80,"); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"127.0.0.1", "host:0", "host:http", ":80"} {
		if _, err := ParseList(bad); err == nil {
			t.Errorf("ParseList(%q) accepted", bad)
		}
	}
}

// server counts the requests it receives.
func server(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		if h != nil {
			h(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func client(g *Guard) *http.Client {
	return &http.Client{Transport: g.Transport(5 * time.Second), CheckRedirect: CheckRedirect, Timeout: 10 * time.Second}
}

// The refusal happens when dialling, on the address the socket connects to: a
// name resolving to loopback is refused as the address itself is, and the server
// never sees the request.
func TestDialRefusesPrivateAddressesUnlessListed(t *testing.T) {
	srv, hits := server(t, nil)
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	g := &Guard{}
	for _, target := range []string{srv.URL, "http://localhost:" + port + "/"} {
		_, err := client(g).Get(target)
		if !errors.Is(err, ErrRefused) {
			t.Errorf("GET %s: %v, want a refusal", target, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("the server got %d requests", hits.Load())
	}
	if err := g.Allow(u.Host); err != nil {
		t.Fatal(err)
	}
	resp, err := client(g).Get(srv.URL)
	if err != nil {
		t.Fatalf("listed address refused: %v", err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatalf("the server got %d requests", hits.Load())
	}
}

// A listed server that redirects to an address nobody listed: the redirect is
// dialled through the guard too, and refused. Redirect loops stop after
// MaxRedirects.
func TestRedirectsAreCheckedAndCapped(t *testing.T) {
	private, privateHits := server(t, nil)
	public, _ := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, private.URL+"/latest/meta-data/", http.StatusFound)
	})
	var loop *httptest.Server
	loop, loopHits := server(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusTemporaryRedirect)
	})
	g := &Guard{}
	for _, s := range []*httptest.Server{public, loop} {
		if err := g.AllowURL(s.URL); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client(g).Get(public.URL); !errors.Is(err, ErrRefused) {
		t.Fatalf("redirect to an unlisted loopback server: %v", err)
	}
	if privateHits.Load() != 0 {
		t.Fatal("the redirect reached the private server")
	}
	if _, err := client(g).Get(loop.URL); !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("redirect loop: %v", err)
	}
	if n := loopHits.Load(); n != MaxRedirects+1 {
		t.Fatalf("the loop was followed %d times", n)
	}
}
