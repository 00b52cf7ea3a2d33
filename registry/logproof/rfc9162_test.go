package logproof_test

// An independent RFC 9162 reference, written from the RFC's text with
// crypto/sha256 only (no tlog), to check that tlog's proofs, and so ours,
// are the RFC's: same hashes, same order, and accepted by the RFC's own
// verification algorithms.

import (
	"crypto/sha256"
	"math/bits"
)

type rfcHash = [32]byte

// rfcLeaf is the leaf hash of §2.1.1: HASH(0x00 || d).
func rfcLeaf(d []byte) rfcHash {
	return sha256.Sum256(append([]byte{0x00}, d...))
}

// rfcNode is the interior hash of §2.1.1: HASH(0x01 || l || r).
func rfcNode(l, r rfcHash) rfcHash {
	b := make([]byte, 0, 65)
	b = append(b, 0x01)
	b = append(b, l[:]...)
	b = append(b, r[:]...)
	return sha256.Sum256(b)
}

// rfcSplit is k of §2.1.1: the largest power of two smaller than n (n > 1).
func rfcSplit(n int) int {
	k := 1
	for k<<1 < n {
		k <<= 1
	}
	return k
}

// rfcMTH is MTH(D[n]) of §2.1.1, over leaf hashes.
func rfcMTH(leaves []rfcHash) rfcHash {
	switch n := len(leaves); n {
	case 0:
		return sha256.Sum256(nil)
	case 1:
		return leaves[0]
	default:
		k := rfcSplit(n)
		return rfcNode(rfcMTH(leaves[:k]), rfcMTH(leaves[k:]))
	}
}

// rfcPath is PATH(m, D[n]) of §2.1.3.1.
func rfcPath(m int, leaves []rfcHash) []rfcHash {
	n := len(leaves)
	if n == 1 {
		return nil
	}
	k := rfcSplit(n)
	if m < k {
		return append(rfcPath(m, leaves[:k]), rfcMTH(leaves[k:]))
	}
	return append(rfcPath(m-k, leaves[k:]), rfcMTH(leaves[:k]))
}

// rfcProof is PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of §2.1.4.1.
func rfcProof(m int, leaves []rfcHash) []rfcHash { return rfcSubproof(m, leaves, true) }

func rfcSubproof(m int, leaves []rfcHash, b bool) []rfcHash {
	n := len(leaves)
	if m == n {
		if b {
			return nil
		}
		return []rfcHash{rfcMTH(leaves)}
	}
	k := rfcSplit(n)
	if m <= k {
		return append(rfcSubproof(m, leaves[:k], b), rfcMTH(leaves[k:]))
	}
	return append(rfcSubproof(m-k, leaves[k:], false), rfcMTH(leaves[:k]))
}

// rfcVerifyInclusion is the algorithm of §2.1.3.2.
func rfcVerifyInclusion(leafIndex, treeSize uint64, hash rfcHash, path []rfcHash, root rfcHash) bool {
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
			r = rfcNode(p, r)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			r = rfcNode(r, p)
		}
		fn >>= 1
		sn >>= 1
	}
	// 5. sn must be 0 and r the root.
	return sn == 0 && r == root
}

// rfcVerifyConsistency is the algorithm of §2.1.4.2. That algorithm fails
// an empty path, while §2.1.4.1 defines PROOF(n, D[n]) as empty; for
// first == second it checks what that empty proof claims: equal roots.
func rfcVerifyConsistency(first, second uint64, firstHash, secondHash rfcHash, path []rfcHash) bool {
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
		path = append([]rfcHash{firstHash}, path...)
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
			fr = rfcNode(c, fr)
			sr = rfcNode(c, sr)
			if fn&1 == 0 {
				for fn&1 == 0 && fn != 0 {
					fn >>= 1
					sn >>= 1
				}
			}
		} else {
			sr = rfcNode(sr, c)
		}
		fn >>= 1
		sn >>= 1
	}
	// 7. fr and sr must be the two roots, and sn 0.
	return fr == firstHash && sr == secondHash && sn == 0
}
