package measure

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strconv"
	"strings"

	"github.com/corfed/corfed/registry"
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
	var problems queryProblems
	seen := map[string]bool{}
	for _, d := range q.GroupBy {
		switch {
		case !slices.Contains(Dimensions, d):
			problems = append(problems, registry.Textf("unknown dimension %q (one of %s)", d, strings.Join(Dimensions, ", ")))
		case seen[d]:
			problems = append(problems, registry.Textf("dimension %q given twice", d))
		}
		seen[d] = true
	}
	if q.Minimum.PersonYears < 0 || q.Minimum.Employers < 0 {
		problems = append(problems, registry.Textf("the minimum cannot be negative"))
	}
	if q.Alpha < 0 || q.Alpha >= 1 {
		problems = append(problems, registry.Textf("alpha must be in (0, 1)"))
	}
	if len(problems) > 0 {
		return problems
	}
	return nil
}

// queryProblems are every problem of a query, said at once ("; " between
// them). Each keeps the English format it was printed from
// (registry.Textf), so that a problem can say it in French.
type queryProblems []error

func (ps queryProblems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Error()
	}
	return strings.Join(parts, "; ")
}

func (ps queryProblems) Unwrap() []error { return ps }

// Figures are one group's totals and rates (see the package documentation
// for the definitions).
type Figures struct {
	Employers             int      `json:"employers" doc:"distinct employers (BN) with at least one day of the year in this group (the suppression minimum counts each for its share of the year instead, at most 1)"`
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
	ClaimCostPerPY        *float64 `json:"claim_cost_per_person_year" doc:"claim_costs / person-years of the rows reporting costs; null when none does, or when they are hidden (claim_costs_suppressed)"`
	// ClaimCostsSuppressed says why claim_costs and
	// claim_cost_per_person_year are null although rows of the group
	// report claim costs: those rows, on their own, are below the minimum,
	// or are hidden with another cell's (the same rules as a group).
	ClaimCostsSuppressed   string `json:"claim_costs_suppressed,omitempty" doc:"why claim_costs and claim_cost_per_person_year are null although rows of the group report claim costs: the rows reporting them are, on their own, below the minimum or hidden with another cell's"`
	ClaimCostsSuppressedFR string `json:"claim_costs_suppressed_fr,omitempty" doc:"The same in French."`
}

// Group is one group of a cell: its figures, or suppressed with a reason.
type Group struct {
	Suppressed bool   `json:"suppressed"`
	Reason     string `json:"reason,omitempty"`
	ReasonFR   string `json:"reason_fr,omitempty" doc:"The reason in French."`
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
	employers     map[int32]int64 // each employer's days in the group, in yearUnits, by its employerIDs number
	snapshots     int
	py, pyc       exactSum // person-years; of rows with costs
	costs         exactSum
	hasCosts      bool
	costsHidden   string   // why its claim costs are hidden, when its rows reporting them are (see suppressCosts)
	costsHidFR    string   // why, in French
	costEmployers int      // distinct employers of its rows that report costs, when suppressCosts shows them
	ltc, di, f    exactSum // counts, exposure-weighted (so fractional)
	suppressed    string   // why, once decided
	suppressedFR  string   // why, in French
	count         int      // employers of a published aggregate (employers is empty then)
	pinned        bool     // the same group as a cell a coarser table publishes
	same          []tkey   // those cells, when pinned
	unpinned      bool     // pinned, yet hidden: no other cell of a line could be
	ey            int64    // employerYears, once known (eyKnown)
	pyf           float64  // py rounded, once known (pyKnown)
	pyKnown       bool
	eyKnown       bool
	distinct      int // len(employers) once released
}

// release drops a decided group's employers, keeping their count and
// employer-years: a table that only decides others needs no more.
func (a *acc) release() {
	if a.employers == nil {
		return // released already (a table shares its cells with another)
	}
	a.employerYears()
	a.distinct, a.employers = len(a.employers), nil
}

// employerCount is the number of distinct employers in the group (with at
// least one day in it), the published employers.
func (a *acc) employerCount() int {
	if a.count > 0 {
		return a.count
	}
	if a.employers == nil {
		return a.distinct
	}
	return len(a.employers)
}

// unitsPerYear is one employer-year in yearUnits: days of a year of 365
// days count 366 units each, of a year of 366 days 365 each, so that
// shares of either kind of year add up exactly.
const unitsPerYear = 365 * 366

// yearUnits is days of a year of yearDays days, in units of 1/unitsPerYear
// of a year.
func yearUnits(days, yearDays int) int64 { return int64(days) * (unitsPerYear / int64(yearDays)) }

// employerYears is what the employer minimum counts, in yearUnits: each
// employer's share of a year in the group (its days there over the days
// of the year, summed over its rows), at most one year per employer. An
// employer in the group for one day adds 1/366 of an employer, not one,
// and an employer in it for three whole years still one.
func (a *acc) employerYears() int64 {
	if a.count > 0 {
		return int64(a.count) * unitsPerYear
	}
	if !a.eyKnown {
		a.ey, a.eyKnown = 0, true
		for _, u := range a.employers {
			a.ey += min(u, unitsPerYear)
		}
	}
	return a.ey
}

// exactPrec holds any sum of doubles exactly (they are multiples of
// 2^-1074 below 2^1024).
const exactPrec = 2200

func newAcc() *acc {
	return &acc{employers: map[int32]int64{}}
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

// share is x times days / yearDays rounded once to the nearest double
// (ties to even): x itself for the whole year.
func share(x float64, days, yearDays int) float64 {
	if days == yearDays || x == 0 {
		return x
	}
	d := float64(days)
	if p := x * d; math.FMA(x, d, -p) == 0 {
		return p / float64(yearDays) // x·days exact: one correctly rounded division
	}
	r := new(big.Rat).SetFloat64(x)
	r.Mul(r, big.NewRat(int64(days), int64(yearDays)))
	v, _ := r.Float64() // the nearest double, subnormals included
	return v
}

// add adds the share days/yearDays of snapshot s of employer emp (its
// employerIDs number): each of its figures times days / yearDays, rounded
// once to the nearest double (the figures themselves when days is the
// whole year).
func (a *acc) add(s *Snapshot, emp int32, days, yearDays int) {
	a.employers[emp] += yearUnits(days, yearDays)
	a.eyKnown = false
	a.snapshots++
	py := share(s.PersonYears, days, yearDays)
	a.py.add(py)
	a.pyKnown = false
	if s.ClaimCosts != nil {
		a.hasCosts = true
		a.costs.add(share(*s.ClaimCosts, days, yearDays))
		a.pyc.add(py)
	}
	a.ltc.add(share(float64(s.LostTimeClaims), days, yearDays))
	a.di.add(share(float64(s.DisablingInjuryClaims), days, yearDays))
	a.f.add(share(float64(s.Fatalities), days, yearDays))
}

// merge adds group b to a exactly: a is then the group of both (disjoint)
// groups' rows.
func (a *acc) merge(b *acc) {
	for e, u := range b.employers {
		a.employers[e] += u
	}
	a.eyKnown = false
	a.snapshots += b.snapshots
	a.py.addSum(&b.py)
	a.pyKnown = false
	a.pyc.addSum(&b.pyc)
	a.costs.addSum(&b.costs)
	a.hasCosts = a.hasCosts || b.hasCosts
	a.ltc.addSum(&b.ltc)
	a.di.addSum(&b.di)
	a.f.addSum(&b.f)
}

// decide sets a.suppressed from the minimum (primary suppression).
func (a *acc) decide(m Minimum) {
	a.suppressed = a.below(m)
	a.suppressedFR = ""
	if a.suppressed != "" {
		a.suppressedFR = a.belowFR(m)
	}
}

// personYears is a's person-years rounded once to a double.
func (a *acc) personYears() float64 {
	if !a.pyKnown {
		a.pyf, a.pyKnown = a.py.float64(), true
	}
	return a.pyf
}

// meets reports whether a meets the minimum m (below(m) is "").
func (a *acc) meets(m Minimum) bool {
	py := a.personYears()
	return a.employerYears() >= int64(m.Employers)*unitsPerYear && py >= m.PersonYears && py != 0
}

// below returns why a is below the minimum m, or "" when it meets it.
func (a *acc) below(m Minimum) string {
	if a.meets(m) {
		return ""
	}
	py := a.personYears()
	switch {
	case a.employerYears() < int64(m.Employers)*unitsPerYear:
		return fmt.Sprintf("fewer than %d employers (each counted for its share of the year in the group)", m.Employers)
	case py < m.PersonYears:
		return fmt.Sprintf("fewer than %s person-years", strconv.FormatFloat(m.PersonYears, 'f', -1, 64))
	case py == 0:
		return "no person-years"
	}
	return ""
}

// belowFR is below's reason in French.
func (a *acc) belowFR(m Minimum) string {
	py := a.personYears()
	switch {
	case a.employerYears() < int64(m.Employers)*unitsPerYear:
		return fmt.Sprintf("moins de %d employeurs (chacun compté pour sa part de l'année dans le groupe)", m.Employers)
	case py < m.PersonYears:
		return fmt.Sprintf("moins de %s années-personnes", strings.Replace(strconv.FormatFloat(m.PersonYears, 'f', -1, 64), ".", ",", 1))
	case py == 0:
		return "aucune année-personne"
	}
	return ""
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
	switch {
	case a.costsHidden != "":
		f.ClaimCostsSuppressed, f.ClaimCostsSuppressedFR = a.costsHidden, a.costsHidFR
	case a.hasCosts:
		c, pyc := a.costs.float64(), a.pyc.float64()
		f.ClaimCosts = &c
		if v := c / pyc; pyc > 0 && !math.IsInf(v, 0) && !math.IsNaN(v) {
			f.ClaimCostPerPY = &v
		}
	}
	return f
}

func (a *acc) group(alpha float64) Group {
	if a == nil {
		return Group{Suppressed: true, Reason: "no snapshots", ReasonFR: "aucun instantané"}
	}
	if a.suppressed != "" {
		return Group{Suppressed: true, Reason: a.suppressed, ReasonFR: a.suppressedFR}
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
// is the cells of the tables of every set of dimensions and the full
// table's distinct employers, whatever the number of rows. An error of
// src is returned as it is. It reads src once, every year and industry of
// it.
//
// Every answer is read from one family of tables, decided the same way
// whoever asks: the table of a set of dimensions (taken in Dimensions
// order, whatever the order asked) over every row, the tables of every
// set of the dimensions decided together (see suppress: in a sparse table
// a coarse table hides a cell that is the same group as a cell a finer
// one must hide). A breakdown is its table; a filter (industry, year) picks
// cells of the table of the breakdown's dimensions and the filter's, and
// its totals are the cell of the table of the filter's dimensions
// (group_by=year's cell for ?year=). So two answers never show the same
// group one way and hide it another, and no answer shows what another
// hides.
func ComputeFrom(src RowSource, holders *Holders, q Query) (Result, error) {
	if err := q.Validate(); err != nil {
		return Result{}, err
	}
	if q.Alpha == 0 {
		q.Alpha = 0.05
	}
	filter := map[string]string{}
	if q.Year != 0 {
		filter[DimYear] = strconv.Itoa(q.Year)
	}
	if q.Industry != "" {
		filter[DimIndustry] = q.Industry
	}
	b, err := tabulate(src, holders, Dimensions)
	if err != nil {
		return Result{}, err
	}
	fm := b.mask(slices.Collect(maps.Keys(filter)))
	qm := b.mask(canonical(q.GroupBy, slices.Collect(maps.Keys(filter))))
	b.suppress(q.Minimum)
	res := Result{Year: q.Year, Industry: q.Industry, GroupBy: append([]string{}, q.GroupBy...), Minimum: q.Minimum,
		Confidence: 1 - q.Alpha, Cells: []Cell{}}
	z := zFor(q.Alpha)
	fvals := make([]string, len(b.dims))
	for i, d := range b.dims {
		fvals[i] = filter[d]
	}
	fkey := string(b.keyOf(nil, fvals, fm))
	res.Groups = Pair{COR: b.group(0, fm, fkey, q), NonCOR: b.group(1, fm, fkey, q)}
	res.Ratios = ratios(res.Groups, z)
	if len(q.GroupBy) == 0 {
		return res, nil
	}
	// Cells: every key with COR rows, plus (when no dimension is COR-only)
	// every key with non-COR rows. A COR cell's non_cor group is the
	// baseline cell whose COR-only dimensions are "*".
	hasCOROnly := slices.ContainsFunc(q.GroupBy, corOnly)
	seen := map[string]bool{}
	base := make([]string, len(b.dims))
	for g := range 2 {
		if g == 1 && hasCOROnly {
			break
		}
		for ks, c := range b.tables[g][qm] {
			if seen[ks] || !matches(b.dims, c.vals, filter) {
				continue
			}
			seen[ks] = true
			copy(base, c.vals)
			for i, d := range b.dims {
				if corOnly(d) {
					base[i] = "*"
				}
			}
			bk := string(b.keyOf(nil, base, qm))
			p := Pair{COR: b.group(0, qm, ks, q), NonCOR: b.group(1, qm, bk, q)}
			if g == 0 || b.tables[0][qm][ks] == nil {
				key := make(map[string]string, len(q.GroupBy))
				for i, d := range b.dims {
					if slices.Contains(q.GroupBy, d) {
						key[d] = c.vals[i]
					}
				}
				res.Cells = append(res.Cells, Cell{Key: key, Groups: p, Ratios: ratios(p, z)})
			}
		}
	}
	sortCells(res.Cells, q.GroupBy)
	return res, nil
}

// InOrder returns r as asked with its dimensions in the order groupBy
// names them (the same set as r's): the same cells, listed in that order.
// A cached answer serves every order this way.
func (r Result) InOrder(groupBy []string) Result {
	r.GroupBy = append([]string{}, groupBy...)
	r.Cells = slices.Clone(r.Cells)
	sortCells(r.Cells, groupBy)
	return r
}

// CanonicalDims returns dims in Dimensions order: the order in which a
// breakdown is decided, so the key under which its answer may be kept.
func CanonicalDims(dims []string) []string { return canonical(dims, nil) }

func canonical(dims, more []string) []string {
	var out []string
	for _, d := range Dimensions {
		if slices.Contains(dims, d) || slices.Contains(more, d) {
			out = append(out, d)
		}
	}
	return out
}

func sortCells(cells []Cell, dims []string) {
	slices.SortFunc(cells, func(a, b Cell) int {
		return strings.Compare(keyString(dims, a.Key), keyString(dims, b.Key))
	})
}

func matches(dims, vals []string, filter map[string]string) bool {
	for i, d := range dims {
		if v, ok := filter[d]; ok && vals[i] != v {
			return false
		}
	}
	return true
}

// tkey names a cell of one column's tables: its table's mask and its key.
type tkey struct {
	mask int
	key  string
}

// tcell is one cell of a table: its values of the breakdown's dimensions
// (those of its table's mask only mean anything) and its group.
type tcell struct {
	vals []string
	a    *acc
	ca   *acc // of its rows that report claim costs: a itself when all do, nil when none does
}

// table is one column's cells of the table of a mask of dimensions, by
// key (the mask's values, each followed by a 0 byte).
type table map[string]*tcell

// breakdown is the tables of every subset (mask, bit i for dims[i]) of a
// list of dimensions, in canonical order, for each column (cor,
// non_cor); the full mask's are read from the rows, the others are sums
// of its cells.
type breakdown struct {
	dims   []string
	tables [2][]table
	// withCosts and withoutCosts count the rows that report claim costs
	// and those that do not: when both are rows, suppress decides the
	// claim costs on their own (suppressCosts).
	withCosts, withoutCosts int
}

func (b *breakdown) mask(dims []string) int {
	m := 0
	for i, d := range b.dims {
		if slices.Contains(dims, d) {
			m |= 1 << i
		}
	}
	return m
}

// keyOf appends to kb the key of vals in the table of mask m.
func (b *breakdown) keyOf(kb []byte, vals []string, m int) []byte {
	for i := range b.dims {
		if m&(1<<i) != 0 {
			kb = append(append(kb, vals[i]...), 0)
		}
	}
	return kb
}

// group is the group of column g's cell key of the table of mask m, as
// decided; a cell with no rows is an empty group, decided.
func (b *breakdown) group(g, m int, key string, q Query) Group {
	if c := b.tables[g][m][key]; c != nil {
		return c.a.group(q.Alpha)
	}
	a := newAcc()
	a.decide(q.Minimum)
	return a.group(q.Alpha)
}

// tabulate reads src into the cells of the table of dims (canonical
// order), for each column.
func tabulate(src RowSource, holders *Holders, dims []string) (*breakdown, error) {
	b := &breakdown{dims: dims}
	full := 1<<len(dims) - 1
	for g := range b.tables {
		b.tables[g] = make([]table, full+1)
		b.tables[g][full] = table{}
	}
	ids := employerIDs{}
	vals := make([]string, len(dims))
	var kb []byte // the cell's key, built without a map per row
	var parts []Part
	err := src(func(s *Snapshot) bool {
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
			kb = kb[:0]
			for j, d := range dims {
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
			t := b.tables[g][full]
			c := t[string(kb)]
			if c == nil {
				c = &tcell{vals: slices.Clone(vals), a: newAcc()}
				t[string(kb)] = c
			}
			c.addRow(s, emp, p.Days, yd)
		}
		if s.ClaimCosts != nil {
			b.withCosts++
		} else {
			b.withoutCosts++
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// suppress decides what every table of b hides under m, column by
// column, from the coarsest table (the totals) to the full one. A table's
// cell is hidden when it is below m (primary), and more are hidden until,
// for every line of it (its cells that sum to one cell of the table of a
// proper subset of its dimensions, which that table publishes when it
// meets m):
//
//   - the hidden cells of the line are none, or at least two that
//     together meet m, so that the line's total minus its shown cells
//     does not give a hidden cell, nor hidden cells too small together;
//   - when the coarser table hides the line's total, at least one cell
//     of the line is hidden, so that its shown cells do not add up to it.
//
// A cell that is the same group as a cell of a coarser table (the only
// cell of a line whose total is shown: industry D, whose rows are all in
// 2024, is the cell (2024, D)) is published by that table whatever this
// one does, so it is hidden only when no other cell of a line can be; and
// then the coarser cells that are the same group are hidden too (forced):
// the decision starts again from the totals, with them hidden as if below
// m, until no table needs to hide such a cell. In a dense table none is
// ever needed and one pass decides every table. Then every group is shown
// by every table that has it, or hidden by all, and no line of any table
// has one hidden cell, however sparse the rows.
//
// b must have every dimension (Dimensions): what a coarse table hides
// depends on the finer tables, so every answer is read from the same
// decision of the tables of every set of dimensions. The cost is 3^5 line
// groupings of the cells per pass (and one pass more for each round of
// forced cells, rare); its memory, beside the full table's cells, is one
// other table's employers at a time.
//
// Then, when some rows report claim costs and others do not, the claim
// costs are decided on their own (suppressCosts).
func (b *breakdown) suppress(m Minimum) {
	b.decide(m, nil)
	if b.withCosts > 0 && b.withoutCosts > 0 {
		b.suppressCosts(m)
	}
}

// decide is suppress without the claim costs, with the cells pre names
// (column, table and key) hidden from the start, as if below m.
func (b *breakdown) decide(m Minimum, pre func(g int, k tkey) bool) {
	n := len(b.tables[0])
	masks := make([]int, n)
	for i := range masks {
		masks[i] = i
	}
	slices.SortStableFunc(masks, func(x, y int) int { return cmp.Compare(bits.OnesCount(uint(x)), bits.OnesCount(uint(y))) })
	cob := b.mask([]string{DimProgram, DimCP})
	for g := range b.tables {
		forced := map[tkey]bool{}
		for pass := 0; ; pass++ {
			if pass > 0 {
				for _, t := range masks[:n-1] {
					b.tables[g][t] = nil // rebuilt from the full table's cells
				}
			}
			more := false
			for _, t := range masks {
				if g == 1 && t&cob != 0 && t != n-1 {
					// Non-COR rows have "*" for program and cp: this table
					// is the one without them, and decides the same.
					b.tables[g][t] = b.alias(g, t, t&^cob)
					continue
				}
				more = b.suppressTable(g, t, m, forced, pre) || more
				if t != n-1 {
					for _, c := range b.tables[g][t] {
						c.a.release()
					}
				}
			}
			if !more {
				break
			}
		}
	}
}

// alias returns column g's table t as the cells of its table u, which
// has the same cells (the dimensions of t not in u have one value in g).
func (b *breakdown) alias(g, t, u int) table {
	tab := table{}
	var kb []byte
	for _, c := range b.tables[g][u] {
		kb = b.keyOf(kb[:0], c.vals, t)
		tab[string(kb)] = c
	}
	return tab
}

func (b *breakdown) build(g, t int) table {
	full := len(b.tables[g]) - 1
	if b.tables[g][t] != nil {
		return b.tables[g][t]
	}
	tab := table{}
	var kb []byte
	type part struct{ to, from *acc }
	var parts []part
	size := map[*acc]int{}
	for _, c := range b.tables[g][full] {
		kb = b.keyOf(kb[:0], c.vals, t)
		tc := tab[string(kb)]
		if tc == nil {
			tc = &tcell{vals: c.vals, a: newAcc()}
			tab[string(kb)] = tc
		}
		parts = append(parts, part{tc.a, c.a})
		size[tc.a] += len(c.a.employers)
	}
	for a, n := range size {
		a.employers = make(map[int32]int64, n) // at most n: grown once
	}
	for _, p := range parts {
		p.to.merge(p.from)
	}
	if t == 0 && len(tab) == 0 {
		tab[""] = &tcell{vals: make([]string, len(b.dims)), a: newAcc()} // no rows: the totals are empty groups
	}
	b.tables[g][t] = tab
	return tab
}

const (
	whyLine  = "suppressed with another cell, which a line's total would otherwise reveal"
	whyTotal = "suppressed with another cell, which the totals would otherwise reveal"
	whySum   = "suppressed with another cell, whose shown cells would otherwise add up to a hidden total"
	whySame  = "suppressed with another cell: the same group as a cell of a finer table, hidden there so that a line's total does not reveal another"
	whyGroup = "the group is suppressed"
	whyCosts = "claim costs hidden: the rows of the group that report them, on their own: "
)

// whyFR are the complementary suppression reasons in French.
var whyFR = map[string]string{
	whyLine:  "supprimé avec une autre cellule, que le total d'une ligne révélerait autrement",
	whyTotal: "supprimé avec une autre cellule, que les totaux révéleraient autrement",
	whySum:   "supprimé avec une autre cellule, dont les cellules affichées donneraient autrement par addition un total masqué",
	whySame:  "supprimé avec une autre cellule : le même groupe qu'une cellule d'un tableau plus fin, masquée là pour que le total d'une ligne n'en révèle pas une autre",
	whyGroup: "le groupe est supprimé",
	whyCosts: "coûts des réclamations masqués : les lignes du groupe qui les déclarent, à elles seules : ",
}

// suppressCosts decides, b decided, which shown groups show their claim
// costs: the rows of a group that report them (claim_costs and their
// person-years, which claim_cost_per_person_year gives away) are a group
// of their own, decided by the same rules as every group (the minimum,
// then the lines of every table), with every cell b hides hidden from the
// start. A shown group whose rows reporting costs are hidden shows no
// claim costs, and says why. When every row reports claim costs, or none
// does, these groups are b's own, decided already.
func (b *breakdown) suppressCosts(m Minimum) {
	full := len(b.tables[0]) - 1
	bc := &breakdown{dims: b.dims}
	for g := range b.tables {
		bc.tables[g] = make([]table, full+1)
		t := table{}
		for k, c := range b.tables[g][full] {
			if c.ca == nil {
				continue
			}
			ca := c.ca
			if ca == c.a { // every row of the cell reports costs: the same rows, decided apart
				ca = newAcc()
				ca.merge(c.a)
			}
			t[k] = &tcell{vals: c.vals, a: ca}
		}
		bc.tables[g][full] = t
	}
	bc.decide(m, func(g int, k tkey) bool {
		c := b.tables[g][k.mask][k.key]
		return c != nil && c.a.suppressed != ""
	})
	for g := range b.tables {
		for t, tab := range b.tables[g] {
			for k, c := range tab {
				a := c.a
				if a.suppressed != "" || !a.hasCosts {
					continue
				}
				cc := bc.tables[g][t][k]
				if cc != nil && cc.a.suppressed == "" {
					a.costEmployers = cc.a.employerCount()
				}
				if cc == nil || cc.a.suppressed != "" {
					why, whyF := "hidden with the group", "masquées avec le groupe"
					if cc != nil {
						why, whyF = cc.a.suppressed, cc.a.suppressedFR
					}
					a.costsHidden, a.costsHidFR = whyCosts+why, whyFR[whyCosts]+whyF
				}
			}
		}
	}
}

// addRow adds the share days/yearDays of snapshot s of employer emp to
// the cell, and to its rows that report claim costs when s does.
func (c *tcell) addRow(s *Snapshot, emp int32, days, yearDays int) {
	switch {
	case s.ClaimCosts == nil:
		if c.ca == c.a && c.ca != nil { // the first row without costs: the cost rows are no longer all
			c.ca = newAcc()
			c.ca.merge(c.a)
		}
	case c.ca == nil && c.a.snapshots == 0:
		c.ca = c.a // so far every row reports costs
	case c.ca == nil:
		c.ca = newAcc()
		c.ca.add(s, emp, days, yearDays)
	case c.ca != c.a:
		c.ca.add(s, emp, days, yearDays)
	}
	c.a.add(s, emp, days, yearDays)
}

// suppressTable decides column g's table t, its coarser tables decided,
// with the cells of forced hidden; it adds to forced the coarser cells
// that are the same group as a cell it had to hide, and reports whether
// it added any (then the decision must start again).
func (b *breakdown) suppressTable(g, t int, m Minimum, forced map[tkey]bool, pre func(g int, k tkey) bool) bool {
	tab := b.build(g, t)
	order := slices.Sorted(maps.Keys(tab)) // the same answer every time
	for _, k := range order {
		a := tab[k].a
		a.decide(m)
		a.pinned, a.same, a.unpinned = false, nil, false
		if a.suppressed == "" && pre != nil && pre(g, tkey{t, k}) {
			a.suppressed, a.suppressedFR = whyGroup, whyFR[whyGroup]
		}
		if a.suppressed == "" && forced[tkey{t, k}] {
			a.suppressed, a.suppressedFR = whySame, whyFR[whySame]
		}
	}
	type line struct {
		total *acc
		cells []*acc
		sub   int
	}
	var lines []line
	var kb []byte
	for u := 0; u < t; u++ {
		if u&t != u {
			continue
		}
		byKey := map[string]*line{}
		var keys []string
		for _, k := range order {
			c := tab[k]
			kb = b.keyOf(kb[:0], c.vals, u)
			l := byKey[string(kb)]
			if l == nil {
				l = &line{total: b.tables[g][u][string(kb)].a, sub: u}
				byKey[string(kb)] = l
				keys = append(keys, string(kb))
			}
			l.cells = append(l.cells, c.a)
		}
		for _, k := range keys {
			l := byKey[k]
			if len(l.cells) == 1 && l.total.suppressed == "" {
				// The same group as a published cell: hiding it hides
				// nothing, unless that cell is hidden too.
				l.cells[0].pinned = true
				l.cells[0].same = append(l.cells[0].same, tkey{u, k})
			}
			lines = append(lines, *l)
		}
	}
	for changed := true; changed; {
		changed = false
		for _, l := range lines {
			why := whyLine
			if l.sub == 0 {
				why = whyTotal
			}
			changed = complementLine(l.cells, l.total, m, why) || changed
		}
	}
	more := false
	for _, k := range order {
		if a := tab[k].a; a.unpinned {
			for _, c := range a.same {
				if !forced[c] {
					forced[c], more = true, true
				}
			}
		}
	}
	return more
}

// complementLine applies secondary suppression to the cells of one line
// of a table, whose total is total, a cell of a coarser table: it reports
// whether it suppressed a cell.
func complementLine(cells []*acc, total *acc, m Minimum, why string) bool {
	changed := false
	if total.suppressed != "" {
		if !total.meets(m) {
			return false // so is every cell of the line
		}
		if !slices.ContainsFunc(cells, func(a *acc) bool { return a.suppressed != "" }) {
			if !hideSmallest(cells, whySum, true) {
				return false
			}
			changed = true
		}
	} else if !total.meets(m) {
		return false
	}
	return hideAnother(cells, m, why, total.suppressed == "") || changed
}

// unionBelow is cells together's below(m): the union meets the employer
// minimum when one of them does (employer-years only grow with the
// group), else their employers are merged.
func unionBelow(cells []*acc, m Minimum) string {
	var g acc
	for _, a := range cells {
		g.py.addSum(&a.py)
	}
	py := g.py.float64()
	if py >= m.PersonYears && py > 0 && slices.ContainsFunc(cells, func(a *acc) bool {
		return a.employerYears() >= int64(m.Employers)*unitsPerYear
	}) {
		return ""
	}
	u := newAcc()
	for _, a := range cells {
		u.merge(a)
	}
	return u.below(m)
}

// hideAnother suppresses, for why, the smallest shown cells of cells until
// what the shown ones leave (the hidden ones together, which the total
// minus the shown cells gives) is not one cell and meets m, or no cell is
// shown; it reports whether it suppressed any. With one hidden cell, the
// difference would be that cell; with two small ones, the two together
// (3 and 1 employers shown as 4 by difference, under a minimum of 5).
// A cell another table publishes (pinned) is hidden only when unpin is
// true (the line's total is published: else no subtraction reaches the
// hidden cells, and hiding the same group in a coarser table would cost
// more than it protects).
func hideAnother(cells []*acc, m Minimum, why string, unpin bool) bool {
	changed := false
	for {
		var hidden []*acc
		for _, a := range cells {
			if a.suppressed != "" {
				hidden = append(hidden, a)
			}
		}
		if len(hidden) == 0 || len(hidden) == len(cells) {
			return changed
		}
		if len(hidden) >= 2 && unionBelow(hidden, m) == "" {
			return changed
		}
		if !hideSmallest(cells, why, unpin) {
			return changed
		}
		changed = true
	}
}

// hideSmallest suppresses, for why, the smallest shown cell of cells that
// another table does not publish as it is (pinned), or, when every shown
// cell is pinned and unpin is true, the smallest of them (unpinned: the
// coarser cells that are the same group must then be hidden too): it
// reports whether there was one.
func hideSmallest(cells []*acc, why string, unpin bool) bool {
	var shown, pinned []*acc
	for _, a := range cells {
		switch {
		case a.suppressed != "":
		case a.pinned:
			pinned = append(pinned, a)
		default:
			shown = append(shown, a)
		}
	}
	if len(shown) == 0 {
		if !unpin || len(pinned) == 0 {
			return false
		}
		shown = pinned
	}
	smallest := slices.MinFunc(shown, func(a, b *acc) int {
		return cmp.Or(a.py.cmp(&b.py), cmp.Compare(a.employerYears(), b.employerYears()))
	})
	smallest.suppressed, smallest.suppressedFR = why, whyFR[why]
	smallest.unpinned = smallest.pinned
	return true
}

func keyString(dims []string, key map[string]string) string {
	var b strings.Builder
	for _, d := range dims {
		b.WriteString(key[d])
		b.WriteByte(0)
	}
	return b.String()
}
