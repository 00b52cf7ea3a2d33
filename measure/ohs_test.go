package measure

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
)

// bn returns a valid BN9 (Luhn) built from i.
func bn(i int) string {
	s := fmt.Sprintf("%08d", 10000000+i)
	for c := 0; c < 10; c++ {
		if registry.CheckBN("bn", s+fmt.Sprint(c)) == nil {
			return s + fmt.Sprint(c)
		}
	}
	panic("no check digit")
}

func cert(id, b, program, cp, issued string, history ...registry.StatusChange) registry.Certificate {
	c := registry.Certificate{ID: id, Issuer: cp, Program: program, EmployerBN: b, IssuedOn: registry.MustDate(issued),
		ExpiresOn: registry.MustDate(issued).AddMonths(36), Status: registry.StatusActive}
	c.History = append([]registry.StatusChange{{Status: registry.StatusActive, On: c.IssuedOn}}, history...)
	return c
}

func money(v float64) *float64 { return &v }

// fixture: five COR employers (20 person-years each) and six non-COR
// employers (50 each), among them employer 10, whose COR was revoked on
// 1 January 2024 (so it held none in 2024) and employer 11, first
// certified in 2025.
func fixture() ([]Snapshot, *Holders) {
	var rows []Snapshot
	corLTC := []int64{1, 0, 2, 0, 1}
	corDI := []int64{2, 1, 3, 0, 2}
	corF := []int64{0, 0, 1, 0, 0}
	corCost := []float64{1000, 0, 5000.5, 0, 2000}
	var certs []registry.Certificate
	for i := range 5 {
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(1000 + i), Year: 2024, IndustryCode: "42100",
			PersonYears: 20, LostTimeClaims: corLTC[i], DisablingInjuryClaims: corDI[i], Fatalities: corF[i], ClaimCosts: money(corCost[i])})
		prog, cp := registry.ProgramCOR, "ACSA"
		if i == 4 {
			prog, cp = registry.ProgramSECOR, "AMHSA"
		}
		certs = append(certs, cert(fmt.Sprint("C", i), bn(i), prog, cp, "2023-01-01"))
	}
	for i := 10; i < 16; i++ {
		rows = append(rows, Snapshot{EmployerBN: bn(i), WCBAccount: fmt.Sprint(1000 + i), Year: 2024, IndustryCode: "42100",
			PersonYears: 50, LostTimeClaims: 3, DisablingInjuryClaims: 5, ClaimCosts: money(3000)})
	}
	certs = append(certs, cert("C10", bn(10), registry.ProgramCOR, "ACSA", "2023-01-01",
		registry.StatusChange{Status: registry.StatusRevoked, On: registry.MustDate("2024-01-01")}),
		cert("C11", bn(11), registry.ProgramCOR, "ACSA", "2025-01-01"))
	return rows, NewHolders(certs)
}

func close(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-12*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.17g, want %.17g", what, got, want)
	}
}

// The figures are checked against values worked out by hand from the
// fixture, and against the formulas evaluated independently here.
func TestComputeGolden(t *testing.T) {
	rows, holders := fixture()
	res, err := Compute(rows, holders, Query{Year: 2024, Minimum: DefaultMinimum})
	if err != nil {
		t.Fatal(err)
	}
	c, n := res.Groups.COR.Figures, res.Groups.NonCOR.Figures
	if c == nil || n == nil {
		t.Fatalf("a group is suppressed: %+v", res.Groups)
	}
	// COR: 5 employers, 100 py, 4 LTC, 8 DI, 1 fatality, $8,000.50.
	if c.Employers != 5 || c.PersonYears != 100 || c.LostTimeClaims != 4 || c.DisablingInjuryClaims != 8 || c.Fatalities != 1 {
		t.Errorf("cor totals = %+v", *c)
	}
	close(t, "cor ltc_rate", c.LTCRate, 4)
	close(t, "cor dir", c.DIR, 8)
	close(t, "cor fatality_rate", c.FatalityRate, 10000)
	close(t, "cor claim_cost_per_person_year", *c.ClaimCostPerPY, 80.005)
	// The exact formula, evaluated the same way an outside check would.
	if c.LTCRate != float64(4)/100*100 || c.FatalityRate != float64(1)/100*1e6 || n.DIR != float64(30)/300*100 {
		t.Errorf("rates differ from count / py * unit in double precision")
	}
	// Non-COR: six employers of 50 py each, 3 LTC, 5 DI, $3,000 each.
	if n.Employers != 6 || n.PersonYears != 300 || n.LostTimeClaims != 18 || n.DisablingInjuryClaims != 30 || n.Fatalities != 0 {
		t.Errorf("non_cor totals = %+v", *n)
	}
	close(t, "non_cor ltc_rate", n.LTCRate, 6)
	close(t, "non_cor dir", n.DIR, 10)
	close(t, "non_cor fatality_rate", n.FatalityRate, 0)
	close(t, "non_cor claim cost", *n.ClaimCostPerPY, 60)
	// Garwood 95% for 4 LTC in 100 py: [1.0899, 10.2416] per 100.
	close(t, "cor ltc ci lower", math.Round(c.LTCRateCI.Lower*1e4)/1e4, 1.0899)
	close(t, "cor ltc ci upper", math.Round(c.LTCRateCI.Upper*1e4)/1e4, 10.2416)
	// Fatality CI for 0 deaths in 300 py: [0, 3.6889/300*1e6].
	close(t, "non_cor fatality ci upper", math.Round(n.FatalityRateCI.Upper), math.Round(3.688879454113936/300*1e6))
	// Rate ratios: LTC 4/6, log-normal interval.
	rr := res.Ratios.LTCRate
	se := math.Sqrt(1.0/4 + 1.0/18)
	close(t, "ltc ratio", rr.Ratio, 4.0/6)
	close(t, "ltc ratio lower", rr.Interval.Lower, 4.0/6*math.Exp(-1.959963984540054*se))
	close(t, "ltc ratio upper", rr.Interval.Upper, 4.0/6*math.Exp(1.959963984540054*se))
	if res.Ratios.FatalityRate != nil {
		t.Errorf("fatality ratio with 0 non-COR deaths = %+v, want none", res.Ratios.FatalityRate)
	}
	close(t, "claim cost ratio", *res.Ratios.ClaimCostPerPY, 80.005/60)
}

// A row's as_of is when the figures were taken, not what decides its
// group: employer 10's COR was active on 31 December 2023 and employer
// 11's on 31 March 2025, but neither held one in 2024.
func TestComputeAsOfDoesNotDecide(t *testing.T) {
	rows, holders := fixture()
	for i := range rows {
		switch rows[i].EmployerBN {
		case bn(10):
			rows[i].AsOf = registry.MustDate("2024-01-01")
		case bn(11):
			rows[i].AsOf = registry.MustDate("2025-03-31")
		}
	}
	res, err := Compute(rows, holders, Query{Year: 2024, Minimum: DefaultMinimum})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Groups.COR.Employers; got != 5 {
		t.Errorf("cor employers = %d, want 5", got)
	}
	if got := res.Groups.NonCOR.PersonYears; got != 300 {
		t.Errorf("non_cor person_years = %g, want 300", got)
	}
}

func TestSuppressionEdges(t *testing.T) {
	mk := func(employers int, py float64) []Snapshot {
		var rows []Snapshot
		for i := range employers {
			rows = append(rows, Snapshot{EmployerBN: bn(100 + i), Year: 2024, PersonYears: py / float64(employers)})
		}
		return rows
	}
	none := NewHolders(nil)
	for _, tc := range []struct {
		name       string
		employers  int
		py         float64
		min        Minimum
		suppressed bool
	}{
		{"exactly the minimum is shown", 5, 40, DefaultMinimum, false},
		{"four employers", 4, 400, DefaultMinimum, true},
		{"just under 40 person-years", 5, 39.99, DefaultMinimum, true},
		{"a lower configured minimum", 2, 10, Minimum{PersonYears: 10, Employers: 2}, false},
		{"a higher configured minimum", 5, 40, Minimum{PersonYears: 100, Employers: 5}, true},
		{"no minimum but no person-years", 5, 0, Minimum{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Compute(mk(tc.employers, tc.py), none, Query{Minimum: tc.min})
			if err != nil {
				t.Fatal(err)
			}
			g := res.Groups.NonCOR
			if g.Suppressed != tc.suppressed || (g.Figures == nil) != tc.suppressed {
				t.Errorf("suppressed = %v (figures %v), want %v", g.Suppressed, g.Figures != nil, tc.suppressed)
			}
			b, _ := json.Marshal(g)
			if tc.suppressed && strings.Contains(string(b), "person_years") {
				t.Errorf("a suppressed group shows figures: %s", b)
			}
		})
	}
}

// When one cell of a breakdown is suppressed, a second one is too, so that
// the total minus the shown cells does not reveal it.
func TestComplementarySuppression(t *testing.T) {
	var rows []Snapshot
	add := func(industry string, employers int, py float64, base int) {
		for i := range employers {
			rows = append(rows, Snapshot{EmployerBN: bn(base + i), Year: 2024, IndustryCode: industry, PersonYears: py, LostTimeClaims: 1, DisablingInjuryClaims: 1})
		}
	}
	add("A", 3, 50, 200)  // suppressed: 3 employers
	add("B", 10, 10, 300) // 100 py: the smallest shown, suppressed with A
	add("C", 10, 30, 400) // 300 py: shown
	res, err := Compute(rows, NewHolders(nil), Query{GroupBy: []string{DimIndustry}, Minimum: DefaultMinimum})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"A": true, "B": true, "C": false}
	if len(res.Cells) != 3 {
		t.Fatalf("cells = %d, want 3", len(res.Cells))
	}
	for _, c := range res.Cells {
		if got := c.Groups.NonCOR.Suppressed; got != want[c.Key[DimIndustry]] {
			t.Errorf("industry %s suppressed = %v, want %v", c.Key[DimIndustry], got, want[c.Key[DimIndustry]])
		}
	}
	if res.Groups.NonCOR.Suppressed {
		t.Error("the total is suppressed")
	}
}

// By program, each COR program is compared with the same non-COR baseline.
func TestComputeByProgram(t *testing.T) {
	rows, holders := fixture()
	res, err := Compute(rows, holders, Query{Year: 2024, GroupBy: []string{DimProgram}, Minimum: Minimum{PersonYears: 1, Employers: 1}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Pair{}
	for _, c := range res.Cells {
		got[c.Key[DimProgram]] = c.Groups
	}
	if len(got) != 2 || got["COR"].COR.Employers != 4 || got["SECOR"].COR.Employers != 1 {
		t.Fatalf("cells = %+v", res.Cells)
	}
	if got["SECOR"].NonCOR.Employers != 6 || got["COR"].NonCOR.PersonYears != 300 {
		t.Errorf("the non-COR baseline = %+v / %+v", got["SECOR"].NonCOR.Figures, got["COR"].NonCOR.Figures)
	}
	if _, err := Compute(rows, holders, Query{GroupBy: []string{"colour"}}); err == nil {
		t.Error("an unknown dimension is accepted")
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	rows := []Snapshot{
		{EmployerBN: "123456789", WCBAccount: "ok-1", Year: 2024, PersonYears: 10, LostTimeClaims: 2, DisablingInjuryClaims: 1},
		{EmployerBN: bn(1), Year: 1800, PersonYears: -1, Fatalities: -2, ClaimCosts: money(-5), IndustryCode: "bad code"},
		{EmployerBN: bn(2), WCBAccount: "7", Year: 2024, PersonYears: 1},
		{EmployerBN: bn(3), WCBAccount: "7", Year: 2024, PersonYears: 1, AsOf: registry.MustDate("2023-12-31")},
	}
	r := ValidateAll(rows, 2)
	want := []string{"2 employer_bn", "2 disabling_injury_claims", "3 year", "3 industry_code", "3 person_years",
		"3 fatalities", "3 claim_costs", "5 as_of", "5 wcb_account"}
	var got []string
	for _, p := range r.Problems {
		got = append(got, fmt.Sprint(p.Row, " ", p.Column))
	}
	for _, w := range want {
		if !strings.Contains(strings.Join(got, ","), w) {
			t.Errorf("missing problem %q; got %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("problems = %v, want %d", got, len(want))
	}
}

// TestValidateNamesTheDuplicate: a second snapshot of the same account and
// year names the account's column and its whole value, a BN or a WCB
// account, or none (a row with neither; this once sliced past the end).
func TestValidateNamesTheDuplicate(t *testing.T) {
	for _, tc := range []struct {
		name       string
		row        Snapshot
		col, value string
	}{
		{"bn", Snapshot{EmployerBN: bn(4), Year: 2024, PersonYears: 1}, "employer_bn", bn(4)},
		{"wcb account", Snapshot{EmployerBN: bn(4), WCBAccount: "4512876", Year: 2024, PersonYears: 1}, "wcb_account", "4512876"},
		{"neither", Snapshot{Year: 2024, PersonYears: 1}, "employer_bn", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ValidateAll([]Snapshot{tc.row, tc.row}, 2)
			var dup []Problem
			for _, p := range r.Problems {
				if p.Row == 3 && strings.Contains(p.Message, "a second snapshot") {
					dup = append(dup, p)
				}
			}
			if len(dup) != 1 || dup[0].Column != tc.col || dup[0].Value != tc.value {
				t.Fatalf("problems %v; want one for row 3, column %s, value %q", r.Problems, tc.col, tc.value)
			}
		})
	}
}

// TestCertificationPerAccount: DOMAIN.md, "Certification is per WCB
// account in SK and ON". A Saskatchewan certificate naming account 111
// makes that account's snapshot COR, not the same employer's account 222;
// an Alberta certificate naming 111 covers the employer, both accounts.
func TestCertificationPerAccount(t *testing.T) {
	for _, c := range []struct {
		j       registry.Jurisdiction
		want222 bool
	}{{"CA-SK", false}, {"CA-ON", false}, {"CA-AB", true}} {
		cr := cert("C1", bn(1), registry.ProgramCOR, "ACSA", "2023-01-01")
		cr.Jurisdiction, cr.WCBAccounts = c.j, []string{"111"}
		h := NewHolders([]registry.Certificate{cr})
		on := registry.MustDate("2024-06-30")
		if _, ok := h.On(bn(1), "111", on); !ok {
			t.Errorf("%s: account 111, named on the certificate, is not COR", c.j)
		}
		if _, ok := h.On(bn(1), "222", on); ok != c.want222 {
			t.Errorf("%s: account 222 (not on the certificate) COR %v, want %v", c.j, ok, c.want222)
		}
		if _, ok := h.On(bn(1), "", on); !ok {
			t.Errorf("%s: the employer's row without an account is not COR", c.j)
		}
	}
}
