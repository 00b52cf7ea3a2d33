package federation_test

import (
	"errors"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestProofKeyNotHeld (review s28-o, M2): a proof, or a record of a peer
// it carries, signed by a key of a listed member that the federation file
// does not hold (the member rotated since the file was issued) fails with a
// *KeyNotHeldError naming that member and the kid: it could not be
// checked, it is not shown forged. A bad signature by a held key, or a
// member the file does not list, is no such error: those do not hold.
func TestProofKeyNotHeld(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	bc := ms["CA-BC"]
	a, err := bc.lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")})
	if err != nil {
		t.Fatal(err)
	}
	keys := federation.TrustKeys(trust)
	c, err := federation.VerifyProof(a.Proof, keys, nodetest.Now)
	if err != nil {
		t.Fatalf("genuine proof: %v", err)
	}
	fromAB := false
	for _, ev := range c.Evidence {
		fromAB = fromAB || ev.Iss == "CA-AB"
	}
	if !fromAB {
		t.Fatal("want evidence from CA-AB (its certificate)")
	}
	other, err := jose.GenerateKey(jose.EdDSA, nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	// without(j): the federation file of before j rotated to the key it
	// signs with now: j listed, with another key only.
	without := func(j registry.Jurisdiction) federation.KeysFunc {
		return func(m registry.Jurisdiction) (*jose.KeySet, bool) {
			if m == j {
				return jose.NewKeySet(other.Public()), true
			}
			return keys(m)
		}
	}
	unlisted := func(m registry.Jurisdiction) (*jose.KeySet, bool) {
		if m == "CA-AB" {
			return nil, false
		}
		return keys(m)
	}
	badSig := []byte(a.Proof)
	last := len(badSig) - 2 // not the last character: its low bits may be padding
	if badSig[last] == 'A' {
		badSig[last] = 'B'
	} else {
		badSig[last] = 'A'
	}
	tests := []struct {
		name       string
		proof      string
		keys       federation.KeysFunc
		wantMember registry.Jurisdiction // "": no KeyNotHeldError
	}{
		{"answering node's key not held", a.Proof, without("CA-BC"), "CA-BC"},
		{"evidence issuer's key not held", a.Proof, without("CA-AB"), "CA-AB"},
		{"bad signature by a held key", string(badSig), keys, ""},
		{"evidence issuer not listed", a.Proof, unlisted, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := federation.VerifyProof(tc.proof, tc.keys, nodetest.Now)
			if err == nil {
				t.Fatal("got a proof that holds, want an error")
			}
			if !errors.Is(err, registry.ErrUnverified) {
				t.Errorf("got %v, want it to wrap ErrUnverified", err)
			}
			var kn *federation.KeyNotHeldError
			got := errors.As(err, &kn)
			switch {
			case tc.wantMember == "" && got:
				t.Errorf("got KeyNotHeldError of %s kid %q (%v), want none", kn.Member, kn.KID, err)
			case tc.wantMember != "" && !got:
				t.Errorf("got %v, want a KeyNotHeldError of %s", err, tc.wantMember)
			case got && (kn.Member != tc.wantMember || kn.KID == "" || kn.KID == other.KID):
				t.Errorf("got KeyNotHeldError of %s kid %q, want %s and the kid it signs with", kn.Member, kn.KID, tc.wantMember)
			}
		})
	}
}
