package jose

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"errors"
	"testing"
	"time"

	"github.com/corfed/corfed/registry"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestKey returns a fresh key for alg, failing the test on error.
func newTestKey(t testing.TB, alg string) *Key {
	t.Helper()
	k, err := GenerateKey(alg, t0)
	if err != nil {
		t.Fatalf("GenerateKey(%s): %v", alg, err)
	}
	return k
}

// sign signs payload with k, failing the test on error.
func sign(t testing.TB, k *Key, payload []byte, typ string) string {
	t.Helper()
	tok, err := k.Sign(payload, typ)
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	return tok
}

// enc is base64url without padding.
func enc(b []byte) string { return b64.EncodeToString(b) }

// handJWS assembles a compact JWS by hand from a raw header, a payload and
// a signing function over the signing input, so tests can build tokens no
// honest signer would.
func handJWS(header string, payload []byte, signFn func(input []byte) []byte) string {
	input := enc([]byte(header)) + "." + enc(payload)
	return input + "." + enc(signFn([]byte(input)))
}

// edSigner returns a signing function for handJWS using k's Ed25519 key.
func edSigner(t testing.TB, k *Key) func([]byte) []byte {
	t.Helper()
	priv, ok := k.RawEd25519()
	if !ok {
		t.Fatalf("key %s is not Ed25519", k.KID)
	}
	return func(in []byte) []byte { return ed25519.Sign(priv, in) }
}

// errorKind returns the registry error kind err wraps, or nil.
func errorKind(err error) error {
	for _, kind := range []error{registry.ErrInvalid, registry.ErrUnverified, registry.ErrUnauthenticated, registry.ErrNotFound} {
		if errors.Is(err, kind) {
			return kind
		}
	}
	return nil
}

// checkKind fails the test unless err wraps want (nil means no error).
func checkKind(t testing.TB, err, want error) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("got error %v (kind %v), want kind %v", err, errorKind(err), want)
	}
}

// fixedKey returns a deterministic key (seeded with b) so that fuzz
// corpora stay valid across runs.
func fixedKey(t testing.TB, alg string, b byte) *Key {
	t.Helper()
	seed := bytes.Repeat([]byte{b}, 32)
	switch alg {
	case EdDSA:
		return newKey(EdDSA, ed25519.NewKeyFromSeed(seed), StatusActive, t0)
	case ES256:
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed)
		if err != nil {
			t.Fatal(err)
		}
		return newKey(ES256, priv, StatusActive, t0)
	}
	t.Fatalf("fixedKey: alg %q", alg)
	return nil
}

// benchPayload is a record of about 400 bytes, the size corfed signs most.
var benchPayload = []byte(`{"id":"CA-BC/cert/2026-000123","jurisdiction":"CA-BC","kind":"certificate",` +
	`"holder":{"name":"Jordan Example","born":"1990-04-12"},"trade":{"code":"309A","name":"Construction Electrician",` +
	`"red_seal":true},"issued":"2026-03-01","expires":"2031-03-01","status":"active","issuer":"SkilledTradesBC",` +
	`"endorsements":["fire-alarm","low-voltage"],"version":3,"previous":"sha256:2f1c9a6b0e4d7c3a8b5f6e1d0c9b8a7f6e5d4c3b"}`)
