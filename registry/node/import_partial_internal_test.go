package node

import (
	"context"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestImportPartialWhenChangedUnderIt: a record changed by another writer
// between an import's check and its writes makes that row a problem while
// the other rows are written; the report says so (Partial), so that no
// client says "nothing was written". An import refused at its check is
// not Partial.
func TestImportPartialWhenChangedUnderIt(t *testing.T) {
	ctx := context.Background()
	tn := newTestNode(t, true)
	row := func(i int, number string) ImportRow {
		return ImportRow{Row: i, EmployerBN: "812345676", LegalName: "Prairie Steel Erectors Ltd.", CP: "ACSA", Number: number,
			Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36, Status: registry.StatusPending}
	}
	other := NewCertificate{Issuer: "ACSA", Number: "P2", Program: registry.ProgramCOR, EmployerBN: "812345676",
		IssuedOn: registry.MustDate("2026-10-01"), Status: registry.StatusPending}
	afterAuthorityCheck(t, func() {
		if _, err := tn.CreateCertificate(ctx, testAdmin, other); err != nil {
			t.Error(err)
		}
	})
	rep, err := tn.Import(ctx, testAdmin, []ImportRow{row(1, "P1"), row(2, "P2"), row(3, "P3")}, nil, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Partial || len(rep.Problems) != 1 || rep.Problems[0].Row != 2 || rep.Certificates.Created != 2 {
		t.Fatalf("changed under the import: %+v; want Partial, a problem on row 2, 2 certificates created", rep)
	}
	other.Number = "P4"
	if _, err := tn.CreateCertificate(ctx, testAdmin, other); err != nil {
		t.Fatal(err)
	}
	rep, err = tn.Import(ctx, testAdmin, []ImportRow{row(1, "P5"), row(2, "P4")}, nil, ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Partial || len(rep.Problems) != 1 {
		t.Fatalf("refused at its check: %+v; want one problem, not Partial", rep)
	}
}
