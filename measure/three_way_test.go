package measure

import "testing"

func rowsIn(first, n int, year int, ind string, py float64, ltc int64) []Snapshot {
	rs := rowsFor(first, n, ind, py, ltc)
	for i := range rs {
		rs[i].Year = year
	}
	return rs
}

// TestThreeWayTableKeepsItsTwoWayMargins (review s25-p, the documented
// limitation): a year x industry x size_band table hides (2023, A,
// under_10), one employer. The (2023, A) subtotal is published by
// group_by=year,industry (and by ?year=2023&industry=A), so the table
// also hides a second cell inside it: lines are taken over every proper
// subset of the dimensions, not each dimension alone. Before, only one
// cell was hidden there: subtotal - (2023, A, 10_to_49) = the employer.
func TestThreeWayTableKeepsItsTwoWayMargins(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsIn(0, 1, 2023, "A", 9, 3)...)   // secret: 1 employer, 3 LTC
	rows = append(rows, rowsIn(10, 6, 2023, "A", 20, 1)...) // (2023, A, 10_to_49)
	rows = append(rows, rowsIn(20, 4, 2023, "B", 9, 0)...)  // (2023, B, under_10)
	rows = append(rows, rowsIn(30, 6, 2023, "B", 20, 1)...) // (2023, B, 10_to_49)
	rows = append(rows, rowsIn(40, 4, 2024, "A", 9, 0)...)  // (2024, A, under_10)
	rows = append(rows, rowsIn(50, 6, 2024, "A", 20, 1)...) // (2024, A, 10_to_49)
	rows = append(rows, rowsIn(60, 6, 2024, "B", 9, 0)...)  // (2024, B, under_10)
	rows = append(rows, rowsIn(70, 6, 2024, "B", 20, 1)...) // (2024, B, 10_to_49)
	h := NewHolders(nil)
	three, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear, DimIndustry, DimSizeBand}})
	if err != nil {
		t.Fatal(err)
	}
	var shownPart *Figures
	for _, c := range three.Cells {
		t.Logf("%v suppressed=%v %s", c.Key, c.Groups.NonCOR.Suppressed, c.Groups.NonCOR.Reason)
		if c.Key[DimYear] == "2023" && c.Key[DimIndustry] == "A" && c.Key[DimSizeBand] == Band10to49 && !c.Groups.NonCOR.Suppressed {
			shownPart = c.Groups.NonCOR.Figures
		}
	}
	sub, err := Compute(rows, h, Query{Minimum: DefaultMinimum, Year: 2023, Industry: "A"})
	if err != nil {
		t.Fatal(err)
	}
	if shownPart != nil && !sub.Groups.NonCOR.Suppressed {
		s := sub.Groups.NonCOR.Figures
		t.Errorf("hidden cell recovered: ?year=2023&industry=A minus (2023,A,10_to_49) = %d employer(s), %g person-years, %g lost-time claims",
			s.Employers-shownPart.Employers, s.PersonYears-shownPart.PersonYears, s.LostTimeClaims-shownPart.LostTimeClaims)
	}
}
