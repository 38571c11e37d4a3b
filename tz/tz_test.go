package tz

import (
	"testing"
	"time"
	_ "time/tzdata"
)

func TestLocation(t *testing.T) {
	for name, want := range map[string]string{
		"":                 "Asia/Seoul",
		"Europe/Berlin":    "Europe/Berlin",
		"Nowhere/Atlantis": "Asia/Seoul",
		"UTC":              "UTC",
	} {
		if got := Location(name).String(); got != want {
			t.Errorf("Location(%q) = %s, want %s", name, got, want)
		}
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	if _, off := at.In(kst).Zone(); off != 9*3600 {
		t.Errorf("kst offset %d", off)
	}
	if _, off := at.In(Location("")).Zone(); off != 9*3600 {
		t.Errorf("Seoul offset %d", off)
	}
}
