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

	"github.com/corfed/corfed/registry/jose"
)

// KeyUse is the "use" of the webhook key in the node's JWKS. registry/jose
// refuses to load a key with this use as an entry key.
const KeyUse = jose.WebhookKeyUse

// KeyFile is the webhook key's file in the node's data directory.
const KeyFile = "webhook-key.json"

// Key is the node's webhook signing key.
type Key struct {
	priv ed25519.PrivateKey
	KID  string // RFC 7638 thumbprint of the public JWK
}

type keyFile struct {
	Use  string `json:"use"`
	Seed string `json:"seed"` // base64 of the 32-byte Ed25519 seed
}

// LoadOrCreateKey reads the webhook key in dir, creating it (mode 0600)
// when there is none.
func LoadOrCreateKey(dir string) (*Key, error) {
	path := filepath.Join(dir, KeyFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		seed := make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return nil, err
		}
		out, _ := json.Marshal(keyFile{Use: KeyUse, Seed: base64.StdEncoding.EncodeToString(seed)})
		if err := os.WriteFile(path, append(out, '\n'), 0o600); err != nil {
			return nil, err
		}
		return NewKey(ed25519.NewKeyFromSeed(seed)), nil
	}
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil || kf.Use != KeyUse {
		return nil, fmt.Errorf("%s: not a webhook key file", path)
	}
	seed, err := base64.StdEncoding.DecodeString(kf.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("%s: bad seed", path)
	}
	return NewKey(ed25519.NewKeyFromSeed(seed)), nil
}

// NewKey wraps an Ed25519 private key.
func NewKey(priv ed25519.PrivateKey) *Key {
	k := &Key{priv: priv}
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

// JWK is the public key as published in the JWKS.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	KID string `json:"kid"`
	Alg string `json:"alg"`
	Use string `json:"use"`
}

// JWK returns the public JWK: "use" is KeyUse, never "sig".
func (k *Key) JWK() JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: k.x(), KID: k.KID, Alg: "EdDSA", Use: KeyUse}
}

// WHPK is the public key in Standard Webhooks' serialisation: "whpk_" and
// the standard base64 of the 32 bytes.
func (k *Key) WHPK() string { return "whpk_" + base64.StdEncoding.EncodeToString(k.Public()) }

// Sign returns the webhook-signature header value for a message.
func (k *Key) Sign(id string, ts int64, body []byte) string {
	msg := make([]byte, 0, len(id)+len(body)+22)
	msg = append(msg, id...)
	msg = append(msg, '.')
	msg = strconv.AppendInt(msg, ts, 10)
	msg = append(msg, '.')
	msg = append(msg, body...)
	return "v1a," + base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, msg))
}
