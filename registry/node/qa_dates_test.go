package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestQAReviewDates: a QA review is recorded once it is done: one dated
// after today is refused at body.on (an unsatisfactory OSAR counts toward
// the auditor's suspension from its date), and so is an OSAR dated before
// the audit it reviews was on site; nothing is written. Today, and an
// OSAR on the audit's first on-site day, are accepted.
func TestQAReviewDates(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	const audit = "AUD-ACSA-742662331-20250314-certification"
	a, _, err := ab.Audit(ctx, audit)
	if err != nil {
		t.Fatal(err)
	}
	today := ab.Today()
	for _, tc := range []struct {
		name  string
		q     registry.QAReview
		field string // "" accepted
	}{
		{"OSAR tomorrow", registry.QAReview{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: audit, CP: "ACSA", On: today.AddDays(1), Outcome: registry.QAUnsatisfactory}, "body.on"},
		{"CP QA review tomorrow", registry.QAReview{Kind: registry.QACP, CP: "ACSA", On: today.AddDays(1), Outcome: registry.QAUnsatisfactory}, "body.on"},
		{"OSAR before the audit", registry.QAReview{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: audit, CP: "ACSA", On: a.OnsiteStart.AddDays(-1), Outcome: registry.QASatisfactory}, "body.on"},
		{"OSAR on the first on-site day", registry.QAReview{Kind: registry.QAOSAR, Auditor: "AUD-0001", Audit: audit, CP: "ACSA", On: a.OnsiteStart, Outcome: registry.QASatisfactory}, ""},
		{"CP QA review today", registry.QAReview{Kind: registry.QACP, CP: "ACSA", On: today, Outcome: registry.QASatisfactory}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, err := ab.Size(ctx)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ab.RecordQAReview(ctx, admin, tc.q)
			after, _ := ab.Size(ctx)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if got := fieldOf(err); got != tc.field {
				t.Fatalf("error %v at %q; want one at %s", err, got, tc.field)
			}
			if after != before {
				t.Errorf("the feed grew from %d to %d on a refusal", before, after)
			}
		})
	}
}
