package equivalence_test

import (
	"slices"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestSectorWordAndCodeAgree: review s27-y finding 3. A sector given as a
// word, in English or French, in any case, with or without accents, or as
// its NAICS 2-digit code (construction: 23, the CFCSA agreement's code)
// gives the same answer for the same employer, whatever the basis:
// an agreement over a certificate named by industry codes only, the
// host's own such certificate, an ISO certification with industry codes.
// An unknown sector is a problem naming the field "sector".
func TestSectorWordAndCodeAgree(t *testing.T) {
	codesOnly := func(f *equivalence.Facts) {
		c := &f.Certificates[0].Certificate
		c.Sector, c.IndustryScope = "", []string{"236", "238"}
	}
	atHome := func(f *equivalence.Facts) {
		codesOnly(f)
	}
	iso := func(f *equivalence.Facts) {
		f.Certificates = nil
		f.Equivalencies = []equivalence.EquivalencyFact{{
			Equivalency: registry.Equivalency{ID: "EQ-9", EmployerBN: "123456782", Standard: registry.StdISO45001, ExternalNumber: "X-9",
				CertificationBody: "Some Registrar", AccreditationBody: "SCC", IAFAccredited: true,
				ValidFrom: registry.MustDate("2025-01-01"), ValidTo: registry.MustDate("2030-01-01"), ScopeAligned: true,
				IndustryCodes: []string{"236220"}, Provinces: []registry.Jurisdiction{"CA-AB", "CA-ON"}, Decision: registry.DecisionAccepted, Status: "active"},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEquivalency, ID: "EQ-9", Ver: 1, Seq: 99}}}
	}
	for _, tc := range []struct {
		name  string
		setup func(*equivalence.Facts)
		host  registry.Jurisdiction
	}{
		{"agreement, certificate named by codes", codesOnly, "CA-BC"},
		{"host's own certificate named by codes", atHome, "CA-AB"},
		{"ISO certification in Ontario", iso, "CA-ON"},
		{"ISO certification in Alberta", iso, "CA-AB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			tc.setup(&f)
			var first equivalence.Decision
			for i, s := range []string{"construction", "23", "Construction", "CONSTRUCTION", "Construction"} {
				d := equivalence.Decide(askOf(tc.host, s, "2026-11-25", "bid"), f)
				if i == 0 {
					if d.Outcome == equivalence.NotRecognized {
						t.Fatalf("setup: by %q: %s %v", s, d.Outcome, reasonCodes(d))
					}
					first = d
					continue
				}
				if d.Outcome != first.Outcome || d.Basis != first.Basis || d.ValidUntil != first.ValidUntil || !slices.Equal(reasonCodes(d), reasonCodes(first)) {
					t.Errorf("by %q: %s via %s until %s %v; by %q: %s via %s until %s %v", s, d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d),
						"construction", first.Outcome, first.Basis, first.ValidUntil, reasonCodes(first))
				}
			}
		})
	}
	// Energy, in French and without its accent: Alberta's energy rule
	// (a 12-month term), as in English.
	f := programFacts(t)
	iso(&f)
	f.Equivalencies[0].Equivalency.IndustryCodes = []string{"211110"}
	en := equivalence.Decide(askOf("CA-AB", "energy", "2026-11-25", "work"), f)
	for _, s := range []string{"énergie", "Énergie", "energie", "ENERGY"} {
		d := equivalence.Decide(askOf("CA-AB", s, "2026-11-25", "work"), f)
		if d.Outcome != en.Outcome || d.ValidUntil != en.ValidUntil {
			t.Errorf("by %q: %s until %s %v; by energy: %s until %s", s, d.Outcome, d.ValidUntil, reasonCodes(d), en.Outcome, en.ValidUntil)
		}
	}
	for _, s := range []string{"roofing", "constructon", "énergie solaire"} {
		err := askOf("CA-AB", s, "2026-11-25", "work").Validate()
		if !slices.Equal(registry.Fields(err), []string{"sector"}) {
			t.Errorf("sector %q: Validate %v, want a problem naming sector", s, err)
		}
	}
}

// TestNAICSSectorWordsAndCodesAgree: every NAICS sector is a known sector
// in English and French, and a certificate named only by industry codes
// covers its sector asked by word or by 2-digit code alike, and not another.
func TestNAICSSectorWordsAndCodesAgree(t *testing.T) {
	for _, tc := range []struct {
		words []string
		codes []string
		name  string
	}{
		{[]string{"manufacturing", "Fabrication"}, []string{"31", "32", "33"}, "manufacturing"},
		{[]string{"Transportation and warehousing", "transport et entreposage"}, []string{"48", "49"}, "transportation"},
		{[]string{"health care", "Soins de santé"}, []string{"62"}, "health care"},
		{[]string{"Services d'hébergement et de restauration", "accommodation and food services"}, []string{"72"}, "accommodation and food services"},
		{[]string{"construction"}, []string{"23"}, "construction"},
	} {
		for _, in := range append(append([]string{}, tc.words...), tc.codes...) {
			if got, ok := equivalence.NormalizeSector(in); !ok || got != tc.name {
				t.Errorf("NormalizeSector(%q) = %q, %v; want %q", in, got, ok, tc.name)
			}
		}
	}
	if got, ok := equivalence.NormalizeSector("311"); !ok || got != "311" {
		t.Errorf("NormalizeSector(311) = %q, %v; want the code kept", got, ok)
	}
	f := programFacts(t)
	c := &f.Certificates[0].Certificate
	c.Sector, c.IndustryScope = "", []string{"3118"}
	atHome := registry.Jurisdiction("CA-AB")
	word := equivalence.Decide(askOf(atHome, "manufacturing", "2026-11-25", "work"), f)
	code := equivalence.Decide(askOf(atHome, "31", "2026-11-25", "work"), f)
	if word.Outcome != code.Outcome || word.ValidUntil != code.ValidUntil {
		t.Errorf("manufacturing: %s until %s %v; 31: %s until %s %v", word.Outcome, word.ValidUntil, reasonCodes(word), code.Outcome, code.ValidUntil, reasonCodes(code))
	}
	if word.Outcome == equivalence.NotRecognized {
		t.Errorf("a certificate scoped 3118 at home, asked about manufacturing: %s %v", word.Outcome, reasonCodes(word))
	}
	other := equivalence.Decide(askOf(atHome, "health care", "2026-11-25", "work"), f)
	if other.Outcome != equivalence.NotRecognized {
		t.Errorf("a certificate scoped 3118, asked about health care: %s, want not recognized", other.Outcome)
	}
}
