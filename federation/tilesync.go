package federation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
)

// # Sync from static tiles
//
// A member that lists tiles URLs in the federation file (Member.Tiles: its
// bucket or CDN, and mirrors) is synced from them first, and from its
// node (Member.URL, the pages of GET /v1/feed) last. Every source's
// checkpoint note is read first (tileOrder): those that verify are tried
// largest tree first, so a stale mirror listed first does not hold the
// replica back, and two notes of one size with different roots (from two
// sources, or from one and the largest note verified from the member's
// tiles before, kept with the replica) mark the member misbehaving with
// both notes as evidence. A source is used only if everything it serves
// verifies; otherwise the sync reports it (an EventSourceSkipped event)
// and tries the next one:
//
//  1. The checkpoint note is verified against the keys trusted for the
//     member (its pinned Ed25519 keys and those its feed rotated in): the
//     note key is the same key that signs its entries. A note signed by
//     no key known yet may be signed by one the entries past the replica
//     rotate in: those are read and stored, each checked as in step 4,
//     until the note verifies (acrossRotation), as the sync over the API
//     does with a checkpoint of a key not known yet.
//  2. It must not be smaller than the replica nor than the last
//     checkpoint verified from the member (an older checkpoint is a
//     rollback: a stale or lying mirror, skipped). One smaller than the
//     replica whose root is not the replica's root at its size is a fork:
//     the member signed a tree other than the one its verified entries
//     make, and it is marked misbehaving as in step 3.
//  3. Its tree must extend the replica's (the root computed here over the
//     entries the member signed) and the last verified checkpoint's, by a
//     consistency proof built from the source's hash tiles, each checked
//     against the note's root (tlog.TileHashReader). A proof that fails is
//     a fork: the member signed two histories, and it is marked
//     misbehaving with the note and the computed root (or the checkpoint)
//     as evidence, as a fork found through its node is.
//     The note is then checked against the largest note verified from
//     the member's tiles before (checkNote: one of the same size with
//     another root, or a larger one that does not extend it, is a fork)
//     and kept in its place, before any entry is stored. Every page that
//     later brings the replica to the note's size, from tiles or from the
//     node, must give the note's root there (checkTilesNote, in the
//     page's transaction), and a checkpoint of the node of that size the
//     note's root (checkCheckpoint): the note is evidence as any signed
//     checkpoint is.
//  4. Each entry bundle after the replica's size is checked against the
//     tree's leaves (tiles.VerifiedTree.Bundle: a tampered bundle or tile
//     is refused), then its entries as peer sync checks every page
//     (verifyPage: Chain, the JWS by the member's keys, seq, versions, key
//     rotations) and stored a bundle at a time, in order. Up to
//     tileFetchAhead bundles are fetched, checked against the tree and
//     their signatures checked ahead while the one before is stored;
//     nothing is stored past the first bundle that fails.
//
// A source that is down, slow (each request is bounded by
// Config.PeerTimeout), serves a tampered tile or bundle, a checkpoint that
// does not verify, or an older checkpoint is skipped; what passed before
// the failure stays stored (it verified), and the next source resumes from
// there. When every source fails the sync fails with every reason. After a
// sync from tiles the node's own JWS checkpoint and witnessed checkpoints
// are checked too, if the node answers (a node that does not is not an
// error then: the tiles proved everything); recognition proofs are made
// against that JWS checkpoint, so while only tiles answer, entries past it
// have none.

// EventSourceSkipped is the Event kind of a tiles source that a sync
// skipped (down, slow, tampered, rolled back); the sync went on with the
// next source.
const EventSourceSkipped = "source_skipped"

// syncSources syncs p from its tiles sources, largest verified checkpoint
// first (tileOrder), then from its node. A tiles source ends the sync only
// if it brings the replica to the largest tree verified from p's tiles (in
// this sync, or kept from one before): a copy that serves all it has but
// less (one at the replica's size, after a larger source failed) leaves
// the rest to the next source, and to the node. Tiles that end below a
// tree the member signed (its node's checkpoint, or one a witness
// relayed) lag the node: the node serves the rest (afterTiles).
func (f *Federation) syncSources(ctx context.Context, p *peer) (refused bool, err error) {
	order, largest, skipped, err := f.tileOrder(ctx, p)
	if err != nil {
		var me *misbehaviourError
		return errors.As(err, &me), err
	}
	for _, u := range order {
		refused, err := f.syncTiles(ctx, p, u)
		if err == nil {
			if sn := p.tilesNote(); sn != nil {
				largest = max(largest, sn.Size)
			}
			if _, cur := p.snapshot(); cur >= largest {
				behind, err := f.afterTiles(ctx, p)
				if err != nil || !behind {
					return false, err
				}
				// The tiles end below a tree the member signed: read the
				// rest from its node. Only if the node too ends short are
				// entries withheld (Sync).
				refused, err := f.syncPages(ctx, p)
				if err == nil {
					err = f.checkWitnessed(ctx, p)
				}
				if err != nil {
					err = fmt.Errorf("node %s, after tiles ending at %d: %w", p.url, cur, err)
				}
				return refused, err
			}
			continue
		}
		err = fmt.Errorf("tiles %s: %w", u, err)
		var me *misbehaviourError
		if errors.As(err, &me) || ctx.Err() != nil {
			return refused, err
		}
		if f.cfg.OnEvent != nil {
			f.cfg.OnEvent(Event{Peer: p.j, Kind: EventSourceSkipped, Code: ErrorCode(err), Err: err})
		}
		skipped = append(skipped, err)
	}
	refused, err = f.syncPages(ctx, p)
	if err == nil {
		err = f.checkWitnessed(ctx, p)
	}
	if err != nil && len(skipped) > 0 {
		var me *misbehaviourError
		if !errors.As(err, &me) {
			err = errors.Join(append(skipped, fmt.Errorf("node %s: %w", p.url, err))...)
		}
	}
	return refused, err
}

// tileOrder reads the checkpoint note of each of p's tiles sources and
// returns those to sync from, largest verified tree first (in the order
// listed among equals), so that a stale mirror listed first does not hold
// the replica back, and the size of the largest (0 when it read none). A source whose note does not verify, or that is
// behind the replica, is skipped here (an EventSourceSkipped event, and
// in skipped); one behind the replica whose root is not the replica's at
// its size is a fork. Two verified notes of one size with different
// roots, from two sources or from one and the note verified from tiles
// before, are the member signing two histories. Either is a
// *misbehaviourError with the notes as evidence.
func (f *Federation) tileOrder(ctx context.Context, p *peer) (order []string, largest uint64, skipped []error, err error) {
	if len(p.tiles) < 2 {
		// Nothing to order, and syncTiles checks a lone source's note
		// against the replica and the stored note itself: its
		// checkpoint is read once.
		return p.tiles, 0, nil, nil
	}
	keys, after := p.snapshot()
	origin := logproof.Origin(p.j)
	vs, err := tiles.Verifiers(origin, keys)
	if err != nil {
		return p.tiles, 0, nil, nil // syncTiles says why
	}
	skip := func(u string, err error) {
		err = fmt.Errorf("tiles %s: %w", u, err)
		if f.cfg.OnEvent != nil {
			f.cfg.OnEvent(Event{Peer: p.j, Kind: EventSourceSkipped, Code: ErrorCode(err), Err: err})
		}
		skipped = append(skipped, err)
	}
	type seen struct {
		u string
		c tiles.Checkpoint
	}
	var ok []seen
	notes := make([]storedNote, 0, len(p.tiles)+1)
	if sn := p.tilesNote(); sn != nil {
		notes = append(notes, *sn)
	}
	for _, u := range p.tiles {
		rd := &tiles.Reader{Src: &peerSource{c: f.client, base: u}, Origin: origin, Verifiers: vs}
		c, _, err := rd.Checkpoint(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil, 0, skipped, fmt.Errorf("%w: %w", registry.ErrUnavailable, ctx.Err())
			}
			skip(u, fmt.Errorf("checkpoint: %w", err))
			continue
		}
		notes = append(notes, storedNote{Size: c.Size, Root: c.Root, Note: string(c.Note)})
		if c.Size < after {
			var then tlog.Hash
			err := f.cfg.Node.View(ctx, func(s node.Snapshot) (err error) {
				then, err = s.Replica(p.j).TreeHash(c.Size)
				return err
			})
			if err != nil {
				return nil, 0, skipped, err
			}
			if then != c.Root {
				m := conflict(fmt.Sprintf("%s signed a tree of size %d (root %s, in the checkpoint note of its tiles) other than the one its entries make at that size (root %s), which this node verified",
					p.j, c.Size, c.Root, then), []SignedCheckpoint{}, &ComputedRoot{Log: ReplicaLog(p.j), Size: c.Size, RootHash: then.String()})
				m.m.Notes = []string{string(c.Note)}
				return nil, 0, skipped, m
			}
			skip(u, fmt.Errorf("the source is behind: its checkpoint is of size %d, the replica holds %d entries: %w", c.Size, after, tiles.ErrRollback))
			continue
		}
		ok = append(ok, seen{u, c})
	}
	for i, a := range notes {
		for _, b := range notes[i+1:] {
			if a.Size == b.Size && a.Root != b.Root {
				m := conflict(fmt.Sprintf("%s signed two trees of size %d (roots %s and %s, in the checkpoint notes of its tiles)", p.j, a.Size, a.Root, b.Root),
					[]SignedCheckpoint{}, nil)
				m.m.Notes = []string{a.Note, b.Note}
				return nil, 0, skipped, m
			}
		}
	}
	slices.SortStableFunc(ok, func(a, b seen) int { return cmp.Compare(b.c.Size, a.c.Size) })
	for _, s := range ok {
		order = append(order, s.u)
	}
	if len(ok) > 0 {
		largest = ok[0].c.Size
	}
	return order, largest, skipped, nil
}

// afterTiles checks the node's own checkpoint and witnessed checkpoints
// after a sync from tiles, when the node answers: only misbehaviour found
// there fails the sync. behind is true when the replica ends below a tree
// the peer signed (its node's checkpoint, or one a witness relayed, in
// this sync or before): the tiles lag the node (a publisher batches, a
// CDN or a mirror caches the checkpoint), and the node serves the rest.
func (f *Federation) afterTiles(ctx context.Context, p *peer) (behind bool, err error) {
	keys, _ := p.snapshot()
	var nodeSize uint64
	err = func() error {
		jws, err := f.fetchCheckpointJWS(ctx, p)
		if err != nil {
			return err
		}
		c, err := verifyCheckpoint(keys, p.j, jws)
		if err != nil {
			return err
		}
		nodeSize = c.Size
		if err := f.checkCheckpoint(ctx, p, c); err != nil {
			return err
		}
		return f.checkWitnessed(ctx, p)
	}()
	var me *misbehaviourError
	if errors.As(err, &me) {
		return false, err
	}
	_, cur := p.snapshot()
	p.mu.Lock()
	signed := p.state.SignedSize
	p.mu.Unlock()
	return cur < max(nodeSize, signed), nil
}

// syncTiles syncs p from the tiles at base (steps 1 to 4 above).
func (f *Federation) syncTiles(ctx context.Context, p *peer, base string) (refused bool, err error) {
	keys, after := p.snapshot()
	origin := logproof.Origin(p.j)
	vs, err := tiles.Verifiers(origin, keys)
	if err != nil {
		return false, fmt.Errorf("%w: %w", err, registry.ErrUnverified)
	}
	src := &peerSource{c: f.client, base: base}
	rd := &tiles.Reader{Src: src, Origin: origin, Verifiers: vs}
	c, _, err := rd.Checkpoint(ctx)
	if errors.Is(err, registry.ErrUnverified) {
		if refused, err := f.acrossRotation(ctx, p, src, origin); err != nil {
			return refused, err
		}
		if keys, after = p.snapshot(); true {
			if rd.Verifiers, err = tiles.Verifiers(origin, keys); err != nil {
				return false, fmt.Errorf("%w: %w", err, registry.ErrUnverified)
			}
		}
		c, _, err = rd.Checkpoint(ctx)
	}
	if err != nil {
		return false, fmt.Errorf("checkpoint: %w", err)
	}
	var root, then tlog.Hash // the replica's root, and at the note's size when that is smaller
	err = f.cfg.Node.View(ctx, func(s node.Snapshot) error {
		l := s.Replica(p.j)
		if l.Size() != after {
			return fmt.Errorf("replica of %s holds %d entries, want %d", p.j, l.Size(), after)
		}
		if c.Size < after {
			if then, err = l.TreeHash(c.Size); err != nil {
				return err
			}
		}
		root, err = l.TreeHash(after)
		return err
	})
	if err != nil {
		return false, err
	}
	note := string(c.Note)
	if c.Size < after {
		// A source behind the replica: a stale copy when its tree is the
		// one the replica held at that size, else the member signed two
		// trees of one size (the entries it signed fix the replica's).
		if then != c.Root {
			m := conflict(fmt.Sprintf("%s signed a tree of size %d (root %s, in the checkpoint note of its tiles) other than the one its entries make at that size (root %s), which this node verified",
				p.j, c.Size, c.Root, then), []SignedCheckpoint{}, &ComputedRoot{Log: ReplicaLog(p.j), Size: c.Size, RootHash: then.String()})
			m.m.Notes = []string{note}
			return true, m
		}
		return false, fmt.Errorf("the source is behind: its checkpoint is of size %d, the replica holds %d entries: %w", c.Size, after, tiles.ErrRollback)
	}
	vt := rd.Tree(ctx, c.Tree())
	if err := vt.Consistent(tlog.Tree{N: int64(after), Hash: root}); err != nil {
		if errors.Is(err, tiles.ErrFork) {
			m := conflict(fmt.Sprintf("%s signed a tree of size %d (root %s, in the checkpoint note of its tiles) that does not extend the %d entries it signed and this node verified (root %s)",
				p.j, c.Size, c.Root, after, root), []SignedCheckpoint{}, &ComputedRoot{Log: ReplicaLog(p.j), Size: after, RootHash: root.String()})
			m.m.Notes = []string{note}
			return true, m
		}
		return false, err
	}
	if last, _ := p.checkpoints(); last != nil {
		l := last.Signed
		if err := vt.Consistent(tlog.Tree{N: int64(l.Size), Hash: l.Root}); err != nil {
			if errors.Is(err, tiles.ErrFork) {
				m := conflict(fmt.Sprintf("%s signed a tree of size %d (root %s, in the checkpoint note of its tiles) that does not extend its checkpoint of size %d (root %s) verified earlier",
					p.j, c.Size, c.Root, l.Size, l.Root), []SignedCheckpoint{last.wire(f.cfg.Node.Jurisdiction())}, nil)
				m.m.Notes = []string{note}
				return true, m
			}
			return false, err
		}
	}
	if err := f.checkNote(ctx, p, vt, c); err != nil {
		var me *misbehaviourError
		return errors.As(err, &me), err
	}
	p.mu.Lock()
	p.state.PeerSize = c.Size
	p.mu.Unlock()
	if c.Size == after {
		return false, nil // nothing new: no bundle to fetch
	}
	bctx, cancel := context.WithCancel(ctx)
	bundles, wait := f.fetchBundles(bctx, p, vt, after, c.Size)
	defer func() { cancel(); wait() }()
	for b := range bundles {
		r := <-b
		if r.err != nil {
			return false, r.err
		}
		_, cur := p.snapshot()
		start := r.k * tiles.TileWidth
		if cur < start || cur-start > uint64(len(r.entries)) {
			return false, fmt.Errorf("bundle %d, but the replica holds %d entries", r.k, cur)
		}
		skip := cur - start
		page := fetched{after: cur, pg: &feedPage{Jurisdiction: p.j, Size: c.Size, Entries: r.entries[skip:]},
			spec: r.spec[skip:], specKeys: r.specKeys}
		if refused, err := f.syncPage(ctx, p, page, nil); err != nil {
			return refused, err
		}
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("%w: %w", registry.ErrUnavailable, err)
	}
	return false, nil
}

// acrossRotation handles a checkpoint note that no key trusted for p
// verifies: it may be signed by a key that the member's entries past the
// replica rotate in (announced by an entry its old key signs), which a
// follower learns only from those entries. As the sync over the API does
// with a checkpoint of an unknown key, the entry bundles after the replica
// are read (the note's unverified size bounding them) and stored once
// each entry passes verifyPage (its JWS by the keys as they stand, seq,
// versions, rotations), until the note verifies with the keys learned;
// the caller then checks the note's tree against everything stored (a
// fork is found there). A note whose signatures are bad, or that no
// learned key verifies, stores nothing more than entries the member
// signed, and the caller refuses the note.
func (f *Federation) acrossRotation(ctx context.Context, p *peer, src *peerSource, origin string) (refused bool, err error) {
	msg, err := src.Get(ctx, tiles.CheckpointPath, tiles.MaxCheckpointSize)
	if err != nil {
		return false, nil // the caller's read says why
	}
	// pending reports whether the note is signed by no key known yet:
	// false once it verifies, and for a bad signature of a known key or
	// no note at all (the caller refuses those).
	pending := func() bool {
		keys, _ := p.snapshot()
		vs, err := tiles.Verifiers(origin, keys)
		if err != nil {
			return false
		}
		_, err = note.Open(msg, vs)
		var une *note.UnverifiedNoteError
		return errors.As(err, &une)
	}
	if !pending() {
		return false, nil
	}
	i := bytes.Index(msg, []byte("\n\n"))
	if i < 0 {
		return false, nil
	}
	c, err := tiles.ParseCheckpointText(string(msg[:i+1]))
	if err != nil || c.Origin != origin {
		return false, nil
	}
	for {
		keys, cur := p.snapshot()
		if cur >= c.Size {
			return false, nil
		}
		k := cur / tiles.TileWidth
		w := min(tiles.TileWidth, c.Size-k*tiles.TileWidth)
		t := tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: int(w)}
		data, err := src.Get(ctx, tiles.Path(tiles.Bundle(t)), tiles.MaxBundleSize)
		if err != nil {
			return false, fmt.Errorf("checkpoint of a key not known yet: %s: %w", tiles.Path(tiles.Bundle(t)), err)
		}
		es, err := tiles.ParseBundle(data, int(w))
		if err != nil {
			return false, fmt.Errorf("checkpoint of a key not known yet: %s: %w", tiles.Path(tiles.Bundle(t)), err)
		}
		fes := make([]feedEntry, 0, len(es))
		for _, e := range es[cur-k*tiles.TileWidth:] {
			fes = append(fes, feedEntry{JWS: string(e)})
		}
		page := fetched{after: cur, pg: &feedPage{Jurisdiction: p.j, Size: c.Size, Entries: fes}, spec: verifyAll(keys, p.j, fes), specKeys: keys}
		if refused, err := f.syncPage(ctx, p, page, nil); err != nil {
			return refused, err
		}
		if !pending() {
			return false, nil
		}
	}
}

// checkNote checks c, a checkpoint note just verified from p's tiles
// (vt its tree), against the largest note verified from p's tiles before,
// and records c in its place, before any entry of it is stored, when it is
// larger: a note of the same size with another root, or a larger one that
// does not extend it, is the member signing two histories, even when the
// entries of the first never all arrived. A smaller one is a source behind
// the other (its entries are checked against the replica as any).
func (f *Federation) checkNote(ctx context.Context, p *peer, vt *tiles.VerifiedTree, c tiles.Checkpoint) error {
	sn := p.tilesNote()
	cur := string(c.Note)
	if sn != nil {
		switch {
		case c.Size < sn.Size:
			return nil
		case c.Size == sn.Size && c.Root != sn.Root:
			m := conflict(fmt.Sprintf("%s signed two trees of size %d (roots %s and %s, in the checkpoint notes of its tiles)", p.j, c.Size, sn.Root, c.Root),
				[]SignedCheckpoint{}, nil)
			m.m.Notes = []string{sn.Note, cur}
			return m
		case c.Size == sn.Size:
			return nil
		}
		if err := vt.Consistent(tlog.Tree{N: int64(sn.Size), Hash: sn.Root}); err != nil {
			if errors.Is(err, tiles.ErrFork) {
				m := conflict(fmt.Sprintf("%s signed a tree of size %d (root %s) that does not extend its tree of size %d (root %s) verified earlier from its tiles",
					p.j, c.Size, c.Root, sn.Size, sn.Root), []SignedCheckpoint{}, nil)
				m.m.Notes = []string{sn.Note, cur}
				return m
			}
			return err
		}
	}
	n := &storedNote{Size: c.Size, Root: c.Root, Note: cur}
	raw, err := json.Marshal(n)
	if err != nil {
		return err
	}
	if err := f.cfg.Node.UpdateReplica(context.WithoutCancel(ctx), p.j, func(l node.ReplicaWriter) error { return l.SetMeta(metaTilesNote, raw) }); err != nil {
		return fmt.Errorf("store the tiles checkpoint of %s: %w", p.j, err)
	}
	p.mu.Lock()
	if p.note == nil || n.Size > p.note.Size {
		p.note = n
	}
	p.mu.Unlock()
	return nil
}

// tileFetchAhead bounds the entry bundles a tile sync fetches and checks
// ahead of the one it stores.
const tileFetchAhead = 4

// fetchedBundle is entry bundle k of a tiles source, checked against the
// verified tree, with its signatures checked against specKeys (see
// fetched.spec).
type fetchedBundle struct {
	k        uint64
	entries  []feedEntry
	spec     []verifyResult
	specKeys *jose.KeySet
	err      error
}

// fetchBundles fetches the entry bundles of vt that hold entries after
// the first after, up to size entries, up to tileFetchAhead at once, each
// checked against the tree's leaves (vt.Bundle) and the signatures of its
// entries past after checked ahead (verifyAll; fetchedBundle.spec of an
// entry the replica holds already is left zero). It sends one channel per
// bundle, in order, on which that bundle's outcome arrives: the caller
// stores them in order and stops at the first error, then cancels ctx.
// wait returns once every fetch has ended.
func (f *Federation) fetchBundles(ctx context.Context, p *peer, vt *tiles.VerifiedTree, after, size uint64) (<-chan chan fetchedBundle, func()) {
	out := make(chan chan fetchedBundle, tileFetchAhead-1)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(out)
		for k := after / tiles.TileWidth; k*tiles.TileWidth < size; k++ {
			b := make(chan fetchedBundle, 1)
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			wg.Go(func() {
				t := tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: int(min(tiles.TileWidth, size-k*tiles.TileWidth))}
				es, err := vt.Bundle(ctx, t)
				if err != nil {
					b <- fetchedBundle{k: k, err: err}
					return
				}
				r := fetchedBundle{k: k, entries: make([]feedEntry, len(es))}
				for i, e := range es {
					r.entries[i].JWS = string(e)
				}
				r.specKeys, _ = p.snapshot()
				held := min(len(r.entries), int(max(after, k*tiles.TileWidth)-k*tiles.TileWidth))
				r.spec = append(make([]verifyResult, held, len(r.entries)), verifyAll(r.specKeys, p.j, r.entries[held:])...)
				b <- r
			})
		}
	})
	return out, wg.Wait
}

// peerSource reads a tiles source through the node's peer client (its
// timeouts, size bounds and redirect policy).
type peerSource struct {
	c    *peerClient
	base string
}

// Get reads path as tiles.HTTPSource does: a 404 or 410, or a 403 for a
// partial tile (tiles.Partial), is registry.ErrNotFound, on which a reader
// falls back from a pruned partial to the full tile.
func (s *peerSource) Get(ctx context.Context, path string, max int64) ([]byte, error) {
	var buf bytes.Buffer
	_, err := s.c.get(ctx, s.base, path, nil, max, &buf)
	if errors.Is(err, errPeerNotFound) || errors.Is(err, errPeerForbidden) && tiles.Partial(path) {
		return nil, fmt.Errorf("%w (%w)", err, registry.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
