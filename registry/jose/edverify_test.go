package jose

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"math/big"
	"testing"

	"filippo.io/edwards25519"
)

// edEncode is the 32-byte little-endian encoding of y with the sign bit
// set to sign: any y below 2^255, so non-canonical encodings (y >= p)
// too.
func edEncode(y *big.Int, sign bool) []byte {
	b := make([]byte, 32)
	yb := y.Bytes() // big-endian
	for i := range yb {
		b[i] = yb[len(yb)-1-i]
	}
	if sign {
		b[31] |= 0x80
	}
	return b
}

// TestVerifyEd25519Vectors holds verifyEd25519 to ed25519.Verify on the
// inputs where verifiers are known to part ways: small-order and
// non-canonical key and R encodings, S not reduced, the high bits of S, a
// key that is not a point; and checks the answers that must be true or
// false, so that agreeing by both being wrong cannot pass.
func TestVerifyEd25519Vectors(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("a COR certificate's signing input")
	sig := ed25519.Sign(priv, msg)
	mut := func(b []byte, f func([]byte)) []byte {
		c := append([]byte(nil), b...)
		f(c)
		return c
	}
	p := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	l, _ := new(big.Int).SetString("7237005577332262213973186563042994240857116359379907606001950938285454250989", 10)
	// S + l: the same scalar, not reduced (Go refuses it).
	s := new(big.Int).SetBytes(reverse(sig[32:]))
	sPlusL := edEncode(new(big.Int).Add(s, l), false)
	identity := edEncode(big.NewInt(1), false)
	zeroS := make([]byte, 32)

	type tc struct {
		name     string
		pub, msg []byte
		sig      []byte
		want     int // 1 must verify, 0 must not, -1 whatever ed25519.Verify says
	}
	cases := []tc{
		{"valid", pub, msg, sig, 1},
		{"other message", pub, []byte("another input"), sig, 0},
		{"R changed", pub, msg, mut(sig, func(b []byte) { b[0] ^= 1 }), 0},
		{"S changed", pub, msg, mut(sig, func(b []byte) { b[40] ^= 1 }), 0},
		{"S high bits", pub, msg, mut(sig, func(b []byte) { b[63] |= 0x20 }), 0},
		{"S not reduced", pub, msg, append(append([]byte(nil), sig[:32]...), sPlusL...), 0},
		{"short signature", pub, msg, sig[:63], 0},
		{"long signature", pub, msg, append(append([]byte(nil), sig...), 0), 0},
		// The identity as the key: [0]B = R + [k]identity holds for R the
		// identity and S = 0, for every message, and a cofactorless
		// verifier such as Go's accepts it.
		{"identity key, forged", identity, msg, append(append([]byte(nil), identity...), zeroS...), 1},
		{"identity key, other message", identity, []byte("x"), append(append([]byte(nil), identity...), zeroS...), 1},
		{"identity key, R non-canonical", identity, msg, append(edEncode(new(big.Int).Add(p, big.NewInt(1)), false), zeroS...), 0},
	}
	// Every non-canonical encoding (y in [p, 2^255)), both signs, as the
	// key (SetBytes takes the ones that decode to points) and as R.
	for y := new(big.Int).Set(p); y.BitLen() <= 255; y.Add(y, big.NewInt(1)) {
		for _, sign := range []bool{false, true} {
			enc := edEncode(y, sign)
			cases = append(cases,
				tc{"key " + hex.EncodeToString(enc[:2]) + "…" + hex.EncodeToString(enc[30:]), enc, msg, append(append([]byte(nil), identity...), zeroS...), -1},
				tc{"R " + hex.EncodeToString(enc[:2]) + "…" + hex.EncodeToString(enc[30:]), pub, msg, append(append([]byte(nil), enc...), sig[32:]...), 0},
				tc{"identity key, R " + hex.EncodeToString(enc[:2]), identity, msg, append(append([]byte(nil), enc...), zeroS...), -1})
		}
	}
	// A key that is no point: y = 2 has no x on the curve.
	cases = append(cases, tc{"key not a point", edEncode(big.NewInt(2), false), msg, sig, 0})
	for _, c := range cases {
		want := ed25519.Verify(c.pub, c.msg, c.sig)
		for _, use := range []tableUse{tableNever, tableAlways, tableAuto} {
			got := edVerify(c.pub, c.msg, c.sig, use)
			if got != want {
				t.Errorf("%s (table use %d): verifyEd25519 %v, ed25519.Verify %v", c.name, use, got, want)
			}
			if c.want >= 0 && got != (c.want == 1) {
				t.Errorf("%s (table use %d): verifyEd25519 %v, want %v", c.name, use, got, c.want == 1)
			}
		}
	}
}

func reverse(b []byte) []byte {
	r := make([]byte, len(b))
	for i := range b {
		r[i] = b[len(b)-1-i]
	}
	return r
}

// FuzzVerifyEd25519 holds verifyEd25519, both ways (with the key's table
// and without), to ed25519.Verify: a key from a seed or as given, a
// message, and a signature that is the real one with bytes flipped, or as
// given.
func FuzzVerifyEd25519(f *testing.F) {
	f.Add([]byte("seed"), []byte("message"), []byte{}, []byte{}, uint8(0))
	f.Add([]byte("seed"), []byte("message"), []byte{}, []byte{0, 1}, uint8(1))
	f.Add([]byte{}, []byte("m"), edEncode(big.NewInt(1), false), append(edEncode(big.NewInt(1), false), make([]byte, 32)...), uint8(2))
	f.Fuzz(func(t *testing.T, seed, msg, rawPub, rawSig []byte, mode uint8) {
		var s [ed25519.SeedSize]byte
		copy(s[:], seed)
		priv := ed25519.NewKeyFromSeed(s[:])
		pub := priv.Public().(ed25519.PublicKey)
		sig := ed25519.Sign(priv, msg)
		switch mode % 4 {
		case 1: // flip the bytes rawSig names
			for _, i := range rawSig {
				sig[int(i)%len(sig)] ^= 1 << (i % 8)
			}
		case 2: // key and signature as given
			if len(rawPub) != ed25519.PublicKeySize {
				return // ed25519.Verify panics on such a key
			}
			pub, sig = rawPub, rawSig
		case 3: // the real key, the signature as given
			sig = rawSig
		}
		want := ed25519.Verify(pub, msg, sig)
		for _, use := range []tableUse{tableNever, tableAlways, tableAuto} {
			if got := edVerify(pub, msg, sig, use); got != want {
				t.Fatalf("pub %x sig %x msg %q (table use %d): verifyEd25519 %v, ed25519.Verify %v", pub, sig, msg, use, got, want)
			}
		}
	})
}

// TestEdTableMul holds a table's multiplication to ScalarMult, for the
// scalars whose base-16 digits carry the most (every nibble 8 or 15), the
// ends of the range (0, 1, l-1) and random ones, on the base point, a
// random point and a small-order one.
func TestEdTableMul(t *testing.T) {
	random := func(i int) *edwards25519.Scalar {
		var b [64]byte
		b[0], b[1] = byte(i), byte(i>>8)
		h := sha512.Sum512(b[:])
		s, err := new(edwards25519.Scalar).SetUniformBytes(h[:])
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	scalar := func(fill byte) *edwards25519.Scalar {
		b := bytes.Repeat([]byte{fill}, 32)
		b[31] &= 0x0f // below 2^252 < l
		s, err := new(edwards25519.Scalar).SetCanonicalBytes(b)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, _ := new(edwards25519.Scalar).SetCanonicalBytes(append([]byte{1}, make([]byte, 31)...))
	minusOne := new(edwards25519.Scalar).Negate(one) // l-1
	scalars := []*edwards25519.Scalar{edwards25519.NewScalar(), one, minusOne, scalar(0x88), scalar(0xff), scalar(0x78), scalar(0x87)}
	for i := range 200 {
		scalars = append(scalars, random(i))
	}
	small, err := new(edwards25519.Point).SetBytes(edEncode(new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(20)), false)) // y = -1: order 2
	if err != nil {
		t.Fatal(err)
	}
	points := map[string]*edwards25519.Point{
		"base":    edwards25519.NewGeneratorPoint(),
		"random":  new(edwards25519.Point).ScalarBaseMult(random(1000)),
		"order 2": small,
	}
	for name, p := range points {
		tab := newEdTable(p)
		for i, k := range scalars {
			var got, want edwards25519.Point
			tab.mul(&got, k)
			want.ScalarMult(k, p)
			if got.Equal(&want) != 1 {
				t.Errorf("%s, scalar %d (%x): table %x, ScalarMult %x", name, i, k.Bytes(), got.Bytes(), want.Bytes())
			}
		}
	}
	if got, want := baseTable().mul(new(edwards25519.Point), minusOne), new(edwards25519.Point).ScalarBaseMult(minusOne); got.Equal(want) != 1 {
		t.Errorf("baseTable: [l-1]B %x, want %x", got.Bytes(), want.Bytes())
	}
}

// TestEdKeyTable: a key gets its table on its edTableAfter-th signature
// and verifies the same after.
func TestEdKeyTable(t *testing.T) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("an entry")
	sig := ed25519.Sign(priv, msg)
	bad := bytes.Clone(sig)
	bad[5] ^= 1
	for i := range edTableAfter + 2 {
		if !verifyEd25519(pub, msg, sig) || verifyEd25519(pub, msg, bad) {
			t.Fatalf("signature %d: the valid one refused or the altered one taken", i)
		}
	}
	st, ok := edKey(pub)
	if !ok || st.tab.Load() == nil {
		t.Fatalf("no table after %d signatures", edTableAfter+2)
	}
}

// BenchmarkVerifyEd25519: ed25519.Verify, and verifyEd25519 both ways, on
// a 700-byte message (about an entry's signing input).
func BenchmarkVerifyEd25519(b *testing.B) {
	pub, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	msg := bytes.Repeat([]byte{'e'}, 700)
	sig := ed25519.Sign(priv, msg)
	b.Run("ed25519.Verify", func(b *testing.B) {
		for b.Loop() {
			ed25519.Verify(pub, msg, sig)
		}
	})
	// A second key that never gets a table: its point decoded once, the
	// double-scalar multiplication of each call.
	pub2, priv2, err := ed25519.GenerateKey(nil)
	if err != nil {
		b.Fatal(err)
	}
	sig2 := ed25519.Sign(priv2, msg)
	st, _ := edKey(pub2)
	st.building.Store(true)
	b.Run("no table", func(b *testing.B) {
		for b.Loop() {
			verifyEd25519(pub2, msg, sig2)
		}
	})
	for range edTableAfter {
		verifyEd25519(pub, msg, sig)
	}
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			verifyEd25519(pub, msg, sig)
		}
	})
}
