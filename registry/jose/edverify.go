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
// a key not 32 bytes long, where this says false), computed the same way
// (Go's verifyWithDom for pure Ed25519: the same length and high-bit
// checks on sig, S canonical, k = SHA-512(R || A || msg) mod l,
// R' = [S]B - [k]A compared byte for byte with R, cofactorless), with
// filippo.io/edwards25519, the upstream of the package the standard library
// uses inside.
//
// What differs is what is computed once per key. ed25519.Verify decodes the
// public key's point on every call (a square root in the field: 7% of a
// verification), while a node verifies against a handful of pinned keys:
// a follower checks a peer's million entries with one. So the decoded
// point, negated, is kept per key encoding (for the first maxEdKeys keys
// seen; past that, each call decodes as ed25519.Verify does). A key that
// has verified edTableAfter signatures also gets a table of its multiples
// (edTable), and [k](-A) + [S]B is then two sums of table points, with no
// doublings: 23 µs a verification where ed25519.Verify takes 42
// (BenchmarkVerifyEd25519, a 700-byte message).
// Either way the point computed is the same, and so is the answer.
// TestVerifyEd25519Vectors and FuzzVerifyEd25519 hold both ways to
// ed25519.Verify, non-canonical and small-order encodings included.
func verifyEd25519(pub ed25519.PublicKey, msg, sig []byte) bool {
	return edVerify(pub, msg, sig, tableAuto)
}

// tableUse says when edVerify takes the table way: as verifyEd25519 does,
// or (for tests, which hold both ways to ed25519.Verify) never or always.
type tableUse int

const (
	tableAuto tableUse = iota
	tableNever
	tableAlways
)

// edVerify is verifyEd25519, taking the table way as use says.
func edVerify(pub ed25519.PublicKey, msg, sig []byte, use tableUse) bool {
	if len(pub) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize || sig[63]&224 != 0 {
		return false
	}
	key, ok := edKey(pub)
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
	if t := key.table(use); t != nil {
		var sb edwards25519.Point
		t.mul(&r, k)
		baseTable().mul(&sb, s)
		r.Add(&r, &sb)
	} else {
		r.VarTimeDoubleScalarBaseMult(k, &key.minusA, s)
	}
	return bytes.Equal(sig[:32], r.Bytes())
}

const (
	// maxEdKeys bounds the decoded keys kept. Keys come from pinned sets,
	// so a node meets a few dozen; the bound only stops a long-lived
	// process that parses many key sets from growing without end.
	maxEdKeys = 4096
	// maxEdTables bounds the keys with a table (80 KB each).
	maxEdTables = 64
	// edTableAfter is how many signatures a key verifies before it gets a
	// table: building one costs about four verifications, and a key met
	// once (a JWKS fetched to check one token) should not pay for it.
	edTableAfter = 64
)

var (
	edKeys    sync.Map // [32]byte -> *edKeyState
	edKeysN   atomic.Int64
	edTablesN atomic.Int64
	edHashes  = sync.Pool{New: func() any { return sha512.New() }}
)

// edKeyState is what is kept of one key: its point negated, how many
// signatures it has verified, and its table once it has one.
type edKeyState struct {
	minusA   edwards25519.Point
	uses     atomic.Int64
	building atomic.Bool
	tab      atomic.Pointer[edTable]
}

// table returns the key's table, building it on the edTableAfter-th use
// while fewer than maxEdTables keys have one; nil until then. One caller
// builds it; the others go on without. With tableNever it returns nil;
// with tableAlways, a table built for this call alone when the key has
// none.
func (st *edKeyState) table(use tableUse) *edTable {
	if use == tableNever {
		return nil
	}
	if t := st.tab.Load(); t != nil {
		return t
	}
	if use == tableAlways {
		return newEdTable(&st.minusA)
	}
	if st.uses.Add(1) < edTableAfter || !st.building.CompareAndSwap(false, true) {
		return nil
	}
	if edTablesN.Add(1) > maxEdTables {
		edTablesN.Add(-1)
		return nil // building stays set: this key gets no table
	}
	t := newEdTable(&st.minusA)
	st.tab.Store(t)
	return t
}

// edKey returns what is kept of the encoded key pub (32 bytes), or false
// when pub is not the encoding of a point (ed25519.NewPublicKey's check:
// SetBytes, which accepts non-canonical encodings of valid points as it
// does).
func edKey(pub []byte) (*edKeyState, bool) {
	key := [32]byte(pub)
	if v, ok := edKeys.Load(key); ok {
		return v.(*edKeyState), true
	}
	a, err := new(edwards25519.Point).SetBytes(pub)
	if err != nil {
		return nil, false
	}
	st := new(edKeyState)
	st.minusA.Negate(a)
	if edKeysN.Load() >= maxEdKeys {
		return st, true
	}
	v, loaded := edKeys.LoadOrStore(key, st)
	if !loaded {
		edKeysN.Add(1)
	}
	return v.(*edKeyState), true
}

// edTable holds the multiples [j·16^i]P of one point P, j from 1 to 8, i
// from 0 to 63: [k]P for a scalar k is then the sum of one table point (or
// its negation) per signed base-16 digit of k, 64 additions and no
// doublings, where a double-scalar multiplication does ~253 doublings. It
// is computed in variable time, as verification may be: every input is
// public.
type edTable [64][8]edwards25519.Point

func newEdTable(p *edwards25519.Point) *edTable {
	t := new(edTable)
	var base edwards25519.Point
	base.Set(p)
	for i := range t {
		t[i][0].Set(&base)
		for j := 1; j < 8; j++ {
			t[i][j].Add(&t[i][j-1], &base)
		}
		base.Add(&t[i][7], &t[i][7]) // [16·16^i]P
	}
	return t
}

// mul sets v to [k]P and returns it.
func (t *edTable) mul(v *edwards25519.Point, k *edwards25519.Scalar) *edwards25519.Point {
	// k's base-16 digits, little-endian, recentred into [-8, 8): k < 2^253,
	// so the last digit, which takes the carries, stays below 8.
	b := k.Bytes()
	var d [64]int8
	for i, x := range b {
		d[2*i], d[2*i+1] = int8(x&15), int8(x>>4)
	}
	for i := range 63 {
		c := (d[i] + 8) >> 4
		d[i] -= c << 4
		d[i+1] += c
	}
	v.Set(edwards25519.NewIdentityPoint())
	for i, x := range d {
		switch {
		case x > 0:
			v.Add(v, &t[i][x-1])
		case x < 0:
			v.Subtract(v, &t[i][-x-1])
		}
	}
	return v
}

// baseTable is the table of the base point B, built on first use.
var baseTable = sync.OnceValue(func() *edTable { return newEdTable(edwards25519.NewGeneratorPoint()) })
