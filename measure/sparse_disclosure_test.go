package measure

import (
	"fmt"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// sparseTable is a random SPARSE table over 2022-2024, industries A to E
// and the size bands: industry D has rows only in 2024 and E only in 2023
// (so D is the same group as its 2024 cell, and E as its 2023 cell), each
// (year, industry) has a random subset of the bands under_10, 10_to_49
// and 50_to_199 (200_plus is always empty), and each (year, industry,
// band) has 0 to 5 never-certified employers and 0 to 3 certified ones,
// some for part of the year. Every employer has one row.
func sparseTable(r *rand.Rand) ([]Snapshot, *Holders) {
	var rows []Snapshot
	var certs []registry.Certificate
	id := 0
	bandPY := map[string][2]int{BandUnder10: {2, 10}, Band10to49: {10, 50}, Band50to199: {50, 200}}
	years := map[string][]int{"A": {2022, 2023, 2024}, "B": {2022, 2023, 2024}, "C": {2022, 2023, 2024}, "D": {2024}, "E": {2023}}
	for _, ind := range []string{"A", "B", "C", "D", "E"} {
		for _, y := range years[ind] {
			for _, band := range []string{BandUnder10, Band10to49, Band50to199} {
				if r.Intn(3) == 0 {
					continue // an empty band of this year and industry
				}
				for k, most := range []int{6, 4} {
					for range r.Intn(most) {
						lo, hi := bandPY[band][0], bandPY[band][1]
						py := float64(lo+r.Intn((hi-lo)/2+1)) + float64(r.Intn(4))/4
						if py >= float64(hi) {
							py = float64(hi) - 0.5
						}
						b := bn(id)
						rows = append(rows, Snapshot{EmployerBN: b, WCBAccount: strconv.Itoa(8000 + id), Year: y, IndustryCode: ind,
							PersonYears: py, LostTimeClaims: int64(r.Intn(4)), DisablingInjuryClaims: int64(4 + r.Intn(3))})
						if k == 1 {
							c := cert(fmt.Sprint("S", id), b, registry.ProgramCOR, "ACSA", fmt.Sprintf("%d-01-01", y-1))
							switch r.Intn(5) {
							case 0: // certified during the year
								c = cert(fmt.Sprint("S", id), b, registry.ProgramCOR, "ACSA", fmt.Sprintf("%d-%02d-15", y, 2+r.Intn(10)))
							case 1: // revoked during the year
								c.History = append(c.History, registry.StatusChange{Status: registry.StatusRevoked,
									On: registry.MustDate(fmt.Sprintf("%d-%02d-10", y, 2+r.Intn(10)))})
							}
							certs = append(certs, c)
						}
						id++
					}
				}
			}
		}
	}
	return rows, NewHolders(certs)
}

// TestSparseTablesGiveNoHiddenCellAway: over random SPARSE tables (some
// industries with rows in one year only, some size bands empty), every
// answer the node publishes is gathered (group_by of every subset of
// year, industry and size_band in every order, every filter by year,
// industry or both with every breakdown, the signed aggregate of each
// year). A reader then knows every group shown, every empty group (a
// cell no answer lists), every group whose rows are those of a known
// group (industry D, whose rows are all in 2024, is the cell (2024, D)),
// and every group whose cells in a finer table are all known. For every
// known group P and every finer table S, P minus the known cells of S
// inside P must leave nothing, or at least two cells that together meet
// the minimum: one subtraction of published figures gives no hidden cell
// away, nor hidden cells too small together.
func TestSparseTablesGiveNoHiddenCellAway(t *testing.T) {
	dims := []string{DimYear, DimIndustry, DimSizeBand}
	vals := map[string][]string{DimYear: {"2022", "2023", "2024"}, DimIndustry: {"A", "B", "C", "D", "E"},
		DimSizeBand: {BandUnder10, Band10to49, Band50to199, Band200Plus}}
	min := DefaultMinimum
	var subsets [][]string
	for m := range 1 << len(dims) {
		var s []string
		for i, d := range dims {
			if m&(1<<i) != 0 {
				s = append(s, d)
			}
		}
		subsets = append(subsets, s)
	}
	trials := 20 // 10 of the first 40 gave a cell away before the fix
	if testing.Short() || raceEnabled {
		trials = 6
	}
	leaks := 0
	for trial := range trials {
		r := rand.New(rand.NewSource(int64(5000 + trial)))
		rows, h := sparseTable(r)
		// Each row's columns (with at least one day in it), for the
		// groups' row sets.
		inCol := make([][2]bool, len(rows))
		for i, s := range rows {
			for _, p := range h.Year(s.EmployerBN, s.WCBAccount, s.Year, nil) {
				if p.Days > 0 {
					inCol[i][map[bool]int{true: 0, false: 1}[p.Held]] = true
				}
			}
		}
		rowVal := func(s Snapshot, d string) string {
			switch d {
			case DimYear:
				return strconv.Itoa(s.Year)
			case DimIndustry:
				return s.IndustryCode
			}
			return SizeBand(s.PersonYears)
		}
		sets := map[string]string{}
		rowSet := func(g int, c map[string]string) string { // the group's rows, as a key
			id := groupID(fmt.Sprint(g), c)
			if k, ok := sets[id]; ok {
				return k
			}
			var b strings.Builder
			for i, s := range rows {
				if !inCol[i][g] {
					continue
				}
				ok := true
				for d, v := range c {
					ok = ok && rowVal(s, d) == v
				}
				if ok {
					fmt.Fprintf(&b, "%d,", i)
				}
			}
			sets[id] = fmt.Sprintf("%d:%s", g, b.String())
			return sets[id]
		}
		b, err := tabulate(SliceRows(rows), h, dims)
		if err != nil {
			t.Fatal(err)
		}
		truth := func(g int, c map[string]string) *acc {
			a := newAcc()
			for _, tc := range b.tables[g][len(b.tables[g])-1] {
				if matches(dims, tc.vals, c) {
					a.merge(tc.a)
				}
			}
			return a
		}
		shown := map[string]*Figures{}
		hiddenBy := map[string]string{}
		record := func(what string, g int, c map[string]string, gr Group) {
			id := groupID([]string{"cor", "non_cor"}[g], c)
			if gr.Suppressed {
				if f, ok := shown[id]; ok && f != nil {
					t.Fatalf("trial %d: %s hides %s, another answer shows it", trial, what, id)
				}
				hiddenBy[id] = what
				return
			}
			if w, ok := hiddenBy[id]; ok {
				t.Fatalf("trial %d: %s shows %s, which %s hides", trial, what, id, w)
			}
			if f, ok := shown[id]; ok && (f.PersonYears != gr.PersonYears || f.LostTimeClaims != gr.LostTimeClaims || f.Employers != gr.Employers) {
				t.Fatalf("trial %d: %s shows %s as %+v, another answer as %+v", trial, what, id, gr.Figures, f)
			}
			shown[id] = gr.Figures
		}
		ask := func(q Query) {
			q.Minimum = min
			res, err := Compute(rows, h, q)
			if err != nil {
				t.Fatal(err)
			}
			what := fmt.Sprintf("year=%d&industry=%s&group_by=%s", q.Year, q.Industry, strings.Join(q.GroupBy, ","))
			base := map[string]string{}
			if q.Year != 0 {
				base[DimYear] = strconv.Itoa(q.Year)
			}
			if q.Industry != "" {
				base[DimIndustry] = q.Industry
			}
			record(what, 0, base, res.Groups.COR)
			record(what, 1, base, res.Groups.NonCOR)
			for _, c := range res.Cells {
				k := maps2(base, c.Key)
				record(what, 0, k, c.Groups.COR)
				record(what, 1, k, c.Groups.NonCOR)
			}
		}
		for _, s := range subsets {
			ask(Query{GroupBy: s})
			if len(s) > 1 {
				ask(Query{GroupBy: slices.Concat(s[1:], s[:1])}) // another order
			}
		}
		for _, y := range append([]string{""}, vals[DimYear]...) {
			for _, ind := range append([]string{""}, vals[DimIndustry]...) {
				if y == "" && ind == "" {
					continue
				}
				yi, _ := strconv.Atoi(y)
				for _, s := range subsets {
					ask(Query{Year: yi, Industry: ind, GroupBy: s})
				}
			}
		}
		for _, y := range vals[DimYear] {
			yi, _ := strconv.Atoi(y)
			agg, _, err := Totals(SliceRows(rows), h, yi, min)
			if err != nil {
				t.Fatal(err)
			}
			for g := range agg {
				gr := Group{Suppressed: agg[g].Suppressed}
				if !agg[g].Suppressed {
					gr.Figures = &Figures{Employers: agg[g].Employers, PersonYears: agg[g].PersonYears, LostTimeClaims: agg[g].LostTimeClaims}
				}
				record("signed aggregate "+y, g, map[string]string{DimYear: y}, gr)
			}
		}
		// What the reader knows, by row set: the shown groups, the empty
		// ones, and, to a fixed point, a group whose cells in a finer
		// table are all known.
		known := map[string]bool{}
		for g, col := range []string{"cor", "non_cor"} {
			known[fmt.Sprintf("%d:", g)] = true // the empty group
			for _, gd := range subsets {
				for _, gc := range combos(gd, vals) {
					if shown[groupID(col, gc)] != nil {
						known[rowSet(g, gc)] = true
					}
				}
			}
		}
		for changed := true; changed; {
			changed = false
			for g := range 2 {
				for _, gd := range subsets {
					for _, gc := range combos(gd, vals) {
						if known[rowSet(g, gc)] {
							continue
						}
						for _, s := range subsets {
							if len(s) <= len(gd) || !isSubset(gd, s) {
								continue
							}
							all := true
							for _, sc := range combos(s, vals) {
								if matchesMap(sc, gc) && !known[rowSet(g, sc)] {
									all = false
									break
								}
							}
							if all {
								known[rowSet(g, gc)] = true
								changed = true
								break
							}
						}
					}
				}
			}
		}
		// One subtraction: a known P minus the known cells of a finer
		// table S inside it.
	trial:
		for g, col := range []string{"cor", "non_cor"} {
			for _, pd := range subsets {
				for _, pc := range combos(pd, vals) {
					if !known[rowSet(g, pc)] {
						continue
					}
					for _, s := range subsets {
						if len(s) <= len(pd) || !isSubset(pd, s) {
							continue
						}
						var left []map[string]string
						for _, sc := range combos(s, vals) {
							if matchesMap(sc, pc) && !known[rowSet(g, sc)] {
								left = append(left, sc)
							}
						}
						if len(left) == 0 {
							continue
						}
						u := newAcc()
						for _, c := range left {
							u.merge(truth(g, c))
						}
						if len(left) == 1 || u.below(min) != "" {
							leaks++
							t.Errorf("trial %d: %s (known) minus the known cells of group_by=%s inside it leaves %d cell(s) %v: %s, %g person-years",
								trial, groupID(col, pc), strings.Join(s, ","), len(left), left, u.below(min), u.py.float64())
							break trial
						}
					}
				}
			}
		}
	}
	if leaks > 0 {
		t.Logf("%d of %d sparse tables give a hidden cell away", leaks, trials)
	}
}
