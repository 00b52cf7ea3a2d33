package equivalence_test

import (
	"testing"

	"github.com/corfed/corfed/equivalence"
	"github.com/corfed/corfed/registry"
)

// typicalFacts is a typical employer: COR in Alberta, Saskatchewan and
// Ontario (one suspended and reinstated), one ISO 45001 equivalency, its
// employer records, and the real rule set (every host's rules and both
// CFCSA agreements).
func typicalFacts(b testing.TB) equivalence.Facts {
	rs := loadRules(b)
	const bn = "123456782"
	d := registry.MustDate
	cert := func(j registry.Jurisdiction, cp, num, issued, expires string, h ...registry.StatusChange) equivalence.CertificateFact {
		c := registry.Certificate{ID: cp + "-" + num, Jurisdiction: j, Issuer: cp, Number: num, Program: registry.ProgramCOR,
			EmployerBN: bn, WCBAccounts: []string{"W-" + num}, IndustryScope: []string{"236", "238"}, Sector: "construction",
			Basis: registry.BasisAudit, IssuedOn: d(issued), TermMonths: 36, ExpiresOn: d(expires), Status: registry.StatusActive,
			History: append([]registry.StatusChange{{Status: registry.StatusActive, On: d(issued), Reason: "issued"}}, h...)}
		return equivalence.CertificateFact{Certificate: c, Ref: registry.Ref{Iss: j, Kind: registry.KindCertificate, ID: c.ID, Ver: uint64(1 + len(h)), Seq: 7}}
	}
	return equivalence.Facts{
		Employers: []equivalence.EmployerFact{{
			Employer: registry.Employer{BN: bn, LegalName: "Acme Builders Ltd.", WCBAccounts: []registry.WCBAccount{
				{Jurisdiction: "CA-AB", Number: "1234567"}, {Jurisdiction: "CA-SK", Number: "SK-55501"}, {Jurisdiction: "CA-ON", Number: "7788001"}}},
			Ref: registry.Ref{Iss: "CA-AB", Kind: registry.KindEmployer, ID: bn, Ver: 3, Seq: 11},
		}},
		Certificates: []equivalence.CertificateFact{
			cert("CA-AB", "ACSA", "100234", "2024-03-15", "2027-03-15"),
			cert("CA-SK", "SCSA", "9001", "2024-09-01", "2027-09-01",
				registry.StatusChange{Status: registry.StatusSuspended, On: d("2025-06-01"), Reason: "Employer Review"},
				registry.StatusChange{Status: registry.StatusActive, On: d("2025-09-15"), Reason: "reinstated"}),
			cert("CA-ON", "IHSA", "000266", "2025-05-01", "2028-05-01"),
		},
		Equivalencies: []equivalence.EquivalencyFact{{
			Equivalency: registry.Equivalency{ID: "eqv-1", EmployerBN: bn, Standard: registry.StdISO45001, ExternalNumber: "CA45-1",
				CertificationBody: "Maple Registrar Inc.", AccreditationBody: "SCC", IAFAccredited: true,
				ValidFrom: d("2025-02-01"), ValidTo: d("2028-01-31"), Provinces: []registry.Jurisdiction{"CA-AB", "CA-ON"},
				ScopeAligned: true, Decision: registry.DecisionAccepted, Status: registry.StatusActive},
			Ref: registry.Ref{Iss: "CA-ON", Kind: registry.KindEquivalency, ID: "eqv-1", Ver: 1, Seq: 21},
		}},
		Agreements: rs.allAgreements(),
		HostRules:  rs.allHostRules(),
	}
}

// BenchmarkDecide asks the typical employer's questions across hosts, uses
// and dates, and reports decisions per second on one core.
func BenchmarkDecide(b *testing.B) {
	f := typicalFacts(b)
	var qs []equivalence.Question
	for _, h := range []registry.Jurisdiction{"CA-BC", "CA-MB", "CA-SK", "CA-AB", "CA-ON", "CA-QC", "CA-NS"} {
		for _, u := range []string{equivalence.UseBid, equivalence.UseWork} {
			for _, on := range []string{"2026-01-15", "2025-07-01"} {
				qs = append(qs, equivalence.Question{BN: "123456782", Host: h, Sector: "construction", On: registry.MustDate(on), Use: u})
			}
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		d := equivalence.Decide(qs[i%len(qs)], f)
		if len(d.Reasons) == 0 {
			b.Fatal("no reasons")
		}
		i++
	}
	b.ReportMetric(float64(i)/b.Elapsed().Seconds(), "decisions/s")
}
