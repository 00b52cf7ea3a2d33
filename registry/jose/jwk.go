package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
)

// Signature algorithms. No other value of "alg" is ever accepted.
const (
	EdDSA = "EdDSA" // Ed25519, the default
	ES256 = "ES256" // ECDSA over P-256 with SHA-256
)

// Key status values, published in a JWKS as the extra member "status".
// Status is informational for verifiers: a retired key still verifies the
// signatures it made before rotation.
const (
	StatusActive  = "active"
	StatusRetired = "retired"
)

// Limits on key sets read from peers.
const (
	MaxJWKSSize = 256 << 10 // bytes of a JWKS or single JWK
	MaxJWKSKeys = 64        // keys in one JWKS
)

// The JWK members a public key may carry. Anything else, private members
// included, is rejected.
var publicMembers = []string{"kty", "crv", "x", "y", "kid", "alg", "use", "status", "iat"}

// privateMembers are named in errors so that an operator who publishes a
// private key by mistake is told so plainly.
var privateMembers = []string{"d", "p", "q", "dp", "dq", "qi", "oth", "k"}

// PublicKey is a pinned verification key. Build one with [ParsePublicJWK],
// [Key.Public] or [ParseJWKS]; a PublicKey literal has no key material and
// verifies nothing.
type PublicKey struct {
	KID    string // RFC 7638 JWK thumbprint (SHA-256, base64url)
	Alg    string // EdDSA or ES256
	Status string // StatusActive, StatusRetired, or "" when the JWKS did not say

	key crypto.PublicKey // ed25519.PublicKey or *ecdsa.PublicKey
}

// jwkJSON is the JSON shape of a JWK, public or private, in the member
// order this package writes.
type jwkJSON struct {
	Kty    string `json:"kty"`
	Crv    string `json:"crv"`
	X      string `json:"x"`
	Y      string `json:"y,omitempty"`
	D      string `json:"d,omitempty"`
	KID    string `json:"kid"`
	Alg    string `json:"alg"`
	Use    string `json:"use"`
	Status string `json:"status,omitempty"`
	IAT    *int64 `json:"iat,omitempty"`
}

// jwk returns the public members of p's JWK.
func (p PublicKey) jwk() (jwkJSON, error) {
	var j jwkJSON
	switch pub := p.key.(type) {
	case ed25519.PublicKey:
		j = jwkJSON{Kty: "OKP", Crv: "Ed25519", X: b64.EncodeToString(pub)}
	case *ecdsa.PublicKey:
		raw, err := pub.Bytes() // 0x04 || X || Y
		if err != nil || len(raw) != 65 {
			return jwkJSON{}, fmt.Errorf("jwk %q: bad P-256 key", clip(p.KID))
		}
		j = jwkJSON{Kty: "EC", Crv: "P-256", X: b64.EncodeToString(raw[1:33]), Y: b64.EncodeToString(raw[33:])}
	default:
		return jwkJSON{}, fmt.Errorf("jwk %q: no key material", clip(p.KID))
	}
	j.KID, j.Alg, j.Use, j.Status = p.KID, p.Alg, "sig", p.Status
	return j, nil
}

// JWK returns p as a public JWK: kty, crv, x, (y), kid, alg, use "sig" and,
// when set, status.
func (p PublicKey) JWK() ([]byte, error) {
	j, err := p.jwk()
	if err != nil {
		return nil, err
	}
	return json.Marshal(j)
}

// Equal reports whether p and q are the same key with the same kid and
// algorithm (status aside).
func (p PublicKey) Equal(q PublicKey) bool {
	if p.KID != q.KID || p.Alg != q.Alg {
		return false
	}
	switch pub := p.key.(type) {
	case ed25519.PublicKey:
		return pub.Equal(q.key)
	case *ecdsa.PublicKey:
		return pub.Equal(q.key)
	}
	return false
}

// ParsePublicJWK parses one public JWK strictly: at most MaxJWKSSize bytes;
// "kid" present and equal to the key's RFC 7638 thumbprint; "alg" EdDSA
// (with kty OKP, crv Ed25519) or ES256 (kty EC, crv P-256, a point on the
// curve); "use" absent or "sig"; "status" absent, active or retired; no
// private or unknown members; no duplicate members. Errors wrap
// registry.ErrInvalid.
func ParsePublicJWK(data []byte) (PublicKey, error) {
	if len(data) > MaxJWKSSize {
		return PublicKey{}, invalidf("jwk: %d bytes, at most %d allowed", len(data), MaxJWKSSize)
	}
	p, _, _, err := parseJWK(data, false)
	return p, err
}

// parseJWK parses a JWK; with private set it also returns the private
// member "d" (required) and "iat" (required), for the keyring file.
func parseJWK(data []byte, private bool) (p PublicKey, d []byte, iat int64, err error) {
	fail := func(format string, args ...any) (PublicKey, []byte, int64, error) {
		return PublicKey{}, nil, 0, invalidf("jwk: "+format, args...)
	}
	m, err := decodeObject(data)
	if err != nil {
		return fail("%v", err)
	}
	for _, name := range privateMembers {
		if _, ok := m[name]; ok && !(private && name == "d") {
			return fail("private member %q in a public key", name)
		}
	}
	allowed := publicMembers
	if private {
		allowed = append(slices.Clip(allowed), "d")
	}
	if err := onlyMembers(m, allowed...); err != nil {
		return fail("%v", err)
	}
	var j jwkJSON
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"kty", &j.Kty}, {"crv", &j.Crv}, {"x", &j.X}, {"y", &j.Y}, {"d", &j.D},
		{"kid", &j.KID}, {"alg", &j.Alg}, {"use", &j.Use}, {"status", &j.Status},
	} {
		s, _, err := stringMember(m, f.name)
		if err != nil {
			return fail("%v", err)
		}
		*f.dst = s
	}
	iat, hasIAT, err := intMember(m, "iat")
	if err != nil {
		return fail("%v", err)
	}
	if j.KID == "" {
		return fail("missing kid")
	}
	kid := clip(j.KID)
	if _, ok := m["use"]; ok && j.Use != "sig" {
		return fail("key %q: use %q, want \"sig\"", kid, clip(j.Use))
	}
	switch j.Status {
	case "", StatusActive, StatusRetired:
	default:
		return fail("key %q: unknown status %q", kid, clip(j.Status))
	}
	if _, ok := m["status"]; ok && j.Status == "" {
		return fail("key %q: empty status", kid)
	}

	var pub crypto.PublicKey
	switch j.Alg {
	case EdDSA:
		if j.Kty != "OKP" || j.Crv != "Ed25519" {
			return fail("key %q: alg EdDSA needs kty OKP and crv Ed25519, got %q and %q", kid, clip(j.Kty), clip(j.Crv))
		}
		if _, ok := m["y"]; ok {
			return fail("key %q: member y in an OKP key", kid)
		}
		x, err := decodeB64(j.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return fail("key %q: x is not a base64url Ed25519 public key", kid)
		}
		pub = ed25519.PublicKey(x)
	case ES256:
		if j.Kty != "EC" || j.Crv != "P-256" {
			return fail("key %q: alg ES256 needs kty EC and crv P-256, got %q and %q", kid, clip(j.Kty), clip(j.Crv))
		}
		x, errX := decodeB64(j.X)
		y, errY := decodeB64(j.Y)
		if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
			return fail("key %q: x and y must be 32-byte base64url coordinates", kid)
		}
		ec, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), slices.Concat([]byte{4}, x, y))
		if err != nil {
			return fail("key %q: not a point on P-256", kid)
		}
		pub = ec
	case "":
		return fail("key %q: missing alg", kid)
	default:
		return fail("key %q: alg %q not allowed", kid, clip(j.Alg))
	}
	p = PublicKey{KID: j.KID, Alg: j.Alg, Status: j.Status, key: pub}
	if want := thumbprint(p); j.KID != want {
		return fail("key %q: kid is not the key's RFC 7638 thumbprint %q", kid, want)
	}
	if !private {
		return p, nil, iat, nil
	}
	if !hasIAT {
		return fail("key %q: missing iat", kid)
	}
	if d, err = decodeB64(j.D); err != nil || len(d) != 32 {
		return fail("key %q: d is not a 32-byte base64url private key", kid)
	}
	return p, d, iat, nil
}

// thumbprint returns the RFC 7638 SHA-256 thumbprint of p's key, base64url
// encoded: the hash of the required members in lexicographic order, no
// whitespace (RFC 8037 §2 for OKP).
func thumbprint(p PublicKey) string {
	j, err := p.jwk()
	if err != nil {
		return ""
	}
	var s string
	switch j.Kty {
	case "OKP":
		s = `{"crv":"` + j.Crv + `","kty":"OKP","x":"` + j.X + `"}`
	case "EC":
		s = `{"crv":"` + j.Crv + `","kty":"EC","x":"` + j.X + `","y":"` + j.Y + `"}`
	}
	sum := sha256.Sum256([]byte(s))
	return b64.EncodeToString(sum[:])
}

// KeySet is an immutable set of public keys trusted for one signer (one
// node, one jurisdiction). Its methods are safe for concurrent use. A nil
// *KeySet is empty.
type KeySet struct {
	keys  []PublicKey // insertion order
	byKID map[string]int
}

// NewKeySet returns a set of keys. Keys are added as by [KeySet.With].
func NewKeySet(keys ...PublicKey) *KeySet {
	var empty *KeySet
	return empty.With(keys...)
}

// With returns a new set holding s's keys and then keys; s is unchanged.
// It is how a peer's rotation is absorbed. A key whose kid is already in
// the set replaces that entry (keeping its position) only if the key
// material and algorithm are equal, which updates its status; a different
// key under a known kid is dropped, since a pinned kid never changes its
// key. (Kids are thumbprints, so that only happens with hand-built
// PublicKey values.) Keys without key material are dropped.
func (s *KeySet) With(keys ...PublicKey) *KeySet {
	n := &KeySet{byKID: make(map[string]int)}
	if s != nil {
		n.keys = slices.Clone(s.keys)
		for i, k := range n.keys {
			n.byKID[k.KID] = i
		}
	}
	for _, k := range keys {
		if k.key == nil || k.KID == "" {
			continue
		}
		if i, ok := n.byKID[k.KID]; ok {
			if n.keys[i].Equal(k) {
				n.keys[i] = k
			}
			continue
		}
		n.byKID[k.KID] = len(n.keys)
		n.keys = append(n.keys, k)
	}
	return n
}

// Lookup returns the key with the given kid.
func (s *KeySet) Lookup(kid string) (PublicKey, bool) {
	if s == nil {
		return PublicKey{}, false
	}
	i, ok := s.byKID[kid]
	if !ok {
		return PublicKey{}, false
	}
	return s.keys[i], true
}

// Keys returns the keys in insertion order. The slice is a copy.
func (s *KeySet) Keys() []PublicKey {
	if s == nil {
		return nil
	}
	return slices.Clone(s.keys)
}

// Len returns the number of keys in the set.
func (s *KeySet) Len() int {
	if s == nil {
		return 0
	}
	return len(s.keys)
}

// MarshalJWKS returns the set as a JWKS, {"keys":[...]}, keys in insertion
// order, each as [PublicKey.JWK] writes it.
func (s *KeySet) MarshalJWKS() ([]byte, error) {
	set := struct {
		Keys []jwkJSON `json:"keys"`
	}{Keys: []jwkJSON{}}
	for _, k := range s.Keys() {
		j, err := k.jwk()
		if err != nil {
			return nil, err
		}
		set.Keys = append(set.Keys, j)
	}
	return json.Marshal(set)
}

// ParseJWKS parses a JWKS strictly: at most MaxJWKSSize bytes, a JSON
// object whose only member is "keys", at most MaxJWKSKeys keys, each as
// [ParsePublicJWK] requires, and no kid twice. A key whose "use" is
// WebhookKeyUse is skipped: it signs webhooks, never entries. Errors wrap
// registry.ErrInvalid.
func ParseJWKS(data []byte) (*KeySet, error) {
	keys, err := parseKeys(data, MaxJWKSSize, false, func(p PublicKey, _ []byte, _ int64) error { return nil })
	if err != nil {
		return nil, err
	}
	return NewKeySet(keys...), nil
}

// parseKeys parses the {"keys":[...]} envelope shared by JWKS and the
// keyring file, calling each for every key after the strict checks.
func parseKeys(data []byte, max int, private bool, each func(PublicKey, []byte, int64) error) ([]PublicKey, error) {
	if len(data) > max {
		return nil, invalidf("jwks: %d bytes, at most %d allowed", len(data), max)
	}
	m, err := decodeObject(data)
	if err != nil {
		return nil, invalidf("jwks: %v", err)
	}
	if err := onlyMembers(m, "keys"); err != nil {
		return nil, invalidf("jwks: %v", err)
	}
	raw, ok := m["keys"]
	if !ok {
		return nil, invalidf("jwks: missing keys")
	}
	elems, err := decodeArray(raw, MaxJWKSKeys)
	if err != nil {
		return nil, invalidf("jwks: keys: %v", err)
	}
	keys := make([]PublicKey, 0, len(elems))
	seen := make(map[string]bool, len(elems))
	for i, e := range elems {
		if !private && isWebhookKey(e) {
			continue // never an entry key: not loaded, so never pinned
		}
		p, d, iat, err := parseJWK(e, private)
		if err != nil {
			return nil, fmt.Errorf("jwks: key %d: %w", i, err)
		}
		if seen[p.KID] {
			return nil, invalidf("jwks: duplicate kid %q", clip(p.KID))
		}
		seen[p.KID] = true
		if err := each(p, d, iat); err != nil {
			return nil, err
		}
		keys = append(keys, p)
	}
	return keys, nil
}

// WebhookKeyUse is the "use" of a node's webhook signing key in its
// published JWKS (package webhook). ParseJWKS skips such a key: a peer
// that loads the node's JWKS as its pinned entry keys never pins it, so an
// entry signed with it never verifies.
const WebhookKeyUse = "corfed-webhook"

func isWebhookKey(e []byte) bool {
	m, err := decodeObject(e)
	if err != nil {
		return false
	}
	use, _, err := stringMember(m, "use")
	return err == nil && use == WebhookKeyUse
}
