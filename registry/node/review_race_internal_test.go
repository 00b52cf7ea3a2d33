package node

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestReviewOfACertificateCancelledMeanwhile: a certificate cancelled
// between the review's check of it and the review's write is not
// reviewed (review s22-g: the check read the certificate outside the
// commit).
func TestReviewOfACertificateCancelledMeanwhile(t *testing.T) {
	tn := newTestNode(t, true)
	ctx := context.Background()
	testHookReviewChecked = func() {
		testHookReviewChecked = nil
		if _, err := tn.ChangeStatus(ctx, testAdmin, "ACSA-20250417", StatusRequest{Action: registry.ActionCancel, Reason: "cancelled meanwhile"}); err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(func() { testHookReviewChecked = nil })
	size, _ := tn.Size(ctx)
	_, _, err := tn.OpenReview(ctx, testAdmin, NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: registry.TriggerFatality,
		OccurredOn: tn.Today(), OpenedOn: tn.Today()})
	var ve *registry.ValidationError
	if !errors.As(err, &ve) || ve.Field != "body.certificate" {
		t.Errorf("review of a certificate cancelled meanwhile: %v, want refused at body.certificate", err)
	}
	if after, _ := tn.Size(ctx); after != size+1 { // the cancellation only
		t.Errorf("the feed grew by %d entries, want 1 (the cancellation)", after-size)
	}
}
