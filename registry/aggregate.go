package registry

import (
	"fmt"
	"math"
	"strconv"
)

// KindAggregate is a node's signed aggregate OHS metrics for one year:
// group totals only (COR holders and everyone else), never an employer's
// figures. It is replicated like every record, so any node can assemble
// the national comparison and check each province's signature.
const KindAggregate Kind = "aggregate_metrics"

// AggregateID is the id of a jurisdiction's aggregate for year: "ohs-2024".
func AggregateID(year int) string { return "ohs-" + strconv.Itoa(year) }

// AggregateGroup is one group's totals, or Suppressed (under the
// publishing node's minimum) with no figures at all.
type AggregateGroup struct {
	Suppressed  bool    `json:"suppressed"`
	Employers   int     `json:"employers,omitempty"`
	PersonYears float64 `json:"person_years,omitempty"`
	// The counts are exposure-weighted (a row counts in a group for the
	// share of its year's days the group describes), so may be fractional.
	LostTimeClaims        float64  `json:"lost_time_claims,omitempty"`
	DisablingInjuryClaims float64  `json:"disabling_injury_claims,omitempty"`
	Fatalities            float64  `json:"fatalities,omitempty"`
	ClaimCosts            *float64 `json:"claim_costs,omitempty"`
	// PersonYearsWithCosts is the person-years of the rows that report
	// claim costs (the denominator of claim costs per person-year).
	PersonYearsWithCosts float64 `json:"person_years_with_costs,omitempty"`
	// EmployersWithCosts is the distinct employers of the rows that report
	// claim costs, shown with the claim costs: what the small-changes rule
	// compares between two versions' claim costs, as Employers for the
	// group. 0 in a version signed before it was published.
	EmployersWithCosts int `json:"employers_with_costs,omitempty"`
}

// AggregateMetrics is the record of KindAggregate.
type AggregateMetrics struct {
	Jurisdiction Jurisdiction `json:"jurisdiction"`
	Year         int          `json:"year"`
	// Snapshot says which snapshot data the figures come from: the
	// publishing node's snapshot generation and row count, and the date
	// it computed them.
	Snapshot AggregateSource `json:"snapshot"`
	// Minimum is the suppression threshold the node applied.
	MinPersonYears float64        `json:"min_person_years"`
	MinEmployers   int            `json:"min_employers"`
	COR            AggregateGroup `json:"cor"`
	NonCOR         AggregateGroup `json:"non_cor"`
}

// AggregateSource is the provenance of an aggregate.
type AggregateSource struct {
	Generation uint64 `json:"generation"`
	Rows       int    `json:"rows"`
	ComputedOn Date   `json:"computed_on"`
}

// Validate checks an aggregate's shape: a suppressed group carries no
// figures, and a shown one meets the minimum it states. It reports every
// problem found at once (ValidationErrors).
func (a AggregateMetrics) Validate() error {
	var v collect
	if !a.Jurisdiction.Valid() {
		v.add(Invalid("jurisdiction", "unknown jurisdiction %q", a.Jurisdiction))
	}
	if a.Year < 1950 || a.Year > 2100 {
		v.add(Invalid("year", "year must be from 1950 to 2100"))
	}
	if a.MinPersonYears < 0 || a.MinEmployers < 1 {
		v.add(Invalid("min_employers", "an aggregate states a minimum of at least one employer"))
	}
	v.add(a.validateGroup("cor", a.COR))
	v.add(a.validateGroup("non_cor", a.NonCOR))
	return v.err()
}

// validateGroup checks group g of a, named name.
func (a AggregateMetrics) validateGroup(name string, g AggregateGroup) error {
	if g.Suppressed {
		if g != (AggregateGroup{Suppressed: true}) {
			return Invalid(name, "a suppressed group carries no figures")
		}
		return nil
	}
	var v collect
	if g.Employers < a.MinEmployers || g.PersonYears < a.MinPersonYears || g.PersonYears <= 0 || math.IsInf(g.PersonYears, 0) {
		v.add(Invalid(name, "a shown group meets the minimum (%d employers, %g person-years)", a.MinEmployers, a.MinPersonYears))
	}
	if g.LostTimeClaims < 0 || g.DisablingInjuryClaims < g.LostTimeClaims || g.Fatalities < 0 {
		v.add(Invalid(name, "counts are not negative and disabling-injury claims include the lost-time ones"))
	}
	finite := []float64{g.PersonYears, g.LostTimeClaims, g.DisablingInjuryClaims, g.Fatalities, g.PersonYearsWithCosts}
	if g.ClaimCosts != nil {
		finite = append(finite, *g.ClaimCosts)
	}
	for _, f := range finite {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			v.add(Invalid(name, "every figure of a shown group is a finite number"))
			break
		}
	}
	if g.PersonYearsWithCosts < 0 || g.PersonYearsWithCosts > g.PersonYears {
		v.add(Invalid(name, "person_years_with_costs is between 0 and person_years"))
	}
	if g.EmployersWithCosts < 0 || g.EmployersWithCosts > g.Employers || g.EmployersWithCosts > 0 && g.ClaimCosts == nil {
		v.add(Invalid(name, "employers_with_costs is between 0 and employers, and comes with claim_costs"))
	}
	return v.err()
}

func (a AggregateMetrics) String() string {
	return fmt.Sprintf("%s aggregate metrics %d", a.Jurisdiction, a.Year)
}
