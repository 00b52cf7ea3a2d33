package measure

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// Dimensions a breakdown may use.
const (
	DimYear     = "year"
	DimIndustry = "industry"
	DimSizeBand = "size_band"
	DimProgram  = "program"
	DimCP       = "cp"
)

// Dimensions lists them in the order keys are written.
var Dimensions = []string{DimYear, DimIndustry, DimSizeBand, DimProgram, DimCP}

// corOnly reports whether a dimension describes the certificate held, so
// that non-COR rows have no value for it.
func corOnly(dim string) bool { return dim == DimProgram || dim == DimCP }

// Size bands, by the row's person-years.
const (
	BandUnder10 = "under_10"  // fewer than 10 person-years
	Band10to49  = "10_to_49"  // 10 to under 50
	Band50to199 = "50_to_199" // 50 to under 200
	Band200Plus = "200_plus"  // 200 or more
)

// SizeBand returns the band of an account with py person-years.
func SizeBand(py float64) string {
	switch {
	case py < 10:
		return BandUnder10
	case py < 50:
		return Band10to49
	case py < 200:
		return Band50to199
	}
	return Band200Plus
}

// Minimum is the suppression threshold: a group with fewer employers or
// fewer person-years than this is not shown.
type Minimum struct {
	PersonYears float64 `json:"person_years"`
	Employers   int     `json:"employers"`
}

// DefaultMinimum is 40 person-years (below it rates are unstable) and 5
// employers.
var DefaultMinimum = Minimum{PersonYears: 40, Employers: 5}

// Query selects and breaks down snapshots.
type Query struct {
	Year     int      // 0: every year
	Industry string   // "": every industry
	GroupBy  []string // dimensions of the breakdown, from Dimensions; none: totals only
	Minimum  Minimum
	Alpha    float64 // 1 - confidence level; 0 means 0.05
}

// Validate checks the query's dimensions, its minimum and alpha. It
// reports every problem found at once, in one error.
func (q Query) Validate() error {
	var problems []string
	seen := map[string]bool{}
	for _, d := range q.GroupBy {
		switch {
		case !slices.Contains(Dimensions, d):
			problems = append(problems, fmt.Sprintf("unknown dimension %q (one of %s)", d, strings.Join(Dimensions, ", ")))
		case seen[d]:
			problems = append(problems, fmt.Sprintf("dimension %q given twice", d))
		}
		seen[d] = true
	}
	if q.Minimum.PersonYears < 0 || q.Minimum.Employers < 0 {
		problems = append(problems, "the minimum cannot be negative")
	}
	if q.Alpha < 0 || q.Alpha >= 1 {
		problems = append(problems, "alpha must be in (0, 1)")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// Figures are one group's totals and rates (see the package documentation
// for the definitions).
type Figures struct {
	Employers             int      `json:"employers" doc:"distinct employers (BN) with at least one day of the year in this group"`
	Snapshots             int      `json:"snapshots" doc:"account-years with at least one day of the year in this group"`
	PersonYears           float64  `json:"person_years"`
	LostTimeClaims        float64  `json:"lost_time_claims" doc:"exposure-weighted: a row counts in this group for the share of its year's days the group describes, so a count may be fractional"`
	DisablingInjuryClaims float64  `json:"disabling_injury_claims"`
	Fatalities            float64  `json:"fatalities"`
	ClaimCosts            *float64 `json:"claim_costs" doc:"dollars; null when no row reports claim costs"`
	LTCRate               float64  `json:"ltc_rate" doc:"lost_time_claims / person_years * 100"`
	LTCRateCI             Interval `json:"ltc_rate_ci" doc:"exact Poisson (Garwood) interval of the count, per 100 person-years"`
	DIR                   float64  `json:"dir" doc:"disabling_injury_claims / person_years * 100"`
	DIRCI                 Interval `json:"dir_ci"`
	FatalityRate          float64  `json:"fatality_rate" doc:"fatalities / person_years * 1000000 (per million person-years)"`
	FatalityRateCI        Interval `json:"fatality_rate_ci"`
	ClaimCostPerPY        *float64 `json:"claim_cost_per_person_year" doc:"claim_costs / person-years of the rows reporting costs; null when none does"`
}

// Group is one group of a cell: its figures, or suppressed with a reason.
type Group struct {
	Suppressed bool   `json:"suppressed"`
	Reason     string `json:"reason,omitempty"`
	*Figures
}

// Pair is a cell's two groups.
type Pair struct {
	COR    Group `json:"cor"`
	NonCOR Group `json:"non_cor"`
}

// Ratios compares the cor group with the non_cor group: COR / non-COR.
// A ratio is absent when either group is suppressed or a count is 0.
type Ratios struct {
	LTCRate        *RateRatio `json:"ltc_rate,omitempty"`
	DIR            *RateRatio `json:"dir,omitempty"`
	FatalityRate   *RateRatio `json:"fatality_rate,omitempty"`
	ClaimCostPerPY *float64   `json:"claim_cost_per_person_year,omitempty" doc:"plain ratio, no interval"`
}

// Cell is one cell of a breakdown.
type Cell struct {
	Key    map[string]string `json:"key"`
	Groups Pair              `json:"groups"`
	Ratios *Ratios           `json:"rate_ratios,omitempty"`
}

// Result is the answer to a Query.
type Result struct {
	Year       int      `json:"year,omitempty"`
	Industry   string   `json:"industry,omitempty"`
	GroupBy    []string `json:"group_by"`
	Minimum    Minimum  `json:"minimum"`
	Confidence float64  `json:"confidence"`
	Groups     Pair     `json:"groups"`
	Ratios     *Ratios  `json:"rate_ratios,omitempty"`
	Cells      []Cell   `json:"cells"`
}

// acc accumulates one group exactly.
type acc struct {
	employers  map[int32]struct{} // distinct employers, by their employerIDs number
	snapshots  int
	py, pyc    exactSum // person-years; of rows with costs
	costs      exactSum
	hasCosts   bool
	ltc, di, f exactSum // counts, exposure-weighted (so fractional)
	suppressed string   // why, once decided
	count      int      // employers of a published aggregate (employers is empty then)
}

func (a *acc) employerCount() int {
	if a.count > 0 {
		return a.count
	}
	return len(a.employers)
}

// exactPrec holds any sum of doubles exactly (they are multiples of
// 2^-1074 below 2^1024).
const exactPrec = 2200

func newAcc() *acc {
	return &acc{employers: map[int32]struct{}{}}
}

// employerIDs numbers the employers (BNs) of one computation, so that a
// group counts distinct employers in a map of small integers.
type employerIDs map[string]int32

func (ids employerIDs) of(bn string) int32 {
	id, ok := ids[bn]
	if !ok {
		id = int32(len(ids))
		ids[bn] = id
	}
	return id
}

// add adds the share days/yearDays of snapshot s of employer emp (its
// employerIDs number): each of its figures times days / yearDays, rounded
// once to the nearest double (the figures themselves when days is the
// whole year).
func (a *acc) add(s *Snapshot, emp int32, days, yearDays int) {
	share := func(x float64) float64 {
		if days == yearDays {
			return x
		}
		return x * float64(days) / float64(yearDays)
	}
	a.employers[emp] = struct{}{}
	a.snapshots++
	py := share(s.PersonYears)
	a.py.add(py)
	if s.ClaimCosts != nil {
		a.hasCosts = true
		a.costs.add(share(*s.ClaimCosts))
		a.pyc.add(py)
	}
	a.ltc.add(share(float64(s.LostTimeClaims)))
	a.di.add(share(float64(s.DisablingInjuryClaims)))
	a.f.add(share(float64(s.Fatalities)))
}

// decide sets a.suppressed from the minimum.
func (a *acc) decide(m Minimum) {
	py := a.py.float64()
	switch {
	case a.employerCount() < m.Employers:
		a.suppressed = fmt.Sprintf("fewer than %d employers", m.Employers)
	case py < m.PersonYears:
		a.suppressed = fmt.Sprintf("fewer than %s person-years", strconv.FormatFloat(m.PersonYears, 'f', -1, 64))
	case py == 0:
		a.suppressed = "no person-years"
	}
}

func (a *acc) figures(alpha float64) *Figures {
	py := a.py.float64()
	rate := func(k float64, unit float64) (float64, Interval) {
		ci := PoissonCI(k, alpha)
		return k / py * unit, Interval{Lower: ci.Lower / py * unit, Upper: ci.Upper / py * unit}
	}
	f := &Figures{Employers: a.employerCount(), Snapshots: a.snapshots, PersonYears: py,
		LostTimeClaims: a.ltc.float64(), DisablingInjuryClaims: a.di.float64(), Fatalities: a.f.float64()}
	f.LTCRate, f.LTCRateCI = rate(f.LostTimeClaims, 100)
	f.DIR, f.DIRCI = rate(f.DisablingInjuryClaims, 100)
	f.FatalityRate, f.FatalityRateCI = rate(f.Fatalities, 1e6)
	if a.hasCosts {
		c, pyc := a.costs.float64(), a.pyc.float64()
		f.ClaimCosts = &c
		if pyc > 0 {
			v := c / pyc
			f.ClaimCostPerPY = &v
		}
	}
	return f
}

func (a *acc) group(alpha float64) Group {
	if a == nil {
		return Group{Suppressed: true, Reason: "no snapshots"}
	}
	if a.suppressed != "" {
		return Group{Suppressed: true, Reason: a.suppressed}
	}
	return Group{Figures: a.figures(alpha)}
}

func ratios(p Pair, z float64) *Ratios {
	c, n := p.COR.Figures, p.NonCOR.Figures
	if c == nil || n == nil {
		return nil
	}
	r := &Ratios{}
	if rr, ok := RatioCI(c.LostTimeClaims, c.PersonYears, n.LostTimeClaims, n.PersonYears, z); ok {
		r.LTCRate = &rr
	}
	if rr, ok := RatioCI(c.DisablingInjuryClaims, c.PersonYears, n.DisablingInjuryClaims, n.PersonYears, z); ok {
		r.DIR = &rr
	}
	if rr, ok := RatioCI(c.Fatalities, c.PersonYears, n.Fatalities, n.PersonYears, z); ok {
		r.FatalityRate = &rr
	}
	if c.ClaimCostPerPY != nil && n.ClaimCostPerPY != nil && *n.ClaimCostPerPY > 0 {
		v := *c.ClaimCostPerPY / *n.ClaimCostPerPY
		r.ClaimCostPerPY = &v
	}
	return r
}

// zFor returns the two-sided normal quantile for alpha.
func zFor(alpha float64) float64 {
	if alpha == 0.05 {
		return Z95
	}
	// Φ⁻¹(1-α/2) = √(2·Q(1-α; 1/2)), since Z² ~ χ²₁ = 2·Gamma(1/2).
	return sqrt(2 * GammaQuantile(1-alpha, 0.5))
}

// RowSource calls fn with snapshot rows, in order, until fn returns false
// or the rows end, and returns the error that stopped the reading, if any.
// The row is fn's only until fn returns: a source that reads a file may
// decode every row into one Snapshot.
type RowSource func(fn func(*Snapshot) bool) error

// SliceRows is the RowSource of rows.
func SliceRows(rows []Snapshot) RowSource {
	return func(fn func(*Snapshot) bool) error {
		for i := range rows {
			if !fn(&rows[i]) {
				break
			}
		}
		return nil
	}
}

// Compute answers q over rows; holders says which rows are in the cor
// group.
func Compute(rows []Snapshot, holders *Holders, q Query) (Result, error) {
	return ComputeFrom(SliceRows(rows), holders, q)
}

// ComputeFrom is Compute over the rows src gives, none kept: its memory
// is the answer's cells and the distinct employers, whatever the number of
// rows. An error of src is returned as it is.
//
// A filter (industry, year) picks one cell of the breakdown by its
// dimension, which that breakdown may hide (too small, or with another
// cell so the totals do not give one away): the filtered answer then
// hides the same group, its cells and ratios, or it would publish what the
// breakdown hid. So a filtered query reads src once more per filter.
func ComputeFrom(src RowSource, holders *Holders, q Query) (Result, error) {
	res, err := computeFrom(src, holders, q)
	if err != nil || (q.Industry == "" && q.Year == 0) {
		return res, err
	}
	for _, f := range []struct {
		dim, val string
		clear    func(*Query)
	}{
		{DimIndustry, q.Industry, func(q *Query) { q.Industry = "" }},
		{DimYear, strconv.Itoa(q.Year), func(q *Query) { q.Year = 0 }},
	} {
		if f.val == "" || f.val == "0" {
			continue
		}
		bq := q
		f.clear(&bq)
		bq.GroupBy = []string{f.dim}
		br, err := computeFrom(src, holders, bq)
		if err != nil {
			return Result{}, err
		}
		for _, c := range br.Cells {
			if c.Key[f.dim] == f.val {
				hideAs(&res, c.Groups, f.dim)
			}
		}
	}
	return res, nil
}

// hideAs hides in res each group that the cell p of the breakdown by dim
// hides, with the cells of that group and every ratio touching it.
func hideAs(res *Result, p Pair, dim string) {
	hide := func(g *Group, by Group) bool {
		if !by.Suppressed || g.Suppressed {
			return false
		}
		*g = Group{Suppressed: true, Reason: "hidden in the breakdown by " + dim + ": " + by.Reason}
		return true
	}
	cor, non := hide(&res.Groups.COR, p.COR), hide(&res.Groups.NonCOR, p.NonCOR)
	if !cor && !non {
		return
	}
	res.Ratios = nil
	for i := range res.Cells {
		c := &res.Cells[i]
		if cor {
			hide(&c.Groups.COR, p.COR)
		}
		if non {
			hide(&c.Groups.NonCOR, p.NonCOR)
		}
		c.Ratios = nil
	}
}

func computeFrom(src RowSource, holders *Holders, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	res := Result{Year: q.Year, Industry: q.Industry, GroupBy: append([]string{}, q.GroupBy...), Minimum: q.Minimum,
		Confidence: 1 - q.Alpha, Cells: []Cell{}}
	total := [2]*acc{newAcc(), newAcc()} // cor, non_cor
	cells := map[string]*[2]*acc{}
	keys := map[string]map[string]string{}
	ids := employerIDs{}
	vals := make([]string, len(q.GroupBy))
	var kb []byte // the cell's key string (keyString), built without a map per row
	var parts []Part
	err := src(func(s *Snapshot) bool {
		if (q.Year != 0 && s.Year != q.Year) || (q.Industry != "" && s.IndustryCode != q.Industry) {
			return true
		}
		parts = holders.Year(s.EmployerBN, s.WCBAccount, s.Year, parts)
		yd := DaysIn(s.Year)
		emp := ids.of(s.EmployerBN)
		for _, p := range parts {
			if p.Days == 0 {
				continue
			}
			h, isCOR := p.Holding, p.Held
			g := 1
			if isCOR {
				g = 0
			}
			total[g].add(s, emp, p.Days, yd)
			if len(q.GroupBy) == 0 {
				continue
			}
			kb = kb[:0]
			for j, d := range q.GroupBy {
				var v string
				switch d {
				case DimYear:
					v = strconv.Itoa(s.Year)
				case DimIndustry:
					v = s.IndustryCode
				case DimSizeBand:
					v = SizeBand(s.PersonYears)
				case DimProgram:
					v = h.Program
				case DimCP:
					v = h.CP
				}
				if !isCOR && corOnly(d) {
					v = "*" // non-COR rows are the baseline of every program and CP
				}
				vals[j] = v
				kb = append(append(kb, v...), 0)
			}
			c := cells[string(kb)]
			if c == nil {
				key := make(map[string]string, len(q.GroupBy))
				for j, d := range q.GroupBy {
					key[d] = vals[j]
				}
				ks := string(kb)
				c = &[2]*acc{}
				cells[ks] = c
				keys[ks] = key
			}
			if c[g] == nil {
				c[g] = newAcc()
			}
			c[g].add(s, emp, p.Days, yd)
		}
		return true
	})
	if err != nil {
		return Result{}, err
	}
	for _, a := range total {
		a.decide(q.Minimum)
	}
	z := zFor(q.Alpha)
	res.Groups = Pair{COR: total[0].group(q.Alpha), NonCOR: total[1].group(q.Alpha)}
	res.Ratios = ratios(res.Groups, z)
	if len(q.GroupBy) == 0 {
		return res, nil
	}
	// Cells: every key with COR rows, plus (when no dimension is COR-only)
	// every key with non-COR rows. A COR cell's non_cor group is the
	// baseline cell whose COR-only dimensions are "*".
	baselineOf := func(ks string) string {
		key := maps.Clone(keys[ks])
		for _, d := range q.GroupBy {
			if corOnly(d) {
				key[d] = "*"
			}
		}
		return keyString(q.GroupBy, key)
	}
	hasCOROnly := slices.ContainsFunc(q.GroupBy, corOnly)
	var order []string
	for ks, c := range cells {
		if c[0] != nil || !hasCOROnly {
			order = append(order, ks)
		}
	}
	slices.Sort(order)
	var corAccs, nonAccs []*acc
	seenNon := map[*acc]bool{}
	pairs := make([][2]*acc, len(order))
	for i, ks := range order {
		var non *acc
		if b := cells[baselineOf(ks)]; b != nil {
			non = b[1]
		}
		pairs[i] = [2]*acc{cells[ks][0], non}
		if a := cells[ks][0]; a != nil {
			a.decide(q.Minimum)
			corAccs = append(corAccs, a)
		}
		if non != nil && !seenNon[non] {
			seenNon[non] = true
			non.decide(q.Minimum)
			nonAccs = append(nonAccs, non)
		}
	}
	complement(corAccs, total[0], q.Minimum)
	complement(nonAccs, total[1], q.Minimum)
	if len(q.GroupBy) >= 2 {
		// Each dimension's own breakdown (group_by=year, say) publishes the
		// total of every line of this table (the cells of one year): a
		// line with one hidden cell would give it away too.
		lineOf := make(map[*acc]map[string]string, len(order)) // a cell's key
		for i, ks := range order {
			if a := pairs[i][0]; a != nil {
				lineOf[a] = keys[ks]
			}
			if a := pairs[i][1]; a != nil {
				lineOf[a] = keys[baselineOf(ks)] // the baseline's: "*" for program and cp
			}
		}
		for changed := true; changed; {
			changed = false
			for _, accs := range [][]*acc{corAccs, nonAccs} {
				for _, d := range q.GroupBy {
					lines := map[string][]*acc{}
					for _, a := range accs {
						v := lineOf[a][d]
						lines[v] = append(lines[v], a)
					}
					for _, v := range slices.Sorted(maps.Keys(lines)) { // the same answer every time
						changed = complementLine(lines[v], q.Minimum) || changed
					}
				}
			}
		}
	}
	for i, ks := range order {
		p := Pair{COR: pairs[i][0].group(q.Alpha), NonCOR: pairs[i][1].group(q.Alpha)}
		key := keys[ks]
		res.Cells = append(res.Cells, Cell{Key: key, Groups: p, Ratios: ratios(p, z)})
	}
	return res, nil
}

// complement applies secondary suppression to the cells of one column that
// partition total, when the total is shown: the hidden cells together are
// the total minus the shown ones, so they must be at least two and
// together meet m (see hideAnother).
func complement(cells []*acc, total *acc, m Minimum) {
	if total.suppressed == "" {
		hideAnother(cells, m, "suppressed with another cell, which the totals would otherwise reveal")
	}
}

// complementLine is complement for the cells of one line of a table,
// whose total another query publishes (that line's cells together, shown
// when they meet m): it reports whether it suppressed a cell.
func complementLine(cells []*acc, m Minimum) bool {
	if len(cells) < 2 {
		return false
	}
	line := merged(cells)
	if line.decide(m); line.suppressed != "" {
		return false // the line's total is itself hidden
	}
	return hideAnother(cells, m, "suppressed with another cell, which a line's total would otherwise reveal")
}

// merged is the group of cells together: their employers and person-years.
func merged(cells []*acc) *acc {
	g := newAcc()
	for _, a := range cells {
		maps.Copy(g.employers, a.employers)
		g.py.add(a.py.float64())
	}
	return g
}

// hideAnother suppresses, for why, the smallest shown cells of cells until
// what the shown ones leave (the hidden ones together, which the total
// minus the shown cells gives) is not one cell and meets m, or no cell is
// shown; it reports whether it suppressed any. With one hidden cell, the
// difference would be that cell; with two small ones, the two together
// (3 and 1 employers shown as 4 by difference, under a minimum of 5).
func hideAnother(cells []*acc, m Minimum, why string) bool {
	changed := false
	for {
		var hidden, shown []*acc
		for _, a := range cells {
			if a.suppressed != "" {
				hidden = append(hidden, a)
			} else {
				shown = append(shown, a)
			}
		}
		if len(hidden) == 0 || len(shown) == 0 {
			return changed
		}
		if len(hidden) >= 2 {
			g := merged(hidden)
			if g.decide(m); g.suppressed == "" {
				return changed
			}
		}
		smallest := slices.MinFunc(shown, func(a, b *acc) int {
			return cmp.Or(a.py.cmp(&b.py), cmp.Compare(a.employerCount(), b.employerCount()))
		})
		smallest.suppressed = why
		changed = true
	}
}

func keyString(dims []string, key map[string]string) string {
	var b strings.Builder
	for _, d := range dims {
		b.WriteString(key[d])
		b.WriteByte(0)
	}
	return b.String()
}
