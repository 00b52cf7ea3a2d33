package jose

import "crypto/ed25519"

// RawEd25519 returns p's Ed25519 public key, for formats that sign with
// Ed25519 outside JOSE (C2SP signed notes), or false if p is not an EdDSA
// key.
func (p PublicKey) RawEd25519() (ed25519.PublicKey, bool) {
	pub, ok := p.key.(ed25519.PublicKey)
	if !ok || p.Alg != EdDSA {
		return nil, false
	}
	return pub, true
}

// Ed25519PublicKey returns the EdDSA public key pub with its RFC 7638
// thumbprint as kid and no status.
func Ed25519PublicKey(pub ed25519.PublicKey) PublicKey {
	p := PublicKey{Alg: EdDSA, key: pub}
	p.KID = thumbprint(p)
	return p
}
