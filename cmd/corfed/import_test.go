package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
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
