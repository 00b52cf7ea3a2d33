package federation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
	"github.com/corfed/corfed/registry/tiles/tilestest"
)

// TestMirrorRefusesACheckpointOfARetiredKey: a key the log retired (by
// announcing its successor) still verifies the entries it signed and the
// checkpoints of trees before its retirement, but not a checkpoint of a
// tree that holds its retirement, which whoever stole it could sign: not
// for a mirror that holds the rotation already (resumed from its state),
// nor for a new one that sees it in the entries it copies (nothing of the
// tree is written). The key that announcement made active signs on.
func TestMirrorRefusesACheckpointOfARetiredKey(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 20)
	before := copyDir(t, f.src) // 20 entries, signed by the first key
	old := f.n.ActiveKey()
	ring, err := jose.LoadKeyring(filepath.Join(f.n.Dir, "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ring.Rotate(jose.EdDSA, nodetest.Now); err != nil {
		t.Fatal(err)
	}
	if err := f.n.SetKeys(ctx, ring); err != nil { // the announcement is entry 21
		t.Fatal(err)
	}
	growNamed(t, f.n, "Rotated Builders", 30)
	publish(t, f.n, f.src)
	keys := f.n.PublicKeys() // both: the retired and the active

	// A mirror that copied the log before the rotation follows it.
	dst, state := t.TempDir(), memstore.New()
	m, err := f.mirrorWithStore(t, serveDir(t, before), dst, state, keys, false)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 20 {
		t.Fatalf("before the rotation: %+v, %v; want the 20 entries the retired key signed", res, err)
	}
	m, err = f.mirrorWithStore(t, f.srcURL, dst, state, keys, false)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 30 {
		t.Fatalf("after the rotation: %+v, %v; want 30 entries", res, err)
	}

	growNamed(t, f.n, "Rotated Builders", 40)
	publish(t, f.n, f.src)
	forged := copyDir(t, f.src)
	tilestest.ResignCheckpoint(t, forged, old)
	held, err := os.ReadFile(filepath.Join(dst, tiles.CheckpointPath))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		resume bool // the mirror holding 30 entries (its state), or a new one
	}{
		{"a mirror that holds the rotation", true},
		{"a new mirror", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to, st := dst, registry.Store(state)
			if !tc.resume {
				to, st = t.TempDir(), memstore.New()
			}
			m, err := f.mirrorWithStore(t, serveDir(t, forged), to, st, keys, false)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Once(ctx)
			if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), "which the log retired at entry 21") {
				t.Errorf("a checkpoint of 40 entries signed by the key retired at entry 21: %v; want it refused", err)
			}
			var mis *federation.MisbehaviourError
			if errors.As(err, &mis) {
				t.Errorf("kept as evidence against the log: %v", err)
			}
			got, _ := os.ReadFile(filepath.Join(to, tiles.CheckpointPath))
			if tc.resume && !bytes.Equal(got, held) || !tc.resume && got != nil {
				t.Errorf("the copy's checkpoint changed:\n%s", got)
			}
			if _, err := os.Stat(filepath.Join(to, "tile", "entries", "000.p", "40")); !os.IsNotExist(err) {
				t.Errorf("an entry bundle of the refused tree was written (%v)", err)
			}
		})
	}

	// The log's own checkpoint of the same tree passes.
	m, err = f.mirrorWithStore(t, f.srcURL, dst, state, keys, false)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 40 {
		t.Fatalf("the log's checkpoint of 40 entries: %+v, %v", res, err)
	}
	// The copy's note-keys, as the log's: a new mirror of the copy given
	// no key starts from them.
	dstStore, err := tiles.OpenStore(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer dstStore.Close()
	srcStore, err := tiles.OpenStore(ctx, f.src)
	if err != nil {
		t.Fatal(err)
	}
	defer srcStore.Close()
	want, _ := tiles.ReadNoteKeys(ctx, srcStore)
	if got, err := tiles.ReadNoteKeys(ctx, dstStore); err != nil || len(want) != 2 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("the copy's note-keys: %q, %v; want the log's %q", got, err, want)
	}
}

// TestMirrorStateWithoutRetirements: a state saved before the mirror kept
// the keys the log retired is not resumed from (the retirements before
// its tree would be unknown): the copy is checked again from its first
// entry, and the state saved anew with them.
func TestMirrorStateWithoutRetirements(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 20)
	dst, state := t.TempDir(), memstore.New()
	m, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	keysRecord := func() map[string]json.RawMessage {
		var rec map[string]json.RawMessage
		if err := state.View(ctx, func(tx registry.StoreTx) error {
			b, err := tx.Log("mirror").Meta("keys")
			if err != nil {
				return err
			}
			return json.Unmarshal(b, &rec)
		}); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	rec := keysRecord()
	if _, ok := rec["retired"]; !ok {
		t.Fatalf("the state's keys record holds no retirements: %v", rec)
	}
	delete(rec, "retired")
	if err := state.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
		b, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Log("mirror").SetMeta("keys", b)
	}); err != nil {
		t.Fatal(err)
	}
	m, err = f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), false)
	if err != nil {
		t.Fatal(err)
	}
	if st := m.Start(); !strings.Contains(st.SetAside, "no record of the keys the log retired") || st.Checked != 20 {
		t.Errorf("start %+v; want the state set aside for its missing retirements and the 20 entries checked again", st)
	}
	if _, ok := keysRecord()["retired"]; !ok {
		t.Error("the state was not saved anew with the retirements")
	}
}
