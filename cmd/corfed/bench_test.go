package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMain lets the test binary serve as corfed bench's client process,
// which bench starts by re-executing its own binary, and removes the
// corfed binary the tests built (corfedBinary).
func TestMain(m *testing.M) {
	if os.Getenv("CORFED_BENCH_CLIENT") == "1" {
		os.Exit(Main(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// TestBenchSmall runs `corfed bench` at its smallest size: every scenario
// runs over real HTTP from a separate client process and prints its
// figure with a baseline.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("bench")
	}
	var out, errb bytes.Buffer
	args := []string{"bench", "--size", "300", "--clients", "4", "--creates", "200", "--recognitions", "500", "--dir", t.TempDir(), "--testdata", "../../testdata"}
	if code := Main(context.Background(), args, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	for _, want := range []string{"this machine: bare net/http, 2-byte GET", "durable creates over HTTP", "entries per commit", "bytes written to disk per create", "allocated per create", "GC cycles per 1000 creates", "the same creates in process", "bare net/http taking the same POSTs", "floor: in process", "import over HTTP, 1 caller", "entries per server CPU-second", "GET a stored certificate", "recognition with proof", "the same answers in process", "bare net/http, same bytes + one sign", "bare net/http, same bytes, per core", "search name",
		"p99 inclusion proof at", "verify a peer's entries", "follower syncs", "disk per record version", "open-to-ready", "anonymous memory",
		"restart, process start to first lookup employer", "restart, process start to first maintenance list", "restart, process start to first status list"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// create's floor and recognition's: the answer made in process plus
	// what a bare server pays to carry it.
	if n := strings.Count(out.String(), "floor: in process + bare net/http, per core"); n != 2 {
		t.Errorf("%d floor rows, want create's and recognition's:\n%s", n, out.String())
	}
	if strings.Contains(out.String(), "skipped") {
		t.Errorf("a scenario was skipped:\n%s", out.String())
	}
}

// TestBenchScale runs the scale scenario with a node at 200 entries and
// its copy grown to 500: both sizes are served at once and every read is
// compared between them; and the ingest rate of the growth's last entries
// is compared with its first's.
func TestBenchScale(t *testing.T) {
	if testing.Short() {
		t.Skip("bench")
	}
	defer func(m int) { ingestWindowMin = m }(ingestWindowMin)
	ingestWindowMin = 50
	dir := t.TempDir()
	var out, errb bytes.Buffer
	args := []string{"bench", "--only", "scale", "--size", "500", "--scale-from", "200", "--clients", "2", "--dir", dir, "--testdata", "../../testdata"}
	if code := Main(context.Background(), args, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s\n%s", code, errb.String(), out.String())
	}
	for _, name := range readNames {
		if want := "p99 " + name + " at 5"; !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(out.String(), "ingest, entries ") || !strings.Contains(out.String(), "process CPU per entry") {
		t.Errorf("no ingest rate of the growth's last entries against its first's:\n%s", out.String())
	}
	if !strings.Contains(out.String(), " vs at 2") {
		t.Errorf("no comparison with the node at 200 entries:\n%s", out.String())
	}
}

// TestBenchKeysFlag: --keys takes random or ordered; anything else is a
// usage error (exit 2) naming the flag, before any scratch is made.
func TestBenchKeysFlag(t *testing.T) {
	var out, errb bytes.Buffer
	dir := filepath.Join(t.TempDir(), "scratch")
	if code := Main(context.Background(), []string{"bench", "--keys", "sideways", "--dir", dir}, nil, &out, &errb); code != 2 ||
		!strings.Contains(errb.String(), `--keys "sideways": random or ordered`) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("a refused bench made its scratch directory (%v)", err)
	}
}

// TestSpread: every index is done once, whatever the workers, and the
// first error comes back even when the errors differ in type (an
// atomic.Value, as the in-process loop had, panics on a second type).
func TestSpread(t *testing.T) {
	for _, tc := range []struct {
		name       string
		workers, n int
		fail       func(i int) error
		wantErr    bool
	}{
		{"no errors", 4, 1000, func(int) error { return nil }, false},
		{"one worker", 1, 10, func(int) error { return nil }, false},
		{"nothing to do", 3, 0, func(int) error { return errors.New("called") }, false},
		{"errors of two types", 8, 1000, func(i int) error {
			if i%2 == 0 {
				return errors.New("even")
			}
			return &os.PathError{Op: "odd", Path: "x", Err: os.ErrInvalid}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int]int{}
			err := spread(tc.workers, tc.n, func(i int) error {
				mu.Lock()
				seen[i]++
				mu.Unlock()
				return tc.fail(i)
			})
			if (err != nil) != tc.wantErr {
				t.Errorf("err %v, want an error: %t", err, tc.wantErr)
			}
			if len(seen) != tc.n {
				t.Errorf("%d indexes done, want %d", len(seen), tc.n)
			}
			for i, c := range seen {
				if c != 1 || i < 0 || i >= tc.n {
					t.Errorf("index %d done %d times", i, c)
				}
			}
		})
	}
}
