package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestExpectationHoldsWhereWritesAreOrdered: writers that all read version
// v and write with that expectation at once: exactly one commits, every
// other is refused with ErrPrecondition, whatever batch it lands in; a
// write to another record under the same expectation is not affected;
// version 0 means "must not exist".
func TestExpectationHoldsWhereWritesAreOrdered(t *testing.T) {
	tn := newTestNode(t, true)
	ctx := context.Background()
	c, err := tn.CreateCertificate(ctx, testAdmin, testCert("812345676", "cond-1"))
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		cur, err := tn.Record(ctx, registry.KindCertificate, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		x := WithExpectation(ctx, Expectation{Kind: registry.KindCertificate, ID: c.ID, Ver: cur.Ver})
		const writers = 16
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				// Each writer's change differs from the record as it stands
				// (an update to what it already says writes nothing).
				sector := []string{"construction", "roofing"}[i%2]
				scope := []string{fmt.Sprintf("2362%02d", round*writers+i)}
				_, errs[i] = tn.UpdateCertificate(x, testAdmin, c.ID, CertificateUpdate{Sector: sector, IndustryScope: scope})
			})
		}
		wg.Wait()
		landed := 0
		for _, err := range errs {
			switch {
			case err == nil:
				landed++
			case !errors.Is(err, registry.ErrPrecondition):
				t.Fatalf("round %d: %v, want nil or ErrPrecondition", round, err)
			}
		}
		after, err := tn.Record(ctx, registry.KindCertificate, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if landed != 1 || after.Ver != cur.Ver+1 {
			t.Fatalf("round %d: %d of %d writes landed, version %d -> %d; want exactly one", round, landed, writers, cur.Ver, after.Ver)
		}
	}

	// The expectation names one record: another is written as usual.
	x := WithExpectation(ctx, Expectation{Kind: registry.KindCertificate, ID: c.ID, Ver: 1})
	if _, err := tn.CreateCertificate(x, testAdmin, testCert("812345676", "cond-2")); err != nil {
		t.Errorf("a write to another record under the expectation: %v", err)
	}
	// Version 0: the record must not exist.
	none := WithExpectation(ctx, Expectation{Kind: registry.KindCertificate, ID: c.ID, Ver: 0})
	if _, err := tn.UpdateCertificate(none, testAdmin, c.ID, CertificateUpdate{Sector: "roofing"}); !errors.Is(err, registry.ErrPrecondition) {
		t.Errorf("version 0 on a record that exists: %v, want ErrPrecondition", err)
	}
}
