package node_test

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReviewStepRefusedByExpectationWritesNothing: the edge passes the
// review's version to the pipeline (WithExpectation). If another step on
// the review lands between the edge's check and this step's commit, the
// step is refused with nothing written: a suspend step suspended the
// certificate first and was refused only at the review's commit, leaving
// the certificate suspended and the review as it was.
func TestReviewStepRefusedByExpectationWritesNothing(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	r, e, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
		OccurredOn: registry.MustDate("2026-06-01"), OpenedOn: registry.MustDate("2026-06-01")})
	if err != nil {
		t.Fatal(err)
	}
	read := e.Ver // what clerk B's edge check saw
	// Clerk A's step lands first.
	if _, err := ab.ActOnReview(ctx, admin, r.ID, node.ReviewRequest{Action: "require_full_audit", Reason: "x",
		On: registry.MustDate("2026-06-02"), DueOn: registry.MustDate("2026-08-01")}); err != nil {
		t.Fatal(err)
	}
	size, _ := ab.Size(ctx)
	// Clerk B's suspend, carrying the version its edge check read.
	x := node.WithExpectation(ctx, node.Expectation{Kind: registry.KindReview, ID: r.ID, Ver: read})
	_, err = ab.ActOnReview(x, admin, r.ID, node.ReviewRequest{Action: "suspend", Reason: "fatality", On: registry.MustDate("2026-06-03")})
	if !errors.Is(err, registry.ErrPrecondition) {
		t.Fatalf("got %v, want ErrPrecondition", err)
	}
	v, _ := ab.Certificate(ctx, "ACSA-20250417", registry.Date{})
	after, _ := ab.Size(ctx)
	if v.Certificate.Status != registry.StatusActive || after != size {
		t.Fatalf("refused with ErrPrecondition (HTTP 412), yet %d entries were written and the certificate is now %s", after-size, v.Certificate.Status)
	}
}
