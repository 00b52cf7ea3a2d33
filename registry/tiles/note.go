package tiles

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/strictjson"
)

// ErrNotEd25519 is returned for a key that cannot sign or verify C2SP
// signed notes: they are Ed25519 only (an ES256 node keeps its JWS
// checkpoints but cannot publish tiles until it rotates to an EdDSA key).
var ErrNotEd25519 = errors.New("signed notes need an Ed25519 (EdDSA) key")

// MaxCheckpointSize bounds a checkpoint note read from a source. C2SP
// signed-note verifiers must accept at least 16 signatures, post-quantum
// ones of nearly 5 kB each (tlog-checkpoint recommends ML-DSA-44
// cosignatures, 2,420 bytes): 16 such lines in base64 and the body fit
// in 128 KiB (x/mod's note.Open takes up to 100 signatures of any size).
const MaxCheckpointSize = 128 << 10

// MaxNoteKeySize bounds a note-key object read from a source.
const MaxNoteKeySize = 1 << 10

// ReadNoteKey reads the vkey at NoteKeyPath from src and checks that it
// is an Ed25519 note verifier key whose name is a checkpoint origin. Errors
// wrap registry.ErrNotFound (no note-key) or registry.ErrInvalid.
func ReadNoteKey(ctx context.Context, src Source) (string, error) {
	b, err := src.Get(ctx, NoteKeyPath, MaxNoteKeySize)
	if err != nil {
		return "", err
	}
	vkey := strings.TrimSuffix(string(b), "\n")
	if _, err := checkNoteKey(vkey); err != nil {
		return "", fmt.Errorf("%s: %w", NoteKeyPath, err)
	}
	return vkey, nil
}

// checkNoteKey checks that vkey is an Ed25519 note verifier key whose
// name is a checkpoint origin, and returns that name.
func checkNoteKey(vkey string) (string, error) {
	v, _, err := VerifierFromKey(vkey)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(v.Name(), logproof.OriginPrefix) || strings.ContainsFunc(v.Name(), func(r rune) bool { return r <= ' ' || r > '~' }) {
		// Printable ASCII only: the key is shown to an operator (a
		// terminal) before anything it signed is verified.
		return "", fmt.Errorf("key name %q is not a corfed log's origin: %w", clip(v.Name()), registry.ErrInvalid)
	}
	return v.Name(), nil
}

// MaxNoteKeysSize bounds a note-keys object read from a source: as many
// vkeys as a JWKS may hold keys, each well under 128 bytes.
const MaxNoteKeysSize = jose.MaxJWKSKeys * 128

// ReadNoteKeys reads the vkeys at NoteKeysPath from src (the log's
// active key first, then its retired ones) and checks each as
// ReadNoteKey does: every one an Ed25519 note verifier key of one corfed
// log origin, none twice, at most jose.MaxJWKSKeys. Errors wrap
// registry.ErrNotFound (no note-keys: a source written before they were
// published, which has only note-key) or registry.ErrInvalid.
func ReadNoteKeys(ctx context.Context, src Source) ([]string, error) {
	b, err := src.Get(ctx, NoteKeysPath, MaxNoteKeysSize)
	if err != nil {
		return nil, err
	}
	text, ok := strings.CutSuffix(string(b), "\n")
	if !ok || text == "" {
		return nil, fmt.Errorf("%s: want one vkey a line, each line ended by a line feed: %w", NoteKeysPath, registry.ErrInvalid)
	}
	vkeys := strings.Split(text, "\n")
	if len(vkeys) > jose.MaxJWKSKeys {
		return nil, fmt.Errorf("%s: %d keys, more than the %d a log may have: %w", NoteKeysPath, len(vkeys), jose.MaxJWKSKeys, registry.ErrInvalid)
	}
	var origin string
	seen := make(map[string]bool, len(vkeys))
	for i, vkey := range vkeys {
		name, err := checkNoteKey(vkey)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", NoteKeysPath, i+1, err)
		}
		switch {
		case i == 0:
			origin = name
		case name != origin:
			return nil, fmt.Errorf("%s: line %d: key of %q, but line 1's is of %q (one log's keys): %w", NoteKeysPath, i+1, name, origin, registry.ErrInvalid)
		case seen[vkey]:
			return nil, fmt.Errorf("%s: line %d: the key of an earlier line again: %w", NoteKeysPath, i+1, registry.ErrInvalid)
		}
		seen[vkey] = true
	}
	return vkeys, nil
}

// NoteKeys returns the vkeys of l's note keys under its origin, as
// published at NoteKeysPath: its active key's first, then every other
// Ed25519 key of l.PublicKeys (retired), in the key set's order. An
// active key that is not Ed25519 wraps ErrNotEd25519.
func NoteKeys(l interface {
	Origin() string
	ActiveKey() *jose.Key
	PublicKeys() *jose.KeySet
}) ([]string, error) {
	active := l.ActiveKey()
	_, vkey, err := NoteSigner(l.Origin(), active)
	if err != nil {
		return nil, err
	}
	vkeys := []string{vkey}
	for _, k := range l.PublicKeys().Keys() {
		if k.KID == active.KID {
			continue
		}
		vk, err := VerifierKey(l.Origin(), k)
		if errors.Is(err, ErrNotEd25519) {
			continue // it signed entries, never a note; --federation pins it
		}
		if err != nil {
			return nil, err
		}
		vkeys = append(vkeys, vk)
	}
	return vkeys, nil
}

// algEd25519 is the signed-note signature type of an Ed25519 key.
const algEd25519 = 1

// NoteSigner returns a signed-note signer for k under name (a log's
// origin, "corfed/<jurisdiction>") and its verifier key (vkey), the string
// note.NewVerifier reads. A key other than Ed25519 wraps ErrNotEd25519.
func NoteSigner(name string, k *jose.Key) (note.Signer, string, error) {
	priv, ok := k.RawEd25519()
	if !ok {
		return nil, "", fmt.Errorf("key %s (%s): %w", k.KID, k.Alg, ErrNotEd25519)
	}
	vkey, err := note.NewEd25519VerifierKey(name, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, "", err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, "", err
	}
	return &edSigner{name: name, hash: v.KeyHash(), priv: priv}, vkey, nil
}

// edSigner signs notes with an Ed25519 key that lives in a jose.Keyring.
type edSigner struct {
	name string
	hash uint32
	priv ed25519.PrivateKey
}

func (s *edSigner) Name() string                    { return s.name }
func (s *edSigner) KeyHash() uint32                 { return s.hash }
func (s *edSigner) Sign(msg []byte) ([]byte, error) { return ed25519.Sign(s.priv, msg), nil }

// VerifierKey returns the vkey of p under name, or an error wrapping
// ErrNotEd25519.
func VerifierKey(name string, p jose.PublicKey) (string, error) {
	pub, ok := p.RawEd25519()
	if !ok {
		return "", fmt.Errorf("key %s (%s): %w", p.KID, p.Alg, ErrNotEd25519)
	}
	return note.NewEd25519VerifierKey(name, pub)
}

// Verifiers returns the note verifiers of every Ed25519 key of keys under
// name (the keys a federation file pins for a member, active and
// retired). It fails if keys holds no Ed25519 key.
func Verifiers(name string, keys *jose.KeySet) (note.Verifiers, error) {
	vkeys, err := VerifierKeys(name, keys)
	if err != nil {
		return nil, err
	}
	vs := make([]note.Verifier, len(vkeys))
	for i, vkey := range vkeys {
		if vs[i], err = note.NewVerifier(vkey); err != nil {
			return nil, err
		}
	}
	return note.VerifierList(vs...), nil
}

// VerifierKeys returns the vkeys of every Ed25519 key of keys under name,
// in the key set's order. It fails if keys holds no Ed25519 key.
func VerifierKeys(name string, keys *jose.KeySet) ([]string, error) {
	var vkeys []string
	for _, k := range keys.Keys() {
		vkey, err := VerifierKey(name, k)
		if errors.Is(err, ErrNotEd25519) {
			continue
		}
		if err != nil {
			return nil, err
		}
		vkeys = append(vkeys, vkey)
	}
	if len(vkeys) == 0 {
		return nil, fmt.Errorf("no key of %s: %w", name, ErrNotEd25519)
	}
	return vkeys, nil
}

// VerifierFromKey returns the verifier of vkey and the jose public key of
// the same Ed25519 key (whose kid is its RFC 7638 thumbprint, as the
// entries' JWS headers name it).
func VerifierFromKey(vkey string) (note.Verifier, jose.PublicKey, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, jose.PublicKey{}, fmt.Errorf("vkey: %v: %w", err, registry.ErrInvalid)
	}
	f := strings.SplitN(vkey, "+", 3) // name, hash, key (whose base64 may hold "+")
	raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
	if err != nil || len(raw) != 1+ed25519.PublicKeySize || raw[0] != algEd25519 {
		return nil, jose.PublicKey{}, fmt.Errorf("vkey: not an Ed25519 key: %w", registry.ErrInvalid)
	}
	return v, jose.Ed25519PublicKey(ed25519.PublicKey(raw[1:])), nil
}

// Checkpoint is a log's signed statement in C2SP tlog-checkpoint form:
// the tree of the first Size entries has root hash Root.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   tlog.Hash
	Note   []byte // the signed note as read (or written), signatures included
}

// Tree returns c as a tlog.Tree.
func (c Checkpoint) Tree() tlog.Tree { return tlog.Tree{N: int64(c.Size), Hash: c.Root} }

// CheckpointText returns the body of a checkpoint:
//
//	<origin>\n<size>\n<root, standard base64>\n
func CheckpointText(origin string, size uint64, root tlog.Hash) string {
	return origin + "\n" + strconv.FormatUint(size, 10) + "\n" + base64.StdEncoding.EncodeToString(root[:]) + "\n"
}

// SignCheckpoint returns the signed note of the tree of size entries with
// root hash root, signed by s (whose name is the origin).
func SignCheckpoint(s note.Signer, size uint64, root tlog.Hash) (Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: CheckpointText(s.Name(), size, root)}, s)
	if err != nil {
		return Checkpoint{}, err
	}
	return Checkpoint{Origin: s.Name(), Size: size, Root: root, Note: msg}, nil
}

// OpenCheckpoint verifies a checkpoint note against vs and parses its body
// strictly: three lines (origin, size, root) and any extension lines, the
// origin equal to
// origin, the size canonical decimal, the root canonical base64 of 32
// bytes. Signatures by keys vs does not know are ignored; at least one
// must verify. Errors wrap registry.ErrUnverified (no known signature, a
// bad signature) or registry.ErrInvalid (a malformed note).
func OpenCheckpoint(msg []byte, origin string, vs note.Verifiers) (Checkpoint, *note.Note, error) {
	if len(msg) > MaxCheckpointSize {
		return Checkpoint{}, nil, fmt.Errorf("checkpoint: %d bytes, at most %d: %w", len(msg), MaxCheckpointSize, registry.ErrInvalid)
	}
	n, err := note.Open(msg, vs)
	if err != nil {
		var une *note.UnverifiedNoteError
		var ise *note.InvalidSignatureError
		if errors.As(err, &une) || errors.As(err, &ise) {
			return Checkpoint{}, nil, fmt.Errorf("checkpoint of %s: %v: %w", origin, err, registry.ErrUnverified)
		}
		return Checkpoint{}, nil, fmt.Errorf("checkpoint of %s: %v: %w", origin, err, registry.ErrInvalid)
	}
	c, err := ParseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, nil, err
	}
	if c.Origin != origin {
		return Checkpoint{}, nil, fmt.Errorf("checkpoint: origin %q, want %q: %w", clip(c.Origin), origin, registry.ErrUnverified)
	}
	c.Note = msg
	return c, n, nil
}

// ParseCheckpointText parses a checkpoint body (see CheckpointText)
// strictly. Errors wrap registry.ErrInvalid.
func ParseCheckpointText(text string) (Checkpoint, error) {
	fail := func(format string, args ...any) (Checkpoint, error) {
		return Checkpoint{}, fmt.Errorf("checkpoint: "+format+": %w", append(args, registry.ErrInvalid)...)
	}
	// Origin, size and root, then any extension lines (C2SP
	// tlog-checkpoint: opaque, NOT RECOMMENDED, but a reader does not
	// refuse them; they are kept in the note and mean nothing here).
	lines := strings.Split(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return fail("body has %d lines, want at least 3 each ended by a line feed", len(lines)-1)
	}
	for _, ext := range lines[3 : len(lines)-1] {
		if ext == "" {
			return fail("an empty extension line")
		}
	}
	origin := lines[0]
	if origin == "" || len(origin) > logproof.MaxOriginSize {
		return fail("origin of %d bytes", len(origin))
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || strconv.FormatUint(size, 10) != lines[1] || size > logproof.MaxTreeSize {
		return fail("size %q is not canonical decimal up to %d", clip(lines[1]), uint64(logproof.MaxTreeSize))
	}
	raw, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(raw) != tlog.HashSize || base64.StdEncoding.EncodeToString(raw) != lines[2] {
		return fail("root %q is not the standard base64 of 32 bytes", clip(lines[2]))
	}
	var root tlog.Hash
	copy(root[:], raw)
	return Checkpoint{Origin: origin, Size: size, Root: root}, nil
}

// clip shortens a hostile string for an error message.
var clip = strictjson.Clip

// keyID computes a signed-note key hash: the first four bytes of
// SHA-256(name || "\n" || alg || public key), big-endian.
func keyID(name string, alg byte, pub []byte) uint32 {
	h := sha256.New()
	h.Write([]byte(name))
	h.Write([]byte{'\n', alg})
	h.Write(pub)
	return binary.BigEndian.Uint32(h.Sum(nil))
}
