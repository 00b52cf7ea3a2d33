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
				if c.group == "cor" {
					a.COR = registry.AggregateGroup{Suppressed: true}
				} else {
					a.NonCOR = registry.AggregateGroup{Suppressed: true}
				}
			}
			return a, nil
		}
		var all []string
		for _, c := range cs {
			all = append(all, fmt.Sprintf("%s/v%d", c.group, c.ver))
		}
		c := cs[len(cs)-1] // the latest version it differs from
		return a, registry.Conflict("the %s group differs from version %d (signed %s) in its figures, yet its employers by only %d and its person-years by only %s, less than the minimum of %d employers and %s person-years: the difference of the two versions would publish the figures of the employers that changed (group/version under the minimum: %s); publish again with small_changes=suppress to publish the group suppressed (the earlier versions' figures stand), with small_changes=publish to publish the difference knowingly, or wait until more has changed",
			c.group, c.ver, c.signed, c.employers, num(c.py), c.minE, num(c.minPY), strings.Join(all, ", "))
	}
}

// num prints a figure as the JSON does (the shortest decimal that reads
// back).
func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
