package node

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/corfed/corfed/registry"
)

// newProgramTestNode is a seeded CA-AB test node with its program cycle
// (testdata/program/CA-AB.json: auditors, audits) and a passing
// certification audit by ACSA of Prairie Steel, whose id it returns.
func newProgramTestNode(t *testing.T) (*testNode, string) {
	t.Helper()
	tn := newTestNode(t, true)
	ctx := context.Background()
	loadTestdata(t, "program", ParseProgramSeed, tn.SeedProgram)
	a := registry.Audit{EmployerBN: "812345676", CP: "ACSA", Type: registry.AuditCertification, Program: registry.ProgramCOR, Auditors: []string{"AUD-0001"},
		OnsiteStart: registry.MustDate("2026-11-01"), OnsiteEnd: registry.MustDate("2026-11-03"), SubmittedOn: registry.MustDate("2026-11-10"),
		DocMonths: 14, Overall: 90, Elements: []registry.ElementScore{{Element: "hazard assessment", Score: 90}}}
	e, err := tn.RecordAudit(ctx, testACSA, a)
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := decode[registry.Audit](e); !a.Passed {
		t.Fatalf("audit %s did not pass: %+v", e.ID, a.Reasons)
	}
	return tn, e.ID
}

var testACSA = Principal{Subject: "cp:ACSA", Role: RoleCP, CP: "ACSA", Scopes: []string{ScopeAudits, ScopeCertificates, ScopeEmployers}}

// basisRefused reports whether err is the refusal of a certificate whose
// audit another certificate already rests on.
func basisRefused(err error) bool {
	var ve *registry.ValidationError
	return errors.As(err, &ve) && ve.Field == "body.basis_ref"
}

// holders returns the certificates the basis index gives for audit ref.
func holders(t *testing.T, tn *testNode, ref string) []registry.RecordRef {
	t.Helper()
	var refs []registry.RecordRef
	err := tn.View(context.Background(), func(s Snapshot) (err error) {
		refs, err = s.Self().Lookup("basis", ref, false, 10)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

// TestConcurrentCertificatesOnOneAudit: many certificates issued at once
// on one audit, half by POST (CreateCertificate), half by import: exactly
// one is written, every other is refused at basis_ref, and the audit's
// index names that one. The check runs where the writes are ordered, so
// writes that each saw the audit free in their snapshot still cannot both
// land.
func TestConcurrentCertificatesOnOneAudit(t *testing.T) {
	tn, ref := newProgramTestNode(t)
	ctx := context.Background()
	const writers = 32
	var (
		start          = make(chan struct{})
		wg             sync.WaitGroup
		mu             sync.Mutex
		written, other []string
	)
	for i := range writers {
		wg.Go(func() {
			number := fmt.Sprintf("C%02d", i)
			<-start
			var err error
			if i%2 == 0 {
				_, err = tn.CreateCertificate(ctx, testACSA, NewCertificate{Issuer: "ACSA", Number: number, Program: registry.ProgramCOR, EmployerBN: "812345676", BasisRef: ref})
			} else {
				var rep ImportReport
				rep, err = tn.Import(ctx, testACSA, []ImportRow{{Row: 1, EmployerBN: "812345676", LegalName: "Prairie Steel Erectors Ltd.", CP: "ACSA", Number: number,
					Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-11-03"), BasisRef: ref}}, nil, ImportOptions{})
				switch {
				case err != nil:
				case len(rep.Problems) == 1 && rep.Problems[0].Column == "basis_ref" && rep.Certificates.Created == 0:
					err = registry.Invalid("body.basis_ref", "%s", rep.Problems[0].Message)
				case len(rep.Problems) > 0 || rep.Certificates.Created != 1:
					err = fmt.Errorf("import: %+v", rep)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				written = append(written, "ACSA-"+number)
			case !basisRefused(err):
				other = append(other, err.Error())
			}
		})
	}
	close(start)
	wg.Wait()
	if len(written) != 1 || len(other) > 0 {
		t.Fatalf("%d concurrent certificates on audit %s: written %v, want exactly one; other errors: %v", writers, ref, written, other)
	}
	if got := holders(t, tn, ref); len(got) != 1 || got[0].ID != written[0] {
		t.Errorf("the basis index names %v, want %s", got, written[0])
	}
}

// TestAuditFreeOverTheStagedBatches: the basis check reads the writes
// ordered before it that are not committed yet: an earlier write of the
// same batch, or of the batch committing while this one is staged (a
// certificate queued maxBatch writes later).
func TestAuditFreeOverTheStagedBatches(t *testing.T) {
	for _, tc := range []struct {
		name string
		gap  int // writes queued between the two certificates on the audit
	}{
		{"the same batch", 0},
		{"the batch committing before", maxBatch - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tn, ref := newProgramTestNode(t)
			row := func(number, basis string) ImportRow {
				return ImportRow{Row: 1, EmployerBN: "812345676", LegalName: "Prairie Steel Erectors Ltd.", CP: "ACSA", Number: number,
					Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-11-03"), BasisRef: basis}
			}
			cert := func(r ImportRow) *write {
				return tn.newWrite(testACSA, registry.KindCertificate, registry.CertificateID(r.CP, r.Number), tn.importCertificate(testACSA, r))
			}
			ws := []*write{cert(row("FIRST", ref))}
			for i := range tc.gap {
				ws = append(ws, cert(row(fmt.Sprintf("F%04d", i), "")))
			}
			ws = append(ws, cert(row("SECOND", ref)))
			tn.enqueue(ws)
			for _, w := range ws {
				<-w.done
			}
			first, second := ws[0], ws[len(ws)-1]
			if first.err != nil || !basisRefused(second.err) {
				t.Fatalf("first: %v; second: %v, want the first written and the second refused at basis_ref", first.err, second.err)
			}
			if got := holders(t, tn, ref); len(got) != 1 || got[0].ID != "ACSA-FIRST" {
				t.Errorf("the basis index names %v, want ACSA-FIRST", got)
			}
		})
	}
}

// TestAnnulledSupersedeDoesNotTakeATakenAudit: superseding the holder of
// an audit frees it, and another certificate may rest on it; annulling
// that supersede then must not bring the first back in force beside it
// (two live certificates on one audit, both in the basis index).
func TestAnnulledSupersedeDoesNotTakeATakenAudit(t *testing.T) {
	tn, ref := newProgramTestNode(t)
	ctx := context.Background()
	mk := func(number, basis string) {
		t.Helper()
		in := NewCertificate{Issuer: "ACSA", Number: number, Program: registry.ProgramCOR, EmployerBN: "812345676", BasisRef: basis}
		if basis == "" {
			in.IssuedOn = registry.MustDate("2026-11-03")
		}
		if _, err := tn.CreateCertificate(ctx, testACSA, in); err != nil {
			t.Fatalf("certificate %s: %v", number, err)
		}
	}
	mk("A", ref)
	mk("B", "")
	if _, err := tn.ChangeStatus(ctx, testACSA, "ACSA-A", StatusRequest{Action: registry.ActionSupersede, Reason: "replaced", SupersededBy: "ACSA-B"}); err != nil {
		t.Fatal(err)
	}
	mk("C", ref) // the audit is free again: A is superseded
	_, err := tn.ChangeStatus(ctx, testAdmin, "ACSA-A", StatusRequest{Action: registry.ActionAnnul, Reason: "supersede recorded by mistake", On: tn.Today()})
	got := holders(t, tn, ref)
	if !errors.Is(err, registry.ErrConflict) || len(got) != 1 {
		t.Fatalf("annulling A's supersede: %v, and audit %s backs %v; want a conflict and C alone", err, ref, got)
	}
}

// TestCPNamedAUDOwnsOnlyItsAuditIDs: a CP's audit ids are AUD-<cp>-… or
// <cp>-…; for a CP whose id is AUD the second form must not cover every
// AUD-… id, ACSA's derived ones included.
func TestCPNamedAUDOwnsOnlyItsAuditIDs(t *testing.T) {
	cp := Principal{Subject: "cp:AUD", Role: RoleCP, CP: "AUD", Scopes: []string{ScopeAudits}}
	acsa := registry.Audit{CP: "ACSA", EmployerBN: "812345676", Type: registry.AuditCertification, OnsiteEnd: registry.MustDate("2026-11-03")}
	a := registry.Audit{CP: "AUD", ID: AuditID(acsa), OnsiteStart: registry.MustDate("2026-11-01"), OnsiteEnd: registry.MustDate("2026-11-03"), SubmittedOn: registry.MustDate("2026-11-10")}
	if err := auditTiming(cp, a, registry.MustDate("2026-12-01")); err == nil {
		t.Fatalf("CP AUD may record audit id %s, the id the node derives for ACSA's audit", a.ID)
	}
}
