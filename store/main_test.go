package store_test

import (
	"testing"

	"github.com/sendingo/sendingo/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
