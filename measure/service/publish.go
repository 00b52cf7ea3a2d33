package service

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// What Publish does when a group would differ from an earlier published
// version by less than the minimum (PublishOptions.SmallChanges).
const (
	// SmallChangesRefuse refuses the publication (registry.ErrConflict),
	// saying which group differs from which version and by how much: the
	// default, so that nothing is hidden or disclosed without a decision.
	SmallChangesRefuse = "refuse"
	// SmallChangesSuppress publishes such a group suppressed: the earlier
	// versions' figures stand, the new one is not published.
	SmallChangesSuppress = "suppress"
	// SmallChangesPublish publishes the new figures all the same: the
	// administrator accepts that the difference of two versions gives the
	// figures of the few employers that changed (a correction that must
	// be seen, of figures already public).
	SmallChangesPublish = "publish"
)

// SmallChanges lists the values of PublishOptions.SmallChanges.
var SmallChanges = []string{SmallChangesRefuse, SmallChangesSuppress, SmallChangesPublish}

// PublishOptions steer Publish.
type PublishOptions struct {
	// SmallChanges: SmallChangesRefuse (also ""), SmallChangesSuppress or
	// SmallChangesPublish.
	SmallChanges string
}

// RowsGranularity is what the published row count is rounded down to a
// multiple of: two versions do not tell that one row changed.
const RowsGranularity = 10

// smallChange is a group of the new aggregate that differs from the
// same group of an earlier version by less than the minimum.
type smallChange struct {
	group     string
	costs     bool // the group's rows that report claim costs, not the group
	ver       uint64
	signed    registry.Date // in the jurisdiction's zone, as computed_on
	employers int
	py        float64
	minE      int
	minPY     float64
}

// smallChanges compares each shown group of a with the same group of each
// earlier version that showed it. Every version stays in the public feed,
// so any two of them must not differ by less than the minimum, or their
// difference is the figures of the few employers that changed: two shown
// groups are either equal in every figure or differ by at least the
// minimum of either version in employers and in person-years. The
// number of employers that changed is not known from two aggregates; the
// difference of the counts is the lower bound used, so a change that
// leaves the count alone (a correction, one employer in for another) is
// a small change. A version that hid the group adds nothing to compare:
// the versions before it still count.
//
// A group's claim costs come from its rows that report them, which are a
// group of their own (measure/doc.go): when two versions both show claim
// costs and differ in them (claim costs, person_years_with_costs or
// employers_with_costs), those rows must differ by the same minimum, or
// the difference of the claim costs is the costs of the few employers
// that changed, even when the whole group changed by more. A version
// signed without employers_with_costs gives its group's employers when
// every row reported costs (person_years_with_costs = person_years), and
// otherwise no count: the change of the count is then taken as 0, a small
// change. A group that is a small change as a whole is reported once, as
// the group.
func smallChanges(a registry.AggregateMetrics, earlier []registry.Entry) ([]smallChange, error) {
	var out []smallChange
	for _, e := range earlier {
		old, err := node.Decode[registry.AggregateMetrics](e)
		if err != nil {
			return nil, err
		}
		for _, g := range []struct {
			name     string
			now, was registry.AggregateGroup
		}{{"cor", a.COR, old.COR}, {"non_cor", a.NonCOR, old.NonCOR}} {
			if g.now.Suppressed || g.was.Suppressed || sameFigures(g.now, g.was) {
				continue
			}
			c := smallChange{group: g.name, ver: e.Ver, signed: node.TodayIn(a.Jurisdiction, time.Unix(e.Iat, 0)),
				employers: abs(g.now.Employers - g.was.Employers), py: math.Abs(g.now.PersonYears - g.was.PersonYears),
				minE: max(a.MinEmployers, old.MinEmployers), minPY: max(a.MinPersonYears, old.MinPersonYears)}
			if c.employers < c.minE || c.py < c.minPY {
				out = append(out, c)
				continue
			}
			if g.now.ClaimCosts == nil || g.was.ClaimCosts == nil || sameCosts(g.now, g.was) {
				continue
			}
			c.costs, c.py = true, math.Abs(g.now.PersonYearsWithCosts-g.was.PersonYearsWithCosts)
			c.employers = 0
			if n, w := costEmployers(g.now), costEmployers(g.was); n >= 0 && w >= 0 {
				c.employers = abs(n - w)
			}
			if c.employers < c.minE || c.py < c.minPY {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func sameFigures(x, y registry.AggregateGroup) bool {
	if (x.ClaimCosts == nil) != (y.ClaimCosts == nil) || x.ClaimCosts != nil && *x.ClaimCosts != *y.ClaimCosts {
		return false
	}
	x.ClaimCosts, y.ClaimCosts = nil, nil
	return x == y
}

// sameCosts says whether two groups that show claim costs show the same
// claim-cost figures.
func sameCosts(x, y registry.AggregateGroup) bool {
	return *x.ClaimCosts == *y.ClaimCosts && x.PersonYearsWithCosts == y.PersonYearsWithCosts && x.EmployersWithCosts == y.EmployersWithCosts
}

// costEmployers is the employers of g's rows that report claim costs, or
// -1 when g (signed before employers_with_costs) does not tell.
func costEmployers(g registry.AggregateGroup) int {
	switch {
	case g.EmployersWithCosts > 0:
		return g.EmployersWithCosts
	case g.PersonYearsWithCosts == g.PersonYears:
		return g.Employers
	}
	return -1
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// checkChanges returns the check Publish gives the node
// (node.PublishAggregateChecked) for mode.
func checkChanges(mode string) func(registry.AggregateMetrics, []registry.Entry) (registry.AggregateMetrics, error) {
	return func(a registry.AggregateMetrics, earlier []registry.Entry) (registry.AggregateMetrics, error) {
		if mode == SmallChangesPublish {
			return a, nil
		}
		cs, err := smallChanges(a, earlier)
		if err != nil || len(cs) == 0 {
			return a, err
		}
		if mode == SmallChangesSuppress {
			for _, c := range cs {
				g := &a.NonCOR
				if c.group == "cor" {
					g = &a.COR
				}
				if c.costs { // the claim costs hidden, the group's other figures shown
					g.ClaimCosts, g.PersonYearsWithCosts, g.EmployersWithCosts = nil, 0, 0
				} else {
					*g = registry.AggregateGroup{Suppressed: true}
				}
			}
			return a, nil
		}
		var all []string
		for _, c := range cs {
			if c.costs {
				all = append(all, fmt.Sprintf("%s claim costs/v%d", c.group, c.ver))
			} else {
				all = append(all, fmt.Sprintf("%s/v%d", c.group, c.ver))
			}
		}
		c := cs[len(cs)-1] // the latest version it differs from
		if c.costs {
			return a, registry.Conflict("the claim costs of the %s group differ from version %d (signed %s), yet its rows that report them differ in employers by only %d and in person-years by only %s, less than the minimum of %d employers and %s person-years: the difference of the two versions would publish the claim costs of the employers that changed (group/version under the minimum: %s); publish again with small_changes=suppress to publish the group without its claim costs (the earlier versions' claim costs stand), with small_changes=publish to publish the difference knowingly, or wait until more has changed",
				c.group, c.ver, c.signed, c.employers, num(c.py), c.minE, num(c.minPY), strings.Join(all, ", "))
		}
		return a, registry.Conflict("the %s group differs from version %d (signed %s) in its figures, yet its employers by only %d and its person-years by only %s, less than the minimum of %d employers and %s person-years: the difference of the two versions would publish the figures of the employers that changed (group/version under the minimum: %s); publish again with small_changes=suppress to publish the group suppressed (the earlier versions' figures stand), with small_changes=publish to publish the difference knowingly, or wait until more has changed",
			c.group, c.ver, c.signed, c.employers, num(c.py), c.minE, num(c.minPY), strings.Join(all, ", "))
	}
}

// num prints a figure as the JSON does (the shortest decimal that reads
// back).
func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
