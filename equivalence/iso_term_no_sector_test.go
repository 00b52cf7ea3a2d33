package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestISOTermWithNoSectorIsTheCertificatesOwn: review s27-y finding 2.
// Alberta's rules (testdata/rules/hosts/CA-AB.json; DOMAIN.md [2][15])
// give an ISO certification a 36-month term, and the energy sector's
// (NAICS 211, 2131, 486; Energy Safety Canada re-applies yearly) a
// 12-month one. A question with no sector about an energy-only
// certification gets the energy rule's term, never the longer general
// one: the certificate's own industry codes choose the rule; where they
// span sectors, the shortest term any applicable rule gives.
func TestISOTermWithNoSectorIsTheCertificatesOwn(t *testing.T) {
	on := registry.MustDate("2026-01-15")
	for _, tc := range []struct {
		name   string
		codes  []string
		sector string
		until  string
	}{
		{"energy-only, no sector", []string{"211110"}, "", "2027-01-15"},
		{"energy-only, sector energy", []string{"211110"}, "energy", "2027-01-15"},
		{"energy and construction, no sector", []string{"211110", "236220"}, "", "2027-01-15"},
		{"construction-only, no sector", []string{"236220"}, "", "2029-01-15"},
		{"no industry codes, no sector", nil, "", "2029-01-15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := programFacts(t)
			f.Certificates = nil
			f.Equivalencies = []equivalence.EquivalencyFact{{
				Equivalency: registry.Equivalency{ID: "EQ-9", EmployerBN: "123456782", Standard: registry.StdISO45001, ExternalNumber: "X-9",
					CertificationBody: "Some Registrar", AccreditationBody: "SCC", IAFAccredited: true,
					ValidFrom: registry.MustDate("2025-01-01"), ValidTo: registry.MustDate("2030-01-01"), ScopeAligned: true,
					IndustryCodes: tc.codes, Provinces: []registry.Jurisdiction{"CA-AB"}, Decision: registry.DecisionAccepted, Status: "active"},
				Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEquivalency, ID: "EQ-9", Ver: 1, Seq: 99}}}
			d := equivalence.Decide(equivalence.Question{BN: "123456782", Host: "CA-AB", Sector: tc.sector, On: on, Use: "work"}, f)
			if d.Outcome != equivalence.Recognized || d.Basis != equivalence.BasisISO || d.ValidUntil != registry.MustDate(tc.until) {
				t.Fatalf("%s via %s through %s %v; want recognized via iso_equivalency through %s", d.Outcome, d.Basis, d.ValidUntil, reasonCodes(d), tc.until)
			}
		})
	}
}
