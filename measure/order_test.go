package measure

import (
	"math/rand"
	"testing"
)

// TestGroupByOrderHidesTheSameCells: group_by=year,industry and
// group_by=industry,year are the same table and hide the same cells; when
// they differed, the two answers together showed every cell either one
// hid on its own (review s25-p, finding 4).
func TestGroupByOrderHidesTheSameCells(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	inds := []string{"A", "B", "C", "D"}
	for trial := 0; trial < 300; trial++ {
		var rows []Snapshot
		id := 0
		for _, y := range []int{2022, 2023, 2024} {
			for _, ind := range inds {
				n := r.Intn(9)
				rows = append(rows, rowsIn(id, n, y, ind, float64(5+r.Intn(40)), int64(r.Intn(3)))...)
				id += n
			}
		}
		h := NewHolders(nil)
		hidden := func(dims []string) map[string]bool {
			res, err := Compute(rows, h, Query{Minimum: DefaultMinimum, GroupBy: dims})
			if err != nil {
				t.Fatal(err)
			}
			m := map[string]bool{}
			for _, c := range res.Cells {
				m[c.Key[DimYear]+"/"+c.Key[DimIndustry]] = c.Groups.NonCOR.Suppressed
			}
			return m
		}
		a, b := hidden([]string{DimYear, DimIndustry}), hidden([]string{DimIndustry, DimYear})
		for k := range a {
			if a[k] != b[k] {
				t.Fatalf("trial %d: cell %s hidden=%v by year,industry but hidden=%v by industry,year\n%v\n%v", trial, k, a[k], b[k], a, b)
			}
		}
	}
}
