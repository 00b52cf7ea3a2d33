package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestEquivalencyAndDisciplineChangesDatedAfterTodayAreRefused: an
// equivalency status change and an auditor discipline action take effect
// when they are recorded, as a certificate's status change does: one
// dated after the province's today is refused at body.on and nothing is
// written; today and earlier are recorded.
func TestEquivalencyAndDisciplineChangesDatedAfterTodayAreRefused(t *testing.T) {
	ctx := context.Background()
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	admin := nodetest.Admin()
	qe, err := ab.PutEquivalency(ctx, admin, registry.Equivalency{EmployerBN: "812345676", Standard: "ISO 45001:2018", ExternalNumber: "AHEAD-1",
		CertificationBody: "BSI", AccreditationBody: "UKAS", IAFAccredited: true, ValidFrom: registry.MustDate("2026-01-01"),
		ValidTo: registry.MustDate("2029-01-01"), ScopeAligned: true, Decision: registry.DecisionAccepted, Status: registry.EqvActive}, true)
	if err != nil {
		t.Fatal(err)
	}
	today := ab.Today()
	tomorrow := today.AddDays(1)
	tests := []struct {
		name  string
		do    func(on registry.Date) error
		field string // for a date after today
	}{
		{"equivalency suspended", func(on registry.Date) error {
			_, err := ab.ChangeEquivalencyStatus(ctx, admin, qe.ID, node.StatusRequest{Action: "suspend", Reason: "certification body suspended it", On: on})
			return err
		}, "body.on"},
		{"auditor reprimanded", func(on registry.Date) error {
			_, err := ab.DisciplineAuditor(ctx, admin, "AUD-0003", node.DisciplineRequest{Action: "reprimand", Reason: "late reports", On: on})
			return err
		}, "body.on"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size, _ := ab.Size(ctx)
			err := tc.do(tomorrow)
			if fs := registry.Fields(err); len(fs) != 1 || fs[0] != tc.field {
				t.Errorf("dated %s (today %s): got %v, want a problem at %s", tomorrow, today, err, tc.field)
			}
			if after, _ := ab.Size(ctx); after != size {
				t.Errorf("a refused change wrote %d entries", after-size)
			}
			if err := tc.do(today); err != nil {
				t.Errorf("dated today: %v", err)
			}
		})
	}
}
