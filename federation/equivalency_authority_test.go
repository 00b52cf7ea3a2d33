package federation_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestEquivalencyCountsOnlyWhereItsIssuerHasStanding: Ontario's node
// records an ISO 45001 equivalency of an Ontario employer naming no
// provinces. It counts in Ontario, not in Alberta (whose rules accept ISO):
// another member's record about operations it does not name creates no
// recognition in the host (equivalence.EquivalencyCounts). The answering
// node and the offline check of a proof read it alike: a proof re-signed
// to say "recognized in Alberta" on that record does not verify.
func TestEquivalencyCountsOnlyWhereItsIssuerHasStanding(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-ON"})
	keys := federation.TrustKeys(trust)
	on, ab := ms["CA-ON"], ms["CA-AB"]
	const bn = "888990017" // an Ontario employer of the seed
	body := map[string]any{"employer_bn": bn, "standard": "ISO 45001:2018", "external_number": "OHS-AUTH-1",
		"certification_body": "BSI", "accreditation_body": "ANAB", "valid_from": "2026-01-01", "valid_to": "2028-12-31",
		"iaf_accredited": true, "scope_aligned": true, "decision": "accepted", "status": "active", "industry_codes": []string{"238"}}
	if st := on.call(t, "POST", "/v1/equivalencies", body, nil); st != http.StatusCreated {
		t.Fatalf("record the equivalency: %d", st)
	}
	syncAll(t, ms)
	ask := func(host registry.Jurisdiction) federation.Answer {
		q := equivalence.Question{BN: bn, Host: host, Sector: "construction", Use: equivalence.UseBid, On: registry.MustDate("2026-11-25")}
		a, err := ab.lk.Recognize(t.Context(), q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := federation.VerifyProof(a.Proof, keys, nodetest.Now); err != nil {
			t.Fatalf("honest proof for %s: %v", host, err)
		}
		return a
	}
	var eqv registry.Ref
	inON := ask("CA-ON")
	for _, r := range inON.Decision.Evidence {
		if r.Kind == registry.KindEquivalency && r.ID == "EQ-"+bn+"-OHS-AUTH-1" {
			eqv = r
		}
	}
	if inON.Decision.Basis != equivalence.BasisISO || eqv.ID == "" {
		t.Fatalf("in CA-ON: %s via %s citing %v; want iso_equivalency on the new record", inON.Decision.Outcome, inON.Decision.Basis, inON.Decision.Evidence)
	}
	inAB := ask("CA-AB")
	if inAB.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("in CA-AB: %s via %s; want not_recognized", inAB.Decision.Outcome, inAB.Decision.Basis)
	}
	found := false
	for _, r := range inAB.Decision.Reasons {
		found = found || r.Code == equivalence.ReasonEquivalencyIssuerNotCovered
	}
	if !found {
		t.Errorf("in CA-AB: reasons %+v; want %s", inAB.Decision.Reasons, equivalence.ReasonEquivalencyIssuerNotCovered)
	}

	// The answering node re-signs the refusal as a recognition resting on
	// the record and AB's rules, both genuine and carried by the proof.
	var rules registry.Ref
	for _, e := range inAB.Evidence {
		if e.Kind == registry.KindHostRules {
			rules = e.Ref
		}
	}
	if rules.ID == "" { // the seed's Ontario-only record (scope_excludes_host) cites them
		t.Fatalf("the refusal's proof carries no host rules: %v", inAB.Decision.Reasons)
	}
	m := proofClaimsJSON(t, inAB.Proof)
	d := equivalence.Decision{Outcome: equivalence.Recognized, Basis: equivalence.BasisISO,
		ValidFrom: registry.MustDate("2026-11-25"), ValidUntil: registry.MustDate("2028-12-31"), // the record's valid_to, within AB's 36-month term
		Reasons:    []equivalence.Reason{{Code: equivalence.ReasonEquivalencyAccepted, Text: "recognized"}},
		Conditions: []equivalence.Condition{{Code: registry.CondCertificationMaintained, Met: true, Text: "maintained"}},
		Evidence:   []registry.Ref{eqv, rules}}
	m["decision"], _ = json.Marshal(d)
	claims, _ := json.Marshal(m)
	forged, err := ab.n.ActiveKey().Sign(claims, "JWT")
	if err != nil {
		t.Fatal(err)
	}
	if c, err := federation.VerifyProof(forged, keys, nodetest.Now); err == nil {
		t.Fatalf("a proof of %s via %s in CA-AB on Ontario's record verifies offline", c.Decision.Outcome, c.Decision.Basis)
	}
}
