package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRevocationsSurviveHandEditedFiles: revoked-tokens.txt is a file an
// operator may edit. An id revoked after a last line with no newline
// starts a line of its own (before, the two ids ran together and neither
// token stayed revoked), and a line of any length is read (before, one
// over 64 KiB ended the read silently, forgetting every id after it).
// Found by review s25-r (finding 4).
func TestRevocationsSurviveHandEditedFiles(t *testing.T) {
	const old, neu, after = "caca99da1323a0e6bedbcce9", "0994d172e574dbb763dc9d6c", "abc123"
	for _, tc := range []struct {
		name, file string
		revoke     []string
		want       []string
	}{
		{"a last line without newline", "# leaked, ticket 42\n" + old, []string{neu}, []string{old, neu}},
		{"a line over 64 KiB", "# " + strings.Repeat("x", 70_000) + "\n" + after + " 2026-12-05T05:00:00Z\n", nil, []string{after}},
		{"an empty file", "", []string{neu}, []string{neu}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, revokedFile), []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			if tc.revoke != nil {
				if err := runRevoke(context.Background(), append(tc.revoke, "--data", dir), nil, io.Discard, io.Discard); err != nil {
					t.Fatal(err)
				}
			}
			r, err := newRevocations(dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range tc.want {
				if !r.Revoked(id) {
					t.Errorf("token %s is not revoked", id)
				}
			}
		})
	}
}
