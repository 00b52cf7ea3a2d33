package node_test

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestSECORHolderCanMeetTheReviewsRequiredAction: an Employer Review of a
// SECOR holder (ACSA-S20260112) that requires an action plan or a full
// audit can be met under the SECOR program: its action plan audit is
// recorded (SECOR's pass rule for action_plan, 80/50 as its
// self-assessment), and a full audit is its certifying audit, the
// self-assessment (SECOR has no certification pass rule). Done on time, the
// lifecycle proposes no removal for an overdue action; not done, it does.
// An audit under program COR naming the SECOR certificate stays refused.
func TestSECORHolderCanMeetTheReviewsRequiredAction(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, tc := range []struct {
		name     string
		action   string // the review step
		audit    string // the audit type recorded, "" for none
		proposed bool   // the lifecycle proposes removal for an overdue action
	}{
		{"action plan done", registry.ReviewRequireActionPlan, registry.AuditActionPlan, false},
		{"full audit done (self-assessment)", registry.ReviewRequireFullAudit, registry.AuditSelfAssessment, false},
		{"action plan not done", registry.ReviewRequireActionPlan, "", true},
		{"full audit met by an action plan only", registry.ReviewRequireFullAudit, registry.AuditActionPlan, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ab, clock := clockedNode(t)
			clock.set("2026-09-10")
			r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "864201355", Certificate: "ACSA-S20260112", Trigger: registry.TriggerSeriousInjury,
				OccurredOn: registry.MustDate("2026-09-01"), OpenedOn: registry.MustDate("2026-09-03")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: tc.action, Reason: "falls from ladders",
				On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")}); err != nil {
				t.Fatal(err)
			}
			clock.set("2026-11-10")
			audit := func(program, typ string) registry.Audit {
				docs := 0
				if typ == registry.AuditSelfAssessment {
					docs = 12 // a certifying audit states its months of documentation
				}
				return registry.Audit{DocMonths: docs, EmployerBN: "864201355", CP: "ACSA", Type: typ, Program: program, Certificate: "ACSA-S20260112",
					Auditors: []string{"AUD-0001"}, OnsiteStart: registry.MustDate("2026-10-20"), OnsiteEnd: registry.MustDate("2026-10-21"),
					SubmittedOn: registry.MustDate("2026-11-10"), Overall: 92, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}}
			}
			if _, err := ab.RecordAudit(ctx, acsaAuditor, audit("COR", registry.AuditActionPlan)); err == nil {
				t.Errorf("an action plan audit under program COR naming the SECOR certificate was recorded")
			}
			if tc.audit != "" {
				if _, err := ab.RecordAudit(ctx, acsaAuditor, audit("SECOR", tc.audit)); err != nil {
					t.Fatalf("the SECOR holder's %s audit (92%%, on site before the due date) is refused: %v", tc.audit, err)
				}
			}
			clock.set("2026-12-20")
			rep, err := ab.RunLifecycle(ctx, admin, true)
			if err != nil {
				t.Fatal(err)
			}
			proposed := false
			for _, ch := range rep.Changes {
				if ch.Record == node.RemovalID(r.ID) {
					proposed = true
					if !tc.proposed {
						t.Errorf("lifecycle on 2026-12-20: %s %s: %s", ch.Action, ch.Rule, ch.Reason)
					}
				}
			}
			if tc.proposed && !proposed {
				t.Errorf("lifecycle on 2026-12-20: no removal proposal for the required %s not done", tc.action)
			}
		})
	}
}

// TestReviewRefusesAnActionTheProgramCannotRecord: where the certificate's
// program has no pass rule for the audit a step requires (a SECOR program
// published as before, without one for action_plan audits), the step is
// refused at body.action: its holder could never meet it.
func TestReviewRefusesAnActionTheProgramCannotRecord(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	ab, clock := clockedNode(t)
	prog, err := ab.Program(ctx, "SECOR")
	if err != nil {
		t.Fatal(err)
	}
	for i := range prog.PassRules {
		prog.PassRules[i].Types = []string{prog.PassRules[i].Types[0]} // self_assessment, maintenance: as published before
	}
	if _, err := ab.PublishProgram(ctx, admin, prog); err != nil {
		t.Fatalf("the SECOR program as published before (no action_plan pass rule) no longer validates: %v", err)
	}
	clock.set("2026-09-10")
	r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "864201355", Certificate: "ACSA-S20260112", Trigger: registry.TriggerSeriousInjury,
		OccurredOn: registry.MustDate("2026-09-01"), OpenedOn: registry.MustDate("2026-09-03")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: registry.ReviewRequireActionPlan, Reason: "falls from ladders",
		On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")})
	var ve *registry.ValidationError
	if !errors.As(err, &ve) || ve.Field != "body.action" {
		t.Fatalf("require_action_plan under a SECOR program with no action_plan pass rule: got %v, want a problem at body.action", err)
	}
	// A full audit, its self-assessment, it can record.
	if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: registry.ReviewRequireFullAudit, Reason: "falls from ladders",
		On: registry.MustDate("2026-09-10"), DueOn: registry.MustDate("2026-10-30")}); err != nil {
		t.Fatalf("require_full_audit: %v", err)
	}
}
