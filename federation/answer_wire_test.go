package federation_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestAnswerJSONIsEncodedOnce checks the answer's wire bytes (made once,
// with its proof, by Recognize) against encoding/json: the answer is what
// a json.Encoder writes of it, and the proof's claims are exactly
// json.Marshal of the ProofClaims they decode to, for answers with
// evidence from peers, party signatures and not.
func TestAnswerJSONIsEncodedOnce(t *testing.T) {
	ms, trust := startFederation(t, registry.Jurisdictions)
	for _, q := range []equivalence.Question{
		{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: registry.MustDate("2026-11-25")},
		{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work"},
		{BN: "812345676", Host: "CA-ON", Sector: "construction", Use: "work", Lang: equivalence.French},
	} {
		a, err := ms["CA-BC"].lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(true) // as the answer's members are encoded (json.Marshal)
		if err := enc.Encode(a); err != nil {
			t.Fatal(err)
		}
		if got := a.JSON(); !bytes.Equal(got, want.Bytes()) {
			t.Errorf("%v: answer JSON:\ngot  %s\nwant %s", q, got, want.Bytes())
		}
		c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := base64.RawURLEncoding.DecodeString(strings.Split(a.Proof, ".")[1])
		if err != nil {
			t.Fatal(err)
		}
		wantClaims, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(payload, wantClaims) {
			t.Errorf("%v: proof claims:\ngot  %s\nwant %s", q, payload, wantClaims)
		}
		if q.Host == "CA-BC" && len(a.Parties) == 0 {
			t.Logf("%v: no party signatures", q)
		}
	}
}
