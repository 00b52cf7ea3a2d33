package jose

import (
	"crypto/elliptic"
	"math/big"
	"strings"
	"testing"
)

// TestES256SignaturesAreLowS: an ES256 JWS is signed with s in the lower
// half of the group order, and its malleated form (r, n - s), which ECDSA
// verification accepts, is refused: in a log whose leaves are the JWS
// bytes, anyone on the path could otherwise turn an honest entry into
// another leaf that verifies under the member's key, and have the member
// found serving a history it did not sign.
func TestES256SignaturesAreLowS(t *testing.T) {
	ec := fixedKey(t, ES256, 2)
	set := NewKeySet(ec.Public())
	n := elliptic.P256().Params().N
	for i := range 40 {
		tok, err := ec.Sign([]byte(strings.Repeat("x", i+1)), "")
		if err != nil {
			t.Fatal(err)
		}
		dot := strings.LastIndexByte(tok, '.')
		sig, _ := b64.DecodeString(tok[dot+1:])
		if highS(sig) {
			t.Fatalf("signature %d is high-S", i)
		}
		if _, err := set.Verify([]byte(tok)); err != nil {
			t.Fatalf("signature %d: %v", i, err)
		}
		s := new(big.Int).SetBytes(sig[32:])
		s.Sub(n, s).FillBytes(sig[32:])
		if _, err := set.Verify([]byte(tok[:dot+1] + b64.EncodeToString(sig))); err == nil {
			t.Errorf("signature %d: its malleated form (r, n-s) verifies", i)
		}
	}
}
