package federation_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestForgedISOBasedRecognitionFailsOffline: an Alberta COR issued on an
// ISO 45001 equivalency is recognized in Ontario (whose rules accept ISO)
// and refused in BC (DOMAIN.md: "BC does not accept ISO equivalency"; BC's
// signed rules: iso_not_accepted). ON's answer cites ON's rules, which
// decide that the COR counts. BC's node takes that honest proof, moves the
// question to BC and signs the decision the carried records give there
// (BC answers the ON question itself, so that its node witnessed the
// evidence): corfed verify must refuse it, since the carried records
// without BC's rules decide nothing about ISO in BC (host_rules_unknown).
func TestForgedISOBasedRecognitionFailsOffline(t *testing.T) {
	ms, trust := startFederation(t, []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-ON"})
	keys := federation.TrustKeys(trust)
	ab, bc := ms["CA-AB"], ms["CA-BC"]
	terms := threeParty(t, "zzy-2025")
	terms.Parties = []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-ON"}
	terms.Hosts = nil
	for _, h := range []registry.Jurisdiction{"CA-AB", "CA-BC", "CA-ON"} {
		terms.Hosts = append(terms.Hosts, registry.HostTerms{Host: h, CapMonths: 6})
	}
	if st := ab.call(t, "POST", "/v1/agreements", terms, nil); st != http.StatusCreated {
		t.Fatalf("propose: %d", st)
	}
	syncAll(t, ms)
	for _, j := range []registry.Jurisdiction{"CA-BC", "CA-ON"} {
		if st := ms[j].call(t, "POST", "/v1/agreements/zzy-2025/sign", nil, nil); st != http.StatusCreated {
			t.Fatalf("%s signs: %d", j, st)
		}
		syncAll(t, ms)
	}
	ctx := t.Context()
	if _, err := ab.n.ChangeStatus(ctx, nodetest.Admin(), "ACSA-20250417", node.StatusRequest{Action: "revoke", Reason: "replaced by the ISO-based COR"}); err != nil {
		t.Fatal(err)
	}
	qe, err := ab.n.PutEquivalency(ctx, nodetest.Admin(), registry.Equivalency{EmployerBN: "812345676", Standard: "ISO 45001:2018", ExternalNumber: "ISO-Y1",
		CertificationBody: "Some Registrar", AccreditationBody: "SCC", IAFAccredited: true, ValidFrom: registry.MustDate("2026-01-01"),
		ValidTo: registry.MustDate("2029-01-01"), ScopeAligned: true, Decision: registry.DecisionAccepted}, true)
	if err != nil {
		t.Fatal(err)
	}
	cp := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeCertificates}}
	if _, err := ab.n.CreateCertificate(ctx, cp, node.NewCertificate{Issuer: "ACSA", Number: "ISO-COR-Y", Program: "COR", EmployerBN: "812345676",
		Sector: "construction", Basis: registry.BasisEquivalency, BasisRef: qe.ID, IssuedOn: registry.MustDate("2026-11-20")}); err != nil {
		t.Fatal(err)
	}
	syncAll(t, ms)

	day := registry.MustDate("2026-11-25")
	honestBC, err := bc.lk.Recognize(ctx, equivalence.Question{BN: "812345676", Host: "CA-BC", Sector: "construction", Use: "bid", On: day})
	if err != nil {
		t.Fatal(err)
	}
	if honestBC.Decision.Outcome != equivalence.NotRecognized {
		t.Fatalf("setup: BC's honest answer %s %v", honestBC.Decision.Outcome, codes(honestBC.Decision))
	}
	onA, err := bc.lk.Recognize(ctx, equivalence.Question{BN: "812345676", Host: "CA-ON", Sector: "construction", Use: "bid", On: day})
	if err != nil {
		t.Fatal(err)
	}
	if onA.Decision.Outcome == equivalence.NotRecognized {
		t.Fatalf("setup: ON's honest answer %s %v", onA.Decision.Outcome, codes(onA.Decision))
	}
	// The records ON's proof carries, as the verifier reads them.
	var f equivalence.Facts
	for _, ev := range onA.Evidence {
		e, err := federation.VerifyEvidence(ev, keys, "CA-BC")
		if err != nil {
			t.Fatal(err)
		}
		switch e.Kind {
		case registry.KindCertificate:
			c, _ := node.Decode[registry.Certificate](e)
			f.Certificates = append(f.Certificates, equivalence.CertificateFact{Certificate: c, Ref: e.Ref()})
		case registry.KindAgreement:
			a, _ := node.Decode[registry.Agreement](e)
			f.Agreements = append(f.Agreements, equivalence.AgreementFact{Agreement: a, SignedBy: a.Terms.Parties, Ref: e.Ref()})
		case registry.KindEmployer:
			em, _ := node.Decode[registry.Employer](e)
			f.Employers = append(f.Employers, equivalence.EmployerFact{Employer: em, Ref: e.Ref()})
		case registry.KindHostRules:
			t.Logf("ON's proof carries host rules %s", e.ID)
		}
	}
	cites := false
	var noRules []registry.Ref
	for _, r := range onA.Decision.Evidence {
		if r.Kind == registry.KindHostRules && r.Iss == "CA-ON" {
			cites = true
			continue
		}
		noRules = append(noRules, r)
	}
	if !cites {
		t.Errorf("ON's recognition of the ISO-based COR does not cite ON's rules: %v", refKinds(onA.Decision.Evidence))
	}
	if _, err := federation.VerifyProof(onA.Proof, keys, nodetest.Now); err != nil {
		t.Errorf("the honest ON proof: %v", err)
	}
	for _, tc := range []struct {
		name     string
		host     registry.Jurisdiction
		evidence []registry.Ref
		carry    bool   // the proof carries ON's rules
		want     string // in the error
	}{
		{"ON's recognition moved to BC, citing ON's rules", "CA-BC", onA.Decision.Evidence, true, "does not carry"},
		{"ON's recognition moved to BC, without ON's rules", "CA-BC", noRules, false, "does not carry"},
		// The shape of a proof signed before recognitions cited the rules
		// (honest then): refused, asking for a new proof.
		{"ON's recognition without ON's rules (an older proof)", "CA-ON", noRules, false, "ask the node again"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := equivalence.Question{BN: "812345676", Host: tc.host, Sector: "construction", Use: "bid", On: day}
			forgedD := onA.Decision
			forgedD.Evidence = tc.evidence
			m := proofClaimsJSON(t, onA.Proof)
			setJSON(t, m, "question", federation.QuestionJSON{BN: q.BN, Host: q.Host, Sector: q.Sector, On: q.On, Use: q.Use})
			setJSON(t, m, "decision", forgedD)
			if !tc.carry {
				var evs []federation.Evidence
				if err := json.Unmarshal(m["evidence"], &evs); err != nil {
					t.Fatal(err)
				}
				evs = slices.DeleteFunc(evs, func(e federation.Evidence) bool { return e.Kind == registry.KindHostRules })
				setJSON(t, m, "evidence", evs)
			}
			claims, _ := json.Marshal(m)
			forged, err := bc.n.ActiveKey().Sign(claims, "JWT")
			if err != nil {
				t.Fatal(err)
			}
			c, err := federation.VerifyProof(forged, keys, nodetest.Now)
			if err == nil {
				t.Fatalf("a proof by CA-BC that the ISO-based AB COR is %s in %s via %s until %s (evidence %v) verifies offline; BC's own answer in BC: %s %v",
					c.Decision.Outcome, tc.host, c.Decision.Basis, c.Decision.ValidUntil, refKinds(c.Decision.Evidence), honestBC.Decision.Outcome, codes(honestBC.Decision))
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("refused, but not for want of the host's rules: %v", err)
			}
		})
	}
}

func refKinds(rs []registry.Ref) []string {
	var out []string
	for _, r := range rs {
		out = append(out, string(r.Kind)+":"+r.ID)
	}
	slices.Sort(out)
	return out
}
