package main

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/corfed/corfed/registry/node"
)

func TestParseByteSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"123", 123, true}, {"512B", 512, true}, {"64KiB", 64 << 10, true}, {"512MiB", 512 << 20, true},
		{"2GiB", 2 << 30, true}, {"1TiB", 1 << 40, true},
		{"", 0, false}, {"MiB", 0, false}, {"-1", 0, false}, {"1.5GiB", 0, false}, {"1GB", 0, false}, {"lots", 0, false},
		{"9223372036854775807TiB", 0, false},
	}
	for _, tc := range tests {
		got, err := parseByteSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestGCOptionsApply: the flags set GOGC and the memory limit, except what
// the environment sets.
func TestGCOptionsApply(t *testing.T) {
	oldPercent := debug.SetGCPercent(100)
	oldLimit := debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(oldPercent); debug.SetMemoryLimit(oldLimit) })
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")

	if err := (gcOptions{percent: 400, limit: "256MiB"}).apply(); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(-1); got != 400 {
		t.Errorf("GOGC %d, want 400", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 256<<20 {
		t.Errorf("memory limit %d, want %d", got, 256<<20)
	}
	if err := (gcOptions{percent: 200, limit: "0"}).apply(); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetMemoryLimit(-1); got != math.MaxInt64 {
		t.Errorf("memory limit %d after --memory-limit 0, want none", got)
	}

	t.Setenv("GOGC", "150")
	t.Setenv("GOMEMLIMIT", "1GiB")
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	if err := (gcOptions{percent: 400, limit: "256MiB"}).apply(); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(-1); got != 150 {
		t.Errorf("GOGC %d with GOGC=150 in the environment, want 150", got)
	}
	if got := debug.SetMemoryLimit(-1); got != 1<<30 {
		t.Errorf("memory limit %d with GOMEMLIMIT=1GiB in the environment, want %d", got, 1<<30)
	}
	if err := (gcOptions{percent: 400, limit: "1.5GiB"}).apply(); err == nil {
		t.Error("--memory-limit 1.5GiB: no error")
	}
}

// TestServeGCDefaults: serve's default memory limit is the one the node's
// write benchmarks run with (node.DefaultMemoryLimit).
func TestServeGCDefaults(t *testing.T) {
	limit, err := parseByteSize(defaultMemoryLimit)
	if err != nil || limit != node.DefaultMemoryLimit {
		t.Errorf("--memory-limit default %q = %d, %v; want node.DefaultMemoryLimit %d", defaultMemoryLimit, limit, err, node.DefaultMemoryLimit)
	}
}

// TestEnsureProcs: a node gets at least two Ps unless the environment
// says otherwise, and nothing is set above the floor.
func TestEnsureProcs(t *testing.T) {
	old := runtime.GOMAXPROCS(0)
	t.Cleanup(func() { runtime.GOMAXPROCS(old) })
	tests := []struct {
		env       string
		start     int
		want, was int
	}{
		{"", 1, minNodeProcs, 1},
		{"", 3, 3, 3},
		{"1", 1, 1, 1}, // the environment wins
	}
	for _, tc := range tests {
		t.Setenv("GOMAXPROCS", tc.env)
		runtime.GOMAXPROCS(tc.start)
		if was := ensureProcs(); was != tc.was || runtime.GOMAXPROCS(0) != tc.want {
			t.Errorf("GOMAXPROCS env %q, %d before: ensureProcs() = %d, now %d; want %d, now %d",
				tc.env, tc.start, was, runtime.GOMAXPROCS(0), tc.was, tc.want)
		}
	}
}
