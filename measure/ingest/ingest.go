package ingest

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/sheet"
)

// Limits on a file.
const (
	MaxRows    = 2_000_000
	MaxColumns = 256
	maxCell    = 1024
)

// Account is what an Alberta EMP_KEY maps to.
type Account struct {
	BN         string
	WCBAccount string
}

// Options tune a read.
type Options struct {
	// Mapping gives each Alberta EMP_KEY its BN and WCB account.
	Mapping map[string]Account
	// SkipUnmapped skips Alberta rows whose EMP_KEY has no mapping
	// (counted in Result.Skipped) instead of reporting them.
	SkipUnmapped bool
	// Sheet is the XLSX sheet to read; default the first sheet whose
	// header has every column needed, or else the first whose header is
	// recognized (naming EMP_KEY or employer_bn).
	Sheet string
}

// Result is what a read produced.
type Result struct {
	Layout  string             `json:"layout"`          // corfed or alberta
	Sheet   string             `json:"sheet,omitempty"` // the XLSX worksheet read
	Rows    []measure.Snapshot `json:"-"`
	Skipped int                `json:"skipped"` // unmapped Alberta rows, with SkipUnmapped
	Report  *measure.Report    `json:"report"`
}

// Err returns the report as an error when it holds problems.
func (r Result) Err() error { return r.Report.Err() }

// Layouts.
const (
	LayoutCorfed  = "corfed"
	LayoutAlberta = "alberta"
)

var corfedColumns = []string{"employer_bn", "wcb_account", "year", "as_of", "industry_code", "person_years",
	"lost_time_claims", "disabling_injury_claims", "fatalities", "claim_costs"}

var corfedRequired = []string{"employer_bn", "year", "person_years", "lost_time_claims", "disabling_injury_claims", "fatalities"}

var albertaRequired = []string{"EMP_KEY", "YEAR_NO", "PERSON_YEARS_COUNT", "LOST_TIME_CLAIM_COUNT", "ANNUAL_DISABLING_INJURIES_COUNT"}

// ErrNoHeader is returned for a file with no recognizable header row.
var ErrNoHeader = fmt.Errorf("no header row naming employer_bn (corfed layout) or EMP_KEY (Alberta layout): %w", registry.ErrInvalid)

// table is a recognized header.
type table struct {
	layout string
	col    map[string]int // column name (lower case for corfed, upper for Alberta) -> index
	fatal  []int          // Alberta: the split fatality columns, when there is no total
}

// recognize reads a header row (row: its number in the file).
func recognize(header []string, row int) (*table, *measure.Report, error) {
	rep := &measure.Report{}
	if len(header) > MaxColumns {
		return nil, nil, fmt.Errorf("%d columns, at most %d: %w", len(header), MaxColumns, registry.ErrInvalid)
	}
	t := &table{col: map[string]int{}}
	norm := make([]string, len(header))
	for i, h := range header {
		norm[i] = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
	}
	for _, h := range norm {
		switch {
		case strings.EqualFold(h, "EMP_KEY"):
			t.layout = LayoutAlberta
		case strings.EqualFold(h, "employer_bn") && t.layout == "":
			t.layout = LayoutCorfed
		}
	}
	if t.layout == "" {
		return nil, nil, ErrNoHeader
	}
	for i, h := range norm {
		name := strings.ToLower(h)
		if t.layout == LayoutAlberta {
			name = strings.ToUpper(h)
		}
		if name == "" {
			continue
		}
		if _, dup := t.col[name]; dup {
			rep.Add(row, h, "", "the column appears twice")
			continue
		}
		t.col[name] = i
		if t.layout == LayoutCorfed && !contains(corfedColumns, name) {
			rep.Add(row, h, "", "unknown column (the columns are %s)", strings.Join(corfedColumns, ", "))
		}
	}
	required := corfedRequired
	if t.layout == LayoutAlberta {
		required = albertaRequired
		if _, ok := t.col["ANNUAL_FATALITY_COUNT"]; !ok {
			for name, i := range t.col {
				if strings.Contains(name, "FATALITY") && strings.HasSuffix(name, "_COUNT") {
					t.fatal = append(t.fatal, i)
				}
			}
			if len(t.fatal) == 0 {
				rep.Add(row, "ANNUAL_FATALITY_COUNT", "", "missing column (or the split *FATALITY*_COUNT columns)")
			}
		}
	}
	for _, c := range required {
		if _, ok := t.col[c]; !ok {
			rep.Add(row, c, "", "missing column")
		}
	}
	return t, rep, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// read builds the snapshots of the rows of src. serialDates says whether
// a number in a date column is a spreadsheet serial date (XLSX).
func read(src *sheet.Reader, opt Options, serialDates bool) (Result, error) {
	header, hrow, err := src.Next()
	if err == io.EOF {
		return Result{}, ErrNoHeader
	}
	if err != nil {
		return Result{}, invalid(src.Format(), err)
	}
	t, rep, err := recognize(header, hrow)
	if err != nil {
		return Result{}, err
	}
	res := Result{Layout: t.layout, Sheet: src.Sheet(), Report: rep}
	if len(rep.Problems) > 0 {
		if res.Sheet != "" {
			// Which sheet was read, and how to read another: a workbook's
			// sheets may all name EMP_KEY (Alberta's eight do).
			if opt.Sheet != "" {
				rep.Add(hrow, "sheet", res.Sheet, "worksheet %q was read, as --sheet asked; the workbook's worksheets are %s",
					res.Sheet, strings.Join(src.Sheets(), ", "))
			} else {
				rep.Add(hrow, "sheet", res.Sheet, "worksheet %q was read, the first whose header names EMP_KEY or employer_bn, "+
					"as none has every column; the workbook's worksheets are %s: name the one with the figures with --sheet",
					res.Sheet, strings.Join(src.Sheets(), ", "))
			}
		}
		return res, nil
	}
	var nums []int
	failed := map[[2]any]bool{} // (row, column) that did not parse
	for {
		cells, n, err := src.Next() // blank rows skipped
		if err == io.EOF {
			break
		}
		if err != nil {
			return res, invalid(src.Format(), err)
		}
		rep.Rows++
		p := parser{t: t, cells: cells, row: n, rep: rep, failed: failed, serial: serialDates, date1904: src.Date1904()}
		var s measure.Snapshot
		if t.layout == LayoutAlberta {
			key := p.cell("EMP_KEY")
			acct, mapped := opt.Mapping[key]
			switch {
			case key == "":
				p.bad("EMP_KEY", "", "empty employer key")
			case !mapped && opt.SkipUnmapped:
				res.Skipped++
				rep.Rows--
				continue
			case !mapped:
				p.bad("EMP_KEY", key, "no BN for this employer key in the mapping file")
			}
			s = measure.Snapshot{EmployerBN: acct.BN, WCBAccount: acct.WCBAccount, Year: p.int("YEAR_NO"),
				IndustryCode: p.cell("WCB_INDUSTRY_CODE"), PersonYears: p.float("PERSON_YEARS_COUNT"),
				LostTimeClaims: p.count("LOST_TIME_CLAIM_COUNT"), DisablingInjuryClaims: p.count("ANNUAL_DISABLING_INJURIES_COUNT")}
			if s.Year > 0 {
				// Alberta takes its snapshot on 31 March of the next year
				// (DOMAIN.md): the figures of 2024 are as of 2025-03-31.
				s.AsOf = registry.NewDate(s.Year+1, 3, 31)
			}
			if !mapped {
				failed[[2]any{n, "employer_bn"}] = true
			}
			if len(t.fatal) == 0 {
				s.Fatalities = p.count("ANNUAL_FATALITY_COUNT")
			} else {
				for _, i := range t.fatal {
					s.Fatalities += p.countAt(i, header[i])
				}
			}
		} else {
			s = measure.Snapshot{EmployerBN: p.cell("employer_bn"), WCBAccount: p.cell("wcb_account"), Year: p.int("year"),
				AsOf: p.date("as_of"), IndustryCode: p.cell("industry_code"), PersonYears: p.float("person_years"),
				LostTimeClaims: p.count("lost_time_claims"), DisablingInjuryClaims: p.count("disabling_injury_claims"),
				Fatalities: p.count("fatalities")}
			if c := p.cell("claim_costs"); c != "" {
				v := p.float("claim_costs")
				s.ClaimCosts = &v
			}
		}
		res.Rows = append(res.Rows, s)
		nums = append(nums, n)
		if rep.Full() {
			rep.Truncated = true // refused already: the rest is not read
			break
		}
	}
	check := measure.ValidateRows(res.Rows, nums)
	for _, pr := range check.Problems {
		col := pr.Column
		if t.layout == LayoutAlberta {
			col = albertaName[col]
		}
		if failed[[2]any{pr.Row, pr.Column}] || failed[[2]any{pr.Row, col}] {
			continue // already reported as unreadable
		}
		pr.Column = col
		rep.Keep(pr)
	}
	rep.Truncated = rep.Truncated || check.Truncated
	sortProblems(rep.Problems)
	return res, nil
}

// albertaName names, in Alberta's layout, the column a snapshot member
// came from.
var albertaName = map[string]string{"employer_bn": "EMP_KEY", "wcb_account": "EMP_KEY", "year": "YEAR_NO",
	"as_of": "YEAR_NO", "industry_code": "WCB_INDUSTRY_CODE", "person_years": "PERSON_YEARS_COUNT",
	"lost_time_claims": "LOST_TIME_CLAIM_COUNT", "disabling_injury_claims": "ANNUAL_DISABLING_INJURIES_COUNT",
	"fatalities": "ANNUAL_FATALITY_COUNT", "claim_costs": "claim_costs"}

// parser reads the cells of one row, reporting what does not parse.
type parser struct {
	t      *table
	cells  []string
	row    int
	rep    *measure.Report
	failed map[[2]any]bool
	serial bool
	// date1904: the workbook's serials count from 1904-01-01 (day 0).
	date1904 bool
}

func (p *parser) bad(col, val, format string, args ...any) {
	p.failed[[2]any{p.row, col}] = true
	p.rep.Add(p.row, col, val, format, args...)
}

func (p *parser) cell(col string) string {
	i, ok := p.t.col[col]
	if !ok || i >= len(p.cells) {
		return ""
	}
	return p.at(i, col)
}

func (p *parser) at(i int, col string) string {
	c := strings.TrimSpace(p.cells[i])
	if len(c) > maxCell {
		p.bad(col, c, "cell longer than %d bytes", maxCell)
		return ""
	}
	return c
}

func (p *parser) number(col, c string) (float64, bool) {
	if c == "" {
		p.bad(col, "", "required")
		return 0, false
	}
	if strings.ContainsAny(c, ", _") {
		p.bad(col, c, "write numbers without thousands separators and with a decimal point (12345.5)")
		return 0, false
	}
	v, err := strconv.ParseFloat(c, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(c, "xXpP") {
		p.bad(col, c, "not a number")
		return 0, false
	}
	return v, true
}

func (p *parser) float(col string) float64 {
	v, _ := p.number(col, p.cell(col))
	return v
}

func (p *parser) int(col string) int { return int(p.count(col)) }

func (p *parser) count(col string) int64 { return p.countOf(col, p.cell(col)) }

func (p *parser) countAt(i int, col string) int64 {
	if i >= len(p.cells) {
		return p.countOf(col, "")
	}
	return p.countOf(col, p.at(i, col))
}

func (p *parser) countOf(col, c string) int64 {
	if v, err := strconv.ParseInt(c, 10, 64); err == nil {
		return v
	}
	v, ok := p.number(col, c)
	if !ok {
		return 0
	}
	if v != math.Trunc(v) || math.Abs(v) > 1<<53 {
		p.bad(col, c, "not a whole number")
		return 0
	}
	return int64(v)
}

// excelEpoch is day 0 of the 1900 date system as spreadsheets count it
// (serial 1 is 1900-01-01 with Lotus's leap-day bug; from 1900-03-01 on,
// serial n is 1899-12-30 + n days).
var excelEpoch = registry.NewDate(1899, 12, 30)

// excelEpoch1904 is day 0 of the 1904 date system (Excel for Mac's
// default up to 2011, kept by every workbook made then).
var excelEpoch1904 = registry.NewDate(1904, 1, 1)

func (p *parser) date(col string) registry.Date {
	c := p.cell(col)
	if c == "" {
		return registry.Date{}
	}
	if p.serial {
		if n, err := strconv.ParseFloat(c, 64); err == nil && p.date1904 && n >= 0 && n < 2958466-1462 && n == math.Trunc(n) {
			return excelEpoch1904.AddDays(int(n))
		} else if err == nil && !p.date1904 && n >= 61 && n < 2958466 && n == math.Trunc(n) {
			return excelEpoch.AddDays(int(n))
		}
	}
	d, err := registry.ParseDate(c)
	if err != nil {
		p.bad(col, c, "not a date (YYYY-MM-DD)")
		return registry.Date{}
	}
	return d
}

// ReadCSV reads a CSV file (RFC 4180 quoting, UTF-8 with or without a
// byte-order mark, ',' or, in a French locale's files, ';' between cells).
func ReadCSV(r io.Reader, opt Options) (Result, error) {
	return readSheet(r, sheet.CSV, opt)
}

// ReadXLSX reads one sheet of an XLSX workbook: opt.Sheet, or the first
// sheet whose first row is a header with every column needed, or else
// the first whose first row is a recognized header (Result.Sheet). Cell values are read raw
// (not as displayed), so "1,234" formatting does not reach the parser; a
// date cell arrives as YYYY-MM-DD.
func ReadXLSX(r io.Reader, opt Options) (Result, error) {
	return readSheet(io.LimitReader(r, MaxXLSXBytes), sheet.XLSX, opt)
}

// MaxXLSXBytes bounds the size of an XLSX file read (and, four times
// over, what it unzips to).
const MaxXLSXBytes = 512 << 20

// readSheet reads r with the spreadsheet reader that bulk import uses too
// (registry/sheet), with this package's bounds. Cells that are not UTF-8
// are let through: the columns kept are checked one by one, and Alberta's
// files carry names this package ignores.
func readSheet(r io.Reader, format string, opt Options) (Result, error) {
	src, err := sheet.NewReader(r, format, sheet.Options{
		Sheet: opt.Sheet,
		// The first sheet whose header has every column, or else the first
		// recognized (its problems are reported): all of Alberta's sheets
		// name EMP_KEY, and only the injury sheet has the figures.
		Pick: func(header []string) bool {
			_, _, err := recognize(header, 1)
			return err == nil
		},
		Prefer: func(header []string) bool {
			_, rep, err := recognize(header, 1)
			return err == nil && len(rep.Problems) == 0
		},
		MaxRows: MaxRows, MaxColumns: MaxColumns, MaxCellBytes: 64 << 10, MaxUnzipBytes: 4 * MaxXLSXBytes, AnyBytes: true})
	if errors.Is(err, sheet.ErrNoSheet) && opt.Sheet == "" {
		return Result{}, fmt.Errorf("xlsx: no sheet has a header row naming employer_bn or EMP_KEY (%v): %w", err, registry.ErrInvalid)
	}
	if err != nil {
		return Result{}, invalid(format, err)
	}
	defer src.Close()
	return read(src, opt, format == sheet.XLSX)
}

// invalid makes the reader's error about a file's content an
// ErrInvalid.
func invalid(format string, err error) error {
	return fmt.Errorf("%s: %v: %w", format, err, registry.ErrInvalid)
}

// ReadMapping reads an EMP_KEY mapping file: a CSV with the header
// emp_key,employer_bn,wcb_account (wcb_account may be empty). Every BN is
// checked; a key given twice is a problem.
func ReadMapping(r io.Reader) (map[string]Account, error) {
	src, err := sheet.NewReader(r, sheet.CSV, sheet.Options{MaxRows: MaxRows, MaxColumns: MaxColumns, AnyBytes: true})
	if err != nil {
		return nil, invalid("mapping", err)
	}
	header, _, err := src.Next()
	if err != nil {
		return nil, fmt.Errorf("mapping: no header row (emp_key,employer_bn,wcb_account): %w", registry.ErrInvalid)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.ToLower(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	ik, okk := idx["emp_key"]
	ib, okb := idx["employer_bn"]
	if !okk || !okb {
		return nil, fmt.Errorf("mapping: the header must name emp_key and employer_bn (and may name wcb_account): %w", registry.ErrInvalid)
	}
	iw, okw := idx["wcb_account"]
	rep := &measure.Report{}
	m := map[string]Account{}
	for {
		rec, n, err := src.Next() // blank rows skipped
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, invalid("mapping", err)
		}
		get := func(i int) string {
			if i < len(rec) {
				return rec[i]
			}
			return ""
		}
		rep.Rows++
		key, b := get(ik), get(ib)
		a := Account{BN: b}
		if okw {
			a.WCBAccount = get(iw)
		}
		switch {
		case key == "":
			rep.Add(n, "emp_key", "", "empty employer key")
		case registry.CheckBN("employer_bn", b) != nil:
			rep.Add(n, "employer_bn", b, "not a valid BN9 (nine digits with a Luhn check digit)")
		default:
			if _, dup := m[key]; dup {
				rep.Add(n, "emp_key", key, "the key is mapped twice")
				continue
			}
			m[key] = a
		}
	}
	if err := rep.Err(); err != nil {
		return nil, err
	}
	return m, nil
}

func sortProblems(ps []measure.Problem) {
	slices.SortStableFunc(ps, func(a, b measure.Problem) int { return cmp.Compare(a.Row, b.Row) })
}

// ReadFile reads path as CSV or XLSX, by its extension.
func ReadFile(path string, opt Options) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return ReadCSV(f, opt)
	case ".xlsx":
		return ReadXLSX(f, opt)
	}
	return Result{}, fmt.Errorf("%s: %w", path, ErrFormat)
}

// ErrFormat is returned for a file that is neither .csv nor .xlsx.
var ErrFormat = fmt.Errorf("not a .csv or .xlsx file: %w", registry.ErrInvalid)
