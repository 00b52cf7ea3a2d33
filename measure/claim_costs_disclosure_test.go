package measure

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Review s27-s (finding 3): a row with a tiny positive person-years (and
// large claim costs) made claim_cost_per_person_year = costs / PY_c
// overflow to +Inf, and the answer could not be written as JSON (a 500 on
// GET /v1/metrics/ohs, for every caller, until the row was replaced).
// Such a row is now refused at person_years; and an answer over rows that
// skipped validation (a minimum of 0 person-years lets their cost rows be
// shown) still never holds a non-finite number.
func TestClaimCostPerPYIsFinite(t *testing.T) {
	var rows []Snapshot
	for i := range 6 {
		rows = append(rows, Snapshot{EmployerBN: bn(100 + i), Year: 2024, PersonYears: 20, LostTimeClaims: 1, DisablingInjuryClaims: 1})
	}
	if err := ValidateAll(rows, 1).Err(); err != nil {
		t.Fatal(err)
	}
	tiny := Snapshot{EmployerBN: bn(200), Year: 2024, PersonYears: 1e-300, ClaimCosts: money(1e13)}
	rep := ValidateAll(append(slices.Clone(rows), tiny), 1)
	if err := rep.Err(); err == nil || !strings.Contains(err.Error(), "person_years") {
		t.Errorf("a row of 1e-300 person-years: got %v, want a problem naming person_years", err)
	}
	for i := range 6 {
		rows = append(rows, Snapshot{EmployerBN: bn(200 + i), Year: 2024, PersonYears: 1e-300, ClaimCosts: money(1e13)})
	}
	for _, m := range []Minimum{DefaultMinimum, {Employers: 5, PersonYears: 0}} {
		r, err := Compute(rows, NewHolders(nil), Query{Minimum: m})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("minimum %+v: the answer cannot be written: %v", m, err)
		}
	}
}

// Review s27-s (findings 2, 3): suppression counts a group's employers and person-years,
// but claim_costs and claim_cost_per_person_year are computed from the
// rows that report costs only (PY_c). When one employer of a shown group
// reports costs (files mixed with a layout that carries none, like
// Alberta's open data), the group publishes that employer's claim costs
// exactly, and its person-years as claim_costs / claim_cost_per_person_year:
// claims data of one employer, which the minimum exists to hide.
func TestClaimCostsOfOneEmployerAreNotPublished(t *testing.T) {
	var rows []Snapshot
	for i := range 6 {
		rows = append(rows, Snapshot{EmployerBN: bn(300 + i), Year: 2024, PersonYears: 20, LostTimeClaims: 1, DisablingInjuryClaims: 1})
	}
	rows[0].ClaimCosts = money(123456.78)
	r, err := Compute(rows, NewHolders(nil), Query{Minimum: DefaultMinimum})
	if err != nil {
		t.Fatal(err)
	}
	g := r.Groups.NonCOR
	if g.Suppressed || g.Figures == nil {
		t.Fatalf("set-up: the group (6 employers, 120 person-years) is suppressed: %s", g.Reason)
	}
	if g.ClaimCosts != nil {
		t.Errorf("claim_costs %v and claim_cost_per_person_year %v published from 1 employer's row (minimum %d employers, %v person-years)",
			*g.ClaimCosts, *g.ClaimCostPerPY, DefaultMinimum.Employers, DefaultMinimum.PersonYears)
	}
	agg, _, err := Totals(SliceRows(rows), NewHolders(nil), 2024, DefaultMinimum)
	if err != nil {
		t.Fatal(err)
	}
	if agg[1].Suppressed || agg[1].ClaimCosts != nil || agg[1].PersonYearsWithCosts != 0 {
		t.Errorf("the signed aggregate carries what the answer hides: %+v", agg[1])
	}
}

// Review s27-s (finding 2): the line rule applies to the claim costs too.
// Industry A's costs come from 6 employers, B's from one: B's costs are
// hidden, and A's with them, or the totals less A would give B's.
func TestClaimCostsOfOneEmployerAreNotGivenByALine(t *testing.T) {
	var rows []Snapshot
	for i := range 12 {
		s := Snapshot{EmployerBN: bn(400 + i), Year: 2024, IndustryCode: "A", PersonYears: 20, LostTimeClaims: 1, DisablingInjuryClaims: 1,
			ClaimCosts: money(1000 + float64(i))}
		if i >= 6 {
			s.IndustryCode = "B"
			if i > 6 {
				s.ClaimCosts = nil
			}
		}
		rows = append(rows, s)
	}
	r, err := Compute(rows, NewHolders(nil), Query{Minimum: DefaultMinimum, GroupBy: []string{DimIndustry}})
	if err != nil {
		t.Fatal(err)
	}
	total := r.Groups.NonCOR
	if total.Figures == nil {
		t.Fatalf("set-up: the totals are suppressed: %s", total.Reason)
	}
	costs := map[string]*float64{}
	for _, c := range r.Cells {
		g := c.Groups.NonCOR
		if g.Figures == nil {
			t.Fatalf("set-up: industry %s is suppressed: %s", c.Key[DimIndustry], g.Reason)
		}
		costs[c.Key[DimIndustry]] = g.ClaimCosts
		if g.ClaimCosts == nil && (g.ClaimCostsSuppressed == "" || g.ClaimCostsSuppressedFR == "") {
			t.Errorf("industry %s: claim costs hidden without a reason in both languages: %q %q", c.Key[DimIndustry], g.ClaimCostsSuppressed, g.ClaimCostsSuppressedFR)
		}
	}
	if costs["B"] != nil {
		t.Errorf("industry B's claim costs (one employer's) are shown: %v", *costs["B"])
	}
	if total.ClaimCosts != nil && costs["A"] != nil {
		t.Errorf("total claim costs %v less industry A's %v give industry B's (one employer's)", *total.ClaimCosts, *costs["A"])
	}
}

// The signed aggregate says how many employers its claim costs come from
// (employers_with_costs), which the small-changes rule compares between
// versions: the cost-reporting rows' own employers when some rows report
// none, the group's employers when every row does.
func TestTotalsCountTheEmployersWithCosts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		withCosts int // of 12 employers
		want      int
	}{
		{"some rows without", 7, 7},
		{"every row with", 12, 12},
		{"none with", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rows []Snapshot
			for i := range 12 {
				s := Snapshot{EmployerBN: bn(500 + i), Year: 2024, PersonYears: 20, LostTimeClaims: 1, DisablingInjuryClaims: 1}
				if i < tc.withCosts {
					s.ClaimCosts = money(1000)
				}
				rows = append(rows, s)
			}
			agg, _, err := Totals(SliceRows(rows), NewHolders(nil), 2024, DefaultMinimum)
			if err != nil {
				t.Fatal(err)
			}
			if g := agg[1]; g.Suppressed || g.EmployersWithCosts != tc.want || (g.ClaimCosts != nil) != (tc.want > 0) {
				t.Errorf("non_cor %+v; want %d employers with costs", g, tc.want)
			}
		})
	}
}
