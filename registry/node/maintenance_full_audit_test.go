package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestMaintenanceYearDoneByAFullAudit: ACSA-20250314's year 3 runs
// 2026-03-15..2027-03-14. An Employer Review opened on 2026-11-25 requires
// a full external audit by 2027-02-28 (the repeat rule).
// A passing certification or recertification audit naming the
// certificate, on site 2027-02-01..03 inside year 3, is the full external
// audit the review asked for and also maintains the year: the run of
// 2027-04-29 leaves the COR alone and its year 3 reads done. An action
// plan audit is narrower than a maintenance audit and does not: the COR
// is cancelled from 2027-03-15.
func TestMaintenanceYearDoneByAFullAudit(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, tc := range []struct {
		typ, require string
		maintained   bool
	}{
		{registry.AuditRecertification, registry.ReviewRequireFullAudit, true},
		{registry.AuditCertification, registry.ReviewRequireFullAudit, true},
		{registry.AuditActionPlan, registry.ReviewRequireFullAudit, false}, // the repeat rule requires a full audit; the employer did an action plan audit
	} {
		t.Run(tc.typ, func(t *testing.T) {
			ab, clock := clockedNode(t)
			clock.set("2026-11-25")
			r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "742662331", Certificate: "ACSA-20250314", Trigger: registry.TriggerSeriousInjury,
				OccurredOn: registry.MustDate("2026-11-20"), OpenedOn: registry.MustDate("2026-11-25")})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: tc.require, Reason: "second trigger",
				On: registry.MustDate("2026-11-25"), DueOn: registry.MustDate("2027-02-28")}); err != nil {
				t.Fatal(err)
			}
			clock.set("2027-02-10")
			a := registry.Audit{EmployerBN: "742662331", CP: "ACSA", Type: tc.typ, Program: "COR", Certificate: "ACSA-20250314",
				Auditors: []string{"AUD-0001"}, OnsiteStart: registry.MustDate("2027-02-01"), OnsiteEnd: registry.MustDate("2027-02-03"),
				SubmittedOn: registry.MustDate("2027-02-10"), DocMonths: 24, Overall: 88,
				Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 85}, {Element: "inspections", Score: 90}}}
			e, err := ab.RecordAudit(ctx, acsaAuditor, a)
			if err != nil {
				t.Fatal(err)
			}
			if au, _ := node.Decode[registry.Audit](e); !au.Passed {
				t.Fatalf("set-up: the %s audit did not pass: %+v", tc.typ, au.Reasons)
			}
			clock.set("2027-04-29")
			rep, err := ab.RunLifecycle(ctx, admin, false)
			if err != nil {
				t.Fatal(err)
			}
			cancelled := false
			for _, ch := range rep.Changes {
				if ch.Record == "ACSA-20250314" && ch.Action == registry.ActionCancel {
					cancelled = true
					if tc.maintained {
						t.Errorf("lifecycle on 2027-04-29: cancel from %s [%s]: %s; the passing %s audit (88%%) was on site 2027-02-01..03, inside year 3",
							ch.EffectiveOn, ch.Rule, ch.Reason, tc.typ)
					}
				}
			}
			if !tc.maintained && !cancelled {
				t.Errorf("an action plan audit counted as year 3's maintenance: no cancellation (changes %+v)", rep.Changes)
			}
			v, err := ab.Certificate(ctx, "ACSA-20250314", registry.Date{})
			if err != nil {
				t.Fatal(err)
			}
			pr, err := ab.CertificateProgram(ctx, v.Certificate, registry.MustDate("2027-04-29"))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range pr.Maintenance {
				if s.Year == 3 && (s.State == node.MaintenanceDone) != tc.maintained {
					t.Errorf("year 3 is %s (audit %q), want done=%v", s.State, s.Audit, tc.maintained)
				}
			}
		})
	}
}
