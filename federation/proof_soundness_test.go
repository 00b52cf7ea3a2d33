package federation_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// proofClaimsJSON decodes a proof's claims as raw JSON members.
func proofClaimsJSON(t *testing.T, proof string) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(proof, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// The answering node's copy of the home registry is stale (its last sync
// failed; the home node revoked the certificate since). The answer's
// freshness says so, but it is outside the proof: the signed claims carry
// nothing of how fresh each member's data was, so whoever is handed the
// proof (corfed verify) sees a current-looking "recognized", valid for
// months, and cannot tell that the home registry was not read for days.
func TestProofSignsTheFreshnessOfEachMember(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	ab, bc := ms["CA-AB"], ms["CA-BC"]
	if _, err := ab.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	ab.srv.Close() // CA-BC can no longer reach CA-AB
	if st, err := bc.fed.Sync(t.Context(), "CA-AB"); err == nil {
		t.Fatalf("sync succeeded: %+v", st)
	}
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")}
	a, err := bc.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	var abFresh federation.Freshness
	for _, f := range a.Freshness {
		if f.Jurisdiction == "CA-AB" {
			abFresh = f
		}
	}
	if a.Decision.Outcome != equivalence.Recognized || abFresh.LastError == "" {
		t.Fatalf("setup: %s, CA-AB freshness %+v", a.Decision.Outcome, abFresh)
	}
	c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := proofClaimsJSON(t, a.Proof)["freshness"]; !ok {
		t.Fatalf("proof holds offline (%s, expires %d) but its signed claims say nothing of CA-AB's data being unsynced (answer, unsigned: last_error %q)",
			c.Decision.Outcome, c.Exp, abFresh.LastError)
	}
	var signed *federation.Freshness
	for i := range c.Freshness {
		if c.Freshness[i].Jurisdiction == "CA-AB" {
			signed = &c.Freshness[i]
		}
	}
	if signed == nil || signed.LastError == "" || signed.Seq != abFresh.Seq || !signed.LastSuccess.Equal(abFresh.LastSuccess) {
		t.Fatalf("signed freshness of CA-AB %+v, want the answer's %+v", signed, abFresh)
	}
	// The decision rests on CA-AB's certificate, read from a copy whose
	// last sync failed: the proof expires within a day, not with the
	// decision (months away).
	if c.Exp > c.Iat+24*3600 {
		t.Fatalf("a recognition resting on a stale copy expires %s, signed %s", time.Unix(c.Exp, 0).UTC(), time.Unix(c.Iat, 0).UTC())
	}
	// The same question asked of CA-AB itself (its own data) is signed for
	// the decision's validity.
	own, err := ab.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	oc, err := federation.VerifyProof(own.Proof, federation.TrustKeys(trust), nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if oc.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("CA-AB's own answer after the revocation: %s", oc.Decision.Outcome)
	}
}

// A recognition about today resting on a fresh copy expires with the
// decision (one resting on a stale copy: TestProofSignsTheFreshnessOfEachMember),
// is not called a projection, and signs the freshness of every member.
func TestProofOfAFreshRecognitionExpiresWithTheDecision(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	bc := ms["CA-BC"]
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: registry.MustDate("2026-11-25")}
	a, err := bc.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if c.Decision.Outcome != equivalence.Recognized || c.Exp <= c.Iat+24*3600 {
		t.Fatalf("%s, expires %s (signed %s)", c.Decision.Outcome, time.Unix(c.Exp, 0).UTC(), time.Unix(c.Iat, 0).UTC())
	}
	for _, r := range c.Decision.Reasons {
		if r.Code == equivalence.ReasonProjection {
			t.Fatalf("a question about today is called a projection: %s", r.Text)
		}
	}
	if len(c.Freshness) != 2 {
		t.Fatalf("signed freshness: %+v", c.Freshness)
	}
}

// A question may be about any future date. The answer is decided from
// today's records, and its proof expires with the decision: a proof made
// on 2026-11-25 "recognized on 2028-01-01" still holds on 2028-01-01,
// although the certificate was revoked in between, and then reads as a
// current answer (corfed verify does not print when it was signed). An
// employer can mint proofs for every day ahead while its COR is good.
func TestFutureDatedProofExpiresLikeARefusal(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC"})
	ab := ms["CA-AB"]
	later := registry.MustDate("2028-01-01")
	q := equivalence.Question{BN: "812345676", Host: "CA-AB", Sector: "construction", Use: "work", On: later}
	a, err := ab.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Skipf("questions about a future date are refused: %v", err)
	}
	if _, err := ab.n.ChangeStatus(t.Context(), nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
		t.Fatal(err)
	}
	now, err := ab.lk.Recognize(t.Context(), q)
	if err != nil {
		t.Fatal(err)
	}
	// The answer says it is a projection, in the question's language, and
	// its proof expires like a refusal's, within a day.
	var proj *equivalence.Reason
	for i := range a.Decision.Reasons {
		if a.Decision.Reasons[i].Code == equivalence.ReasonProjection {
			proj = &a.Decision.Reasons[i]
		}
	}
	if proj == nil || !strings.Contains(proj.Text, "projection") {
		t.Fatalf("a decision about 2028-01-01 made on 2026-11-25 does not say it is a projection: %+v", a.Decision.Reasons)
	}
	signed, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), nodetest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if signed.Decision.Outcome != equivalence.Recognized || signed.Exp > signed.Iat+24*3600 {
		t.Fatalf("projection: %s, expires %s", signed.Decision.Outcome, time.Unix(signed.Exp, 0).UTC())
	}
	fq := q
	fq.Lang = equivalence.French
	fa, err := ms["CA-BC"].lk.Recognize(t.Context(), fq)
	if err != nil {
		t.Fatal(err)
	}
	if last := fa.Decision.Reasons[len(fa.Decision.Reasons)-1]; last.Code != equivalence.ReasonProjection || !strings.Contains(last.Text, "projection à partir des registres") {
		t.Fatalf("French projection reason: %+v", last)
	}
	at := time.Date(2028, 1, 1, 12, 0, 0, 0, time.UTC)
	c, err := federation.VerifyProof(a.Proof, federation.TrustKeys(trust), at)
	if err == nil {
		t.Fatalf("on %s a proof signed %s says %s on %s (valid until %s); asked again the answer is %s",
			at.Format(time.DateOnly), time.Unix(c.Iat, 0).UTC().Format(time.DateOnly), c.Decision.Outcome, c.Question.On, c.Decision.ValidUntil, now.Decision.Outcome)
	}
}
