package measure

import "testing"

// TestFinerTableKeepsACoarserTablesComplement: group_by=year hides 2021
// (one employer) and 2022 with it (the smallest shown year). The year x
// industry table's own lines never need a 2022 cell, yet if it showed
// both of 2022's cells their sum would be 2022, and then 2021 = all years
// - 2022 - 2023 - 2024. A table hides at least one cell of every total a
// coarser table hides.
func TestFinerTableKeepsACoarserTablesComplement(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsIn(0, 1, 2021, "C", 30, 4)...)    // secret
	rows = append(rows, rowsIn(10, 5, 2022, "A", 10, 1)...)   // (2022, A): 50 PY
	rows = append(rows, rowsIn(20, 5, 2022, "B", 10, 1)...)   // (2022, B): 50 PY
	rows = append(rows, rowsIn(30, 10, 2023, "A", 50, 1)...)  // big
	rows = append(rows, rowsIn(40, 10, 2023, "B", 50, 1)...)  // big
	rows = append(rows, rowsIn(50, 5, 2023, "C", 8, 1)...)    // (2023, C): 40 PY
	rows = append(rows, rowsIn(60, 5, 2023, "D", 9, 1)...)    // (2023, D): 45 PY
	rows = append(rows, rowsIn(70, 5, 2024, "D", 9, 1)...)    // (2024, D): 45 PY
	rows = append(rows, rowsIn(80, 5, 2024, "C", 9, 1)...)    // (2024, C): 45 PY
	rows = append(rows, rowsIn(90, 10, 2024, "A", 50, 1)...)  // big
	rows = append(rows, rowsIn(100, 10, 2024, "B", 50, 1)...) // big
	h := NewHolders(nil)
	get := func(dims ...string) Result {
		r, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: dims})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	hidden := map[string]bool{}
	for _, c := range get(DimYear).Cells {
		hidden[c.Key[DimYear]] = c.Groups.NonCOR.Suppressed
	}
	if !hidden["2021"] || !hidden["2022"] {
		t.Fatalf("group_by=year hides %v; want 2021 and 2022", hidden)
	}
	shown, cells := 0, 0
	for _, c := range get(DimYear, DimIndustry).Cells {
		t.Logf("%v %v %s", c.Key, c.Groups.NonCOR.Suppressed, c.Groups.NonCOR.Reason)
		if c.Key[DimYear] == "2022" {
			cells++
			if !c.Groups.NonCOR.Suppressed {
				shown++
			}
		}
	}
	if shown == cells {
		t.Errorf("year x industry shows every cell of 2022 (%d), which add up to the year group_by=year hides", cells)
	}
}
