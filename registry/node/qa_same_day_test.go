package node_test

import (
	"context"
	"errors"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestQAReviewsOfOneAuditorTheSameDay: two On-Site Audit Reviews of one
// auditor's two audits done the same day are both recorded (the id is
// kind, auditor and date: the second got 409); the first keeps the id
// every review had, the next takes -2. The same review sent again is
// refused as before, with nothing written; an id the sender gives is
// used as it is.
func TestQAReviewsOfOneAuditorTheSameDay(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	osar := func(audit, findings string) registry.QAReview {
		return registry.QAReview{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: audit, CP: "ACSA", On: registry.MustDate("2026-06-01"),
			Outcome: registry.QASatisfactory, Findings: findings}
	}
	const a1, a2 = "AUD-ACSA-731551222-20230616-certification", "AUD-ACSA-742662331-20250314-certification"
	for _, tc := range []struct {
		name     string
		q        registry.QAReview
		id       string
		conflict bool
	}{
		{"first", osar(a1, "fine"), "QA-osar-AUD-0001-20260601", false},
		{"another audit the same day", osar(a2, "fine"), "QA-osar-AUD-0001-20260601-2", false},
		{"the first sent again", osar(a1, "fine"), "", true},
		{"the second sent again", osar(a2, "fine"), "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := feedSize(t, ab)
			e, err := ab.RecordQAReview(ctx, admin, tc.q)
			if tc.conflict {
				if !errors.Is(err, registry.ErrConflict) {
					t.Fatalf("sent again: %v (id %s), want a conflict", err, e.ID)
				}
				if got := feedSize(t, ab); got != before {
					t.Errorf("a refused resubmission wrote %d entries", got-before)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.ID != tc.id {
				t.Errorf("id %s, want %s", e.ID, tc.id)
			}
		})
	}
}
