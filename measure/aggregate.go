package measure

import (
	"github.com/corfed/corfed/registry"
)

// Totals returns the cor and non_cor totals of year's rows as aggregate
// groups (suppressed under min), what a node signs and publishes, and the
// number of rows of year. An error of src is returned as it is.
func Totals(src RowSource, holders *Holders, year int, min Minimum) ([2]registry.AggregateGroup, int, error) {
	total := [2]*acc{newAcc(), newAcc()}
	ids := employerIDs{}
	n := 0
	var parts []Part
	yd := DaysIn(year)
	err := src(func(s *Snapshot) bool {
		if s.Year != year {
			return true
		}
		n++
		emp := ids.of(s.EmployerBN)
		parts = holders.Year(s.EmployerBN, s.WCBAccount, year, parts)
		for _, p := range parts {
			if p.Days == 0 {
				continue
			}
			g := 1
			if p.Held {
				g = 0
			}
			total[g].add(s, emp, p.Days, yd)
		}
		return true
	})
	if err != nil {
		return [2]registry.AggregateGroup{}, 0, err
	}
	var out [2]registry.AggregateGroup
	for i, a := range total {
		a.decide(min)
		out[i] = a.aggregate()
	}
	return out, n, nil
}

func (a *acc) aggregate() registry.AggregateGroup {
	if a.suppressed != "" {
		return registry.AggregateGroup{Suppressed: true}
	}
	g := registry.AggregateGroup{Employers: len(a.employers), PersonYears: a.py.float64(), LostTimeClaims: a.ltc.float64(),
		DisablingInjuryClaims: a.di.float64(), Fatalities: a.f.float64()}
	if a.hasCosts {
		c := a.costs.float64()
		g.ClaimCosts, g.PersonYearsWithCosts = &c, a.pyc.float64()
	}
	return g
}

// fromAggregate is the accumulator of a published group.
func fromAggregate(g registry.AggregateGroup) *acc {
	a := newAcc()
	if g.Suppressed {
		a.suppressed = "suppressed by the publishing node"
		return a
	}
	a.py.set(g.PersonYears)
	a.ltc.set(g.LostTimeClaims)
	a.di.set(g.DisablingInjuryClaims)
	a.f.set(g.Fatalities)
	a.snapshots = -1
	if g.ClaimCosts != nil {
		a.hasCosts = true
		a.costs.set(*g.ClaimCosts)
		a.pyc.set(g.PersonYearsWithCosts)
	}
	a.count = g.Employers
	return a
}

// FromAggregate computes a published group's rates and intervals with the
// same definitions as Compute. Snapshots is not published (reported as 0).
func FromAggregate(g registry.AggregateGroup, alpha float64) Group {
	a := fromAggregate(g)
	if a.suppressed != "" {
		return Group{Suppressed: true, Reason: a.suppressed}
	}
	gr := a.group(alpha)
	gr.Snapshots = 0
	return gr
}

// AddAggregate sums two shown groups exactly.
func AddAggregate(x, y registry.AggregateGroup) registry.AggregateGroup {
	sum := func(a, b float64) float64 {
		var s exactSum
		s.add(a)
		s.add(b)
		return s.float64()
	}
	out := registry.AggregateGroup{Employers: x.Employers + y.Employers, PersonYears: sum(x.PersonYears, y.PersonYears),
		LostTimeClaims: sum(x.LostTimeClaims, y.LostTimeClaims), DisablingInjuryClaims: sum(x.DisablingInjuryClaims, y.DisablingInjuryClaims),
		Fatalities: sum(x.Fatalities, y.Fatalities), PersonYearsWithCosts: sum(x.PersonYearsWithCosts, y.PersonYearsWithCosts)}
	if x.ClaimCosts != nil || y.ClaimCosts != nil {
		var a, b float64
		if x.ClaimCosts != nil {
			a = *x.ClaimCosts
		}
		if y.ClaimCosts != nil {
			b = *y.ClaimCosts
		}
		c := sum(a, b)
		out.ClaimCosts = &c
	}
	return out
}

// CompareGroups returns the rate ratios COR / non-COR of a pair, or nil
// when a group is suppressed.
func CompareGroups(p Pair, z float64) *Ratios { return ratios(p, z) }
