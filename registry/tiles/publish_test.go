package tiles_test

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

func newPublisher(t *testing.T, n *nodetest.Node, dest string) (*tiles.Publisher, *tiles.Store) {
	t.Helper()
	store, err := tiles.OpenStore(context.Background(), dest)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	// Partials go with the round that replaced them (TestPartialGrace
	// checks the grace).
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store, Interval: time.Millisecond, PartialGrace: -1})
	if err != nil {
		t.Fatal(err)
	}
	return p, store
}

// TestPartialGrace: the partial tiles a full tile replaced stay for
// PartialGrace after the checkpoint that replaced them, so a reader with
// the checkpoint before finds them, and go in the first round after.
func TestPartialGrace(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	store, err := tiles.OpenStore(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC)
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	exists := func(path string) bool {
		_, err := os.Stat(filepath.Join(dir, filepath.FromSlash(path)))
		return err == nil
	}
	var published uint64
	for _, step := range []struct {
		size    uint64
		advance time.Duration
		kept    bool // the partials of size 200
	}{
		{200, 0, true},
		{300, 0, true},                // tile 0 full: its partials wait
		{301, 59 * time.Second, true}, // still within the minute
		{302, 2 * time.Second, false}, // a minute after 300's checkpoint
		{303, time.Hour, false},
	} {
		now = now.Add(step.advance)
		grow(t, n, step.size)
		if err := p.Publish(ctx, &published); err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{"tile/0/000.p/200", "tile/entries/000.p/200"} {
			if exists(path) != step.kept {
				t.Errorf("at %d: %s exists %v, want %v", step.size, path, !step.kept, step.kept)
			}
		}
		if step.size >= 256 && !exists("tile/0/000") {
			t.Errorf("at %d: full tile 0/000 missing", step.size)
		}
	}
}

// TestPublishDirectoryIndependentReader publishes a node's feed to a plain
// directory as it grows across full tiles and a second level, serves the
// directory with net/http's file server, and checks it each time as an
// outside reader would: x/mod's note and tlog only. The sizes straddle
// tile boundaries: up to 256*3+7 entries, a level-0 partial of width 7
// beside a level-1 partial of width 3 (tile/1/000.p/3).
func TestPublishDirectoryIndependentReader(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	p, store := newPublisher(t, n, dir)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	vkey, err := tiles.NoteKey(n)
	if err != nil {
		t.Fatal(err)
	}
	var published uint64
	for _, size := range []uint64{1, 5, 255, 256, 300, 513, 600, 767, 768, 769, 775} {
		grow(t, n, size)
		if err := p.Publish(ctx, &published); err != nil {
			t.Fatalf("publish at %d: %v", size, err)
		}
		if published != size {
			t.Fatalf("published %d, want %d", published, size)
		}
		got, entries := independentRead(t, srv.URL, vkey, "corfed/CA-AB")
		if got != size {
			t.Fatalf("reader sees size %d, want %d", got, size)
		}
		feed, _, err := n.Feed(ctx, 0, int(size))
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range feed {
			if string(entries[i]) != e.JWS {
				t.Fatalf("entry %d in the bundle differs from the feed's seq %d", i, e.Seq)
			}
		}
	}
	// The note-key beside the checkpoint: the vkey of its signer.
	if got, err := tiles.ReadNoteKey(ctx, store); err != nil || got != vkey {
		t.Fatalf("note-key: %q, %v; want %q", got, err, vkey)
	}
	// Full tiles: 8,192 bytes; their partial forerunners deleted.
	var partialsOfFull []string
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(dir, path)
		if d != nil && d.IsDir() {
			return err
		}
		if strings.HasPrefix(rel, filepath.Join("tile", "0", "000.p")) || strings.HasPrefix(rel, filepath.Join("tile", "entries", "001.p")) {
			partialsOfFull = append(partialsOfFull, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(partialsOfFull) > 0 {
		t.Errorf("partial tiles left beside full ones: %v", partialsOfFull)
	}
	if fi, err := os.Stat(filepath.Join(dir, "tile", "0", "001")); err != nil || fi.Size() != 8192 {
		t.Errorf("full tile 0/001: %v, %v; want 8192 bytes", fi, err)
	}
	for _, p := range []string{"tile/0/003.p/7", "tile/entries/003.p/7", "tile/1/000.p/3"} {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Errorf("partial %s of the last checkpoint: %v", p, err)
		}
	}
}

// TestPublisherRunsAfterCommitsAndResumes runs the publisher in the
// background: commits wake it, it catches up, and a new publisher over the
// same directory resumes from the published checkpoint.
func TestPublisherRunsAfterCommitsAndResumes(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	run := func(want uint64) {
		t.Helper()
		p, _ := newPublisher(t, n, dir)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- p.Run(ctx) }()
		grow(t, n, want)
		for p.Status().Size != want {
			if st := p.Status(); st.Err != nil {
				t.Fatalf("publisher: %v", st.Err)
			}
			select {
			case err := <-done:
				t.Fatalf("publisher stopped: %v", err)
			case <-time.After(5 * time.Millisecond):
			}
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v, want context.Canceled", err)
		}
	}
	run(40)
	run(300)
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	vkey, _ := tiles.NoteKey(n)
	if got, _ := independentRead(t, srv.URL, vkey, "corfed/CA-AB"); got != 300 {
		t.Fatalf("size %d, want 300", got)
	}
}

// TestPublisherRefusesAnotherLog: a directory that holds another node's
// checkpoint is not written over.
func TestPublisherRefusesAnotherLog(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := nodetest.New(t, "CA-AB", nodetest.Options{})
	grow(t, a, 3)
	pa, _ := newPublisher(t, a, dir)
	var published uint64
	if err := pa.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	b := nodetest.New(t, "CA-AB", nodetest.Options{}) // same origin, another key and history
	grow(t, b, 5)
	pb, _ := newPublisher(t, b, dir)
	err := pb.Run(ctx)
	if !errors.Is(err, registry.ErrUnverified) {
		t.Fatalf("Run over another log's checkpoint: %v, want ErrUnverified", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if string(after) != string(before) {
		t.Fatal("the other log's checkpoint was overwritten")
	}
}

// TestES256NodeCannotPublish: notes are Ed25519 only.
func TestES256NodeCannotPublish(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Alg: jose.ES256})
	store, err := tiles.OpenStore(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store}); !errors.Is(err, tiles.ErrNotEd25519) {
		t.Fatalf("NewPublisher for an ES256 node: %v, want ErrNotEd25519", err)
	}
	if _, err := tiles.NoteKey(n); !errors.Is(err, tiles.ErrNotEd25519) {
		t.Fatalf("NoteKey: %v, want ErrNotEd25519", err)
	}
}
