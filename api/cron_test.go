package api

import "testing"

func TestCheckCron(t *testing.T) {
	for _, ok := range []string{"* * * * *", "0 9 * * mon", "*/15 8-20 * * 1-5", "30 21 1,15 jan-mar sun", "0 0 31 12 6"} {
		if msg := checkCron(ok); msg != "" {
			t.Errorf("%q refused: %s", ok, msg)
		}
	}
	for _, bad := range []string{"", "* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 7",
		"*/0 * * * *", "5-1 * * * *", "@daily", "* * * * * *", "a * * * *"} {
		if checkCron(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}
