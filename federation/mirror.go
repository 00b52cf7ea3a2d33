package federation

import (
	"context"
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/tiles"
)

// MirrorConfig configures a verifying mirror of one member's static tiles.
type MirrorConfig struct {
	Iss  registry.Jurisdiction // whose log
	Keys *jose.KeySet          // the keys pinned for Iss (a federation file's, or one from a vkey)
	From tiles.Source          // where the log is read (its bucket, a CDN, another mirror)
	To   *tiles.Store          // where the verified copy goes
	// Cosigner, when set, adds a C2SP tlog-cosignature to each checkpoint
	// the mirror verified and republishes.
	Cosigner *tiles.Cosigner
}

// Mirror copies a member's tiles from a source it does not trust to a
// store, republishing only what it verified: the checkpoint's signature
// against the pinned keys, its consistency with the checkpoint verified
// before (kept in the store), every hash tile against the signed tree
// (tlog.TileHashReader), every entry against its leaf, and every entry as
// peer sync checks it (Chain: JWS by the member's keys, sequence,
// versions, key rotations).
type Mirror struct {
	cfg    MirrorConfig
	origin string
	vs     note.Verifiers
	chain  *Chain
	have   tiles.Checkpoint // verified and in cfg.To
	// vkeys are the pinned keys' vkeys by note key hash, and noteKey the
	// one last written to cfg.To's note-key.
	vkeys   map[uint32]string
	noteKey string
}

// MirrorResult is what one round did.
type MirrorResult struct {
	From, To uint64 // the tree sizes before and after; equal when there was nothing new
	Root     tlog.Hash
}

// NewMirror opens a mirror. When the store already holds a checkpoint, it
// must verify against the pinned keys, and the store's entries are
// checked again (Chain) to rebuild the state the next round extends.
func NewMirror(ctx context.Context, cfg MirrorConfig) (*Mirror, error) {
	origin := logproof.Origin(cfg.Iss)
	vkeys, err := tiles.VerifierKeys(origin, cfg.Keys)
	if err != nil {
		return nil, err
	}
	m := &Mirror{cfg: cfg, origin: origin, chain: NewChain(cfg.Iss, cfg.Keys), vkeys: make(map[uint32]string, len(vkeys))}
	var vs []note.Verifier
	for _, vkey := range vkeys {
		v, err := note.NewVerifier(vkey)
		if err != nil {
			return nil, err
		}
		vs = append(vs, v)
		m.vkeys[v.KeyHash()] = vkey
	}
	m.vs = note.VerifierList(vs...)
	own := &tiles.Reader{Src: cfg.To, Origin: origin, Verifiers: m.vs}
	c, _, err := own.Checkpoint(ctx)
	if errors.Is(err, registry.ErrNotFound) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("mirror: the copy in %s: %w", cfg.To, err)
	}
	if err := m.entries(ctx, own.Tree(ctx, c.Tree()), 0, c.Size, nil); err != nil {
		return nil, fmt.Errorf("mirror: the copy in %s: %w", cfg.To, err)
	}
	m.chain.Commit()
	m.have = c
	return m, nil
}

// Size returns the size of the tree the mirror holds verified.
func (m *Mirror) Size() uint64 { return m.have.Size }

// Once reads the source's checkpoint and, if it is new, verifies and
// copies what it adds. A refusal (ErrTampered, ErrFork, ErrRollback, an
// entry that fails its checks) leaves the store's checkpoint as it was;
// only entry bundles that passed every check may have been written.
func (m *Mirror) Once(ctx context.Context) (MirrorResult, error) {
	src := &tiles.Reader{Src: m.cfg.From, Origin: m.origin, Verifiers: m.vs}
	c, n, err := src.Checkpoint(ctx)
	if err != nil {
		return MirrorResult{}, fmt.Errorf("mirror: checkpoint: %w", err)
	}
	res := MirrorResult{From: m.have.Size, To: c.Size, Root: c.Root}
	vt := src.Tree(ctx, c.Tree())
	if err := vt.Consistent(m.have.Tree()); err != nil {
		return MirrorResult{}, fmt.Errorf("mirror: %w", err)
	}
	if c.Size == m.have.Size && m.have.Note != nil {
		return res, m.putNoteKey(ctx, n)
	}
	put := func(t tlog.Tile, es [][]byte) error {
		var b []byte
		for _, e := range es {
			b, _ = tiles.AppendEntry(b, e)
		}
		return m.cfg.To.PutTile(ctx, tiles.Path(tiles.Bundle(t)), b, t.W == tiles.TileWidth)
	}
	if err := m.entries(ctx, vt, m.have.Size, c.Size, put); err != nil {
		m.chain.Abort()
		return MirrorResult{}, fmt.Errorf("mirror: %w", err)
	}
	for _, t := range tlog.NewTiles(tiles.Height, int64(m.have.Size), int64(c.Size)) {
		data, err := vt.TileData(t)
		if err != nil {
			m.chain.Abort()
			return MirrorResult{}, fmt.Errorf("mirror: %w", err)
		}
		if err := m.cfg.To.PutTile(ctx, tiles.Path(t), data, t.W == tiles.TileWidth); err != nil {
			m.chain.Abort()
			return MirrorResult{}, err
		}
	}
	msg := c.Note
	if m.cfg.Cosigner != nil {
		// n.Sigs holds only the signatures that verified: the mirror
		// passes on the log's, and adds its own.
		if msg, err = note.Sign(&note.Note{Text: n.Text, Sigs: n.Sigs}, m.cfg.Cosigner); err != nil {
			m.chain.Abort()
			return MirrorResult{}, err
		}
	}
	if err := m.putNoteKey(ctx, n); err != nil {
		m.chain.Abort()
		return MirrorResult{}, err
	}
	if err := m.cfg.To.PutCheckpoint(ctx, msg); err != nil {
		m.chain.Abort()
		return MirrorResult{}, err
	}
	m.chain.Commit()
	c.Note = msg
	m.have = c
	return res, nil
}

// putNoteKey writes to the copy's note-key the vkey of the pinned key
// that signed n (a verified checkpoint), unless it is the one written
// last: a mirror of the copy may start from it, and it is this mirror's
// pin when it is run again with no key given.
func (m *Mirror) putNoteKey(ctx context.Context, n *note.Note) error {
	for _, sig := range n.Sigs {
		vkey, ok := m.vkeys[sig.Hash]
		if !ok || sig.Name != m.origin {
			continue
		}
		if vkey != m.noteKey {
			if err := m.cfg.To.PutNoteKey(ctx, vkey); err != nil {
				return err
			}
			m.noteKey = vkey
		}
		return nil
	}
	return nil
}

// entries checks the entries from (a tree size) to to of vt's tree,
// bundle by bundle, and hands each bundle that passed to put (if not
// nil) before reading the next.
func (m *Mirror) entries(ctx context.Context, vt *tiles.VerifiedTree, from, to uint64, put func(tlog.Tile, [][]byte) error) error {
	for k := from / tiles.TileWidth; k*tiles.TileWidth < to; k++ {
		t := tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: int(min(tiles.TileWidth, to-k*tiles.TileWidth))}
		es, err := vt.Bundle(ctx, t)
		if err != nil {
			return err
		}
		for i, e := range es {
			if k*tiles.TileWidth+uint64(i) < from {
				continue
			}
			if _, err := m.chain.Check(e); err != nil {
				return err
			}
		}
		if put != nil {
			if err := put(t, es); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// CheckBulk checks a snapshot or delta of iss's log (see
// tiles.SnapshotPolicy), read from r and named name, against the log's
// tiles at src: the checkpoint verified against keys (the member's pinned
// keys), then tiles.CheckBulk (every entry is the tree's leaf at its
// place; a snapshot's entries alone give the tree's root at its size),
// then every entry as peer sync checks it (Chain: JWS by the member's
// keys, seq, versions, key rotations). A delta is checked alone: its
// entries' JWS against keys and those its own announcements add, and the
// versions of the records it names more than once; the versions before it
// are the snapshot's to check. It returns the checkpoint it checked
// against.
func CheckBulk(ctx context.Context, r io.Reader, name tiles.BulkName, iss registry.Jurisdiction, keys *jose.KeySet, src tiles.Source) (tiles.Checkpoint, error) {
	origin := logproof.Origin(iss)
	vs, err := tiles.Verifiers(origin, keys)
	if err != nil {
		return tiles.Checkpoint{}, err
	}
	rd := &tiles.Reader{Src: src, Origin: origin, Verifiers: vs}
	c, _, err := rd.Checkpoint(ctx)
	if err != nil {
		return tiles.Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	ch := ResumeChain(iss, keys, name.From, nil)
	err = tiles.CheckBulk(ctx, r, name, rd.Tree(ctx, c.Tree()), func(_ uint64, jws []byte) error {
		_, err := ch.Check(jws)
		return err
	})
	return c, err
}
