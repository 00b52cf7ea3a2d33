package node

import (
	"context"
	"sync"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
)

// watchers are the channels Watch handed out. Each has room for one
// value: a notification that finds it full is dropped, so a slow watcher
// sees one wake-up for many commits (coalescing) and a commit never waits
// for a watcher.
type watchers struct {
	mu sync.Mutex
	ch map[chan struct{}]struct{}
}

// Watch returns a channel that receives a value after writes to the feed
// commit, and a function that stops the notifications. Notifications
// coalesce: after a wake-up, read the feed's size (Size) to learn what is
// new. Nothing is sent for the commits before Watch.
func (n *Node) Watch() (<-chan struct{}, func()) {
	c := make(chan struct{}, 1)
	w := &n.watchers
	w.mu.Lock()
	if w.ch == nil {
		w.ch = make(map[chan struct{}]struct{})
	}
	w.ch[c] = struct{}{}
	w.mu.Unlock()
	return c, func() {
		w.mu.Lock()
		delete(w.ch, c)
		w.mu.Unlock()
	}
}

// committed wakes every watcher without waiting.
func (n *Node) committed() {
	w := &n.watchers
	w.mu.Lock()
	defer w.mu.Unlock()
	for c := range w.ch {
		select {
		case c <- struct{}{}:
		default:
		}
	}
}

// Tile returns the hashes of tile t of the feed's tree (tlog's layout, as
// tlog.ReadTileData gives them): the concatenated 32-byte hashes it holds.
// t must lie within the current tree; a tile beyond it wraps
// registry.ErrNotFound.
func (n *Node) Tile(ctx context.Context, t tlog.Tile) (data []byte, err error) {
	err = n.db.View(ctx, func(tx registry.StoreTx) error {
		data, err = tlog.ReadTileData(t, tx.Log(SelfLog).HashReader())
		return err
	})
	return data, err
}

// MaxEntrySize bounds the compact JWS of one entry of the feed, in bytes:
// C2SP tlog-tiles entry bundles prefix each entry with a big-endian uint16
// length, so every entry a node publishes must fit in 65,535 bytes.
const MaxEntrySize = 65535

// MaxPayloadSize bounds an entry's signed payload (its envelope), in
// bytes: base64url grows it by 4/3, and the protected header (at most a
// few hundred bytes with its kid and typ) and the signature (86
// characters) must still fit MaxEntrySize.
const MaxPayloadSize = 48000
