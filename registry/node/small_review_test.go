package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// Review s27-s (finding 1): an Employer Review of a certificate issued under a program
// definition (SMALL, which certifies SECOR) is judged by the certificate's
// program (SECOR: review.go programIn(l, c.Program) in
// checkActionRecordable and lifecycle.go removalFor), while an audit of
// the certificate must be under its definition (audits.go: cmpOr(
// ProgramDefinition, Program)). SMALL has no action_plan pass rule, so
// require_action_plan should be refused at body.action (as
// TestReviewRefusesAnActionTheProgramCannotRecord does for SECOR): the
// employer cannot record the audit, and the lifecycle then proposes its
// removal for an action it could not take.
func TestSmallProgramReviewActionIsJudgedByItsDefinition(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock, c, r := smallCertificateUnderReview(t)
	_, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: registry.ReviewRequireActionPlan, Reason: "falls from ladders",
		On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")})
	if fieldOf(err) != "body.action" {
		t.Errorf("require_action_plan of a SMALL certificate (SMALL has no action_plan pass rule): got %v, want a problem at body.action", err)
	}
	if err != nil {
		return
	}
	clock.set("2026-11-10")
	recorded := false
	for _, prog := range []string{"SMALL", registry.ProgramSECOR} {
		a := registry.Audit{EmployerBN: c.EmployerBN, CP: "ACSA", Type: registry.AuditActionPlan, Program: prog, Certificate: c.ID,
			Auditors: []string{"AUD-0001"}, OnsiteStart: registry.MustDate("2026-10-20"), OnsiteEnd: registry.MustDate("2026-10-21"),
			SubmittedOn: registry.MustDate("2026-11-10"), Overall: 92, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}}
		if _, err := ab.RecordAudit(ctx, acsaAuditor, a); err == nil {
			recorded = true
		} else {
			t.Logf("action plan audit under %s: %v", prog, err)
		}
	}
	clock.set("2026-12-20")
	rep, err := ab.RunLifecycle(ctx, admin, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range rep.Changes {
		if ch.Record == node.RemovalID(r.ID) {
			t.Errorf("action plan audit recordable: %v; lifecycle on 2026-12-20 proposes removal: %s %s", recorded, ch.Rule, ch.Reason)
		}
	}
}

// Review s27-s (finding 1): the same for a full audit: under SMALL its full audit is
// a certification audit (requiredActionTypes(SMALL)), which the employer
// can record; the lifecycle judges it by SECOR (a self-assessment) and
// proposes removal for an action done on time.
func TestSmallProgramFullAuditDoneIsNotSeen(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock, c, r := smallCertificateUnderReview(t)
	if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: registry.ReviewRequireFullAudit, Reason: "falls from ladders",
		On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")}); err != nil {
		t.Fatal(err)
	}
	clock.set("2026-11-10")
	a := registry.Audit{EmployerBN: c.EmployerBN, CP: "ACSA", Type: registry.AuditCertification, Program: "SMALL", Certificate: c.ID, DocMonths: 12,
		Auditors: []string{"AUD-0001"}, OnsiteStart: registry.MustDate("2026-10-20"), OnsiteEnd: registry.MustDate("2026-10-21"),
		SubmittedOn: registry.MustDate("2026-11-10"), Overall: 92, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}}
	ae, err := ab.RecordAudit(ctx, acsaAuditor, a)
	if err != nil {
		t.Fatalf("set-up: the SMALL holder's certification audit: %v", err)
	}
	if got, _ := node.Decode[registry.Audit](ae); !got.Passed {
		t.Fatalf("set-up: audit did not pass: %+v", got.Reasons)
	}
	clock.set("2026-12-20")
	rep, err := ab.RunLifecycle(ctx, admin, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range rep.Changes {
		if ch.Record == node.RemovalID(r.ID) {
			t.Errorf("full audit (SMALL certification audit, passed, on site 2026-10-21, due 2026-10-30) done; lifecycle proposes removal: %s %s", ch.Rule, ch.Reason)
		}
	}
}

// smallCertificateUnderReview records a SECOR certificate under the SMALL
// definition (issued 2026-01-05) on a node whose clock it sets, and opens
// an Employer Review of it on 2026-09-10, after a serious injury.
func smallCertificateUnderReview(t *testing.T) (*nodetest.Node, *movingClock, registry.Certificate, registry.Review) {
	t.Helper()
	ctx := context.Background()
	ab, clock := clockedNode(t)
	clock.set("2026-09-01")
	e, err := ab.CreateCertificate(ctx, acsaAuditor, node.NewCertificate{Issuer: "ACSA", Number: "SM1", Program: registry.ProgramSECOR,
		ProgramDefinition: "SMALL", EmployerBN: "864201355", IssuedOn: registry.MustDate("2026-01-05")})
	if err != nil {
		t.Fatalf("set-up: SECOR certificate under the SMALL definition: %v", err)
	}
	c, _ := node.Decode[registry.Certificate](e)
	if c.ProgramDefinition != "SMALL" {
		t.Fatalf("set-up: program_definition %q", c.ProgramDefinition)
	}
	clock.set("2026-09-10")
	r, _, err := ab.OpenReview(ctx, nodetest.Admin(), node.NewReview{EmployerBN: c.EmployerBN, Certificate: c.ID, Trigger: registry.TriggerSeriousInjury,
		OccurredOn: registry.MustDate("2026-09-01"), OpenedOn: registry.MustDate("2026-09-03")})
	if err != nil {
		t.Fatal(err)
	}
	return ab, clock, c, r
}
