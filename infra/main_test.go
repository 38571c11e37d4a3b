package infra

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	// terraform asks HashiCorp's checkpoint service for newer releases; tests make
	// no calls off this machine.
	os.Setenv("CHECKPOINT_DISABLE", "1")
	os.Exit(m.Run())
}
