package jose

import (
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"testing"
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
		got := verifyEd25519(c.pub, c.msg, c.sig)
		if got != want {
			t.Errorf("%s: verifyEd25519 %v, ed25519.Verify %v", c.name, got, want)
		}
		if c.want >= 0 && got != (c.want == 1) {
			t.Errorf("%s: verifyEd25519 %v, want %v", c.name, got, c.want == 1)
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

// FuzzVerifyEd25519 holds verifyEd25519 to ed25519.Verify: a key from a
// seed or as given, a message, and a signature that is the real one with
// bytes flipped, or as given.
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
		if got, want := verifyEd25519(pub, msg, sig), ed25519.Verify(pub, msg, sig); got != want {
			t.Fatalf("pub %x sig %x msg %q: verifyEd25519 %v, ed25519.Verify %v", pub, sig, msg, got, want)
		}
	})
}
