package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/tiles"
)

// tileOptions are serve's flags for static tiles.
type tileOptions struct {
	Dest          string // --tiles: a directory or gocloud.dev/blob URL; "" publishes nothing
	SnapshotEvery uint64 // --snapshot-every
	DeltaEvery    uint64 // --delta-every
}

// tilesFailing is how many publication rounds in a row must fail before
// /readyz says the tiles are failing: a round is retried after 2 s, then
// 4 s, ..., so three is about 6 s of a destination that cannot be written
// (a read-only directory, a bucket without access), not one lost request.
const tilesFailing = 3

// startTiles checks o.Dest against n's feed and returns a function that
// starts publishing the feed there in the background (serve calls it once
// the node has written what it writes at start: a key announcement, the
// seed), which returns a function that stops it and waits, and the
// readiness check of the publication. It fails at once when the
// destination cannot be opened, holds another log or a checkpoint the log
// cannot have signed (its store restored from an older copy, a fork:
// Publisher.Resume), or the node's key cannot sign notes (ES256).
func startTiles(ctx context.Context, n *node.Node, o tileOptions, log *slog.Logger) (start func() (stop func()), ready []openapi.ReadyCheck, err error) {
	if o.Dest == "" {
		return func() func() { return func() {} }, nil, nil
	}
	store, err := tiles.OpenStore(ctx, o.Dest)
	if err != nil {
		return nil, nil, fmt.Errorf("--tiles: %w", err)
	}
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store,
		Snapshots: tiles.SnapshotPolicy{Every: o.SnapshotEvery, DeltaEvery: o.DeltaEvery},
		OnError:   func(err error) { log.Warn("publishing tiles failed; retrying", "dest", o.Dest, "err", err) },
		OnNoteKey: func(vkey string) {
			log.Info("tiles: checkpoints are signed with note key", "dest", o.Dest, "note_key", vkey)
		}})
	if err == nil {
		_, err = p.Resume(ctx)
	}
	if err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("--tiles: %w", err)
	}
	start = func() func() {
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
		return sync.OnceFunc(func() { cancel(); wg.Wait() })
	}
	check := openapi.ReadyCheck{Name: "tiles", Check: func(context.Context) error {
		switch st := p.Status(); {
		case st.Stopped:
			return &openapi.NotReady{Err: st.Err,
				Reason:   "publishing the static tiles (--tiles) stopped; the node's log says why",
				ReasonFR: "la publication des tuiles statiques (--tiles) s'est arrêtée; le journal du nœud en donne la raison"}
		case st.Failures >= tilesFailing:
			return &openapi.NotReady{Err: st.Err,
				Reason:   fmt.Sprintf("publishing the static tiles (--tiles) failed %d times in a row (a destination that cannot be written?); the node's log says why", st.Failures),
				ReasonFR: fmt.Sprintf("la publication des tuiles statiques (--tiles) a échoué %d fois de suite (une destination où l'on ne peut écrire?); le journal du nœud en donne la raison", st.Failures)}
		}
		return nil
	}}
	return start, []openapi.ReadyCheck{check}, nil
}
