package webhook

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/atomicfile"
	"github.com/corfed/corfed/registry/jose"
)

// KeyUse is the "use" of the webhook keys in the node's JWKS. registry/jose
// refuses to load a key with this use as an entry key.
const KeyUse = jose.WebhookKeyUse

// KeyFile is the webhook keys' file in the node's data directory.
const KeyFile = "webhook-key.json"

// Webhook key statuses.
const (
	// KeyActive signs every webhook.
	KeyActive = "active"
	// KeyRetiring is the key a rotation replaced: it signs too, after the
	// active key, until its RetireAt (the overlap), so that receivers
	// pinned to it keep verifying while they re-pin. Then it neither
	// signs nor is published.
	KeyRetiring = "retiring"
)

// DefaultOverlap is how long a rotated-out key keeps signing by default.
const DefaultOverlap = 7 * 24 * time.Hour

// Key is one webhook signing key.
type Key struct {
	priv     ed25519.PrivateKey
	KID      string    // RFC 7638 thumbprint of the public JWK
	Status   string    // KeyActive or KeyRetiring
	Created  time.Time // zero for a key of the first file form
	RetireAt time.Time // KeyRetiring: the end of the overlap
}

// Keys are the node's webhook keys: one active key and, during a
// rotation's overlap, the key it replaced. Immutable: a rotation writes a
// new file, which the node reads into a new Keys.
type Keys struct {
	keys []*Key // the active key first
}

// keyFile is DATA/webhook-key.json. Its first form held one key, "seed";
// since rotation it holds "keys", the active key first.
type keyFile struct {
	Use  string    `json:"use"`
	Seed string    `json:"seed,omitempty"`
	Keys []fileKey `json:"keys,omitempty"`
}

type fileKey struct {
	Seed     string    `json:"seed"` // base64 of the 32-byte Ed25519 seed
	Status   string    `json:"status"`
	Created  time.Time `json:"created_at,omitzero"`
	RetireAt time.Time `json:"retire_at,omitzero"`
}

// LoadKeys reads the webhook keys in dir, creating the file (mode 0600)
// with one active key when there is none.
func LoadKeys(dir string) (*Keys, error) {
	ks, err := ReadKeys(dir)
	if !errors.Is(err, fs.ErrNotExist) {
		return ks, err
	}
	k, err := generateKey(time.Now())
	if err != nil {
		return nil, err
	}
	ks = &Keys{keys: []*Key{k}}
	if err := ks.save(dir); err != nil {
		return nil, err
	}
	return ks, nil
}

// LoadOrCreateKey returns the active webhook key in dir (LoadKeys).
func LoadOrCreateKey(dir string) (*Key, error) {
	ks, err := LoadKeys(dir)
	if err != nil {
		return nil, err
	}
	return ks.Active(), nil
}

// ReadKeys reads the webhook keys in dir; an error wrapping
// fs.ErrNotExist when there is no file.
func ReadKeys(dir string) (*Keys, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Use != KeyUse {
		return nil, fmt.Errorf("%s: not a webhook key file", path)
	}
	fks := kf.Keys
	if kf.Seed != "" {
		if len(fks) > 0 {
			return nil, fmt.Errorf("%s: both seed and keys", path)
		}
		fks = []fileKey{{Seed: kf.Seed, Status: KeyActive}}
	}
	ks := &Keys{}
	for i, fk := range fks {
		seed, err := base64.StdEncoding.DecodeString(fk.Seed)
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("%s: key %d: bad seed", path, i)
		}
		k := NewKey(ed25519.NewKeyFromSeed(seed))
		k.Status, k.Created, k.RetireAt = fk.Status, fk.Created, fk.RetireAt
		switch {
		case fk.Status == KeyActive && i == 0:
		case fk.Status == KeyActive:
			return nil, fmt.Errorf("%s: one active key, first", path)
		case fk.Status == KeyRetiring && i > 0 && !fk.RetireAt.IsZero():
		default:
			return nil, fmt.Errorf("%s: key %d: status %q: want the active key first, then retiring keys with retire_at", path, i, fk.Status)
		}
		ks.keys = append(ks.keys, k)
	}
	if len(ks.keys) == 0 {
		return nil, fmt.Errorf("%s: no key", path)
	}
	return ks, nil
}

// RotateKeys makes a new active key in dir's webhook key file. The key it
// replaces becomes KeyRetiring: it signs too until now+overlap, so that a
// receiver pinned to it keeps verifying while it re-pins (0: it stops at
// once). A key still retiring from an earlier rotation is refused (it
// would stop signing before its overlap ends) unless force, which drops
// it. The file is replaced atomically: a crash leaves the old file or the
// new one, never a part.
func RotateKeys(dir string, overlap time.Duration, force bool, now time.Time) (*Keys, error) {
	old, err := ReadKeys(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return LoadKeys(dir)
	}
	if err != nil {
		return nil, err
	}
	if overlap < 0 {
		return nil, fmt.Errorf("overlap %s: %w", overlap, registry.ErrInvalid)
	}
	for _, k := range old.keys[1:] {
		if k.RetireAt.After(now) && !force {
			return nil, fmt.Errorf("webhook key %s still signs until %s (the overlap of the last rotation, for receivers still pinned to it): rotate after then, or force the rotation (corfed webhook-key rotate --force) to stop it now",
				k.KID, k.RetireAt.UTC().Format(time.RFC3339))
		}
	}
	k, err := generateKey(now)
	if err != nil {
		return nil, err
	}
	ks := &Keys{keys: []*Key{k}}
	if overlap > 0 {
		prev := *old.keys[0]
		prev.Status, prev.RetireAt = KeyRetiring, now.Add(overlap).UTC().Truncate(time.Second)
		ks.keys = append(ks.keys, &prev)
	}
	if err := ks.save(dir); err != nil {
		return nil, err
	}
	return ks, nil
}

func generateKey(now time.Time) (*Key, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	k := NewKey(ed25519.NewKeyFromSeed(seed))
	k.Created = now.UTC().Truncate(time.Second)
	return k, nil
}

// save writes ks to dir's key file atomically (a temporary file, synced,
// renamed over it, and the directory synced), mode 0600.
func (ks *Keys) save(dir string) error {
	kf := keyFile{Use: KeyUse}
	for _, k := range ks.keys {
		kf.Keys = append(kf.Keys, fileKey{Seed: base64.StdEncoding.EncodeToString(k.priv.Seed()), Status: k.Status, Created: k.Created, RetireAt: k.RetireAt})
	}
	out, err := json.MarshalIndent(kf, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(filepath.Join(dir, KeyFile), append(out, '\n'), 0o600); err != nil {
		return err
	}
	_ = atomicfile.SyncDir(dir) // make the rename durable where the platform can
	return nil
}

// NewKeys returns keys holding k alone, as the active key.
func NewKeys(k *Key) *Keys {
	c := *k
	c.Status, c.RetireAt = KeyActive, time.Time{}
	return &Keys{keys: []*Key{&c}}
}

// Active returns the active key.
func (ks *Keys) Active() *Key { return ks.keys[0] }

// All returns every key of the file, the active one first.
func (ks *Keys) All() []*Key { return append([]*Key(nil), ks.keys...) }

// Signing returns the keys that sign at now: the active key, then each
// retiring key whose overlap has not ended.
func (ks *Keys) Signing(now time.Time) []*Key {
	out := []*Key{ks.keys[0]}
	for _, k := range ks.keys[1:] {
		if now.Before(k.RetireAt) {
			out = append(out, k)
		}
	}
	return out
}

// Sign returns the webhook-signature header value for a message at now:
// "v1a,<active>" and, during an overlap, " v1a,<retiring>" (Standard
// Webhooks: several signatures separated by spaces; a receiver accepts
// the message when one verifies).
func (ks *Keys) Sign(now time.Time, id string, ts int64, body []byte) string {
	var b strings.Builder
	for i, k := range ks.Signing(now) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k.Sign(id, ts, body))
	}
	return b.String()
}

// JWKs returns the keys published at now (those that sign), as JWKs.
func (ks *Keys) JWKs(now time.Time) []JWK {
	var out []JWK
	for _, k := range ks.Signing(now) {
		out = append(out, k.JWK())
	}
	return out
}

// NewKey wraps an Ed25519 private key as an active key.
func NewKey(priv ed25519.PrivateKey) *Key {
	k := &Key{priv: priv, Status: KeyActive}
	k.KID = thumbprint(k.x())
	return k
}

// Public returns the public key.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// Private returns the private key (tests sign with it to show that peers
// refuse it).
func (k *Key) Private() ed25519.PrivateKey { return k.priv }

func (k *Key) x() string { return base64.RawURLEncoding.EncodeToString(k.Public()) }

// thumbprint is the RFC 7638 thumbprint of an Ed25519 OKP key.
func thumbprint(x string) string {
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// JWK is a public webhook key as published in the JWKS.
type JWK struct {
	Kty      string    `json:"kty"`
	Crv      string    `json:"crv"`
	X        string    `json:"x"`
	KID      string    `json:"kid"`
	Alg      string    `json:"alg"`
	Use      string    `json:"use"`
	Status   string    `json:"status" enum:"active,retiring" doc:"active: signs every webhook. retiring: replaced by a rotation, it signs too (after the active key) until retire_at, then is no longer published."`
	RetireAt time.Time `json:"retire_at,omitzero" doc:"A retiring key: when it stops signing. Pin the active key before then."`
}

// JWK returns the public JWK: "use" is KeyUse, never "sig".
func (k *Key) JWK() JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: k.x(), KID: k.KID, Alg: "EdDSA", Use: KeyUse, Status: k.Status, RetireAt: k.RetireAt}
}

// WHPK is the public key in Standard Webhooks' serialisation: "whpk_" and
// the standard base64 of the 32 bytes.
func (k *Key) WHPK() string { return "whpk_" + base64.StdEncoding.EncodeToString(k.Public()) }

// Sign returns one "v1a," signature of a message with k alone.
func (k *Key) Sign(id string, ts int64, body []byte) string {
	msg := make([]byte, 0, len(id)+len(body)+22)
	msg = append(msg, id...)
	msg = append(msg, '.')
	msg = strconv.AppendInt(msg, ts, 10)
	msg = append(msg, '.')
	msg = append(msg, body...)
	return "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, msg))
}
