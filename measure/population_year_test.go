package measure

import (
	"fmt"
	"testing"

	"github.com/corfed/corfed/registry"
)

// yearRows: five employers never certified (100 person-years each,
// 2 lost-time claims, no fatality) and employer 50, described by one row.
func yearRows(row Snapshot) []Snapshot {
	var rows []Snapshot
	for i := 40; i < 45; i++ {
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(4000 + i), Year: 2024, IndustryCode: "42100",
			PersonYears: 100, LostTimeClaims: 2, DisablingInjuryClaims: 3})
	}
	return append(rows, row)
}

// TestCertifiedOnlyAfterTheYearIsNotCOR: Alberta takes its claims
// snapshot of year Y on 31 March of Y+1 (DOMAIN.md [9][10]; the README's
// example row is year 2024, as_of 2025-03-31). Employer 50 had no COR at
// any time in 2024 (its first was issued on 2025-02-10): its 2024 row is
// wholly non_cor, whatever the date the figures were taken.
func TestCertifiedOnlyAfterTheYearIsNotCOR(t *testing.T) {
	holders := NewHolders([]registry.Certificate{cert("C50", bn(50), registry.ProgramCOR, "ACSA", "2025-02-10")})
	rows := yearRows(Snapshot{EmployerBN: bn(50), WCBAccount: "4050", Year: 2024, AsOf: registry.MustDate("2025-03-31"), IndustryCode: "42100",
		PersonYears: 100, LostTimeClaims: 9, DisablingInjuryClaims: 12, Fatalities: 1})
	res, err := Compute(rows, holders, Query{Year: 2024, Minimum: Minimum{PersonYears: 1, Employers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Groups.COR; g.Figures != nil {
		t.Errorf("2024 cor group: %d employer(s), %g person-years, %g lost-time claims, %g fatalities; no employer held a COR in 2024",
			g.Employers, g.PersonYears, g.LostTimeClaims, g.Fatalities)
	}
	if g := res.Groups.NonCOR; g.Figures == nil || g.PersonYears != 600 || g.Fatalities != 1 || g.Employers != 6 {
		t.Errorf("2024 non_cor group: %+v, want all six employers' 600 person-years and the fatality", g.Figures)
	}
}

// TestRevokedDuringTheYearIsNotANonHolderAllYear: employer 50 held an
// active COR from 2022 until a fatality review revoked it on 2024-11-15.
// Its 2024 (100 person-years, the fatality, 9 lost-time claims) is split
// by exposure: 319 of 366 days in cor (1 January to 14 November), 47 in
// non_cor. The employer counts in both groups.
func TestRevokedDuringTheYearIsNotANonHolderAllYear(t *testing.T) {
	holders := NewHolders([]registry.Certificate{cert("C50", bn(50), registry.ProgramCOR, "ACSA", "2022-06-01",
		registry.StatusChange{Status: registry.StatusRevoked, On: registry.MustDate("2024-11-15")})})
	rows := yearRows(Snapshot{EmployerBN: bn(50), WCBAccount: "4050", Year: 2024, IndustryCode: "42100",
		PersonYears: 100, LostTimeClaims: 9, DisablingInjuryClaims: 12, Fatalities: 1})
	// No employer minimum: the cor group is 319/366 of one employer-year,
	// under a minimum of one employer (TestOneDayHoldersDoNotMakeUpTheMinimum).
	res, err := Compute(rows, holders, Query{Year: 2024, Minimum: Minimum{PersonYears: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Groups.NonCOR; g.Figures != nil && g.PersonYears >= 600 {
		t.Errorf("2024 non_cor group: %g person-years, %g fatalities: employer 50's whole year, worked under a COR until 2024-11-14, is counted as a non-holder's",
			g.PersonYears, g.Fatalities)
	}
	c, n := res.Groups.COR.Figures, res.Groups.NonCOR.Figures
	if c == nil || n == nil {
		t.Fatalf("groups %+v", res.Groups)
	}
	if want := 100 * 319.0 / 366; c.PersonYears != want || c.Fatalities != 319.0/366 || c.LostTimeClaims != 9*319.0/366 || c.Employers != 1 || c.Snapshots != 1 {
		t.Errorf("cor %+v, want 319/366 of employer 50's row (%g person-years)", c, want)
	}
	if n.Employers != 6 || n.Snapshots != 6 || n.Fatalities != 47.0/366 || n.PersonYears != 500+100*47.0/366 {
		t.Errorf("non_cor %+v, want five employers' 500 person-years and 47/366 of employer 50's row", n)
	}
	// The fractional counts' intervals and ratios are defined.
	if !(c.FatalityRateCI.Lower > 0 && c.FatalityRateCI.Lower < c.FatalityRate && c.FatalityRate < c.FatalityRateCI.Upper) {
		t.Errorf("cor fatality rate %g, interval %+v", c.FatalityRate, c.FatalityRateCI)
	}
	if res.Ratios == nil || res.Ratios.FatalityRate == nil {
		t.Errorf("ratios %+v: both groups have a (fractional) fatality count", res.Ratios)
	}
}

// TestShortSuspensionOverYearEndKeepsTheYear: a certifying partner
// writes its own certificates' status changes. Suspending employer 50's
// COR on 2024-12-30 and reinstating it on 2025-01-02 leaves its 2024 in
// the cor group: a suspension is a review, not the loss of the COR, and
// no single day decides the group.
func TestShortSuspensionOverYearEndKeepsTheYear(t *testing.T) {
	holders := NewHolders([]registry.Certificate{cert("C50", bn(50), registry.ProgramCOR, "ACSA", "2022-06-01",
		registry.StatusChange{Status: registry.StatusSuspended, On: registry.MustDate("2024-12-30")},
		registry.StatusChange{Status: registry.StatusActive, On: registry.MustDate("2025-01-02")})})
	rows := yearRows(Snapshot{EmployerBN: bn(50), WCBAccount: "4050", Year: 2024, IndustryCode: "42100",
		PersonYears: 100, LostTimeClaims: 9, DisablingInjuryClaims: 12, Fatalities: 1})
	res, err := Compute(rows, holders, Query{Year: 2024, Minimum: Minimum{PersonYears: 1, Employers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if g := res.Groups.COR; g.Figures == nil || g.PersonYears < 50 {
		t.Errorf("2024: employer 50 held its COR on 363 of 366 days, but the cor group is %+v (suppressed %v: %s)", g.Figures, g.Suppressed, g.Reason)
	}
	if g := res.Groups.COR; g.Figures != nil && (g.PersonYears != 100 || g.Fatalities != 1) {
		t.Errorf("2024 cor group %+v: a suspended COR still holds, so the whole year is cor", g.Figures)
	}
}

// TestYearSplitsBetweenCertificates: an employer whose SECOR (CP A)
// lapsed on 30 June and whose COR (CP B) was issued on 1 October splits
// its year three ways, by days: the parts add up to the year.
func TestYearSplitsBetweenCertificates(t *testing.T) {
	c1 := cert("S1", bn(1), registry.ProgramSECOR, "A", "2021-07-01")
	c1.ExpiresOn = registry.MustDate("2023-06-30")
	h := NewHolders([]registry.Certificate{c1, cert("C1", bn(1), registry.ProgramCOR, "B", "2023-10-01")})
	parts := h.Year(bn(1), "", 2023, nil)
	want := []Part{
		{Held: true, Holding: Holding{CertificateID: "S1", Program: registry.ProgramSECOR, CP: "A"}, Days: 181},
		{Days: 92},
		{Held: true, Holding: Holding{CertificateID: "C1", Program: registry.ProgramCOR, CP: "B"}, Days: 92},
	}
	if fmt.Sprint(parts) != fmt.Sprint(want) {
		t.Errorf("2023 parts %+v, want %+v", parts, want)
	}
	if p := h.Year(bn(2), "", 2024, parts); len(p) != 1 || p[0].Held || p[0].Days != 366 {
		t.Errorf("no certificate: %+v", p)
	}
}
