package e2e

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/sendingo/sendingo/config"
	"github.com/sendingo/sendingo/store"
	"github.com/sendingo/sendingo/testenv/testca"
)

// serveTLS writes a server certificate that ca signed, made out to the given
// IP addresses and DNS names, and its key into dir; it answers mariadbd's
// options for them.
func serveTLS(t *testing.T, ca *testca.CA, dir string, ips []net.IP, names ...string) []string {
	t.Helper()
	leaf := ca.Issue(t, x509.Certificate{Subject: pkix.Name{CommonName: "database"}, IPAddresses: ips, DNSNames: names})
	certPath, keyPath := filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key")
	writeFile(t, certPath, leaf.CertPEM)
	writeFile(t, keyPath, leaf.KeyPEM)
	return []string{"--ssl-cert=" + certPath, "--ssl-key=" + keyPath}
}

func writeFile(t *testing.T, path string, b []byte) string {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// On AWS the database is RDS, reached over TLS. With SENDINGO_MYSQL_TLS_CA the
// binary checks the server's certificate against that CA, its name included,
// whatever the DSN's tls parameter says (the DSN here says skip-verify): a
// server whose certificate another CA signed, or one made out to another
// name, is refused, where skip-verify would have talked to whoever answered.
func TestTheDatabaseIsReachedOverTLSCheckedAgainstItsCA(t *testing.T) {
	certs := t.TempDir()
	ca := testca.New(t, "sendingo test database CA")
	caFile := writeFile(t, filepath.Join(certs, "ca.pem"), ca.PEM)
	otherCA := writeFile(t, filepath.Join(certs, "other-ca.pem"), testca.New(t, "another CA").PEM)
	db := startMariaDB(t, serveTLS(t, ca, certs, []net.IP{net.IPv4(127, 0, 0, 1)})...)
	dc, err := mysql.ParseDSN(db.dsn("sendingo"))
	if err != nil {
		t.Fatal(err)
	}
	dc.TLSConfig = "skip-verify" // what the AWS secret says: replaced by the CA
	dsn := dc.FormatDSN()

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
	db.extra = serveTLS(t, ca, certs, nil, "db.example")
	db.start()
	if out, err := migrate(caFile); err == nil || !strings.Contains(out, "cannot validate certificate for 127.0.0.1") {
		t.Fatalf("migrate up against a certificate for db.example: %v, want it refused for the name\n%s", err, out)
	}
}
