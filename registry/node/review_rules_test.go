package node_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestConcurrentReviewsSeeTheRepeatRule: reviews of one employer opened at
// once all see each other. One after another, every review after the
// first within 24 months requires a full audit (review.repeat); opened
// together, several read the feed before the others landed and opened as
// first reviews, each allowing an action plan.
func TestConcurrentReviewsSeeTheRepeatRule(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	const n = 32
	for round := range 8 {
		bn := nodetest.BN(900 + round)
		if _, err := ab.PutEmployer(ctx, admin, registry.Employer{BN: bn, LegalName: fmt.Sprint("Race Builders ", round)}, true); err != nil {
			t.Fatal(err)
		}
		for i := range n {
			if _, err := ab.CreateCertificate(ctx, admin, node.NewCertificate{Issuer: "ACSA", Number: fmt.Sprintf("RV%d-%d", round, i), Program: "COR",
				EmployerBN: bn, IssuedOn: registry.MustDate("2026-01-10")}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		repeat := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				<-start
				r, _, err := ab.OpenReview(ctx, admin, node.NewReview{EmployerBN: bn, Certificate: fmt.Sprintf("ACSA-RV%d-%d", round, i), Trigger: "serious_injury",
					OccurredOn: registry.MustDate("2026-11-01"), OpenedOn: registry.MustDate("2026-11-10")})
				repeat[i], errs[i] = r.FullAuditRequired, err
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		if first := n - count(repeat, true); first != 1 {
			t.Fatalf("round %d: %d of %d reviews of one employer opened on one day were first reviews, want 1", round, first, n)
		}
	}
}

func count[T comparable](xs []T, x T) int {
	c := 0
	for _, y := range xs {
		if y == x {
			c++
		}
	}
	return c
}

// TestReviewOfWhatCannotBeReviewed: a review withholds a refund and counts
// toward the repeat and removal rules, so it is of a certificate that may
// still hold, on a day it existed, no later than today; a stop-work order
// counts from the day it was issued, no later than today. Each was stored.
func TestReviewOfWhatCannotBeReviewed(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	for _, tc := range []struct {
		name       string
		in         node.NewReview
		wantFields []string
	}{
		{"a revoked certificate", node.NewReview{EmployerBN: "711223347", Certificate: "ACSA-20231105", Trigger: "fatality",
			OccurredOn: registry.MustDate("2026-11-01"), OpenedOn: registry.MustDate("2026-11-03")}, []string{"body.certificate"}},
		{"opened in the future", node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
			OccurredOn: registry.MustDate("2027-11-01"), OpenedOn: registry.MustDate("2027-11-03")}, []string{"body.opened_on", "body.occurred_on"}},
		{"before the certificate was issued", node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: "fatality",
			OccurredOn: registry.MustDate("2020-11-01"), OpenedOn: registry.MustDate("2020-11-03")}, []string{"body.opened_on"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if c, err := ab.Certificate(ctx, tc.in.Certificate, registry.Date{}); err != nil || c.Certificate.EmployerBN != tc.in.EmployerBN {
				t.Fatalf("set-up: %s is not %s's (%v)", tc.in.Certificate, tc.in.EmployerBN, err)
			}
			before := feedSize(t, ab)
			_, _, err := ab.OpenReview(ctx, admin, tc.in)
			if got := registry.Fields(err); !slices.Equal(got, tc.wantFields) {
				t.Errorf("got %v (%v), want %v", got, err, tc.wantFields)
			}
			if feedSize(t, ab) != before {
				t.Error("a refused review was stored")
			}
		})
	}
	before := feedSize(t, ab)
	_, err := ab.RecordStopWorkOrder(ctx, admin, registry.StopWorkOrder{EmployerBN: "812345676", Number: "F1", IssuedOn: registry.MustDate("2028-01-01"), IssuedBy: "Alberta OHS"})
	if fieldOf(err) != "body.issued_on" || feedSize(t, ab) != before {
		t.Errorf("a stop-work order dated 2028: %v, want refused at body.issued_on", err)
	}
}

// TestStopWorkOnAFinalCertificate: a stop-work order naming a certificate
// that is over (here cancelled) is recorded with a note and no review, as
// when the employer has no live certificate; it answered an error after
// the order was written, and a retry was a conflict.
func TestStopWorkOnAFinalCertificate(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	if _, err := ab.ChangeStatus(ctx, admin, "ACSA-20250417", node.StatusRequest{Action: registry.ActionCancel, Reason: "cancelled"}); err != nil {
		t.Fatal(err)
	}
	order := func(num, on string) registry.StopWorkOrder {
		return registry.StopWorkOrder{EmployerBN: "812345676", Certificate: "ACSA-20250417", Number: num, IssuedOn: registry.MustDate(on), IssuedBy: "Alberta OHS"}
	}
	if _, err := ab.RecordStopWorkOrder(ctx, admin, order("SW1", "2026-11-01")); err != nil {
		t.Fatal(err)
	}
	res, err := ab.RecordStopWorkOrder(ctx, admin, order("SW2", "2026-11-02"))
	if err != nil || res.Review != "" || !strings.Contains(res.Note, "cancelled") || !strings.Contains(res.NoteFR, "annulé") {
		t.Errorf("second order: %+v, %v; want it recorded, with a note that the certificate is cancelled and no review", res, err)
	}
}

// TestConcurrentStopWorkOrders: two stop-work orders recorded at once,
// each reaching the count: both are written, one opens the review and the
// other is answered as recorded, not with the error of opening the same
// review twice.
func TestConcurrentStopWorkOrders(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	for round := range 10 {
		ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
		order := func(num, on string) registry.StopWorkOrder {
			return registry.StopWorkOrder{EmployerBN: "812345676", Number: num, IssuedOn: registry.MustDate(on), IssuedBy: "Alberta OHS"}
		}
		if _, err := ab.RecordStopWorkOrder(ctx, admin, order("SW1", "2026-11-01")); err != nil {
			t.Fatal(err)
		}
		errs := make([]error, 2)
		done := make(chan int)
		for i := range 2 {
			go func() {
				_, errs[i] = ab.RecordStopWorkOrder(ctx, admin, order(fmt.Sprint("SWX", i), "2026-11-0"+fmt.Sprint(2+i)))
				done <- i
			}()
		}
		<-done
		<-done
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: orders recorded at once: %v", round, err)
		}
	}
}
