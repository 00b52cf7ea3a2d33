package federation_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// growNamed adds employers named after name to n until it holds size
// entries (two names give two histories).
func growNamed(t *testing.T, n *nodetest.Node, name string, size uint64) {
	t.Helper()
	ctx := context.Background()
	cur, err := n.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := cur; i < size; i++ {
		prefix := fmt.Sprintf("7%07d", i)
		c, _ := registry.BNCheckDigit(prefix)
		if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: prefix + string(c), LegalName: fmt.Sprintf("%s %d Ltd.", name, i)}, true); err != nil {
			t.Fatal(err)
		}
	}
}

// publish writes n's feed to dir as static tiles and returns the size.
func publish(t *testing.T, n *nodetest.Node, dir string) {
	t.Helper()
	store, err := tiles.OpenStore(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	published := uint64(0)
	if b, err := os.ReadFile(filepath.Join(dir, "checkpoint")); err == nil {
		c, _ := tiles.ParseCheckpointText(string(b[:bytes.Index(b, []byte("\n\n"))+1]))
		published = c.Size
	}
	if err := p.Publish(context.Background(), &published); err != nil {
		t.Fatal(err)
	}
}

type mirrorFixture struct {
	n        *nodetest.Node
	src      string // the published directory
	srcURL   string
	cosigner *tiles.Cosigner
}

func newMirrorFixture(t *testing.T, size uint64) *mirrorFixture {
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	growNamed(t, n, "Mirror Builders", size)
	f := &mirrorFixture{n: n, src: t.TempDir()}
	publish(t, n, f.src)
	srv := httptest.NewServer(http.FileServer(http.Dir(f.src)))
	t.Cleanup(srv.Close)
	f.srcURL = srv.URL
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	f.cosigner, _ = tiles.NewCosigner("mirror.example.ca/ab", priv, func() time.Time { return nodetest.Now })
	return f
}

func (f *mirrorFixture) mirror(t *testing.T, from, to string) (*federation.Mirror, error) {
	t.Helper()
	return f.mirrorWithStore(t, from, to, nil, f.n.PublicKeys(), false)
}

// sameTiles reports each file under a that b lacks or holds otherwise
// (the checkpoints aside: the mirror's carries its cosignature).
func sameTiles(t *testing.T, a, b string) {
	t.Helper()
	err := filepath.WalkDir(a, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() == "checkpoint" {
			return err
		}
		rel, _ := filepath.Rel(a, path)
		want, _ := os.ReadFile(path)
		got, err := os.ReadFile(filepath.Join(b, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: mirror's copy differs (%v)", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestMirrorCopiesVerifiesAndCosigns mirrors a node's tiles served over
// HTTP, follows its growth, and mirrors the mirror: every copy equals the
// original, and each checkpoint carries the log's signature and the
// mirror's cosignature.
func TestMirrorCopiesVerifiesAndCosigns(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	dst := t.TempDir()
	m, err := f.mirror(t, f.srcURL, dst)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Once(ctx)
	if err != nil || res.From != 0 || res.To != 300 {
		t.Fatalf("first round: %+v, %v; want 0 to 300", res, err)
	}
	sameTiles(t, f.src, dst)
	// The copy's note-key is the key that signed what it verified: a
	// mirror of the copy may start from it.
	vkey, _ := tiles.NoteKey(f.n)
	if got, err := os.ReadFile(filepath.Join(dst, tiles.NoteKeyPath)); err != nil || string(got) != vkey+"\n" {
		t.Fatalf("mirror's note-key: %q, %v; want %q", got, err, vkey+"\n")
	}

	growNamed(t, f.n, "Mirror Builders", 600)
	publish(t, f.n, f.src)
	if res, err = m.Once(ctx); err != nil || res.From != 300 || res.To != 600 {
		t.Fatalf("second round: %+v, %v; want 300 to 600", res, err)
	}
	sameTiles(t, f.src, dst)

	// The mirror's checkpoint: the log's signature and the cosignature.
	msg, _ := os.ReadFile(filepath.Join(dst, "checkpoint"))
	logV, _ := tiles.Verifiers("corfed/CA-AB", f.n.PublicKeys())
	cv, err := tiles.NewCosignatureVerifier(f.cosigner.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(append(verifiersOf(t, f), cv)...))
	if err != nil || len(n.Sigs) != 2 {
		t.Fatalf("mirror checkpoint: %v, %d signatures verified, want 2", err, len(n.Sigs))
	}
	if _, _, err := tiles.OpenCheckpoint(msg, "corfed/CA-AB", logV); err != nil {
		t.Fatal(err)
	}

	// A new mirror over the same store resumes from its checkpoint.
	m2, err := f.mirror(t, f.srcURL, dst)
	if err != nil || m2.Size() != 600 {
		t.Fatalf("reopened mirror: size %d, %v; want 600", m2.Size(), err)
	}
	// A mirror of the mirror.
	srv := httptest.NewServer(http.FileServer(http.Dir(dst)))
	defer srv.Close()
	dst2 := t.TempDir()
	m3, err := f.mirror(t, srv.URL, dst2)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m3.Once(ctx); err != nil || res.To != 600 {
		t.Fatalf("mirror of the mirror: %+v, %v", res, err)
	}
	sameTiles(t, dst2, f.src) // it starts at 600: no partial tiles of smaller trees
	if _, err := os.Stat(filepath.Join(dst2, "tile", "0", "002.p", "88")); err != nil {
		t.Fatal(err)
	}
}

func verifiersOf(t *testing.T, f *mirrorFixture) []note.Verifier {
	vkey, err := tiles.VerifierKey("corfed/CA-AB", f.n.ActiveKey().Public())
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return []note.Verifier{v}
}

// copyDir copies src into a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestMirrorRefusesTampering: a flipped byte in a hash tile, in an entry,
// or in the checkpoint, a checkpoint signed by another key, a rollback and
// a fork are each refused with their reason, and the mirror's store keeps
// no checkpoint it did not verify.
func TestMirrorRefusesTampering(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	flip := func(path string, at func([]byte) int) func(string) {
		return func(dir string) {
			p := filepath.Join(dir, path)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[at(b)] ^= 0x01
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name   string
		tamper func(dir string)
		want   error
	}{
		{"hash tile", flip("tile/0/000", func([]byte) int { return 100 }), tiles.ErrTampered},
		{"partial hash tile", flip("tile/0/001.p/44", func([]byte) int { return 5 }), tiles.ErrTampered},
		{"level-1 tile", flip("tile/1/000.p/1", func([]byte) int { return 0 }), tiles.ErrTampered},
		{"entry", flip("tile/entries/000", func(b []byte) int { return 40 }), tiles.ErrTampered},
		{"checkpoint size", flip("checkpoint", func(b []byte) int { return bytes.IndexByte(b, '\n') + 1 }), registry.ErrUnverified},
		{"checkpoint signature", func(dir string) {
			p := filepath.Join(dir, "checkpoint")
			b, _ := os.ReadFile(p)
			i := len(b) - 10 // inside the signature's base64: another letter, still base64
			b[i] = map[bool]byte{true: 'B', false: 'A'}[b[i] == 'A']
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, registry.ErrUnverified},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, f.src)
			tc.tamper(dir)
			srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
			defer srv.Close()
			dst := t.TempDir()
			m, err := f.mirror(t, srv.URL, dst)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Once(ctx)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dst, "checkpoint")); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("the mirror wrote a checkpoint after refusing: %v", err)
			}
		})
	}

	t.Run("rollback", func(t *testing.T) {
		dst := t.TempDir()
		m, err := f.mirror(t, f.srcURL, dst)
		if err != nil {
			t.Fatal(err)
		}
		old := copyDir(t, f.src)
		growNamed(t, f.n, "Mirror Builders", 400)
		publish(t, f.n, f.src)
		if _, err := m.Once(ctx); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dst, "checkpoint"))
		srv := httptest.NewServer(http.FileServer(http.Dir(old)))
		defer srv.Close()
		m2, err := f.mirror(t, srv.URL, dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m2.Once(ctx); !errors.Is(err, tiles.ErrRollback) {
			t.Fatalf("got %v, want ErrRollback", err)
		}
		after, _ := os.ReadFile(filepath.Join(dst, "checkpoint"))
		if !bytes.Equal(before, after) {
			t.Fatal("the mirror's checkpoint changed after a rollback")
		}
	})

	t.Run("fork", func(t *testing.T) {
		dst := t.TempDir()
		m, err := f.mirror(t, f.srcURL, dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m.Once(ctx); err != nil {
			t.Fatal(err)
		}
		// Same key, another history: the node signs two trees.
		fork := sameKeyNode(t, f.n)
		growNamed(t, fork, "Forked Builders", 700)
		forkTiles := t.TempDir()
		publish(t, fork, forkTiles)
		srv := httptest.NewServer(http.FileServer(http.Dir(forkTiles)))
		defer srv.Close()
		m2, err := f.mirror(t, srv.URL, dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := m2.Once(ctx); !errors.Is(err, tiles.ErrFork) {
			t.Fatalf("got %v, want ErrFork", err)
		}
	})
}

// TestMirrorReplacesPlantedFullTiles: full tiles already in the
// destination (planted there, or left by another history) are compared
// with what the mirror verified, and replaced when they differ, before it
// writes and cosigns a checkpoint over them. (Before, an existing full
// tile was kept unread: the mirror cosigned a copy it had not verified.)
func TestMirrorReplacesPlantedFullTiles(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 600)
	dst := t.TempDir()
	good, err := os.ReadFile(filepath.Join(f.src, "tile", "entries", "001"))
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(good)
	bad[40] ^= 1
	plant := func(rel string, data []byte) {
		p := filepath.Join(dst, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	plant("tile/entries/001", bad)
	plant("tile/0/000", make([]byte, 8192))
	m, err := f.mirror(t, f.srcURL, dst)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 600 {
		t.Fatalf("mirror over planted tiles: %+v, %v", res, err)
	}
	sameTiles(t, f.src, dst)
	// A restart without state verifies its own copy from scratch.
	m, err = f.mirror(t, f.srcURL, dst)
	if err != nil {
		t.Fatalf("restart over the repaired copy: %v", err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatalf("second round: %v", err)
	}
}
