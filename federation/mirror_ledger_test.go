package federation_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
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
// trees of size 300. The fork is refused before anything of it is written
// (review s27-t #4).
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
	// Refused from the checkpoint alone (same size, another root, a
	// record of the key's ledger): nothing of the fork is written.
	if files, err := os.ReadDir(other); err != nil || len(files) != 0 {
		t.Errorf("the refused fork wrote to the copy: %v, %v", files, err)
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

// TestRecheckRepairsADamagedCopy: a copy damaged after it was verified
// fails --recheck's audit, and the mirror copies the log again over it:
// every file is the log's again, and the next audit passes. The damage: a
// byte of an entry bundle and of a hash tile (a start from the state does
// not read them), or the checkpoint file (a byte of its size line, so its
// signature no longer verifies, or cut short), which a start without
// Recheck refuses as ErrCopyDamaged. Before, the audit only failed, and
// nothing repaired the copy; a damaged checkpoint was a hard error even
// with Recheck.
func TestRecheckRepairsADamagedCopy(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		damage  func(t *testing.T, dst string)
		refused bool // whether a start without Recheck refuses the copy
	}{
		{"an entry bundle and a hash tile", func(t *testing.T, dst string) {
			tamperFirstBundle(t, dst)
			flipByte(t, filepath.Join(dst, "tile", "0", "000"), 7)
		}, false},
		{"a byte of the checkpoint's size line", func(t *testing.T, dst string) {
			flipByte(t, filepath.Join(dst, "checkpoint"), len("corfed/CA-AB\n3"))
		}, true},
		{"the checkpoint cut short", func(t *testing.T, dst string) {
			p := filepath.Join(dst, "checkpoint")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)/2], 0o644); err != nil {
				t.Fatal(err)
			}
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newMirrorFixture(t, 300)
			dst, state := t.TempDir(), memstore.New()
			m, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := m.Once(ctx); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, dst)
			growNamed(t, f.n, "Mirror Builders", 420)
			publish(t, f.n, f.src)

			if _, err := f.mirrorWithStore(t, f.srcURL, dst, state, f.n.PublicKeys(), false); tc.refused != errors.Is(err, federation.ErrCopyDamaged) {
				t.Fatalf("a start without recheck: %v; want ErrCopyDamaged %v", err, tc.refused)
			}
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
		})
	}
}

// aheadLedger is a cosigning key's ledger that holds a larger tree of the
// log than any offered (another mirror with the key is ahead).
type aheadLedger struct{}

func (aheadLedger) Record(ctx context.Context, log federation.LogID, t tlog.Tree, check func(prev tlog.Tree) error) error {
	return check(tlog.Tree{N: t.N + 1000})
}

// appendSigLine appends to dir's checkpoint a signature line under name
// and key hash whose signature is garbage, as anyone serving the log's
// checkpoint can, and returns the line.
func appendSigLine(t *testing.T, dir, name string, hash uint32) []byte {
	t.Helper()
	p := filepath.Join(dir, "checkpoint")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sig := append(binary.BigEndian.AppendUint32(nil, hash), bytes.Repeat([]byte{0xAA}, 8+64)...)
	line := []byte("— " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n")
	if err := os.WriteFile(p, append(b, line...), 0o644); err != nil {
		t.Fatal(err)
	}
	return line
}

// TestMirrorPublishesOnlyVerifiedSignatures: a source's checkpoint
// carries, besides the log's signature, lines the mirror cannot verify: a
// garbage "cosignature" under the mirror's own name and key hash, and one
// under a witness the mirror does not know. Whether the mirror cosigns or
// not (no cosigner; its key's ledger ahead), its copy's checkpoint holds
// the log's signature (and its own cosignature) only, and opens with
// x/mod's note.Open under the log's and the mirror's keys. Before, a
// mirror that did not cosign published the source's bytes as read, and
// readers that trust the mirror's key refused its copy (an invalid
// signature by that key).
func TestMirrorPublishesOnlyVerifiedSignatures(t *testing.T) {
	ctx := context.Background()
	f := newMirrorFixture(t, 300)
	forged := [][]byte{
		appendSigLine(t, f.src, f.cosigner.Name(), f.cosigner.KeyHash()),
		appendSigLine(t, f.src, "witness.example.org", 0x01020304),
	}
	cv, err := tiles.NewCosignatureVerifier(f.cosigner.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		cosigner *tiles.Cosigner
		ledger   federation.CosignLedger
		cosigned bool
	}{
		{"no cosigner", nil, nil, false},
		{"the key's ledger ahead", f.cosigner, aheadLedger{}, false},
		{"cosigning", f.cosigner, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := *f
			g.cosigner = tc.cosigner
			dst := t.TempDir()
			m, err := g.mirrorWithLedger(t, f.srcURL, dst, memstore.New(), f.n.PublicKeys(), false, tc.ledger)
			if err != nil {
				t.Fatal(err)
			}
			if res, err := m.Once(ctx); err != nil || res.To != 300 || res.Cosigned != tc.cosigned {
				t.Fatalf("%+v, %v; want 300, cosigned %v", res, err, tc.cosigned)
			}
			got, err := os.ReadFile(filepath.Join(dst, "checkpoint"))
			if err != nil {
				t.Fatal(err)
			}
			for _, line := range forged {
				if bytes.Contains(got, line) {
					t.Errorf("the copy's checkpoint holds a signature line the mirror did not verify: %q", line)
				}
			}
			n, err := note.Open(got, note.VerifierList(append(verifiersOf(t, f), cv)...))
			if err != nil {
				t.Fatalf("note.Open of the copy's checkpoint with the log's and the mirror's keys: %v", err)
			}
			if want := map[bool]int{false: 1, true: 2}[tc.cosigned]; len(n.Sigs) != want || len(n.UnverifiedSigs) != 0 {
				t.Errorf("the copy's checkpoint: %d signatures verified, %d not; want %d and 0", len(n.Sigs), len(n.UnverifiedSigs), want)
			}
		})
	}
}

// TestStoreLedgerKeysByLog (review s27-t #2): the cosigning key's ledger
// keeps one record per log (origin and first key), so two logs of one
// origin are not taken for forks of each other, while a fork of one log
// (same first key) still meets its record. A record of the ledger's old
// form (by origin alone) is taken over by the log that extends it, and a
// tree that does not extend it is not cosigned, the old record kept.
func TestStoreLedgerKeysByLog(t *testing.T) {
	ctx := context.Background()
	errFork := errors.New("fork")
	a := federation.LogID{Origin: "corfed/CA-AB", FirstKey: "kidA"}
	b := federation.LogID{Origin: "corfed/CA-AB", FirstKey: "kidB"}
	tree := func(n int64, h byte) tlog.Tree { return tlog.Tree{N: n, Hash: tlog.Hash{h}} }
	// extends accepts a prev of size 0, or one of t's prefixes given.
	extends := func(prefixes ...tlog.Tree) func(prev tlog.Tree) error {
		return func(prev tlog.Tree) error {
			if prev.N == 0 || slices.Contains(prefixes, prev) {
				return nil
			}
			return errFork
		}
	}
	old := tree(44, 1)
	type step struct {
		id      federation.LogID
		t       tlog.Tree
		check   func(tlog.Tree) error
		wantErr error
	}
	for _, tc := range []struct {
		name   string
		legacy bool
		steps  []step
		want   map[string]*tlog.Tree // ledger key -> record (nil: none)
	}{
		{"two logs of one origin", false, []step{
			{a, tree(44, 1), extends(), nil},
			{b, tree(44, 2), extends(), nil},
			{a, tree(50, 3), extends(tree(44, 1)), nil},
		}, map[string]*tlog.Tree{a.String(): ptr(tree(50, 3)), b.String(): ptr(tree(44, 2))}},
		{"a fork of one log", false, []step{
			{a, tree(44, 1), extends(), nil},
			{a, tree(44, 9), extends(), errFork},
		}, map[string]*tlog.Tree{a.String(): ptr(tree(44, 1))}},
		{"an old record, another log first", true, []step{
			{b, tree(44, 2), extends(), federation.ErrLedgerUnsure},
			{a, tree(50, 3), extends(old), nil},
			{b, tree(44, 2), extends(), nil},
		}, map[string]*tlog.Tree{"corfed/CA-AB": nil, a.String(): ptr(tree(50, 3)), b.String(): ptr(tree(44, 2))}},
		{"an old record, checked alone", true, []step{
			{a, tlog.Tree{}, extends(old), nil},
		}, map[string]*tlog.Tree{"corfed/CA-AB": &old, a.String(): nil}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := memstore.New()
			if tc.legacy {
				setLedger(t, st, "corfed/CA-AB", old)
			}
			l := federation.StoreLedger{Store: st}
			for i, s := range tc.steps {
				if err := l.Record(ctx, s.id, s.t, s.check); !errors.Is(err, s.wantErr) || (err == nil) != (s.wantErr == nil) {
					t.Errorf("step %d: %v, want %v", i, err, s.wantErr)
				}
			}
			for key, want := range tc.want {
				if got := getLedger(t, st, key); !reflect.DeepEqual(got, want) {
					t.Errorf("record %q: %v, want %v", key, got, want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

type ledgerRecord struct {
	Size uint64    `json:"size"`
	Root tlog.Hash `json:"root"`
}

func setLedger(t *testing.T, st registry.Store, key string, tr tlog.Tree) {
	t.Helper()
	b, _ := json.Marshal(ledgerRecord{uint64(tr.N), tr.Hash})
	if err := st.UpdateAlone(context.Background(), func(tx registry.StoreWriteTx) error {
		return tx.Log("cosigned").SetMeta(key, b)
	}); err != nil {
		t.Fatal(err)
	}
}

func getLedger(t *testing.T, st registry.Store, key string) *tlog.Tree {
	t.Helper()
	var b []byte
	if err := st.View(context.Background(), func(tx registry.StoreTx) (err error) {
		b, err = tx.Log("cosigned").Meta(key)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if b == nil {
		return nil
	}
	var r ledgerRecord
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &tlog.Tree{N: int64(r.Size), Hash: r.Root}
}
