package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
)

// TestTokenForACPTheNodeDoesNotKnow (review s28-o, L3): a CP token for a
// CP the node does not hold is issued (the CP may be registered later) with
// a warning on stderr saying its writes are refused until it is; a known
// CP gets none. While the node runs (its store locked), the command says
// it could not check, and how to.
func TestTokenForACPTheNodeDoesNotKnow(t *testing.T) {
	dir := seededDataDir(t)
	tests := []struct {
		name, cp  string
		want, not string
	}{
		{"known CP", "ACSA", "token id (jti)", "not on this node"},
		{"unknown CP", "NOPE", "warning: CP NOPE is not on this node", "not checked"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := run(t, "token", "--data", dir, "--role", "cp", "--cp", tc.cp)
			if code != 0 || strings.Count(out, ".") != 2 {
				t.Fatalf("exit %d, stdout %q %s; want a token", code, out, stderr)
			}
			if !strings.Contains(stderr, tc.want) || strings.Contains(stderr, tc.not) {
				t.Errorf("stderr %q: want %q, not %q", stderr, tc.want, tc.not)
			}
		})
	}
	_, db, err := openNode(context.Background(), nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	code, out, stderr := run(t, "token", "--data", dir, "--role", "cp", "--cp", "NOPE")
	if code != 0 || strings.Count(out, ".") != 2 || !strings.Contains(stderr, "not checked") || !strings.Contains(stderr, "GET /v1/cps/NOPE") {
		t.Errorf("node running: exit %d, stdout %q, stderr %q; want a token and a note that the CP was not checked", code, out, stderr)
	}
}
