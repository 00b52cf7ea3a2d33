package main

import (
	"context"
	"fmt"
	"io"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
)

// demoProgramOps shows the program operations on the seeded CA-AB node
// (testdata/program/CA-AB.json): the lifecycle run that cancels the
// certificate whose year-3 maintenance was missed, the removal proposal
// written when the employer's second review opened, the administrator's
// decision, and an
// auditor suspended in Alberta as CA-BC sees it through the federation.
// On a data directory that has run before, the run finds nothing to do.
func demoProgramOps(ctx context.Context, w io.Writer, byJ map[registry.Jurisdiction]*demoNode) {
	ab := byJ["CA-AB"]
	if ab == nil {
		return
	}
	admin := node.Principal{Subject: "demo-admin", Role: node.RoleAdmin, Scopes: node.AllScopes}
	rep, err := ab.n.RunLifecycle(ctx, admin, false)
	if err != nil {
		fmt.Fprintf(w, "lifecycle CA-AB: error: %v\n", err)
		return
	}
	fmt.Fprintf(w, "lifecycle CA-AB on %s: %d checked, %d changes\n", rep.RunOn, rep.Checked, rep.ChangesTotal)
	for _, c := range rep.Changes {
		fmt.Fprintf(w, "  %s %s from %s [%s]: %s\n", c.Action, c.Record, c.EffectiveOn, c.Rule, c.Reason)
	}
	again, err := ab.n.RunLifecycle(ctx, admin, false)
	if err == nil {
		fmt.Fprintf(w, "lifecycle CA-AB again: %d changes\n", again.ChangesTotal)
	}
	rs, err := ab.n.Removals(ctx, registry.RemovalProposed, 10)
	if err != nil {
		fmt.Fprintf(w, "removals CA-AB: error: %v\n", err)
		return
	}
	for _, r := range rs {
		fmt.Fprintf(w, "removal proposed %s for %s [%s], %d records of evidence\n", r.ID, r.Certificate, r.Rule, len(r.Evidence))
		d, err := ab.n.DecideRemoval(ctx, admin, r.ID, node.RemovalRequest{Decision: "confirm", Reason: "persistent non-performer: confirmed by the administrator"})
		if err != nil {
			fmt.Fprintf(w, "  decision: error: %v\n", err)
			continue
		}
		v, err := ab.n.Certificate(ctx, r.Certificate, registry.Date{})
		if err == nil {
			fmt.Fprintf(w, "  decision %s on %s: certificate %s is %s\n", d.Decision.Decision, d.Decision.On, r.Certificate, v.Certificate.Status)
		}
	}
	if bc := byJ["CA-BC"]; bc != nil {
		if v, err := bc.n.Auditor(ctx, "AUD-0002", registry.Date{}); err == nil {
			fmt.Fprintf(w, "auditor AUD-0002 (home %s) as CA-BC sees it: %s: %s\n", v.Auditor.Home, v.Standing.Status, v.Standing.Reason)
		}
	}
}
