package equivalence_test

import (
	"fmt"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// An Alberta contractor wants to bid on work in British Columbia. Its
// Alberta COR is recognized under the CFCSA memorandum, which every party
// signed, for bidding only and for BC's 6-month cap.
func ExampleDecide() {
	d := registry.MustDate
	parties := []registry.Jurisdiction{"CA-AB", "CA-BC"}
	facts := equivalence.Facts{
		Employers: []equivalence.EmployerFact{{
			Employer: registry.Employer{BN: "123456782", LegalName: "Acme Builders Ltd.",
				WCBAccounts: []registry.WCBAccount{{Jurisdiction: "CA-AB", Number: "1234567"}}},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEmployer, ID: "123456782", Ver: 1, Seq: 3},
		}},
		Certificates: []equivalence.CertificateFact{{
			Certificate: registry.Certificate{ID: "ACSA-100234", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "100234",
				Program: registry.ProgramCOR, EmployerBN: "123456782", Sector: "construction", Basis: registry.BasisAudit,
				IssuedOn: d("2024-03-15"), TermMonths: 36, ExpiresOn: d("2027-03-15"), Status: registry.StatusActive,
				History: []registry.StatusChange{{Status: registry.StatusActive, On: d("2024-03-15"), Reason: "issued"}}},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: "ACSA-100234", Ver: 1, Seq: 9},
		}},
		Agreements: []equivalence.AgreementFact{{
			Agreement: registry.Agreement{Terms: registry.AgreementTerms{
				ID: "cfcsa-construction-2021", Title: "CFCSA memorandum (revised 2021)", Parties: parties,
				Sector: "construction", Programs: []string{registry.ProgramCOR},
				Hosts: []registry.HostTerms{
					{Host: "CA-AB", CapDays: 180, ExcludedPrograms: []string{registry.ProgramSECOR}},
					{Host: "CA-BC", CapMonths: 6, Uses: []string{registry.UseBid},
						Conditions: []string{registry.CondNoActiveHostWCBAccount, registry.CondBidUseOnly}},
				},
				EffectiveFrom: d("2021-01-01"), Sources: []string{"[22] bccsa.ca Interprovincial COR reciprocity"},
			}},
			SignedBy: parties, // both parties' signatures verified by the caller
			Ref:      registry.Ref{Iss: "CA-AB", Kind: registry.KindAgreement, ID: "cfcsa-construction-2021", Ver: 1, Seq: 2},
		}},
	}
	q := equivalence.Question{BN: "123456782", Host: "CA-BC", Sector: "construction", On: d("2026-01-15"), Use: equivalence.UseBid}

	dec := equivalence.Decide(q, facts)
	fmt.Println(dec.Outcome, dec.Basis, dec.ValidFrom, dec.ValidUntil)
	for _, c := range dec.Conditions {
		fmt.Println("condition:", c.Code, c.Met)
	}
	fmt.Println(dec.Reasons[0].Code+":", dec.Reasons[0].Text)

	q.Use = equivalence.UseWork
	dec = equivalence.Decide(q, facts)
	fmt.Println(dec.Outcome, dec.Reasons[1].Code)
	// Output:
	// recognized home_cor_agreement 2026-01-15 2026-07-14
	// condition: no_active_host_wcb_account true
	// condition: bid_use_only true
	// home_cor_recognized: British Columbia recognizes Alberta's COR 100234 (ACSA), active on 2026-01-15, for bidding under agreement cfcsa-construction-2021, signed by every party; valid through 2026-07-14, British Columbia's cap of 6 months, counted from 2026-01-15 (the certificate expires 2027-03-15).
	// not_recognized use_not_allowed
}
