package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	stdlog "log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/testenv"
	"github.com/sendingo/sendingo/testenv/testca"
)

func TestMain(m *testing.M) { testenv.Main(m, testenv.WithTemporal) }

// pki is a throw-away CA with a server certificate for temporal.test (and
// 127.0.0.1) and a client certificate, as PEM.
type pki struct {
	caPEM, serverCertPEM, serverKeyPEM, clientCertPEM, clientKeyPEM []byte
	pool                                                            *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	ca := testca.New(t, "sendingo test CA")
	server := ca.Issue(t, x509.Certificate{Subject: pkix.Name{CommonName: "temporal.test"}, DNSNames: []string{"temporal.test"}})
	client := ca.Issue(t, x509.Certificate{Subject: pkix.Name{CommonName: "sendingo-worker"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return pki{caPEM: ca.PEM, pool: ca.Pool(), serverCertPEM: server.CertPEM, serverKeyPEM: server.KeyPEM,
		clientCertPEM: client.CertPEM, clientKeyPEM: client.KeyPEM}
}

// tlsProxy terminates TLS (HTTP/2, as gRPC speaks it) in front of the plaintext
// dev server, as a Temporal frontend behind mTLS or Temporal Cloud would
// answer: with requireClientCert it refuses a handshake without a certificate
// from the CA; with apiKey it refuses calls that do not carry it.
type tlsProxy struct {
	addr    string
	calls   atomic.Int64 // calls that reached the dev server
	refused atomic.Int64 // calls refused for a wrong or missing API key
}

func startTLSProxy(t *testing.T, p pki, requireClientCert bool, apiKey string) *tlsProxy {
	t.Helper()
	backend := testenv.Current().Temporal.Address
	h2c := &http.Transport{Protocols: new(http.Protocols)}
	h2c.Protocols.SetUnencryptedHTTP2(true)
	t.Cleanup(h2c.CloseIdleConnections)
	px := &tlsProxy{}
	forward := &httputil.ReverseProxy{
		Rewrite:       func(r *httputil.ProxyRequest) { r.Out.URL.Scheme, r.Out.URL.Host = "http", backend },
		Transport:     h2c,
		FlushInterval: -1,
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if apiKey != "" && r.Header.Get("Authorization") != "Bearer "+apiKey {
			px.refused.Add(1)
			// A trailers-only gRPC answer: UNAUTHENTICATED.
			w.Header().Set("Content-Type", "application/grpc")
			w.Header().Set("Grpc-Status", "16")
			w.Header().Set("Grpc-Message", "bad api key")
			w.WriteHeader(http.StatusOK)
			return
		}
		px.calls.Add(1)
		forward.ServeHTTP(w, r)
	}))
	cert, err := tls.X509KeyPair(p.serverCertPEM, p.serverKeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: p.pool}
	if requireClientCert {
		srv.TLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	srv.EnableHTTP2 = true
	// Refused handshakes are what some tests are about: not worth a log line.
	srv.Config.ErrorLog = stdlog.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	px.addr = srv.Listener.Addr().String()
	return px
}

// dial connects with the options built from cfg, as every command does.
func dial(t *testing.T, cfg config.Config) (client.Client, error) {
	t.Helper()
	opts, err := temporalOptions(cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, opts)
	if err == nil {
		t.Cleanup(c.Close)
	}
	return c, err
}

func baseConfig(t *testing.T, vars map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The options every client is built from: plaintext by default; a client
// certificate, a CA, a server name and an API key taken from the variables
// (PEM inline or a file path); bad material named by its variable.
func TestTemporalOptionsFromConfig(t *testing.T) {
	p := newPKI(t)
	dir := t.TempDir()
	keyFile, caFile := filepath.Join(dir, "client.key"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(keyFile, p.clientKeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, p.caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)

	plain, err := temporalOptions(baseConfig(t, map[string]string{"SENDINGO_TEMPORAL_ADDRESS": "temporal:7233", "SENDINGO_TEMPORAL_NAMESPACE": "prod"}), log, nil)
	if err != nil || plain.HostPort != "temporal:7233" || plain.Namespace != "prod" || plain.ConnectionOptions.TLS != nil || plain.Credentials != nil {
		t.Fatalf("plaintext options %+v, %v", plain, err)
	}

	mtls, err := temporalOptions(baseConfig(t, map[string]string{
		"SENDINGO_TEMPORAL_TLS_CERT":        string(p.clientCertPEM), // PEM, as ECS injects it from Secrets Manager
		"SENDINGO_TEMPORAL_TLS_KEY":         keyFile,                 // a path
		"SENDINGO_TEMPORAL_TLS_CA":          caFile,
		"SENDINGO_TEMPORAL_TLS_SERVER_NAME": "temporal.test",
	}), log, nil)
	if err != nil {
		t.Fatal(err)
	}
	tc := mtls.ConnectionOptions.TLS
	if tc == nil || len(tc.Certificates) != 1 || tc.RootCAs == nil || tc.ServerName != "temporal.test" || mtls.Credentials != nil {
		t.Fatalf("mTLS options: %+v", tc)
	}
	leaf, err := x509.ParseCertificate(tc.Certificates[0].Certificate[0])
	if err != nil || leaf.Subject.CommonName != "sendingo-worker" {
		t.Fatalf("client certificate %v, %v", leaf, err)
	}

	// A one-line .env keeps PEM line breaks as \n.
	oneLine := strings.ReplaceAll(string(p.caPEM), "\n", `\n`)
	apiKey, err := temporalOptions(baseConfig(t, map[string]string{"SENDINGO_TEMPORAL_API_KEY": "tcld-key", "SENDINGO_TEMPORAL_TLS_CA": oneLine}), log, nil)
	if err != nil || apiKey.ConnectionOptions.TLS == nil || apiKey.ConnectionOptions.TLS.RootCAs == nil ||
		len(apiKey.ConnectionOptions.TLS.Certificates) != 0 || apiKey.Credentials == nil {
		t.Fatalf("API key options %+v, %v", apiKey, err)
	}

	for name, vars := range map[string]map[string]string{
		"SENDINGO_TEMPORAL_TLS_CA": {"SENDINGO_TEMPORAL_TLS_CA": "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n"},
		"SENDINGO_TEMPORAL_TLS_KEY": {"SENDINGO_TEMPORAL_TLS_CERT": string(p.clientCertPEM),
			"SENDINGO_TEMPORAL_TLS_KEY": filepath.Join(dir, "missing.key")},
		"SENDINGO_TEMPORAL_TLS_CERT / SENDINGO_TEMPORAL_TLS_KEY": {"SENDINGO_TEMPORAL_TLS_CERT": string(p.clientCertPEM),
			"SENDINGO_TEMPORAL_TLS_KEY": string(p.serverKeyPEM)},
	} {
		_, err := temporalOptions(baseConfig(t, vars), log, nil)
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: %v, want an error naming it", name, err)
		}
		if err != nil && strings.Contains(err.Error(), "PRIVATE KEY") {
			t.Errorf("the error shows key material: %v", err)
		}
	}
}

// Through a TLS-terminating proxy that demands a client certificate (the shape
// of Temporal Cloud's mTLS endpoints), the client built from the variables
// connects and works; without the certificate, or verifying another name, it
// does not.
func TestTemporalDialsWithMTLS(t *testing.T) {
	p := newPKI(t)
	px := startTLSProxy(t, p, true, "")
	vars := map[string]string{
		"SENDINGO_TEMPORAL_ADDRESS":         px.addr,
		"SENDINGO_TEMPORAL_TLS_CERT":        string(p.clientCertPEM),
		"SENDINGO_TEMPORAL_TLS_KEY":         string(p.clientKeyPEM),
		"SENDINGO_TEMPORAL_TLS_CA":          string(p.caPEM),
		"SENDINGO_TEMPORAL_TLS_SERVER_NAME": "temporal.test",
	}
	c, err := dial(t, baseConfig(t, vars))
	if err != nil {
		t.Fatalf("dial through the mTLS proxy: %v", err)
	}
	if _, err := c.CheckHealth(context.Background(), &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("health through the proxy: %v", err)
	}
	if px.calls.Load() == 0 {
		t.Fatal("no call went through the proxy")
	}

	noCert := map[string]string{"SENDINGO_TEMPORAL_ADDRESS": px.addr, "SENDINGO_TEMPORAL_TLS_CA": string(p.caPEM),
		"SENDINGO_TEMPORAL_TLS_SERVER_NAME": "temporal.test"}
	if _, err := dial(t, baseConfig(t, noCert)); err == nil {
		t.Error("dialled the mTLS proxy without a client certificate")
	}
	wrongName := maps(vars, "SENDINGO_TEMPORAL_TLS_SERVER_NAME", "other.test")
	if _, err := dial(t, baseConfig(t, wrongName)); err == nil {
		t.Error("dialled although the server's certificate is not for the configured name")
	}
	plain := map[string]string{"SENDINGO_TEMPORAL_ADDRESS": px.addr}
	if _, err := dial(t, baseConfig(t, plain)); err == nil {
		t.Error("a plaintext client got through the TLS proxy")
	}
}

// With SENDINGO_TEMPORAL_API_KEY the client speaks TLS and sends the key as a
// bearer token on every call (Temporal Cloud's API key authentication); a
// wrong key is refused.
func TestTemporalDialsWithAPIKey(t *testing.T) {
	p := newPKI(t)
	px := startTLSProxy(t, p, false, "tcld-test-key")
	vars := map[string]string{
		"SENDINGO_TEMPORAL_ADDRESS":         px.addr,
		"SENDINGO_TEMPORAL_API_KEY":         "tcld-test-key",
		"SENDINGO_TEMPORAL_TLS_CA":          string(p.caPEM),
		"SENDINGO_TEMPORAL_TLS_SERVER_NAME": "temporal.test",
	}
	c, err := dial(t, baseConfig(t, vars))
	if err != nil {
		t.Fatalf("dial with the API key: %v", err)
	}
	if _, err := c.CheckHealth(context.Background(), &client.CheckHealthRequest{}); err != nil {
		t.Fatalf("health with the API key: %v", err)
	}
	if px.calls.Load() == 0 || px.refused.Load() != 0 {
		t.Fatalf("proxy forwarded %d calls and refused %d", px.calls.Load(), px.refused.Load())
	}
	if _, err := dial(t, baseConfig(t, maps(vars, "SENDINGO_TEMPORAL_API_KEY", "stale-key"))); err == nil || px.refused.Load() == 0 {
		t.Errorf("a wrong key: %v (refused %d)", err, px.refused.Load())
	}
}

// maps is vars with k set to v.
func maps(vars map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for kk, vv := range vars {
		if kk != k {
			out[kk] = vv
		}
	}
	return out
}
