package main

import (
	"strings"
	"testing"
	"time"
)

// TestServeStartupErrorExits: a serve that fails after the webhook outbox
// started (here: a --tiles destination whose scheme no driver opens) exits
// non-zero with the reason, rather than waiting for a signal.
func TestServeStartupErrorExits(t *testing.T) {
	type result struct {
		code   int
		stderr string
	}
	done := make(chan result, 1)
	go func() {
		code, _, stderr := run(t, "serve", "--jurisdiction", "CA-AB", "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--tiles", "nosuchscheme://bucket")
		done <- result{code, stderr}
	}()
	select {
	case r := <-done:
		if r.code == 0 || !strings.Contains(r.stderr, "nosuchscheme") {
			t.Errorf("serve --tiles nosuchscheme://bucket: exit %d, stderr %q; want a failure naming the destination", r.code, r.stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve with a --tiles destination it cannot open was still running after 60 s")
	}
}
