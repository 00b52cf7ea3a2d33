package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestRefundStaysWithheldWhenTheReviewEndsTheCOR: the PIR refund is
// withheld while an Employer Review is open, and released only when the
// review closes with the COR kept (close). A review that ends with the
// COR suspended or revoked keeps it withheld: the record the PIR side
// reads must not tell it to pay an employer the review found unfit.
func TestRefundStaysWithheldWhenTheReviewEndsTheCOR(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for _, action := range []string{registry.ReviewSuspend, registry.ReviewRevoke, registry.ReviewClose} {
		ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
		r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
			OccurredOn: registry.MustDate("2026-11-01"), OpenedOn: registry.MustDate("2026-11-03")})
		if err != nil {
			t.Fatal(err)
		}
		got, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: action, Reason: "fatality: fall protection absent", On: registry.MustDate("2026-11-20")})
		if err != nil {
			t.Fatal(err)
		}
		if want := action != registry.ReviewClose; got.RefundWithheld != want {
			v, _ := ab.Certificate(ctx, "ACSA-20250417", registry.Date{})
			t.Errorf("review closed with %s: status %s, outcome %s, refund_withheld %t; certificate ACSA-20250417 is %s",
				action, got.Status, got.Outcome, got.RefundWithheld, v.Certificate.Status)
		}
	}
}
