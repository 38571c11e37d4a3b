package main

import (
	"context"
	"strings"
	"testing"
)

// An unknown load generator is refused by name before anything is started.
func TestBenchRedirectsRefusesAnUnknownClient(t *testing.T) {
	root := rootCmd()
	root.SetArgs([]string{"bench", "redirects", "--client", "curl"})
	err := root.ExecuteContext(context.Background())
	if err == nil || !strings.Contains(err.Error(), `--client "curl": want go, wrk or both`) {
		t.Fatalf("bench redirects --client curl: %v", err)
	}
}
