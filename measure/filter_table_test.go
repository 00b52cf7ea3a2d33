package measure

import "testing"

// TestFilteredBreakdownHidesWhatTheTableHid: the year x industry table
// hides (2023, A), one employer, and (2024, A) with it on industry A's
// line (group_by=industry publishes A's total). ?year=2024&group_by=
// industry is 2024's cells of that table, and hides (2024, A) too:
// before, it decided within 2024 alone and showed it, and (2023, A) =
// industry A - (2024, A) (review s25-p, finding 3).
func TestFilteredBreakdownHidesWhatTheTableHid(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsIn(0, 1, 2023, "A", 30, 5)...)  // secret
	rows = append(rows, rowsIn(10, 8, 2023, "B", 50, 1)...) // (2023, B)
	rows = append(rows, rowsIn(20, 8, 2023, "C", 60, 1)...) // (2023, C)
	rows = append(rows, rowsIn(30, 8, 2024, "A", 50, 1)...) // (2024, A)
	rows = append(rows, rowsIn(40, 8, 2024, "B", 50, 1)...) // (2024, B)
	rows = append(rows, rowsIn(50, 8, 2024, "C", 50, 1)...) // (2024, C)
	h := NewHolders(nil)
	two, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear, DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range two.Cells {
		t.Logf("table %v suppressed=%v %s", c.Key, c.Groups.NonCOR.Suppressed, c.Groups.NonCOR.Reason)
	}
	byInd, _ := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimIndustry}})
	f, err := ComputeFrom(SliceRows(rows), h, Query{Minimum: DefaultMinimum, Year: 2024, GroupBy: []string{DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	var a2024, aAll *Figures
	for _, c := range f.Cells {
		if c.Key[DimIndustry] == "A" {
			a2024 = c.Groups.NonCOR.Figures
		}
	}
	for _, c := range byInd.Cells {
		if c.Key[DimIndustry] == "A" {
			aAll = c.Groups.NonCOR.Figures
		}
	}
	if a2024 != nil && aAll != nil {
		t.Errorf("(2023, A) recovered: group_by=industry A - (?year=2024&group_by=industry A) = %d employer(s), %g person-years, %g lost-time claims",
			aAll.Employers-a2024.Employers, aAll.PersonYears-a2024.PersonYears, aAll.LostTimeClaims-a2024.LostTimeClaims)
	}
}

// TestFilteredCellHidesWhatTheTableHid: the same table through a cell
// filter. ?year=2024&industry=B is the (2024, B) cell of the year x
// industry table, hidden as there; before, it showed (2024, B), which the
// table hid on 2024's line, and 2024 - (2024, B) - (2024, C) = (2024, A),
// and industry A - (2024, A) = (2023, A).
func TestFilteredCellHidesWhatTheTableHid(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsIn(0, 1, 2023, "A", 30, 5)...)
	rows = append(rows, rowsIn(10, 8, 2023, "B", 50, 1)...)
	rows = append(rows, rowsIn(20, 8, 2023, "C", 60, 1)...)
	rows = append(rows, rowsIn(30, 8, 2024, "A", 50, 1)...)
	rows = append(rows, rowsIn(40, 8, 2024, "B", 50, 1)...)
	rows = append(rows, rowsIn(50, 8, 2024, "C", 50, 1)...)
	h := NewHolders(nil)
	get := func(q Query) Result {
		q.Minimum = DefaultMinimum
		r, err := ComputeFrom(SliceRows(rows), h, q)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	two := get(Query{GroupBy: []string{DimYear, DimIndustry}})
	var c2024 *Figures
	for _, c := range two.Cells {
		if c.Key[DimYear] == "2024" && c.Key[DimIndustry] == "C" {
			c2024 = c.Groups.NonCOR.Figures
		}
	}
	y := get(Query{GroupBy: []string{DimYear}})
	var y2024 *Figures
	for _, c := range y.Cells {
		if c.Key[DimYear] == "2024" {
			y2024 = c.Groups.NonCOR.Figures
		}
	}
	var aAll *Figures
	for _, c := range get(Query{GroupBy: []string{DimIndustry}}).Cells {
		if c.Key[DimIndustry] == "A" {
			aAll = c.Groups.NonCOR.Figures
		}
	}
	b := get(Query{Year: 2024, Industry: "B"}).Groups.NonCOR.Figures
	if b != nil && c2024 != nil && y2024 != nil && aAll != nil {
		a24 := y2024.LostTimeClaims - b.LostTimeClaims - c2024.LostTimeClaims
		a24py := y2024.PersonYears - b.PersonYears - c2024.PersonYears
		t.Errorf("?year=2024&industry=B shows the cell the table hid; (2023, A) = A - (2024 - (2024,B) - (2024,C)) = %g person-years, %g lost-time claims",
			aAll.PersonYears-a24py, aAll.LostTimeClaims-a24)
	}
}
