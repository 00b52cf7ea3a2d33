package equivalence_test

import (
	"slices"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// onlyCited keeps of f the records ev cites (what a proof carries and the
// offline verifier re-derives from).
func onlyCited(f equivalence.Facts, ev []registry.Ref) equivalence.Facts {
	var g equivalence.Facts
	for _, x := range f.Certificates {
		if slices.Contains(ev, x.Ref) {
			g.Certificates = append(g.Certificates, x)
		}
	}
	for _, x := range f.Agreements {
		if slices.Contains(ev, x.Ref) {
			g.Agreements = append(g.Agreements, x)
		}
	}
	for _, x := range f.HostRules {
		if slices.Contains(ev, x.Ref) {
			g.HostRules = append(g.HostRules, x)
		}
	}
	for _, x := range f.Employers {
		if slices.Contains(ev, x.Ref) {
			g.Employers = append(g.Employers, x)
		}
	}
	for _, x := range f.Equivalencies {
		if slices.Contains(ev, x.Ref) {
			g.Equivalencies = append(g.Equivalencies, x)
		}
	}
	return g
}

// TestAgreementRecognitionCitesTheHostRulesItRestsOn: a home COR issued on
// an ISO equivalency, or a SECOR, counts under an agreement only where the
// host's rules say so (ON accepts ISO, BC does not: DOMAIN.md; MB's rules
// refuse another province's SECOR). A recognition of one cites the host's
// rules in force, open-ended or not, so that its evidence re-decided alone
// (what corfed verify does) gives the same answer, and the same evidence
// moved to another host (one whose rules refuse it) gives that host's
// refusal. A plain COR's recognition does not rest on the rules and cites
// none.
func TestAgreementRecognitionCitesTheHostRulesItRestsOn(t *testing.T) {
	isoBased := func(f *equivalence.Facts) {
		isoBasedCOR(f, registry.StdISO45001, true, false) // with the ISO certificate it rests on
	}
	// A SECOR agreement of AB, ON and MB, no host excluding SECOR by its
	// terms; ON's rules are given recognizes_foreign_secor, MB's keep false.
	secor := func(f *equivalence.Facts) {
		f.Certificates[0].Certificate.Program = registry.ProgramSECOR
		var a equivalence.AgreementFact
		for _, x := range f.Agreements {
			if x.Agreement.Terms.ID == "cfcsa-construction-2021" {
				a = x
			}
		}
		a.Agreement.Terms.ID, a.Agreement.Terms.Supersedes = "secor-3", ""
		a.Agreement.Terms.Parties = []registry.Jurisdiction{"CA-AB", "CA-MB", "CA-ON"}
		a.Agreement.Terms.Programs = []string{"COR", "SECOR"}
		a.Agreement.Terms.Hosts = []registry.HostTerms{{Host: "CA-AB", CapMonths: 6}, {Host: "CA-MB", CapMonths: 6}, {Host: "CA-ON", CapMonths: 6}}
		a.SignedBy = a.Agreement.Terms.Parties
		a.Ref.ID = "secor-3"
		f.Agreements = []equivalence.AgreementFact{a}
		for i := range f.HostRules {
			if f.HostRules[i].Rules.Jurisdiction == "CA-ON" {
				f.HostRules[i].Rules.RecognizesForeignSECOR = true
			}
		}
	}
	for _, tc := range []struct {
		name      string
		setup     func(*equivalence.Facts)
		host      registry.Jurisdiction // recognizes
		other     registry.Jurisdiction // refuses
		citeRules bool
	}{
		{"ISO-based COR: ON accepts ISO, BC does not", isoBased, "CA-ON", "CA-BC", true},
		{"foreign SECOR: ON's rules recognize it, MB's do not", secor, "CA-ON", "CA-MB", true},
		{"plain COR: no rules needed", func(*equivalence.Facts) {}, "CA-ON", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			tc.setup(&f)
			d := equivalence.Decide(askOf(tc.host, "construction", "2026-11-25", "bid"), f)
			if d.Outcome == equivalence.NotRecognized {
				t.Fatalf("setup: in %s: %s %v", tc.host, d.Outcome, reasonCodes(d))
			}
			cites := false
			for _, r := range d.Evidence {
				cites = cites || r.Kind == registry.KindHostRules && r.Iss == tc.host
			}
			if cites != tc.citeRules {
				t.Errorf("%s recognizes it (%s until %s) citing %v: cites %s's rules %v, want %v", tc.host, d.Outcome, d.ValidUntil, d.Evidence, tc.host, cites, tc.citeRules)
			}
			again := equivalence.Decide(askOf(tc.host, "construction", "2026-11-25", "bid"), onlyCited(f, d.Evidence))
			if again.Outcome != d.Outcome || again.ValidUntil != d.ValidUntil || !slices.Equal(again.Evidence, d.Evidence) {
				t.Errorf("its evidence re-decided alone gives %s until %s %v, not %s until %s %v", again.Outcome, again.ValidUntil, again.Evidence, d.Outcome, d.ValidUntil, d.Evidence)
			}
			if tc.other == "" {
				return
			}
			q := askOf(tc.other, "construction", "2026-11-25", "bid")
			if honest := equivalence.Decide(q, f); honest.Outcome != equivalence.NotRecognized {
				t.Fatalf("setup: in %s: %s %v", tc.other, honest.Outcome, reasonCodes(honest))
			}
			if forged := equivalence.Decide(q, onlyCited(f, d.Evidence)); forged.Outcome != equivalence.NotRecognized {
				t.Errorf("over the records %s's recognition cites (%v), %s gives %s via %s until %s, while its rules refuse it",
					tc.host, d.Evidence, tc.other, forged.Outcome, forged.Basis, forged.ValidUntil)
			}
		})
	}
}
