package jose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"hash"
	"sync"
	"sync/atomic"

	"filippo.io/edwards25519"
)

// verifyEd25519 reports whether sig is pub's Ed25519 signature of msg:
// the answer crypto/ed25519.Verify gives for every input (which panics on
// a key not 32 bytes long, where this says false), computed the same way (Go's verifyWithDom for pure Ed25519: the same length and
// high-bit checks on sig, S canonical, k = SHA-512(R || A || msg) mod l,
// R' = [S]B - [k]A compared byte for byte with R, cofactorless), with
// filippo.io/edwards25519, the upstream of the package the standard library
// uses inside.
//
// What differs is where A is decoded. ed25519.Verify decodes the public
// key's point on every call (a square root in the field: 7% of a
// verification), while a node verifies against a handful of pinned keys:
// a follower checks a peer's million entries with one. So the decoded
// point, negated, is kept per key encoding (for the first maxEdKeys keys
// seen; past that, each call decodes as ed25519.Verify does).
// TestVerifyEd25519Vectors and FuzzVerifyEd25519 hold it to
// ed25519.Verify, non-canonical and small-order encodings included.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return false
	}
	minusA, ok := edKey(pub)
	if !ok {
		return false // not a point: ed25519.Verify refuses the key
	}
	h := edHashes.Get().(hash.Hash)
	h.Reset()
	h.Write(sig[:32])
	h.Write(pub)
	h.Write(msg)
	var d [sha512.Size]byte
	digest := h.Sum(d[:0])
	edHashes.Put(h)
	k, err := new(edwards25519.Scalar).SetUniformBytes(digest)
	if err != nil {
		return false // cannot happen: the digest is 64 bytes
	}
	s, err := new(edwards25519.Scalar).SetCanonicalBytes(sig[32:])
	if err != nil {
		return false
	}
	// [S]B = R + [k]A  <=>  [k](-A) + [S]B = R
	var r edwards25519.Point
	r.VarTimeDoubleScalarBaseMult(k, minusA, s)
	return bytes.Equal(sig[:32], r.Bytes())
}

// maxEdKeys bounds the decoded keys kept. Keys come from pinned sets, so a
// node meets a few dozen; the bound only stops a long-lived process that
// parses many key sets from growing without end.
const maxEdKeys = 4096

var (
	edKeys   sync.Map // [32]byte -> *edwards25519.Point, the negated key
	edKeysN  atomic.Int64
	edHashes = sync.Pool{New: func() any { return sha512.New() }}
)

// edKey returns -A for the encoded key pub (32 bytes), or false when pub
// is not the encoding of a point (ed25519.NewPublicKey's check: SetBytes,
// which accepts non-canonical encodings of valid points as it does).
func edKey(pub []byte) (*edwards25519.Point, bool) {
	key := [32]byte(pub)
	if v, ok := edKeys.Load(key); ok {
		return v.(*edwards25519.Point), true
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil, false
	}
	minusA := new(edwards25519.Point).Negate(a)
	if edKeysN.Load() < maxEdKeys {
		if _, loaded := edKeys.LoadOrStore(key, minusA); !loaded {
			edKeysN.Add(1)
		}
	}
	return minusA, true
}
