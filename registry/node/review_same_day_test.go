package node_test

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReviewsOfOneCertificateTheSameDay: two different Employer Reviews of
// one certificate opened the same day (a fatality and a serious injury, or
// the same trigger on two occurrences) are both recorded: the first keeps
// the id ER-CERT-YYYYMMDD every review had, the next ones take -2, -3. The
// same request sent again (same trigger, occurrence and reason) is refused
// as before (409, it already exists), with nothing written.
func TestReviewsOfOneCertificateTheSameDay(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	review := func(trigger, occurred, reason string) node.NewReview {
		return node.NewReview{EmployerBN: "812345676", Certificate: "ACSA-20250417", Trigger: trigger,
			OccurredOn: registry.MustDate(occurred), OpenedOn: registry.MustDate("2026-11-02"), Reason: reason}
	}
	for _, tc := range []struct {
		name     string
		in       node.NewReview
		id       string // "" when refused as already existing
		conflict bool
	}{
		{"first", review(registry.TriggerFatality, "2026-11-01", ""), "ER-ACSA-20250417-20261102", false},
		{"another trigger the same day", review(registry.TriggerSeriousInjury, "2026-11-01", ""), "ER-ACSA-20250417-20261102-2", false},
		{"the first sent again", review(registry.TriggerFatality, "2026-11-01", ""), "", true},
		{"the second sent again", review(registry.TriggerSeriousInjury, "2026-11-01", ""), "", true},
		{"the same trigger, another occurrence", review(registry.TriggerSeriousInjury, "2026-10-30", ""), "ER-ACSA-20250417-20261102-3", false},
		{"the same trigger and day, another reviewer's reason", review(registry.TriggerFatality, "2026-11-01", "reported by the WCB"), "ER-ACSA-20250417-20261102-4", false},
		{"that one sent again", review(registry.TriggerFatality, "2026-11-01", "reported by the WCB"), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := feedSize(t, ab)
			r, _, err := ab.OpenReview(ctx, admin, tc.in)
			if tc.conflict {
				if !errors.Is(err, registry.ErrConflict) {
					t.Fatalf("sent again: %v (id %s), want a conflict", err, r.ID)
				}
				if got := feedSize(t, ab); got != before {
					t.Errorf("a refused resubmission wrote %d entries", got-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.ID != tc.id {
				t.Errorf("id %s, want %s", r.ID, tc.id)
			}
			e, err := ab.Record(ctx, registry.KindReview, tc.id)
			if err != nil || e.Ver != 1 {
				t.Errorf("review %s: %v (ver %d)", tc.id, err, e.Ver)
			}
		})
	}
}
