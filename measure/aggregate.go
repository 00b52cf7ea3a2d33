package measure

import (
	"slices"
	"strconv"

	"github.com/corfed/corfed/registry"
)

// Totals returns the cor and non_cor totals of year as aggregate groups,
// what a node signs and publishes, and the number of rows of year. src
// gives every year's rows: the totals are year's cell of the breakdown
// by year (ComputeFrom, decided with every other table), suppressed as it
// hides them, also when it hides year only with another year (else the
// total of every year, less the signed years and the shown ones, would
// give the hidden one). An error
// of src is returned as it is.
func Totals(src RowSource, holders *Holders, year int, min Minimum) ([2]registry.AggregateGroup, int, error) {
	n := 0
	b, err := tabulate(func(fn func(*Snapshot) bool) error {
		return src(func(s *Snapshot) bool {
			if s.Year == year {
				n++
			}
			return fn(s)
		})
	}, holders, Dimensions)
	if err != nil {
		return [2]registry.AggregateGroup{}, 0, err
	}
	b.suppress(min)
	var out [2]registry.AggregateGroup
	ym := b.mask([]string{DimYear})
	vals := make([]string, len(b.dims))
	vals[slices.Index(b.dims, DimYear)] = strconv.Itoa(year)
	key := b.keyOf(nil, vals, ym)
	for g := range out {
		c := b.tables[g][ym][string(key)]
		if c == nil {
			a := newAcc()
			a.decide(min)
			c = &tcell{a: a}
		}
		out[g] = c.a.aggregate()
	}
	return out, n, nil
}

func (a *acc) aggregate() registry.AggregateGroup {
	if a.suppressed != "" {
		return registry.AggregateGroup{Suppressed: true}
	}
	g := registry.AggregateGroup{Employers: a.employerCount(), PersonYears: a.py.float64(), LostTimeClaims: a.ltc.float64(),
		DisablingInjuryClaims: a.di.float64(), Fatalities: a.f.float64()}
	if a.hasCosts && a.costsHidden == "" { // costs hidden in the answer are not signed either
		c := a.costs.float64()
		g.ClaimCosts, g.PersonYearsWithCosts = &c, a.pyc.float64()
		g.EmployersWithCosts = g.Employers // every row reports costs (suppressCosts did not run)
		if a.costEmployers > 0 {
			g.EmployersWithCosts = a.costEmployers
		}
	}
	return g
}

// fromAggregate is the accumulator of a published group.
func fromAggregate(g registry.AggregateGroup) *acc {
	a := newAcc()
	if g.Suppressed {
		a.suppressed, a.suppressedFR = "suppressed by the publishing node", "supprimé par le nœud qui publie"
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
		return Group{Suppressed: true, Reason: a.suppressed, ReasonFR: a.suppressedFR}
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
		Fatalities: sum(x.Fatalities, y.Fatalities), PersonYearsWithCosts: sum(x.PersonYearsWithCosts, y.PersonYearsWithCosts),
		EmployersWithCosts: x.EmployersWithCosts + y.EmployersWithCosts}
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
