package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/openapi"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

func TestSnapshotsImport(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("employer_bn,wcb_account,year,person_years,lost_time_claims,disabling_injury_claims,fatalities,claim_costs\n"+
		"812345676,1,2024,10.5,1,2,0,100\n723456786,2,2024,3,0,0,0,\n"), 0o600)
	code, out, errs := run(t, "snapshots", "import", good, "--data", dir)
	if code != 0 || !strings.Contains(out, "corfed layout, 2 rows; stored: 2 added, 0 replaced, 0 unchanged") {
		t.Fatalf("import: exit %d, %q %q", code, out, errs)
	}
	code, out, _ = run(t, "snapshots", "import", "--data", dir, good)
	if code != 0 || !strings.Contains(out, "0 added, 0 replaced, 2 unchanged") {
		t.Errorf("re-import: exit %d, %q", code, out)
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("employer_bn,year,person_years,lost_time_claims,disabling_injury_claims,fatalities\n"+
		"123456789,2024,1,0,0,0\n812345676,2024,x,0,0,0\n"), 0o600)
	code, _, errs = run(t, "snapshots", "import", bad, "--data", dir)
	if code != 1 || !strings.Contains(errs, "row 2, employer_bn \"123456789\"") || !strings.Contains(errs, "row 3, person_years \"x\": not a number") ||
		!strings.Contains(errs, "2 problem(s) in 2 row(s); nothing stored") {
		t.Errorf("bad file: exit %d, %q", code, errs)
	}

	// Alberta's layout with a mapping file.
	ab := filepath.Join(dir, "ohs.csv")
	os.WriteFile(ab, []byte("EMP_KEY,EMPLOYER_NAME,TRADE_NAME,CITY_NAME,WCB_INDUSTRY_NAME,WCB_INDUSTRY_CODE,COR_YEAR,YEAR_NO,PERSON_YEARS_COUNT,LOST_TIME_CLAIM_COUNT,LOST_TIME_CLAIM_RATE,ANNUAL_FATALITY_COUNT,ANNUAL_DISABLING_INJURIES_COUNT,DISABLING_INJURIES_RATE\n"+
		"K1,A,,Calgary,Steel,42100,,2023,55.3,2,3.62,0,3,5.42\nK2,B,,Edmonton,Trucking,70101,,2023,4,0,0,0,0,0\n"), 0o600)
	mapping := filepath.Join(dir, "map.csv")
	os.WriteFile(mapping, []byte("emp_key,employer_bn,wcb_account\nK1,812345676,1234567\n"), 0o600)
	code, _, errs = run(t, "snapshots", "import", ab, "--data", dir, "--mapping", mapping)
	if code != 1 || !strings.Contains(errs, "row 3, EMP_KEY \"K2\": no BN for this employer key") {
		t.Errorf("unmapped: exit %d, %q", code, errs)
	}
	code, out, errs = run(t, "snapshots", "import", ab, "--data", dir, "--mapping", mapping, "--skip-unmapped")
	if code != 0 || !strings.Contains(out, "alberta layout, 1 rows, 1 unmapped rows skipped; stored: 1 added") {
		t.Errorf("skip unmapped: exit %d, %q %q", code, out, errs)
	}
	st, err := snapstore.Open(filepath.Join(dir, snapstore.File), true)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	years, _ := st.Years(t.Context())
	if years[2024] != 2 || years[2023] != 1 {
		t.Errorf("stored years = %v", years)
	}
	if code, _, _ := run(t, "snapshots", "export"); code != 2 {
		t.Errorf("unknown sub-command: exit %d", code)
	}
}

// synth -> import -> snapshots import -> report, on a real node directory.
func TestSynthAndReport(t *testing.T) {
	dir := t.TempDir()
	nodeDir := filepath.Join(dir, "node")
	_, db, err := openNode(t.Context(), nodeOptions{Jurisdiction: "CA-AB", Data: nodeDir, Seed: true, TestData: testdata, NoSync: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	out := filepath.Join(dir, "syn")
	if code, o, e := run(t, "synth", "--seed", "3", "--holders", "60", "--others", "240", "--years", "2", "--out", out); code != 0 || !strings.Contains(o, "SYNTHETIC data (seed 3, not real)") {
		t.Fatalf("synth: %d %q %q", code, o, e)
	}
	if code, o, e := run(t, "import", filepath.Join(out, "holders.csv"), "--data", nodeDir); code != 0 {
		t.Fatalf("import: %d %q %q", code, o, e)
	}
	if code, o, e := run(t, "snapshots", "import", filepath.Join(out, "snapshots.csv"), "--data", nodeDir); code != 0 || !strings.Contains(o, "600 rows") {
		t.Fatalf("snapshots import: %d %q %q", code, o, e)
	}
	code, o, e := run(t, "report", "--data", nodeDir, "--from", "2022-01-01", "--to", "2023-12-31")
	if code != 0 || !strings.Contains(o, "COR program evaluation, CA-AB, 2022-01-01 to 2023-12-31") ||
		!strings.Contains(o, "2023   cor             60") || !strings.Contains(o, "2023   non_cor        240") ||
		// The holders were certified in the first half of 2022: each
		// counts in 2022's non_cor group for its days before that.
		!strings.Contains(o, "2022   non_cor        300") ||
		!strings.Contains(o, "COR/non-COR rate ratios: LTC") || !strings.Contains(o, "Process metrics by certifying partner") ||
		!strings.Contains(o, "action days (on time/late)") || strings.Contains(o, "Injury figures are by calendar year") {
		t.Errorf("report: %d\n%s\n%s", code, o, e)
	}
	// A period of part-years says its injury figures are the whole years.
	code, o, e = run(t, "report", "--data", nodeDir, "--from", "2022-07-01", "--to", "2023-06-30")
	if code != 0 || !strings.Contains(o, "Injury figures are by calendar year: 2022 to 2023, each year the period touches, whole.") {
		t.Errorf("report of a part-year period: %d\n%s\n%s", code, o, e)
	}
	if code, _, _ := run(t, "report", "--data", nodeDir, "--from", "2024-01-01", "--to", "2023-01-01"); code != 2 {
		t.Errorf("a reversed period: exit %d, want 2", code)
	}
	// A running node holds the store: the error says so and where a
	// running node's figures are (review s25-q).
	_, held, err := openNode(t.Context(), nodeOptions{Jurisdiction: "CA-AB", Data: nodeDir, NoSync: true, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if code, _, e := run(t, "report", "--data", nodeDir, "--from", "2022-01-01", "--to", "2023-12-31"); code != 1 || !strings.Contains(e, "is the node running?") || !strings.Contains(e, "/v1/metrics/ohs") {
		t.Errorf("report on a store in use: exit %d, stderr %q; want 1 and the hint", code, e)
	}
}

// snapshots import --url sends the checked file to a running node in
// parts; again, every row comes back unchanged; a bad token or a lone
// --url is refused.
func TestSnapshotsImportURL(t *testing.T) {
	dir := seededDataDir(t)
	var svc *service.Service
	_, url, tok := servedNode(t, dir, func(n *node.Node) []openapi.Extension {
		ops, s, closeSnaps, err := measureOps(dir, service.Config{Node: n}, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { closeSnaps() })
		svc = s
		return []openapi.Extension{ops}
	})
	defer func(old int) { snapshotChunk = old }(snapshotChunk)
	snapshotChunk = 5
	var b strings.Builder
	b.WriteString("employer_bn,wcb_account,year,person_years,lost_time_claims,disabling_injury_claims,fatalities,claim_costs\n")
	for i := range 12 {
		fmt.Fprintf(&b, "%s,,2024,%d.5,1,2,0,\n", nodetest.BN(i), 10+i)
	}
	file := filepath.Join(t.TempDir(), "snaps.csv")
	os.WriteFile(file, []byte(b.String()), 0o600)
	code, out, errs := run(t, "snapshots", "import", file, "--url", url, "--token", tok)
	if code != 0 || !strings.Contains(out, "corfed layout, 12 rows; stored in 3 part(s): 12 added, 0 replaced, 0 unchanged") {
		t.Fatalf("import: exit %d, %q %q", code, out, errs)
	}
	rows, _, err := svc.Snapshots(context.Background(), node.Principal{Role: node.RoleAdmin, Scopes: []string{node.ScopeSnapshotsRead}}, 2024, "", 100)
	if err != nil || len(rows) != 12 {
		t.Fatalf("stored: %d rows, %v", len(rows), err)
	}
	code, out, _ = run(t, "snapshots", "import", file, "--url", url+"/", "--token", tok)
	if code != 0 || !strings.Contains(out, "stored in 3 part(s): 0 added, 0 replaced, 12 unchanged") {
		t.Errorf("again: exit %d, %q", code, out)
	}
	code, out, errs = run(t, "snapshots", "import", file, "--url", url, "--token", "garbage")
	if code != 1 || !strings.Contains(out, "stored in 0 part(s) before this one failed") || !strings.Contains(errs, "part 1 (rows 1-5)") || !strings.Contains(errs, "401") {
		t.Errorf("bad token: exit %d, %q %q", code, out, errs)
	}
	if code, _, _ := run(t, "snapshots", "import", file, "--url", url); code != 2 {
		t.Errorf("--url without --token: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "snapshots", "import", file, "--url", url, "--token", tok, "--data", dir); code != 2 {
		t.Errorf("--url with --data: exit %d, want 2", code)
	}
}
