package jose

import (
	"crypto/ed25519"
	"encoding/base64"
)

// RawEd25519 returns p's Ed25519 public key, or false if p is not an EdDSA
// key. Formats that are not JOSE (the COSE pass of package pass, C2SP
// signed notes of package tiles) verify with it; the key still comes only
// from a pinned set.
func (p PublicKey) RawEd25519() (ed25519.PublicKey, bool) {
	pub, ok := p.key.(ed25519.PublicKey)
	if !ok || p.Alg != EdDSA {
		return nil, false
	}
	return pub, true
}

// ShortKID is the first n bytes of a key's RFC 7638 thumbprint (the kid
// decoded from base64url), the short key id compact formats carry; nil when
// kid is not a thumbprint of at least n bytes.
func ShortKID(kid string, n int) []byte {
	b, err := base64.RawURLEncoding.DecodeString(kid)
	if err != nil || len(b) < n || n <= 0 {
		return nil
	}
	return b[:n]
}

// Ed25519PublicKey returns the EdDSA public key pub with its RFC 7638
// thumbprint as kid and no status.
func Ed25519PublicKey(pub ed25519.PublicKey) PublicKey {
	p := PublicKey{Alg: EdDSA, key: pub}
	p.KID = thumbprint(p)
	return p
}
