package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/boltstore"
	"github.com/corfed/corfed/registry/jose"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/sheet"
)

func init() { extraCommands["import"] = runImport }

// importChunk is how many rows `corfed import --url` sends per request,
// and importInFlight how many requests it has open at once. With 5,000-row
// parts the node always has whole batches queued (1,000 writes in a
// commit); 500-row parts gave 0.36-0.39x raw signing in corfed bench, 5,000
// 0.50-0.57x (quiet machine, same build otherwise). It is the node's bound
// on a call (openapi.ImportMaxRows): a larger file is always sent in parts.
// A variable for the tests.
var importChunk = openapi.ImportMaxRows

const importInFlight = 2

// runImport imports a CSV or XLSX file of employers and certificates into
// a running node (--url, --token) or a node's data directory (--data; the
// node must not be running: bbolt locks its file). Every problem of the
// file is reported at once and nothing is written if there is one; the
// import is idempotent, so an interrupted one is resumed by running it
// again.
func runImport(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fl := newFlags("import", stderr)
	url := fl.String("url", "", "a running node's base URL (with --token)")
	token := fl.String("token", "", "a bearer token of that node (corfed token), with employers:write and certificates:write")
	dir := fl.String("data", "", "import into this node data directory instead (the node must not be running)")
	dry := fl.Bool("dry-run", false, "check the file and count what would change; write nothing")
	asJSON := fl.Bool("json", false, "print the report as JSON")
	pos, err := parseArgs(fl, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || (*url == "") == (*dir == "") {
		fmt.Fprintln(stderr, "usage: "+synopses["import"])
		return errUsage
	}
	file := pos[0]
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	t, err := sheet.Read(b, sheet.FormatOf(file, b))
	if errors.Is(err, sheet.ErrTooManyRows) {
		return fmt.Errorf("%s: more than %d rows, the most one import reads: split it into files of at most %d rows and import each (an import is idempotent: a part imported twice writes nothing the second time)",
			file, sheet.MaxRows, sheet.MaxRows)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	rows, problems, ignored := node.ParseImport(t, 1)
	bar := newProgress(stderr, len(rows))
	var rep node.ImportReport
	var written []rowSpan // rows committed although the import has problems
	if *dir != "" {
		rep, err = importLocal(ctx, *dir, rows, problems, node.ImportOptions{DryRun: *dry, IgnoredColumns: ignored, Encoding: t.Encoding, Progress: bar.update})
		switch se := (*node.ImportStoppedError)(nil); {
		case err == nil && rep.Partial:
			// Refused while written (another writer changed a record
			// since the check): the other rows were written.
			written = []rowSpan{{From: 1, To: len(rows), Partly: true}}
		case errors.As(err, &se) && se.Written > 0:
			// The store failed part way (its disk full).
			written = []rowSpan{{From: 1, To: len(rows), Stopped: true}}
		}
	} else {
		rep, written, err = importRemote(ctx, strings.TrimRight(*url, "/"), *token, t, rows, problems, *dry, bar)
	}
	bar.done()
	if err != nil {
		if len(written) > 0 {
			return fmt.Errorf("%w; %s", err, writtenNote(written, rerunAfter(err)))
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(stdout, file, rep, written)
	}
	if len(rep.Problems) > 0 {
		if len(written) > 0 {
			return fmt.Errorf("%s; %s", problemCount(len(rep.Problems)), writtenNote(written, fixProblems))
		}
		return fmt.Errorf("%s; nothing was written", problemCount(len(rep.Problems)))
	}
	return nil
}

// rowSpan is rows From to To (1 = the first data row) of a file, all
// written, or (Partly) written but for the rows with a problem, or
// (Stopped) written in part: the node stopped the import there (its disk
// full).
type rowSpan struct {
	From, To int
	Partly   bool
	Stopped  bool
}

// whole reports whether every row of s was written.
func (s rowSpan) whole() bool { return !s.Partly && !s.Stopped }

// fixProblems is what finishes an import refused for its problems.
const fixProblems = "fix the problems and run the import again"

// rerunAfter is what finishes an import that err interrupted: a transport
// error (the node stopped, or the network failed) has nothing to fix in
// the file; an answer of the node says what to correct.
func rerunAfter(err error) string {
	var ue *neturl.Error
	switch {
	case errors.Is(err, context.Canceled):
		return "run the import again"
	case errors.As(err, &ue):
		return "when the node answers again, run the import again"
	case errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT):
		return "once the disk has room, run the import again"
	}
	return "correct what the error says and run the import again"
}

// writtenNote says which rows an interrupted or refused import wrote, and
// how to finish it (then: fixProblems, or rerunAfter the error).
func writtenNote(spans []rowSpan, then string) string {
	var whole, partly, stopped []string
	for _, s := range spans {
		r := fmt.Sprintf("%d-%d", s.From, s.To)
		if s.From == s.To {
			r = strconv.Itoa(s.From)
		}
		switch {
		case s.Stopped:
			stopped = append(stopped, r)
		case s.Partly:
			partly = append(partly, r)
		default:
			whole = append(whole, r)
		}
	}
	var note string
	switch {
	case len(whole) == 0 && len(partly) == 0:
	case len(whole) == 1 && len(partly) == 0 && !strings.Contains(whole[0], "-"):
		note = "row " + whole[0] + " was written"
	case len(partly) == 0:
		note = "rows " + strings.Join(whole, ", ") + " were written"
	case len(whole) == 0:
		note = "rows " + strings.Join(partly, ", ") + " were written but for those with a problem"
	default:
		note = "rows " + strings.Join(whole, ", ") + " were written (and rows " + strings.Join(partly, ", ") + " but for those with a problem)"
	}
	if len(stopped) > 0 {
		if note == "" {
			note = "rows " + strings.Join(stopped, ", ") + " were written in part, until the node stopped the import"
		} else {
			note += ", and rows " + strings.Join(stopped, ", ") + " in part, until the node stopped the import"
		}
	}
	return note + "; nothing else was: " + then + " (it resumes: what was written counts as unchanged)"
}

// spansOf merges adjacent whole spans (sorted by From).
func spansOf(spans []rowSpan) []rowSpan {
	slices.SortFunc(spans, func(a, b rowSpan) int { return a.From - b.From })
	var out []rowSpan
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && out[k].whole() && s.whole() && out[k].To+1 == s.From {
			out[k].To = s.To
			continue
		}
		out = append(out, s)
	}
	return out
}

// rowList writes sorted row numbers compactly: "1-3, 7, 9-10".
func rowList(rows []int) string {
	var parts []string
	for i := 0; i < len(rows); {
		j := i
		for j+1 < len(rows) && rows[j+1] == rows[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(rows[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", rows[i], rows[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

func printReport(w io.Writer, file string, rep node.ImportReport, written []rowSpan) {
	verb := "imported"
	if rep.DryRun {
		verb = "checked (dry run)"
	}
	ignored := func() {
		if len(rep.IgnoredColumns) > 0 {
			fmt.Fprintf(w, "  ignored columns (not import columns): %s\n", strings.Join(rep.IgnoredColumns, ", "))
		}
		if rep.Encoding == sheet.Windows1252 {
			fmt.Fprintln(w, `  read as Windows-1252: the file is not UTF-8 (Excel's "CSV" on Windows); saving it as "CSV UTF-8" avoids the guess`)
		}
	}
	if len(rep.Problems) > 0 {
		outcome := "nothing was written"
		if len(written) > 0 {
			outcome = writtenNote(written, fixProblems)
		}
		fmt.Fprintf(w, "%s: %d rows, %s; %s\n", file, rep.Rows, problemCount(len(rep.Problems)), outcome)
		defer ignored()
		for _, p := range rep.Problems {
			v := ""
			if p.Value != "" {
				v = fmt.Sprintf(" (%q)", p.Value)
			}
			if p.Row == 0 {
				fmt.Fprintf(w, "  header, column %s: %s%s\n", p.Column, p.Message, v)
				continue
			}
			fmt.Fprintf(w, "  row %d, column %s: %s%s\n", p.Row, p.Column, p.Message, v)
		}
		return
	}
	fmt.Fprintf(w, "%s: %s %d rows\n", file, verb, rep.Rows)
	fmt.Fprintf(w, "  employers:    %d created, %d updated, %d unchanged\n", rep.Employers.Created, rep.Employers.Updated, rep.Employers.Unchanged)
	fmt.Fprintf(w, "  certificates: %d created, %d updated, %d unchanged\n", rep.Certificates.Created, rep.Certificates.Updated, rep.Certificates.Unchanged)
	if len(rep.EmployersKept) > 0 {
		// The importing CP may not change those stored employers (PUT
		// /v1/employers/{bn}'s rule): their names and WCB accounts in
		// the file were not applied, although each row's certificate was.
		fmt.Fprintf(w, "  employer columns not applied (another party's employer; its certificate was %s): rows %s\n",
			map[bool]string{true: "checked", false: "imported"}[rep.DryRun], rowList(rep.EmployersKept))
	}
	ignored()
}

func problemCount(n int) string {
	if n == 1 {
		return "1 problem"
	}
	return fmt.Sprintf("%d problems", n)
}

// importLocal imports into the node in dir, as its program administrator
// (whoever holds the data directory holds the node's key).
func importLocal(ctx context.Context, dir string, rows []node.ImportRow, problems []node.ImportProblem, o node.ImportOptions) (node.ImportReport, error) {
	ni, err := readNodeInfo(dir)
	if err != nil {
		return node.ImportReport{}, fmt.Errorf("--data %s: not a node's data directory (start the node on it once: corfed serve --jurisdiction CODE --data DIR): %w", dir, err)
	}
	ring, err := jose.LoadKeyring(filepath.Join(dir, keysFile))
	if err != nil {
		return node.ImportReport{}, err
	}
	db, err := boltstore.Open(filepath.Join(dir, dbFile), boltstore.Options{Timeout: 2 * time.Second})
	if err != nil {
		return node.ImportReport{}, fmt.Errorf("%w (is the node running? then import with --url and --token)", err)
	}
	defer db.Close()
	n, err := node.New(ctx, node.Config{Jurisdiction: ni.Jurisdiction}, db.Store(), ring)
	if err != nil {
		return node.ImportReport{}, err
	}
	admin := node.Principal{Subject: "corfed import --data", Role: node.RoleAdmin, Scopes: node.AllScopes}
	return n.Import(ctx, admin, rows, problems, o)
}

// importRemote sends the file in parts of importChunk rows, as CSV: first
// all of them as a dry run (so that every problem of the file is known
// before anything is written), then, unless dry, for real. Problems found
// between rows of different parts come from the local parse (problems)
// and from crossPartBasis. importInFlight parts are sent at once: the
// node checks one part while it commits the one before. When the real
// pass fails after parts were committed (another writer changed a record
// since the dry run), written says which rows were.
func importRemote(ctx context.Context, base, token string, t *sheet.Table, rows []node.ImportRow, problems []node.ImportProblem, dry bool, bar *progress) (total node.ImportReport, written []rowSpan, err error) {
	total = node.ImportReport{Rows: len(t.Rows), DryRun: dry, Problems: []node.ImportProblem{}, Encoding: t.Encoding}
	type problemKey struct {
		row                    int
		column, value, message string
	}
	seen := map[problemKey]bool{}
	// The cells the local read could not take (t.Bad, in problems) are
	// sent empty: the node's "required" for one of them is not news.
	type at struct {
		row int
		col string
	}
	badAt := map[at]bool{}
	for _, b := range t.Bad {
		p := node.CellProblem(t, b, 1)
		badAt[at{p.Row, p.Column}] = true
	}
	addProblems := func(ps []node.ImportProblem) {
		for _, p := range ps {
			k := problemKey{p.Row, p.Column, p.Value, p.Message}
			if seen[k] || badAt[at{p.Row, p.Column}] && p.Message == "required" {
				continue
			}
			seen[k] = true
			total.Problems = append(total.Problems, p)
		}
	}
	addProblems(problems)
	basis, err := crossPartBasis(ctx, base, rows, importChunk)
	if err != nil {
		return total, nil, err
	}
	passes := []bool{true}
	if !dry {
		passes = append(passes, false)
	}
	var starts []int // each part's first row (0-based); a file without rows is one empty part
	for start := 0; start < len(t.Rows) || start == 0; start += importChunk {
		starts = append(starts, start)
	}
	for _, checking := range passes {
		reps := make([]node.ImportReport, len(starts))
		errs := make([]error, len(starts))
		slots := make(chan struct{}, importInFlight)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done, failed := 0, false
		for i, start := range starts {
			slots <- struct{}{}
			mu.Lock()
			stop := failed
			mu.Unlock()
			if stop {
				<-slots
				break
			}
			wg.Add(1)
			go func() {
				defer func() { <-slots; wg.Done() }()
				part := t.Rows[start:min(start+importChunk, len(t.Rows))]
				reps[i], errs[i] = postImport(ctx, base, token, t.Header, part, start+1, checking)
				mu.Lock()
				defer mu.Unlock()
				failed = failed || errs[i] != nil || len(reps[i].Problems) > 0
				if !checking && errs[i] == nil && len(reps[i].Problems) == 0 {
					done += len(part)
					bar.update(done, len(t.Rows))
				}
			}()
		}
		wg.Wait()
		if !checking {
			// What the real pass wrote: every part the node took (200),
			// and a part refused while written, but for its problem rows.
			for i, start := range starts {
				end := min(start+importChunk, len(t.Rows))
				r := reps[i]
				switch {
				case end == start:
				case errs[i] == nil && len(r.Problems) == 0 && r.Rows > 0:
					written = append(written, rowSpan{From: start + 1, To: end})
				case r.Partial:
					written = append(written, rowSpan{From: start + 1, To: end, Partly: true})
				case errs[i] != nil && r.Written() > 0:
					written = append(written, rowSpan{From: start + 1, To: end, Stopped: true})
				}
			}
			written = spansOf(written)
		}
		var sum node.ImportReport
		var firstErr error
		for i, rep := range reps {
			if errs[i] != nil && firstErr == nil {
				firstErr = errs[i]
			}
			addProblems(rep.Problems)
			if rep.IgnoredColumns != nil {
				total.IgnoredColumns = rep.IgnoredColumns
			}
			add(&sum.Employers, rep.Employers)
			add(&sum.Certificates, rep.Certificates)
			sum.EmployersKept = append(sum.EmployersKept, rep.EmployersKept...)
		}
		if firstErr != nil {
			return total, written, firstErr
		}
		if checking {
			addProblems(withoutNodeBasis(basis, total.Problems))
		}
		total.Employers, total.Certificates = sum.Employers, sum.Certificates
		slices.Sort(sum.EmployersKept)
		total.EmployersKept = sum.EmployersKept
		if len(total.Problems) > 0 {
			sortProblems(total.Problems)
			return total, written, nil
		}
		written = nil // all of it: no problem
	}
	return total, nil, nil
}

// crossPartBasis finds the rows that name, for a new certificate, an
// audit recorded on the node that a row in another part of the file names
// for another certificate: the node checks one audit, one certificate
// within each part it is sent, and the rest here (node.CrossCheck, asking
// the node about each audit named in two parts: as many requests as such
// audits, none for a file without them).
func crossPartBasis(ctx context.Context, base string, rows []node.ImportRow, chunk int) ([]node.ImportProblem, error) {
	type use struct {
		part int
		cert string
	}
	first := map[string]use{}
	var shared []string
	sharedSet := map[string]bool{}
	for i, r := range rows {
		if r.BasisRef == "" || r.CP == "" || r.Number == "" {
			continue
		}
		u := use{i / chunk, r.CP + "-" + r.Number}
		f, ok := first[r.BasisRef]
		switch {
		case !ok:
			first[r.BasisRef] = u
		case f.part != u.part && f.cert != u.cert && !sharedSet[r.BasisRef]:
			sharedSet[r.BasisRef] = true
			shared = append(shared, r.BasisRef)
		}
	}
	if len(shared) == 0 {
		return nil, nil
	}
	recorded := map[string]bool{}
	for _, ref := range shared {
		ok, err := openapi.AuditRecorded(ctx, http.DefaultClient, base, ref)
		if err != nil {
			return nil, err
		}
		recorded[ref] = ok
	}
	var ps []node.ImportProblem
	for _, p := range node.CrossCheck(rows, &node.ImportSeen{Recorded: func(ref string) bool { return recorded[ref] }}) {
		if p.Column == "basis_ref" {
			ps = append(ps, p)
		}
	}
	return ps, nil
}

// withoutNodeBasis drops the problems of ps on a row the node already
// found a basis_ref problem on (its own words are more precise: the
// certificate the audit already backs).
func withoutNodeBasis(ps, fromNode []node.ImportProblem) []node.ImportProblem {
	have := map[int]bool{}
	for _, p := range fromNode {
		if p.Column == "basis_ref" {
			have[p.Row] = true
		}
	}
	var out []node.ImportProblem
	for _, p := range ps {
		if !have[p.Row] {
			out = append(out, p)
		}
	}
	return out
}

func add(c *node.ImportCounts, d node.ImportCounts) {
	c.Created += d.Created
	c.Updated += d.Updated
	c.Unchanged += d.Unchanged
}

func sortProblems(ps []node.ImportProblem) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && ps[j].Row < ps[j-1].Row; j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

// postImport sends one part of the file.
func postImport(ctx context.Context, base, token string, header []string, rows [][]string, firstRow int, dry bool) (node.ImportReport, error) {
	var body bytes.Buffer
	w := csv.NewWriter(&body)
	_ = w.Write(header)
	_ = w.WriteAll(rows)
	return openapi.PostImport(ctx, http.DefaultClient, base, token, body.Bytes(), firstRow, dry)
}

// progress draws a progress bar with rate and ETA on a terminal, and
// nothing when the output is not one.
type progress struct {
	w     io.Writer
	on    bool
	start time.Time
	last  time.Time
	drawn bool
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok && total > 0 {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

func (p *progress) update(done, total int) {
	if !p.on {
		return
	}
	now := time.Now()
	if done < total && now.Sub(p.last) < 100*time.Millisecond {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprint(p.w, "\r"+progressLine(done, total, now.Sub(p.start)))
}

func (p *progress) done() {
	if p.drawn {
		fmt.Fprintln(p.w)
	}
}

// progressLine renders "[#####.....]  1200/5000 rows  850 rows/s  ETA 4s".
func progressLine(done, total int, elapsed time.Duration) string {
	const width = 30
	k := 0
	if total > 0 {
		k = done * width / total
	}
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(done) / s
	}
	eta := "?"
	if rate > 0 {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Round(time.Second).String()
	}
	return fmt.Sprintf("[%s%s] %d/%d rows  %.0f rows/s  ETA %s ", strings.Repeat("#", k), strings.Repeat(".", width-k), done, total, rate, eta)
}
