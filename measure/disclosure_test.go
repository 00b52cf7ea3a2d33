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

// groupID names a group by its column and its constraints (dimension =
// value, in Dimensions order): "non_cor|year=2023|industry=A|".
func groupID(col string, c map[string]string) string {
	var b strings.Builder
	b.WriteString(col + "|")
	for _, d := range Dimensions {
		if v, ok := c[d]; ok {
			b.WriteString(d + "=" + v + "|")
		}
	}
	return b.String()
}

// disclosureTable is a random dense table of 3 years x 3 industries x 3
// size bands: every cell has 1 to 4 never-certified employers and 1 to 4
// certified ones, some of them for part of the year (certified during
// it, or revoked during it), so both columns have every cell and part-year
// shares. Every employer has one row.
func disclosureTable(r *rand.Rand) ([]Snapshot, *Holders) {
	var rows []Snapshot
	var certs []registry.Certificate
	id := 0
	bandPY := map[string][2]int{BandUnder10: {2, 10}, Band10to49: {10, 50}, Band50to199: {50, 200}}
	for _, y := range []int{2022, 2023, 2024} {
		for _, ind := range []string{"A", "B", "C"} {
			for _, band := range []string{BandUnder10, Band10to49, Band50to199} {
				for k := range 2 {
					for range 1 + r.Intn(4) {
						lo, hi := bandPY[band][0], bandPY[band][1]
						py := float64(lo+r.Intn(hi-lo)) + float64(r.Intn(4))/4
						if py >= float64(hi) {
							py = float64(hi) - 0.5
						}
						b := bn(id)
						rows = append(rows, Snapshot{EmployerBN: b, WCBAccount: strconv.Itoa(7000 + id), Year: y, IndustryCode: ind,
							PersonYears: py, LostTimeClaims: int64(r.Intn(4)), DisablingInjuryClaims: int64(4 + r.Intn(3))})
						if k == 1 {
							c := cert(fmt.Sprint("D", id), b, registry.ProgramCOR, "ACSA", fmt.Sprintf("%d-01-01", y-1))
							switch r.Intn(4) {
							case 0: // certified during the year
								c = cert(fmt.Sprint("D", id), b, registry.ProgramCOR, "ACSA", fmt.Sprintf("%d-%02d-15", y, 2+r.Intn(10)))
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

// TestNoPublishedAnswersGiveAHiddenCellAway: over random tables, every
// answer the node publishes (group_by of every subset of year, industry
// and size_band in every order, every filter by year, industry or both
// with every breakdown of the other dimensions, and the signed aggregate
// of each year) is gathered; then
//
//   - no group is shown by one answer and hidden by another, and a group
//     shown twice is shown with the same figures;
//   - for every group P shown, or known as the sum of the shown cells of
//     a finer table, and every finer table S (a breakdown by
//     P's dimensions and more), P minus the cells of S inside P that some
//     answer shows leaves nothing, or at least two cells that together
//     meet the minimum: no hidden cell, nor hidden cells too small
//     together, comes out of one subtraction of published figures.
func TestNoPublishedAnswersGiveAHiddenCellAway(t *testing.T) {
	dims := []string{DimYear, DimIndustry, DimSizeBand}
	vals := map[string][]string{DimYear: {"2022", "2023", "2024"}, DimIndustry: {"A", "B", "C"},
		DimSizeBand: {BandUnder10, Band10to49, Band50to199}}
	min := DefaultMinimum
	var subsets [][]string // every subset of dims, canonical order
	for m := range 1 << len(dims) {
		var s []string
		for i, d := range dims {
			if m&(1<<i) != 0 {
				s = append(s, d)
			}
		}
		subsets = append(subsets, s)
	}
	perms := func(s []string) [][]string {
		var out [][]string
		var rec func(pre, rest []string)
		rec = func(pre, rest []string) {
			if len(rest) == 0 {
				out = append(out, slices.Clone(pre))
				return
			}
			for i := range rest {
				rec(append(pre, rest[i]), append(slices.Clone(rest[:i]), rest[i+1:]...))
			}
		}
		rec(nil, s)
		return out
	}
	trials := 20
	if testing.Short() || raceEnabled {
		trials = 8
	}
	for trial := range trials {
		r := rand.New(rand.NewSource(int64(1000 + trial)))
		rows, h := disclosureTable(r)
		b, err := tabulate(SliceRows(rows), h, dims)
		if err != nil {
			t.Fatal(err)
		}
		truth := func(g int, c map[string]string) *acc { // the group's true accumulator
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
			for _, p := range perms(s) {
				ask(Query{GroupBy: p})
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
				c := map[string]string{DimYear: y}
				gr := Group{Suppressed: agg[g].Suppressed}
				if !agg[g].Suppressed {
					gr.Figures = &Figures{Employers: agg[g].Employers, PersonYears: agg[g].PersonYears, LostTimeClaims: agg[g].LostTimeClaims}
				}
				record("signed aggregate "+y, g, c, gr)
			}
		}
		// Sums: a group whose cells in a finer table are all shown is
		// known, hidden or not (its total is their sum).
		for changed := true; changed; {
			changed = false
			for _, col := range []string{"cor", "non_cor"} {
				for _, gd := range subsets {
					for _, gc := range combos(gd, vals) {
						if shown[groupID(col, gc)] != nil {
							continue
						}
						for _, s := range subsets {
							if len(s) <= len(gd) || !isSubset(gd, s) {
								continue
							}
							all := true
							for _, sc := range combos(s, vals) {
								if matchesMap(sc, gc) && shown[groupID(col, sc)] == nil {
									all = false
									break
								}
							}
							if all {
								shown[groupID(col, gc)] = &Figures{} // known by addition
								changed = true
								break
							}
						}
					}
				}
			}
		}
		// One subtraction: P minus the shown cells of a finer table S.
		for g, col := range []string{"cor", "non_cor"} {
			for _, pd := range subsets {
				for _, pc := range combos(pd, vals) {
					if shown[groupID(col, pc)] == nil {
						continue
					}
					for _, s := range subsets {
						if len(s) <= len(pd) || !isSubset(pd, s) {
							continue
						}
						var left []map[string]string
						for _, sc := range combos(s, vals) {
							if matchesMap(sc, pc) && shown[groupID(col, sc)] == nil {
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
							t.Fatalf("trial %d: %s minus the shown cells of group_by=%s inside it leaves %d cell(s) %v: %s, %g person-years",
								trial, groupID(col, pc), strings.Join(s, ","), len(left), left, u.below(min), u.py.float64())
						}
					}
				}
			}
		}
	}
}

func maps2(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// combos is every assignment of values to dims.
func combos(dims []string, vals map[string][]string) []map[string]string {
	out := []map[string]string{{}}
	for _, d := range dims {
		var next []map[string]string
		for _, c := range out {
			for _, v := range vals[d] {
				n := maps2(c, map[string]string{d: v})
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

func matchesMap(c, within map[string]string) bool {
	for k, v := range within {
		if c[k] != v {
			return false
		}
	}
	return true
}
