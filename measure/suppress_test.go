package measure

import (
	"encoding/json"
	"fmt"
	"testing"
)

// rowsFor returns n non-COR employers of industry ind in 2024, numbered
// from first, each with py person-years and ltc lost-time claims.
func rowsFor(first, n int, ind string, py float64, ltc int64) []Snapshot {
	var rows []Snapshot
	for i := first; i < first+n; i++ {
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(5000 + i), Year: 2024, IndustryCode: ind,
			PersonYears: py, LostTimeClaims: ltc, DisablingInjuryClaims: ltc})
	}
	return rows
}

// TestFilterKeepsTheBreakdownsSuppression: industry A is hidden (3
// employers) and B with it (the smallest shown, else the total minus C
// gives A). ?industry=B must hide B too, or A = total - C - B. Before, the
// filtered query published B's figures.
func TestFilterKeepsTheBreakdownsSuppression(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsFor(0, 3, "A", 30, 7)...)
	rows = append(rows, rowsFor(10, 6, "B", 10, 1)...)
	rows = append(rows, rowsFor(20, 10, "C", 50, 2)...)
	h := NewHolders(nil)
	all, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	hidden := map[string]bool{}
	for _, c := range all.Cells {
		hidden[c.Key[DimIndustry]] = c.Groups.NonCOR.Suppressed
	}
	if !hidden["A"] || !hidden["B"] || hidden["C"] {
		t.Fatalf("group_by=industry hides %v; want A and B", hidden)
	}
	for _, ind := range []string{"A", "B"} {
		r, err := Compute(rows, h, Query{Minimum: DefaultMinimum, Industry: ind})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Groups.NonCOR.Suppressed || r.Groups.NonCOR.Figures != nil {
			t.Errorf("?industry=%s publishes %+v, which the breakdown by industry hides", ind, r.Groups.NonCOR.Figures)
		}
	}
	if r, _ := Compute(rows, h, Query{Minimum: DefaultMinimum, Industry: "C"}); r.Groups.NonCOR.Suppressed {
		t.Errorf("?industry=C hidden: %s", r.Groups.NonCOR.Reason)
	}
	// The same through the year filter, of a year breakdown.
	for i := range rows {
		if rows[i].IndustryCode == "A" {
			rows[i].Year = 2023
		}
	}
	r, err := Compute(rows, h, Query{Minimum: DefaultMinimum, Year: 2023})
	if err != nil || !r.Groups.NonCOR.Suppressed {
		t.Errorf("?year=2023 (3 employers): %+v, %v; want hidden", r.Groups.NonCOR, err)
	}
}

// TestLinesOfATableKeepTheirHiddenCell: in a year x industry table,
// (2024, A) is hidden; group_by=year publishes 2024's total, so (2024, B)
// must be hidden with it, or (2024, A) = 2024 - (2024, B). Before, the
// complement was taken over whole columns only.
func TestLinesOfATableKeepTheirHiddenCell(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsFor(0, 3, "A", 30, 7)...)  // (2024, A): 3 employers
	rows = append(rows, rowsFor(10, 6, "B", 50, 1)...) // (2024, B)
	for _, r := range rowsFor(20, 6, "A", 9, 0) {      // (2023, A)
		r.Year = 2023
		rows = append(rows, r)
	}
	for _, r := range rowsFor(40, 10, "B", 50, 2) { // (2023, B)
		r.Year = 2023
		rows = append(rows, r)
	}
	rows = append(rows, rowsFor(60, 12, "C", 80, 3)...) // (2024, C)
	for _, r := range rowsFor(80, 12, "C", 80, 3) {     // (2023, C)
		r.Year = 2023
		rows = append(rows, r)
	}
	h := NewHolders(nil)
	byYear, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear}})
	if err != nil {
		t.Fatal(err)
	}
	two, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear, DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	yearShown := map[string]bool{}
	for _, c := range byYear.Cells {
		yearShown[c.Key[DimYear]] = !c.Groups.NonCOR.Suppressed
	}
	for y := range yearShown {
		hidden, shown := 0, 0
		for _, c := range two.Cells {
			if c.Key[DimYear] != y {
				continue
			}
			if c.Groups.NonCOR.Suppressed {
				hidden++
			} else {
				shown++
			}
		}
		if yearShown[y] && hidden == 1 && shown > 0 {
			t.Errorf("year %s: its total is published and its line hides one cell only", y)
		}
	}
	// Every answer is the same whatever the rows' order.
	rev := make([]Snapshot, len(rows))
	for i := range rows {
		rev[len(rows)-1-i] = rows[i]
	}
	again, _ := Compute(rev, h, Query{Minimum: DefaultMinimum, GroupBy: []string{DimYear, DimIndustry}})
	a, _ := json.Marshal(again.Cells)
	b, _ := json.Marshal(two.Cells)
	if string(a) != string(b) {
		t.Errorf("the table depends on the rows' order:\n%s\n%s", a, b)
	}
	shown := 0
	for _, c := range two.Cells {
		if !c.Groups.NonCOR.Suppressed {
			shown++
		}
	}
	if shown == 0 {
		t.Error("every cell hidden: the table says nothing")
	}
}

// TestHiddenCellsTogetherMeetTheMinimum: two hidden cells of one column are
// the total minus the shown cells, together. Industries A (3 employers)
// and B (1) were both hidden and C shown with the total, so total - C
// gave A and B together: 4 employers, under the minimum of 5. More cells
// are hidden until what the shown ones leave meets the minimum.
func TestHiddenCellsTogetherMeetTheMinimum(t *testing.T) {
	var rows []Snapshot
	rows = append(rows, rowsFor(0, 3, "A", 30, 7)...)   // 3 employers, 90 person-years
	rows = append(rows, rowsFor(10, 1, "B", 60, 5)...)  // 1 employer, 60 person-years
	rows = append(rows, rowsFor(20, 10, "C", 50, 2)...) // 10 employers, 500 person-years
	rows = append(rows, rowsFor(40, 8, "D", 50, 2)...)  // 8 employers, 400 person-years
	res, err := Compute(rows, NewHolders(nil), Query{Minimum: DefaultMinimum, GroupBy: []string{DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	tot := res.Groups.NonCOR
	if tot.Suppressed {
		t.Fatal("the total is hidden")
	}
	leftEmployers, leftPY, hidden := tot.Figures.Employers, tot.Figures.PersonYears, 0
	for _, cell := range res.Cells {
		g := cell.Groups.NonCOR
		if g.Suppressed {
			hidden++
			continue
		}
		leftEmployers -= g.Figures.Employers
		leftPY -= g.Figures.PersonYears
	}
	if hidden < 2 || leftEmployers < DefaultMinimum.Employers || leftPY < DefaultMinimum.PersonYears {
		t.Errorf("%d cells hidden; total minus the shown cells gives %d employers and %.0f person-years, under the minimum (%d, %.0f)",
			hidden, leftEmployers, leftPY, DefaultMinimum.Employers, DefaultMinimum.PersonYears)
	}
}
