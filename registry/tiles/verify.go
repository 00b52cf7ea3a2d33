package tiles

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// Kinds of misbehaviour a reader of tiles detects. Each error a Reader
// returns for them wraps one of these and registry.ErrUnverified.
var (
	// ErrTampered: a tile or entry does not match the signed tree.
	ErrTampered = errors.New("data does not match the signed tree (tampered tile or entry)")
	// ErrFork: the checkpoint's tree does not extend the one verified before.
	ErrFork = errors.New("the log forked: its new tree does not extend the tree verified before")
	// ErrRollback: the checkpoint is smaller than the one verified before.
	ErrRollback = errors.New("the log rolled back: its checkpoint is smaller than the one verified before")
)

func misbehaved(kind error, format string, args ...any) error {
	return fmt.Errorf("%s: %w (%w)", fmt.Sprintf(format, args...), kind, registry.ErrUnverified)
}

// Reader reads one log's tiles from a Source and checks everything it
// returns against a checkpoint it verified.
type Reader struct {
	Src       Source
	Origin    string
	Verifiers note.Verifiers
}

// Checkpoint fetches and verifies the source's checkpoint.
func (r *Reader) Checkpoint(ctx context.Context) (Checkpoint, *note.Note, error) {
	msg, err := r.Src.Get(ctx, CheckpointPath, MaxCheckpointSize)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	return OpenCheckpoint(msg, r.Origin, r.Verifiers)
}

// Tree returns a reader of tree's hashes, each tile it reads checked
// against tree's root (tlog.TileHashReader) before use.
func (r *Reader) Tree(ctx context.Context, tree tlog.Tree) *VerifiedTree {
	tr := &tileReader{ctx: ctx, src: r.Src, raw: map[tlog.Tile][]byte{}}
	return &VerifiedTree{tree: tree, tr: tr, hr: tlog.TileHashReader(tree, tr)}
}

// VerifiedTree reads the hashes and entries of one signed tree.
type VerifiedTree struct {
	tree tlog.Tree
	tr   *tileReader
	hr   tlog.HashReader
}

// HashReader returns the verifying hash reader.
func (v *VerifiedTree) HashReader() tlog.HashReader { return v.hr }

// Consistent checks that v's tree extends old: no smaller (ErrRollback)
// and with a consistency proof built from v's verified tiles (ErrFork).
func (v *VerifiedTree) Consistent(old tlog.Tree) error {
	switch {
	case v.tree.N < old.N:
		return misbehaved(ErrRollback, "checkpoint of size %d after one of size %d", v.tree.N, old.N)
	case old.N == 0:
		return nil
	case v.tree.N == old.N:
		if v.tree.Hash != old.Hash {
			return misbehaved(ErrFork, "two roots for size %d: %s, verified before, and %s", old.N, old.Hash, v.tree.Hash)
		}
		return nil
	}
	p, err := tlog.ProveTree(v.tree.N, old.N, v.hr)
	if err != nil {
		return v.tileErr(err)
	}
	if err := tlog.CheckTree(p, v.tree.N, v.tree.Hash, old.N, old.Hash); err != nil {
		return misbehaved(ErrFork, "size %d root %s does not extend size %d root %s: %v", v.tree.N, v.tree.Hash, old.N, old.Hash, err)
	}
	return nil
}

// tileErr classifies an error of tlog's verifying reader: a failure to
// fetch stays what it is; anything else tlog reports is a tile that does
// not match the tree.
func (v *VerifiedTree) tileErr(err error) error {
	if errors.Is(err, ErrTampered) {
		return err
	}
	if fe := (*fetchError)(nil); errors.As(err, &fe) {
		return fmt.Errorf("tiles of the tree of size %d: %w", v.tree.N, fe.err)
	}
	return misbehaved(ErrTampered, "tiles of the tree of size %d: %v", v.tree.N, err)
}

// TileData returns tile t's data, built from hashes checked against the
// tree: what a mirror may republish.
func (v *VerifiedTree) TileData(t tlog.Tile) ([]byte, error) {
	data, err := tlog.ReadTileData(t, v.hr)
	if err != nil {
		return nil, v.tileErr(err)
	}
	return data, nil
}

// Bundle returns the entries of level-0 tile t (entries t.N*256 to
// t.N*256+t.W-1, from 0), each checked against its leaf hash in the
// verified tree. It reads the partial bundle the tree names, or the full
// one if the partial is gone (the log grew). A bundle that does not parse
// or whose entries do not hash to the tree's leaves is ErrTampered.
func (v *VerifiedTree) Bundle(ctx context.Context, t tlog.Tile) ([][]byte, error) {
	data, read, err := getTile(ctx, v.tr.src, Bundle(t), func(w int) int64 { return int64(w) * (2 + MaxEntrySize) })
	if err != nil {
		return nil, fmt.Errorf("bundle %s: %w", Path(Bundle(t)), err)
	}
	es, err := ParseBundle(data, read.W)
	if err != nil {
		return nil, misbehaved(ErrTampered, "bundle %s: %v", Path(read), err)
	}
	es = es[:t.W]
	start := t.N * TileWidth
	idx := make([]int64, len(es))
	for i := range es {
		idx[i] = tlog.StoredHashIndex(0, start+int64(i))
	}
	hashes, err := v.hr.ReadHashes(idx)
	if err != nil {
		return nil, v.tileErr(err)
	}
	for i, e := range es {
		if tlog.RecordHash(e) != hashes[i] {
			return nil, misbehaved(ErrTampered, "entry %d (seq %d) of bundle %s does not hash to the tree's leaf", start+int64(i), start+int64(i)+1, Path(Bundle(t)))
		}
	}
	return es, nil
}

// tileReader fetches tiles for tlog.TileHashReader. It keeps what it
// fetched for the life of one VerifiedTree.
type tileReader struct {
	ctx context.Context
	src Source
	mu  sync.Mutex
	raw map[tlog.Tile][]byte
}

// fetchError is a failure to fetch a tile, not to verify one, as
// ReadTiles returns it through tlog's reader: each error carries its own
// kind, so that concurrent readers of one tree cannot mistake one
// another's outage for tampering.
type fetchError struct{ err error }

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

func (r *tileReader) Height() int { return Height }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	var wg sync.WaitGroup
	errs := make([]error, len(tiles))
	sem := make(chan struct{}, 8)
	for i, t := range tiles {
		r.mu.Lock()
		d, ok := r.raw[t]
		r.mu.Unlock()
		if ok {
			out[i] = d
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = r.fetch(t)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			if !errors.Is(err, ErrTampered) {
				return nil, &fetchError{err}
			}
			return nil, err
		}
	}
	return out, nil
}

// fetch reads hash tile t from the source (getTile), its first t.W
// hashes.
func (r *tileReader) fetch(t tlog.Tile) ([]byte, error) {
	d, read, err := getTile(r.ctx, r.src, t, func(w int) int64 { return int64(w) * tlog.HashSize })
	if err != nil {
		return nil, err
	}
	if len(d) != read.W*tlog.HashSize {
		return nil, misbehaved(ErrTampered, "tile %s is %d bytes, want %d", Path(read), len(d), read.W*tlog.HashSize)
	}
	want := t.W * tlog.HashSize
	return d[:want:want], nil
}

// getTile reads tile t (a hash tile or a bundle) from src, at most max(W)
// bytes for a tile of width W, and returns it with the tile it read: t, or, when t is partial and
// gone, the full tile of which t is the first t.W hashes or entries. The
// log grew past t between the checkpoint and this read, and the publisher
// pruned the partial (C2SP allows it; a slow source or a CDN makes the
// window wide). The caller checks the data against the tree either way.
func getTile(ctx context.Context, src Source, t tlog.Tile, max func(w int) int64) ([]byte, tlog.Tile, error) {
	d, err := src.Get(ctx, Path(t), max(t.W))
	if errors.Is(err, registry.ErrNotFound) && t.W < TileWidth {
		full := t
		full.W = TileWidth
		if d, err = src.Get(ctx, Path(full), max(TileWidth)); err != nil {
			return nil, t, fmt.Errorf("partial %s is gone: %w", Path(t), err)
		}
		return d, full, nil
	}
	return d, t, err
}

// SaveTiles is called by tlog with the tiles it verified: keep them.
func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.raw) > 1<<14 {
		clear(r.raw)
	}
	for i, t := range tiles {
		r.raw[t] = data[i]
	}
}
