package node

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
)

// Origin returns the origin line of the node's checkpoints,
// "corfed/<jurisdiction>" (see logproof.Origin).
func (n *Node) Origin() string { return logproof.Origin(n.cfg.Jurisdiction) }

// Checkpoint returns a checkpoint of the node's feed at its current size,
// signed by the active key, with time n.Now(). While the feed does not grow
// (and the active key does not change) it returns the same signed
// checkpoint, time included, rather than signing again; a checkpoint signed
// for a larger size by a concurrent call is returned as is.
func (n *Node) Checkpoint(ctx context.Context) (cp logproof.Signed, err error) {
	err = n.View(ctx, func(s Snapshot) error {
		cp, err = n.CheckpointOf(s)
		return err
	})
	return cp, err
}

// CheckpointOf returns a checkpoint of the own feed as snapshot s holds it,
// signed as Checkpoint signs, so that proofs read from s are against a
// tree s holds. The cached checkpoint is reused when it is of the same
// tree; one of a larger size (a later snapshot) is not, and is kept.
func (n *Node) CheckpointOf(s Snapshot) (logproof.Signed, error) {
	l := s.Self()
	size := l.Size()
	root, err := l.TreeHash(size)
	if err != nil {
		return logproof.Signed{}, err
	}
	key := n.ActiveKey()
	c := &n.checkpoint
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last.JWS != "" && c.kid == key.KID && c.last.Size == size && c.last.Root == root {
		return c.last, nil
	}
	signed, err := logproof.Sign(key, logproof.Checkpoint{Origin: n.Origin(), Size: size, Root: root, Time: n.cfg.Now()})
	if err != nil {
		return logproof.Signed{}, fmt.Errorf("checkpoint of size %d: %w", size, err)
	}
	if c.last.JWS == "" || c.kid != key.KID || size > c.last.Size {
		c.last, c.kid = signed, key.KID
	}
	return signed, nil
}

// TreeHash returns the root hash of the feed's tree of the first size
// entries; size 0 gives the empty tree's. A size beyond the feed wraps
// registry.ErrInvalid, naming field "size".
func (n *Node) TreeHash(ctx context.Context, size uint64) (tlog.Hash, error) {
	var root tlog.Hash
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		if cur := l.Size(); size > cur {
			return registry.Invalid("size", "%d is beyond the feed's size %d", size, cur)
		}
		var err error
		root, err = l.TreeHash(size)
		return err
	})
	return root, err
}

// InclusionProof returns the proof that the entry with sequence number seq
// is in the feed's tree of the first size entries; size 0 means the
// current size. It needs 1 <= seq <= size <= the feed's size; otherwise the
// error is a *registry.ValidationError naming "query.seq" or "query.size".
// The proof's leaf hash is the one stored in the tree.
func (n *Node) InclusionProof(ctx context.Context, seq, size uint64) (logproof.InclusionProof, error) {
	var p logproof.InclusionProof
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		cur := l.Size()
		if size == 0 {
			size = cur
		}
		switch {
		case seq < 1:
			return registry.Invalid("query.seq", "must be at least 1")
		case size > cur:
			return registry.Invalid("query.size", "%d is beyond the feed's size %d", size, cur)
		case seq > size:
			return registry.Invalid("query.seq", "%d is beyond the tree size %d", seq, size)
		}
		hashes, err := l.InclusionProof(seq, size)
		if err != nil {
			return err
		}
		leaf, err := l.HashReader().ReadHashes([]int64{tlog.StoredHashIndex(0, int64(seq-1))})
		if err != nil {
			return err
		}
		p = logproof.InclusionProof{Seq: seq, LeafIndex: seq - 1, TreeSize: size, LeafHash: leaf[0], Hashes: hashes}
		return nil
	})
	return p, err
}

// ConsistencyProof returns the proof that the feed's tree of the first
// from entries is a prefix of its tree of the first to entries. It needs
// 1 <= from <= to <= the feed's size; otherwise the error is a
// *registry.ValidationError naming "query.from" or "query.to".
func (n *Node) ConsistencyProof(ctx context.Context, from, to uint64) (logproof.ConsistencyProof, error) {
	var p logproof.ConsistencyProof
	err := n.db.View(ctx, func(tx registry.StoreTx) error {
		l := tx.Log(SelfLog)
		cur := l.Size()
		switch {
		case to < 1:
			return registry.Invalid("query.to", "must be at least 1")
		case to > cur:
			return registry.Invalid("query.to", "%d is beyond the feed's size %d", to, cur)
		case from < 1:
			return registry.Invalid("query.from", "must be at least 1")
		case from > to:
			return registry.Invalid("query.from", "%d is greater than to (%d)", from, to)
		}
		hashes, err := l.ConsistencyProof(from, to)
		if err != nil {
			return err
		}
		p = logproof.ConsistencyProof{From: from, To: to, Hashes: hashes}
		return nil
	})
	return p, err
}

// checkpointCache holds a node's last signed checkpoint and the kid that
// signed it.
type checkpointCache struct {
	mu   sync.Mutex
	last logproof.Signed
	kid  string
}
