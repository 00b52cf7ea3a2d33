package node_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReviewStepDatedAfterToday: a review step, like the review's opening,
// is refused when dated after today (a close "on 2027-06-01" recorded on
// 2026-11-25 would release the withheld PIR refund today on a promise),
// naming body.on, with nothing written.
func TestReviewStepDatedAfterToday(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
		OccurredOn: registry.MustDate("2026-11-01"), OpenedOn: registry.MustDate("2026-11-02")})
	if err != nil {
		t.Fatal(err)
	}
	before := feedSize(t, ab)
	for _, rq := range []node.ReviewRequest{
		{Action: registry.ReviewClose, Reason: "closed ahead", On: registry.MustDate("2027-06-01")},
		{Action: registry.ReviewRevoke, Reason: "revoked ahead", On: registry.MustDate("2026-11-26")},
		{Action: registry.ReviewRequireActionPlan, Reason: "plan ahead", On: registry.MustDate("2026-12-01"), DueOn: registry.MustDate("2027-01-31")},
	} {
		got, err := ab.ActOnReview(ctx, admin, r.ID, rq)
		if err == nil {
			t.Errorf("%s dated %s recorded on 2026-11-25 was accepted: status %s, closed_on %s, refund_withheld %v", rq.Action, rq.On, got.Status, got.ClosedOn, got.RefundWithheld)
		} else if fieldOf(err) != "body.on" {
			t.Errorf("%s dated %s: refused at %q (%v), want body.on", rq.Action, rq.On, fieldOf(err), err)
		}
	}
	if got := feedSize(t, ab); got != before {
		t.Errorf("refused steps wrote %d entries", got-before)
	}
	if v, _ := ab.Certificate(ctx, "ACSA-20250417", registry.Date{}); v.Certificate.Status != registry.StatusActive {
		t.Errorf("certificate is %s after a refused revocation", v.Certificate.Status)
	}
	if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: registry.ReviewClose, Reason: "closed", On: registry.MustDate("2026-11-25")}); err != nil {
		t.Errorf("close dated today: %v", err)
	}
}

// TestRemovalDecisionDatedOutsideItsTime: a decision on the seeded
// proposal RM-ER-ACSA-20250314-20260414 dated before the proposal (one on
// 2025-06-01 would revoke the certificate from a day before any review
// existed) or after today is refused at body.on, with nothing written;
// one dated on the proposal's day is accepted.
func TestRemovalDecisionDatedOutsideItsTime(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	const id = "RM-ER-ACSA-20250314-20260414"
	e, err := ab.Record(ctx, registry.KindRemoval, id)
	if err != nil {
		t.Fatal(err)
	}
	var cur registry.Removal
	if err := json.Unmarshal(e.Record, &cur); err != nil {
		t.Fatal(err)
	}
	before := feedSize(t, ab)
	for _, on := range []registry.Date{registry.MustDate("2025-06-01"), cur.ProposedOn.AddDays(-1), registry.MustDate("2026-11-26")} {
		rm, err := ab.DecideRemoval(ctx, nodetest.Admin(), id, node.RemovalRequest{Decision: "confirm", Reason: "persistent non-performer", On: on})
		if err == nil {
			t.Errorf("decision dated %s on a proposal of %s accepted: %s", on, rm.ProposedOn, rm.Status)
		} else if fieldOf(err) != "body.on" {
			t.Errorf("decision dated %s: refused at %q (%v), want body.on", on, fieldOf(err), err)
		}
	}
	if got := feedSize(t, ab); got != before {
		t.Errorf("refused decisions wrote %d entries", got-before)
	}
	if v, _ := ab.Certificate(ctx, "ACSA-20250314", registry.Date{}); v.Certificate.Status == registry.StatusRevoked {
		t.Errorf("ACSA-20250314 revoked by a refused decision")
	}
	rm, err := ab.DecideRemoval(ctx, nodetest.Admin(), id, node.RemovalRequest{Decision: "reject", Reason: "reviewed", On: cur.ProposedOn})
	if err != nil || rm.Status != registry.RemovalRejected {
		t.Errorf("decision dated on the proposal's day (%s): %s %v", cur.ProposedOn, rm.Status, err)
	}
}
