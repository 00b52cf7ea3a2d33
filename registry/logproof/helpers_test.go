package logproof_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry/jose"
)

// fixedKey returns an EdDSA key made from a fixed seed, so that fuzz seeds
// signed with it verify in every fuzzing process (EdDSA is deterministic).
func fixedKey(t testing.TB, seed byte) *jose.Key {
	t.Helper()
	d := make([]byte, ed25519.SeedSize)
	for i := range d {
		d[i] = seed
	}
	b64 := base64.RawURLEncoding.EncodeToString
	x := b64(ed25519.NewKeyFromSeed(d).Public().(ed25519.PublicKey))
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	ring := fmt.Sprintf(`{"keys":[{"kty":"OKP","crv":"Ed25519","x":%q,"d":%q,"kid":%q,"alg":"EdDSA","use":"sig","status":"active","iat":%d}]}`,
		x, b64(d), b64(sum[:]), now.Unix())
	path := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(path, []byte(ring), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := jose.LoadKeyring(path)
	if err != nil {
		t.Fatal(err)
	}
	return r.Active()
}
