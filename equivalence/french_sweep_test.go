package equivalence_test

import (
	"strings"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestFrenchEverywhere: every host x sector x use x date over a
// certificate, an ISO record counted in AB and ON, one published by a
// member without standing, and a later version of AB's rules: French and
// English agree on everything but the texts, and every French text exists
// and differs from the English one.
func TestFrenchEverywhere(t *testing.T) {
	f := programFacts(t)
	iso := isoFacts(t, "236")
	f.Equivalencies = iso.Equivalencies
	f.Equivalencies[0].Equivalency.Provinces = []registry.Jurisdiction{"CA-AB", "CA-ON"}
	other := f.Equivalencies[0]
	other.Ref.Iss, other.Ref.ID, other.Equivalency.ID = "CA-YT", "EQ-YT", "EQ-YT"
	other.Equivalency.Provinces = nil
	f.Equivalencies = append(f.Equivalencies, other)
	next := hostRulesOf(t, f, "CA-AB")
	next.ID, next.EffectiveFrom = "CA-AB-recognition-2027", registry.MustDate("2027-01-01")
	f.HostRules = append(f.HostRules, equivalence.HostRulesFact{Rules: next,
		Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindHostRules, ID: next.ID, Ver: 1, Seq: 9999}})
	seen := map[string]bool{}
	for _, h := range registry.Jurisdictions {
		for _, s := range []string{"", "construction", "energy", "236220", "211110", "Construction"} {
			for _, u := range []string{equivalence.UseBid, equivalence.UseWork} {
				for _, on := range []string{"2009-06-01", "2025-03-14", "2026-02-28", "2026-12-01", "2028-02-29", "2028-03-15", "2029-01-01"} {
					q := askOf(h, s, on, u)
					en := equivalence.Decide(q, f)
					q.Lang = equivalence.French
					fr := equivalence.Decide(q, f)
					if en.Outcome != fr.Outcome || en.ValidUntil != fr.ValidUntil || len(en.Reasons) != len(fr.Reasons) || len(en.Conditions) != len(fr.Conditions) {
						t.Fatalf("%+v: en %s %s / fr %s %s", q, en.Outcome, en.ValidUntil, fr.Outcome, fr.ValidUntil)
					}
					for i := range en.Reasons {
						seen[en.Reasons[i].Code] = true
						if e, r := en.Reasons[i].Text, fr.Reasons[i].Text; r == "" || r == e || strings.Contains(r, "Code ") || strings.Contains(e, "Code ") {
							t.Errorf("%s %s %s %s %s: en %q / fr %q", h, s, u, on, en.Reasons[i].Code, e, r)
						}
					}
					for i := range en.Conditions {
						if en.Conditions[i].Text == fr.Conditions[i].Text || fr.Conditions[i].Text == "" {
							t.Errorf("condition %s: en %q / fr %q", en.Conditions[i].Code, en.Conditions[i].Text, fr.Conditions[i].Text)
						}
					}
				}
			}
		}
	}
	for _, code := range []string{equivalence.ReasonEquivalencyIssuerNotCovered, equivalence.ReasonEquivalencyAccepted, equivalence.ReasonSectorMismatch} {
		if !seen[code] {
			t.Errorf("the sweep never reached %s", code)
		}
	}
}
