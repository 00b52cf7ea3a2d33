package service

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/corfed/corfed/measure"
	"github.com/corfed/corfed/measure/snapstore"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// The records the metrics keep, brought up to date from the entries the
// feed gained, equal the records read again from scratch: after creations,
// status changes and renewals, on a node whose program data includes
// audits and Employer Reviews.
func TestRecordsCatchUpAsReadAgain(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	s := New(Config{Node: n.Node})
	same := func(step string) {
		t.Helper()
		s.rebuild.Lock()
		defer s.rebuild.Unlock()
		got, err := s.sync(ctx)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		want, err := readRecords(ctx, n.Node)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: caught up to %d entries: %d certificates, %d audits, %d reviews, %d letters; read again: %d, %d, %d, %d (or a record differs)",
				step, got.size, len(got.certs), len(got.audits), len(got.reviews), len(got.letters),
				len(want.certs), len(want.audits), len(want.reviews), len(want.letters))
		}
	}
	same("first read")
	if len(s.recs.audits) == 0 || len(s.recs.reviews) == 0 {
		t.Fatalf("the program data has %d audits and %d reviews; want some of each", len(s.recs.audits), len(s.recs.reviews))
	}
	var rows []node.ImportRow
	for i := range 30 {
		rows = append(rows, node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("Catch Up %d Ltd", i),
			CP: "ACSA", Number: fmt.Sprintf("CU%03d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2025-06-01"),
			TermMonths: 36, Status: registry.StatusActive})
	}
	if rep, err := n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	same("30 created")
	for i, action := range []string{"suspend", "revoke", "suspend"} {
		if _, err := n.ChangeStatus(ctx, nodetest.Admin(), registry.CertificateID("ACSA", fmt.Sprintf("CU%03d", i)),
			node.StatusRequest{Action: action, On: n.Today(), Reason: "test"}); err != nil {
			t.Fatal(err)
		}
	}
	same("status changes")
	same("nothing new")
}

// Past MaxHeldSnapshotRows the rows are read for each computation, not
// kept, and the answers are the same.
func TestSnapshotRowsPastTheCap(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	snaps, err := snapstore.Open(filepath.Join(n.Dir, snapstore.File), true)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { snaps.Close() })
	var rows []measure.Snapshot
	for i := range 40 {
		rows = append(rows, measure.Snapshot{EmployerBN: nodetest.BN(i), Year: 2024, PersonYears: 10.5, LostTimeClaims: int64(i % 3)})
	}
	if _, err := snaps.Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	answer := func(cap int) (measure.Result, bool) {
		old := MaxHeldSnapshotRows
		MaxHeldSnapshotRows = cap
		defer func() { MaxHeldSnapshotRows = old }()
		s := New(Config{Node: n.Node, Snapshots: snaps})
		r, err := s.OHS(ctx, measure.Query{Year: 2024})
		if err != nil {
			t.Fatal(err)
		}
		return r, s.rows != nil
	}
	held, kept := answer(1000)
	read, keptPast := answer(39)
	if !kept || keptPast {
		t.Errorf("rows kept under the cap: %v, past it: %v; want true, false", kept, keptPast)
	}
	if !reflect.DeepEqual(held, read) {
		t.Errorf("answers differ: kept rows %+v, rows read again %+v", held.Groups, read.Groups)
	}
	if f := held.Groups.NonCOR.Figures; f == nil || f.Employers != 40 {
		t.Errorf("non-COR group: %+v; want 40 employers", held.Groups.NonCOR)
	}
}
