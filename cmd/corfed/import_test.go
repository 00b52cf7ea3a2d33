package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/sheet"
)

// importFile writes a CSV of n good rows (and extra raw lines) to dir.
func importFile(t *testing.T, dir string, n int, extra ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("employer_bn,legal_name,cp,number,program,issued_on,term_months,sector,wcb_account,industry_code\n")
	for i := 0; i < n; i++ {
		p := fmt.Sprintf("5%07d", i)
		c, _ := registry.BNCheckDigit(p)
		fmt.Fprintf(&b, "%s,Imported %d Ltd.,ACSA,IMP-%d,COR,2026-02-%02d,36,construction,%d,236220\n", p+string(c), i, i, 1+i%28, 6000000+i)
	}
	for _, l := range extra {
		b.WriteString(l + "\n")
	}
	path := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// seededDataDir makes a seeded CA-AB node's data directory and closes it.
func seededDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	n, db, err := openNode(context.Background(), nodeOptions{Jurisdiction: "CA-AB", Data: dir, Seed: true, TestData: testdata, NoSync: true,
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	_ = n
	db.Close()
	return dir
}

func TestImportCommandData(t *testing.T) {
	dir := seededDataDir(t)
	file := importFile(t, t.TempDir(), 120)
	code, out, stderr := run(t, "import", file, "--data", dir, "--dry-run")
	if code != 0 || !strings.Contains(out, "checked (dry run) 120 rows") || !strings.Contains(out, "certificates: 120 created, 0 updated, 0 unchanged") {
		t.Fatalf("dry run: exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = run(t, "import", "--data", dir, file)
	if code != 0 || !strings.Contains(out, "employers:    120 created, 0 updated, 0 unchanged") {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	if stderr != "" {
		t.Errorf("piped: got progress output %q, want none", stderr)
	}
	code, out, _ = run(t, "import", file, "--data", dir)
	if code != 0 || !strings.Contains(out, "certificates: 0 created, 0 updated, 120 unchanged") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}
}

// servedNode serves a seeded CA-AB node in dir (seededDataDir when dir is
// "") over loopback HTTP, with extra operations (extra(n), when not nil),
// and returns it, its URL and an admin token; all closed with t.
func servedNode(t *testing.T, dir string, extra func(*node.Node) []openapi.Extension) (*node.Node, string, string) {
	t.Helper()
	if dir == "" {
		dir = seededDataDir(t)
	}
	n, db, err := openNode(context.Background(), nodeOptions{Jurisdiction: "CA-AB", Data: dir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	fed, err := federation.New(federation.Config{Node: n})
	if err != nil {
		t.Fatal(err)
	}
	var o edgeOptions
	if extra != nil {
		o.Extra = extra(n)
	}
	srv := httptest.NewServer(handler(n, fed, slog.New(slog.DiscardHandler), o))
	t.Cleanup(srv.Close)
	tok, err := n.IssueToken(node.TokenRequest{Role: node.RoleAdmin})
	if err != nil {
		t.Fatal(err)
	}
	return n, srv.URL, tok
}

func TestImportCommandURL(t *testing.T) {
	n, url, tok := servedNode(t, "", nil)
	// 1,100 rows in 500-row parts: three parts; two bad rows in different
	// parts, and a certificate repeated across parts.
	defer func(old int) { importChunk = old }(importChunk)
	importChunk = 500
	file := importFile(t, t.TempDir(), 1100,
		"123456789,Bad BN Ltd.,ACSA,X-1,COR,2026-02-01,36,,,",
		"512345674,Late Ltd.,ACSA,IMP-3,COR,2026-02-04,36,,,")
	_, before, _ := n.Feed(context.Background(), 0, 1)
	code, out, _ := run(t, "import", file, "--url", url, "--token", tok)
	if code != 1 || !strings.Contains(out, "row 1101, column employer_bn: Business Number 123456789 fails its Luhn check digit") ||
		!strings.Contains(out, "row 1102, column number: certificate ACSA-IMP-3 is also on row 4") {
		t.Fatalf("bad file: exit %d\n%s", code, out)
	}
	if _, after, _ := n.Feed(context.Background(), 0, 1); after != before {
		t.Fatalf("bad file wrote: feed %d -> %d", before, after)
	}
	file = importFile(t, t.TempDir(), 1100)
	code, out, stderr := run(t, "import", file, "--url", url, "--token", tok)
	if code != 0 || !strings.Contains(out, "certificates: 1100 created, 0 updated, 0 unchanged") {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
	code, out, _ = run(t, "import", file, "--url", url, "--token", tok)
	if code != 0 || !strings.Contains(out, "certificates: 0 created, 0 updated, 1100 unchanged") {
		t.Fatalf("again: exit %d\n%s", code, out)
	}
	if code, _, _ := run(t, "import", file, "--url", url, "--token", "garbage"); code != 1 {
		t.Errorf("bad token: exit %d, want 1", code)
	}
}

func TestProgressLine(t *testing.T) {
	got := progressLine(250, 1000, 10*time.Second)
	want := "[#######.......................] 250/1000 rows  25 rows/s  ETA 30s "
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestImportTooManyRows: a file over the row limit is refused before
// anything is opened, with the way out (split it; parts may be imported
// in any order and again), not as a malformed spreadsheet.
func TestImportTooManyRows(t *testing.T) {
	var b strings.Builder
	b.WriteString("employer_bn,legal_name,cp,number,program,issued_on,term_months\n")
	for i := range sheet.MaxRows + 1 {
		fmt.Fprintf(&b, "812345676,Row %d Ltd.,ACSA,N%d,COR,2026-01-05,36\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "big.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, "import", file, "--data", t.TempDir())
	want := fmt.Sprintf("more than %d rows, the most one import reads: split it into files of at most %d rows", sheet.MaxRows, sheet.MaxRows)
	if code != 1 || !strings.Contains(stderr, want) || strings.Contains(stderr, "malformed") {
		t.Fatalf("exit %d, stderr %q; want 1 and %q", code, stderr, want)
	}
}

// recordAudit records a passing certification audit of 812345676 by ACSA,
// last on site on onsiteEnd, on n, and returns its id.
func recordAudit(t *testing.T, n *node.Node, onsiteEnd string) string {
	t.Helper()
	end := registry.MustDate(onsiteEnd)
	e, err := n.RecordAudit(context.Background(), node.Principal{Subject: "test", Role: node.RoleAdmin, Scopes: node.AllScopes},
		registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: "certification", Program: "COR", Auditors: []string{"AUD-0001"},
			OnsiteStart: end.AddDays(-2), OnsiteEnd: end, SubmittedOn: end.AddDays(3), DocMonths: 6, Overall: 90,
			Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}})
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

// TestImportURLAuditNamedInTwoParts: two rows naming one recorded audit
// for two new certificates, in different parts of the file, are a problem
// of the dry run (the node checks each part alone); the real run wrote
// one part and then said "nothing was written". A CP's own reference
// (no audit recorded here) named twice is not checked, as POST
// /v1/certificates does not check it.
func TestImportURLAuditNamedInTwoParts(t *testing.T) {
	n, url, tok := servedNode(t, "", nil)
	defer func(old int) { importChunk = old }(importChunk)
	importChunk = 50
	audit := recordAudit(t, n, "2026-11-06")
	basisRow := func(number, ref string) string {
		return "812345676,Prairie Steel Erectors Ltd.,ACSA," + number + ",COR,2026-11-06,,,,," + ref
	}
	for _, tc := range []struct {
		name, ref string
		code      int
		want      string
	}{
		{"recorded audit", audit, 1, "row 62, column basis_ref: row 1's certificate is issued on audit " + audit + ": an audit issues one certificate"},
		{"a CP's own reference", "ACSA-REF-7", 0, "certificates: 62 created"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("employer_bn,legal_name,cp,number,program,issued_on,term_months,sector,wcb_account,industry_code,basis_ref\n")
			b.WriteString(basisRow("BAS-1-"+tc.name[:1], tc.ref) + "\n")
			for i := range 60 {
				p := fmt.Sprintf("6%07d", i)
				c, _ := registry.BNCheckDigit(p)
				fmt.Fprintf(&b, "%s,Filler %d Ltd.,ACSA,FIL-%s-%d,COR,2026-02-01,36,,,,\n", p+string(c), i, tc.name[:1], i)
			}
			b.WriteString(basisRow("BAS-2-"+tc.name[:1], tc.ref) + "\n")
			file := filepath.Join(t.TempDir(), "basis.csv")
			if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			_, before, _ := n.Feed(context.Background(), 0, 1)
			for _, args := range [][]string{{"--dry-run"}, nil} {
				code, out, stderr := run(t, append([]string{"import", file, "--url", url, "--token", tok}, args...)...)
				if code != tc.code || !strings.Contains(out, tc.want) {
					t.Fatalf("%v: exit %d, want %d and %q\n%s%s", args, code, tc.code, tc.want, out, stderr)
				}
				if tc.code == 1 && !strings.Contains(stderr, "nothing was written") {
					t.Errorf("%v: stderr %q, want nothing was written", args, stderr)
				}
			}
			if _, after, _ := n.Feed(context.Background(), 0, 1); tc.code == 1 && after != before {
				t.Errorf("refused file wrote: feed %d -> %d", before, after)
			}
		})
	}
}

// TestImportURLSaysWhichRowsWereWritten: when the real pass fails after
// parts were committed (here, another writer stores one of the file's
// certificates, for another employer, between the dry run and the real pass), the
// import says which rows were written and that a rerun resumes; it said
// "nothing was written".
func TestImportURLSaysWhichRowsWereWritten(t *testing.T) {
	n, base, tok := servedNode(t, "", nil)
	defer func(old int) { importChunk = old }(importChunk)
	importChunk = 50
	target, err := neturl.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.URL.Path == "/v1/imports" && q.Get("dry_run") == "false" && q.Get("first_row") == "101" {
			once.Do(func() {
				// Row 130's certificate, of another employer.
				if _, err := n.CreateCertificate(r.Context(), node.Principal{Subject: "test", Role: node.RoleAdmin, Scopes: node.AllScopes},
					node.NewCertificate{Issuer: "ACSA", Number: "IMP-129", Program: "COR", EmployerBN: "812345676", IssuedOn: registry.MustDate("2026-01-01")}); err != nil {
					t.Error(err)
				}
			})
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	file := importFile(t, t.TempDir(), 150)
	code, out, stderr := run(t, "import", file, "--url", srv.URL, "--token", tok)
	if code != 1 || !strings.Contains(out, "row 130, column employer_bn") ||
		!strings.Contains(out, "rows 1-100 were written; nothing else was: fix the problems and run the import again (it resumes") || !strings.Contains(stderr, "rows 1-100 were written") ||
		strings.Contains(out+stderr, "nothing was written") {
		t.Fatalf("exit %d\n%s%s", code, out, stderr)
	}
	code, out, stderr = run(t, "import", file, "--url", base, "--token", tok)
	if code != 1 || !strings.Contains(out, "row 130, column employer_bn") || !strings.Contains(out, "nothing was written") {
		t.Fatalf("again: exit %d\n%s%s", code, out, stderr)
	}
}

// TestImportShowsEmployersKept: a CP's rows whose employer columns were
// not applied (another party's employer: PUT /v1/employers/{bn}'s rule)
// are listed by the CLI, over --url (text and --json) and --data; the CLI
// said "1 unchanged" and nothing else, so a rename or a new WCB account
// was dropped silently.
func TestImportShowsEmployersKept(t *testing.T) {
	n, url, _ := servedNode(t, "", nil)
	defer func(old int) { importChunk = old }(importChunk)
	importChunk = 2 // rows 1-2 and 3 in two parts: the row numbers are the file's
	esc, err := n.IssueToken(node.TokenRequest{Role: node.RoleCP, CP: "ESC"})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "kept.csv")
	csv := "employer_bn,legal_name,cp,number,program,issued_on,status\n" +
		"870013026,ESC New Holder Ltd.,ESC,ESC-K1,COR,2026-11-01,pending\n" +
		"812345676,Renamed By ESC Ltd.,ESC,ESC-K2,COR,2026-11-01,pending\n" +
		"812345676,Renamed By ESC Ltd.,ESC,ESC-K3,COR,2026-11-01,pending\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	const want = "employer columns not applied (another party's employer; its certificate was checked): rows 2-3"
	code, out, stderr := run(t, "import", file, "--url", url, "--token", esc, "--dry-run")
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("text: exit %d, want 0 and %q\n%s%s", code, want, out, stderr)
	}
	code, out, stderr = run(t, "import", file, "--url", url, "--token", esc, "--dry-run", "--json")
	var rep node.ImportReport
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil || !slices.Equal(rep.EmployersKept, []int{2, 3}) {
		t.Fatalf("--json: exit %d, %v, employers_kept %v; want [2 3]\n%s%s", code, err, rep.EmployersKept, out, stderr)
	}
	code, out, stderr = run(t, "import", file, "--url", url, "--token", esc)
	if code != 0 || !strings.Contains(out, "employer columns not applied (another party's employer; its certificate was imported): rows 2-3") {
		t.Fatalf("import: exit %d\n%s%s", code, out, stderr)
	}
}

// TestImportCommandEncodings: a CSV file Excel on Windows saved as "CSV"
// (Windows-1252) is read as such, and the CLI says so; one that declares
// UTF-8 (a byte-order mark) but holds other bytes gets every such cell as
// a problem of its row and column, numbered as the report numbers rows,
// with the advice to save as CSV UTF-8. It got one "row 2 column 2: not
// UTF-8: malformed spreadsheet" (the file's line) and stopped there.
func TestImportCommandEncodings(t *testing.T) {
	n, url, tok := servedNode(t, "", nil)
	dir := t.TempDir()
	const head = "employer_bn,legal_name,cp,number,program,issued_on\r\n"
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	file := write("bom.csv", "\xef\xbb\xbf"+head+"870013018,B\xe9ton Qu\xe9bec Lt\xe9e,ACSA,L1-1,COR,2026-11-02\r\n870013026,Good Ltd.,ACSA,L1-2,COR,2026-11-02\r\n870013034,Caf\xe9,ACSA,L1-3,COR,2026-11-02\r\n")
	code, out, stderr := run(t, "import", file, "--url", url, "--token", tok, "--dry-run")
	if code != 1 || !strings.Contains(out, `row 1, column legal_name: not UTF-8 text: save the file as "CSV UTF-8"`) ||
		!strings.Contains(out, "row 3, column legal_name: not UTF-8 text") || !strings.Contains(out, "3 rows, 2 problems") {
		t.Fatalf("a BOM and other bytes: exit %d\n%s%s", code, out, stderr)
	}
	file = write("latin1.csv", head+"870013018,B\xe9ton Qu\xe9bec Lt\xe9e,ACSA,L1-1,COR,2026-11-02\r\n")
	code, out, stderr = run(t, "import", file, "--url", url, "--token", tok)
	if code != 0 || !strings.Contains(out, "read as Windows-1252: the file is not UTF-8") {
		t.Fatalf("Windows-1252: exit %d\n%s%s", code, out, stderr)
	}
	e, err := n.Record(context.Background(), registry.KindEmployer, "870013018")
	if err != nil || !strings.Contains(string(e.Record), `"legal_name":"Béton Québec Ltée"`) {
		t.Errorf("stored: %v %s", err, e.Record)
	}
}
