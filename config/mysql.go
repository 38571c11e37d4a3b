package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
)

// MySQLTLSName is the driver's name (the DSN's tls parameter) of the TLS
// configuration that SENDINGO_MYSQL_TLS_CA registers.
const MySQLTLSName = "sendingo-ca"

// SetMySQLDSN sets the DSN as SENDINGO_MYSQL_DSN does (the --mysql-dsn flag):
// switched to the CA of SENDINGO_MYSQL_TLS_CA when that is set.
func (c *Config) SetMySQLDSN(dsn string) error {
	if c.MySQLTLSCA != "" {
		v, err := verifyingDSN(dsn, c.MySQLTLSCA)
		if err != nil {
			return err
		}
		dsn = v
	}
	c.MySQLDSN = dsn
	return nil
}

// verifyingDSN registers a TLS configuration that trusts only the CA in ca (PEM,
// or the path of a PEM file) and answers dsn switched to it: every connection
// then uses TLS and checks the server's certificate against that CA, its host
// name included. It replaces the DSN's own tls parameter (none, true,
// skip-verify, preferred: all weaker), except tls=false, which contradicts it.
func verifyingDSN(dsn, ca string) (string, error) {
	caPEM, err := pemOrFile("SENDINGO_MYSQL_TLS_CA", ca)
	if err != nil {
		return "", err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return "", errors.New("SENDINGO_MYSQL_TLS_CA: no PEM certificate found")
	}
	if err := mysql.RegisterTLSConfig(MySQLTLSName, &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}); err != nil {
		return "", fmt.Errorf("SENDINGO_MYSQL_TLS_CA: %w", err)
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return "", fmt.Errorf("SENDINGO_MYSQL_DSN: %w", err)
	}
	if cfg.TLSConfig == "false" {
		return "", errors.New("SENDINGO_MYSQL_TLS_CA asks for TLS checked against its CA, but SENDINGO_MYSQL_DSN says tls=false: drop one of them")
	}
	cfg.TLSConfig, cfg.TLS, cfg.AllowFallbackToPlaintext = MySQLTLSName, nil, false
	return cfg.FormatDSN(), nil
}
