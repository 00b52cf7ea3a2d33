package service

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestSmallChangesRule: two shown versions of a group are equal in every
// figure or differ by at least the minimum (of either version) in both
// employers and person-years; a version that hid the group is not
// compared. The rows that report claim costs are held to the same rule
// when both versions show claim costs: a small change there hides the
// claim costs only (costs).
func TestSmallChangesRule(t *testing.T) {
	costs := func(c float64) *float64 { return &c }
	base := registry.AggregateGroup{Employers: 10, PersonYears: 500, LostTimeClaims: 20, DisablingInjuryClaims: 30, ClaimCosts: costs(1000), PersonYearsWithCosts: 500}
	// six of ten employers report claim costs
	mixed := registry.AggregateGroup{Employers: 10, PersonYears: 500, LostTimeClaims: 20, DisablingInjuryClaims: 30, ClaimCosts: costs(1000), PersonYearsWithCosts: 300, EmployersWithCosts: 6}
	like := func(b registry.AggregateGroup, f func(*registry.AggregateGroup)) registry.AggregateGroup {
		g := b
		c := *b.ClaimCosts
		g.ClaimCosts = &c
		f(&g)
		return g
	}
	with := func(f func(*registry.AggregateGroup)) registry.AggregateGroup { return like(base, f) }
	for _, tc := range []struct {
		name     string
		was, now registry.AggregateGroup
		wasMinE  int
		wasMinPY float64
		small    bool
		costs    bool // the small change is the claim costs' only
	}{
		{"the same figures", base, with(func(*registry.AggregateGroup) {}), 5, 40, false, false},
		{"five employers and 40 person-years more", base, with(func(g *registry.AggregateGroup) { g.Employers += 5; g.PersonYears += 40 }), 5, 40, false, false},
		{"five employers fewer, 40 person-years fewer", base, with(func(g *registry.AggregateGroup) { g.Employers -= 5; g.PersonYears -= 40 }), 5, 40, false, false},
		{"four employers more", base, with(func(g *registry.AggregateGroup) { g.Employers += 4; g.PersonYears += 400 }), 5, 40, true, false},
		{"39.5 person-years more", base, with(func(g *registry.AggregateGroup) { g.Employers += 9; g.PersonYears += 39.5 }), 5, 40, true, false},
		{"a claim corrected", base, with(func(g *registry.AggregateGroup) { g.LostTimeClaims++ }), 5, 40, true, false},
		{"costs corrected", base, with(func(g *registry.AggregateGroup) { *g.ClaimCosts += 1 }), 5, 40, true, false},
		{"costs reported", with(func(g *registry.AggregateGroup) { g.ClaimCosts = nil }), base, 5, 40, true, false},
		{"the earlier version's larger minimum", base, with(func(g *registry.AggregateGroup) { g.Employers += 5; g.PersonYears += 40 }), 6, 40, true, false},
		{"five more, one reporting costs", mixed, like(mixed, func(g *registry.AggregateGroup) {
			g.Employers += 5
			g.PersonYears += 62.5
			*g.ClaimCosts += 777
			g.PersonYearsWithCosts += 12.5
			g.EmployersWithCosts++
		}), 5, 40, true, true},
		{"five more, all reporting costs", mixed, like(mixed, func(g *registry.AggregateGroup) {
			g.Employers += 5
			g.PersonYears += 62.5
			*g.ClaimCosts += 777
			g.PersonYearsWithCosts += 62.5
			g.EmployersWithCosts += 5
		}), 5, 40, false, false},
		{"five more, none reporting costs", mixed, like(mixed, func(g *registry.AggregateGroup) { g.Employers += 5; g.PersonYears += 62.5 }), 5, 40, false, false},
		{"claim costs hidden before", with(func(g *registry.AggregateGroup) { g.ClaimCosts, g.PersonYearsWithCosts = nil, 0 }), with(func(g *registry.AggregateGroup) {
			g.Employers += 5
			g.PersonYears += 62.5
			g.PersonYearsWithCosts += 12.5
		}), 5, 40, false, false},
		{"signed without employers_with_costs, all rows with costs", base, with(func(g *registry.AggregateGroup) {
			g.Employers += 5
			g.PersonYears += 40
			*g.ClaimCosts += 777
			g.PersonYearsWithCosts += 40
			g.EmployersWithCosts = 15
		}), 5, 40, false, false},
		{"signed without employers_with_costs, some rows without", with(func(g *registry.AggregateGroup) { g.EmployersWithCosts, g.PersonYearsWithCosts = 0, 300 }), with(func(g *registry.AggregateGroup) {
			g.Employers += 10
			g.PersonYears += 400
			*g.ClaimCosts += 777
			g.PersonYearsWithCosts = 700
			g.EmployersWithCosts = 10
		}), 5, 40, true, true},
		{"hidden before", registry.AggregateGroup{Suppressed: true}, with(func(g *registry.AggregateGroup) { g.LostTimeClaims++ }), 5, 40, false, false},
		{"hidden now", base, registry.AggregateGroup{Suppressed: true}, 5, 40, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := registry.AggregateMetrics{Jurisdiction: "CA-AB", Year: 2024, MinEmployers: tc.wasMinE, MinPersonYears: tc.wasMinPY,
				COR: registry.AggregateGroup{Suppressed: true}, NonCOR: tc.was}
			rec, err := json.Marshal(old)
			if err != nil {
				t.Fatal(err)
			}
			now := registry.AggregateMetrics{Jurisdiction: "CA-AB", Year: 2024, MinEmployers: 5, MinPersonYears: 40,
				COR: registry.AggregateGroup{Suppressed: true}, NonCOR: tc.now}
			cs, err := smallChanges(now, []registry.Entry{{Iss: "CA-AB", Kind: registry.KindAggregate, ID: "ohs-2024", Ver: 1, Record: rec}})
			if err != nil {
				t.Fatal(err)
			}
			if (len(cs) > 0) != tc.small {
				t.Errorf("small changes %+v; want small %v", cs, tc.small)
			}
			got, err := checkChanges(SmallChangesSuppress)(now, []registry.Entry{{Iss: "CA-AB", Kind: registry.KindAggregate, ID: "ohs-2024", Ver: 1, Record: rec}})
			hidden := got.NonCOR.ClaimCosts == nil && got.NonCOR.PersonYearsWithCosts == 0 && got.NonCOR.EmployersWithCosts == 0
			if err != nil || got.NonCOR.Suppressed != (tc.small && !tc.costs || tc.now.Suppressed) || tc.costs && !hidden ||
				!tc.small && got.NonCOR != tc.now {
				t.Errorf("suppress: non_cor %+v, %v", got.NonCOR, err)
			}
			_, err = checkChanges(SmallChangesRefuse)(now, []registry.Entry{{Iss: "CA-AB", Kind: registry.KindAggregate, ID: "ohs-2024", Ver: 1, Record: rec}})
			if (err != nil) != tc.small || tc.costs && !strings.Contains(err.Error(), "the claim costs of the non_cor group") {
				t.Errorf("refuse: %v; want refused %v (claim costs %v)", err, tc.small, tc.costs)
			}
		})
	}
}
