package node_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/sheet"
)

// importCSV parses and imports a CSV file into n.
func importCSV(t *testing.T, n *nodetest.Node, csv string, dry bool) node.ImportReport {
	t.Helper()
	tab, err := sheet.Read([]byte(csv), sheet.CSV)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, ignored := node.ParseImport(tab, 1)
	rep, err := n.Import(context.Background(), nodetest.Admin(), rows, problems, node.ImportOptions{DryRun: dry, IgnoredColumns: ignored})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func feedSize(t *testing.T, n *nodetest.Node) uint64 {
	t.Helper()
	_, size, err := n.Feed(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return size
}

// Valid BN9s for the tests.
func bn(i int) string {
	p := fmt.Sprintf("%08d", 30000000+i)
	c, _ := registry.BNCheckDigit(p)
	return p + string(c)
}

const goodHeader = "number,employer_bn,legal_name,cp,program,issued_on,term_months,sector,wcb_account,industry_code\n"

func goodRows(from, to int) string {
	var b strings.Builder
	for i := from; i < to; i++ {
		fmt.Fprintf(&b, "IMP-%d,%s,Employer %d Ltd.,ACSA,COR,2026-01-%02d,36,construction,%d,236220\n", i, bn(i), i, 1+i%28, 7000000+i)
	}
	return b.String()
}

func TestImportIdempotentAndVersioned(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	file := goodHeader + goodRows(0, 50)

	dry := importCSV(t, n, file, true)
	before := feedSize(t, n)
	if want := (node.ImportCounts{Created: 50}); dry.Employers != want || dry.Certificates != want || len(dry.Problems) != 0 {
		t.Fatalf("dry run: got %+v %+v %v, want 50 created each", dry.Employers, dry.Certificates, dry.Problems)
	}
	if got := feedSize(t, n); got != before {
		t.Fatalf("dry run wrote: feed %d -> %d", before, got)
	}

	rep := importCSV(t, n, file, false)
	if want := (node.ImportCounts{Created: 50}); rep.Employers != want || rep.Certificates != want {
		t.Fatalf("first import: got %+v %+v, want 50 created each", rep.Employers, rep.Certificates)
	}
	after := feedSize(t, n)
	if after != before+100 {
		t.Fatalf("feed: got %d entries, want %d", after, before+100)
	}

	again := importCSV(t, n, file, false)
	if want := (node.ImportCounts{Unchanged: 50}); again.Employers != want || again.Certificates != want {
		t.Fatalf("same file again: got %+v %+v, want all unchanged", again.Employers, again.Certificates)
	}
	if got := feedSize(t, n); got != after {
		t.Fatalf("same file again wrote: feed %d -> %d", after, got)
	}

	// One row changes its sector, another its employer's name.
	changed := strings.Replace(file, "IMP-7,"+bn(7)+",Employer 7 Ltd.,ACSA,COR,2026-01-08,36,construction", "IMP-7,"+bn(7)+",Employer 7 Ltd.,ACSA,COR,2026-01-08,36,energy", 1)
	changed = strings.Replace(changed, "Employer 9 Ltd.", "Employer Nine Ltd.", 1)
	rep = importCSV(t, n, changed, false)
	if rep.Certificates != (node.ImportCounts{Updated: 1, Unchanged: 49}) || rep.Employers != (node.ImportCounts{Updated: 1, Unchanged: 49}) {
		t.Fatalf("changed rows: got %+v %+v, want one update each", rep.Employers, rep.Certificates)
	}
	v, err := n.Certificate(context.Background(), "ACSA-IMP-7", registry.MustDate("2026-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if v.Entry.Ver != 2 || v.Certificate.Sector != "energy" || v.StatusAsOf != "active" {
		t.Fatalf("changed certificate: got v%d %q %q, want v2 energy active", v.Entry.Ver, v.Certificate.Sector, v.StatusAsOf)
	}
	if got := feedSize(t, n); got != after+2 {
		t.Fatalf("feed: got %d, want %d", got, after+2)
	}
}

// TestImportResumes imports the first part of a file (as if cut short),
// then the whole: every record exists once, in one version.
func TestImportResumes(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	before := feedSize(t, n)
	importCSV(t, n, goodHeader+goodRows(0, 17), false)
	rep := importCSV(t, n, goodHeader+goodRows(0, 40), false)
	if rep.Certificates != (node.ImportCounts{Created: 23, Unchanged: 17}) {
		t.Fatalf("resumed: got %+v, want 23 created, 17 unchanged", rep.Certificates)
	}
	if got := feedSize(t, n); got != before+80 {
		t.Fatalf("feed: got %d, want %d (40 employers, 40 certificates, nothing twice)", got, before+80)
	}
	for i := 0; i < 40; i++ {
		vs, err := n.Versions(context.Background(), registry.KindCertificate, fmt.Sprintf("ACSA-IMP-%d", i))
		if err != nil || len(vs) != 1 {
			t.Fatalf("IMP-%d: got %d versions (%v), want 1", i, len(vs), err)
		}
	}
}

func TestImportReportsEveryProblem(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	// Row 1 is good; every other row has one or more problems.
	file := "Certificate Number,BN,Legal Name,CP,Program,Issued On,Term Months,Sector,WCB Account,Industry Code,Notes\n" +
		"G-1," + bn(1) + ",Good Ltd.,ACSA,COR,2026-01-05,36,construction,7000001,236220,fine\n" +
		"B-2,123456789,Bad BN Ltd.,ACSA,COR,2026-01-05,36,,,,\n" +
		"B-3," + bn(3) + ",,ACSA,COR,2026-01-05,36,,,,\n" +
		"B-4," + bn(4) + ",Unknown CP Ltd.,NOPE,COR,2026-01-05,36,,,,\n" +
		"B-5," + bn(5) + ",Bad Program Ltd.,ACSA,ISO,2026-02-30,40,,x,1,\n" +
		"G-1," + bn(1) + ",Good Ltd.,ACSA,COR,2026-01-05,36,construction,7000001,236220,again\n" +
		"B-7," + bn(1) + ",Other Name Inc.,ACSA,COR,2026-01-05,12,,,,\n" +
		"20250417,812345676,Prairie Steel Erectors Ltd.,ACSA,SECOR,2025-03-14,36,,,,\n"
	before := feedSize(t, n)
	rep := importCSV(t, n, file, false)
	type rc struct {
		Row    int
		Column string
	}
	var got []rc
	for _, p := range rep.Problems {
		got = append(got, rc{p.Row, p.Column})
	}
	want := []rc{
		{2, "employer_bn"},
		{3, "legal_name"},
		{4, "cp"},
		{5, "program"}, {5, "issued_on"}, {5, "term_months"}, {5, "wcb_account"}, {5, "industry_code"},
		{6, "number"},
		{7, "legal_name"}, {7, "term_months"},
		{8, "program"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("problems:\n got %v\nwant %v\n(%+v)", got, want, rep.Problems)
	}
	if !reflect.DeepEqual(rep.IgnoredColumns, []string{"Notes"}) {
		t.Errorf("ignored columns: got %v, want [Notes]", rep.IgnoredColumns)
	}
	if got := feedSize(t, n); got != before {
		t.Fatalf("a file with problems wrote: feed %d -> %d", before, got)
	}
	// A file missing required columns: named on row 0.
	rep = importCSV(t, n, "employer_bn,legal_name\n"+bn(1)+",X Ltd\n", false)
	var cols []string
	for _, p := range rep.Problems {
		if p.Row == 0 {
			cols = append(cols, p.Column)
		}
	}
	if want := []string{"cp", "number", "program", "issued_on"}; !reflect.DeepEqual(cols, want) {
		t.Fatalf("missing columns: got %v, want %v", cols, want)
	}
}

// TestImportXLSX reads the same rows from a workbook with real date cells
// and numeric BNs.
func TestImportXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	sh := f.GetSheetName(0)
	header := []any{"certified_entity_unique_id", "certified_entity_name", "certification_body", "certificate_number", "program", "issue_date", "term_months", "certification_scope", "wcb_account", "industry_code"}
	if err := f.SetSheetRow(sh, "A1", &header); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		var num int
		fmt.Sscan(bn(i), &num)
		row := []any{num, fmt.Sprintf("Employer %d Ltd.", i), "ACSA", fmt.Sprintf("IMP-%d", i), "COR",
			registry.MustDate(fmt.Sprintf("2026-01-%02d", 1+i%28)).Time(), 36, "construction", 7000000 + i, 236220}
		cell := fmt.Sprintf("A%d", i+2)
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle(sh, fmt.Sprintf("F%d", i+2), fmt.Sprintf("F%d", i+2), dateStyle); err != nil {
			t.Fatal(err)
		}
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	tab, err := sheet.Read(buf.Bytes(), sheet.FormatOf("list.xlsx", nil))
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, _ := node.ParseImport(tab, 1)
	if len(problems) != 0 {
		t.Fatalf("problems: %+v", problems)
	}
	if rows[3].IssuedOn.String() != "2026-01-04" || rows[3].EmployerBN != bn(3) {
		t.Fatalf("row 4: got %s %s, want 2026-01-04 %s", rows[3].IssuedOn, rows[3].EmployerBN, bn(3))
	}
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	rep, err := n.Import(context.Background(), nodetest.Admin(), rows, problems, node.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The same rows from CSV change nothing.
	again := importCSV(t, n, goodHeader+goodRows(0, 5), false)
	if rep.Certificates.Created != 5 || again.Certificates.Unchanged != 5 || again.Employers.Unchanged != 5 {
		t.Fatalf("xlsx then csv: got %+v then %+v %+v", rep.Certificates, again.Certificates, again.Employers)
	}
}

// TestImportChecksAuditBasis: a row naming its certifying audit (basis_ref)
// goes through the API's check: a failed audit is a problem in column
// basis_ref, an issue date other than the audit's last on-site day one in
// issued_on, each by its row; a row on a passing audit takes its term.
func TestImportChecksAuditBasis(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	// Reports the program received in March (recorded by its administrator:
	// a CP's report counts as received the day it is recorded).
	failed, err := ab.RecordAudit(ctx, nodetest.Admin(), testAudit("certification", 79.99, "AUD-0001"))
	if err != nil {
		t.Fatal(err)
	}
	ok := testAudit("recertification", 80, "AUD-0001")
	ok.OnsiteEnd = registry.MustDate("2026-03-05")
	passed, err := ab.RecordAudit(ctx, nodetest.Admin(), ok)
	if err != nil {
		t.Fatal(err)
	}
	const head = "employer_bn,legal_name,cp,number,program,issued_on,basis_ref\n"
	good := "812345676,Prairie Steel Erectors Ltd.,ACSA,X2,COR,2026-03-05," + passed.ID + "\n"
	rep := importCSV(t, ab, head+good+
		"812345676,Prairie Steel Erectors Ltd.,ACSA,X3,COR,2026-03-06,"+failed.ID+"\n"+
		"812345676,Prairie Steel Erectors Ltd.,ACSA,X4,COR,2026-03-01,"+passed.ID+"\n", false)
	var got []string
	for _, p := range rep.Problems {
		got = append(got, fmt.Sprintf("%d/%s", p.Row, p.Column))
	}
	if want := []string{"2/basis_ref", "3/issued_on"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("problems: got %v, want %v (%+v)", got, want, rep.Problems)
	}
	if !strings.Contains(rep.Problems[0].Message, failed.ID) || !strings.Contains(rep.Problems[0].Message, "did not pass") {
		t.Errorf("row 2: %q, want the failed audit named", rep.Problems[0].Message)
	}
	if rep = importCSV(t, ab, head+good, false); len(rep.Problems) != 0 || rep.Certificates.Created != 1 {
		t.Fatalf("the good row: %+v", rep)
	}
	v, err := ab.Certificate(ctx, "ACSA-X2", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if c := v.Certificate; c.BasisRef != passed.ID || c.TermMonths != 12 || c.ExpiresOn != registry.MustDate("2027-03-05") {
		t.Errorf("ACSA-X2: basis_ref %s, term %d, expires %s; want %s, 12 months (6 of documentation), 2027-03-05", c.BasisRef, c.TermMonths, c.ExpiresOn, passed.ID)
	}
	if rep = importCSV(t, ab, head+good, false); rep.Certificates.Unchanged != 1 {
		t.Errorf("again: %+v, want unchanged", rep)
	}
}

// TestImportBulkBatches imports enough rows for the pipeline to commit
// several whole batches (maxBatch writes), and checks that every row is
// written once and a second run writes nothing.
func TestImportBulkBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 2,600 rows")
	}
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	const rows = 2600 // 5,200 writes: five whole batches, then 200
	before := feedSize(t, n)
	rep := importCSV(t, n, goodHeader+goodRows(0, rows), false)
	if len(rep.Problems) > 0 || rep.Employers.Created != rows || rep.Certificates.Created != rows {
		t.Fatalf("import: %+v", rep)
	}
	if got := feedSize(t, n) - before; got != 2*rows {
		t.Fatalf("the feed grew by %d entries, want %d", got, 2*rows)
	}
	rep = importCSV(t, n, goodHeader+goodRows(0, rows), false)
	if rep.Employers.Unchanged != rows || rep.Certificates.Unchanged != rows || feedSize(t, n)-before != 2*rows {
		t.Fatalf("second import: %+v, feed %d", rep, feedSize(t, n))
	}
}

// TestImportWindows: an import larger than its window of queued rows
// writes every row once, in row order (each row's employer, then its
// certificate), reports progress up to the last row, and a rerun with rows
// changed across a window's edge updates exactly those.
func TestImportWindows(t *testing.T) {
	defer node.SetImportWindow(300)()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	const rows = 1000 // windows of 300: 0-299, 300-599, 600-899, 900-999
	before := feedSize(t, n)
	tab, err := sheet.Read([]byte(goodHeader+goodRows(0, rows)), sheet.CSV)
	if err != nil {
		t.Fatal(err)
	}
	parsed, problems, _ := node.ParseImport(tab, 1)
	var progress []int
	rep, err := n.Import(context.Background(), nodetest.Admin(), parsed, problems, node.ImportOptions{
		Progress: func(done, total int) {
			if total != rows {
				t.Errorf("progress total %d, want %d", total, rows)
			}
			progress = append(progress, done)
		}})
	if err != nil || len(rep.Problems) > 0 || rep.Employers.Created != rows || rep.Certificates.Created != rows {
		t.Fatalf("import: %v %+v", err, rep)
	}
	if len(progress) == 0 || progress[len(progress)-1] != rows || !slices.IsSorted(progress) {
		t.Errorf("progress %v: want increasing to %d", progress, rows)
	}
	es, _, err := n.Feed(context.Background(), before, 2*rows)
	if err != nil || len(es) != 2*rows {
		t.Fatalf("feed after the import: %d entries, %v", len(es), err)
	}
	for i, e := range es {
		wantKind, wantID := registry.KindEmployer, bn(i/2)
		if i%2 == 1 {
			wantKind, wantID = registry.KindCertificate, registry.CertificateID("ACSA", fmt.Sprintf("IMP-%d", i/2))
		}
		if e.Kind != wantKind || e.ID != wantID {
			t.Fatalf("entry %d is %s %s, want %s %s (row order)", i, e.Kind, e.ID, wantKind, wantID)
		}
	}

	changed := goodRows(0, 550) + strings.ReplaceAll(goodRows(550, 651), " Ltd.", " Limited") + goodRows(651, rows)
	rep = importCSV(t, n, goodHeader+changed, false)
	if len(rep.Problems) > 0 || rep.Employers.Updated != 101 || rep.Employers.Unchanged != rows-101 || rep.Certificates.Unchanged != rows {
		t.Fatalf("rerun with rows 550-650 renamed: %+v", rep)
	}
	if got := feedSize(t, n) - before; got != 2*rows+101 {
		t.Fatalf("the feed grew by %d entries, want %d", got, 2*rows+101)
	}
}

// TestImportCheckParts: a file checked in several goroutines (each taking
// some employers' rows) gets the very report one goroutine gives: the
// problems of every kind, by row, in order, and the counts, with
// employers named by several rows (the later rows checked against the
// employer as the earlier ones leave it) and rows already stored.
func TestImportCheckParts(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	importCSV(t, n, goodHeader+goodRows(0, 40), false) // stored before: unchanged or contradicted below
	var b strings.Builder
	b.WriteString(goodHeader)
	for i := range 400 {
		switch i % 10 {
		case 0:
			if i < 200 { // a second certificate of stored employer i/10, renamed: an update
				fmt.Fprintf(&b, "IMP2-%d,%s,Employer %d Limited,ACSA,COR,2026-02-01,36,construction,%d,236220\n", i, bn(i/10), i/10, 7000000+i/10)
				continue
			}
			// A second certificate of employer i/2, which row i/2 creates
			// as this row gives it: unchanged by this row.
			fmt.Fprintf(&b, "IMP2-%d,%s,Employer %d Ltd.,ACSA,COR,2026-02-01,36,construction,%d,236220\n", i, bn(i/2), i/2, 7000000+i/2)
		case 3:
			fmt.Fprintf(&b, "IMP-%d,12345678,Employer %d Ltd.,ACSA,COR,2026-01-01,36,construction,,\n", i, i) // bad BN
		case 5:
			fmt.Fprintf(&b, "IMP-%d,%s,Employer %d Ltd.,NOPE,COR,2026-01-01,36,construction,,\n", i, bn(i), i) // unknown CP
		case 7:
			if i < 40 { // stored with another issue date: cannot change
				fmt.Fprintf(&b, "IMP-%d,%s,Employer %d Ltd.,ACSA,COR,2025-12-31,36,construction,%d,236220\n", i, bn(i), i, 7000000+i)
				continue
			}
			fallthrough
		default:
			b.WriteString(goodRows(i, i+1))
		}
	}
	csv := b.String()
	one := func() node.ImportReport {
		defer node.SetImportCheckParts(1<<30, 1)()
		return importCSV(t, n, csv, true)
	}()
	if len(one.Problems) < 100 || one.Employers.Updated == 0 || one.Employers.Unchanged == 0 || one.Certificates.Unchanged == 0 {
		t.Fatalf("the file does not test what it should: %+v", one)
	}
	for _, parts := range []int{2, 3, 7} {
		restore := node.SetImportCheckParts(20, parts)
		got := importCSV(t, n, csv, true)
		restore()
		if !reflect.DeepEqual(got, one) {
			t.Errorf("checked in %d parts:\n%+v\nin one:\n%+v", parts, got, one)
		}
	}
}

// TestImportIsWatchedAuditedAndAttributed: an import's writes are the
// node's writes like any other. They wake the feed's watchers (the tile
// publisher follows Watch: an import used to publish nothing until the
// next single write), reach Config.OnWrite (the audit log) one by one, and
// record in what they sign the principal that asked (by), as a create does.
func TestImportIsWatchedAuditedAndAttributed(t *testing.T) {
	var mu sync.Mutex
	var audited []registry.Entry
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, OnWrite: func(_ context.Context, e registry.Entry) {
		mu.Lock()
		audited = append(audited, e)
		mu.Unlock()
	}})
	before := feedSize(t, n)
	mu.Lock()
	audited = nil
	mu.Unlock()
	wake, stop := n.Watch()
	defer stop()

	tab, err := sheet.Read([]byte(goodHeader+goodRows(0, 30)), sheet.CSV)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems, _ := node.ParseImport(tab, 1)
	cp := node.Principal{Subject: "acsa-import", Role: node.RoleCP, CP: "ACSA", TokenID: "tok-acsa-1",
		Scopes: []string{node.ScopeEmployers, node.ScopeCertificates}}
	rep, err := n.Import(context.Background(), cp, rows, problems, node.ImportOptions{})
	if err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %v", err, rep.Problems)
	}
	select {
	case <-wake:
	default:
		t.Fatal("the import committed 60 entries and woke no watcher")
	}

	es, size, err := n.Feed(context.Background(), before, 100)
	if err != nil {
		t.Fatal(err)
	}
	if size != before+60 || len(es) != 60 {
		t.Fatalf("feed: %d entries after %d (size %d), want 60", len(es), before, size)
	}
	want := registry.Author{Role: node.RoleCP, CP: "ACSA", Token: "tok-acsa-1"}
	for _, e := range es {
		if e.By == nil || *e.By != want {
			t.Fatalf("%s %s v%d: by %+v, want %+v", e.Kind, e.ID, e.Ver, e.By, want)
		}
		parts := strings.Split(e.JWS, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		var env registry.Envelope
		if err := json.Unmarshal(payload, &env); err != nil {
			t.Fatal(err)
		}
		if env.By == nil || *env.By != want {
			t.Fatalf("%s %s: the signed payload's by is %+v, want %+v", e.Kind, e.ID, env.By, want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(audited) != 60 {
		t.Fatalf("OnWrite heard %d of the import's 60 writes", len(audited))
	}
	seqs := func(es []registry.Entry) []uint64 {
		var out []uint64
		for _, e := range es {
			out = append(out, e.Seq)
		}
		slices.Sort(out)
		return out
	}
	if got, want := seqs(audited), seqs(es); !slices.Equal(got, want) {
		t.Fatalf("OnWrite heard seqs %v, want the import's %v", got, want)
	}
}

// A row built without a status (not through ParseImport, which reads a
// missing status as active) creates an active certificate, in a dry run
// and in the import, as the file's row would; it wrote the employer and
// refused the certificate before.
func TestImportRowWithoutStatus(t *testing.T) {
	ctx := context.Background()
	tn := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	rows := []node.ImportRow{{Row: 1, EmployerBN: nodetest.BN(7), LegalName: "No Status Ltd", CP: "ACSA", Number: "NS1",
		Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2025-06-01"), TermMonths: 36}}
	for _, dry := range []bool{true, false} {
		rep, err := tn.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{DryRun: dry})
		if err != nil || len(rep.Problems) > 0 || rep.Certificates.Created != 1 {
			t.Fatalf("dry run %v: %+v, %v; want one certificate created, no problem", dry, rep, err)
		}
	}
	v, err := tn.Certificate(ctx, registry.CertificateID("ACSA", "NS1"), registry.Date{})
	if err != nil || v.Certificate.Status != registry.StatusActive {
		t.Fatalf("the certificate: %v %v; want active", v.Certificate.Status, err)
	}
}

// TestImportKeepsTheEmployerRule: a CP token changes, through an import,
// only the employers PUT /v1/employers/{bn} lets it change: ESC's row of its
// own new certificate for Prairie Steel (registered by the node, certified
// by ACSA) that renames it imports the certificate and leaves the employer
// as it is, however the name is spelled; ACSA, which holds a certificate in
// force for it, may rename it. ESC's import renamed it, signed as ESC,
// before.
func TestImportKeepsTheEmployerRule(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Rules: true})
	esc := node.Principal{Subject: "cp:ESC", Role: node.RoleCP, CP: "ESC", Scopes: []string{node.ScopeEmployers, node.ScopeCertificates}}
	acsa := node.Principal{Subject: "cp:ACSA", Role: node.RoleCP, CP: "ACSA", Scopes: []string{node.ScopeEmployers, node.ScopeCertificates}}
	run := func(p node.Principal, csv string) node.ImportReport {
		t.Helper()
		tab, err := sheet.Read([]byte(csv), sheet.CSV)
		if err != nil {
			t.Fatal(err)
		}
		rows, problems, _ := node.ParseImport(tab, 1)
		rep, err := n.Import(ctx, p, rows, problems, node.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	const header = "employer_bn,legal_name,cp,number,program,issued_on,status\n"
	before, err := n.Record(ctx, registry.KindEmployer, "812345676")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"Hijacked Holdings Ltd.", "PRAIRIE STEEL ERECTORS LTD"} {
		rep := run(esc, header+fmt.Sprintf("812345676,%s,ESC,ESC-X%d,COR,2026-11-01,pending\n", name, i))
		if len(rep.Problems) != 0 || rep.Certificates.Created != 1 || rep.Employers.Updated != 0 || !slices.Equal(rep.EmployersKept, []int{1}) {
			t.Fatalf("ESC's certificate for ACSA's holder, as %q: %+v (want row 1 in employers_kept)", name, rep)
		}
	}
	if e, err := n.Record(ctx, registry.KindEmployer, "812345676"); err != nil || e.Ver != before.Ver {
		t.Fatalf("the employer went from version %d to %d (%v): ESC changed it", before.Ver, e.Ver, err)
	}
	// ACSA's certificate resting on a record of the node (an equivalency
	// the administrator accepted) grants it the employer.
	q, err := n.PutEquivalency(ctx, nodetest.Admin(), registry.Equivalency{EmployerBN: "812345676", Standard: "ISO 45001:2018", ExternalNumber: "ISO-1",
		CertificationBody: "BSI", AccreditationBody: "UKAS", IAFAccredited: true, ValidFrom: registry.MustDate("2026-01-01"), ValidTo: registry.MustDate("2029-01-01"),
		ScopeAligned: true, Decision: registry.DecisionAccepted}, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: "ACSA", Number: "ACSA-EQ1", Program: registry.ProgramCOR,
		EmployerBN: "812345676", Basis: registry.BasisEquivalency, BasisRef: q.ID, IssuedOn: registry.MustDate("2026-11-01")}); err != nil {
		t.Fatal(err)
	}
	rep := run(acsa, header+"812345676,Prairie Steel Erectors Limited,ACSA,ACSA-X2,COR,2026-11-01,pending\n")
	if len(rep.Problems) != 0 || rep.Employers.Updated != 1 {
		t.Fatalf("ACSA, which certifies it, renaming it: %+v", rep)
	}
	e, err := n.Record(ctx, registry.KindEmployer, "812345676")
	if err != nil {
		t.Fatal(err)
	}
	if e.By == nil || e.By.CP != "ACSA" {
		t.Errorf("the employer's newest version is by %+v, want ACSA", e.By)
	}
}

// TestImportRowWiderThanItsHeader: a row with more cells than the header
// (an unquoted comma in the last column's name) is a problem of that row,
// named, and nothing is written; the import stored "Acme Framing" for
// "Acme Framing, Inc." and said it succeeded. Empty cells past the header
// (which spreadsheets write) are nothing.
func TestImportRowWiderThanItsHeader(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	before := feedSize(t, n)
	rep := importCSV(t, n, "employer_bn,cp,number,program,issued_on,legal_name\n"+
		"870012341,ACSA,TR-1,COR,2026-11-02,Acme Framing, Inc.\n"+
		"870012358,ACSA,TR-2,COR,2026-11-02,Beta Ltd.,,\n", false)
	if len(rep.Problems) != 1 || rep.Problems[0].Row != 1 || rep.Problems[0].Column != "legal_name" {
		t.Fatalf("problems %+v, want one on the first row at legal_name", rep.Problems)
	}
	if got := feedSize(t, n); got != before {
		t.Fatalf("%d entries written", got-before)
	}
}

// TestImportBN15: a BN15 program account (BN9, two letters, four digits)
// names its BN9; fifteen characters of another shape are refused at
// employer_bn (any fifteen starting with a valid BN9 were taken as it).
func TestImportBN15(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	rep := importCSV(t, n, "employer_bn,cp,number,program,issued_on,legal_name\n"+
		"870012341RP0001,ACSA,TR-1,COR,2026-11-02,Acme Framing\n"+
		"870012341999999,ACSA,TR-2,COR,2026-11-02,Acme Framing\n"+
		"870012341-zz!!?%,ACSA,TR-3,COR,2026-11-02,Acme Framing\n", true)
	var rows []int
	for _, p := range rep.Problems {
		if p.Column == "employer_bn" {
			rows = append(rows, p.Row)
		}
	}
	if !slices.Equal(rows, []int{2, 3}) {
		t.Errorf("employer_bn problems on rows %v, want [2 3]: %+v", rows, rep.Problems)
	}
}

// TestImportNormalizesNamesToNFC: a name written decomposed (NFD: "e" and
// U+0301, as macOS tools and some exports write it) is stored in NFC, as
// the JSON API stores it; it was refused ("not in Unicode normalization
// form C"). The NFC and the NFD spelling of one sheet are the same
// import: the second writes nothing.
func TestImportNormalizesNamesToNFC(t *testing.T) {
	const legal, operating = "Béton Québec Ltée", "Bétonnière Gérard"
	const header = "employer_bn,legal_name,operating_name,cp,number,program,issued_on\r\n"
	row := func(form norm.Form) string {
		return header + "870013000," + form.String(legal) + "," + form.String(operating) + ",ACSA,NFD-1,COR,2026-11-02\r\n"
	}
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	for _, tc := range []struct {
		name                      string
		csv                       string
		created, unchanged, wrote int
	}{
		{"NFD, first", row(norm.NFD), 1, 0, 2},
		{"NFC, again", row(norm.NFC), 0, 1, 0},
		{"NFD, again", row(norm.NFD), 0, 1, 0},
	} {
		before := feedSize(t, n)
		rep := importCSV(t, n, tc.csv, false)
		if len(rep.Problems) > 0 || rep.Employers.Created != tc.created || rep.Employers.Unchanged != tc.unchanged {
			t.Fatalf("%s: %+v; want employers %d created, %d unchanged, no problem", tc.name, rep, tc.created, tc.unchanged)
		}
		if got := int(feedSize(t, n) - before); got != tc.wrote {
			t.Errorf("%s: %d entries written, want %d", tc.name, got, tc.wrote)
		}
	}
	rec, err := n.Record(t.Context(), registry.KindEmployer, "870013000")
	if err != nil {
		t.Fatal(err)
	}
	var e registry.Employer
	if err := json.Unmarshal(rec.Record, &e); err != nil {
		t.Fatal(err)
	}
	if got := e.LegalName; got != legal || !norm.NFC.IsNormalString(got) {
		t.Errorf("legal name stored as %q (% x), want NFC %q", got, got, legal)
	}
	if got := e.OperatingNames; !slices.Equal(got, []string{operating}) {
		t.Errorf("operating names stored as %q, want NFC [%q]", got, operating)
	}
}

// TestImportRecordProblemNamesItsValue: a name the record's check refuses
// (here, a zero-width space in it) is reported with the cell's value, so
// that the report shows which name; the value was empty.
func TestImportRecordProblemNamesItsValue(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	for _, tc := range []struct{ col, csv, value string }{
		{"legal_name", "employer_bn,legal_name,cp,number,program,issued_on\n870013000,Zero\u200bWidth Ltd.,ACSA,ZW-1,COR,2026-11-02\n", "Zero\u200bWidth Ltd."},
		{"operating_name", "employer_bn,legal_name,operating_name,cp,number,program,issued_on\n870013000,Plain Ltd.,Zero\u200bWidth,ACSA,ZW-1,COR,2026-11-02\n", "Zero\u200bWidth"},
	} {
		rep := importCSV(t, n, tc.csv, true)
		if len(rep.Problems) != 1 || rep.Problems[0].Column != tc.col || rep.Problems[0].Value != tc.value {
			t.Errorf("%s: problems %+v, want one at %s with value %q", tc.col, rep.Problems, tc.col, tc.value)
		}
	}
}

// TestCrossCheckAuditAcrossParts: CrossCheck, told which basis_refs name
// audits recorded on the node, finds a recorded audit named for two
// certificates across the parts of a file (the node checks each part
// alone); a CP's own reference, or one certificate named again, is not
// that problem; without Recorded (a node's parse of one part) it checks
// no basis.
func TestCrossCheckAuditAcrossParts(t *testing.T) {
	row := func(i int, number, ref string) node.ImportRow {
		return node.ImportRow{Row: i, EmployerBN: "812345676", LegalName: "Prairie Steel Erectors Ltd.", CP: "ACSA", Number: number, BasisRef: ref}
	}
	recorded := func(ref string) bool { return strings.HasPrefix(ref, "AUD-") }
	for _, tc := range []struct {
		name     string
		parts    [][]node.ImportRow
		recorded func(string) bool
		want     []string
	}{
		{"recorded, two parts", [][]node.ImportRow{{row(1, "B1", "AUD-1")}, {row(2, "B2", "AUD-1")}}, recorded, []string{"2/basis_ref"}},
		{"CP's own reference", [][]node.ImportRow{{row(1, "B1", "ACSA-R")}, {row(2, "B2", "ACSA-R")}}, recorded, nil},
		{"the same certificate", [][]node.ImportRow{{row(1, "B1", "AUD-1")}, {row(2, "B1", "AUD-1")}}, recorded, []string{"2/number"}},
		{"no Recorded", [][]node.ImportRow{{row(1, "B1", "AUD-1")}, {row(2, "B2", "AUD-1")}}, nil, nil},
	} {
		seen := &node.ImportSeen{Recorded: tc.recorded}
		var got []string
		for _, part := range tc.parts {
			for _, p := range node.CrossCheck(part, seen) {
				got = append(got, fmt.Sprintf("%d/%s", p.Row, p.Column))
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: problems %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestImportBadCellsAreRowProblems: cells the reader could not take (not
// UTF-8, too long; a row too wide) are problems of their rows and columns
// among the file's other problems, numbered from the first data row, the
// column named by its import column; a required cell that is bad is not
// also "required"; a bad cell in a column the import ignores is nothing.
func TestImportBadCellsAreRowProblems(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	long := strings.Repeat("x", sheet.MaxCellBytes+1)
	rep := importCSV(t, n, "\ufeffemployer_bn,legal_name,cp,number,program,issued_on,Notes\n"+
		"870013018,B\xe9ton,ACSA,L1-1,COR,2026-11-02,\n"+
		"870013026,Good Ltd.,ACSA,L1-2,COR,2026-02-30,"+long+"\n"+
		"870013042,Long Notes Ltd.,ACSA,L1-4,COR,2026-11-02,"+long+",\xff\n"+
		"870013059,"+long+",ACSA,L1-5,COR,2026-11-02,\n"+
		"870013034,Caf\xe9,ACSA,L1-3,COR,2026-11-02,\n", true)
	var got []string
	for _, p := range rep.Problems {
		got = append(got, fmt.Sprintf("%d/%s", p.Row, p.Column))
	}
	if want := []string{"1/legal_name", "2/issued_on", "3/Notes", "4/legal_name", "5/legal_name"}; !reflect.DeepEqual(got, want) {
		t.Errorf("problems %v, want %v: %+v", got, want, rep.Problems)
	}
}

// TestImportRefusesAnotherEmployersWCBAccount: a CP's import row that
// lists on its employer another employer's open WCB account (Prairie
// Steel's 4512876) is a problem at column wcb_account, as PUT
// /v1/employers/{bn} refuses it; nothing of the row is written.
func TestImportRefusesAnotherEmployersWCBAccount(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	esc := node.Principal{Subject: "cp:ESC", Role: node.RoleCP, CP: "ESC", Scopes: []string{node.ScopeEmployers, node.ScopeCertificates}}
	rows := []node.ImportRow{{Row: 1, EmployerBN: "100000009", LegalName: "Nordic Drilling Ltd.", WCBAccounts: []string{"45-12876"}, CP: "ESC", Number: "ESC-N1",
		Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36, Status: registry.StatusPending}}
	rep, err := n.Import(ctx, esc, rows, nil, node.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Problems) != 1 || rep.Problems[0].Column != "wcb_account" || rep.Employers.Created != 0 {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := n.Record(ctx, registry.KindEmployer, "100000009"); err == nil {
		t.Error("the employer was written")
	}
}
