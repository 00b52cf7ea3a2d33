package federation_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry/memstore"
	"github.com/corfed/corfed/registry/tiles"
)

// TestOneKeyNeverCosignsTwoTrees: mirrors of two copies that share a
// cosigning key (and its ledger) but not their states: once one cosigned
// the log's tree of 300 entries, the other refuses a fork of that size
// signed by the log's own key (a split view shown to the second copy) and
// publishes nothing; a source behind it (200 entries, a prefix) is
// published with the log's signature but not cosigned. Before, each
// mirror's state held back only its own copy, and the key cosigned both
// trees of size 300.
func TestOneKeyNeverCosignsTwoTrees(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 200)
	lagging := serveDir(t, copyDir(t, f.src))
	growNamed(t, f.n, "Mirror Builders", 300)
	publish(t, f.n, f.src)
	ledger := federation.StoreLedger{Store: memstore.New()}
	pinned := f.n.PublicKeys()

	m, err := f.mirrorWithLedger(t, f.srcURL, t.TempDir(), memstore.New(), pinned, false, ledger)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m.Once(ctx); err != nil || res.To != 300 || !res.Cosigned {
		t.Fatalf("the honest log: %+v, %v", res, err)
	}

	fork := sameKeyNode(t, f.n)
	growNamed(t, fork, "Forked Builders", 300)
	forkTiles := t.TempDir()
	publish(t, fork, forkTiles)
	other := t.TempDir()
	m2, err := f.mirrorWithLedger(t, serveDir(t, forkTiles), other, memstore.New(), pinned, false, ledger)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := m2.Once(ctx); !errors.Is(err, tiles.ErrFork) {
		t.Errorf("a fork of size 300 to another copy: %+v, %v; want ErrFork", res, err)
	}
	if _, err := os.Stat(filepath.Join(other, "checkpoint")); !os.IsNotExist(err) {
		t.Errorf("a checkpoint was published after the refusal: %v", err)
	}

	behind := t.TempDir()
	m3, err := f.mirrorWithLedger(t, lagging, behind, memstore.New(), pinned, false, ledger)
	if err != nil {
		t.Fatal(err)
	}
	res, err := m3.Once(ctx)
	if err != nil || res.To != 200 || res.Cosigned {
		t.Errorf("a source behind the key's ledger: %+v, %v; want 200 published, not cosigned", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(behind, "checkpoint")); err != nil || strings.Contains(string(b), "mirror.example.ca/ab") {
		t.Errorf("the checkpoint published from behind: %v\n%s", err, b)
	}
}

// TestRecheckRepairsADamagedCopy: a copy damaged after it was verified (a
// byte of an entry bundle and of a hash tile) fails --recheck's audit,
// and the mirror copies the log again over it: every file is the log's
// again, and the next audit passes. Before, the audit only failed, and
// nothing repaired the copy.
func TestRecheckRepairsADamagedCopy(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	dst, state := t.TempDir(), memstore.New()
	m, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Once(ctx); err != nil {
		t.Fatal(err)
	}
	tamperFirstBundle(t, dst)
	tile := filepath.Join(dst, "tile", "0", "000")
	b, err := os.ReadFile(tile)
	if err != nil {
		t.Fatal(err)
	}
	b[7] ^= 1
	if err := os.WriteFile(tile, b, 0o644); err != nil {
		t.Fatal(err)
	}
	growNamed(t, f.n, "Mirror Builders", 420)
	publish(t, f.n, f.src)

	m2, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), true)
	if err != nil {
		t.Fatalf("recheck of a damaged copy: %v, want it repaired", err)
	}
	if m2.Start().Damaged == "" {
		t.Error("recheck of a damaged copy: nothing said it was damaged")
	}
	if res, err := m2.Once(ctx); err != nil || res.To != 420 {
		t.Fatalf("the repairing round: %+v, %v", res, err)
	}
	sameTiles(t, f.src, dst)
	m3, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), true)
	if err != nil || m3.Start().Damaged != "" || m3.Start().Checked != 420 {
		t.Errorf("the audit after the repair: %+v, %v", m3.Start(), err)
	}
}
