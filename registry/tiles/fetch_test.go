package tiles_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/tiles"
)

// failingSource fails every hash tile fetch (a network error, not
// tampering) and serves a bundle.
type failingSource struct {
	bundle []byte
	n      atomic.Int64
}

func (s *failingSource) Get(_ context.Context, path string, _ int64) ([]byte, error) {
	if strings.HasPrefix(path, "tile/entries/") {
		return s.bundle, nil
	}
	return nil, fmt.Errorf("connection reset #%d: %w", s.n.Add(1), registry.ErrUnavailable)
}

// TestFetchFailureIsNotTampering: readers of one tree whose tile fetches
// fail at the same time each get their own fetch error, never
// tiles.ErrTampered. (Before, the error was classified against the tree's last
// fetch failure, which a concurrent reader could overwrite: about 1 in
// 12,000 outages was reported as tampering.)
func TestFetchFailureIsNotTampering(t *testing.T) {
	var b []byte
	for i := range tiles.TileWidth {
		b, _ = tiles.AppendEntry(b, fmt.Appendf(nil, "entry %d", i))
	}
	src := &failingSource{bundle: b}
	for range 200 {
		vt := (&tiles.Reader{Src: src}).Tree(context.Background(), tlog.Tree{N: 4096})
		var wg sync.WaitGroup
		errs := make([]error, 4)
		for k := range errs {
			wg.Go(func() {
				_, errs[k] = vt.Bundle(context.Background(), tlog.Tile{H: tiles.Height, L: 0, N: int64(k), W: tiles.TileWidth})
			})
		}
		wg.Wait()
		for _, err := range errs {
			if err == nil || errors.Is(err, tiles.ErrTampered) || !errors.Is(err, registry.ErrUnavailable) {
				t.Fatalf("hash tiles that cannot be fetched: got %v, want the fetch error (unavailable), not tampering", err)
			}
		}
	}
}

// TestHTTPSourceRedirects: a source may redirect within its host, not to
// another one (a hostile source would make a mirror request addresses of
// its choosing).
func TestHTTPSourceRedirects(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		_, _ = w.Write([]byte("hello"))
	}))
	t.Cleanup(other.Close)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/here":
			_, _ = w.Write([]byte("hello"))
		default:
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		}
	}))
	t.Cleanup(src.Close)
	for _, s := range []*tiles.HTTPSource{mustSource(t, src.URL), {Base: src.URL}} { // NewHTTPSource's client, and none
		if got, err := s.Get(context.Background(), "moved", 100); err != nil || string(got) != "hello" {
			t.Errorf("redirect within the host: %q, %v", got, err)
		}
		if _, err := s.Get(context.Background(), "away", 100); err == nil || !strings.Contains(err.Error(), "another host") {
			t.Errorf("redirect to another host: got %v, want refused", err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
}

func mustSource(t *testing.T, base string) *tiles.HTTPSource {
	t.Helper()
	s, err := tiles.NewHTTPSource(base)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReadNoteKeyRefusesControlCharacters: a source's note-key whose name
// holds a terminal escape (shown to the operator on first use, before
// anything is verified) or any byte outside printable ASCII is refused.
func TestReadNoteKeyRefusesControlCharacters(t *testing.T) {
	for _, name := range []string{"corfed/CA-AB\x1b[2J", "corfed/CA-AB\x07", "corfed/CA-Ä"} {
		_, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := tiles.ReadNoteKey(context.Background(), bytesSource(vkey+"\n")); err == nil {
			t.Errorf("note-key named %q accepted: %q", name, got)
		}
	}
	_, vkey, err := note.GenerateKey(rand.Reader, "corfed/CA-AB")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tiles.ReadNoteKey(context.Background(), bytesSource(vkey+"\n")); err != nil || got != vkey {
		t.Errorf("a plain corfed/CA-AB key: %q, %v", got, err)
	}
}
