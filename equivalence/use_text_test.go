package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// TestUseNotAllowedNamesTheHostsUses: a host whose terms allow work only,
// asked about a bid, says so in both languages. The reason read "for
// bidding only, not for bidding" whatever the host allowed.
func TestUseNotAllowedNamesTheHostsUses(t *testing.T) {
	d := registry.MustDate
	const bn = "123456782"
	terms := registry.AgreementTerms{ID: "ab-ns-work", Title: "AB-NS work reciprocity",
		Parties: []registry.Jurisdiction{"CA-AB", "CA-NS"}, Sector: "construction", Programs: []string{"COR"},
		Hosts:         []registry.HostTerms{{Host: "CA-AB", CapMonths: 6}, {Host: "CA-NS", CapMonths: 6, Uses: []string{"work"}}},
		EffectiveFrom: d("2024-01-01"), Sources: []string{"test"}}
	if err := terms.Validate(); err != nil {
		t.Fatal(err)
	}
	c := registry.Certificate{ID: "ACSA-1", Jurisdiction: "CA-AB", Issuer: "ACSA", Number: "1", Program: "COR", EmployerBN: bn,
		Sector: "construction", Basis: registry.BasisAudit, IssuedOn: d("2025-01-10"), TermMonths: 36, ExpiresOn: d("2028-01-10"),
		Status: "active", History: []registry.StatusChange{{Status: "active", On: d("2025-01-10"), Reason: "issued"}}}
	f := equivalence.Facts{
		Certificates: []equivalence.CertificateFact{{Certificate: c, Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindCertificate, ID: c.ID, Ver: 1, Seq: 1}}},
		Agreements: []equivalence.AgreementFact{{Agreement: registry.Agreement{Terms: terms},
			Ref: registry.Ref{Iss: "CA-NS", Kind: registry.KindAgreement, ID: terms.ID, Ver: 1, Seq: 2}, SignedBy: terms.Parties}},
	}
	want := map[equivalence.Lang]string{
		equivalence.English: "Under agreement ab-ns-work, Nova Scotia recognizes another jurisdiction's certificate for work only, not for bidding.",
		equivalence.French:  "En vertu de l'entente ab-ns-work, la Nouvelle-Écosse reconnaît le certificat d'une autre autorité pour l'exécution de travaux seulement, et non pour soumissionner.",
	}
	for lang, text := range want {
		dec := equivalence.Decide(equivalence.Question{BN: bn, Host: "CA-NS", Sector: "construction", On: d("2026-03-01"), Use: "bid", Lang: lang}, f)
		found := false
		for _, r := range dec.Reasons {
			if r.Code == equivalence.ReasonUseNotAllowed {
				found = true
				if r.Text != text {
					t.Errorf("%v: got %q, want %q", lang, r.Text, text)
				}
			}
		}
		if !found {
			t.Errorf("%v: no use_not_allowed reason: %+v", lang, dec.Reasons)
		}
	}
}
