package measure

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/strictjson"
)

// Snapshot is one WCB account's OHS figures for one year. Its JSON form is
// the wire form of POST /v1/snapshots and of the CSV columns.
type Snapshot struct {
	EmployerBN   string        `json:"employer_bn" pattern:"^[0-9]{9}$" doc:"The employer's BN9 (Luhn-checked)."`
	WCBAccount   string        `json:"wcb_account,omitempty" required:"false" maxLength:"32" doc:"The WCB account; a snapshot is per account and year (per employer and year without one)."`
	Year         int           `json:"year" minimum:"1950" maximum:"2100"`
	AsOf         registry.Date `json:"as_of,omitzero" required:"false" doc:"The date the figures were taken; default 31 December of year. It does not decide the cor group, which is judged day by day over the calendar year."`
	IndustryCode string        `json:"industry_code,omitempty" required:"false" maxLength:"32"`
	PersonYears  float64       `json:"person_years" minimum:"0" maximum:"10000000" doc:"Person-years worked (one is 2,000 hours)."`
	// LostTimeClaims counts accepted lost-time claims.
	LostTimeClaims int64 `json:"lost_time_claims" minimum:"0" maximum:"10000000"`
	// DisablingInjuryClaims counts lost-time plus modified-work claims.
	DisablingInjuryClaims int64 `json:"disabling_injury_claims" minimum:"0" maximum:"10000000" doc:"Lost-time plus modified-work claims."`
	Fatalities            int64 `json:"fatalities" minimum:"0" maximum:"10000000"`
	// ClaimCosts is in dollars; nil when the source carries none.
	ClaimCosts *float64 `json:"claim_costs,omitempty" required:"false" minimum:"0" doc:"Claim costs in dollars; absent when not reported (not the same as 0)."`
}

// Limits on a snapshot's figures: far above any real account, low enough
// that sums stay exact.
const (
	MinYear        = 1950
	MaxYear        = 2100
	MaxPersonYears = 10_000_000
	MaxCount       = 10_000_000
	MaxClaimCosts  = 1e13
	// MinRowPersonYears is the least non-zero person-years of a row: 0.001
	// (2 hours worked). Below it a row's rates and claim costs per
	// person-year are absurd, and can overflow to infinity.
	MinRowPersonYears = 0.001
	maxCodeLen        = 32
)

var (
	reAccount  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,31}$`)
	reIndustry = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$`)
)

// Problem is one thing wrong with one input row.
type Problem struct {
	Row     int    `json:"row"`    // the row in the file (header = 1), or the index in a JSON array (from 0)
	Column  string `json:"column"` // the column or JSON member
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
	// Format and Args are what Message was printed from: the English
	// format is the key of its French entry in registry/msgfr.
	Format string `json:"-"`
	Args   []any  `json:"-"`
}

func (p Problem) String() string {
	if p.Value != "" {
		return fmt.Sprintf("row %d, %s %q: %s", p.Row, p.Column, p.Value, p.Message)
	}
	return fmt.Sprintf("row %d, %s: %s", p.Row, p.Column, p.Message)
}

// Report is the validation report of an import: every problem of every
// row. As an error it wraps registry.ErrInvalid.
type Report struct {
	Rows     int       `json:"rows"` // data rows read
	Problems []Problem `json:"problems"`
	// Truncated: the report holds MaxProblems problems and stopped there
	// (a reader stops reading the file then): the file is refused, and a
	// file of millions of bad rows does not cost gigabytes of problems.
	Truncated bool `json:"truncated,omitempty"`
}

// MaxProblems is the most problems a Report keeps.
const MaxProblems = 1000

func (r *Report) Error() string {
	if len(r.Problems) == 0 {
		return "no problems"
	}
	more := ""
	if r.Truncated {
		more = fmt.Sprintf(" (the first %d; the file was not read further)", MaxProblems)
	}
	s := fmt.Sprintf("%d problem(s)%s in %d row(s); first: %s", len(r.Problems), more, r.Rows, r.Problems[0])
	return s
}

// Full reports whether r holds MaxProblems problems: no more are kept.
func (r *Report) Full() bool { return len(r.Problems) >= MaxProblems }

// Keep records problem p unless r is full.
func (r *Report) Keep(p Problem) {
	if r.Full() {
		r.Truncated = true
		return
	}
	r.Problems = append(r.Problems, p)
}

func (r *Report) Unwrap() error { return registry.ErrInvalid }

// Add records a problem.
func (r *Report) Add(row int, column, value, format string, args ...any) {
	if r.Full() {
		r.Truncated = true
		return
	}
	r.Problems = append(r.Problems, Problem{Row: row, Column: column, Value: clip(value), Message: fmt.Sprintf(format, args...), Format: format, Args: args})
}

// Err returns r when it holds problems, nil otherwise.
func (r *Report) Err() error {
	if len(r.Problems) == 0 {
		return nil
	}
	return r
}

// clip shortens a hostile string for a problem message.
var clip = strictjson.Clip

// Key identifies a snapshot: one per WCB account (or employer, without an
// account) and year. A later import of the same key replaces it. The
// account is folded as everywhere else (registry.FoldWCB: 45-99001 is
// 4599001), so one account written two ways is one row, not two counted
// twice.
func (s Snapshot) Key() string {
	if s.WCBAccount != "" {
		return "wcb:" + registry.FoldWCB(s.WCBAccount)
	}
	return "bn:" + s.EmployerBN
}

// EffectiveAsOf is AsOf, or 31 December of Year when AsOf is zero.
func (s Snapshot) EffectiveAsOf() registry.Date {
	if s.AsOf.IsZero() {
		return registry.NewDate(s.Year, 12, 31)
	}
	return s.AsOf
}

// Validate adds every problem of s to r, as row row.
func (s Snapshot) Validate(r *Report, row int) {
	if err := registry.CheckBN("employer_bn", s.EmployerBN); err != nil {
		if ve, ok := err.(*registry.ValidationError); ok && ve.Format != "" {
			r.Add(row, "employer_bn", s.EmployerBN, ve.Format, ve.Args...)
		} else {
			r.Add(row, "employer_bn", s.EmployerBN, "%v", err) // the error itself: a problem says it in French (openapi frenchErr)
		}
	}
	if s.WCBAccount != "" && !reAccount.MatchString(s.WCBAccount) {
		r.Add(row, "wcb_account", s.WCBAccount, "a WCB account is 1 to 32 letters, digits or hyphens")
	}
	if s.Year < MinYear || s.Year > MaxYear {
		r.Add(row, "year", strconv.Itoa(s.Year), "year must be from %d to %d", MinYear, MaxYear)
	} else if !s.AsOf.IsZero() && s.AsOf.Before(registry.NewDate(s.Year, 1, 1)) {
		r.Add(row, "as_of", s.AsOf.String(), "the snapshot date is before the year it describes (%d)", s.Year)
	}
	if s.IndustryCode != "" && !reIndustry.MatchString(s.IndustryCode) {
		r.Add(row, "industry_code", s.IndustryCode, "an industry code is 1 to 32 letters, digits, dots or hyphens")
	}
	if math.IsNaN(s.PersonYears) || s.PersonYears < 0 || s.PersonYears > MaxPersonYears {
		r.Add(row, "person_years", fmtFloat(s.PersonYears), "person-years must be a number from 0 to %d", MaxPersonYears)
	} else if s.PersonYears > 0 && s.PersonYears < MinRowPersonYears {
		r.Add(row, "person_years", fmtFloat(s.PersonYears), "person-years must be 0 or at least %g (2 hours worked)", MinRowPersonYears)
	}
	counts := []struct {
		col string
		v   int64
	}{{"lost_time_claims", s.LostTimeClaims}, {"disabling_injury_claims", s.DisablingInjuryClaims}, {"fatalities", s.Fatalities}}
	for _, c := range counts {
		if c.v < 0 || c.v > MaxCount {
			r.Add(row, c.col, strconv.FormatInt(c.v, 10), "a count must be a whole number from 0 to %d", MaxCount)
		}
	}
	if s.DisablingInjuryClaims < s.LostTimeClaims {
		r.Add(row, "disabling_injury_claims", strconv.FormatInt(s.DisablingInjuryClaims, 10),
			"disabling-injury claims (lost-time plus modified-work) cannot be fewer than the %d lost-time claims", s.LostTimeClaims)
	}
	if s.ClaimCosts != nil {
		if c := *s.ClaimCosts; math.IsNaN(c) || c < 0 || c > MaxClaimCosts {
			r.Add(row, "claim_costs", fmtFloat(c), "claim costs must be a number of dollars from 0 to %g", MaxClaimCosts)
		}
	}
	if s.PersonYears == 0 && (s.LostTimeClaims > 0 || s.DisablingInjuryClaims > 0 || s.Fatalities > 0) {
		r.Add(row, "person_years", "0", "claims reported with no person-years worked")
	}
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// ValidateAll validates rows (numbered from first) and refuses two rows
// with the same key and year.
func ValidateAll(rows []Snapshot, first int) *Report {
	nums := make([]int, len(rows))
	for i := range nums {
		nums[i] = first + i
	}
	return ValidateRows(rows, nums)
}

// ValidateRows validates rows, row i being numbered nums[i], and refuses
// two rows with the same key and year.
func ValidateRows(rows []Snapshot, nums []int) *Report {
	r := &Report{Rows: len(rows)}
	seen := make(map[string]int, len(rows))
	// An employer's year is one row without an account or rows per
	// account, never both: both would count it twice.
	type byEmployer struct{ whole, accounts int } // the first row of each kind
	kinds := map[string]*byEmployer{}
	for i, s := range rows {
		n := nums[i]
		s.Validate(r, n)
		ek := fmt.Sprintf("%d/%s", s.Year, s.EmployerBN)
		e := kinds[ek]
		if e == nil {
			e = &byEmployer{}
			kinds[ek] = e
		}
		if s.WCBAccount == "" {
			if e.whole == 0 {
				e.whole = n
			}
		} else if e.accounts == 0 {
			e.accounts = n
		}
		if e.whole != 0 && e.accounts != 0 && (n == e.whole || n == e.accounts) {
			first := min(e.whole, e.accounts)
			r.Add(n, "wcb_account", s.WCBAccount, "employer %s has, for %d, a row without an account and rows per account (the first is row %d): give one or the other, or it counts twice", s.EmployerBN, s.Year, first)
		}
		k := fmt.Sprintf("%d/%s", s.Year, s.Key())
		if prev, ok := seen[k]; ok {
			col, v := "wcb_account", s.WCBAccount
			if v == "" {
				col, v = "employer_bn", s.EmployerBN
			}
			r.Add(n, col, v, "a second snapshot of the same account for %d (the first is row %d)", s.Year, prev)
			continue
		}
		seen[k] = n
	}
	return r
}
