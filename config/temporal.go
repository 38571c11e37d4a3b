package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// TemporalTLSEnabled reports whether Temporal is dialled over TLS: when any
// SENDINGO_TEMPORAL_TLS_* setting or an API key is set (an API key never
// travels in clear text).
func (c Config) TemporalTLSEnabled() bool {
	return c.TemporalTLSCert != "" || c.TemporalTLSKey != "" || c.TemporalTLSCA != "" ||
		c.TemporalTLSServerName != "" || c.TemporalAPIKey != ""
}

// TemporalTLS builds the TLS configuration for Temporal clients, or nil when
// TLS is off. The client certificate and the CA are read now (PEM in the
// variable, or a file it names), so a bad one stops the start with the
// variable's name; a rotated certificate takes a restart.
func (c Config) TemporalTLS() (*tls.Config, error) {
	if !c.TemporalTLSEnabled() {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: c.TemporalTLSServerName}
	if c.TemporalTLSCert != "" || c.TemporalTLSKey != "" {
		certPEM, err := pemOrFile("SENDINGO_TEMPORAL_TLS_CERT", c.TemporalTLSCert)
		if err != nil {
			return nil, err
		}
		keyPEM, err := pemOrFile("SENDINGO_TEMPORAL_TLS_KEY", c.TemporalTLSKey)
		if err != nil {
			return nil, err
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("SENDINGO_TEMPORAL_TLS_CERT / SENDINGO_TEMPORAL_TLS_KEY: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if c.TemporalTLSCA != "" {
		caPEM, err := pemOrFile("SENDINGO_TEMPORAL_TLS_CA", c.TemporalTLSCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("SENDINGO_TEMPORAL_TLS_CA: no PEM certificate found")
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

// pemOrFile is the PEM a variable holds, or the content of the file it names.
// PEM passed through a one-line .env file often has literal \n for its line
// breaks; those are turned back into line breaks.
func pemOrFile(name, v string) ([]byte, error) {
	if v == "" {
		return nil, fmt.Errorf("%s is not set", name)
	}
	if strings.Contains(v, "-----BEGIN ") {
		if !strings.Contains(v, "\n") {
			v = strings.ReplaceAll(v, `\n`, "\n")
		}
		return []byte(v), nil
	}
	b, err := os.ReadFile(v)
	if err != nil {
		// Not the path itself: a mangled key would end up in the logs.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("%s: neither PEM nor a readable file: %w", name, err)
	}
	return b, nil
}
