package federation_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// flipByte changes one byte of the file at path, at offset off.
func flipByte(t *testing.T, path string, off int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0x01
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// serveDir serves dir over real HTTP, as any static file server would.
func serveDir(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// downURL is the URL of a server that was started and closed: nothing
// answers there.
func downURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	return srv.URL
}

// publishedLog is a CA-AB node grown to size entries and published to a
// directory.
func publishedLog(t *testing.T, size uint64) (*nodetest.Node, string) {
	t.Helper()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	growNamed(t, ab, "Tile Sync Builders", size)
	publish(t, ab, dir)
	return ab, dir
}

// sameKeyNode returns a new node with n's jurisdiction and key and an empty
// log: what it signs is another history of n's log.
func sameKeyNode(t *testing.T, n *nodetest.Node) *nodetest.Node {
	t.Helper()
	dir := t.TempDir()
	keys, err := os.ReadFile(filepath.Join(n.Dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "keys.json"), keys, 0o600); err != nil {
		t.Fatal(err)
	}
	return nodetest.New(t, n.Jurisdiction(), nodetest.Options{Dir: dir})
}

// tileFollower is a CA-BC node following CA-AB through the tiles sources
// given (and an AB node URL that is down), recording the events.
type tileFollower struct {
	n   *nodetest.Node
	fed *federation.Federation

	mu     sync.Mutex
	events []federation.Event
}

func newTileFollower(t *testing.T, ab *nodetest.Node, n *nodetest.Node, api string, sources ...string) *tileFollower {
	t.Helper()
	return followerPinning(t, ab.PublicKeys(), n, api, sources...)
}

// followerPinning is newTileFollower pinning keys for CA-AB.
func followerPinning(t *testing.T, keys *jose.KeySet, n *nodetest.Node, api string, sources ...string) *tileFollower {
	t.Helper()
	if n == nil {
		n = nodetest.New(t, "CA-BC", nodetest.Options{})
	}
	f := &tileFollower{n: n}
	trust := &federation.Trust{Name: "tiles", Members: []federation.Member{
		{Jurisdiction: "CA-AB", URL: api, Keys: keys, Tiles: sources},
		{Jurisdiction: "CA-BC", URL: "http://127.0.0.1:1", Keys: n.PublicKeys()},
	}}
	var err error
	// The slow mirror never answers, so PeerTimeout only needs to be long
	// enough for the good ones on a busy machine (it is what the slow one
	// costs).
	f.fed, err = federation.New(federation.Config{Node: n.Node, Trust: trust, PeerTimeout: 5 * time.Second,
		OnEvent: func(e federation.Event) { f.mu.Lock(); f.events = append(f.events, e); f.mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// skipped returns the errors of the source_skipped events so far.
func (f *tileFollower) skipped() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		if e.Kind == federation.EventSourceSkipped {
			out = append(out, e.Err.Error())
		}
	}
	f.events = nil
	return out
}

// TestSyncFromTilesFailsOver syncs a peer from its static tiles over real
// HTTP while its node is down: a mirror that is down, a slow one, one
// serving a tampered entry bundle and one serving an older checkpoint (a
// rollback) are each skipped with their reason, and the sync succeeds
// from the good one with every entry the node signed.
func TestSyncFromTilesFailsOver(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 200)
	old := copyDir(t, good) // the log at 200 entries
	growNamed(t, ab, "Tile Sync Builders", 300)
	publish(t, ab, good)

	tampered := copyDir(t, good)
	flipByte(t, filepath.Join(tampered, "tile", "entries", "000"), 100)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // answers nothing before the client gives up
	}))
	defer slow.Close()
	f := newTileFollower(t, ab, nil, downURL(t), downURL(t), slow.URL, serveDir(t, tampered), serveDir(t, good))
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Seq != 300 || st.State != federation.StateSynced {
		t.Fatalf("sync: seq %d state %s error %v; want 300, synced", st.Seq, st.State, err)
	}
	want := feedOf(t, ab.Node)
	got := replicaOf(t, f.n.Node, "CA-AB")
	if len(got) != len(want) {
		t.Fatalf("replica holds %d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].JWS != want[i].JWS {
			t.Fatalf("replica entry %d differs from the feed", i+1)
		}
	}
	sk := f.skipped()
	if len(sk) != 3 || !strings.Contains(sk[0], "connection refused") || !(strings.Contains(sk[1], "timeout") || strings.Contains(sk[1], "no answer within")) || !strings.Contains(sk[2], "tampered") {
		t.Fatalf("skipped sources: %q; want down, slow, tampered", sk)
	}

	// The log grows; a mirror still serving the 200-entry checkpoint is
	// a rollback and is skipped.
	growNamed(t, ab, "Tile Sync Builders", 420)
	publish(t, ab, good)
	f2 := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, old), serveDir(t, good))
	st, err = f2.fed.Sync(ctx, "CA-AB")
	if err != nil || st.Seq != 420 {
		t.Fatalf("second sync: seq %d error %v; want 420", st.Seq, err)
	}
	if sk := f2.skipped(); len(sk) != 1 || !strings.Contains(sk[0], "rolled back") {
		t.Fatalf("skipped sources: %q; want the rollback", sk)
	}
	if got := replicaOf(t, f.n.Node, "CA-AB"); len(got) != 420 || got[419].JWS != feedOf(t, ab.Node)[419].JWS {
		t.Fatalf("replica holds %d entries after the second sync, want 420", len(got))
	}
}

// TestSyncFromTilesAllBad: when every source fails (a mirror down, one
// with a tampered tile, one with a forged checkpoint signature, the node
// down), the sync fails with every reason and nothing is stored.
func TestSyncFromTilesAllBad(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 300)
	badTile := copyDir(t, good)
	flipByte(t, filepath.Join(badTile, "tile", "0", "000"), 40)
	badSig := copyDir(t, good)
	cp, _ := os.ReadFile(filepath.Join(badSig, "checkpoint"))
	flipByte(t, filepath.Join(badSig, "checkpoint"), len(cp)-6)

	f := newTileFollower(t, ab, nil, downURL(t), downURL(t), serveDir(t, badTile), serveDir(t, badSig))
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err == nil || !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("sync: %v; want an error", err)
	}
	for _, says := range []string{"connection refused", "tampered", "checkpoint", "node http://"} {
		if !strings.Contains(err.Error(), says) {
			t.Errorf("error %q does not say %q", err, says)
		}
	}
	if n := len(replicaOf(t, f.n.Node, "CA-AB")); n != 0 || st.Seq != 0 || st.State != federation.StateError || st.Misbehaving {
		t.Fatalf("replica holds %d entries, status seq %d state %s misbehaving %v; want nothing stored, error", n, st.Seq, st.State, st.Misbehaving)
	}
}

// TestSyncFromTilesFork: tiles whose checkpoint note, signed by the
// member's key, gives a tree that does not extend the entries it signed
// before are a fork: the member is marked misbehaving, with the note as
// evidence, and nothing of the fork is stored.
func TestSyncFromTilesFork(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 260)
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, good))
	if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 260 {
		t.Fatalf("sync: seq %d, %v", st.Seq, err)
	}
	fork := sameKeyNode(t, ab)
	growNamed(t, fork, "Forked Builders", 300)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	f2 := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles), serveDir(t, good))
	st, err := f2.fed.Sync(ctx, "CA-AB")
	if !errors.Is(err, registry.ErrUnverified) || !st.Misbehaving || st.Evidence == nil || len(st.Evidence.Notes) != 1 || st.Evidence.Computed == nil {
		t.Fatalf("fork: status %+v, error %v; want misbehaving with the note and the computed root as evidence", st, err)
	}
	if !strings.Contains(st.Evidence.Notes[0], "corfed/CA-AB\n300\n") {
		t.Fatalf("evidence note %q is not the fork's checkpoint", st.Evidence.Notes[0])
	}
	if n := len(replicaOf(t, f.n.Node, "CA-AB")); n != 260 {
		t.Fatalf("replica holds %d entries after the fork, want 260", n)
	}
}

// TestSyncFromTilesSmallerFork: tiles whose checkpoint, signed by the
// member's key, is smaller than the replica are a stale copy when their
// root is the replica's at that size, and a fork when it is not: the
// member signed a tree other than the one its entries make. Before, both
// were skipped as a rollback and the fork went unreported.
func TestSyncFromTilesSmallerFork(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 200)
	stale := copyDir(t, good)
	growNamed(t, ab, "Tile Sync Builders", 260)
	publish(t, ab, good)
	f := newTileFollower(t, ab, nil, downURL(t), serveDir(t, good))
	if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 260 {
		t.Fatalf("sync: seq %d, %v", st.Seq, err)
	}
	f1 := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, stale), serveDir(t, good))
	if st, err := f1.fed.Sync(ctx, "CA-AB"); err != nil || st.Misbehaving || st.Seq != 260 {
		t.Fatalf("sync with a stale copy first: seq %d misbehaving %v, %v", st.Seq, st.Misbehaving, err)
	}
	if sk := f1.skipped(); len(sk) != 1 || !strings.Contains(sk[0], "behind") {
		t.Fatalf("skipped sources: %q; want the stale copy, behind", sk)
	}

	fork := sameKeyNode(t, ab)
	growNamed(t, fork, "Forked Builders", 200)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	f2 := newTileFollower(t, ab, f.n, downURL(t), serveDir(t, forkTiles), serveDir(t, good))
	st, err := f2.fed.Sync(ctx, "CA-AB")
	if !errors.Is(err, registry.ErrUnverified) || !st.Misbehaving || st.Evidence == nil || len(st.Evidence.Notes) != 1 ||
		st.Evidence.Computed == nil || st.Evidence.Computed.Size != 200 {
		t.Fatalf("smaller fork: status %+v, error %v; want misbehaving with the note and the root computed at 200 as evidence", st, err)
	}
	if !strings.Contains(st.Evidence.Notes[0], "corfed/CA-AB\n200\n") {
		t.Fatalf("evidence note %q is not the fork's checkpoint", st.Evidence.Notes[0])
	}
	if n := len(replicaOf(t, f.n.Node, "CA-AB")); n != 260 {
		t.Fatalf("replica holds %d entries after the fork, want 260", n)
	}
}

// TestSyncFromTilesPipelineStopsAtTamperedBundle: the bundles of a tile
// sync are fetched several at a time, and one tampered in the middle of
// the log (bundle 2 of 5) still fails the sync: the replica holds exactly
// the bundles before it, as the member signed them, and nothing after.
func TestSyncFromTilesPipelineStopsAtTamperedBundle(t *testing.T) {
	ctx := context.Background()
	ab, good := publishedLog(t, 1100)
	tampered := copyDir(t, good)
	flipByte(t, filepath.Join(tampered, "tile", "entries", "002"), 300)

	// Count the bundle requests in flight; the first waits (a little) for
	// a second, which comes only if bundles are fetched ahead.
	var mu sync.Mutex
	inFlight, most := 0, 0
	second := make(chan struct{})
	closeSecond := sync.OnceFunc(func() { close(second) })
	files := http.FileServer(http.Dir(tampered))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/tile/entries/") {
			mu.Lock()
			inFlight++
			most = max(most, inFlight)
			if inFlight == 2 {
				closeSecond() // once: inFlight comes back to 2 as bundles finish
			}
			mu.Unlock()
			select {
			case <-second:
			case <-time.After(300 * time.Millisecond): // failure guard only
			}
			defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
		}
		files.ServeHTTP(w, r)
	}))
	defer srv.Close()

	f := newTileFollower(t, ab, nil, downURL(t), srv.URL)
	st, err := f.fed.Sync(ctx, "CA-AB")
	if err == nil || !strings.Contains(err.Error(), "tampered") || !strings.Contains(err.Error(), "tile/entries/002") {
		t.Fatalf("sync: %v; want the tampered bundle 2 named", err)
	}
	want := feedOf(t, ab.Node)
	got := replicaOf(t, f.n.Node, "CA-AB")
	if len(got) != 2*256 || st.Seq != 2*256 {
		t.Fatalf("replica holds %d entries (status seq %d), want the 512 before the tampered bundle", len(got), st.Seq)
	}
	for i := range got {
		if got[i].JWS != want[i].JWS {
			t.Fatalf("replica entry %d differs from the feed", i+1)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if most < 2 {
		t.Errorf("at most %d bundle request in flight: bundles are not fetched ahead", most)
	}
}

// TestTileSyncIdleFetchesNoBundle: a sync from tiles that finds nothing
// new fetches the checkpoint and no entry bundle (before, it fetched and
// re-verified the last partial bundle on every sync).
func TestTileSyncIdleFetchesNoBundle(t *testing.T) {
	ctx := context.Background()
	ab, dir := publishedLog(t, 300)
	var bundles atomic.Int64
	files := http.FileServer(http.Dir(dir))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/tile/entries/") {
			bundles.Add(1)
		}
		files.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f := newTileFollower(t, ab, nil, downURL(t), srv.URL)
	if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 300 {
		t.Fatalf("first sync: seq %d, %v", st.Seq, err)
	}
	if bundles.Load() != 2 {
		t.Errorf("first sync fetched %d bundles, want 2", bundles.Load())
	}
	bundles.Store(0)
	for range 2 {
		if st, err := f.fed.Sync(ctx, "CA-AB"); err != nil || st.Seq != 300 {
			t.Fatalf("idle sync: seq %d, %v", st.Seq, err)
		}
	}
	if n := bundles.Load(); n != 0 {
		t.Errorf("two idle syncs fetched %d bundles, want none", n)
	}
}
