package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/store"
)

// testCA is a certificate authority of one test's own.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, name string) testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return testCA{cert, key}
}

// writeCA writes the CA's certificate as PEM and answers the file's path.
func (ca testCA) writeCA(t *testing.T, path string) string {
	t.Helper()
	writePEM(t, path, "CERTIFICATE", ca.cert.Raw)
	return path
}

// serve writes a server certificate signed by the CA, made out to the given IP
// addresses and DNS names, and its key; it answers mariadbd's options for them.
func (ca testCA) serve(t *testing.T, dir string, ips []net.IP, names ...string) []string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "database"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: ips, DNSNames: names, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	writePEM(t, certPath, "CERTIFICATE", der)
	writePEM(t, keyPath, "PRIVATE KEY", keyDER)
	return []string{"--ssl-cert=" + certPath, "--ssl-key=" + keyPath}
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// On AWS the database is RDS, reached over TLS. With SENDINGO_MYSQL_TLS_CA the
// binary checks the server's certificate against that CA, its name included,
// whatever the DSN's tls parameter says (the DSN here says skip-verify): a
// server whose certificate another CA signed, or one made out to another
// name, is refused, where skip-verify would have talked to whoever answered.
func TestTheDatabaseIsReachedOverTLSCheckedAgainstItsCA(t *testing.T) {
	certs := t.TempDir()
	ca := newTestCA(t, "sendingo test database CA")
	caFile := ca.writeCA(t, filepath.Join(certs, "ca.pem"))
	otherCA := newTestCA(t, "another CA").writeCA(t, filepath.Join(certs, "other-ca.pem"))
	db := startMariaDB(t, ca.serve(t, certs, []net.IP{net.IPv4(127, 0, 0, 1)})...)
	dsn := strings.Replace(db.dsn("sendingo"), "?", "?tls=skip-verify&", 1)
	if !strings.Contains(dsn, "tls=skip-verify") {
		dsn += "?tls=skip-verify"
	}

	migrate := func(ca string) (string, error) {
		cmd := exec.Command(binary, "migrate", "up")
		cmd.Env = append(os.Environ(), "SENDINGO_MYSQL_DSN="+dsn, "SENDINGO_MYSQL_TLS_CA="+ca)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := migrate(caFile); err != nil {
		t.Fatalf("migrate up with the server's CA: %v\n%s", err, out)
	}
	// The store the api and the worker open speaks TLS to this server.
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"SENDINGO_MYSQL_DSN": dsn, "SENDINGO_MYSQL_TLS_CA": caFile}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	full, err := store.DSN(cfg.MySQLDSN)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sql.Open("mysql", full)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var name, version string
	if err := conn.QueryRowContext(context.Background(), `SHOW SESSION STATUS LIKE 'Ssl_version'`).Scan(&name, &version); err != nil || !strings.HasPrefix(version, "TLSv1.") {
		t.Fatalf("the connection's TLS version %q (%v), want TLSv1.x", version, err)
	}

	if out, err := migrate(otherCA); err == nil || !strings.Contains(out, "certificate signed by unknown authority") ||
		!strings.Contains(out, "SENDINGO_MYSQL_TLS_CA") {
		t.Fatalf("migrate up trusting another CA: %v, want it refused for the unknown authority, naming SENDINGO_MYSQL_TLS_CA\n%s", err, out)
	}

	// The DSN given as --mysql-dsn is checked the same way.
	flag := exec.Command(binary, "--mysql-dsn", dsn, "migrate", "up")
	flag.Env = append(os.Environ(), "SENDINGO_MYSQL_TLS_CA="+otherCA)
	if out, err := flag.CombinedOutput(); err == nil || !strings.Contains(string(out), "certificate signed by unknown authority") {
		t.Fatalf("migrate up --mysql-dsn trusting another CA: %v, want it refused\n%s", err, out)
	}

	// The same CA, a certificate made out to another name.
	db.stop()
	db.extra = ca.serve(t, certs, nil, "db.example")
	db.start()
	if out, err := migrate(caFile); err == nil || !strings.Contains(out, "cannot validate certificate for 127.0.0.1") {
		t.Fatalf("migrate up against a certificate for db.example: %v, want it refused for the name\n%s", err, out)
	}
}
