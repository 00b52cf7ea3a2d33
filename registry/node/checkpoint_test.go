package node_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"github.com/corfed/corfed/registry/logproof/rfc9162"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

var bg = context.Background()

const bnPrairie = "812345676" // seeded in testdata/seed/CA-AB.json

// grow appends n versions of a seeded employer to the node's feed.
func grow(t testing.TB, n *nodetest.Node, count int) {
	t.Helper()
	for i := range count {
		e := registry.Employer{BN: bnPrairie, LegalName: fmt.Sprintf("Prairie Steel Erectors Ltd. %d", i)}
		if _, err := n.PutEmployer(bg, nodetest.Admin(), e, false); err != nil {
			t.Fatal(err)
		}
	}
}

// feedLeaves returns SHA-256(0x00 || jws) of every entry of the node's
// feed, computed here from the feed, not read from the tree.
func feedLeaves(t testing.TB, n *nodetest.Node) (jws []string, leaves []rfcHash) {
	t.Helper()
	es, size, err := n.Feed(bg, 0, registry.MaxScan)
	if err != nil {
		t.Fatal(err)
	}
	if uint64(len(es)) != size {
		t.Fatalf("feed: %d entries, size %d", len(es), size)
	}
	for i, e := range es {
		if e.Seq != uint64(i+1) {
			t.Fatalf("feed entry %d has seq %d", i, e.Seq)
		}
		jws = append(jws, e.JWS)
		leaves = append(leaves, sha256.Sum256(append([]byte{0x00}, e.JWS...)))
	}
	return jws, leaves
}

func TestCheckpoint(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	if got := n.Origin(); got != "corfed/CA-AB" {
		t.Errorf("Origin: got %q, want corfed/CA-AB", got)
	}
	s, err := n.Checkpoint(bg)
	if err != nil {
		t.Fatal(err)
	}
	c, err := logproof.Verify(n.PublicKeys(), "corfed/CA-AB", s.JWS)
	if err != nil {
		t.Fatal(err)
	}
	_, leaves := feedLeaves(t, n)
	if c.Size != uint64(len(leaves)) || c.Root != tlog.Hash(rfcMTH(leaves)) || !c.Time.Equal(nodetest.Now) {
		t.Errorf("checkpoint: got size %d root %s time %v; want %d, RFC root %x, %v",
			c.Size, c.Root, c.Time, len(leaves), rfcMTH(leaves), nodetest.Now)
	}
	if !c.Equal(s.Checkpoint) {
		t.Errorf("Signed fields %+v disagree with the signed body %+v", s.Checkpoint, c)
	}

	// Nothing changed: the same signed checkpoint.
	again, err := n.Checkpoint(bg)
	if err != nil {
		t.Fatal(err)
	}
	if again.JWS != s.JWS {
		t.Errorf("second checkpoint at the same size was signed again")
	}

	// The feed grows: a new checkpoint, consistent with the old one.
	grow(t, n, 3)
	later, err := n.Checkpoint(bg)
	if err != nil {
		t.Fatal(err)
	}
	if later.Size != s.Size+3 {
		t.Fatalf("after 3 writes: size %d, want %d", later.Size, s.Size+3)
	}
	lc, err := logproof.Verify(n.PublicKeys(), n.Origin(), later.JWS)
	if err != nil {
		t.Fatal(err)
	}
	p, err := n.ConsistencyProof(bg, c.Size, lc.Size)
	if err != nil {
		t.Fatal(err)
	}
	if err := logproof.VerifyAppendOnly(c, lc, p); err != nil {
		t.Errorf("VerifyAppendOnly: %v", err)
	}

	// Another node's keys do not verify it; another origin is refused.
	other := nodetest.New(t, "CA-BC", nodetest.Options{})
	if _, err := logproof.Verify(other.PublicKeys(), "corfed/CA-AB", later.JWS); !errors.Is(err, registry.ErrUnverified) {
		t.Errorf("checkpoint under another node's keys: got %v, want ErrUnverified", err)
	}
	if _, err := logproof.Verify(n.PublicKeys(), "corfed/CA-BC", later.JWS); !errors.Is(err, registry.ErrUnverified) {
		t.Errorf("checkpoint for another origin: got %v, want ErrUnverified", err)
	}

	// A witness cosigns what it verified.
	cosig, err := logproof.Cosign(other.ActiveKey(), lc)
	if err != nil {
		t.Fatal(err)
	}
	if err := logproof.VerifyCosignature(other.PublicKeys(), lc, cosig); err != nil {
		t.Errorf("cosignature: %v", err)
	}
}

// TestProofsAgainstFeed checks every inclusion proof (every size, every
// seq) and every consistency proof (every pair of sizes) of a real node
// twice: with logproof, and with the RFC 9162 verifiers below over leaf
// hashes computed from the feed's JWS.
func TestProofsAgainstFeed(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	grow(t, n, 20)
	jws, leaves := feedLeaves(t, n)
	N := uint64(len(leaves))
	if N < 30 {
		t.Fatalf("feed has %d entries; the test wants more than 30", N)
	}
	roots := make([]tlog.Hash, N+1)
	for size := range roots {
		want := tlog.Hash(rfcMTH(leaves[:size]))
		got, err := n.TreeHash(bg, uint64(size))
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Fatalf("TreeHash(%d): got %s, want RFC root %s", size, got, want)
		}
		roots[size] = got
	}
	for size := uint64(1); size <= N; size++ {
		c := logproof.Checkpoint{Origin: n.Origin(), Size: size, Root: roots[size], Time: nodetest.Now}
		for seq := uint64(1); seq <= size; seq++ {
			p, err := n.InclusionProof(bg, seq, size)
			if err != nil {
				t.Fatal(err)
			}
			if p.Seq != seq || p.LeafIndex != seq-1 || p.TreeSize != size || p.LeafHash != tlog.Hash(leaves[seq-1]) {
				t.Fatalf("InclusionProof(%d, %d): got seq %d index %d size %d leaf %s", seq, size, p.Seq, p.LeafIndex, p.TreeSize, p.LeafHash)
			}
			if err := logproof.VerifyEntry(c, jws[seq-1], p); err != nil {
				t.Fatalf("seq %d size %d: %v", seq, size, err)
			}
			if !rfcVerifyInclusion(seq-1, size, leaves[seq-1], toRFC(p.Hashes), roots[size]) {
				t.Fatalf("seq %d size %d: the RFC 9162 verifier rejects the proof", seq, size)
			}
			if len(p.Hashes) > 0 {
				bad := append([]tlog.Hash(nil), p.Hashes...)
				bad[len(bad)/2][3] ^= 0x10
				q := p
				q.Hashes = bad
				if err := logproof.VerifyInclusion(q, roots[size]); !errors.Is(err, registry.ErrUnverified) {
					t.Fatalf("seq %d size %d, tampered hash: got %v, want ErrUnverified", seq, size, err)
				}
				if rfcVerifyInclusion(seq-1, size, leaves[seq-1], toRFC(bad), roots[size]) {
					t.Fatalf("seq %d size %d, tampered hash: the RFC 9162 verifier accepts it", seq, size)
				}
			}
			if wrong := roots[size-1]; size > 1 {
				if err := logproof.VerifyInclusion(p, wrong); !errors.Is(err, registry.ErrUnverified) {
					t.Fatalf("seq %d size %d, root of size %d: got %v, want ErrUnverified", seq, size, size-1, err)
				}
				if rfcVerifyInclusion(seq-1, size, leaves[seq-1], toRFC(p.Hashes), wrong) {
					t.Fatalf("seq %d size %d, wrong root: the RFC 9162 verifier accepts it", seq, size)
				}
			}
		}
	}
	for to := uint64(1); to <= N; to++ {
		for from := uint64(1); from <= to; from++ {
			p, err := n.ConsistencyProof(bg, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if p.From != from || p.To != to {
				t.Fatalf("ConsistencyProof(%d, %d): got %d..%d", from, to, p.From, p.To)
			}
			if err := logproof.VerifyConsistency(p, roots[from], roots[to]); err != nil {
				t.Fatalf("%d..%d: %v", from, to, err)
			}
			if !rfcVerifyConsistency(from, to, roots[from], roots[to], toRFC(p.Hashes)) {
				t.Fatalf("%d..%d: the RFC 9162 verifier rejects the proof", from, to)
			}
			if len(p.Hashes) > 0 {
				bad := append([]tlog.Hash(nil), p.Hashes...)
				bad[0][0] ^= 1
				q := p
				q.Hashes = bad
				if err := logproof.VerifyConsistency(q, roots[from], roots[to]); !errors.Is(err, registry.ErrUnverified) {
					t.Fatalf("%d..%d, tampered hash: got %v, want ErrUnverified", from, to, err)
				}
				if rfcVerifyConsistency(from, to, roots[from], roots[to], toRFC(bad)) {
					t.Fatalf("%d..%d, tampered hash: the RFC 9162 verifier accepts it", from, to)
				}
			}
			if from > 1 {
				if err := logproof.VerifyConsistency(p, roots[from-1], roots[to]); !errors.Is(err, registry.ErrUnverified) {
					t.Fatalf("%d..%d, wrong from root: got %v, want ErrUnverified", from, to, err)
				}
				if rfcVerifyConsistency(from, to, roots[from-1], roots[to], toRFC(p.Hashes)) {
					t.Fatalf("%d..%d, wrong from root: the RFC 9162 verifier accepts it", from, to)
				}
			}
		}
	}
	// size 0 is the current size.
	p, err := n.InclusionProof(bg, 1, 0)
	if err != nil || p.TreeSize != N {
		t.Errorf("InclusionProof(1, 0): got size %d, %v; want size %d", p.TreeSize, err, N)
	}
}

func TestProofErrorsNameTheParameter(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	_, size, err := n.Feed(bg, 0, registry.MaxScan)
	if err != nil {
		t.Fatal(err)
	}
	incl := []struct {
		name      string
		seq, size uint64
		field     string
	}{
		{"seq 0", 0, 0, "query.seq"},
		{"seq beyond the feed", size + 1, 0, "query.seq"},
		{"seq beyond size", 3, 2, "query.seq"},
		{"size beyond the feed", 1, size + 1, "query.size"},
		{"huge size", 1, 1 << 63, "query.size"},
	}
	for _, tc := range incl {
		_, err := n.InclusionProof(bg, tc.seq, tc.size)
		checkField(t, "InclusionProof "+tc.name, err, tc.field)
	}
	cons := []struct {
		name     string
		from, to uint64
		field    string
	}{
		{"to 0", 1, 0, "query.to"},
		{"to beyond the feed", 1, size + 1, "query.to"},
		{"from 0", 0, 1, "query.from"},
		{"from over to", 3, 2, "query.from"},
	}
	for _, tc := range cons {
		_, err := n.ConsistencyProof(bg, tc.from, tc.to)
		checkField(t, "ConsistencyProof "+tc.name, err, tc.field)
	}
	_, err = n.TreeHash(bg, size+1)
	checkField(t, "TreeHash beyond the feed", err, "size")
}

func checkField(t *testing.T, name string, err error, field string) {
	t.Helper()
	var ve *registry.ValidationError
	if !errors.As(err, &ve) || ve.Field != field || !errors.Is(err, registry.ErrInvalid) {
		t.Errorf("%s: got %v, want a ValidationError for %s", name, err, field)
	}
}

// TestCheckpointConcurrent signs checkpoints while the feed grows: every
// one verifies, and a reader never sees the size go down.
func TestCheckpointConcurrent(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 20 {
			e := registry.Employer{BN: bnPrairie, LegalName: fmt.Sprintf("Prairie Steel %d", i)}
			if _, err := n.PutEmployer(bg, nodetest.Admin(), e, false); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			var last uint64
			for range 50 {
				s, err := n.Checkpoint(bg)
				if err != nil {
					t.Error(err)
					return
				}
				c, err := logproof.Verify(n.PublicKeys(), n.Origin(), s.JWS)
				if err != nil {
					t.Error(err)
					return
				}
				if c.Size < last {
					t.Errorf("checkpoint size went from %d to %d", last, c.Size)
				}
				last = c.Size
			}
		})
	}
	wg.Wait()
	s, err := n.Checkpoint(bg)
	if err != nil {
		t.Fatal(err)
	}
	_, leaves := feedLeaves(t, n)
	if s.Size != uint64(len(leaves)) || s.Root != tlog.Hash(rfcMTH(leaves)) {
		t.Errorf("final checkpoint: size %d root %s, want %d and the RFC root", s.Size, s.Root, len(leaves))
	}
}

// An independent RFC 9162 reference (crypto/sha256 only, no tlog): the
// Merkle tree hash of §2.1.1 and the verification algorithms of §2.1.3.2
// and §2.1.4.2, written from the RFC's text.

// The independent RFC 9162 checker (never tlog).
type rfcHash = rfc9162.Hash

var (
	rfcMTH               = rfc9162.MTH
	rfcVerifyInclusion   = rfc9162.VerifyInclusion
	rfcVerifyConsistency = rfc9162.VerifyConsistency
)

func toRFC(hs []tlog.Hash) []rfcHash {
	out := make([]rfcHash, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}

// interleave runs baseline and subject b.N times each, alternating in
// blocks of block, so that both see the same load on a noisy machine, and
// reports subject's time per op as ns/op, baseline's as ns/<name>, and
// their ratio as x-of-<name>.
func interleave(b *testing.B, name string, block int, baseline, subject func(n int)) {
	var tb, ts time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		t0 := time.Now()
		baseline(n)
		t1 := time.Now()
		subject(n)
		ts += time.Since(t1)
		tb += t1.Sub(t0)
	}
	b.StopTimer()
	b.ReportMetric(float64(ts.Nanoseconds())/float64(b.N), "ns/op")
	b.ReportMetric(float64(tb.Nanoseconds())/float64(b.N), "ns/"+name)
	b.ReportMetric(float64(ts)/float64(tb), "x-of-"+name)
}

// BenchmarkLogCostPerEntry compares what the Merkle log costs per appended
// entry with what signing that entry costs (Key.Sign of an 800-byte
// payload, as every entry gets), interleaved so that both see the same
// machine. x-of-sign is the Merkle cost as a fraction of the signature's;
// the target is at most 0.1.
//
//   - tlog: tlog.StoredHashes of the entry's ~1.1 KB JWS (its leaf hash and
//     the interior hashes it completes) over hashes kept in memory: the
//     hashing alone.
//   - tlog+bbolt: what boltstore's Log.Append does for the tree: the same
//     StoredHashes reading earlier hashes from a bbolt bucket, and a Put of
//     each new hash, in read-write transactions of 1000 entries without
//     fsync, commit included (as boltstore's BenchmarkHashing). The fsync,
//     shared with the entry itself, is not counted.
func BenchmarkLogCostPerEntry(b *testing.B) {
	key, err := jose.GenerateKey(jose.EdDSA, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	payload := []byte(`{"iss":"CA-AB","seq":1,"kind":"certificate","id":"ACSA-20250417","ver":1,"iat":1795608000,"record":{"note":"` +
		strings.Repeat("x", 700) + `"}}`)
	jws, err := key.Sign(payload, node.EntryType)
	if err != nil {
		b.Fatal(err)
	}
	sign := func(n int) {
		for range n {
			if _, err := key.Sign(payload, node.EntryType); err != nil {
				b.Fatal(err)
			}
		}
	}

	b.Run("tlog", func(b *testing.B) {
		var stored []tlog.Hash
		r := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
			out := make([]tlog.Hash, len(indexes))
			for i, x := range indexes {
				out[i] = stored[x]
			}
			return out, nil
		})
		var size int64
		interleave(b, "sign", 64, sign, func(n int) {
			for range n {
				hs, err := tlog.StoredHashes(size, []byte(jws), r)
				if err != nil {
					b.Fatal(err)
				}
				stored = append(stored, hs...)
				size++
			}
		})
	})

	// The cost with bbolt storage is boltstore's BenchmarkLogCostVsSign,
	// which measures the store's own appendHashes.

}

// proofNode returns a test node whose feed has 10,000 entries (synthetic
// ones written straight to the store, then the node's key announcement).
func proofNode(b *testing.B) *nodetest.Node {
	const entries = 10_000
	dir := b.TempDir()
	db, err := boltstore.Open(filepath.Join(dir, "corfed.db"), boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	err = db.UpdateAlone(bg, func(tx *boltstore.Tx) error {
		l := tx.Log(node.SelfLog)
		for seq := uint64(1); seq <= entries; seq++ {
			e := registry.Entry{Iss: "CA-AB", Seq: seq, Kind: "bench", ID: fmt.Sprintf("B%06d", seq), Ver: 1,
				JWS: fmt.Sprintf("eyJhbGciOiJFZERTQSJ9.%s.sig", strings.Repeat("p", 1000)) + fmt.Sprint(seq)}
			if err := l.Append(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return nodetest.New(b, "CA-AB", nodetest.Options{Dir: dir})
}

// BenchmarkProofs measures proof generation (through the node: a read
// transaction and tlog over the stored hashes) and verification on a
// 10,000-entry feed. Generation is compared with reading one entry
// (Node.Entry), verification with checking one entry's signature
// (KeySet.Verify).
func BenchmarkProofs(b *testing.B) {
	n := proofNode(b)
	s, err := n.Checkpoint(bg)
	if err != nil {
		b.Fatal(err)
	}
	size := s.Size
	last, err := n.Entry(bg, size) // the key announcement, a real signed entry
	if err != nil {
		b.Fatal(err)
	}
	keys := n.PublicKeys()
	rng := rand.New(rand.NewPCG(1, 2))
	readEntry := func(k int) {
		for range k {
			if _, err := n.Entry(bg, 1+rng.Uint64N(size)); err != nil {
				b.Fatal(err)
			}
		}
	}
	verifyEntry := func(k int) {
		for range k {
			if _, err := keys.Verify([]byte(last.JWS)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("inclusion/prove", func(b *testing.B) {
		interleave(b, "entry-read", 16, readEntry, func(k int) {
			for range k {
				if _, err := n.InclusionProof(bg, 1+rng.Uint64N(size), 0); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("inclusion/verify", func(b *testing.B) {
		proofs := make([]logproof.InclusionProof, 64)
		for i := range proofs {
			if proofs[i], err = n.InclusionProof(bg, 1+rng.Uint64N(size), 0); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		interleave(b, "jws-verify", 16, verifyEntry, func(k int) {
			for range k {
				if err := logproof.VerifyInclusion(proofs[i%len(proofs)], s.Root); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	})
	b.Run("consistency/prove", func(b *testing.B) {
		interleave(b, "entry-read", 16, readEntry, func(k int) {
			for range k {
				if _, err := n.ConsistencyProof(bg, 1+rng.Uint64N(size), size); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("consistency/verify", func(b *testing.B) {
		type pr struct {
			p        logproof.ConsistencyProof
			fromRoot tlog.Hash
		}
		proofs := make([]pr, 64)
		for i := range proofs {
			from := 1 + rng.Uint64N(size)
			if proofs[i].p, err = n.ConsistencyProof(bg, from, size); err != nil {
				b.Fatal(err)
			}
			if proofs[i].fromRoot, err = n.TreeHash(bg, from); err != nil {
				b.Fatal(err)
			}
		}
		i := 0
		interleave(b, "jws-verify", 16, verifyEntry, func(k int) {
			for range k {
				p := proofs[i%len(proofs)]
				if err := logproof.VerifyConsistency(p.p, p.fromRoot, s.Root); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	})
}
