package tiles_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// TestReaderAfterPartialsPruned reads a checkpoint's tree after the log
// grew past it and the publisher pruned the partial tiles the checkpoint
// names (as a mirror or a follower does when the source publishes between
// its read of the checkpoint and its reads of the tiles; a slow source or
// a CDN makes that window wide): the hashes and entries come from the full
// tiles, checked against the old tree. A full tile that does not match
// the old tree is tampering.
func TestReaderAfterPartialsPruned(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	p, _ := newPublisher(t, n, dir)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	src, err := tiles.NewHTTPSource(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	vkey, err := tiles.NoteKey(n)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	r := &tiles.Reader{Src: src, Origin: "corfed/CA-AB", Verifiers: note.VerifierList(v)}
	var published uint64
	grow(t, n, 200)
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	old, _, err := r.Checkpoint(ctx)
	if err != nil || old.Size != 200 {
		t.Fatalf("checkpoint: %+v, %v; want size 200", old, err)
	}
	grow(t, n, 300)
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"tile/0/000.p/200", "tile/entries/000.p/200"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("%s: %v; want it pruned", gone, err)
		}
	}
	read := func() error {
		vt := r.Tree(ctx, old.Tree())
		if d, err := vt.TileData(tlog.Tile{H: tiles.Height, L: 0, N: 0, W: 200}); err != nil || len(d) != 200*tlog.HashSize {
			return fmt.Errorf("tile 0/000.p/200: %d bytes, %w", len(d), err)
		}
		if h, err := tlog.TreeHash(int64(old.Size), vt.HashReader()); err != nil || h != old.Root {
			return fmt.Errorf("tree hash %v, %w", h, err)
		}
		es, err := vt.Bundle(ctx, tlog.Tile{H: tiles.Height, L: 0, N: 0, W: 200})
		if err != nil || len(es) != 200 {
			return fmt.Errorf("bundle: %d entries, %w", len(es), err)
		}
		return nil
	}
	if err := read(); err != nil {
		t.Fatalf("the old checkpoint's tree after pruning: %v", err)
	}
	// The full level-0 tile, one hash among the old tree's changed.
	full := filepath.Join(dir, "tile", "0", "000")
	b, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	b[100*tlog.HashSize] ^= 1
	if err := os.WriteFile(full, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := read(); !errors.Is(err, tiles.ErrTampered) {
		t.Fatalf("a tampered full tile behind a pruned partial: %v; want ErrTampered", err)
	}
}
