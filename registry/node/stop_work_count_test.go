package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestStopWorkOrdersCountedOnceAcrossCertificates: two stop-work orders
// of Prairie Steel in 2025 opened a review of its COR ACSA-20250417, which
// was then revoked. The employer is certified again (ACSA-20261101). One
// more order, on 2026-11-20, is alone in its 12 months: the 2025 orders
// were counted by the first review (whatever its certificate), so no
// review of the new certificate opens, and nothing but the order is
// written.
func TestStopWorkOrdersCountedOnceAcrossCertificates(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	order := func(num, on string) registry.StopWorkOrder {
		return registry.StopWorkOrder{EmployerBN: "812345676", Number: num, IssuedOn: registry.MustDate(on), IssuedBy: "Alberta OHS"}
	}
	// ACSA-20250417 was issued on 2025-03-14.
	if _, err := ab.RecordStopWorkOrder(ctx, admin, order("SW1", "2025-04-10")); err != nil {
		t.Fatal(err)
	}
	res, err := ab.RecordStopWorkOrder(ctx, admin, order("SW2", "2025-06-10"))
	if err != nil || res.Review == "" {
		t.Fatalf("set-up: the second order opened no review: %+v %v", res, err)
	}
	if _, err := ab.ActOnReview(ctx, admin, res.Review, node.ReviewRequest{Action: registry.ReviewRevoke, Reason: "repeated stop-work orders",
		On: registry.MustDate("2026-11-25")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "20261101", Program: "COR", EmployerBN: "812345676",
		Sector: "construction", Basis: registry.BasisAudit, BasisRef: "ACSA-CERT-2026-11", IssuedOn: registry.MustDate("2026-11-12"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	before := feedSize(t, ab)
	res, err = ab.RecordStopWorkOrder(ctx, admin, order("SW3", "2026-11-20"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Review != "" || res.Counted != 0 {
		r, _ := ab.Review(ctx, res.Review)
		t.Errorf("one order on 2026-11-20 opened review %q of %s counting orders %v (counted %d, occurred %s): SW1 and SW2 were counted by the review that revoked ACSA-20250417",
			res.Review, r.Certificate, r.Orders, res.Counted, r.OccurredOn)
	}
	if got := feedSize(t, ab); got != before+1 {
		t.Errorf("recording one order that opens no review wrote %d entries, want 1", got-before)
	}
	// Nor may the administrator open one on them by hand.
	_, _, err = ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20261101", Trigger: registry.TriggerStopWorkOrders,
		OccurredOn: registry.MustDate("2026-11-20"), OpenedOn: registry.MustDate("2026-11-21")})
	if fieldOf(err) != "body.trigger" {
		t.Errorf("a stop_work_orders review of ACSA-20261101 on orders already counted: got %v, want a problem at body.trigger", err)
	}
}

// TestStopWorkOrdersBeforeTheCertificate: an order issued before the
// certificate under review was issued does not count toward a review of
// it. ACSA-20250417 is revoked (not on stop-work orders) after one order
// on 2026-06-01; the new certificate ACSA-20261101 is issued on
// 2026-11-12; one order on 2026-11-20 is the only one of the new
// certificate's time, and opens no review.
func TestStopWorkOrdersBeforeTheCertificate(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	order := func(num, on string) registry.StopWorkOrder {
		return registry.StopWorkOrder{EmployerBN: "812345676", Number: num, IssuedOn: registry.MustDate(on), IssuedBy: "Alberta OHS"}
	}
	if res, err := ab.RecordStopWorkOrder(ctx, admin, order("SW1", "2026-06-01")); err != nil || res.Review != "" {
		t.Fatalf("set-up: %+v %v", res, err)
	}
	if _, err := ab.ChangeStatus(ctx, admin, "ACSA-20250417", node.StatusRequest{Action: registry.ActionRevoke, Reason: "fatality review", On: registry.MustDate("2026-10-01")}); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: "20261101", Program: "COR", EmployerBN: "812345676",
		Sector: "construction", Basis: registry.BasisAudit, BasisRef: "ACSA-CERT-2026-11", IssuedOn: registry.MustDate("2026-11-12"), TermMonths: 36}); err != nil {
		t.Fatal(err)
	}
	res, err := ab.RecordStopWorkOrder(ctx, admin, order("SW2", "2026-11-20"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Review != "" {
		r, _ := ab.Review(ctx, res.Review)
		t.Errorf("review %s of %s opened counting %v: SW1 was issued before ACSA-20261101", r.ID, r.Certificate, r.Orders)
	}
}
