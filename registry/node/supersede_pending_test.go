package node_test

import (
	"context"
	"strings"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// reissue records a passing certification audit of employer bn by ACSA,
// on site 2026-11-16..18, and issues COR ACSA-<number> on it.
func reissue(t *testing.T, ab *nodetest.Node, bn, number string) {
	t.Helper()
	ctx := context.Background()
	a := registry.Audit{EmployerBN: bn, CP: "ACSA", Type: registry.AuditCertification, Program: "COR",
		Auditors: []string{"AUD-0001"}, OnsiteStart: registry.MustDate("2026-11-16"), OnsiteEnd: registry.MustDate("2026-11-18"),
		SubmittedOn: registry.MustDate("2026-11-25"), DocMonths: 24, Overall: 85,
		Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 85}}}
	ae, err := ab.RecordAudit(ctx, acsaAuditor, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.CreateCertificate(ctx, acsaAuditor, node.NewCertificate{Issuer: "ACSA", Number: number, Program: "COR", EmployerBN: bn,
		Sector: "construction", Basis: registry.BasisAudit, BasisRef: ae.ID}); err != nil {
		t.Fatal(err)
	}
}

// TestCPMayNotSupersedeACertificateAwaitingRemovalOrUnderReview: Red Deer
// Scaffold's COR ACSA-20250314 has a removal proposal awaiting the
// administrator (RM-ER-ACSA-20250314-20260414); ACSA-20250417 is under an
// open Employer Review. Their CP issues each employer a new COR on a new
// certification audit and supersedes the old one: refused at body.action
// (the CP, paid by the employer, would decide that the removal or the
// review never takes effect), with nothing written. The administrator
// still may.
func TestCPMayNotSupersedeACertificateAwaitingRemovalOrUnderReview(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock := clockedNode(t)
	clock.set("2026-11-25")
	if _, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
		OccurredOn: registry.MustDate("2026-11-01"), OpenedOn: registry.MustDate("2026-11-02")}); err != nil {
		t.Fatal(err)
	}
	reissue(t, ab, "742662331", "20261118")
	reissue(t, ab, "812345676", "20261119")
	for _, tc := range []struct{ old, succ, why string }{
		{"ACSA-20250314", "ACSA-20261118", "removal proposal pending"},
		{"ACSA-20250417", "ACSA-20261119", "open Employer Review"},
	} {
		before := feedSize(t, ab)
		_, err := ab.ChangeStatus(ctx, acsaAuditor, tc.old, node.StatusRequest{Action: registry.ActionSupersede, Reason: "renewed", SupersededBy: tc.succ})
		if err == nil {
			t.Errorf("%s: the CP superseded %s by %s", tc.why, tc.old, tc.succ)
		} else if fieldOf(err) != "body.action" {
			t.Errorf("%s: refused at %q (%v), want body.action", tc.why, fieldOf(err), err)
		}
		if got := feedSize(t, ab); got != before {
			t.Errorf("%s: the refused supersede wrote %d entries", tc.why, got-before)
		}
		if _, err := ab.ChangeStatus(ctx, admin, tc.old, node.StatusRequest{Action: registry.ActionSupersede, Reason: "renewed", SupersededBy: tc.succ}); err != nil {
			t.Errorf("%s: the administrator could not supersede %s: %v", tc.why, tc.old, err)
		}
	}
}

// TestRemovalConfirmedOnASupersededCertificateRevokesItsSuccessor: the
// administrator superseded ACSA-20250314 by ACSA-20261118 while removal
// RM-ER-ACSA-20250314-20260414 awaited the decision. Confirming it follows
// superseded_by and revokes the live successor, naming the proposal and
// the certificate it was made on, in both languages; the proposal is
// confirmed, not left proposed for ever.
func TestRemovalConfirmedOnASupersededCertificateRevokesItsSuccessor(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock := clockedNode(t)
	clock.set("2026-11-25")
	const rm = "RM-ER-ACSA-20250314-20260414"
	reissue(t, ab, "742662331", "20261118")
	if _, err := ab.ChangeStatus(ctx, admin, "ACSA-20250314", node.StatusRequest{Action: registry.ActionSupersede, Reason: "renewed", SupersededBy: "ACSA-20261118"}); err != nil {
		t.Fatal(err)
	}
	got, err := ab.DecideRemoval(ctx, admin, rm, node.RemovalRequest{Decision: "confirm", Reason: "persistent non-performer"})
	if err != nil {
		t.Fatalf("confirming %s after ACSA-20250314 was superseded: %v", rm, err)
	}
	if got.Status != registry.RemovalConfirmed {
		t.Errorf("proposal is %s, want confirmed", got.Status)
	}
	v, err := ab.Certificate(ctx, "ACSA-20261118", registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	c := v.Certificate
	if st := c.StatusOn(registry.MustDate("2026-11-25")); st != registry.StatusRevoked {
		t.Errorf("successor ACSA-20261118 is %s after the confirmation, want revoked", st)
	}
	last := c.History[len(c.History)-1]
	for _, s := range []string{last.Reason, last.ReasonFR} {
		if !strings.Contains(s, rm) || !strings.Contains(s, "ACSA-20250314") {
			t.Errorf("revocation reason %q does not name %s and ACSA-20250314", s, rm)
		}
	}
	if old, _ := ab.Certificate(ctx, "ACSA-20250314", registry.Date{}); old.Certificate.Status != registry.StatusSuperseded {
		t.Errorf("ACSA-20250314 is %s, want still superseded", old.Certificate.Status)
	}
}
