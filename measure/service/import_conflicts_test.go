package service_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/service"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestImportReportsStoredConflictsWithTheRest: a row that would mix, for an
// employer's year, rows with and without an account with what is stored is
// a problem of that row, reported with the body's other problems at once,
// and nothing is stored. It was a bare 422 with no errors[], after the
// other problems had been fixed.
func TestImportReportsStoredConflictsWithTheRest(t *testing.T) {
	ctx := t.Context()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	snaps, err := snapstore.Open(filepath.Join(t.TempDir(), snapstore.File), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snaps.Close() })
	svc := service.New(service.Config{Node: n.Node, Snapshots: snaps})
	admin := nodetest.Admin()
	bn := nodetest.BN(7)
	if _, err := svc.Import(ctx, admin, []measure.Snapshot{{EmployerBN: bn, WCBAccount: "4599001", Year: 2024, PersonYears: 100}}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Import(ctx, admin, []measure.Snapshot{
		{EmployerBN: bn, Year: 2024, PersonYears: 100},            // no account, over a stored row per account
		{EmployerBN: nodetest.BN(8), Year: 2024, PersonYears: -1}, // bad on its own
		{EmployerBN: nodetest.BN(9), Year: 2024, PersonYears: 50}, // fine
	}, 0)
	var rep *measure.Report
	if !errors.As(err, &rep) {
		t.Fatalf("got %v, want a report", err)
	}
	rows := map[int]string{}
	for _, p := range rep.Problems {
		rows[p.Row] = p.Column
	}
	if rows[0] != "employer_bn" || rows[1] == "" || len(rows) != 2 {
		t.Errorf("problems %+v, want row 0 (the stored conflict) and row 1", rep.Problems)
	}
	if _, count, _ := snaps.Count(ctx); count != 1 {
		t.Errorf("%d rows stored, want the first import's 1", count)
	}
}
