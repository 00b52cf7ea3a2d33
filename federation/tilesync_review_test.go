package federation_test

// Tests from a review of sync from static tiles (federation/tilesync.go):
// each failed before the fix its comment names.

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"net/http/httptest"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// TestStaleFirstMirrorTilesOnly: the first mirror serves an older but
// valid checkpoint (300, the replica is empty), the second the current one
// (420). The follower should end current (420). The node is down.
func TestStaleFirstMirrorTilesOnly(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 300)
	stale := copyDir(t, good)
	growNamed(t, ab, "Tile Sync Builders", 420)
	publish(t, ab, good)
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, stale), serveDir(t, good))
	for i := range 3 {
		st, err := f.fed.Sync(ctx, "CA-AB")
		if err != nil || st.Misbehaving {
			t.Fatalf("sync %d: %v misbehaving %v", i, err, st.Misbehaving)
		}
		t.Logf("sync %d: seq %d peer_size %d state %s skipped %q", i, st.Seq, st.PeerSize, st.State, f.skipped())
		if i == 2 && st.Seq != 420 {
			t.Errorf("after 3 syncs the follower holds %d entries; the second tiles URL serves 420 (stuck on the stale first mirror)", st.Seq)
		}
	}
}

// TestStaleFirstMirrorWithNode: as above with the member's node up.
func TestStaleFirstMirrorWithNode(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 300)
	stale := copyDir(t, good)
	growNamed(t, ab, "Tile Sync Builders", 420)
	publish(t, ab, good)
	api := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
	defer api.Close()
	f := newTileFollower(t, ab, nil, api.URL, serveDir(t, stale), serveDir(t, good))
	st, err := f.fed.Sync(ctx, "CA-AB")
	t.Logf("sync 1: seq %d peer_size %d state %s misbehaving %v err %v", st.Seq, st.PeerSize, st.State, st.Misbehaving, err)
	if err != nil || st.Misbehaving {
		t.Fatalf("sync 1: %v", err)
	}
	if st.Seq != 420 {
		t.Errorf("sync 1 ends at %d entries, reported %s, peer size %d; the node and the second tiles URL serve 420", st.Seq, st.State, st.PeerSize)
	}
	st, err = f.fed.Sync(ctx, "CA-AB")
	t.Logf("sync 2: seq %d state %s misbehaving %v err %v skipped %q", st.Seq, st.State, st.Misbehaving, err, f.skipped())
	if err != nil || st.Misbehaving || st.Seq != 420 {
		t.Errorf("sync 2: seq %d misbehaving %v err %v; want 420", st.Seq, st.Misbehaving, err)
	}
}

// TestTilesEquivocationSameSync: the member signed two trees of size 300 (its
// bucket serves one, but its bundle 000 is missing; a mirror serves the
// other). The follower verified both notes in one sync: the member must be
// marked misbehaving, not followed on whichever history answered.
func TestTilesEquivocationSameSync(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 300)
	os.Remove(filepath.Join(good, "tile", "entries", "000"))
	fork := sameKeyNode(t, ab)
	growNamed(t, fork, "Forked Builders", 300)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, good), serveDir(t, forkTiles))
	st, err := f.fed.Sync(ctx, "CA-AB")
	t.Logf("seq %d misbehaving %v err %v skipped %q", st.Seq, st.Misbehaving, err, f.skipped())
	if !st.Misbehaving {
		t.Errorf("two notes of size 300 with different roots, both signed by CA-AB, were verified in one sync; CA-AB is not marked misbehaving and the replica holds %d entries of one history",
			len(replicaOf(t, f.n.Node, "CA-AB")))
	}
}

// TestTilesEquivocationAcrossSyncs: sync 1 verifies the member's note of size
// 1100 from its bucket but only gets 768 entries (bundle 003 missing);
// sync 2 finds a mirror with another note of size 1100, signed by the
// member, sharing those 768 entries. The API path records the verified
// checkpoint as the last one and would catch the second as a fork;
// the tiles path?
func TestTilesEquivocationAcrossSyncs(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 1100)
	os.Remove(filepath.Join(good, "tile", "entries", "004.p"))
	os.RemoveAll(filepath.Join(good, "tile", "entries", "004.p"))
	os.Remove(filepath.Join(good, "tile", "entries", "003"))
	fork := sameKeyNode(t, ab)
	growNamed(t, fork, "Tile Sync Builders", 768)
	growNamed(t, fork, "Forked Builders", 1100)
	if a, b := feedOf(t, ab.Node), feedOf(t, fork.Node); a[767].JWS != b[767].JWS || a[768].JWS == b[768].JWS {
		t.Fatal("fork fixture: want the same first 768 entries, then different ones")
	}
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)

	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, good))
	st, err := f.fed.Sync(ctx, "CA-AB")
	t.Logf("sync 1: seq %d err %v", st.Seq, err)
	if st.Seq != 768 || err == nil {
		t.Fatalf("sync 1: seq %d err %v; want 768 and a failure", st.Seq, err)
	}
	f2 := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles))
	st, err = f2.fed.Sync(ctx, "CA-AB")
	t.Logf("sync 2: seq %d misbehaving %v err %v", st.Seq, st.Misbehaving, err)
	if !st.Misbehaving {
		got := replicaOf(t, f.n.Node, "CA-AB")
		t.Errorf("CA-AB signed two trees of size 1100 (the first verified in sync 1); not marked misbehaving; the replica now holds %d entries, entry 769 from the fork: %v",
			len(got), len(got) > 768 && got[768].JWS == feedOf(t, fork.Node)[768].JWS)
	}
}

// signNote writes to dir/checkpoint a note of (size, root) signed by k.
func signNote(t *testing.T, dir string, k *jose.Key, size uint64, root [32]byte) {
	t.Helper()
	s, _, err := tiles.NoteSigner(logproof.Origin("CA-AB"), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tiles.SignCheckpoint(s, size, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "checkpoint"), c.Note, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestTilesCheckpointOf2To62: a note signed by the member's key (a
// hostile member) of size exactly logproof.MaxTreeSize (2^62), which
// ParseCheckpointText accepts. The sync must end within SyncTimeout.
func TestTilesCheckpointOf2To62(t *testing.T) {
	ab, good := publishedLog(t, 300)
	hostile := copyDir(t, good)
	signNote(t, hostile, ab.ActiveKey(), 1<<62, [32]byte{2})
	n := nodetest.New(t, "CA-BC", nodetest.Options{})
	trust := &federation.Trust{Name: "tiles", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: downURL(t), Keys: ab.PublicKeys(), Tiles: []string{serveDir(t, hostile), serveDir(t, good)}},
		{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: n.PublicKeys()},
	}}
	fed, err := federation.New(federation.Config{Node: n.Node, Trust: trust, PeerTimeout: 2 * time.Second, SyncTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := fed.Sync(ctx, "CA-AB"); done <- err }()
	select {
	case err := <-done:
		t.Logf("sync ended: %v", err)
	case <-time.After(20 * time.Second):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "tlog.") {
				t.Logf("spinning goroutine:\n%s", g)
			}
		}
		t.Fatalf("a tiles checkpoint of size 2^62 signed by the member: Sync has not returned 20 s after start (SyncTimeout 5 s, ctx cancelled at 5 s); tlog.subTreeIndex spins (maxpow2(2^62+1) never ends)")
	}
}

// TestTilesAcrossKeyRotation: the member rotates its key (announced by an
// entry its old key signs) and publishes a note signed by the new key
// only; a follower pinned on the old key, with the member's node down,
// reads the entries past its replica, learns the new key from them, then
// verifies the note and its tree, as a sync over the API does. Before, the
// note never verified and every tiles source was skipped.
func TestTilesAcrossKeyRotation(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 100)
	pinned := ab.PublicKeys()
	if _, err := ab.Keys.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := ab.Keys.Save(filepath.Join(ab.Dir, "keys.json")); err != nil {
		t.Fatal(err)
	}
	if err := ab.DB.Close(); err != nil {
		t.Fatal(err)
	}
	ab2 := nodetest.New(t, "CA-AB", nodetest.Options{Dir: ab.Dir})
	growNamed(t, ab2, "Tile Sync Builders", 200)
	publish(t, ab2, good)
	f := followerPinning(t, pinned, nil, downURL(t), serveDir(t, good))
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Seq != 200 || st.Misbehaving {
		t.Fatalf("tiles-only follower across a key rotation: seq %d, misbehaving %v, err %v; want 200", st.Seq, st.Misbehaving, err)
	}
	want, got := feedOf(t, ab2.Node), replicaOf(t, f.n.Node, "CA-AB")
	if len(got) != len(want) || got[199].JWS != want[199].JWS {
		t.Fatalf("replica holds %d entries, want the member's %d", len(got), len(want))
	}
	if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 200 {
		t.Errorf("the next sync: seq %d, %v", st.Seq, err)
	}
}

// TestTilesNoteOfAStrangersKey: a source whose note is signed by a key
// that nothing the member signed announces is refused: the follower may
// have stored entries the member signed on the way (as over the API), but
// nothing else, and the member is not blamed.
func TestTilesNoteOfAStrangersKey(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 300)
	stranger := nodetest.New(t, "CA-AB", nodetest.Options{})
	forged := copyDir(t, good)
	signNote(t, forged, stranger.ActiveKey(), 300, [32]byte{7})
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, forged))
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err == nil || st.Misbehaving {
		t.Fatalf("a note of a stranger's key: seq %d misbehaving %v err %v; want refused, nobody blamed", st.Seq, st.Misbehaving, err)
	}
	want, got := feedOf(t, ab.Node), replicaOf(t, f.n.Node, "CA-AB")
	for i := range got {
		if got[i].JWS != want[i].JWS {
			t.Fatalf("replica entry %d is not the member's", i+1)
		}
	}
}

// TestTilesNoteCheckedAgainstEntriesFromTheNode: sync 1 verifies the
// member's note of size 310 from its tiles and keeps it (checkNote), but
// stores no entry of it (its bundles are gone). The member's node then
// serves another history at that size: entries past it whose tree at 310
// is not the note's, or a checkpoint of 310 with another root. Either is
// the member signing two trees of one size: it is marked misbehaving with
// the note (and the computed root, or the node's checkpoint) as evidence,
// and nothing of the page that contradicts the note is stored. Before,
// the note kept was compared only with later notes from tiles: the
// replica grew past it over the API unchecked.
func TestTilesNoteCheckedAgainstEntriesFromTheNode(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		grow     uint64 // the member's node's entries
		feedDown bool   // its feed fails: only its checkpoint is read
	}{
		{"entries past the note", 330, false},
		{"a checkpoint of the note's size", 310, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab, _ := publishedLog(t, 300)
			fork := sameKeyNode(t, ab)
			growNamed(t, fork, "Forked Builders", 310)
			forkTiles := t.TempDir()
			publish(t, fork, forkTiles)
			if err := os.RemoveAll(filepath.Join(forkTiles, "tile", "entries")); err != nil {
				t.Fatal(err)
			}
			f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, forkTiles))
			if st, err := f.fed.Sync(ctx, "CA-AB"); err == nil || st.Misbehaving || st.Seq != 0 {
				t.Fatalf("sync 1 (the note verified, no bundle): seq %d misbehaving %v err %v", st.Seq, st.Misbehaving, err)
			}

			growNamed(t, ab, "Tile Sync Builders", tc.grow)
			h := openapi.New(openapi.Config{Node: ab.Node})
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.feedDown && strings.HasPrefix(r.URL.Path, "/v1/feed") {
					http.Error(w, "down", http.StatusServiceUnavailable)
					return
				}
				h.ServeHTTP(w, r)
			}))
			defer api.Close()
			for i := range 2 { // and stays so
				st, err := newTileFollower(t, ab, f.n, api.URL).fed.Sync(ctx, "CA-AB")
				if !errors.Is(err, registry.ErrUnverified) || !st.Misbehaving || st.Evidence == nil {
					t.Fatalf("sync %d over the node's API: seq %d misbehaving %v err %v; want misbehaving, with evidence", i+2, st.Seq, st.Misbehaving, err)
				}
				if ev := st.Evidence; len(ev.Notes) != 1 || !strings.Contains(ev.Notes[0], "corfed/CA-AB\n310\n") ||
					(ev.Computed == nil || ev.Computed.Size != 310) == (len(ev.Checkpoints) != 1 || ev.Checkpoints[0].Size != 310) {
					t.Fatalf("evidence %+v; want the note of 310, and the root computed at 310 or the node's checkpoint of 310", ev)
				}
			}
			if n := len(replicaOf(t, f.n.Node, "CA-AB")); n >= 310 {
				t.Errorf("the replica holds %d entries; want none past the note of the history that contradicts it", n)
			}
		})
	}
}

// TestSyncFromTilesGoesOnPastACopyAtTheReplicasSize: the largest tiles
// source (a note of 420) serves a tampered bundle and is skipped; the next
// is a copy at the replica's size (300), which has nothing new. The sync
// goes on to the member's node: with the node up it ends at 420; with the
// node down it fails (the replica is behind a tree the member signed)
// rather than report success at 300. Before, the copy at the replica's
// size ended the failover "successfully" and the node was never read.
func TestSyncFromTilesGoesOnPastACopyAtTheReplicasSize(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		nodeUp bool
	}{
		{"the node up", true},
		{"the node down", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab, good := publishedLog(t, 300)
			stale := copyDir(t, good)
			f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, stale))
			if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 300 {
				t.Fatalf("set-up: seq %d, %v", st.Seq, err)
			}
			growNamed(t, ab, "Tile Sync Builders", 420)
			publish(t, ab, good)
			flipByte(t, filepath.Join(good, "tile", "entries", "001.p", "164"), 50)
			api := downURL(t)
			if tc.nodeUp {
				srv := httptest.NewServer(openapi.New(openapi.Config{Node: ab.Node}))
				defer srv.Close()
				api = srv.URL
			}
			f2 := newTileFollower(t, ab, f.n, api, serveDir(t, good), serveDir(t, stale))
			st, err := f2.fed.Sync(ctx, "CA-AB")
			switch {
			case tc.nodeUp && (err != nil || st.Seq != 420):
				t.Errorf("seq %d, %v; want 420 from the node", st.Seq, err)
			case !tc.nodeUp && (err == nil || st.Seq != 300):
				t.Errorf("seq %d, %v; want a failure at 300 (a note of 420 verified, no source served it)", st.Seq, err)
			}
		})
	}
}
