package jose

import (
	"crypto/ed25519"
	"crypto/sha512"

	"filippo.io/edwards25519"
	"filippo.io/edwards25519/field"
)

// edSignMany returns priv's Ed25519 signature of each of msgs: for every
// input the bytes ed25519.Sign returns (RFC 8032 §5.1.6: r = SHA-512(prefix
// || M) mod l, R = [r]B, k = SHA-512(R || A || M) mod l, S = r + k·s), with
// filippo.io/edwards25519, the upstream of the package the standard library
// uses inside, and its constant-time operations on every secret.
//
// What differs is one step. Encoding R takes its affine coordinates, X/Z
// and Y/Z, and ed25519.Sign inverts each signature's Z: a field inversion
// by exponentiation, a quarter of a signature's cost. Here the Zs of the
// batch are inverted together (Montgomery's trick: one inversion and three
// multiplications per signature), and SHA-512 of the seed is taken once,
// not once a signature. The signatures are the same bytes, which
// TestEdSignMany and FuzzEdSignMany check against ed25519.Sign.
func edSignMany(priv ed25519.PrivateKey, msgs [][]byte) [][ed25519.SignatureSize]byte {
	out := make([][ed25519.SignatureSize]byte, len(msgs))
	if len(msgs) == 0 {
		return out
	}
	if len(priv) != ed25519.PrivateKeySize {
		panic("ed25519: bad private key length") // as ed25519.Sign does
	}
	h := sha512.Sum512(priv[:ed25519.SeedSize])
	s, err := edwards25519.NewScalar().SetBytesWithClamping(h[:32])
	if err != nil {
		panic("ed25519: internal error: setting scalar failed")
	}
	prefix, pub := h[32:], priv[ed25519.SeedSize:]

	rs := make([]edwards25519.Scalar, len(msgs))
	xs := make([]field.Element, len(msgs)) // X of R, then x
	ys := make([]field.Element, len(msgs)) // Y of R, then y
	zs := make([]field.Element, len(msgs)) // Z of R, then the products z0…zi
	d := sha512.New()
	var digest [sha512.Size]byte
	var R edwards25519.Point
	for i, m := range msgs {
		d.Reset()
		d.Write(prefix)
		d.Write(m)
		if _, err := rs[i].SetUniformBytes(d.Sum(digest[:0])); err != nil {
			panic("ed25519: internal error: setting scalar failed")
		}
		R.ScalarBaseMult(&rs[i])
		X, Y, Z, _ := R.ExtendedCoordinates()
		xs[i].Set(X)
		ys[i].Set(Y)
		zs[i].Set(Z)
	}
	// Montgomery's trick: with p_i = z_0…z_i, 1/z_i = p_{i-1} / p_i. No Z
	// of a point in extended coordinates is zero.
	prods := make([]field.Element, len(msgs))
	prods[0].Set(&zs[0])
	for i := 1; i < len(msgs); i++ {
		prods[i].Multiply(&prods[i-1], &zs[i])
	}
	var inv, zInv field.Element
	inv.Invert(&prods[len(msgs)-1]) // 1/p_last
	for i := len(msgs) - 1; i >= 0; i-- {
		if i > 0 {
			zInv.Multiply(&inv, &prods[i-1])
			inv.Multiply(&inv, &zs[i]) // 1/p_{i-1}
		} else {
			zInv.Set(&inv)
		}
		xs[i].Multiply(&xs[i], &zInv)
		ys[i].Multiply(&ys[i], &zInv)
	}

	var k, S edwards25519.Scalar
	for i, m := range msgs {
		sig := &out[i]
		copy(sig[:32], ys[i].Bytes())
		sig[31] |= byte(xs[i].IsNegative() << 7)
		d.Reset()
		d.Write(sig[:32])
		d.Write(pub)
		d.Write(m)
		if _, err := k.SetUniformBytes(d.Sum(digest[:0])); err != nil {
			panic("ed25519: internal error: setting scalar failed")
		}
		S.MultiplyAdd(&k, s, &rs[i])
		copy(sig[32:], S.Bytes())
	}
	return out
}
