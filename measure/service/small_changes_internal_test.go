package service

import (
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestSmallChangesRule: two shown versions of a group are equal in every
// figure or differ by at least the minimum (of either version) in both
// employers and person-years; a version that hid the group is not
// compared.
func TestSmallChangesRule(t *testing.T) {
	costs := func(c float64) *float64 { return &c }
	base := registry.AggregateGroup{Employers: 10, PersonYears: 500, LostTimeClaims: 20, DisablingInjuryClaims: 30, ClaimCosts: costs(1000), PersonYearsWithCosts: 500}
	with := func(f func(*registry.AggregateGroup)) registry.AggregateGroup {
		g := base
		c := *base.ClaimCosts
		g.ClaimCosts = &c
		f(&g)
		return g
	}
	for _, tc := range []struct {
		name     string
		was, now registry.AggregateGroup
		wasMinE  int
		wasMinPY float64
		small    bool
	}{
		{"the same figures", base, with(func(*registry.AggregateGroup) {}), 5, 40, false},
		{"five employers and 40 person-years more", base, with(func(g *registry.AggregateGroup) { g.Employers += 5; g.PersonYears += 40 }), 5, 40, false},
		{"five employers fewer, 40 person-years fewer", base, with(func(g *registry.AggregateGroup) { g.Employers -= 5; g.PersonYears -= 40 }), 5, 40, false},
		{"four employers more", base, with(func(g *registry.AggregateGroup) { g.Employers += 4; g.PersonYears += 400 }), 5, 40, true},
		{"39.5 person-years more", base, with(func(g *registry.AggregateGroup) { g.Employers += 9; g.PersonYears += 39.5 }), 5, 40, true},
		{"a claim corrected", base, with(func(g *registry.AggregateGroup) { g.LostTimeClaims++ }), 5, 40, true},
		{"costs corrected", base, with(func(g *registry.AggregateGroup) { *g.ClaimCosts += 1 }), 5, 40, true},
		{"costs reported", with(func(g *registry.AggregateGroup) { g.ClaimCosts = nil }), base, 5, 40, true},
		{"the earlier version's larger minimum", base, with(func(g *registry.AggregateGroup) { g.Employers += 5; g.PersonYears += 40 }), 6, 40, true},
		{"hidden before", registry.AggregateGroup{Suppressed: true}, with(func(g *registry.AggregateGroup) { g.LostTimeClaims++ }), 5, 40, false},
		{"hidden now", base, registry.AggregateGroup{Suppressed: true}, 5, 40, false},
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
			if err != nil || got.NonCOR.Suppressed != (tc.small || tc.now.Suppressed) {
				t.Errorf("suppress: non_cor %+v, %v", got.NonCOR, err)
			}
			_, err = checkChanges(SmallChangesRefuse)(now, []registry.Entry{{Iss: "CA-AB", Kind: registry.KindAggregate, ID: "ohs-2024", Ver: 1, Record: rec}})
			if (err != nil) != tc.small {
				t.Errorf("refuse: %v; want refused %v", err, tc.small)
			}
		})
	}
}
