package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// isoBasedCOR makes programFacts' Alberta COR one issued on equivalency
// record EQ-1 of Alberta's node (standard std, IAF mark iaf), and adds that
// record to the facts unless missing.
func isoBasedCOR(f *equivalence.Facts, std string, iaf, missing bool) {
	c := &f.Certificates[0].Certificate
	c.Basis, c.BasisRef = registry.BasisEquivalency, "EQ-1"
	if missing {
		return
	}
	f.Equivalencies = append(f.Equivalencies, equivalence.EquivalencyFact{
		Equivalency: registry.Equivalency{ID: "EQ-1", EmployerBN: "123456782", Standard: std, ExternalNumber: "X-1",
			CertificationBody: "Some Registrar", AccreditationBody: "SCC", IAFAccredited: iaf,
			ValidFrom: registry.MustDate("2025-01-01"), ValidTo: registry.MustDate("2028-01-01"), ScopeAligned: true,
			Decision: registry.DecisionAccepted, ResultingCertificate: "ACSA-1", Status: "active"},
		Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEquivalency, ID: "EQ-1", Ver: 1, Seq: 99}})
}

// TestISOBasedHomeCORMeetsTheHostsISORule: review s27-y finding 1.
// DOMAIN.md: Alberta grants a COR on ISO 45001, CSA Z45001 or CSA Z1000
// [2]; Ontario requires an IAF-recognized accreditation body's mark and
// does not name CSA Z1000 [30][31]. An Alberta COR granted on an ISO
// certificate gives Ontario no more than that certificate would get if
// presented directly: Ontario's ISO rule judges the certificate it rests
// on (equivalence.EquivalencyUnderHostRules), and the refusal is that
// rule's, in both languages. A certificate whose basis record is not among
// the facts cannot be judged, so it is not recognized either.
func TestISOBasedHomeCORMeetsTheHostsISORule(t *testing.T) {
	for _, tc := range []struct {
		name    string
		std     string
		iaf     bool
		missing bool
		want    string // a reason code; "" : recognized (or conditional)
	}{
		{"ISO 45001 with the IAF mark", registry.StdISO45001, true, false, ""},
		{"ISO 45001 without the IAF mark", registry.StdISO45001, false, false, equivalence.ReasonIAFMarkMissing},
		{"CSA Z1000 without the IAF mark", registry.StdCSAZ1000, false, false, equivalence.ReasonStandardNotAccepted},
		{"CSA Z1000 with the IAF mark", registry.StdCSAZ1000, true, false, equivalence.ReasonStandardNotAccepted},
		{"basis record not among the facts", registry.StdISO45001, true, true, equivalence.ReasonBasisEquivalencyUnknown},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			isoBasedCOR(&f, tc.std, tc.iaf, tc.missing)
			var texts [2]string
			for i, lang := range []equivalence.Lang{equivalence.English, equivalence.French} {
				q := askOf("CA-ON", "construction", "2026-11-25", "bid")
				q.Lang = lang
				d := equivalence.Decide(q, f)
				if tc.want == "" {
					if d.Outcome == equivalence.NotRecognized || d.Basis != equivalence.BasisAgreement {
						t.Fatalf("%s: %s via %s %v, want recognized under the agreement", lang, d.Outcome, d.Basis, reasonCodes(d))
					}
					if !citesKind(d.Evidence, registry.KindEquivalency) {
						t.Errorf("%s: the recognition does not cite the equivalency it rests on: %v", lang, d.Evidence)
					}
					// Its evidence alone re-decides the same (an offline check).
					if e := equivalence.Decide(q, onlyCited(f, d.Evidence)); e.Outcome != d.Outcome || e.ValidUntil != d.ValidUntil {
						t.Errorf("%s: re-decided from its evidence: %s until %s %v, want %s until %s", lang, e.Outcome, e.ValidUntil, reasonCodes(e), d.Outcome, d.ValidUntil)
					}
					continue
				}
				if d.Outcome != equivalence.NotRecognized || !hasCode(d, tc.want) {
					t.Fatalf("%s: %s via %s until %s %v, want not_recognized with %s", lang, d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d), tc.want)
				}
				for _, r := range d.Reasons {
					if r.Code == tc.want {
						texts[i] = r.Text
						if !containsRef(r.Refs, "ACSA-1") {
							t.Errorf("%s: %s does not cite the certificate: %v", lang, r.Code, r.Refs)
						}
					}
				}
			}
			if tc.want != "" && (texts[0] == "" || texts[0] == texts[1]) {
				t.Errorf("the reason in English %q and French %q", texts[0], texts[1])
			}
		})
	}
}

func citesKind(ev []registry.Ref, k registry.Kind) bool {
	for _, r := range ev {
		if r.Kind == k {
			return true
		}
	}
	return false
}

func containsRef(refs []registry.Ref, id string) bool {
	for _, r := range refs {
		if r.ID == id {
			return true
		}
	}
	return false
}
