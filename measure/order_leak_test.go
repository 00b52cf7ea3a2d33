package measure

import (
	"math/rand"
	"testing"
)

// Reading both orders of the same table, a year line whose cells are
// hidden by both in exactly one place gives that cell away: the year's
// total (group_by=year) minus the cells either answer shows. Every cell
// has an employer (sparse tables, where one industry's rows all fall in
// one year, are TestSparseTablesGiveNoHiddenCellAway's).
func TestGroupByOrdersTogetherKeepTheHiddenCells(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	inds := []string{"A", "B", "C", "D"}
	for trial := 0; trial < 300; trial++ {
		var rows []Snapshot
		id := 0
		for _, y := range []int{2022, 2023, 2024} {
			for _, ind := range inds {
				n := 1 + r.Intn(8)
				rows = append(rows, rowsIn(id, n, y, ind, float64(5+r.Intn(40)), int64(r.Intn(3)))...)
				id += n
			}
		}
		h := NewHolders(nil)
		get := func(dims []string) Result {
			res, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: dims})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		shown := map[string]*Figures{}
		hiddenBy := map[string]string{}
		for _, dims := range [][]string{{DimYear, DimIndustry}, {DimIndustry, DimYear}} {
			for _, c := range get(dims).Cells {
				k := c.Key[DimYear] + "/" + c.Key[DimIndustry]
				if g := c.Groups.NonCOR; !g.Suppressed {
					shown[k] = g.Figures
				} else if g.Reason != "" {
					hiddenBy[k] = g.Reason
				}
			}
		}
		for _, c := range get([]string{DimYear}).Cells {
			y := c.Key[DimYear]
			tot := c.Groups.NonCOR.Figures
			if tot == nil {
				continue
			}
			left, py, ltc, emp := "", tot.PersonYears, tot.LostTimeClaims, tot.Employers
			n := 0
			for _, ind := range inds {
				k := y + "/" + ind
				if f, ok := shown[k]; ok {
					py, ltc, emp = py-f.PersonYears, ltc-f.LostTimeClaims, emp-f.Employers
				} else if _, ok := hiddenBy[k]; ok {
					left = k
					n++
				}
			}
			if n == 1 {
				var truth *Figures
				for _, c := range mustAll(t, rows, h).Cells {
					if c.Key[DimYear]+"/"+c.Key[DimIndustry] == left {
						truth = c.Groups.NonCOR.Figures
					}
				}
				t.Logf("true figures of %s: %d employers, %g PY, %g LTC", left, truth.Employers, truth.PersonYears, truth.LostTimeClaims)
				t.Fatalf("trial %d: %s (hidden by both orders: %q) = year %s total - the cells either order shows = %d employers, %g PY, %g LTC",
					trial, left, hiddenBy[left], y, emp, py, ltc)
			}
		}
	}
}

func mustAll(t *testing.T, rows []Snapshot, h *Holders) Result {
	res, err := Compute(rows, h, Query{Minimum: Minimum{}, GroupBy: []string{DimYear, DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
