package logproof_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
)

// memLog is a Merkle log in memory, stored as boltstore stores it: the
// hashes tlog.StoredHashes returns, at tlog's stored hash indexes.
type memLog struct {
	data   [][]byte
	hashes []tlog.Hash
}

func (m *memLog) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(m.hashes)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = m.hashes[x]
	}
	return out, nil
}

func (m *memLog) append(t testing.TB, data []byte) {
	t.Helper()
	hs, err := tlog.StoredHashes(int64(len(m.data)), data, m)
	if err != nil {
		t.Fatal(err)
	}
	m.data = append(m.data, data)
	m.hashes = append(m.hashes, hs...)
}

// newMemLog returns a log of n leaves that look like compact JWS.
func newMemLog(t testing.TB, n int) *memLog {
	m := &memLog{}
	for i := range n {
		m.append(t, fmt.Appendf(nil, "eyJhbGciOiJFZERTQSJ9.entry-%d.sig", i+1))
	}
	return m
}

func (m *memLog) root(t testing.TB, size uint64) tlog.Hash {
	t.Helper()
	h, err := tlog.TreeHash(int64(size), m)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (m *memLog) inclusion(t testing.TB, seq, size uint64) logproof.InclusionProof {
	t.Helper()
	p, err := tlog.ProveRecord(int64(size), int64(seq-1), m)
	if err != nil {
		t.Fatal(err)
	}
	return logproof.InclusionProof{Seq: seq, LeafIndex: seq - 1, TreeSize: size,
		LeafHash: logproof.LeafHash(string(m.data[seq-1])), Hashes: p}
}

func (m *memLog) consistency(t testing.TB, from, to uint64) logproof.ConsistencyProof {
	t.Helper()
	p, err := tlog.ProveTree(int64(to), int64(from), m)
	if err != nil {
		t.Fatal(err)
	}
	return logproof.ConsistencyProof{From: from, To: to, Hashes: p}
}

func (m *memLog) rfcLeaves(size uint64) []rfcHash {
	out := make([]rfcHash, size)
	for i := range out {
		out[i] = rfcLeaf(m.data[i])
	}
	return out
}

func rfcHashes(hs []tlog.Hash) []rfcHash {
	out := make([]rfcHash, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

func sameHashes(a []tlog.Hash, b []rfcHash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestProofOrderIsRFC9162 pins the claim the package documentation makes:
// tlog's leaf hash, roots, audit paths and consistency proofs are exactly
// RFC 9162's (§2.1.1, §2.1.3.1, §2.1.4.1), hash for hash and in the same
// order, so the wire needs no conversion.
func TestProofOrderIsRFC9162(t *testing.T) {
	const n = 70 // past 64, so paths cross a complete subtree of 64 leaves
	m := newMemLog(t, n)
	for size := uint64(0); size <= n; size++ {
		leaves := m.rfcLeaves(size)
		if got, want := m.root(t, size), rfcMTH(leaves); got != tlog.Hash(want) {
			t.Fatalf("root of size %d: got %s, want RFC MTH %x", size, got, want)
		}
		for seq := uint64(1); seq <= size; seq++ {
			if got, want := logproof.LeafHash(string(m.data[seq-1])), leaves[seq-1]; got != tlog.Hash(want) {
				t.Fatalf("leaf hash of seq %d: got %s, want %x", seq, got, want)
			}
			if got, want := m.inclusion(t, seq, size).Hashes, rfcPath(int(seq-1), leaves); !sameHashes(got, want) {
				t.Fatalf("audit path of seq %d in size %d: got %v, want RFC PATH %x", seq, size, got, want)
			}
		}
		for from := uint64(1); from <= size; from++ {
			if got, want := m.consistency(t, from, size).Hashes, rfcProof(int(from), leaves); !sameHashes(got, want) {
				t.Fatalf("consistency proof %d..%d: got %v, want RFC PROOF %x", from, size, got, want)
			}
		}
	}
}

func TestInclusionProofs(t *testing.T) {
	const n = 40
	m := newMemLog(t, n)
	for size := uint64(1); size <= n; size++ {
		root := m.root(t, size)
		for seq := uint64(1); seq <= size; seq++ {
			p := m.inclusion(t, seq, size)
			if err := logproof.VerifyInclusion(p, root); err != nil {
				t.Fatalf("seq %d size %d: %v", seq, size, err)
			}
			c := logproof.Checkpoint{Origin: "corfed/CA-AB", Size: size, Root: root, Time: now}
			if err := logproof.VerifyEntry(c, string(m.data[seq-1]), p); err != nil {
				t.Fatalf("seq %d size %d: VerifyEntry: %v", seq, size, err)
			}
			if !rfcVerifyInclusion(p.LeafIndex, p.TreeSize, p.LeafHash, rfcHashes(p.Hashes), root) {
				t.Fatalf("seq %d size %d: RFC 9162 verifier rejects the proof", seq, size)
			}
			for name, bad := range tamperInclusion(p, root) {
				err := logproof.VerifyInclusion(bad.p, bad.root)
				if err == nil {
					t.Fatalf("seq %d size %d: %s: verified", seq, size, name)
				}
				if !errors.Is(err, registry.ErrUnverified) && !errors.Is(err, registry.ErrInvalid) {
					t.Fatalf("seq %d size %d: %s: got %v, want ErrUnverified or ErrInvalid", seq, size, name, err)
				}
				if bad.p.LeafIndex < bad.p.TreeSize && rfcVerifyInclusion(bad.p.LeafIndex, bad.p.TreeSize, bad.p.LeafHash, rfcHashes(bad.p.Hashes), bad.root) {
					t.Fatalf("seq %d size %d: %s: RFC 9162 verifier accepts it", seq, size, name)
				}
			}
		}
	}
	c5 := logproof.Checkpoint{Origin: "corfed/CA-AB", Size: 5, Root: m.root(t, 5), Time: now}
	p := m.inclusion(t, 3, 5)
	if err := logproof.VerifyEntry(c5, string(m.data[3]), p); !errors.Is(err, registry.ErrUnverified) {
		t.Errorf("VerifyEntry with another entry: got %v, want ErrUnverified", err)
	}
	// Leaf 0 of 3 leaves has the same audit path as in 4 leaves with the
	// third and fourth hashed together; VerifyEntry holds the proof to the
	// checkpoint's size.
	c3 := logproof.Checkpoint{Origin: "corfed/CA-AB", Size: 3, Root: m.root(t, 3), Time: now}
	p = m.inclusion(t, 1, 3)
	p.TreeSize = 4
	if err := logproof.VerifyInclusion(p, c3.Root); err != nil {
		t.Fatalf("premise: the size-3 path checks as size 4: %v", err)
	}
	if err := logproof.VerifyEntry(c3, string(m.data[0]), p); !errors.Is(err, registry.ErrUnverified) {
		t.Errorf("VerifyEntry with another size: got %v, want ErrUnverified", err)
	}
}

type badInclusion struct {
	p    logproof.InclusionProof
	root tlog.Hash
}

// tamperInclusion returns p spoiled in every way that matters.
func tamperInclusion(p logproof.InclusionProof, root tlog.Hash) map[string]badInclusion {
	out := map[string]badInclusion{}
	clone := func() logproof.InclusionProof {
		q := p
		q.Hashes = append([]tlog.Hash(nil), p.Hashes...)
		return q
	}
	wrong := root
	wrong[0] ^= 1
	out["wrong root"] = badInclusion{p, wrong}
	q := clone()
	q.LeafHash[31] ^= 0x80
	out["tampered leaf hash"] = badInclusion{q, root}
	for i := range p.Hashes {
		q := clone()
		q.Hashes[i][i%32] ^= 1
		out[fmt.Sprintf("tampered hash %d", i)] = badInclusion{q, root}
	}
	if len(p.Hashes) > 0 {
		q := clone()
		q.Hashes = q.Hashes[:len(q.Hashes)-1]
		out["missing hash"] = badInclusion{q, root}
	}
	if len(p.Hashes) > 1 {
		q := clone()
		q.Hashes[0], q.Hashes[1] = q.Hashes[1], q.Hashes[0]
		out["hashes swapped"] = badInclusion{q, root}
	}
	q = clone()
	q.Hashes = append(q.Hashes, root)
	out["extra hash"] = badInclusion{q, root}
	if p.TreeSize > 1 {
		q := clone()
		q.Seq, q.LeafIndex = p.Seq%p.TreeSize+1, p.Seq%p.TreeSize
		out["other index"] = badInclusion{q, root}
	}
	// Not here: the same proof with another tree_size. An audit path can be
	// valid for several sizes with the same root (leaf 0 of 3 and of 4
	// leaves, say), which is why callers take root and size from one
	// checkpoint (see VerifyInclusion).
	return out
}

func TestConsistencyProofs(t *testing.T) {
	const n = 40
	m := newMemLog(t, n)
	roots := make([]tlog.Hash, n+1)
	for size := range roots {
		roots[size] = m.root(t, uint64(size))
	}
	for to := uint64(1); to <= n; to++ {
		for from := uint64(1); from <= to; from++ {
			p := m.consistency(t, from, to)
			if err := logproof.VerifyConsistency(p, roots[from], roots[to]); err != nil {
				t.Fatalf("%d..%d: %v", from, to, err)
			}
			if !rfcVerifyConsistency(from, to, roots[from], roots[to], rfcHashes(p.Hashes)) {
				t.Fatalf("%d..%d: RFC 9162 verifier rejects the proof", from, to)
			}
			bad := map[string][3]any{} // proof, fromRoot, toRoot
			wf, wt := roots[from], roots[to]
			wf[5] ^= 4
			wt[7] ^= 2
			bad["wrong from root"] = [3]any{p, wf, roots[to]}
			bad["wrong to root"] = [3]any{p, roots[from], wt}
			if from < to {
				bad["roots swapped"] = [3]any{p, roots[to], roots[from]}
			}
			for i := range p.Hashes {
				q := p
				q.Hashes = append([]tlog.Hash(nil), p.Hashes...)
				q.Hashes[i][0] ^= 1
				bad[fmt.Sprintf("tampered hash %d", i)] = [3]any{q, roots[from], roots[to]}
			}
			q := p
			q.Hashes = append(append([]tlog.Hash(nil), p.Hashes...), roots[0])
			bad["extra hash"] = [3]any{q, roots[from], roots[to]}
			for name, b := range bad {
				q, fr, tr := b[0].(logproof.ConsistencyProof), b[1].(tlog.Hash), b[2].(tlog.Hash)
				if err := logproof.VerifyConsistency(q, fr, tr); !errors.Is(err, registry.ErrUnverified) {
					t.Fatalf("%d..%d: %s: got %v, want ErrUnverified", from, to, name, err)
				}
				if rfcVerifyConsistency(q.From, q.To, fr, tr, rfcHashes(q.Hashes)) {
					t.Fatalf("%d..%d: %s: RFC 9162 verifier accepts it", from, to, name)
				}
			}
		}
	}
}

func TestVerifyAppendOnly(t *testing.T) {
	m := newMemLog(t, 20)
	cp := func(origin string, size uint64) logproof.Checkpoint {
		return logproof.Checkpoint{Origin: origin, Size: size, Root: m.root(t, size), Time: now}
	}
	ab := "corfed/CA-AB"
	if err := logproof.VerifyAppendOnly(cp(ab, 7), cp(ab, 20), m.consistency(t, 7, 20)); err != nil {
		t.Fatalf("7..20: %v", err)
	}
	if err := logproof.VerifyAppendOnly(cp(ab, 20), cp(ab, 20), m.consistency(t, 20, 20)); err != nil {
		t.Fatalf("20..20: %v", err)
	}
	if err := logproof.VerifyAppendOnly(cp(ab, 0), cp(ab, 20), logproof.ConsistencyProof{}); err != nil {
		t.Fatalf("0..20: %v", err)
	}
	tests := []struct {
		name         string
		older, newer logproof.Checkpoint
		p            logproof.ConsistencyProof
	}{
		{"other origin", cp(ab, 7), cp("corfed/CA-BC", 20), m.consistency(t, 7, 20)},
		{"shrank", cp(ab, 20), cp(ab, 7), m.consistency(t, 7, 20)},
		{"proof of other sizes", cp(ab, 7), cp(ab, 20), m.consistency(t, 8, 20)},
		{"proof to another size", cp(ab, 7), cp(ab, 19), m.consistency(t, 7, 20)},
		{"empty tree with a root", logproof.Checkpoint{Origin: ab, Root: tlog.Hash{1}}, cp(ab, 20), logproof.ConsistencyProof{}},
	}
	for _, tc := range tests {
		if err := logproof.VerifyAppendOnly(tc.older, tc.newer, tc.p); !errors.Is(err, registry.ErrUnverified) {
			t.Errorf("%s: got %v, want ErrUnverified", tc.name, err)
		}
	}
}

// TestForkIsCaught builds two histories that share a prefix and then
// diverge, as a log that rewrote its history would, and expects every
// consistency proof across the fork to fail.
func TestForkIsCaught(t *testing.T) {
	a, b := newMemLog(t, 10), newMemLog(t, 10)
	for i := range 10 {
		a.append(t, fmt.Appendf(nil, "honest-%d", i))
		b.append(t, fmt.Appendf(nil, "rewritten-%d", i))
	}
	for from := uint64(11); from <= 20; from++ {
		for to := from + 1; to <= 20; to++ {
			p := b.consistency(t, from, to)
			if err := logproof.VerifyConsistency(p, a.root(t, from), b.root(t, to)); !errors.Is(err, registry.ErrUnverified) {
				t.Fatalf("%d..%d across the fork: got %v, want ErrUnverified", from, to, err)
			}
		}
	}
	// Before the fork they agree.
	p := b.consistency(t, 10, 20)
	if err := logproof.VerifyConsistency(p, a.root(t, 10), b.root(t, 20)); err != nil {
		t.Fatalf("shared prefix: %v", err)
	}
}

func TestVerifyRejectsBadNumbers(t *testing.T) {
	var h tlog.Hash
	incl := []struct {
		name string
		p    logproof.InclusionProof
	}{
		{"seq 0", logproof.InclusionProof{Seq: 0, LeafIndex: 0, TreeSize: 1}},
		{"index not seq-1", logproof.InclusionProof{Seq: 2, LeafIndex: 0, TreeSize: 2}},
		{"seq beyond size", logproof.InclusionProof{Seq: 3, LeafIndex: 2, TreeSize: 2}},
		{"size 0", logproof.InclusionProof{Seq: 1, LeafIndex: 0, TreeSize: 0}},
		{"size over the maximum", logproof.InclusionProof{Seq: 1, LeafIndex: 0, TreeSize: logproof.MaxTreeSize + 1}},
		{"size over int64", logproof.InclusionProof{Seq: 1, LeafIndex: 0, TreeSize: math.MaxInt64 + 1}},
		{"too many hashes", logproof.InclusionProof{Seq: 1, LeafIndex: 0, TreeSize: 1, Hashes: make([]tlog.Hash, logproof.MaxProofHashes+1)}},
	}
	for _, tc := range incl {
		if err := logproof.VerifyInclusion(tc.p, h); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("inclusion %s: got %v, want ErrInvalid", tc.name, err)
		}
	}
	cons := []struct {
		name string
		p    logproof.ConsistencyProof
	}{
		{"from 0", logproof.ConsistencyProof{From: 0, To: 1}},
		{"from over to", logproof.ConsistencyProof{From: 3, To: 2}},
		{"to over the maximum", logproof.ConsistencyProof{From: 1, To: logproof.MaxTreeSize + 1}},
		{"to near int64", logproof.ConsistencyProof{From: 1, To: math.MaxInt64}},
		{"too many hashes", logproof.ConsistencyProof{From: 1, To: 2, Hashes: make([]tlog.Hash, logproof.MaxProofHashes+1)}},
	}
	for _, tc := range cons {
		if err := logproof.VerifyConsistency(tc.p, h, h); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("consistency %s: got %v, want ErrInvalid", tc.name, err)
		}
	}
	// The largest tree is allowed (tlog loops forever above it); a bogus
	// proof for it simply fails, quickly.
	const max = logproof.MaxTreeSize
	for _, p := range []logproof.InclusionProof{
		{Seq: max, LeafIndex: max - 1, TreeSize: max, Hashes: make([]tlog.Hash, 62)},
		{Seq: 1, LeafIndex: 0, TreeSize: max, Hashes: make([]tlog.Hash, 62)},
		{Seq: max / 2, LeafIndex: max/2 - 1, TreeSize: max, Hashes: make([]tlog.Hash, 62)},
	} {
		if err := logproof.VerifyInclusion(p, h); !errors.Is(err, registry.ErrUnverified) {
			t.Errorf("inclusion of seq %d in the largest tree: got %v, want ErrUnverified", p.Seq, err)
		}
	}
	for _, p := range []logproof.ConsistencyProof{
		{From: 1, To: max, Hashes: make([]tlog.Hash, 62)},
		{From: max - 1, To: max, Hashes: make([]tlog.Hash, 124)},
		{From: max, To: max},
	} {
		if err := logproof.VerifyConsistency(p, h, tlog.Hash{1}); !errors.Is(err, registry.ErrUnverified) {
			t.Errorf("consistency %d..%d in the largest tree: got %v, want ErrUnverified", p.From, p.To, err)
		}
	}
}

func TestProofJSON(t *testing.T) {
	m := newMemLog(t, 5)
	p := m.inclusion(t, 3, 5)
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + p.LeafHash.String() + `","hashes":["` +
		p.Hashes[0].String() + `","` + p.Hashes[1].String() + `","` + p.Hashes[2].String() + `"]}`
	if string(b) != want {
		t.Fatalf("inclusion JSON:\n got %s\nwant %s", b, want)
	}
	var back logproof.InclusionProof
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := logproof.VerifyInclusion(back, m.root(t, 5)); err != nil {
		t.Fatalf("round trip: %v", err)
	}

	c := m.consistency(t, 5, 5)
	if b, _ := json.Marshal(c); string(b) != `{"from":5,"to":5,"hashes":[]}` {
		t.Errorf("empty consistency proof: got %s", b)
	}
	one := m.inclusion(t, 1, 1)
	if b, _ := json.Marshal(one); !strings.HasSuffix(string(b), `"hashes":[]}`) {
		t.Errorf("empty audit path: got %s", b)
	}

	// The HTTP answers add members; readers ignore them.
	withRoot := strings.TrimSuffix(string(b), "}") + `,"root_hash":"` + m.root(t, 5).String() + `"}`
	if err := json.Unmarshal([]byte(withRoot), &back); err != nil {
		t.Errorf("unknown member: %v", err)
	}

	h := p.LeafHash.String()
	bad := []struct{ name, json string }{
		{"not an object", `[]`},
		{"missing hashes", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `"}`},
		{"null hashes", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `","hashes":null}`},
		{"missing seq", `{"leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `","hashes":[]}`},
		{"negative seq", `{"seq":-3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `","hashes":[]}`},
		{"seq as string", `{"seq":"3","leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `","hashes":[]}`},
		{"hex hash", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + fmt.Sprintf("%x", p.LeafHash[:]) + `","hashes":[]}`},
		{"url-safe base64", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + strings.NewReplacer("+", "-", "/", "_").Replace(withPlusSlash()) + `","hashes":[]}`},
		{"unpadded hash", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + strings.TrimSuffix(h, "=") + `","hashes":[]}`},
		{"stray bits", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + strayBits(h) + `","hashes":[]}`},
		{"short hash", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"AAAA","hashes":[]}`},
		{"hash with line break", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + h[:20] + `\n` + h[21:] + `","hashes":[]}`},
		{"too many hashes", `{"seq":3,"leaf_index":2,"tree_size":5,"leaf_hash":"` + h + `","hashes":[` + strings.Repeat(`"`+h+`",`, logproof.MaxProofHashes) + `"` + h + `"]}`},
	}
	for _, tc := range bad {
		var q logproof.InclusionProof
		if err := json.Unmarshal([]byte(tc.json), &q); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("inclusion %s: got %v, want ErrInvalid", tc.name, err)
		}
	}
	for _, s := range []string{`{"from":1,"hashes":[]}`, `{"from":1,"to":2}`, `{"from":1,"to":2,"hashes":["x"]}`} {
		var q logproof.ConsistencyProof
		if err := json.Unmarshal([]byte(s), &q); !errors.Is(err, registry.ErrInvalid) {
			t.Errorf("consistency %s: got %v, want ErrInvalid", s, err)
		}
	}
}

// withPlusSlash returns the base64 of a hash whose encoding has + and /.
func withPlusSlash() string {
	var h tlog.Hash
	for i := range h {
		h[i] = 0xfb
	}
	return h.String()
}

// strayBits changes the last data character of a padded 32-byte base64 so
// that it carries bits the 32 bytes do not use: tlog.Hash's own decoder
// accepts it, ours does not.
func strayBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	c := s[len(s)-2]
	i := strings.IndexByte(alphabet, c)
	return s[:len(s)-2] + string(alphabet[i^1]) + "="
}
