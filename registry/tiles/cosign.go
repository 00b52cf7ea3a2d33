package tiles

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/corfed/corfed/registry"
)

// algCosignature is the signed-note signature type of a C2SP
// tlog-cosignature/v1 Ed25519 cosignature.
const algCosignature = 4

// Cosigner makes C2SP tlog-cosignature/v1 (Ed25519) cosignatures: a
// signature by a mirror or witness on a log's checkpoint, stating that, as
// of its timestamp, this is the largest consistent tree it has seen. It is
// a note.Signer: note.Sign appends its signature line.
//
// The signed message is "cosignature/v1\ntime <unix seconds>\n" followed by
// the checkpoint's body; the signature is the timestamp (big-endian uint64)
// and the 64-byte Ed25519 signature; the key ID is SHA-256(name || "\n" ||
// 0x04 || public key)[:4].
type Cosigner struct {
	name string
	priv ed25519.PrivateKey
	hash uint32
	now  func() time.Time
}

// NewCosigner returns the cosigner name (a schema-less URL or other
// name without spaces or "+") with key priv, stamping signatures with
// now (nil: time.Now).
func NewCosigner(name string, priv ed25519.PrivateKey, now func() time.Time) (*Cosigner, error) {
	if name == "" || strings.ContainsAny(name, " +\n") {
		return nil, fmt.Errorf("cosigner name %q: want a name without space or +: %w", clip(name), registry.ErrInvalid)
	}
	if now == nil {
		now = time.Now
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &Cosigner{name: name, priv: priv, hash: keyID(name, algCosignature, pub), now: now}, nil
}

func (c *Cosigner) Name() string    { return c.name }
func (c *Cosigner) KeyHash() uint32 { return c.hash }

// Sign returns the timestamped signature of msg, a checkpoint body.
func (c *Cosigner) Sign(msg []byte) ([]byte, error) {
	t := uint64(c.now().Unix())
	sig := ed25519.Sign(c.priv, cosignedMessage(t, msg))
	return append(binary.BigEndian.AppendUint64(nil, t), sig...), nil
}

// VerifierKey returns the cosigner's vkey: name+keyID+base64(0x04 || key),
// which NewCosignatureVerifier reads.
func (c *Cosigner) VerifierKey() string {
	pub := c.priv.Public().(ed25519.PublicKey)
	return fmt.Sprintf("%s+%08x+%s", c.name, c.hash, base64.StdEncoding.EncodeToString(append([]byte{algCosignature}, pub...)))
}

func cosignedMessage(t uint64, body []byte) []byte {
	m := make([]byte, 0, 40+len(body))
	m = append(m, "cosignature/v1\ntime "...)
	m = strconv.AppendUint(m, t, 10)
	m = append(m, '\n')
	return append(m, body...)
}

// CosignatureVerifier checks tlog-cosignature/v1 Ed25519 cosignatures. It
// is a note.Verifier.
type CosignatureVerifier struct {
	name string
	hash uint32
	pub  ed25519.PublicKey
}

// NewCosignatureVerifier parses a cosigner's vkey (see
// Cosigner.VerifierKey). Errors wrap registry.ErrInvalid.
func NewCosignatureVerifier(vkey string) (*CosignatureVerifier, error) {
	name, rest, ok1 := strings.Cut(vkey, "+")
	hexHash, b64, ok2 := strings.Cut(rest, "+")
	raw, err := base64.StdEncoding.DecodeString(b64)
	h, err2 := strconv.ParseUint(hexHash, 16, 32)
	if !ok1 || !ok2 || err != nil || err2 != nil || len(hexHash) != 8 || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algCosignature {
		return nil, fmt.Errorf("cosigner vkey %q: want name+hash+base64(0x04 || Ed25519 key): %w", clip(vkey), registry.ErrInvalid)
	}
	v := &CosignatureVerifier{name: name, hash: uint32(h), pub: ed25519.PublicKey(raw[1:])}
	if keyID(name, algCosignature, v.pub) != v.hash {
		return nil, fmt.Errorf("cosigner vkey %q: key hash does not match: %w", clip(vkey), registry.ErrInvalid)
	}
	return v, nil
}

func (v *CosignatureVerifier) Name() string    { return v.name }
func (v *CosignatureVerifier) KeyHash() uint32 { return v.hash }

// Verify reports whether sig (timestamp and signature) cosigns msg.
func (v *CosignatureVerifier) Verify(msg, sig []byte) bool {
	if len(sig) != 8+ed25519.SignatureSize {
		return false
	}
	t := binary.BigEndian.Uint64(sig)
	if t > 1<<63-1 {
		return false
	}
	return ed25519.Verify(v.pub, cosignedMessage(t, msg), sig[8:])
}

// CosignedAt returns the timestamp of sig, a cosignature note.Signature
// by v, or false if it is not one.
func (v *CosignatureVerifier) CosignedAt(s note.Signature) (time.Time, bool) {
	raw, err := base64.StdEncoding.DecodeString(s.Base64)
	if err != nil || len(raw) != 4+8+ed25519.SignatureSize || s.Name != v.name || s.Hash != v.hash {
		return time.Time{}, false
	}
	return time.Unix(int64(binary.BigEndian.Uint64(raw[4:])), 0).UTC(), true
}
