package federation_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/jose"
)

// FuzzVerifyProofClaims: a member node (or its stolen key) signs
// arbitrary claims; VerifyProof must neither panic nor hang on them. A
// refusal is a ProofError of a known kind; what holds is issued by the
// signer about the employer it asks after, and a recognition cites
// evidence. Whether a proof holds does not depend on the language it is
// read in.
func FuzzVerifyProofClaims(f *testing.F) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	k, err := jose.GenerateKey(jose.EdDSA, now)
	if err != nil {
		f.Fatal(err)
	}
	ks := jose.NewKeySet(k.Public())
	keys := func(j registry.Jurisdiction) (*jose.KeySet, bool) { return ks, j == "CA-AB" }
	f.Add([]byte(`{"iss":"CA-AB","sub":"812345676","aud":"corfed-proof","iat":1795000000,"nbf":1795000000,"exp":1895000000,"jti":"a","question":{"bn":"812345676","host":"CA-AB","on":"2026-11-25","use":"work"},"decision":{"outcome":"recognized","reasons":[],"evidence":[{"iss":"CA-AB","kind":"certificate","id":"X","ver":1,"seq":1}]},"evidence":[{"iss":"CA-AB","kind":"certificate","id":"X","ver":1,"seq":1,"jws":"a.b.c","log":{"checkpoint":"x.y.z","witness":"CA-AB","inclusion":{"seq":1,"leaf_index":0,"tree_size":1,"leaf_hash":"AAAA","hashes":["AAAA"]}}}],"party_signatures":[{"agreement":"a","party":"CA-AB","jws":"a..b"}],"history":[]}`))
	f.Add([]byte(`{"iss":"CA-AB","sub":"","aud":"corfed-proof","exp":1895000000,"question":{"on":"2026-11-25"},"decision":{"outcome":"not_recognized"},"evidence":null}`))
	// A refusal that holds (the other seeds do not), so that the fuzzer
	// starts from claims that get through every check.
	f.Add(fmt.Appendf(nil, `{"iss":"CA-AB","sub":"812345676","aud":"corfed-proof","iat":%d,"exp":%d,"question":{"bn":"812345676","host":"CA-AB","on":"2026-11-25","use":"work"},"decision":{"outcome":"not_recognized","reasons":[{"code":"no_certificate"}]},"evidence":[]}`, now.Unix(), now.Unix()+3600))
	f.Fuzz(func(t *testing.T, claims []byte) {
		tok, err := k.Sign(claims, "JWT")
		if err != nil {
			return
		}
		c, err := federation.VerifyProof(tok, keys, now)
		_, frErr := federation.VerifyProofIn(tok, keys, now, equivalence.French)
		if (err == nil) != (frErr == nil) {
			t.Fatalf("read in English: %v; in French: %v", err, frErr)
		}
		if err != nil {
			var pe *federation.ProofError
			if !errors.As(err, &pe) {
				t.Fatalf("refused with %T %v, not a ProofError", err, err)
			}
			if !errors.Is(err, registry.ErrInvalid) && !errors.Is(err, registry.ErrUnverified) && !errors.Is(err, registry.ErrUnauthenticated) {
				t.Fatalf("refused with an error of no kind: %v", err)
			}
			return
		}
		if c.Iss != "CA-AB" || c.Sub != c.Question.BN {
			t.Fatalf("holds with iss %q sub %q for a question about %q", c.Iss, c.Sub, c.Question.BN)
		}
		if o := c.Decision.Outcome; (o == equivalence.Recognized || o == equivalence.Conditional) && len(c.Decision.Evidence) == 0 {
			t.Fatalf("a %s decision holds with no evidence", o)
		}
	})
}
