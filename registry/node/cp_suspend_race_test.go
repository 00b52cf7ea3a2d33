package node_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestCPSuspensionKeepsAChangeMadeMeanwhile: confirming a proposal to
// suspend a CP writes the CP's newest version with status suspended, read
// in the same commit: a change the administrator makes to the CP at the
// same time (its name, here) is kept, never overwritten by a version read
// before it.
func TestCPSuspensionKeepsAChangeMadeMeanwhile(t *testing.T) {
	ctx := context.Background()
	for round := range 8 {
		ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
		admin := nodetest.Admin()
		p, err := ab.Program(ctx, registry.ProgramCOR)
		if err != nil {
			t.Fatal(err)
		}
		p.CPQA = registry.CPQARule{AtRisk: true, UnsatisfactoryOSARs: 1, WindowMonths: 12, Code: "cp_qa.suspend"}
		if _, err := ab.PublishProgram(ctx, admin, p); err != nil {
			t.Fatal(err)
		}
		if _, err := ab.RecordQAReview(ctx, admin, registry.QAReview{Kind: registry.QACP, CP: "ACSA", On: registry.MustDate("2026-06-01"), Outcome: registry.QAUnsatisfactory}); err != nil {
			t.Fatal(err)
		}
		if _, err := ab.RunLifecycle(ctx, admin, false); err != nil {
			t.Fatal(err)
		}
		rs, err := ab.Removals(ctx, registry.RemovalProposed, 50)
		if err != nil {
			t.Fatal(err)
		}
		var id string
		for _, r := range rs {
			if r.CP == "ACSA" {
				id = r.ID
			}
		}
		if id == "" {
			t.Fatalf("no proposal to suspend ACSA: %+v", rs)
		}
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range 40 {
				cp := registry.CertifyingPartner{ID: "ACSA", Name: fmt.Sprintf("Alberta Construction Safety Association %d", i), Status: registry.CPActive}
				if _, err := ab.PutCP(ctx, admin, cp, false); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() {
			if _, err := ab.DecideRemoval(ctx, admin, id, node.RemovalRequest{Decision: "confirm", Reason: "QA findings not corrected"}); err != nil {
				t.Error(err)
			}
		})
		wg.Wait()
		vs, err := ab.Versions(ctx, registry.KindCP, "ACSA")
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(vs); i++ {
			var prev, cur registry.CertifyingPartner
			if err := registry.DecodeRecord(vs[i-1].Record, &prev); err != nil {
				t.Fatal(err)
			}
			if err := registry.DecodeRecord(vs[i].Record, &cur); err != nil {
				t.Fatal(err)
			}
			if cur.Status == registry.CPSuspended && prev.Status != registry.CPSuspended && cur.Name != prev.Name {
				t.Fatalf("round %d: the suspension (version %d) named the CP %q; the version before it, %q", round, vs[i].Ver, cur.Name, prev.Name)
			}
		}
	}
}
