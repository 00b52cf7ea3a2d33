package tiles_test

import (
	"context"
	"errors"
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

// TestResumeNamesACutCheckpoint: a tiles directory whose checkpoint is
// empty or cut short (a write on a full disk by an earlier corfed) is
// refused at start with what it is and what to do, not as a checkpoint
// the log did not sign (which reads as tampering).
func TestResumeNamesACutCheckpoint(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	dir := t.TempDir()
	p, st := newPublisher(t, n, dir)
	grow(t, n, 20)
	if _, err := p.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	var size uint64
	if err := p.Publish(ctx, &size); err != nil {
		t.Fatal(err)
	}
	whole, err := os.ReadFile(filepath.Join(dir, tiles.CheckpointPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range [][]byte{nil, whole[:len(whole)/2]} {
		if err := os.WriteFile(filepath.Join(dir, tiles.CheckpointPath), cut, 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: st})
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.Resume(ctx)
		if !errors.Is(err, registry.ErrInvalid) || !strings.Contains(err.Error(), "not a whole signed note") || strings.Contains(err.Error(), "did not sign") {
			t.Errorf("%d bytes: %v; want a cut checkpoint named as such", len(cut), err)
		}
	}
}

// TestOnNoteKeyAfterRotation: the publisher says which note key signs its
// checkpoints when it first writes it and again after the log's key
// rotates, not at every round.
func TestOnNoteKeyAfterRotation(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{})
	st, err := tiles.OpenStore(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var told []string
	p, err := tiles.NewPublisher(tiles.PublisherConfig{Log: n, Store: st, OnNoteKey: func(vkey string) { told = append(told, vkey) }})
	if err != nil {
		t.Fatal(err)
	}
	var size uint64
	first, _ := tiles.NoteKey(n)
	for _, grown := range []uint64{5, 9} {
		grow(t, n, grown)
		if err := p.Publish(ctx, &size); err != nil {
			t.Fatal(err)
		}
	}
	next := &jose.Keyring{}
	for _, k := range n.Keys.Keys {
		c := *k
		next.Keys = append(next.Keys, &c)
	}
	if _, err := next.Rotate(jose.EdDSA, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := n.SetKeys(ctx, next); err != nil {
		t.Fatal(err)
	}
	second, _ := tiles.NoteKey(n)
	grow(t, n, 12)
	if err := p.Publish(ctx, &size); err != nil {
		t.Fatal(err)
	}
	if len(told) != 2 || told[0] != first || told[1] != second || first == second {
		t.Errorf("told %q; want %q then %q", told, first, second)
	}
}
