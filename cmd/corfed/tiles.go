package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
)

// tileOptions are serve's flags for static tiles.
type tileOptions struct {
	Dest          string // --tiles: a directory or gocloud.dev/blob URL; "" publishes nothing
	SnapshotEvery uint64 // --snapshot-every
	DeltaEvery    uint64 // --delta-every
}

// startTiles starts publishing n's feed to o.Dest in the background and
// returns a function that stops it and waits. It fails at once when the
// destination cannot be opened, holds another log, or the node's key
// cannot sign notes (ES256).
func startTiles(ctx context.Context, n *node.Node, o tileOptions, log *slog.Logger) (stop func(), err error) {
	if o.Dest == "" {
		return func() {}, nil
	}
	store, err := tiles.OpenStore(ctx, o.Dest)
	if err != nil {
		return nil, fmt.Errorf("--tiles: %w", err)
	}
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store,
		Snapshots: tiles.SnapshotPolicy{Every: o.SnapshotEvery, DeltaEvery: o.DeltaEvery},
		OnError:   func(err error) { log.Warn("publishing tiles failed; retrying", "dest", o.Dest, "err", err) }})
	if err != nil {
		store.Close()
		return nil, fmt.Errorf("--tiles: %w", err)
	}
	vkey, _ := tiles.NoteKey(n)
	log.Info("publishing static tiles", "dest", o.Dest, "note_key", vkey)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		defer store.Close()
		if err := p.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("publishing tiles stopped", "dest", o.Dest, "err", err)
		}
	})
	return func() { cancel(); wg.Wait() }, nil
}
