// Package tilestest holds helpers for tests of published tiles: what an
// attacker holding a key could do to a copy.
package tilestest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/tiles"
)

// ResignCheckpoint replaces the checkpoint in dir by one of the same tree
// (its origin, size and root) signed by k alone: a thief of k re-signing
// what the log published.
func ResignCheckpoint(t testing.TB, dir string, k *jose.Key) {
	t.Helper()
	path := filepath.Join(dir, tiles.CheckpointPath)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	end := bytes.Index(b, []byte("\n\n"))
	if end < 0 {
		t.Fatalf("%s: no signed note", path)
	}
	c, err := tiles.ParseCheckpointText(string(b[:end+1]))
	if err != nil {
		t.Fatal(err)
	}
	signer, _, err := tiles.NoteSigner(c.Origin, k)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := tiles.SignCheckpoint(signer, c.Size, c.Root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, forged.Note, 0o644); err != nil {
		t.Fatal(err)
	}
}
