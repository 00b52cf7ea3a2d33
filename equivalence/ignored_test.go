package equivalence_test

import (
	"slices"
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// Records that are well-formed JSON but break a rule are ignored with a
// reason. Rule files cannot hold them (the parsers reject them), so the
// facts are built here.
func TestInvalidRuleRecordsAreIgnored(t *testing.T) {
	rs := loadRules(t)
	d := registry.MustDate
	bn := "123456782"
	home := equivalence.CertificateFact{
		Certificate: registry.Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "1", Program: registry.ProgramCOR,
			EmployerBN: bn, Sector: "construction", Basis: registry.BasisAudit, IssuedOn: d("2024-03-15"), TermMonths: 36,
			ExpiresOn: d("2027-03-15"), Status: registry.StatusActive,
			History: []registry.StatusChange{{Status: registry.StatusActive, On: d("2024-03-15"), Reason: "issued"}}},
		Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "ACSA-1", Ver: 1, Seq: 1},
	}
	iso := equivalence.EquivalencyFact{
		Equivalency: registry.Equivalency{ID: "e1", EmployerBN: bn, Standard: registry.StdISO45001, ExternalNumber: "X1",
			CertificationBody: "B", AccreditationBody: "SCC", IAFAccredited: true, ValidFrom: d("2025-01-01"), ValidTo: d("2027-12-31"),
			ScopeAligned: true, Decision: registry.DecisionAccepted, Status: registry.StatusActive},
		Ref: registry.Ref{Iss: "CA-ON", Kind: registry.KindEquivalency, ID: "e1", Ver: 1, Seq: 2},
	}
	invalidAgreement := rs.agreements["cfcsa-construction-2021"]
	invalidAgreement.Agreement.Terms.Hosts = invalidAgreement.Agreement.Terms.Hosts[1:] // CA-AB loses its host terms
	invalidRules := rs.hosts["CA-ON"][1]
	invalidRules.Rules.Sources = nil

	tests := []struct {
		name   string
		host   registry.Jurisdiction
		facts  equivalence.Facts
		reason string
	}{
		{"agreement without a party's host terms", "CA-BC",
			equivalence.Facts{Certificates: []equivalence.CertificateFact{home}, Agreements: []equivalence.AgreementFact{invalidAgreement}},
			equivalence.ReasonAgreementInvalid},
		{"host rules without sources", "CA-ON",
			equivalence.Facts{Equivalencies: []equivalence.EquivalencyFact{iso}, HostRules: []equivalence.HostRulesFact{invalidRules}},
			equivalence.ReasonHostRulesInvalid},
		{"certificate without expiry", "CA-AB",
			equivalence.Facts{Certificates: []equivalence.CertificateFact{func() equivalence.CertificateFact {
				c := home
				c.Certificate.ExpiresOn = registry.Date{}
				return c
			}()}},
			equivalence.ReasonCertificateInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := equivalence.Question{BN: bn, Host: tc.host, Sector: "construction", On: d("2026-01-15"), Use: equivalence.UseBid}
			dec := equivalence.Decide(q, tc.facts)
			var codes []string
			for _, r := range dec.Reasons {
				codes = append(codes, r.Code)
			}
			if dec.Outcome != equivalence.NotRecognized || !slices.Contains(codes, tc.reason) {
				t.Errorf("got %s %v, want not_recognized with %s", dec.Outcome, codes, tc.reason)
			}
		})
	}
}

func TestQuestionValidate(t *testing.T) {
	ok := equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: registry.MustDate("2026-01-15"), Use: equivalence.UseBid}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for field, edit := range map[string]func(*equivalence.Question){
		"bn":     func(q *equivalence.Question) { q.BN = "12345678" },
		"host":   func(q *equivalence.Question) { q.Host = "BC" },
		"use":    func(q *equivalence.Question) { q.Use = "" },
		"on":     func(q *equivalence.Question) { q.On = registry.Date{} },
		"sector": func(q *equivalence.Question) { q.Sector = "constr@ction" },
	} {
		q := ok
		edit(&q)
		err := q.Validate()
		ve, isVE := err.(*registry.ValidationError)
		if !isVE || ve.Field != field {
			t.Errorf("%s: got %v, want a ValidationError on %s", field, err, field)
		}
	}
	// A sector is a known one's word (English or French, any case or
	// accent), or an industry code; an unknown word ("roofing") is a
	// problem on sector, not a silent mismatch (review s27-y, finding 3).
	if ve, isVE := (equivalence.Question{BN: ok.BN, Host: ok.Host, On: ok.On, Use: ok.Use, Sector: "roofing"}).Validate().(*registry.ValidationError); !isVE || ve.Field != "sector" {
		t.Errorf("sector \"roofing\": want a ValidationError on sector")
	}
	for _, s := range []string{"", "construction", "Énergie", "energie", "236220", "23", "Oil and gas", "manufacturing", "Fabrication", "Soins de santé", "Arts, entertainment and recreation", "Services d'enseignement", "31"} {
		q := ok
		q.Sector = s
		if err := q.Validate(); err != nil {
			t.Errorf("sector %q: %v", s, err)
		}
	}
}
