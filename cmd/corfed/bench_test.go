package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestBenchSmall runs `corfed bench` at its smallest size: every scenario
// runs over real HTTP and prints its figure with a baseline.
func TestBenchSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("bench")
	}
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"bench", "--size", "300", "--clients", "4", "--dir", t.TempDir()}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"durable creates over HTTP", "GET a stored record", "p99 proof at 300", "verify a peer's entries", "disk per record version", "open-to-ready"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
