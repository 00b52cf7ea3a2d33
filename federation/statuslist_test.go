package federation_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/corfed/corfed/federation"
	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
	"github.com/corfed/corfed/registry/statuslist"
)

// TestStatusListFollowsTheLog: the status list, updated from the entries
// the log gained since the last list and read again in full on a new day,
// says of every certificate what its status today is, through creations,
// suspensions, revocations, reinstatements and the days passing (pending
// certificates start, active ones expire).
func TestStatusListFollowsTheLog(t *testing.T) {
	start := nodetest.Now
	t.Cleanup(func() { nodetest.Now = start })
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	fed, err := federation.New(federation.Config{Node: n.Node})
	if err != nil {
		t.Fatal(err)
	}
	ps := federation.NewPasses(federation.NewLookups(fed), federation.PassConfig{BaseURL: "http://cor.example"})
	if ps.Asked() {
		t.Error("Asked before any status list was made")
	}
	check := func(step string) {
		t.Helper()
		tok, _, err := ps.StatusList(ctx)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		sl, err := statuslist.Verify(n.Keys.PublicSet(), tok, "CA-AB", ps.StatusListURL())
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		today := n.Today()
		want := map[string]string{}
		if err := n.Each(ctx, registry.KindCertificate, func(e registry.Entry) error {
			c, err := node.Decode[registry.Certificate](e)
			want[c.ID] = node.StatusOnDate(c, today) // not yet issued: pending
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ids := make([]string, 0, len(want))
		for id := range want {
			ids = append(ids, id)
		}
		idx, err := n.StatusIndexes(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[byte]int{}
		for id, st := range want {
			got, ok := sl.List.Get(idx[id])
			if !ok || got != statuslist.Of(st) {
				t.Errorf("%s: %s (index %d) is %s on %s, the list says %s (in the list: %v)", step, id, idx[id], st, today,
					statuslist.Name(got), ok)
			}
			seen[got]++
		}
		t.Logf("%s: %d certificates, statuses %v", step, len(want), seen)
	}
	check("seeded")
	if !ps.Asked() {
		t.Error("not Asked after a status list was made")
	}

	var rows []node.ImportRow
	for i := range 40 {
		r := node.ImportRow{Row: i + 1, EmployerBN: nodetest.BN(i), LegalName: fmt.Sprintf("List %d Ltd", i), CP: "ACSA",
			Number: fmt.Sprintf("SL%03d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2025-01-15").AddDays(10 * i),
			TermMonths: 36, Status: registry.StatusActive}
		if i%5 == 4 {
			r.IssuedOn, r.Status = registry.MustDate("2027-02-01"), registry.StatusPending
		}
		rows = append(rows, r)
	}
	if rep, err := n.Import(ctx, nodetest.Admin(), rows, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	check("40 created")

	change := func(i int, action string) {
		t.Helper()
		_, err := n.ChangeStatus(ctx, nodetest.Admin(), registry.CertificateID("ACSA", fmt.Sprintf("SL%03d", i)),
			node.StatusRequest{Action: action, On: n.Today(), Reason: "test"})
		if err != nil {
			t.Fatalf("%s SL%03d: %v", action, i, err)
		}
	}
	for i := range 12 {
		if i%5 == 4 {
			continue // pending: nothing to suspend or revoke yet
		}
		switch i % 3 {
		case 0:
			change(i, "suspend")
		case 1:
			change(i, "revoke")
		}
	}
	check("suspended and revoked")
	change(0, "reinstate")
	change(3, "reinstate")
	check("reinstated")
	check("nothing new")

	nodetest.Now = start.AddDate(0, 3, 0) // the pending ones start
	check("three months on")
	change(6, "reinstate")
	nodetest.Now = start.AddDate(3, 0, 0) // the first ones expire
	check("three years on")
	nodetest.Now = start.AddDate(3, 0, 0).Add(time.Hour)
	late := []node.ImportRow{{Row: 1, EmployerBN: nodetest.BN(100), LegalName: "Late Ltd", CP: "ACSA", Number: "SL100",
		Program: registry.ProgramCOR, IssuedOn: n.Today(), TermMonths: 36, Status: registry.StatusActive}}
	if rep, err := n.Import(ctx, nodetest.Admin(), late, nil, node.ImportOptions{}); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("import: %v %+v", err, rep.Problems)
	}
	check("three years on, one more")
}
