package service

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
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
		g, w := *got, *want
		g.version, w.version = 0, 0 // a count of what was applied: read again, it starts over
		if !reflect.DeepEqual(g, w) {
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

// Past MaxHeldSnapshotRows the service reads each answer's rows from the
// file as it goes; the answers, the snapshot listing and the aggregate are
// those of the rows held in memory (rows with and without claim costs,
// two years, breakdowns).
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
		for _, y := range []int{2023, 2024} {
			r := measure.Snapshot{EmployerBN: nodetest.BN(i), Year: y, PersonYears: 10.5 + float64(y-2023),
				LostTimeClaims: int64(i % 3), IndustryCode: fmt.Sprint(42000 + i%2*100)}
			if i%2 == 0 {
				c := float64(100 * i)
				r.ClaimCosts = &c
			}
			rows = append(rows, r)
		}
	}
	if _, err := snaps.Put(ctx, rows); err != nil {
		t.Fatal(err)
	}
	type answers struct {
		results  []measure.Result
		listed   []measure.Snapshot
		more     bool
		ofOne    []measure.Snapshot // one employer's
		totals   registry.AggregateMetrics
		heldRows bool
	}
	answer := func(cap int) answers {
		old := MaxHeldSnapshotRows
		MaxHeldSnapshotRows = cap
		defer func() { MaxHeldSnapshotRows = old }()
		s := New(Config{Node: n.Node, Snapshots: snaps})
		var a answers
		for _, q := range []measure.Query{{Year: 2024}, {}, {Year: 2023, GroupBy: []string{measure.DimIndustry, measure.DimProgram}}} {
			r, err := s.OHS(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			a.results = append(a.results, r)
		}
		reader := node.Principal{Subject: "test", Role: node.RoleAdmin, Scopes: []string{node.ScopeSnapshotsRead}}
		if a.listed, a.more, err = s.Snapshots(ctx, reader, 2024, "", 7); err != nil {
			t.Fatal(err)
		}
		if a.ofOne, _, err = s.Snapshots(ctx, reader, 0, nodetest.BN(3), 10); err != nil {
			t.Fatal(err)
		}
		if a.totals, err = s.Aggregate(ctx, 2024); err != nil {
			t.Fatal(err)
		}
		a.heldRows = s.rows != nil
		return a
	}
	held, read := answer(1000), answer(79)
	if !held.heldRows || read.heldRows {
		t.Errorf("rows kept under the cap: %v, past it: %v; want true, false", held.heldRows, read.heldRows)
	}
	if !reflect.DeepEqual(held, answers{results: read.results, listed: read.listed, more: read.more, ofOne: read.ofOne, totals: read.totals, heldRows: true}) {
		t.Errorf("answers differ:\nkept rows   %+v\nrows read   %+v", held, read)
	}
	if f := held.results[0].Groups.NonCOR.Figures; f == nil || f.Employers != 40 || f.ClaimCosts == nil {
		t.Errorf("non-COR group of 2024: %+v; want 40 employers, claim costs", held.results[0].Groups.NonCOR)
	}
	if len(held.listed) != 7 || !held.more || held.listed[0].Year != 2024 {
		t.Errorf("listing: %d rows, more %v; want 7 of 2024, more", len(held.listed), held.more)
	}
	if len(held.ofOne) != 2 || held.ofOne[0].Year != 2023 || held.ofOne[1].EmployerBN != nodetest.BN(3) {
		t.Errorf("one employer's rows: %+v; want its 2023 and 2024 rows", held.ofOne)
	}
}

// A certificate's facts (what the metrics keep) answer what the whole
// certificate does: its status on every day, its holding, the process
// figures.
func TestFactsAnswerAsTheCertificate(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	var certs []registry.Certificate
	err := n.Each(ctx, registry.KindCertificate, func(e registry.Entry) error {
		c, err := node.Decode[registry.Certificate](e)
		certs = append(certs, c)
		return err
	})
	if err != nil || len(certs) < 5 {
		t.Fatalf("%d certificates, %v", len(certs), err)
	}
	// One with an annulled step, which StatusOn skips.
	a := certs[0]
	a.History = append(slices.Clone(a.History), registry.StatusChange{Status: registry.StatusSuspended, On: a.IssuedOn.AddDays(40),
		Reason: "entered in error", Annulled: &registry.Annulment{On: a.IssuedOn.AddDays(50), Reason: "a mistake"}})
	certs = append(certs, a)
	facts := make([]*measure.CertFacts, len(certs))
	for i, c := range certs {
		f := measure.FactsOf(c)
		f.RecordedOn = c.IssuedOn.AddDays(3)
		facts[i] = &f
	}
	hc, hf := measure.NewHolders(certs), measure.NewHoldersOf(facts)
	for d := registry.MustDate("2015-01-01"); d.Before(registry.MustDate("2032-01-01")); d = d.AddDays(1) {
		for i, c := range certs {
			if w, s := c.StatusOn(d), facts[i].StatusOn(d); w != s {
				t.Fatalf("%s on %s: certificate %q, facts %q", c.ID, d, w, s)
			}
			if w, s := fmt.Sprint(hc.On(c.EmployerBN, "", d)), fmt.Sprint(hf.On(c.EmployerBN, "", d)); w != s {
				t.Fatalf("holding of %s on %s: certificates %s, facts %s", c.EmployerBN, d, w, s)
			}
		}
	}
	// The process figures, by hand from the certificates, against those of
	// their facts: issued, active at the end, status changes per CP.
	for _, p := range [][2]string{{"2020-01-01", "2030-12-31"}, {"2025-01-01", "2025-12-31"}} {
		from, to := registry.MustDate(p[0]), registry.MustDate(p[1])
		got := measure.ComputeProcess(measure.ProcessInput{From: from, To: to, Certificates: facts})
		want := map[string][3]int{}
		for _, c := range certs {
			w := want[c.Issuer]
			if !c.IssuedOn.Before(from) && !c.IssuedOn.After(to) {
				w[0]++
			}
			if c.StatusOn(to) == registry.StatusActive {
				w[1]++
			}
			for i, h := range c.History {
				if !(i == 0 && h.On == c.IssuedOn) && h.Annulled == nil && !h.On.Before(from) && !h.On.After(to) {
					w[2]++
				}
			}
			want[c.Issuer] = w
		}
		for _, cp := range got.CPs {
			issued := 0
			for _, k := range cp.Issued {
				issued += k
			}
			changes := 0
			for _, k := range cp.StatusChange {
				changes += k
			}
			if w := want[cp.CP]; w != [3]int{issued, cp.ActiveAtEnd, changes} {
				t.Errorf("%v %s: issued, active at end, status changes %v; from the certificates %v", p, cp.CP, [3]int{issued, cp.ActiveAtEnd, changes}, w)
			}
		}
	}
}

// The holders and the process inputs are rebuilt when a record the
// metrics read changes, not for every entry the feed gains: an employer
// written leaves them (and the answers cached from them) as they were.
func TestMetricsFollowRecordsNotTheFeed(t *testing.T) {
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	s := New(Config{Node: n.Node})
	state := func() (*measure.Holders, uint64, *processFacts) {
		t.Helper()
		h, v, err := s.Holders(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.processFacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h, v, f
	}
	h1, v1, f1 := state()
	if _, err := n.PutEmployer(ctx, nodetest.Admin(), registry.Employer{BN: nodetest.BN(900), LegalName: "Feed Only Ltd"}, true); err != nil {
		t.Fatal(err)
	}
	h2, v2, f2 := state()
	if h2 != h1 || v2 != v1 || f2.version != f1.version || &f2.certs[0] != &f1.certs[0] || f2.size != f1.size+1 {
		t.Errorf("after an employer write: holders rebuilt %v (version %d -> %d), process inputs rebuilt %v, size %d -> %d",
			h2 != h1, v1, v2, &f2.certs[0] != &f1.certs[0], f1.size, f2.size)
	}
	id := f1.certs[0].ID
	if _, err := n.ChangeStatus(ctx, nodetest.Admin(), id, node.StatusRequest{Action: "suspend", On: n.Today(), Reason: "test"}); err != nil {
		t.Fatal(err)
	}
	h3, v3, f3 := state()
	if h3 == h2 || v3 == v2 || f3.version != v3 {
		t.Errorf("after a status change of %s: holders rebuilt %v (version %d -> %d), process inputs at version %d", id, h3 != h2, v2, v3, f3.version)
	}
}
