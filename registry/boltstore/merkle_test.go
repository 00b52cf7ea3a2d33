package boltstore

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"golang.org/x/mod/sumdb/tlog"
)

// mth is RFC 6962's Merkle tree hash of leaves, written out for the test
// (section 2.1): MTH(D[n]) = NodeHash(MTH(D[0:k]), MTH(D[k:n])) with k the
// largest power of two smaller than n.
func mth(leaves []tlog.Hash) tlog.Hash {
	switch n := len(leaves); n {
	case 0:
		h, _ := tlog.TreeHash(0, nil)
		return h
	case 1:
		return leaves[0]
	default:
		k := 1
		for k*2 < n {
			k *= 2
		}
		return tlog.NodeHash(mth(leaves[:k]), mth(leaves[k:]))
	}
}

// memHashes is an in-memory tlog hash store, built independently of the DB.
type memHashes []tlog.Hash

func (m memHashes) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		out[i] = m[x]
	}
	return out, nil
}

func TestMerkle(t *testing.T) {
	const n = 50
	db := openTest(t, "")
	rng := rand.New(rand.NewPCG(1, 2))
	var es []registry.Entry
	for seq := uint64(1); seq <= n; seq++ {
		e := entry(seq, registry.KindCertificate, fmt.Sprintf("C%02d", seq), 1)
		e.JWS += strings.Repeat("x", rng.IntN(300)) // leaves of varied length
		es = append(es, e)
	}
	// Append in uneven transactions, so hashes span several commits.
	for i := 0; i < n; {
		j := min(n, i+1+rng.IntN(7))
		appendAll(t, db, "self", es[i:j]...)
		i = j
	}

	var leaves []tlog.Hash
	var mem memHashes
	for i, e := range es {
		leaves = append(leaves, tlog.RecordHash([]byte(e.JWS)))
		hs, err := tlog.StoredHashes(int64(i), []byte(e.JWS), mem)
		if err != nil {
			t.Fatal(err)
		}
		mem = append(mem, hs...)
	}

	view(t, db, func(tx *Tx) error {
		l := tx.Log("self")
		roots := make([]tlog.Hash, n+1)
		for size := 0; size <= n; size++ {
			got, err := l.TreeHash(uint64(size))
			if err != nil {
				t.Fatalf("TreeHash(%d): %v", size, err)
			}
			if want := mth(leaves[:size]); got != want {
				t.Errorf("TreeHash(%d): got %v, want %v (RFC 6962 over in-memory leaves)", size, got, want)
			}
			if want, _ := tlog.TreeHash(int64(size), mem); got != want {
				t.Errorf("TreeHash(%d): got %v, want %v (tlog over in-memory hashes)", size, got, want)
			}
			roots[size] = got
		}

		for size := uint64(1); size <= n; size++ {
			for seq := uint64(1); seq <= size; seq++ {
				p, err := l.InclusionProof(seq, size)
				if err != nil {
					t.Fatalf("InclusionProof(%d, %d): %v", seq, size, err)
				}
				if err := tlog.CheckRecord(p, int64(size), roots[size], int64(seq-1), leaves[seq-1]); err != nil {
					t.Errorf("InclusionProof(%d, %d) does not verify: %v", seq, size, err)
				}
				// The proof must not verify for another leaf.
				other := leaves[seq%size]
				if size > 1 && tlog.CheckRecord(p, int64(size), roots[size], int64(seq-1), other) == nil {
					t.Errorf("InclusionProof(%d, %d) verifies for another leaf", seq, size)
				}
			}
			for from := uint64(1); from <= size; from++ {
				p, err := l.ConsistencyProof(from, size)
				if err != nil {
					t.Fatalf("ConsistencyProof(%d, %d): %v", from, size, err)
				}
				if err := tlog.CheckTree(p, int64(size), roots[size], int64(from), roots[from]); err != nil {
					t.Errorf("ConsistencyProof(%d, %d) does not verify: %v", from, size, err)
				}
			}
		}

		// Out of range arguments.
		for _, tc := range []struct {
			name string
			err  error
		}{
			{"TreeHash beyond size", second(l.TreeHash(n + 1))},
			{"InclusionProof seq 0", second(l.InclusionProof(0, 5))},
			{"InclusionProof seq > size", second(l.InclusionProof(6, 5))},
			{"InclusionProof size beyond log", second(l.InclusionProof(1, n+1))},
			{"ConsistencyProof from 0", second(l.ConsistencyProof(0, 5))},
			{"ConsistencyProof from > to", second(l.ConsistencyProof(6, 5))},
			{"ConsistencyProof to beyond log", second(l.ConsistencyProof(1, n+1))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if !errors.Is(tc.err, registry.ErrInvalid) {
					t.Errorf("got %v, want ErrInvalid", tc.err)
				}
			})
		}

		// The HashReader serves what tlog needs, e.g. tiles.
		tile := tlog.TileForIndex(2, tlog.StoredHashIndex(0, n-1))
		data, err := tlog.ReadTileData(tile, l.HashReader())
		if err != nil {
			t.Fatalf("ReadTileData: %v", err)
		}
		if got, want := len(data), tile.W*tlog.HashSize; got != want {
			t.Errorf("tile data: got %d bytes, want %d", got, want)
		}
		return nil
	})
}
