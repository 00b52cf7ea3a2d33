package service_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestSignedYearKeepsTheYearBreakdownsSuppression: group_by=year hides
// 2021 (one employer) and 2022 with it (the smallest shown year). POST
// /v1/metrics/publish?year=2022 signed 2022's figures into the public
// feed anyway, so every year's total - 2022 - 2023 gave 2021. The signed
// 2022 is now suppressed, as the breakdown shows it; 2023 is signed.
func TestSignedYearKeepsTheYearBreakdownsSuppression(t *testing.T) {
	ms := cluster(t, "CA-AB")
	m := ms["CA-AB"]
	var rows []string
	add := func(first, n, year int, py float64, ltc int) {
		for i := first; i < first+n; i++ {
			rows = append(rows, fmt.Sprintf(`{"employer_bn":%q,"year":%d,"industry_code":"A","person_years":%g,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`,
				bnOf(i), year, py, ltc, ltc))
		}
	}
	add(0, 1, 2021, 30, 4)   // the secret
	add(10, 5, 2022, 10, 1)  // 5 employers, 50 person-years: shown alone
	add(20, 10, 2023, 50, 2) // big
	if st, b := call(t, m, "POST", "/v1/snapshots", "["+strings.Join(rows, ",")+"]"); st != 200 {
		t.Fatalf("snapshots: %d %s", st, b)
	}
	st, b := call(t, m, "GET", "/v1/metrics/ohs?group_by=year", "")
	if st != 200 {
		t.Fatalf("group_by=year: %d %s", st, b)
	}
	var by struct {
		Cells []struct {
			Key    map[string]string
			Groups struct {
				NonCOR struct{ Suppressed bool } `json:"non_cor"`
			}
		}
	}
	json.Unmarshal(b, &by)
	hidden := map[string]bool{}
	for _, c := range by.Cells {
		hidden[c.Key["year"]] = c.Groups.NonCOR.Suppressed
	}
	if !hidden["2021"] || !hidden["2022"] || hidden["2023"] {
		t.Fatalf("group_by=year hides %v; want 2021 and 2022", hidden)
	}
	for _, y := range []string{"2022", "2023"} {
		st, b := call(t, m, "POST", "/v1/metrics/publish?year="+y, "")
		if st != 200 {
			t.Fatalf("publish %s: %d %s", y, st, b)
		}
		var rec struct{ Record registry.AggregateMetrics }
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		if g := rec.Record.NonCOR; g.Suppressed != hidden[y] {
			t.Errorf("signed %s non_cor %+v; group_by=year hides it: %v", y, g, hidden[y])
		}
	}
}

// TestGroupByOrderIsOneAnswer: group_by=year,industry and
// group_by=industry,year are the same table and hide the same cells (the
// second is served from the first's cache), each listed in the order
// asked.
func TestGroupByOrderIsOneAnswer(t *testing.T) {
	ms := cluster(t, "CA-AB")
	m := ms["CA-AB"]
	// Review s25-p's table (seed 7, third draw): the two orders used to
	// hide different cells (2022/A by one order only).
	r := rand.New(rand.NewSource(7))
	var rows []string
	for trial := range 3 {
		rows = rows[:0]
		id := 0
		for _, y := range []int{2022, 2023, 2024} {
			for _, ind := range []string{"A", "B", "C", "D"} {
				n := r.Intn(9)
				py, ltc := 5+r.Intn(40), r.Intn(3)
				for range n {
					rows = append(rows, fmt.Sprintf(`{"employer_bn":%q,"year":%d,"industry_code":%q,"person_years":%d,"lost_time_claims":%d,"disabling_injury_claims":%d,"fatalities":0}`,
						bnOf(1000*trial+id), y, ind, py, ltc, ltc))
					id++
				}
			}
		}
	}
	if st, b := call(t, m, "POST", "/v1/snapshots", "["+strings.Join(rows, ",")+"]"); st != 200 {
		t.Fatalf("snapshots: %d %s", st, b)
	}
	type answer struct {
		GroupBy []string `json:"group_by"`
		Cells   []struct {
			Key    map[string]string
			Groups struct {
				NonCOR struct{ Suppressed bool } `json:"non_cor"`
			}
		}
	}
	get := func(dims string) answer {
		st, b := call(t, m, "GET", "/v1/metrics/ohs?group_by="+dims, "")
		if st != 200 {
			t.Fatalf("group_by=%s: %d %s", dims, st, b)
		}
		var a answer
		json.Unmarshal(b, &a)
		return a
	}
	a, b := get("industry,year"), get("year,industry")
	if !slices.Equal(a.GroupBy, []string{"industry", "year"}) || !slices.Equal(b.GroupBy, []string{"year", "industry"}) {
		t.Errorf("group_by echoed %v and %v", a.GroupBy, b.GroupBy)
	}
	hid := func(x answer) map[string]bool {
		h := map[string]bool{}
		for _, c := range x.Cells {
			h[c.Key["year"]+"/"+c.Key["industry"]] = c.Groups.NonCOR.Suppressed
		}
		return h
	}
	ha, hb := hid(a), hid(b)
	if len(ha) < 10 || fmt.Sprint(ha) != fmt.Sprint(hb) {
		t.Errorf("industry,year hides %v; year,industry %v", ha, hb)
	}
	listed := func(x answer) []string {
		var l []string
		for _, c := range x.Cells {
			l = append(l, c.Key[x.GroupBy[0]]+"/"+c.Key[x.GroupBy[1]])
		}
		return l
	}
	if la, lb := listed(a), listed(b); !slices.IsSorted(la) || !slices.IsSorted(lb) || slices.Equal(la, lb) {
		t.Errorf("cells not listed in the order asked: %v / %v", la, lb)
	}
}
