package node_test

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestReasonsCorfedWritesHaveFrench: status reasons corfed writes
// itself (not a person's words) come in both languages, as the
// certificate's "certification audit passed" does: the initial status of
// an imported certificate ("imported") and of an equivalency ("recorded"),
// which the French certificate page shows.
func TestReasonsCorfedWritesHaveFrench(t *testing.T) {
	ctx := context.Background()
	admin := nodetest.Admin()
	tn := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	rows := []node.ImportRow{{Row: 1, EmployerBN: nodetest.BN(7), LegalName: "Imported Ltd", CP: "ACSA", Number: "IMP1",
		Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2025-06-01"), TermMonths: 36, Status: registry.StatusActive}}
	if rep, err := tn.Import(ctx, admin, rows, nil, node.ImportOptions{}); err != nil || rep.Certificates.Created != 1 {
		t.Fatalf("import: %+v %v", rep, err)
	}
	v, err := tn.Certificate(ctx, registry.CertificateID("ACSA", "IMP1"), registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if h := v.Certificate.History[0]; h.ReasonFR == "" {
		t.Errorf("imported certificate: initial status reason %q has no French", h.Reason)
	}
	qe, err := tn.PutEquivalency(ctx, admin, registry.Equivalency{EmployerBN: "812345676", Standard: "ISO 45001:2018", ExternalNumber: "FR-1",
		CertificationBody: "BSI", AccreditationBody: "UKAS", IAFAccredited: true, ValidFrom: registry.MustDate("2026-01-01"),
		ValidTo: registry.MustDate("2029-01-01"), ScopeAligned: true, Decision: registry.DecisionAccepted, Status: registry.EqvSuspended}, true)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := node.Decode[registry.Equivalency](qe)
	if h := q.History[0]; h.ReasonFR == "" {
		t.Errorf("equivalency: initial status reason %q has no French", h.Reason)
	}
}
