package node_test

import (
	"context"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestRepeatRuleWhateverTheRecordingOrder: two Employer Reviews of one
// employer opened five months apart make the later one need a full
// external audit (rule review.repeat), whichever was recorded first. A
// fatality reported to the program late (review opened 2026-03-02,
// recorded after the review of 2026-08-03, on which an action plan was
// already required) appends a require_full_audit step to the later
// review, naming the new one; an action plan is then refused, with
// nothing written. A review opened outside the window, or closed, is
// left as it was.
func TestRepeatRuleWhateverTheRecordingOrder(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	later, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerSeriousInjury,
		OccurredOn: registry.MustDate("2026-08-01"), OpenedOn: registry.MustDate("2026-08-03")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ab.ActOnReview(ctx, admin, later.ID, node.ReviewRequest{Action: registry.ReviewRequireActionPlan, Reason: "action plan",
		On: registry.MustDate("2026-08-10"), DueOn: registry.MustDate("2026-12-31")}); err != nil {
		t.Fatal(err)
	}
	earlier, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
		OccurredOn: registry.MustDate("2026-03-01"), OpenedOn: registry.MustDate("2026-03-02")})
	if err != nil {
		t.Fatal(err)
	}
	if earlier.FullAuditRequired {
		t.Errorf("the earlier review requires a full audit (%v): no review of the employer was opened within 24 months before it", earlier.Related)
	}
	if ids, err := ab.LaterReviews(ctx, earlier); err != nil || !slices.Equal(ids, []string{later.ID}) {
		t.Errorf("the reviews the late one changed: %v (%v), want [%s]", ids, err, later.ID)
	}
	if ids, err := ab.LaterReviews(ctx, later); err != nil || len(ids) != 0 {
		t.Errorf("the reviews the later one changed: %v (%v), want none", ids, err)
	}
	r, err := ab.Review(ctx, later.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := r.History[len(r.History)-1]
	if !r.FullAuditRequired || r.Rule != "review.repeat" || !slices.Contains(r.Related, earlier.ID) ||
		r.RequiredAction != registry.RequiredFullAudit || r.Status != registry.ReviewActionRequired || !r.DueOn.IsZero() {
		t.Errorf("later review after the earlier one was recorded: full_audit_required %v, rule %q, related %v, required %q, status %q, due %s",
			r.FullAuditRequired, r.Rule, r.Related, r.RequiredAction, r.Status, r.DueOn)
	}
	if last.Action != registry.ReviewRequireFullAudit || last.Rule != "review.repeat" || last.On != registry.MustDate("2026-11-25") || last.ReasonFR == "" {
		t.Errorf("later review's last step: %+v, want require_full_audit under review.repeat, dated today, with a French reason", last)
	}
	before := feedSize(t, ab)
	_, err = ab.ActOnReview(ctx, admin, later.ID, node.ReviewRequest{Action: registry.ReviewRequireActionPlan, Reason: "action plan",
		On: registry.MustDate("2026-11-25"), DueOn: registry.MustDate("2027-01-31")})
	if fieldOf(err) != "body.action" {
		t.Errorf("action plan on the later review: got %v, want a problem at body.action", err)
	}
	if got := feedSize(t, ab); got != before {
		t.Errorf("a refused action plan wrote %d entries", got-before)
	}
	if _, err := ab.ActOnReview(ctx, admin, later.ID, node.ReviewRequest{Action: registry.ReviewRequireFullAudit, Reason: "full external audit",
		On: registry.MustDate("2026-11-25"), DueOn: registry.MustDate("2027-02-28")}); err != nil {
		t.Errorf("full audit on the later review: %v", err)
	}

	// Another employer: a closed later review and one opened 24 months
	// after are not touched.
	bn := nodetest.BN(4711)
	if _, err := ab.PutEmployer(ctx, admin, registry.Employer{BN: bn, LegalName: "Window Builders"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "WB1", Program: "COR", EmployerBN: bn,
		IssuedOn: registry.MustDate("2024-01-10")}); err != nil {
		t.Fatal(err)
	}
	open := func(on string) registry.Review {
		t.Helper()
		r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: bn, Certificate: "ACSA-WB1", Trigger: registry.TriggerSeriousInjury,
			OccurredOn: registry.MustDate(on), OpenedOn: registry.MustDate(on)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	closed := open("2026-06-01")
	if _, err := ab.ActOnReview(ctx, admin, closed.ID, node.ReviewRequest{Action: registry.ReviewClose, Reason: "no further action", On: registry.MustDate("2026-07-01")}); err != nil {
		t.Fatal(err)
	}
	far := open("2026-11-20")
	if _, err := ab.ActOnReview(ctx, admin, closed.ID, node.ReviewRequest{Action: registry.ReviewClose, Reason: "x", On: registry.MustDate("2026-11-25")}); err == nil {
		t.Fatal("set-up: closed review accepted a step")
	}
	closedBefore, _ := ab.Review(ctx, closed.ID)
	farBefore, _ := ab.Review(ctx, far.ID)
	open("2024-11-20") // exactly 24 months before far; before closed
	if r, _ := ab.Review(ctx, closed.ID); len(r.History) != len(closedBefore.History) || r.FullAuditRequired {
		t.Errorf("closed review changed: %+v", r)
	}
	if r, _ := ab.Review(ctx, far.ID); len(r.History) != len(farBefore.History) || r.FullAuditRequired != farBefore.FullAuditRequired {
		t.Errorf("review opened exactly 24 months after changed: %+v", r)
	}
}
