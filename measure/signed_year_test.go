package measure

import "testing"

// TestSignedYearAggregateKeepsTheYearComplement: the breakdown by year
// hides 2021 (one employer) and, as its complement, 2022 (the smallest
// shown year). The signed aggregate for 2022 (Totals, what POST
// /v1/metrics/publish signs into the public feed) is suppressed too:
// before, it published 2022, and 2021 = all years - 2022 - 2023 (review
// s25-p, finding 1).
func TestSignedYearAggregateKeepsTheYearComplement(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsIn(0, 1, 2021, "A", 30, 4)...)   // secret
	rows = append(rows, rowsIn(10, 5, 2022, "A", 10, 1)...)  // 5 employers, 50 PY: shown alone
	rows = append(rows, rowsIn(20, 10, 2023, "A", 50, 2)...) // big
	h := NewHolders(nil)
	by, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear}})
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]bool{}
	var y2023 *Figures
	for _, c := range by.Cells {
		hidden[c.Key[DimYear]] = c.Groups.NonCOR.Suppressed
		if c.Key[DimYear] == "2023" {
			y2023 = c.Groups.NonCOR.Figures
		}
	}
	t.Logf("group_by=year hides %v", hidden)
	agg, _, err := Totals(SliceRows(rows), h, 2022, DefaultMinimum)
	if err != nil {
		t.Fatal(err)
	}
	if hidden["2021"] && hidden["2022"] && !agg[1].Suppressed && !by.Groups.NonCOR.Suppressed && y2023 != nil {
		tot := by.Groups.NonCOR.Figures
		t.Errorf("2021 recovered: all years - signed 2022 - 2023 = %g person-years, %g lost-time claims",
			tot.PersonYears-agg[1].PersonYears-y2023.PersonYears, tot.LostTimeClaims-agg[1].LostTimeClaims-y2023.LostTimeClaims)
	}
}
