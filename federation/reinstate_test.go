package federation_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestReinstateLiftsTheMarkAndKeepsIt: a peer marked misbehaving (its
// tiles served a fork) is reinstated by the administrator: its status is
// no longer misbehaving and keeps the lifted mark with who lifted it and
// why, also after a restart; the replica is unchanged; a sync that meets
// the fork again marks it again at once, and one that meets the history
// the replica holds goes on. A peer not marked is a conflict, one not in
// the federation not found.
func TestReinstateLiftsTheMarkAndKeepsIt(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 260)
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, good))
	if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 260 {
		t.Fatalf("sync: seq %d, %v", st.Seq, err)
	}
	if _, err := f.fed.Reinstate(ctx, "CA-AB", "jti-1", "not marked"); !errors.Is(err, registry.ErrConflict) {
		t.Fatalf("reinstating a peer not marked: %v, want a conflict", err)
	}
	if _, err := f.fed.Reinstate(ctx, "CA-QC", "jti-1", "no such peer"); !errors.Is(err, registry.ErrNotFound) {
		t.Fatalf("reinstating a jurisdiction that is no peer: %v, want not found", err)
	}
	fork := sameKeyNode(t, ab)
	growNamed(t, fork, "Forked Builders", 300)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	forked := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles))
	if st, _ := forked.fed.Sync(ctx, "CA-AB"); !st.Misbehaving {
		t.Fatalf("the fork did not mark the peer: %+v", st)
	}

	st, err := forked.fed.Reinstate(ctx, "CA-AB", "jti-admin", "CA-AB restored the store its peers hold")
	if err != nil {
		t.Fatal(err)
	}
	if st.Misbehaving || st.State == "misbehaving" || len(st.Reinstated) != 1 || st.Reinstated[0].By != "jti-admin" ||
		st.Reinstated[0].Reason != "CA-AB restored the store its peers hold" || len(st.Reinstated[0].Mark.Notes) != 1 || st.Seq != 260 {
		t.Fatalf("after reinstating: %+v", st)
	}

	// A restart reads the same, and the fork marks the peer again.
	again := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles))
	ps, err := again.fed.Peers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p := ps[0]; p.Jurisdiction != "CA-AB" || p.Misbehaving || len(p.Reinstated) != 1 {
		t.Fatalf("after a restart: %+v", p)
	}
	if st, _ := again.fed.Sync(ctx, "CA-AB"); !st.Misbehaving || len(st.Reinstated) != 1 {
		t.Fatalf("the fork met again: %+v; want marked again, the lifted mark kept", st)
	}
	if _, err := again.fed.Reinstate(ctx, "CA-AB", "jti-admin", "the fork's tiles are gone"); err != nil {
		t.Fatal(err)
	}

	// The history the replica holds goes on.
	growNamed(t, ab, "Tile Sync Builders", 320)
	publish(t, ab, good)
	back := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, good))
	st, err = back.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Misbehaving || st.Seq != 320 || len(st.Reinstated) != 2 {
		t.Fatalf("sync of the true history after reinstating: %+v, %v", st, err)
	}

	// The status keeps the last 16 lifted marks, oldest first.
	for i := 3; i <= 17; i++ {
		fk := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles))
		if st, _ := fk.fed.Sync(ctx, "CA-AB"); !st.Misbehaving {
			t.Fatalf("mark %d: the fork did not mark AB: %+v", i, st)
		}
		if st, err = fk.fed.Reinstate(ctx, "CA-AB", "jti-admin", fmt.Sprint("lifted ", i)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(st.Reinstated); n != 16 || st.Reinstated[15].Reason != "lifted 17" || st.Reinstated[0].Reason != "the fork's tiles are gone" {
		t.Errorf("after 17 liftings: %d kept, first %q, last %q; want the last 16", n, st.Reinstated[0].Reason, st.Reinstated[n-1].Reason)
	}
}
