package federation_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/tiles"
)

// mirrorWithStore opens a mirror of f's log from `from` to `to` that keeps
// its state in state (nil: none), pinning keys.
func (f *mirrorFixture) mirrorWithStore(t *testing.T, from, to string, state registry.Store, keys *jose.KeySet, recheck bool) (*federation.Mirror, error) {
	t.Helper()
	return f.mirrorWithLedger(t, from, to, state, keys, recheck, nil)
}

// mirrorWithLedger is mirrorWithStore with the cosigning key's ledger.
func (f *mirrorFixture) mirrorWithLedger(t *testing.T, from, to string, state registry.Store, keys *jose.KeySet, recheck bool, ledger federation.CosignLedger) (*federation.Mirror, error) {
	t.Helper()
	src, err := tiles.NewHTTPSource(from)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := tiles.OpenStore(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dst.Close() })
	return federation.NewMirror(context.Background(), federation.MirrorConfig{Iss: "CA-AB", Keys: keys, From: src, To: dst,
		Cosigner: f.cosigner, State: state, Recheck: recheck, Ledger: ledger})
}

// tamperFirstBundle flips a byte of the first entry bundle of the copy in
// dir, and returns what restores it.
func tamperFirstBundle(t *testing.T, dir string) (restore func()) {
	t.Helper()
	p := filepath.Join(dir, "tile", "entries", "000")
	orig, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b := append([]byte{}, orig...)
	b[40] ^= 1
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		if err := os.WriteFile(p, orig, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// stateGens counts the version records state holds by generation (the
// prefix of their keys).
func stateGens(t *testing.T, state *memstore.Store) map[string]int {
	t.Helper()
	gens := map[string]int{}
	err := state.View(context.Background(), func(tx registry.StoreTx) error {
		keys, err := tx.Log("mirror").(interface {
			MetaKeys(string) ([]string, error)
		}).MetaKeys("v")
		for _, k := range keys {
			gens[k[:2]]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return gens
}

// TestMirrorResumesFromState: a mirror restarted with its state checks
// only what its copy gained, not the whole copy again (a byte flipped in
// an old bundle of the copy goes unread, where a mirror without state, or
// told to recheck, refuses it); the state carries each record's version
// (new versions of a record first copied before a restart are accepted);
// a state that does not match the copy is set aside.
func TestMirrorResumesFromState(t *testing.T) {
	ctx := context.Background()
	federation.SetSaveChunk(t, 64) // the first save in ten transactions
	f := newMirrorFixture(t, 600)
	pinned := f.n.PublicKeys()
	dst, state := t.TempDir(), memstore.New()

	m, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 600 {
		t.Fatalf("first round: %+v, %v", res, err)
	}
	if g := stateGens(t, state); len(g) != 1 || g["v1"] != 600 {
		t.Fatalf("state after the first copy: %v, want 600 versions of generation 1", g)
	}

	// An old bundle of the copy tampered with: a restart with the state
	// does not read it; without the state it is refused; with Recheck it
	// is found damaged, to be copied again (TestRecheckRepairsADamagedCopy).
	restore := tamperFirstBundle(t, dst)
	if _, err := f.mirror(t, f.srcURL, dst); !errors.Is(err, tiles.ErrTampered) {
		t.Fatalf("mirror without state over a tampered copy: %v, want ErrTampered", err)
	}
	if rm, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, true); err != nil || rm.Start().Damaged == "" {
		t.Fatalf("mirror told to recheck a tampered copy: %v, want it found damaged", err)
	}
	m, err = f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false)
	if err != nil || m.Size() != 600 || m.Start() != (federation.MirrorStart{}) {
		t.Fatalf("restart with state: size %d, %+v, %v; want 600 without reading the old bundles", m.Size(), m.Start(), err)
	}
	restore()

	// New versions of a record copied before a restart, each mirrored by
	// a mirror restarted from its state: the state's version of the
	// record is the one the next must follow.
	first := growBN(100) // copied in the first round
	if _, err := f.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: first, LegalName: "Mirror Builders 100 (renamed) Ltd."}, false); err != nil {
		t.Fatal(err)
	}
	publish(t, f.n, f.src)
	if res, err := m.Once(ctx); err != nil || res.From != 600 || res.To != 601 {
		t.Fatalf("round after the restart: %+v, %v; want 600 to 601", res, err)
	}
	if m, err = f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false); err != nil {
		t.Fatal(err)
	}
	if _, err := f.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: first, LegalName: "Mirror Builders 100 (renamed again) Ltd."}, false); err != nil {
		t.Fatal(err)
	}
	publish(t, f.n, f.src)
	if res, err := m.Once(ctx); err != nil || res.From != 601 || res.To != 602 {
		t.Fatalf("a third version, after another restart: %+v, %v; want 601 to 602", res, err)
	}
	sameTiles(t, f.src, dst)

	// The copy removed: the state no longer matches. The next copy starts
	// a new generation and the old one's records go.
	dst2 := t.TempDir()
	if m, err = f.mirrorWithStore(t, f.srcURL, dst2, state, pinned, false); err != nil || m.Start().SetAside != "the copy has no checkpoint" {
		t.Fatalf("a copy elsewhere: %+v, %v", m.Start(), err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	if g := stateGens(t, state); len(g) != 1 || g["v2"] != 600 {
		t.Fatalf("state after a copy elsewhere: %v, want 600 versions (one per record) of generation 2 only", g)
	}
	// A key pinned since the state was saved does not matter; a key
	// pinned then and no longer does: the state is set aside and the whole
	// copy checked (so a tampered bundle is found).
	other, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	restore = tamperFirstBundle(t, dst2)
	if m, err = f.mirrorWithStore(t, f.srcURL, dst2, state, pinned.With(other.Public()), false); err != nil || m.Start() != (federation.MirrorStart{}) {
		t.Fatalf("a key pinned since: %+v, %v; want the state used", m.Start(), err)
	}
	dst3 := t.TempDir()
	if m, err = f.mirrorWithStore(t, f.srcURL, dst3, state, pinned.With(other.Public()), false); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	tamperFirstBundle(t, dst3)
	if _, err := f.mirrorWithStore(t, f.srcURL, dst3, state, pinned, false); !errors.Is(err, tiles.ErrTampered) {
		t.Fatalf("a key no longer pinned: %v, want the whole copy checked (ErrTampered)", err)
	}

	// A state that cannot be read is set aside, with the reason.
	restore()
	err = state.Update(ctx, func(tx registry.StoreWriteTx) error {
		return tx.Log("mirror").SetMeta("state", []byte("{not json"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if m, err = f.mirrorWithStore(t, f.srcURL, dst2, state, pinned, false); err != nil {
		t.Fatal(err)
	}
	if st := m.Start(); !strings.HasPrefix(st.SetAside, "it cannot be read: ") || st.Checked != m.Size() || m.Size() != 602 {
		t.Fatalf("an unreadable state: %+v; want it set aside and all 602 entries checked", st)
	}
}

// growBN is the BN growNamed gives its i-th employer.
func growBN(i int) string {
	prefix := fmt.Sprintf("7%07d", i)
	c, _ := registry.BNCheckDigit(prefix)
	return prefix + string(c)
}

// TestMirrorStateSaveCutShort: a state save that fails leaves a state the
// next start can trust: a full save cut short between its transactions
// (the copy then checked whole again), and a round's save that failed
// (written by the next round, even one with nothing new).
func TestMirrorStateSaveCutShort(t *testing.T) {
	ctx := context.Background()
	federation.SetSaveChunk(t, 64)
	f := newMirrorFixture(t, 600)
	pinned := f.n.PublicKeys()
	dst, state := t.TempDir(), memstore.New()
	failAfter := func(n int) {
		var commits atomic.Int64
		state.SetFaults(memstore.Faults{Commit: func([]string) error {
			if commits.Add(1) > int64(n) {
				return errors.New("disk full")
			}
			return nil
		}})
	}
	failAfter(3) // the fourth of ten transactions fails
	m, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Once(ctx); err == nil || m.Size() != 600 {
		t.Fatalf("first round with a save cut short: size %d, %v; want 600 copied and the save's error", m.Size(), err)
	}
	state.SetFaults(memstore.Faults{})
	// No whole state was saved: the copy is checked whole (the tampered
	// bundle is found), then, once restored, checked and saved.
	restore := tamperFirstBundle(t, dst)
	if _, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false); !errors.Is(err, tiles.ErrTampered) {
		t.Fatalf("start after a save cut short: %v, want the whole copy checked (ErrTampered)", err)
	}
	restore()
	if m, err = f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false); err != nil {
		t.Fatal(err)
	}

	// A round whose save fails; the next round, with nothing new, saves.
	first := growBN(100)
	if _, err := f.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: first, LegalName: "Mirror Builders 100 (renamed) Ltd."}, false); err != nil {
		t.Fatal(err)
	}
	publish(t, f.n, f.src)
	failAfter(0)
	if res, err := m.Once(ctx); err == nil || res.To != 601 {
		t.Fatalf("a round whose save fails: %+v, %v; want 601 and the error", res, err)
	}
	state.SetFaults(memstore.Faults{})
	if res, err := m.Once(ctx); err != nil || res.From != 601 || res.To != 601 {
		t.Fatalf("next round, nothing new: %+v, %v", res, err)
	}
	// A restart resumes from it: the old bundles go unread, and the
	// record's next version follows the saved one.
	restore = tamperFirstBundle(t, dst)
	if m, err = f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false); err != nil || m.Size() != 601 {
		t.Fatalf("restart: size %d, %v; want 601 from the state", m.Size(), err)
	}
	restore()
	if _, err := f.n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: first, LegalName: "Mirror Builders 100 (renamed again) Ltd."}, false); err != nil {
		t.Fatal(err)
	}
	publish(t, f.n, f.src)
	if res, err := m.Once(ctx); err != nil || res.To != 602 {
		t.Fatalf("the record's third version: %+v, %v", res, err)
	}
}

// TestMirrorNeverForgetsWhatItPublished: the tree a mirror published (and
// cosigned) stays in its state whatever happens to the copy: with the
// copy's checkpoint removed, a fork of the same size is refused and
// nothing is published; a copy replaced by the fork is refused at start;
// a smaller tree is a rollback; the honest log growing goes on. Before,
// a copy without its checkpoint set the state aside and the mirror
// cosigned the fork: two trees of one size under one key.
func TestMirrorNeverForgetsWhatItPublished(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	pinned := f.n.PublicKeys()
	dst, state := t.TempDir(), memstore.New()
	m, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	fork := sameKeyNode(t, f.n)
	growNamed(t, fork, "Forked Builders", 300)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	forkURL := serveDir(t, forkTiles)
	small := sameKeyNode(t, f.n)
	growNamed(t, small, "Forked Builders", 200)
	smallTiles := t.TempDir()
	publish(t, small, smallTiles)

	// The copy's checkpoint removed, the fork served.
	if err := os.Remove(filepath.Join(dst, "checkpoint")); err != nil {
		t.Fatal(err)
	}
	m2, err := f.mirrorWithStore(t, forkURL, dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m2.Once(ctx); !errors.Is(err, tiles.ErrFork) {
		t.Errorf("fork of the published tree, copy without checkpoint: got %v, want ErrFork", err)
	}
	if _, err := os.Stat(filepath.Join(dst, "checkpoint")); !os.IsNotExist(err) {
		t.Errorf("a checkpoint was published after the refusal: %v", err)
	}
	// A smaller tree of another history: a rollback.
	m3, err := f.mirrorWithStore(t, serveDir(t, smallTiles), dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m3.Once(ctx); !errors.Is(err, tiles.ErrRollback) {
		t.Errorf("a smaller tree after publishing 300: got %v, want ErrRollback", err)
	}
	// The copy replaced by the fork, checkpoint and all: refused at start.
	replaced := copyDir(t, forkTiles)
	if _, err := f.mirrorWithStore(t, f.srcURL, replaced, state, pinned, false); !errors.Is(err, tiles.ErrFork) {
		t.Errorf("a copy replaced by the fork: got %v, want ErrFork at start", err)
	}
	// The honest log grows: the mirror goes on from its copy.
	growNamed(t, f.n, "Mirror Builders", 420)
	publish(t, f.n, f.src)
	m4, err := f.mirrorWithStore(t, f.srcURL, dst, state, pinned, false)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m4.Once(ctx); err != nil || res.To != 420 {
		t.Fatalf("honest growth after the refusals: %+v, %v", res, err)
	}
}

// TestMirrorFloorSurvivesADamagedState: the largest tree a mirror
// published is kept apart from the rest of its state, so that a state
// record that cannot be read (a torn write, a version skew, a disk error)
// is set aside without it: with the copy's checkpoint gone and a smaller
// tree of the log served, the mirror refuses the rollback (ErrRollback,
// nothing published), with or without the cosigning key's ledger. A floor
// that cannot itself be read, or a state from before it was kept apart
// that cannot be read, stops the mirror at start (it could not tell a
// rollback). Before, an unreadable state dropped the floor with it and
// the mirror published (and, without a ledger, cosigned) 200 entries
// after 300.
func TestMirrorFloorSurvivesADamagedState(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	pinned := f.n.PublicKeys()
	small := sameKeyNode(t, f.n)
	growNamed(t, small, "Mirror Builders", 200) // a prefix of the log: a lagging copy
	smallTiles := t.TempDir()
	publish(t, small, smallTiles)
	smallURL := serveDir(t, smallTiles)
	damaged := []byte(`{"origin":"corfed/CA-AB","size":`)
	for _, tc := range []struct {
		name   string
		ledger bool
		damage map[string][]byte // meta keys of the log "mirror" set (nil: deleted)
		start  bool              // whether NewMirror starts
	}{
		{"unreadable state", false, map[string][]byte{"state": damaged}, true},
		{"unreadable state, with the key's ledger", true, map[string][]byte{"state": damaged}, true},
		{"unreadable floor", false, map[string][]byte{"floor": damaged}, false},
		{"a state saved before the floor was kept apart", false, map[string][]byte{"floor": nil}, true},
		{"an unreadable state saved before the floor was kept apart", false, map[string][]byte{"floor": nil, "state": damaged}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ledger federation.CosignLedger
			if tc.ledger {
				ledger = federation.StoreLedger{Store: memstore.New()}
			}
			dst, state := t.TempDir(), memstore.New()
			m, err := f.mirrorWithLedger(t, f.srcURL, dst, state, pinned, false, ledger)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Once(ctx); err != nil {
				t.Fatal(err)
			}
			err = state.UpdateAlone(ctx, func(tx registry.StoreWriteTx) error {
				l := tx.Log("mirror")
				for k, v := range tc.damage {
					if v == nil {
						if err := l.DeleteMeta(k); err != nil {
							return err
						}
					} else if err := l.SetMeta(k, v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(dst, "checkpoint")); err != nil {
				t.Fatal(err)
			}
			m2, err := f.mirrorWithLedger(t, smallURL, dst, state, pinned, false, ledger)
			if !tc.start {
				if !errors.Is(err, federation.ErrMirrorFloor) {
					t.Fatalf("start: %v; want ErrMirrorFloor, the tree it published unknown", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res, err := m2.Once(ctx); !errors.Is(err, tiles.ErrRollback) {
				t.Errorf("a smaller tree after publishing 300: %+v, %v; want ErrRollback", res, err)
			}
			if _, err := os.Stat(filepath.Join(dst, "checkpoint")); !os.IsNotExist(err) {
				t.Errorf("a checkpoint was published after the refusal: %v", err)
			}
		})
	}
}
