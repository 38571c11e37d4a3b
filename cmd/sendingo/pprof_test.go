package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

// SENDINGO_PPROF_ADDR serves Go's profiles (the API and the worker share this);
// unset, nothing listens.
func TestPprofIsServedOnlyWhenAsked(t *testing.T) {
	addr, stop, err := servePprof("", slog.New(slog.DiscardHandler), "api")
	if err != nil || addr != "" {
		t.Fatalf("no address served %q (%v)", addr, err)
	}
	stop()
	addr, stop, err = servePprof("127.0.0.1:0", slog.New(slog.DiscardHandler), "api")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "goroutine") {
		t.Fatalf("/debug/pprof/ answered %d:\n%.200s", resp.StatusCode, body)
	}
	if _, _, err := servePprof(addr, slog.New(slog.DiscardHandler), "worker"); err == nil || !strings.Contains(err.Error(), "SENDINGO_PPROF_ADDR") {
		t.Fatalf("a taken address answered %v, want an error naming SENDINGO_PPROF_ADDR", err)
	}
}
