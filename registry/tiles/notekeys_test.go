package tiles_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// staleKey is a node's log as the publisher sees it in the moment of a
// rotation between the announcement of the new key and the node's switch
// to it: its active key is still the old one.
type staleKey struct {
	*nodetest.Node
	old *jose.Key
}

func (s staleKey) ActiveKey() *jose.Key { return s.old }

// rotate rotates n's key as `corfed keygen --rotate` and a reload do, and
// returns the retired key.
func rotate(t *testing.T, n *nodetest.Node) *jose.Key {
	t.Helper()
	old := n.ActiveKey()
	ring, err := jose.LoadKeyring(filepath.Join(n.Dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := n.SetKeys(context.Background(), ring); err != nil {
		t.Fatal(err)
	}
	return old
}

// TestNoteKeysAfterRotation: the publisher writes every key of the log to
// note-keys, the active one first, and signs no checkpoint with the key
// the tree it signs retires (the moment of a rotation before the node
// switches keys): mirrors refuse such a checkpoint.
func TestNoteKeysAfterRotation(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	grow(t, n, 20)
	dir := t.TempDir()
	p, store := newPublisher(t, n, dir)
	var published uint64
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	first, err := tiles.NoteKey(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tiles.ReadNoteKeys(ctx, store); err != nil || len(got) != 1 || got[0] != first {
		t.Fatalf("note-keys before the rotation: %q, %v; want [%s]", got, err, first)
	}
	old := rotate(t, n)
	stale, err := tiles.NewPublisher(tiles.PublisherConfig{Log: staleKey{n, old}, Store: store})
	if err != nil {
		t.Fatal(err)
	}
	was := published
	if err := stale.Publish(ctx, &published); err == nil || !strings.Contains(err.Error(), "a key rotation under way") {
		t.Errorf("a round between the announcement and the switch: %v; want it to wait for the switch", err)
	}
	if published != was || publishedIn(t, dir) != was {
		t.Errorf("a checkpoint of size %d (the publisher says %d) was signed by the retired key; want %d", publishedIn(t, dir), published, was)
	}
	if err := p.Publish(ctx, &published); err != nil {
		t.Fatal(err)
	}
	active, err := tiles.NoteKey(n)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := tiles.ReadNoteKeys(ctx, store); err != nil || len(got) != 2 || got[0] != active || got[1] != first {
		t.Errorf("note-keys after the rotation: %q, %v; want [%s %s]", got, err, active, first)
	}
	if got, err := tiles.ReadNoteKey(ctx, store); err != nil || got != active {
		t.Errorf("note-key after the rotation: %q, %v; want %s", got, err, active)
	}
}

func newVKey(t *testing.T, name string) string {
	t.Helper()
	_, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	return vkey
}

// publishedIn is the size of the checkpoint in dir, unverified.
func publishedIn(t *testing.T, dir string) uint64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, tiles.CheckpointPath))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "\n\n")
	c, err := tiles.ParseCheckpointText(string(b[:i+1]))
	if err != nil {
		t.Fatal(err)
	}
	return c.Size
}

// noteKeysSource serves one object, at NoteKeysPath.
type noteKeysSource []byte

func (b noteKeysSource) Get(_ context.Context, path string, max int64) ([]byte, error) {
	if path != tiles.NoteKeysPath {
		return nil, registry.ErrNotFound
	}
	if int64(len(b)) > max {
		return nil, registry.ErrInvalid
	}
	return b, nil
}

// TestReadNoteKeys: note-keys is read bounded, and only as one log's
// distinct Ed25519 vkeys, one a line.
func TestReadNoteKeys(t *testing.T) {
	const k1 = "corfed/CA-AB+0bff5243+AYcPRBbBFYsyqKEGFrmExP1IDCsk02ncIMpSxDNOwbC5"
	k2, other := newVKey(t, "corfed/CA-AB"), newVKey(t, "corfed/CA-BC")
	many := strings.Repeat(k1+"\n", jose.MaxJWKSKeys+1)
	for _, tc := range []struct {
		name, body string
		want       int
		says       string
	}{
		{"one key", k1 + "\n", 1, ""},
		{"active and retired", k2 + "\n" + k1 + "\n", 2, ""},
		{"no final line feed", k1, 0, "each line ended by a line feed"},
		{"empty", "", 0, "each line ended by a line feed"},
		{"a blank line", k1 + "\n\n", 0, "line 2"},
		{"not a key", k1 + "\nnot a key\n", 0, "line 2"},
		{"another log's key", k1 + "\n" + other + "\n", 0, "one log's keys"},
		{"a key twice", k1 + "\n" + k2 + "\n" + k1 + "\n", 0, "line 3: the key of an earlier line again"},
		{"more keys than a log may have", many[:min(len(many), tiles.MaxNoteKeysSize)], 0, "more than the 64"},
		{"oversized", many + strings.Repeat("x", tiles.MaxNoteKeysSize), 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tiles.ReadNoteKeys(context.Background(), noteKeysSource(tc.body))
			if tc.want > 0 {
				if err != nil || len(got) != tc.want {
					t.Errorf("%q, %v; want %d keys", got, err, tc.want)
				}
				return
			}
			if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%q, %v; want an invalid note-keys saying %q", got, err, tc.says)
			}
		})
	}
}
