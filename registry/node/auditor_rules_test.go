package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestOSARSuspensionLiftedByReinstatement: two unsatisfactory On-Site
// Audit Reviews in a row suspend AUD-0001 (rule auditor.osar). It is a
// suspension, not a revocation: the reinstatement by the administrator of
// the node that recorded the OSARs lifts it from its date (the auditor
// could otherwise do no audit that a satisfactory OSAR could review). A
// reinstatement by another body does not, and an unsatisfactory OSAR after
// the reinstatement suspends again.
func TestOSARSuspensionLiftedByReinstatement(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	for _, q := range []registry.QAReview{
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-731551222-20230616-certification", CP: "ACSA", On: registry.MustDate("2026-06-01"), Outcome: registry.QAUnsatisfactory, Findings: "sampling too thin"},
		{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: "AUD-ACSA-742662331-20250314-certification", CP: "ACSA", On: registry.MustDate("2026-07-01"), Outcome: registry.QAUnsatisfactory, Findings: "interviews not documented"},
	} {
		if _, err := ab.RecordQAReview(ctx, admin, q); err != nil {
			t.Fatal(err)
		}
	}
	status := func(on string) registry.AuditorStanding {
		t.Helper()
		v, err := ab.Auditor(ctx, "AUD-0001", registry.MustDate(on))
		if err != nil {
			t.Fatal(err)
		}
		return v.Standing
	}
	if s := status("2026-08-01"); s.Status != registry.AuditorSuspended || s.Rule != "auditor.osar" {
		t.Fatalf("set-up: AUD-0001 is %s (%s), want suspended under auditor.osar", s.Status, s.Rule)
	}
	if _, err := ab.DisciplineAuditor(ctx, admin, "AUD-0001", node.DisciplineRequest{Action: registry.DisciplineReinstate,
		Reason: "retrained; OSAR findings addressed", On: registry.MustDate("2026-09-01")}); err != nil {
		t.Fatal(err)
	}
	for on, want := range map[string]string{"2026-08-31": registry.AuditorSuspended, "2026-09-01": registry.AuditorCertified, "2026-10-01": registry.AuditorCertified} {
		if s := status(on); s.Status != want {
			t.Errorf("reinstated on 2026-09-01: AUD-0001 is %s on %s (rule %s: %s), want %s", s.Status, on, s.Rule, s.Reason, want)
		}
	}
}
