// Package rfc9162 is an independent implementation of RFC 9162's Merkle
// tree definitions (§2.1.1), inclusion proofs (§2.1.3) and consistency
// proofs (§2.1.4), written from the RFC with crypto/sha256 alone. corfed's
// tests check golang.org/x/mod/sumdb/tlog's proofs, and the node's proof
// endpoints, against it: it must never import tlog.
package rfc9162

import (
	"crypto/sha256"
	"math/bits"
)

// Hash is a SHA-256 tree hash.
type Hash = [32]byte

// Leaf is the leaf hash of §2.1.1: HASH(0x00 || d).
func Leaf(d []byte) Hash {
	return sha256.Sum256(append([]byte{0x00}, d...))
}

// Node is the interior hash of §2.1.1: HASH(0x01 || l || r).
func Node(l, r Hash) Hash {
	b := make([]byte, 0, 65)
	b = append(b, 0x01)
	b = append(b, l[:]...)
	b = append(b, r[:]...)
	return sha256.Sum256(b)
}

// split is k of §2.1.1: the largest power of two smaller than n (n > 1).
func split(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// MTH is MTH(D[n]) of §2.1.1, over leaf hashes.
func MTH(leaves []Hash) Hash {
	switch n := len(leaves); n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	default:
		k := split(n)
		return Node(MTH(leaves[:k]), MTH(leaves[k:]))
	}
}

// Path is PATH(m, D[n]) of §2.1.3.1.
func Path(m int, leaves []Hash) []Hash {
	n := len(leaves)
	if n == 1 {
		return nil
	}
	k := split(n)
	if m < k {
		return append(Path(m, leaves[:k]), MTH(leaves[k:]))
	}
	return append(Path(m-k, leaves[k:]), MTH(leaves[:k]))
}

// Proof is PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1.
func Proof(m int, leaves []Hash) []Hash { return subproof(m, leaves, true) }

func subproof(m int, leaves []Hash, b bool) []Hash {
	n := len(leaves)
	if m == n {
		if b {
			return nil
		}
		return []Hash{MTH(leaves)}
	}
	k := split(n)
	if m <= k {
		return append(subproof(m, leaves[:k], b), MTH(leaves[k:]))
	}
	return append(subproof(m-k, leaves[k:], false), MTH(leaves[:k]))
}

// VerifyInclusion is the algorithm of §2.1.3.2.
func VerifyInclusion(leafIndex, treeSize uint64, hash Hash, path []Hash, root Hash) bool {
	// 1. leaf_index must be below tree_size.
	if leafIndex >= treeSize {
		return false
	}
	// 2. fn = leaf_index, sn = tree_size - 1. 3. r = hash.
	fn, sn, r := leafIndex, treeSize-1, hash
	// 4. For each value p in the inclusion_path array:
	for _, p := range path {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			r = Node(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = Node(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	// 5. sn must be 0 and r the root.
	return sn == 0 && r == root
}

// VerifyConsistency is the algorithm of §2.1.4.2. That algorithm fails
// an empty path, while §2.1.4.1 defines PROOF(n, D[n]) as empty; for
// first == second it checks what that empty proof claims: equal roots.
func VerifyConsistency(first, second uint64, firstHash, secondHash Hash, path []Hash) bool {
	if first == 0 || first > second {
		return false
	}
	if first == second {
		return len(path) == 0 && firstHash == secondHash
	}
	// 1. An empty path fails.
	if len(path) == 0 {
		return false
	}
	// 2. If first is an exact power of 2, prepend first_hash.
	if bits.OnesCount64(first) == 1 {
		path = append([]Hash{firstHash}, path...)
	}
	// 3. fn = first - 1, sn = second - 1.
	fn, sn := first-1, second-1
	// 4. While LSB(fn) is set, shift both right.
	for fn&1 == 1 {
		fn >>= 1
		sn >>= 1
	}
	// 5. fr = sr = the first value of the path.
	fr, sr := path[0], path[0]
	// 6. For each subsequent value c:
	for _, c := range path[1:] {
		if sn == 0 {
			return false
		}
		if fn&1 == 1 || fn == sn {
			fr = Node(c, fr)
			sr = Node(c, sr)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			sr = Node(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	// 7. fr and sr must be the two roots, and sn 0.
	return fr == firstHash && sr == secondHash && sn == 0
}
