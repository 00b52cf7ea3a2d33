package federation_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/logproof"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestProofInclusionIsChecked: every evidence entry of a proof carries an
// inclusion proof against a checkpoint its issuer signed, and VerifyProof
// (offline, as corfed verify runs it) refuses a proof whose inclusion is
// missing or wrong, even when the answering node signed it: the answering
// node cannot vouch for an entry its issuer did not log.
func TestProofInclusionIsChecked(t *testing.T) {
	ms, trust := startFederation(t, registry.Jurisdictions)
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
	peerEvidence := -1
	for i, ev := range c.Evidence {
		if ev.Log == nil {
			t.Fatalf("evidence %d has no log inclusion", i)
		}
		if ev.Iss != "CA-BC" && peerEvidence < 0 {
			peerEvidence = i
			if ev.Log.Witness != "CA-BC" || ev.Log.Cosignature == "" {
				t.Errorf("evidence %d of %s: witness %q, cosignature %q; want BC's cosignature", i, ev.Iss, ev.Log.Witness, ev.Log.Cosignature)
			}
		}
	}
	if peerEvidence < 0 {
		t.Fatal("want evidence from a peer (AB's certificate)")
	}
	ownCP, err := bc.n.Checkpoint(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	flipHash := func(s string) string {
		b := []byte(s)
		if b[0] == 'A' {
			b[0] = 'B'
		} else {
			b[0] = 'A'
		}
		return string(b)
	}
	tests := []struct {
		name   string
		tamper func(ev *federation.Evidence)
		want   string
	}{
		{"untouched (re-signed)", func(*federation.Evidence) {}, ""},
		{"inclusion hash flipped", func(ev *federation.Evidence) { ev.Log.Inclusion.Hashes[0] = flipHash(ev.Log.Inclusion.Hashes[0]) }, "does not lead to root"},
		{"leaf hash of another entry", func(ev *federation.Evidence) { ev.Log.Inclusion.LeafHash = flipHash(ev.Log.Inclusion.LeafHash) }, "leaf hash"},
		{"another tree size", func(ev *federation.Evidence) { ev.Log.Inclusion.TreeSize++ }, "tree_size"},
		{"hash dropped", func(ev *federation.Evidence) { ev.Log.Inclusion.Hashes = ev.Log.Inclusion.Hashes[1:] }, "does not lead to root"},
		{"no inclusion proof", func(ev *federation.Evidence) { ev.Log = nil }, "no inclusion proof"},
		{"checkpoint signed by the answering node, not the issuer", func(ev *federation.Evidence) { ev.Log.Checkpoint = ownCP.JWS }, "log checkpoint"},
		{"cosignature missing", func(ev *federation.Evidence) { ev.Log.Cosignature = "" }, "log checkpoint"},
		{"cosignature of another checkpoint", func(ev *federation.Evidence) {
			cs, err := logproof.Cosign(bc.n.ActiveKey(), ownCP.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			ev.Log.Cosignature = cs
		}, "cosignature"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cl federation.ProofClaims
			raw, _ := json.Marshal(c)
			json.Unmarshal(raw, &cl) // a deep copy
			tc.tamper(&cl.Evidence[peerEvidence])
			// The answering node itself signs the tampered claims: only the
			// inclusion checks stand between it and the verifier.
			tok, err := bc.n.ActiveKey().SignJWT(cl)
			if err != nil {
				t.Fatal(err)
			}
			_, err = federation.VerifyProof(tok, keys, nodetest.Now)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("got %v, want the proof to hold", err)
				}
				return
			}
			if !errors.Is(err, registry.ErrUnverified) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrUnverified mentioning %q", err, tc.want)
			}
		})
	}
}

// TestPastDateCarriesHistory: a question about a past date carries the
// versions of the evidence records signed by the end of that date, with
// inclusion proofs, and the proof holds offline.
func TestPastDateCarriesHistory(t *testing.T) {
	ms, trust := startFederation(t, registry.Jurisdictions)
	for _, on := range []string{"2026-11-24", "2026-11-25"} {
		a, err := ms["CA-ON"].lk.Recognize(t.Context(), equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate(on)})
		if err != nil {
			t.Fatal(err)
		}
		c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
		if err != nil {
			t.Fatalf("proof for %s: %v", on, err)
		}
		if len(c.History) != len(a.History) {
			t.Errorf("proof for %s: %d history entries, the answer %d", on, len(c.History), len(a.History))
		}
		// The test nodes sign everything at nodetest.Now (2026-11-25 in
		// every Canadian zone), so the day before has no version yet and
		// today is not a past date.
		if len(a.History) != 0 {
			t.Errorf("history for %s: got %d versions, want none", on, len(a.History))
		}
	}
}
