package jose

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/atomicfile"
)

// Key is a private signing key with its metadata.
type Key struct {
	KID     string    // RFC 7638 JWK thumbprint (SHA-256, base64url), computed at generation
	Alg     string    // EdDSA or ES256
	Status  string    // StatusActive or StatusRetired
	Created time.Time // whole seconds, UTC (it is stored as "iat")

	signer crypto.Signer // ed25519.PrivateKey or *ecdsa.PrivateKey
	hdrs   *headerCache  // encoded EdDSA protected headers; nil in a Key literal (no caching)
}

// GenerateKey returns a new active key for alg (EdDSA or ES256) created at
// now, truncated to the second.
func GenerateKey(alg string, now time.Time) (*Key, error) {
	var signer crypto.Signer
	switch alg {
	case EdDSA:
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %v", alg, err)
		}
		signer = priv
	case ES256:
		priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("generate %s key: %v", alg, err)
		}
		signer = priv
	default:
		return nil, invalidf("generate key: alg %q not supported", clip(alg))
	}
	return newKey(alg, signer, StatusActive, time.Unix(now.Unix(), 0).UTC()), nil
}

func newKey(alg string, signer crypto.Signer, status string, created time.Time) *Key {
	k := &Key{Alg: alg, Status: status, Created: created, signer: signer, hdrs: &headerCache{}}
	k.KID = thumbprint(PublicKey{Alg: alg, key: publicOf(signer)})
	return k
}

// publicOf returns the public half of an ed25519 or ecdsa signer.
func publicOf(signer crypto.Signer) crypto.PublicKey {
	switch priv := signer.(type) {
	case ed25519.PrivateKey:
		return priv.Public().(ed25519.PublicKey)
	case *ecdsa.PrivateKey:
		return &priv.PublicKey
	}
	return nil
}

// Public returns the verification half of k, with k's kid, alg and status.
func (k *Key) Public() PublicKey {
	return PublicKey{KID: k.KID, Alg: k.Alg, Status: k.Status, key: publicOf(k.signer)}
}

// RawEd25519 returns k's Ed25519 private key, for benchmarks and checkpoint
// signing, or false if k is not an EdDSA key.
func (k *Key) RawEd25519() (ed25519.PrivateKey, bool) {
	priv, ok := k.signer.(ed25519.PrivateKey)
	if !ok || k.Alg != EdDSA {
		return nil, false
	}
	return priv, true
}

// Sign returns a compact JWS of payload whose protected header is exactly
// {"alg","kid","typ"} (typ omitted when empty). There is no unprotected
// header. The payload must not be empty.
//
// EdDSA tokens are assembled here (see signEdDSA): the same bytes jwx
// produced, at the cost of ed25519.Sign alone. ES256 goes through jwx with
// the raw private key, not a jwk.Key: that is about 1.6 times faster, and
// the kid comes from our header, not from the key.
func (k *Key) Sign(payload []byte, typ string) (string, error) {
	if k == nil || k.signer == nil {
		return "", errors.New("jws: sign: key has no private key material")
	}
	if len(payload) == 0 {
		return "", invalidf("jws: sign: empty payload")
	}
	if priv, ok := k.signer.(ed25519.PrivateKey); ok && k.Alg == EdDSA {
		return k.signEdDSA(priv, payload, typ)
	}
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.KeyIDKey, k.KID); err != nil {
		return "", fmt.Errorf("jws: sign: %v", err)
	}
	if typ != "" {
		if err := hdr.Set(jws.TypeKey, typ); err != nil {
			return "", fmt.Errorf("jws: sign: %v", err)
		}
	}
	out, err := jws.Sign(payload, jws.WithKey(jwa.SignatureAlgorithm(k.Alg), k.signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("jws: sign with key %s: %v", k.KID, err)
	}
	if k.Alg == ES256 {
		return lowS(string(out))
	}
	return string(out), nil
}

// p256HalfN is half the order of P-256's group.
var p256HalfN = new(big.Int).Rsh(elliptic.P256().Params().N, 1)

// lowS returns compact ES256 JWS token with its signature's s in the lower
// half of the group order (s, or n - s: both verify). An ECDSA signature
// is malleable: anyone can turn (r, s) into (r, n - s), which still
// verifies, and in a log whose leaves are the JWS bytes that is another
// leaf. Signing low-S, and refusing high-S (highS), leaves one form.
func lowS(token string) (string, error) {
	i := strings.LastIndexByte(token, '.')
	sig, err := b64.DecodeString(token[i+1:])
	if err != nil || len(sig) != 64 {
		return "", fmt.Errorf("jws: sign: ES256 signature of %d bytes", len(sig))
	}
	s := new(big.Int).SetBytes(sig[32:])
	if s.Cmp(p256HalfN) <= 0 {
		return token, nil
	}
	s.Sub(elliptic.P256().Params().N, s)
	s.FillBytes(sig[32:])
	return token[:i+1] + b64.EncodeToString(sig), nil
}

// highS reports whether an ES256 signature (r || s, 64 bytes) has s in
// the upper half of the group order: the malleated form of a signature
// Sign makes, refused by verification.
func highS(sig []byte) bool {
	return len(sig) != 64 || new(big.Int).SetBytes(sig[32:]).Cmp(p256HalfN) > 0
}

// signEdDSA builds the compact JWS by hand (RFC 7515 §7.1, RFC 8037 §3.1):
// BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(Ed25519 signature
// over the two first segments, as ASCII). The encoded header is cached per
// (kid, typ).
func (k *Key) signEdDSA(priv ed25519.PrivateKey, payload []byte, typ string) (string, error) {
	buf, err := k.appendEdDSA(nil, priv, payload, typ)
	if err != nil {
		return "", err
	}
	return string(buf), nil
}

// appendEdDSA appends the compact JWS signEdDSA makes to dst, growing it
// once.
func (k *Key) appendEdDSA(dst []byte, priv ed25519.PrivateKey, payload []byte, typ string) ([]byte, error) {
	hdr, err := k.hdrs.get(k.KID, typ)
	if err != nil {
		return dst, fmt.Errorf("jws: sign with key %s: %v", k.KID, err)
	}
	start := len(dst)
	dst = slices.Grow(dst, len(hdr)+2+b64.EncodedLen(len(payload))+b64.EncodedLen(ed25519.SignatureSize))
	dst = append(append(dst, hdr...), '.')
	dst = b64.AppendEncode(dst, payload)
	sig := ed25519.Sign(priv, dst[start:])
	return b64.AppendEncode(append(dst, '.'), sig), nil
}

// AppendSign appends to dst the compact JWS that Sign returns and returns
// the extended slice: for a caller that writes the JWS inside a larger
// buffer (a recognition answer carries its proof), without Sign's copies.
func (k *Key) AppendSign(dst, payload []byte, typ string) ([]byte, error) {
	if k != nil && len(payload) > 0 && k.Alg == EdDSA {
		if priv, ok := k.signer.(ed25519.PrivateKey); ok {
			return k.appendEdDSA(dst, priv, payload, typ)
		}
	}
	s, err := k.Sign(payload, typ)
	if err != nil {
		return dst, err
	}
	return append(dst, s...), nil
}

// SignMany returns what Sign returns for each of payloads, in order, or
// the first error. An EdDSA key signs them as one batch (edSignMany: a
// field inversion for the batch where Sign takes one per signature), so a
// caller with several payloads to sign at once (the write pipeline's
// signing workers) spends less per signature.
func (k *Key) SignMany(payloads [][]byte, typ string) ([]string, error) {
	out := make([]string, len(payloads))
	var priv ed25519.PrivateKey
	ok := false
	if k != nil {
		priv, ok = k.RawEd25519()
	}
	if !ok || len(payloads) < 2 {
		for i, p := range payloads {
			var err error
			if out[i], err = k.Sign(p, typ); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	hdr, err := k.hdrs.get(k.KID, typ)
	if err != nil {
		return nil, fmt.Errorf("jws: sign with key %s: %v", k.KID, err)
	}
	sigB64 := b64.EncodedLen(ed25519.SignatureSize)
	inputs := make([][]byte, len(payloads))
	for i, p := range payloads {
		if len(p) == 0 {
			return nil, invalidf("jws: sign: empty payload")
		}
		b := make([]byte, 0, len(hdr)+2+b64.EncodedLen(len(p))+sigB64)
		inputs[i] = b64.AppendEncode(append(append(b, hdr...), '.'), p)
	}
	for i, sig := range edSignMany(priv, inputs) {
		out[i] = string(b64.AppendEncode(append(inputs[i], '.'), sig[:]))
	}
	return out, nil
}

// edDSAHeader returns the base64url protected header of an EdDSA JWS, the
// bytes jwx wrote: members in this order, values as encoding/json writes
// strings (HTML characters escaped, as jwx does), typ omitted when empty.
func edDSAHeader(kid, typ string) (string, error) {
	k, err := json.Marshal(kid)
	if err != nil {
		return "", err
	}
	h := append([]byte(`{"alg":"EdDSA","kid":`), k...)
	if typ != "" {
		t, err := json.Marshal(typ)
		if err != nil {
			return "", err
		}
		h = append(append(h, `,"typ":`...), t...)
	}
	h = append(h, '}')
	return b64.EncodeToString(h), nil
}

// headerCache holds the encoded EdDSA headers of one key. It keeps at most
// maxCachedHeaders of them (a node signs with three or four typs); past
// that, headers are encoded on every call.
type headerCache struct {
	m sync.Map // headerKey -> string
	n atomic.Int32
}

type headerKey struct{ kid, typ string }

const maxCachedHeaders = 16

func (c *headerCache) get(kid, typ string) (string, error) {
	if c == nil {
		return edDSAHeader(kid, typ)
	}
	hk := headerKey{kid, typ}
	if v, ok := c.m.Load(hk); ok {
		return v.(string), nil
	}
	h, err := edDSAHeader(kid, typ)
	if err != nil {
		return "", err
	}
	if c.n.Load() < maxCachedHeaders && c.n.Add(1) <= maxCachedHeaders {
		c.m.Store(hk, h)
	}
	return h, nil
}

// SignJWT marshals claims (a struct or map; it must encode as a JSON
// object) and signs them with typ "JWT". [KeySet.VerifyJWT] requires an
// "exp" claim.
func (k *Key) SignJWT(claims any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwt: marshal claims: %v", err)
	}
	if len(payload) == 0 || payload[0] != '{' {
		return "", invalidf("jwt: claims must encode as a JSON object")
	}
	return k.Sign(payload, "JWT")
}

// Keyring is a node's set of private keys: exactly one active, any number
// retired, in creation order. The zero Keyring is empty; Rotate gives it
// its first key.
//
// A Keyring does no locking: Rotate changes the Status of a Key that
// another goroutine may be reading through Active, so callers that rotate
// while serving must hold their own lock (or swap in a new *Keyring).
// Signing with a *Key is safe for concurrent use.
type Keyring struct {
	Keys []*Key
}

// MaxKeyringSize bounds the keyring file LoadKeyring reads.
const MaxKeyringSize = 1 << 20

// LoadKeyring reads a keyring file written by [Keyring.Save]. If the file
// does not exist the error wraps both registry.ErrNotFound and
// fs.ErrNotExist; a malformed file (including one without exactly one
// active key) wraps registry.ErrInvalid.
func LoadKeyring(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("keyring %s: %w: %w", path, registry.ErrNotFound, err)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxKeyringSize+1))
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	r := &Keyring{}
	_, err = parseKeys(data, MaxKeyringSize, true, func(p PublicKey, d []byte, iat int64) error {
		if p.Status == "" {
			return invalidf("key %s: missing status", p.KID)
		}
		var signer crypto.Signer
		switch p.Alg {
		case EdDSA:
			priv := ed25519.NewKeyFromSeed(d)
			if !p.key.(ed25519.PublicKey).Equal(priv.Public()) {
				return invalidf("key %s: d does not match x", p.KID)
			}
			signer = priv
		case ES256:
			priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
			if err != nil {
				return invalidf("key %s: d: %v", p.KID, err)
			}
			if !p.key.(*ecdsa.PublicKey).Equal(&priv.PublicKey) {
				return invalidf("key %s: d does not match x and y", p.KID)
			}
			signer = priv
		}
		r.Keys = append(r.Keys, newKey(p.Alg, signer, p.Status, time.Unix(iat, 0).UTC()))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	if err := r.check(); err != nil {
		return nil, fmt.Errorf("keyring %s: %w", path, err)
	}
	return r, nil
}

// check enforces the keyring's invariants: every key usable, kids unique,
// exactly one active.
func (r *Keyring) check() error {
	active := 0
	seen := make(map[string]bool, len(r.Keys))
	for _, k := range r.Keys {
		if k == nil || k.signer == nil || publicOf(k.signer) == nil {
			return invalidf("key without private key material")
		}
		if seen[k.KID] {
			return invalidf("duplicate kid %s", k.KID)
		}
		seen[k.KID] = true
		switch k.Status {
		case StatusActive:
			active++
		case StatusRetired:
		default:
			return invalidf("key %s: status %q", k.KID, clip(k.Status))
		}
	}
	if active != 1 {
		return invalidf("%d active keys, want exactly 1", active)
	}
	return nil
}

// Save writes the keyring to path as a JWKS with private members ("d") and
// "status" and "iat" on every key. The file has mode 0600 and is replaced
// atomically: written to a temporary file in the same directory, synced,
// then renamed over path. Save refuses a keyring LoadKeyring would refuse.
func (r *Keyring) Save(path string) error {
	if err := r.check(); err != nil {
		return fmt.Errorf("keyring %s: %w", path, err)
	}
	set := struct {
		Keys []jwkJSON `json:"keys"`
	}{}
	for _, k := range r.Keys {
		j, err := k.Public().jwk()
		if err != nil {
			return fmt.Errorf("keyring %s: %w", path, err)
		}
		switch priv := k.signer.(type) {
		case ed25519.PrivateKey:
			j.D = b64.EncodeToString(priv.Seed())
		case *ecdsa.PrivateKey:
			d, err := priv.Bytes()
			if err != nil {
				return fmt.Errorf("keyring %s: key %s: %v", path, k.KID, err)
			}
			j.D = b64.EncodeToString(d)
		}
		iat := k.Created.Unix()
		j.IAT = &iat
		set.Keys = append(set.Keys, j)
	}
	data, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		return fmt.Errorf("keyring %s: %v", path, err)
	}
	data = append(data, '\n')

	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("keyring %s: %w", path, err)
	}
	// Make the rename durable. Not every platform can sync a directory.
	_ = atomicfile.SyncDir(filepath.Dir(path))
	return nil
}

// Rotate generates a new key for alg created at now, makes it the active
// key and retires the previously active one. On an empty keyring it
// creates the first key.
func (r *Keyring) Rotate(alg string, now time.Time) (*Key, error) {
	k, err := GenerateKey(alg, now)
	if err != nil {
		return nil, err
	}
	for _, old := range r.Keys {
		if old.Status == StatusActive {
			old.Status = StatusRetired
		}
	}
	r.Keys = append(r.Keys, k)
	return k, nil
}

// Active returns the active key, or nil if there is none.
func (r *Keyring) Active() *Key {
	for _, k := range r.Keys {
		if k.Status == StatusActive {
			return k
		}
	}
	return nil
}

// PublicSet returns the public halves of all keys, with their status, in
// keyring order: what the node publishes as its JWKS.
func (r *Keyring) PublicSet() *KeySet {
	keys := make([]PublicKey, 0, len(r.Keys))
	for _, k := range r.Keys {
		keys = append(keys, k.Public())
	}
	return NewKeySet(keys...)
}
