package node

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/sheet"
)

// Bulk import: a certifying partner's list of employers and certificates,
// one certificate per row (see ImportColumns). Import checks every row
// first, against the file and the store, and writes nothing if any row has
// a problem: the report names every problem by row and column at once.
// Then it writes through the node's write pipeline (signed, group
// committed) and is idempotent: a row whose employer and certificate are
// already stored as the row gives them writes nothing, a changed row
// writes a new version. An import cut short is resumed by running it
// again: what was committed is unchanged, the rest is written.
//
// What a row can change: the employer's legal name, operating name and
// WCB accounts (the row's account is added, or its industry codes set);
// the certificate's WCB accounts, industry scope and sector (when the file
// has those columns). Its employer, program, issue date, term, expiry and
// basis_ref are fixed once issued (a different value is a problem: issue
// a new certificate), and an import never changes a status (PATCH does).
// A new certificate naming its audit (basis_ref) is checked as the API
// checks it (CheckAuditBasis).

// ImportColumn describes a column of an import file.
type ImportColumn struct {
	Name     string   `json:"name"`
	Required bool     `json:"required"`
	Aliases  []string `json:"aliases,omitempty" doc:"Other headers read as this column (IAF CertSearch bulk-upload names among them)."`
	Doc      string   `json:"doc"`
}

// ImportColumns lists the columns an import file may have (header row, any
// order; headers compare case-insensitively, with spaces and dashes read
// as underscores). Other columns are ignored and listed in the report.
var ImportColumns = []ImportColumn{
	{"employer_bn", true, []string{"bn", "business_number", "certified_entity_unique_id"}, "The employer's BN9 (nine digits, Luhn check digit)."},
	{"legal_name", true, []string{"employer_name", "certified_entity_name"}, "The employer's legal name."},
	{"operating_name", false, []string{"trade_name", "certified_entity_trading_name"}, "An operating (trade) name of the employer."},
	{"cp", true, []string{"issuer", "certifying_partner", "certification_body"}, "The issuing certifying partner's id (e.g. ACSA), registered and active on this node."},
	{"number", true, []string{"certificate_number", "certificate_no"}, "The certificate number as the CP writes it."},
	{"program", true, []string{"certification_program"}, "COR or SECOR."},
	{"issued_on", true, []string{"issue_date", "certification_date", "original_certification_date"}, "The issue date, YYYY-MM-DD (an XLSX date cell is read as a date)."},
	{"term_months", false, []string{"term"}, "36 (default), or 12 with 3 to 11 months of documentation."},
	{"expires_on", false, []string{"expiry_date", "expiration_date"}, "Optional: must agree with issued_on and the term."},
	{"documentation_months", false, nil, "Months of documentation (3 to 11 for a 12-month term)."},
	{"sector", false, []string{"certification_scope"}, "Sector (e.g. construction), at most 64 characters. A CP's import gives only a sector the CP is registered for (any, when it lists none)."},
	{"wcb_account", false, []string{"wcb_account_number", "wcb"}, "The employer's WCB account(s) in this jurisdiction, separated by ';'."},
	{"industry_code", false, []string{"industry_codes", "naics"}, "Industry code(s) of the certificate's scope and the WCB account, separated by ';'."},
	{"basis_ref", false, []string{"audit_id", "audit"}, "The certifying audit the certificate rests on (its id on this node, e.g. AUD-…): it must be a passing certifying audit of the same employer, CP and program, and issued_on, term_months and documentation_months must agree with it, as POST /v1/certificates checks. An audit recorded on this node backs one certificate: one another certificate already rests on, or that another row of the file names, is a problem. Required when the program says require_audit_basis."},
	{"status", false, []string{"certification_status"}, "For a new certificate: active (default) or pending (IAF draft). Ignored for one already stored."},
	{"jurisdiction", false, []string{"country_subdivision"}, "Optional: must be this node's jurisdiction."},
}

// ImportRow is one row of an import file, parsed.
type ImportRow struct {
	Row int // 1 = the first data row of the file
	// KeepEmployer: the importer (a CP token) may not change the stored
	// employer (PUT /v1/employers/{bn}'s rule), so the row's employer
	// columns change nothing and only its certificate is imported. Set by
	// the import's check.
	KeepEmployer bool
	// grant: why the importer (a CP token) may change the employer, as
	// the import's check saw it; the write checks it again.
	grant         employerGrant
	EmployerBN    string
	LegalName     string
	OperatingName string
	CP            string
	Number        string
	Program       string
	IssuedOn      registry.Date
	TermMonths    int
	ExpiresOn     registry.Date
	DocMonths     int
	Sector        string
	WCBAccounts   []string
	IndustryCodes []string
	BasisRef      string
	Status        string
	Jurisdiction  registry.Jurisdiction // "" when the file does not say
	// Has says which optional columns the file has: a column the file
	// lacks, or a blank cell in it, leaves the stored value alone.
	Has map[string]bool
}

// ImportProblem is one problem of an import file.
type ImportProblem struct {
	Row     int    `json:"row" doc:"1 = the first data row; 0 = the header."`
	Column  string `json:"column"`
	Value   string `json:"value,omitempty"`
	Message string `json:"message"`
	// Format and Args are what Message was printed from: the English
	// format is the key of its French entry in registry/msgfr.
	Format string `json:"-"`
	Args   []any  `json:"-"`
}

// ImportCounts counts what an import did (or, dry, would do) to one kind.
type ImportCounts struct {
	Created   int `json:"created"`
	Updated   int `json:"updated" doc:"A new version of a stored record."`
	Unchanged int `json:"unchanged"`
}

// ImportReport is an import's outcome. With problems nothing was written,
// unless Partial.
type ImportReport struct {
	Rows           int             `json:"rows"`
	DryRun         bool            `json:"dry_run"`
	Employers      ImportCounts    `json:"employers"`
	Certificates   ImportCounts    `json:"certificates"`
	Problems       []ImportProblem `json:"problems"`
	IgnoredColumns []string        `json:"ignored_columns,omitempty"`
	// EmployersKept are the rows whose employer columns changed nothing:
	// the importing CP may not change that stored employer (the rule of
	// PUT /v1/employers/{bn}); their certificates are imported.
	// Encoding is "" for a UTF-8 file, or sheet.Windows1252 for a CSV file
	// read as Windows-1252 (not UTF-8: Excel's "CSV" on Windows).
	Encoding string `json:"encoding,omitempty" doc:"Absent for a UTF-8 file; windows-1252 when the CSV file was not UTF-8 and was read as Windows-1252 (Excel's \"CSV\" on Windows writes that). Saving it as \"CSV UTF-8\" avoids the guess."`
	// Partial: problems found while writing (a record changed under the
	// import since its check, by another writer); the rows without a
	// problem were written, and the counts say what was.
	Partial       bool  `json:"partial,omitempty" doc:"The problems were found while writing (a record changed under the import since its check, by another writer): the rows without a problem were written, and the counts say what was. Importing the file again once fixed resumes it. Absent: with problems, nothing was written."`
	EmployersKept []int `json:"employers_kept,omitempty" doc:"Rows (1 = the first data row) whose employer columns were not applied because the importing CP may not change that stored employer (the rule of PUT /v1/employers/{bn}); their certificates were imported. Their employers count as unchanged."`
}

// columnOf maps every accepted header to its column.
var columnOf = func() map[string]string {
	m := map[string]string{}
	for _, c := range ImportColumns {
		m[c.Name] = c.Name
		for _, a := range c.Aliases {
			m[a] = c.Name
		}
	}
	return m
}()

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	return strings.NewReplacer(" ", "_", "-", "_", ".", "").Replace(h)
}

// ParseImport maps a table's columns and parses every row. firstRow is
// the number of the table's first data row in the whole file (1 unless
// the file is sent in parts). Problems name every bad cell; rows with a
// problem are still returned (their bad cells zero).
func ParseImport(t *sheet.Table, firstRow int) (rows []ImportRow, problems []ImportProblem, ignored []string) {
	idx := map[string]int{}
	for i, h := range t.Header {
		c, ok := columnOf[normHeader(h)]
		switch {
		case !ok:
			ignored = append(ignored, h)
		case idx[c] != 0:
			problems = append(problems, problemf(0, c, h, "column %s appears twice (as %q and %q)", c, t.Header[idx[c]-1], h))
		default:
			idx[c] = i + 1
		}
	}
	has := map[string]bool{}
	for _, c := range ImportColumns {
		has[c.Name] = idx[c.Name] != 0
		if c.Required && !has[c.Name] {
			problems = append(problems, missingColumn(c))
		}
	}
	// Rows parse apart from each other: a big table is parsed in
	// contiguous parts by GOMAXPROCS goroutines (the part of an import
	// before its check, with nothing else to overlap).
	rows = make([]ImportRow, len(t.Rows))
	parts := partsFor(len(t.Rows))
	rowProblems := make([][]ImportProblem, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			for i := k * len(rows) / parts; i < (k+1)*len(rows)/parts; i++ {
				r, ps := parseRow(t.Rows[i], idx, firstRow+i)
				r.Has = has
				rows[i] = r
				rowProblems[k] = append(rowProblems[k], ps...)
			}
		})
	}
	wg.Wait()
	// A cell the reader could not take (not UTF-8, too long) is a problem
	// of its row and column, and the only one: it reads as "", which is
	// not also "required". In a column the import ignores, it is nothing.
	type at struct {
		row int
		col string
	}
	badAt := map[at]bool{}
	for _, b := range t.Bad {
		if b.Row >= 0 && b.Column > 0 && b.Column <= len(t.Header) {
			if _, ok := columnOf[normHeader(t.Header[b.Column-1])]; !ok {
				continue // an ignored column's cell (listed in ignored)
			}
		}
		p := CellProblem(t, b, firstRow)
		badAt[at{p.Row, p.Column}] = true
		problems = append(problems, p)
	}
	for _, ps := range rowProblems {
		for _, p := range ps {
			if !badAt[at{p.Row, p.Column}] {
				problems = append(problems, p)
			}
		}
	}
	for _, i := range slices.Sorted(maps.Keys(t.Overflow)) {
		col := headerColumn(t.Header, 0)
		problems = append(problems, problemf(firstRow+i, col, "", "the row has cells past the header's last column (%d not empty): a cell holding a comma (or the separator) needs quotes", t.Overflow[i]))
	}
	problems = append(problems, CrossCheck(rows, nil)...)
	slices.SortStableFunc(problems, func(a, b ImportProblem) int { return a.Row - b.Row })
	return rows, problems, ignored
}

// CrossCheck finds the problems between rows of one file: a certificate
// given twice, an employer given two legal names, and, where
// seen.Recorded says which basis_refs name audits recorded on the node,
// an audit named for two certificates (an audit issues one; the node
// checks it per request, so a client sending a file in parts checks it
// across the parts here). seen carries what earlier parts of the file gave
// (nil: rows are the whole file); it is updated.
func CrossCheck(rows []ImportRow, seen *ImportSeen) []ImportProblem {
	if seen == nil {
		seen = &ImportSeen{}
	}
	if seen.Certs == nil {
		seen.Certs, seen.Employers = map[string]int{}, map[string]ImportSeenName{}
	}
	if seen.Basis == nil {
		seen.Basis = map[string]ImportSeenName{}
	}
	var ps []ImportProblem
	for _, r := range rows {
		if r.EmployerBN != "" && r.LegalName != "" {
			if first, ok := seen.Employers[r.EmployerBN]; ok && first.Name != r.LegalName {
				ps = append(ps, problemf(r.Row, "legal_name", r.LegalName, "row %d names employer %s %q", first.Row, r.EmployerBN, first.Name))
			} else if !ok {
				seen.Employers[r.EmployerBN] = ImportSeenName{Row: r.Row, Name: r.LegalName}
			}
		}
		if r.CP == "" || r.Number == "" {
			continue
		}
		id := registry.CertificateID(r.CP, r.Number)
		if first, ok := seen.Certs[id]; ok {
			ps = append(ps, problemf(r.Row, "number", r.Number, "certificate %s is also on row %d", id, first))
			continue
		}
		seen.Certs[id] = r.Row
		if r.BasisRef == "" || seen.Recorded == nil || !seen.Recorded(r.BasisRef) {
			continue
		}
		if first, ok := seen.Basis[r.BasisRef]; ok && first.Name != id {
			// The node's own message for two rows of one request.
			ps = append(ps, problemf(r.Row, "basis_ref", r.BasisRef, basisTwiceMessage, first.Row, r.BasisRef))
		} else if !ok {
			seen.Basis[r.BasisRef] = ImportSeenName{Row: r.Row, Name: id}
		}
	}
	return ps
}

// basisTwiceMessage is the problem of a row naming an audit another row
// names for a new certificate: the first row, the audit.
const basisTwiceMessage = "row %d's certificate is issued on audit %s: an audit issues one certificate"

// ImportSeen is what CrossCheck remembers of a file's earlier rows.
type ImportSeen struct {
	Certs     map[string]int // certificate id -> row
	Employers map[string]ImportSeenName
	// Basis: audit id -> the first row naming it and its certificate id
	// (in Name).
	Basis map[string]ImportSeenName
	// Recorded, if set, reports whether a basis_ref names an audit
	// recorded on the node (only those issue one certificate: a CP's own
	// reference is not checked). Nil: no basis check.
	Recorded func(ref string) bool
}

// ImportSeenName is the first row naming an employer (or an audit).
type ImportSeenName struct {
	Row  int
	Name string
}

// CellProblem is the problem of a cell the reader could not take (t.Bad),
// for a table whose first data row is firstRow of the file.
func CellProblem(t *sheet.Table, b sheet.BadCell, firstRow int) ImportProblem {
	p := ImportProblem{Row: 0, Column: headerColumn(t.Header, b.Column), Value: b.Value, Message: b.Reason}
	if b.Row >= 0 {
		p.Row = firstRow + b.Row
	}
	return p
}

// headerColumn names column j (1-based; 0: the last, for a problem of a
// whole row) of a file with header: its import column, else its header,
// else "column j".
func headerColumn(header []string, j int) string {
	if j <= 0 || j > len(header) {
		j = len(header)
	}
	if j == 0 {
		return "column 1"
	}
	h := header[j-1]
	if c, ok := columnOf[normHeader(h)]; ok {
		return c
	}
	if strings.TrimSpace(h) == "" {
		return fmt.Sprintf("column %d", j) // a header cell left empty
	}
	return h
}

// problemf is an import problem whose message is printed from format (an
// English sentence with a French entry in registry/msgfr).
func problemf(row int, col, val, format string, args ...any) ImportProblem {
	return ImportProblem{Row: row, Column: col, Value: val, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// missingColumn is the problem of a required column the header lacks.
func missingColumn(c ImportColumn) ImportProblem {
	if len(c.Aliases) == 0 {
		return problemf(0, c.Name, "", "required column missing")
	}
	return problemf(0, c.Name, "", "required column missing (or one of %s)", strings.Join(c.Aliases, ", "))
}

// isBN15 reports whether v is a BN15 program account: a BN9, two letters
// (the program: RP, RT, RC...) and a four-digit reference number.
func isBN15(v string) bool {
	if len(v) != 15 {
		return false
	}
	for i := range 15 {
		c := v[i]
		letter := 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
		if (i == 9 || i == 10) != letter || !letter && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func parseRow(cells []string, idx map[string]int, n int) (ImportRow, []ImportProblem) {
	r := ImportRow{Row: n}
	var ps []ImportProblem
	get := func(c string) string {
		if i := idx[c]; i != 0 && i <= len(cells) {
			return cells[i-1]
		}
		return ""
	}
	bad := func(col, val, format string, args ...any) {
		ps = append(ps, ImportProblem{Row: n, Column: col, Value: val, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
	required := func(col string) (string, bool) {
		v := get(col)
		if v == "" && idx[col] != 0 {
			bad(col, "", "required")
		}
		return v, v != ""
	}
	if v, ok := required("employer_bn"); ok {
		v = strings.ReplaceAll(strings.ReplaceAll(v, " ", ""), "-", "")
		if isBN15(v) {
			v = v[:9] // a BN15 program account (123456789RP0001) names its BN9
		}
		if err := registry.CheckBN("employer_bn", v); err != nil {
			bad("employer_bn", get("employer_bn"), "%v", reasonErr(err))
		} else {
			r.EmployerBN = v
		}
	}
	if v, ok := required("legal_name"); ok {
		if registry.FoldName(v) == "" || len(v) > registry.MaxNameLen {
			bad("legal_name", v, "a name has letters or digits and at most %d bytes", registry.MaxNameLen)
		} else {
			r.LegalName = v
		}
	}
	if v := get("operating_name"); v != "" {
		if registry.FoldName(v) == "" || len(v) > registry.MaxNameLen {
			bad("operating_name", v, "a name has letters or digits and at most %d bytes", registry.MaxNameLen)
		} else {
			r.OperatingName = v
		}
	}
	if v, ok := required("cp"); ok {
		v = strings.ToUpper(v)
		if !registry.ValidCode(v) {
			bad("cp", get("cp"), "a CP id is 2 to 16 upper-case letters or digits, starting with a letter")
		} else {
			r.CP = v
		}
	}
	if v, ok := required("number"); ok {
		if !registry.ValidNumber(v) {
			bad("number", v, "a certificate number is 1 to 32 letters, digits, '.', '_' or '-'")
		} else {
			r.Number = v
		}
	}
	if v, ok := required("program"); ok {
		switch p := strings.ToUpper(v); p {
		case registry.ProgramCOR, registry.ProgramSECOR:
			r.Program = p
		default:
			bad("program", v, "one of COR, SECOR")
		}
	}
	date := func(col string) registry.Date {
		v := get(col)
		if v == "" {
			return registry.Date{}
		}
		d, err := registry.ParseDate(v)
		if err != nil {
			bad(col, v, "a date is YYYY-MM-DD: %v", err)
		}
		return d
	}
	if _, ok := required("issued_on"); ok {
		r.IssuedOn = date("issued_on")
	}
	r.ExpiresOn = date("expires_on")
	num := func(col string, lo, hi int) int {
		v := get(col)
		if v == "" {
			return 0
		}
		k, err := strconv.Atoi(v)
		if err != nil || k < lo || k > hi {
			bad(col, v, "a whole number from %d to %d", lo, hi)
			return 0
		}
		return k
	}
	if v := get("term_months"); v != "" {
		if k, err := strconv.Atoi(v); err != nil || (k != 12 && k != 36) {
			bad("term_months", v, "36 (3 years) or 12 (1 year, with 3 to 11 months of documentation)")
		} else {
			r.TermMonths = k
		}
	}
	r.DocMonths = num("documentation_months", 1, 120)
	if v := get("sector"); len(v) > 64 {
		bad("sector", v, "at most 64 characters")
	} else {
		r.Sector = v
	}
	for _, a := range list(get("wcb_account")) {
		if !registry.ValidWCBNumber(a) {
			bad("wcb_account", a, "a WCB account number has 3 to 20 letters, digits or dashes")
			continue
		}
		r.WCBAccounts = append(r.WCBAccounts, a)
	}
	for _, c := range list(get("industry_code")) {
		if err := registry.CheckIndustryCode("industry_code", c); err != nil {
			bad("industry_code", c, "%v", reasonErr(err))
			continue
		}
		r.IndustryCodes = append(r.IndustryCodes, c)
	}
	r.BasisRef = get("basis_ref")
	switch v := strings.ToLower(get("status")); v {
	case "", registry.StatusActive:
		r.Status = registry.StatusActive
	case registry.StatusPending, "draft":
		r.Status = registry.StatusPending
	default:
		r.Status = v
	}
	if v := get("jurisdiction"); v != "" {
		if j, err := registry.ParseJurisdiction(strings.ToUpper(v)); err != nil {
			bad("jurisdiction", v, "%v", err)
		} else {
			r.Jurisdiction = j
		}
	}
	return r, ps
}

// value is the row's parsed value of an import column, for a problem's
// value ("" for a column it does not keep as text).
func (r ImportRow) value(col string) string {
	switch col {
	case "employer_bn":
		return r.EmployerBN
	case "legal_name":
		return r.LegalName
	case "operating_name":
		return r.OperatingName
	case "cp":
		return r.CP
	case "number":
		return r.Number
	case "sector":
		return r.Sector
	case "basis_ref":
		return r.BasisRef
	case "wcb_account":
		return strings.Join(r.WCBAccounts, ";")
	case "industry_code":
		return strings.Join(r.IndustryCodes, ";")
	}
	return ""
}

// list splits a cell holding several values.
func list(s string) []string {
	var out []string
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '|' }) {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// textOf is the English format and args reasonOf was printed from, when
// err keeps them (Invalid, Conflict): an import problem keeps them for
// its French (registry/msgfr).
func textOf(err error) (string, []any) {
	var ve *registry.ValidationError
	var ce *registry.ConflictError
	switch {
	case errors.As(err, &ve):
		return ve.Format, ve.Args
	case errors.As(err, &ce):
		return ce.Format, ce.Args
	}
	return "", nil
}

// reasonErr is reasonOf(err) as an error that keeps the English format
// the reason was printed from (textOf), for an import problem's French.
func reasonErr(err error) error {
	if f, args := textOf(err); f != "" {
		return &registry.TextError{Format: f, Args: args}
	}
	return errors.New(reasonOf(err))
}

func reasonOf(err error) string {
	var ve *registry.ValidationError
	if errors.As(err, &ve) {
		return ve.Reason
	}
	return err.Error()
}

// errUnchanged is what an import mutation returns when the stored record
// already says what the row says: the write takes no seq.
var errUnchanged = errors.New("unchanged")

// ImportOptions tunes an import.
type ImportOptions struct {
	DryRun bool
	// Progress, if set, is called after each committed part with the rows
	// done and the total.
	Progress func(done, total int)
	// IgnoredColumns (from ParseImport) go into the report.
	IgnoredColumns []string
	// Encoding (sheet.Table's) goes into the report.
	Encoding string
}

// Import checks rows (from ParseImport, with its problems) and, if none
// has a problem and o.DryRun is false, writes them. The caller needs the
// employers:write and certificates:write scopes; a CP writes only its own
// certificates (any other row is a problem).
func (n *Node) Import(ctx context.Context, p Principal, rows []ImportRow, problems []ImportProblem, o ImportOptions) (ImportReport, error) {
	rep, err := n.importRows(ctx, p, rows, problems, o)
	rep.IgnoredColumns, rep.Encoding = o.IgnoredColumns, o.Encoding
	return rep, err
}

// reasonImported is the initial status reason of an imported
// certificate, in English and French.
const reasonImported, reasonImportedFR = "imported", "importé"

func (n *Node) importRows(ctx context.Context, p Principal, rows []ImportRow, problems []ImportProblem, o ImportOptions) (ImportReport, error) {
	if err := p.CanImport(); err != nil {
		return ImportReport{}, err
	}
	rep := ImportReport{Rows: len(rows), DryRun: o.DryRun, Problems: slices.Clone(problems)}
	if err := n.checkAll(ctx, p, rows, &rep); err != nil {
		return rep, err
	}
	if rep.Problems == nil {
		rep.Problems = []ImportProblem{}
	}
	slices.SortStableFunc(rep.Problems, func(a, b ImportProblem) int { return a.Row - b.Row })
	slices.Sort(rep.EmployersKept)
	if len(rep.Problems) > 0 || o.DryRun {
		return rep, nil
	}
	rep.Employers, rep.Certificates = ImportCounts{}, ImportCounts{}
	if testHookAuthorityChecked != nil {
		testHookAuthorityChecked()
	}
	// The writes are queued a window of rows at a time, in row order (a
	// row's employer before its certificate), and the next window is queued
	// before this one's results are read: the pipeline always has the next
	// batch to stage (and enough queued for whole batches) while one syncs,
	// and what an import holds does not grow with its file. Queued all at
	// once, an 80,000-row file held 160,000 writes, and under a node's
	// memory limit the collector then ran flat out (BenchmarkImport at
	// 100,000 rows with GOMEMLIMIT=256MiB: 0.08x raw signing).
	today := n.Today()
	queue := func(from int) []*write {
		to := min(len(rows), from+importWindowRows)
		ws := make([]*write, 0, 2*(to-from))
		for _, r := range rows[from:to] {
			ws = append(ws, n.newWrite(p, registry.KindEmployer, r.EmployerBN, n.importEmployer(p, r, today)))
			ws = append(ws, n.newWrite(p, registry.KindCertificate, registry.CertificateID(r.CP, r.Number), n.importCertificate(p, r)))
		}
		n.enqueue(ws)
		return ws
	}
	// A write that fails for the node's sake (its store refused the
	// commit: a full disk, a failed sync), not the row's, stops the
	// import: no further window is queued, the queued ones are waited for
	// (some may commit), and the rows are not blamed.
	var stopped error
	next := queue(0)
	for from := 0; from < len(rows) && next != nil; from += importWindowRows {
		ws := next
		next = nil
		if stopped == nil && from+importWindowRows < len(rows) {
			next = queue(from + importWindowRows)
		}
		for j, w := range ws {
			<-w.done
			n.after(ctx, w)
			c := &rep.Employers
			if w.kind == registry.KindCertificate {
				c = &rep.Certificates
			}
			row := rows[from+j/2]
			switch {
			case errors.Is(w.err, errUnchanged):
				c.Unchanged++
			case w.err != nil && !rowRefused(w.err):
				if stopped == nil {
					stopped = w.err
				}
			case w.err != nil:
				// Changed under the import since the check (another writer):
				// report it; what committed stays, and a rerun resumes.
				ip := ImportProblem{Column: columnOfField(w.err), Message: reasonOf(w.err)}
				ip.Format, ip.Args = textOf(w.err)
				errors.As(w.err, &ip)
				ip.Row = row.Row
				rep.Problems = append(rep.Problems, ip)
				rep.Partial = true
			case w.out.Ver == 1:
				c.Created++
			default:
				c.Updated++
			}
			if done := from + j/2 + 1; o.Progress != nil && j%2 == 1 && (done%progressEvery == 0 || done == len(rows)) {
				o.Progress(done, len(rows))
			}
		}
	}
	if stopped != nil {
		return rep, &ImportStoppedError{Written: rep.Written(), Err: stopped}
	}
	return rep, nil
}

// rowRefused reports whether err, a queued import write's, refuses the
// row (its record changed under the import, or its writer's authority
// did, as the row's own check now finds): a problem of that row. Any
// other error is the node's.
func rowRefused(err error) bool {
	if errors.As(err, new(ImportProblem)) { // the row's check, made again as it was written
		return true
	}
	for _, k := range []error{registry.ErrConflict, registry.ErrInvalid, registry.ErrForbidden, registry.ErrNotFound, registry.ErrPrecondition} {
		if errors.Is(err, k) {
			return true
		}
	}
	return false
}

// ImportStoppedError is Import's error when the node failed to write (its
// store refused a commit: a full disk, a failed sync), not the file: the
// import stopped there. What committed before stays, and the report Import
// returns with it counts what that is (Written records); importing the
// file again resumes it (the rows written are unchanged the second time).
// Err is the store's error.
type ImportStoppedError struct {
	Written int
	Err     error
}

func (e *ImportStoppedError) Error() string {
	return fmt.Sprintf("import stopped after writing %d records: %v", e.Written, e.Err)
}

func (e *ImportStoppedError) Unwrap() error { return e.Err }

// Written is how many records the import wrote (created or updated).
func (r ImportReport) Written() int {
	return r.Employers.Created + r.Employers.Updated + r.Certificates.Created + r.Certificates.Updated
}

// progressEvery is how often (in rows) Import reports progress.
const progressEvery = 250

// importWindowRows is how many rows' writes Import queues at a time; it
// has two windows queued at most, so the pipeline takes whole batches.
// A variable for the tests.
var importWindowRows = 5000

// newWrite is a write for enqueue, asked for by p (recorded in the entry
// it signs, as commit records the principal in its ctx), signed by the
// active key.
func (n *Node) newWrite(p Principal, kind registry.Kind, id string, m mutation) *write {
	return &write{kind: kind, id: id, signer: n.ActiveKey(), m: m, iat: n.cfg.Now().Unix(), by: p.Author(), done: make(chan struct{})}
}

// enqueue queues ws together, in order, so that the pipeline batches them.
// The writes are not cancelled: wait for each one's done.
func (n *Node) enqueue(ws []*write) {
	c := &n.committer
	c.mu.Lock()
	c.queue = append(c.queue, ws...)
	if !c.running {
		c.running = true
		go n.drain()
	}
	c.mu.Unlock()
}

// checkPartRows is the fewest rows per goroutine ParseImport and checkAll
// take, and checkMaxParts the most goroutines (0: GOMAXPROCS). Variables
// for the tests.
var checkPartRows, checkMaxParts = 2000, 0

// checkAll checks every row against the file's other rows and the store
// (checkImport), adds the problems to rep's and counts what the import
// would do into rep. A big file is checked by GOMAXPROCS goroutines, each
// in its own read transaction, each taking the rows of some employers (a
// hash of the BN), in row order: a row is checked against its employer as
// the file's earlier rows leave it, so those rows must be in its part. The
// check is the part of an import no write overlaps: on one goroutine it
// took about a tenth of BenchmarkImport's wall time at 40,000 rows (0.42
// s of 3.7 s, the parse before it another 0.31 s), with a core idle.
func (n *Node) checkAll(ctx context.Context, p Principal, rows []ImportRow, rep *ImportReport) error {
	parts := partsFor(len(rows))
	idx := make([][]int, parts)
	seed := maphash.MakeSeed()
	for i, r := range rows {
		k := int(maphash.String(seed, r.EmployerBN) % uint64(parts))
		idx[k] = append(idx[k], i)
	}
	reps := make([]ImportReport, parts)
	probs := make([][]ImportProblem, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for k := range parts {
		wg.Go(func() {
			errs[k] = n.db.View(ctx, func(tx registry.StoreTx) error {
				probs[k] = n.checkImport(tx.Log(SelfLog), p, rows, idx[k], &reps[k])
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	for k := range parts {
		rep.Problems = append(rep.Problems, probs[k]...)
		rep.Employers = rep.Employers.add(reps[k].Employers)
		rep.Certificates = rep.Certificates.add(reps[k].Certificates)
		rep.EmployersKept = append(rep.EmployersKept, reps[k].EmployersKept...)
	}
	return nil
}

// partsFor is how many goroutines parse or check rows rows.
func partsFor(rows int) int {
	if rows < 2*checkPartRows {
		return 1
	}
	most := checkMaxParts
	if most <= 0 {
		most = min(runtime.GOMAXPROCS(0), 8)
	}
	return max(1, min(most, rows/checkPartRows))
}

func (c ImportCounts) add(o ImportCounts) ImportCounts {
	return ImportCounts{Created: c.Created + o.Created, Updated: c.Updated + o.Updated, Unchanged: c.Unchanged + o.Unchanged}
}

// checkImport checks the rows of rows that only lists (in row order)
// against the file's other rows and the store, and counts what the import
// would do (into rep). Every row of an employer must be listed.
func (n *Node) checkImport(l registry.Log, p Principal, rows []ImportRow, only []int, rep *ImportReport) []ImportProblem {
	var ps []ImportProblem
	badRow := func(r ImportRow, col, val, format string, args ...any) {
		ps = append(ps, ImportProblem{Row: r.Row, Column: col, Value: val, Message: fmt.Sprintf(format, args...), Format: format, Args: args})
	}
	cps := map[string]error{}              // CP id -> nil if active, else why not
	emps := map[string]registry.Employer{} // as the file so far leaves them
	stored := map[string]bool{}            // BN -> the store holds the employer
	type cpGrant struct {
		g   employerGrant
		may bool
	}
	cpMay := map[string]cpGrant{} // BN -> whether, and why, a CP token may change the stored employer
	// basisRow is the row of each audit recorded here that a new
	// certificate of the file names: a second such row is a problem
	// (checkAuditFree). Rows naming one audit are of one employer (else
	// CheckAuditBasis refuses them), so they are in one part.
	basisRow := map[string]int{}
	today := n.Today()
	for _, i := range only {
		r := rows[i]
		if r.Jurisdiction != "" && r.Jurisdiction != n.cfg.Jurisdiction {
			badRow(r, "jurisdiction", string(r.Jurisdiction), "this node registers %s's certificates only", n.cfg.Jurisdiction)
		}
		if r.CP != "" {
			why, ok := cps[r.CP]
			if !ok {
				why = cpProblem(l, r.CP, n.cfg.Jurisdiction)
				cps[r.CP] = why
			}
			if why != nil {
				badRow(r, "cp", r.CP, "%v", why)
			} else if p.Role == RoleCP && r.CP != p.CP {
				badRow(r, "cp", r.CP, "a token of CP %s imports only CP %s's certificates", p.CP, p.CP)
			}
		}
		if r.CP == "" || r.Number == "" || r.EmployerBN == "" || r.LegalName == "" || r.Program == "" || r.IssuedOn.IsZero() {
			continue // already a problem
		}
		id := registry.CertificateID(r.CP, r.Number)
		// The employer as the file leaves it.
		prevEmp, havePrev := emps[r.EmployerBN]
		var prevE *registry.Employer
		if havePrev {
			prevE = &prevEmp
		} else if e, err := l.Latest(registry.KindEmployer, r.EmployerBN); err == nil {
			stored[r.EmployerBN] = true
			if v, err := decode[registry.Employer](e); err == nil {
				prevE = &v
			}
		}
		emp, changed := mergeEmployer(prevE, r, n.cfg.Jurisdiction)
		if err := emp.Validate(); err != nil {
			col := columnOfField(err)
			badRow(r, col, r.value(col), "%v", reasonErr(err))
			continue
		}
		if changed && p.Role == RoleCP {
			// A CP lists no other employer's WCB account (PutEmployer).
			taken, err := takenAccounts(l, prevE, emp, today)
			if err != nil {
				badRow(r, "wcb_account", r.value("wcb_account"), "%v", reasonErr(err))
				continue
			}
			for _, t := range taken {
				badRow(r, "wcb_account", t.number, "%v", reasonErr(t.err))
			}
			if len(taken) > 0 {
				continue
			}
		}
		if changed && stored[r.EmployerBN] && p.Role == RoleCP {
			// A CP changes a stored employer on the terms PUT
			// /v1/employers/{bn} sets (cpMayChangeEmployer); where it may
			// not, the row's employer columns change nothing (the
			// certificate is imported, as POST /v1/certificates takes it).
			may, ok := cpMay[r.EmployerBN]
			if !ok {
				g, err := n.cpMayChangeEmployerIn(l, p, r.EmployerBN, today)
				if err != nil && !errors.Is(err, registry.ErrForbidden) {
					badRow(r, "employer_bn", r.EmployerBN, "%v", reasonErr(err))
					continue
				}
				may = cpGrant{g, err == nil}
				cpMay[r.EmployerBN] = may
			}
			rows[i].grant = may.g
			if !may.may {
				rows[i].KeepEmployer = true
				emp, changed = *prevE, false
				rep.EmployersKept = append(rep.EmployersKept, r.Row)
			}
		}
		// Counted per row, as the writes will be: a second row of the
		// same employer updates it or leaves it unchanged.
		switch {
		case prevE == nil:
			rep.Employers.Created++
		case changed:
			rep.Employers.Updated++
		default:
			rep.Employers.Unchanged++
		}
		emps[r.EmployerBN] = emp
		var prevC *registry.Certificate
		if e, err := l.Latest(registry.KindCertificate, id); err == nil {
			if v, err := decode[registry.Certificate](e); err == nil {
				prevC = &v
			}
		}
		c, changed, err := n.planCertificate(l, p, prevC, r)
		if err != nil {
			var ip ImportProblem
			if errors.As(err, &ip) {
				ip.Row = r.Row
				ps = append(ps, ip)
			} else {
				col := columnOfField(err)
				badRow(r, col, r.value(col), "%v", reasonErr(err))
			}
			continue
		}
		var kept []string // the stored certificate's accounts, not checked again
		if prevC != nil {
			kept = prevC.WCBAccounts
		}
		if un := unlistedAccounts(c, kept, emp); len(un) > 0 { // writes.go: the employer as the row leaves it
			for _, k := range un {
				badRow(r, "wcb_account", c.WCBAccounts[k], unlistedAccountFormat, c.EmployerBN, c.Jurisdiction, c.WCBAccounts[k])
			}
			continue
		}
		if prevC == nil && basisKey(c) != nil {
			if first, ok := basisRow[c.BasisRef]; ok {
				badRow(r, "basis_ref", c.BasisRef, basisTwiceMessage, first, c.BasisRef)
				continue
			}
			if _, ok, _ := exists(l, registry.KindAudit, c.BasisRef); ok {
				basisRow[c.BasisRef] = r.Row
			}
		}
		switch {
		case prevC == nil:
			rep.Certificates.Created++
		case changed:
			rep.Certificates.Updated++
		default:
			rep.Certificates.Unchanged++
		}
	}
	return ps
}

// Error makes a problem an error, for the mutations that find one.
func (p ImportProblem) Error() string { return p.Column + ": " + p.Message }

// cpProblem is why CP id may not certify here (nil when it may).
func cpProblem(l registry.Log, id string, j registry.Jurisdiction) error {
	e, err := l.Latest(registry.KindCP, id)
	if err != nil {
		return registry.Textf("%s is not a certifying partner of %s", id, j)
	}
	cp, err := decode[registry.CertifyingPartner](e)
	if err != nil {
		return err
	}
	if cp.Status != registry.CPActive {
		return registry.Textf("certifying partner %s is %s, not active", id, cp.Status)
	}
	return nil
}

// columnOfField maps a validation error's field to an import column.
func columnOfField(err error) string {
	var ve *registry.ValidationError
	if !errors.As(err, &ve) {
		return ""
	}
	f := strings.TrimPrefix(ve.Field, "body.")
	if i := strings.IndexAny(f, ".["); i >= 0 {
		f = f[:i]
	}
	switch f {
	case "issuer":
		return "cp"
	case "wcb_accounts":
		return "wcb_account"
	case "industry_scope", "industry_codes":
		return "industry_code"
	case "bn":
		return "employer_bn"
	case "operating_names":
		return "operating_name"
	}
	return f
}

// mergeEmployer returns the employer as row r leaves prev (nil: none yet),
// and whether that differs from prev.
func mergeEmployer(prev *registry.Employer, r ImportRow, j registry.Jurisdiction) (registry.Employer, bool) {
	var e registry.Employer
	if prev != nil {
		e = *prev
		e.OperatingNames = slices.Clone(e.OperatingNames)
		e.WCBAccounts = slices.Clone(e.WCBAccounts)
	}
	e.BN, e.LegalName = r.EmployerBN, r.LegalName
	if r.OperatingName != "" && !slices.Contains(e.OperatingNames, r.OperatingName) {
		e.OperatingNames = append(e.OperatingNames, r.OperatingName)
	}
	for _, a := range r.WCBAccounts {
		i := slices.IndexFunc(e.WCBAccounts, func(w registry.WCBAccount) bool {
			return w.Jurisdiction == j && registry.FoldWCB(w.Number) == registry.FoldWCB(a)
		})
		switch {
		case i < 0:
			e.WCBAccounts = append(e.WCBAccounts, registry.WCBAccount{Jurisdiction: j, Number: a, IndustryCodes: slices.Clone(r.IndustryCodes)})
		case len(r.IndustryCodes) > 0 && !slices.Equal(e.WCBAccounts[i].IndustryCodes, r.IndustryCodes):
			w := e.WCBAccounts[i]
			w.IndustryCodes = slices.Clone(r.IndustryCodes)
			e.WCBAccounts[i] = w
		}
	}
	if prev == nil {
		return e, true
	}
	a, errA := registry.Canonical(*prev)
	b, errB := registry.Canonical(e)
	return e, errA != nil || errB != nil || !bytes.Equal(a, b)
}

// planCertificate returns the certificate as row r of principal p leaves
// prev (nil: a new one, checked against the audit it names, as the API
// does), and whether it changed. A row that contradicts what cannot
// change is an *ImportProblem, and so is a CP's change to a certificate
// the administrator suspended, revoked or cancelled (cpMayLift), as
// PUT /v1/certificates/{id} refuses it.
func (n *Node) planCertificate(l feedReader, p Principal, prev *registry.Certificate, r ImportRow) (registry.Certificate, bool, error) {
	if prev == nil {
		switch r.Status {
		case "": // a row not from ParseImport, without a status: active, as ParseImport reads it
			r.Status = registry.StatusActive
		case registry.StatusActive, registry.StatusPending:
		default:
			return registry.Certificate{}, false, problemf(0, "status", r.Status, "a new certificate is active or pending (IAF: active or draft); change a status with PATCH /v1/certificates/{id}")
		}
		in := NewCertificate{Issuer: r.CP, Number: r.Number, Program: r.Program, EmployerBN: r.EmployerBN,
			WCBAccounts: r.WCBAccounts, IndustryScope: r.IndustryCodes, Sector: r.Sector, IssuedOn: r.IssuedOn,
			TermMonths: r.TermMonths, DocMonths: r.DocMonths, ExpiresOn: r.ExpiresOn, Status: r.Status,
			BasisRef: r.BasisRef, Reason: reasonImported}
		if err := n.CheckAuditBasis(l, &in); err != nil { // audits.go
			return registry.Certificate{}, false, err
		}
		if err := n.checkCPSector(l, p, r.CP, r.Sector, "body.sector"); err != nil {
			return registry.Certificate{}, false, err
		}
		c, err := n.newCertificate(in)
		if err != nil {
			return c, false, err
		}
		return c, true, checkAuditFree(l, c)
	}
	c := *prev
	fixed := func(col, have, want string) error {
		return problemf(0, col, want, "certificate %s is stored with %s %s; it cannot change (issue a new certificate)", c.ID, col, have)
	}
	switch {
	case c.EmployerBN != r.EmployerBN:
		return c, false, fixed("employer_bn", c.EmployerBN, r.EmployerBN)
	case c.Program != r.Program:
		return c, false, fixed("program", c.Program, r.Program)
	case c.IssuedOn != r.IssuedOn:
		return c, false, fixed("issued_on", c.IssuedOn.String(), r.IssuedOn.String())
	case r.TermMonths != 0 && c.TermMonths != r.TermMonths:
		return c, false, fixed("term_months", strconv.Itoa(c.TermMonths), strconv.Itoa(r.TermMonths))
	case !r.ExpiresOn.IsZero() && c.ExpiresOn != r.ExpiresOn:
		return c, false, fixed("expires_on", c.ExpiresOn.String(), r.ExpiresOn.String())
	case r.BasisRef != "" && c.BasisRef != r.BasisRef:
		return c, false, fixed("basis_ref", c.BasisRef, r.BasisRef)
	}
	// A blank cell is "not given", as a column the file lacks is: the
	// stored value stays. A sheet leaves cells blank for what it does not
	// know, and clearing a certificate's sector and industry scope would
	// widen it to every sector (clearing is a PUT with null).
	changed := false
	if r.Has["wcb_account"] && len(r.WCBAccounts) > 0 && !slices.Equal(c.WCBAccounts, r.WCBAccounts) {
		c.WCBAccounts, changed = slices.Clone(r.WCBAccounts), true
	}
	if r.Has["industry_code"] && len(r.IndustryCodes) > 0 && !slices.Equal(c.IndustryScope, r.IndustryCodes) {
		c.IndustryScope, changed = slices.Clone(r.IndustryCodes), true
	}
	if r.Has["sector"] && r.Sector != "" && c.Sector != r.Sector {
		if err := n.checkCPSector(l, p, c.Issuer, r.Sector, "body.sector"); err != nil {
			return c, false, err
		}
		c.Sector, changed = r.Sector, true
	}
	if changed {
		if err := cpMayLift(p, c); err != nil {
			ip := ImportProblem{Column: "status", Value: string(c.Status), Message: reasonOf(err)}
			ip.Format, ip.Args = textOf(err)
			return c, false, ip
		}
		if err := c.Validate(); err != nil {
			return c, false, err
		}
	}
	return c, changed, nil
}

// importEmployer is the mutation of a row's employer. Where a CP's grant
// to change it no longer holds (registered meanwhile by another party, or
// its certificate ended meanwhile), the row's employer columns change
// nothing, as when the import's check found so.
func (n *Node) importEmployer(p Principal, r ImportRow, today registry.Date) mutation {
	return func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		if r.KeepEmployer && prev != nil {
			return nil, nil, errUnchanged
		}
		if err := r.grant.holds(l, p, r.EmployerBN, prev, today); errors.Is(err, registry.ErrForbidden) {
			return nil, nil, errUnchanged
		} else if err != nil {
			return nil, nil, err
		}
		var pe *registry.Employer
		if prev != nil {
			v, err := decode[registry.Employer](*prev)
			if err != nil {
				return nil, nil, err
			}
			pe = &v
		}
		e, changed := mergeEmployer(pe, r, n.cfg.Jurisdiction)
		if !changed {
			return nil, nil, errUnchanged
		}
		if p.Role == RoleCP {
			taken, err := takenAccounts(l, pe, e, today)
			if err != nil {
				return nil, nil, err
			}
			if len(taken) > 0 {
				return nil, nil, taken[0].err
			}
		}
		if err := e.Validate(); err != nil {
			return nil, nil, err
		}
		return e, employerKeys(e), nil
	}
}

// importCertificate is the mutation of a row's certificate.
func (n *Node) importCertificate(p Principal, r ImportRow) mutation {
	return func(l feedReader, prev *registry.Entry) (any, []registry.IndexKey, error) {
		var pc *registry.Certificate
		if prev != nil {
			v, err := decode[registry.Certificate](*prev)
			if err != nil {
				return nil, nil, err
			}
			pc = &v
		}
		c, changed, err := n.planCertificate(l, p, pc, r)
		if err != nil {
			return nil, nil, err
		}
		if !changed {
			return nil, nil, errUnchanged
		}
		var kept []string
		if pc == nil {
			if err := n.checkCertificateRefs(l, c, nil); err != nil { // an import has no basis column: every row is on an audit
				return nil, nil, err
			}
		} else {
			kept = pc.WCBAccounts
		}
		if err := checkCertAccounts(l, c, kept); err != nil {
			return nil, nil, err
		}
		return c, certKeys(c), nil
	}
}
