package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
	"github.com/corfed/corfed/registry/verified"
)

func init() { extraCommands["restore"] = runRestore }

// runRestore gives a stopped node's store back the entries of its own log
// it lost (a data directory restored from an older copy, or an empty one
// holding only keys.json) from the tiles the node published (--tiles), a
// mirror of them, or any copy: every byte is checked against the node's
// own keys, so the source need not be trusted.
//
//  1. The checkpoint note is verified with the node's keys (keys.json,
//     current and retired).
//  2. The store's log must be a prefix of the note's tree: its root at its
//     size is proved consistent with the tree from the hash tiles (else a
//     different history: refused).
//  3. The entry bundles past the store's size are checked against the
//     tree, each entry's JWS against the node's keys and its seq against
//     its place; all of them before anything is written.
//  4. They are appended in order through node.RestoreEntries (indexed as
//     the node's writes are), in transactions of restoreChunk entries,
//     each bundle read again and checked against the tree again as it is
//     appended (so its bytes are the ones step 3 checked).
//
// At the end the store's tree is the note's: the same size and root; the
// next status list index then skips those the copy may have lost
// (node.ReserveStatusIndexes).
func runRestore(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("restore", stderr)
	dir := fl.String("data", "./corfed-data", "the node's data directory (its keys.json at least); the node must be stopped")
	from := fl.String("from", "", "the node's published tiles: an http(s):// URL prefix (its bucket, a CDN, a mirror), a directory, or a gocloud.dev/blob URL as serve --tiles takes (required)")
	if err := parse(fl, args); err != nil {
		return err
	}
	if err := required("from", *from, "the node's published tiles (URL, directory or gocloud.dev/blob URL)"); err != nil {
		return err
	}
	ring, err := jose.LoadKeyring(filepath.Join(*dir, keysFile))
	if err != nil {
		return fmt.Errorf("--data %s: %w (restore needs the node's keys.json: the tiles are checked against its keys, and the node signs with them after)", *dir, err)
	}
	src, closeSrc, err := openTilesSource(ctx, *from)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer closeSrc()
	msg, err := src.Get(ctx, tiles.CheckpointPath, tiles.MaxCheckpointSize)
	if err != nil {
		return fmt.Errorf("--from %s: %w", *from, err)
	}
	origin, _, _ := strings.Cut(string(msg), "\n")
	jur := registry.Jurisdiction(strings.TrimPrefix(origin, logproof.OriginPrefix))
	if !strings.HasPrefix(origin, logproof.OriginPrefix) || !jur.Valid() {
		return fmt.Errorf("--from %s: the checkpoint's origin %q is not a corfed node's (corfed/CA-XX)", *from, clipArg(origin))
	}
	if ni, err := readNodeInfo(*dir); err == nil && ni.Jurisdiction != jur {
		return fmt.Errorf("--from %s holds the log of %s, but %s holds the node of %s", *from, jur, *dir, ni.Jurisdiction)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	vs, err := tiles.Verifiers(origin, ring.PublicSet())
	if err != nil {
		return fmt.Errorf("--data %s: %w", *dir, err)
	}
	rd := &tiles.Reader{Src: src, Origin: origin, Verifiers: vs}
	c, _, err := tiles.OpenCheckpoint(msg, origin, vs)
	if err != nil {
		return fmt.Errorf("--from %s: %w (the checkpoint must be signed by a key of %s)", *from, err, filepath.Join(*dir, keysFile))
	}

	path := filepath.Join(*dir, dbFile)
	db, err := boltstore.Open(path, boltstore.Options{Timeout: 2 * time.Second})
	if err != nil {
		return fmt.Errorf("%w (is the node running? stop it first)", err)
	}
	defer db.Close()
	n, err := node.New(ctx, node.Config{Jurisdiction: jur, DeferKeyAnnouncement: true}, db.Store(), ring)
	if err != nil {
		return err
	}
	have, err := n.Checkpoint(ctx)
	if err != nil {
		return err
	}
	vt := rd.Tree(ctx, c.Tree())
	switch {
	case have.Size > c.Size:
		root, err := n.TreeHash(ctx, c.Size)
		if err != nil {
			return err
		}
		if root != c.Root {
			return fmt.Errorf("the store's log is not the history the tiles hold: its first %d entries have root %s, the tiles' checkpoint %s: %w",
				c.Size, root, c.Root, registry.ErrConflict)
		}
		fmt.Fprintf(stdout, "nothing to restore: the store holds %d entries, the tiles %d, a prefix of the store's log\n", have.Size, c.Size)
		return nil
	case have.Size == c.Size && have.Root == c.Root:
		fmt.Fprintf(stdout, "nothing to restore: the store holds the tiles' %d entries, root %s\n", c.Size, c.Root)
		return nil
	}
	if err := vt.Consistent(tlog.Tree{N: int64(have.Size), Hash: have.Root}); err != nil {
		if errors.Is(err, tiles.ErrFork) {
			return fmt.Errorf("the store's log is not a prefix of the tiles' (another history: nothing restored): %w", err)
		}
		return fmt.Errorf("--from %s: %w", *from, err)
	}
	keys := n.PublicKeys()
	check := func(seq uint64, jws []byte) error {
		v, err := verified.Check(keys, jur, string(jws))
		if err != nil {
			return fmt.Errorf("entry seq %d: %w", seq, err)
		}
		if e := v.Entry(); e.Seq != seq {
			return fmt.Errorf("entry %d of the tree signs seq %d: %w", seq, e.Seq, registry.ErrUnverified)
		}
		return nil
	}
	if err := eachEntry(ctx, vt, have.Size, c.Size, check); err != nil {
		return fmt.Errorf("--from %s: %w (nothing restored)", *from, err)
	}
	var batch []string
	flush := func() error {
		err := n.RestoreEntries(ctx, batch)
		batch = batch[:0]
		return err
	}
	// The second read needs no signature check here: Bundle checks each
	// entry's bytes against the signed tree, so they are the ones the
	// first pass checked (and RestoreEntries checks each JWS again).
	err = eachEntry(ctx, vt, have.Size, c.Size, func(_ uint64, jws []byte) error {
		if batch = append(batch, string(jws)); len(batch) == restoreChunk {
			return flush()
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = flush()
	}
	got, cerr := n.Checkpoint(ctx)
	if err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("restoring from %s: %w (the store holds %d entries, a prefix of the tiles' %d: run restore again)", *from, err, got.Size, c.Size)
	}
	if got.Size != c.Size || got.Root != c.Root {
		return fmt.Errorf("after the restore the store holds %d entries with root %s, the tiles' checkpoint %d with root %s: %w",
			got.Size, got.Root, c.Size, c.Root, registry.ErrConflict)
	}
	if err := writeNodeInfo(*dir, nodeInfo{Jurisdiction: jur}); err != nil {
		return err
	}
	// Status list indexes are node state, not entries: those assigned
	// after the copy are lost, and passes issued since carry them.
	skipped, err := n.ReserveStatusIndexes(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "restored entries %d to %d of %s from %s: the store holds %d entries, root %s, the tiles' checkpoint\n",
		have.Size+1, c.Size, origin, *from, got.Size, got.Root)
	if skipped > 0 {
		fmt.Fprintf(stdout, "status list: the next index skips %d (one per certificate without an index), so none given after the copy is given again; "+
			"passes issued after the copy no longer follow their certificate's status: issue them again\n", skipped)
	}
	return nil
}

// restoreChunk is how many entries one transaction of a restore appends.
const restoreChunk = 2048

// eachEntry calls fn with every entry of vt's tree after the first from
// and up to to, in order, each checked against the tree (VerifiedTree.Bundle).
func eachEntry(ctx context.Context, vt *tiles.VerifiedTree, from, to uint64, fn func(seq uint64, jws []byte) error) error {
	for t := from / tiles.TileWidth; t*tiles.TileWidth < to; t++ {
		w := min(to-t*tiles.TileWidth, tiles.TileWidth)
		es, err := vt.Bundle(ctx, tlog.Tile{H: tiles.Height, L: 0, N: int64(t), W: int(w)})
		if err != nil {
			return err
		}
		for i, e := range es {
			if seq := t*tiles.TileWidth + uint64(i) + 1; seq > from {
				if err := fn(seq, e); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// openTilesSource opens a log's tiles for reading: an http(s):// URL
// prefix over HTTP, else a directory (which must exist) or a
// gocloud.dev/blob URL as tiles.OpenStore takes them.
func openTilesSource(ctx context.Context, from string) (tiles.Source, func(), error) {
	if u, err := url.Parse(from); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		s, err := tiles.NewHTTPSource(from)
		return s, func() {}, err
	}
	if !strings.Contains(from, "://") {
		if fi, err := os.Stat(from); err != nil {
			return nil, nil, err
		} else if !fi.IsDir() {
			return nil, nil, fmt.Errorf("%s is not a directory", from)
		}
	}
	s, err := tiles.OpenStore(ctx, from)
	if err != nil {
		return nil, nil, err
	}
	return s, func() { s.Close() }, nil
}
