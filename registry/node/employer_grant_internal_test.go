package node

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestEmployerGrantEndsBeforeTheWrite: ACSA may rename Prairie Steel (which
// the node registered) because it holds a certificate in force for it. The
// administrator revokes that certificate after ACSA's authority was
// checked and before its write lands: the write is refused (PUT) or
// leaves the employer as it is (an import), as it would be a moment later.
// And where the employer did not exist when checked but another party
// registered it before the write, ACSA's write does not change it.
func TestEmployerGrantEndsBeforeTheWrite(t *testing.T) {
	const bn, name = "812345676", "Prairie Steel Renamed By ACSA Ltd"
	acsa := Principal{Subject: "cp:ACSA", Role: RoleCP, CP: "ACSA", Scopes: []string{ScopeEmployers, ScopeCertificates}}
	for _, via := range []string{"put", "import"} {
		t.Run(via, func(t *testing.T) {
			tn := newTestNode(t, true)
			ctx := context.Background()
			grant := grantByEquivalency(t, tn.Node, bn, "ACSA", "G1")
			before, err := tn.Record(ctx, registry.KindEmployer, bn)
			if err != nil {
				t.Fatal(err)
			}
			afterAuthorityCheck(t, func() {
				if _, err := tn.ChangeStatus(ctx, testAdmin, grant, StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
					t.Error(err)
				}
			})
			switch via {
			case "put":
				e, _ := decode[registry.Employer](before)
				e.LegalName = name
				if _, err := tn.PutEmployer(ctx, acsa, e, false); !errors.Is(err, registry.ErrForbidden) {
					t.Fatalf("PUT after the revocation: %v, want forbidden", err)
				}
			case "import":
				rows := []ImportRow{{Row: 1, EmployerBN: bn, LegalName: name, CP: "ACSA", Number: "X9", Program: registry.ProgramCOR,
					IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36, Status: registry.StatusPending}}
				rep, err := tn.Import(ctx, acsa, rows, nil, ImportOptions{})
				if err != nil || len(rep.Problems) != 0 || rep.Certificates.Created != 1 || rep.Employers.Updated != 0 {
					t.Fatalf("import: %v %+v", err, rep)
				}
			}
			if testHookAuthorityChecked != nil {
				t.Fatal("the hook did not run")
			}
			after, err := tn.Record(ctx, registry.KindEmployer, bn)
			if err != nil || after.Ver != before.Ver {
				t.Fatalf("the employer went from version %d to %d (%v)", before.Ver, after.Ver, err)
			}
		})
	}
	t.Run("registered meanwhile", func(t *testing.T) {
		tn := newTestNode(t, true)
		ctx := context.Background()
		const fresh = "870012341"
		afterAuthorityCheck(t, func() {
			if _, err := tn.PutEmployer(ctx, testAdmin, registry.Employer{BN: fresh, LegalName: "Registered By The Board Ltd"}, true); err != nil {
				t.Error(err)
			}
		})
		rows := []ImportRow{
			{Row: 1, EmployerBN: fresh, LegalName: "Taken By ACSA Ltd", CP: "ACSA", Number: "X10", Program: registry.ProgramCOR,
				IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36, Status: registry.StatusPending},
		}
		rep, err := tn.Import(ctx, acsa, rows, nil, ImportOptions{})
		if err != nil || len(rep.Problems) != 0 {
			t.Fatalf("import: %v %+v", err, rep)
		}
		e, err := tn.Record(ctx, registry.KindEmployer, fresh)
		if err != nil || e.Ver != 1 {
			t.Fatalf("the employer the board registered: version %d (%v), want 1: %s", e.Ver, err, fmt.Sprint(string(e.Record)))
		}
	})
	t.Run("own new employer across rows", func(t *testing.T) {
		tn := newTestNode(t, true)
		ctx := context.Background()
		const fresh = "870012358"
		row := func(i int, operating string) ImportRow {
			return ImportRow{Row: i, EmployerBN: fresh, LegalName: "Registered By ACSA Ltd", OperatingName: operating, CP: "ACSA",
				Number: fmt.Sprintf("Y%d", i), Program: registry.ProgramCOR, IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36, Status: registry.StatusPending}
		}
		rep, err := tn.Import(ctx, acsa, []ImportRow{row(1, ""), row(2, "RBA Framing"), row(3, "RBA Roofing")}, nil, ImportOptions{})
		if err != nil || len(rep.Problems) != 0 || rep.Employers.Created != 1 || rep.Employers.Updated != 2 {
			t.Fatalf("import: %v %+v", err, rep)
		}
		e, err := tn.Record(ctx, registry.KindEmployer, fresh)
		if err != nil || e.Ver != 3 {
			t.Fatalf("the employer ACSA registered and named twice: version %d (%v), want 3", e.Ver, err)
		}
	})
	t.Run("another certificate still in force", func(t *testing.T) {
		tn := newTestNode(t, true)
		ctx := context.Background()
		grant := grantByEquivalency(t, tn.Node, bn, "ACSA", "G1")
		grantByEquivalency(t, tn.Node, bn, "ACSA", "X77")
		afterAuthorityCheck(t, func() {
			if _, err := tn.ChangeStatus(ctx, testAdmin, grant, StatusRequest{Action: registry.ActionRevoke, Reason: "fraud"}); err != nil {
				t.Error(err)
			}
		})
		before, err := tn.Record(ctx, registry.KindEmployer, bn)
		if err != nil {
			t.Fatal(err)
		}
		e, _ := decode[registry.Employer](before)
		e.LegalName = name
		if _, err := tn.PutEmployer(ctx, acsa, e, false); err != nil {
			t.Fatalf("ACSA still certifies it (ACSA-X77): %v", err)
		}
	})
}

// grantByEquivalency records, as the administrator, an equivalency of
// employer bn in force and CP cp's certificate number on it (a certificate
// that grants cp the employer: it rests on a record of the node), and
// returns the certificate's id.
func grantByEquivalency(t *testing.T, n *Node, bn, cp, number string) string {
	t.Helper()
	ctx := context.Background()
	publishABRules(t, n)
	q, err := n.PutEquivalency(ctx, testAdmin, registry.Equivalency{EmployerBN: bn, Standard: "ISO 45001:2018", ExternalNumber: "ISO-" + number,
		CertificationBody: "BSI", AccreditationBody: "UKAS", IAFAccredited: true, ValidFrom: registry.MustDate("2026-01-01"), ValidTo: registry.MustDate("2029-01-01"),
		ScopeAligned: true, Decision: registry.DecisionAccepted}, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.CreateCertificate(ctx, testAdmin, NewCertificate{Issuer: cp, Number: number, Program: registry.ProgramCOR, EmployerBN: bn,
		Basis: registry.BasisEquivalency, BasisRef: q.ID, IssuedOn: registry.MustDate("2026-11-01"), TermMonths: 36})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// publishABRules publishes Alberta's host rules (testdata/rules), which a
// COR on an equivalency must meet (checkCertificateRefs).
func publishABRules(t *testing.T, n *Node) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "rules", "hosts", "CA-AB.json"))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := registry.ParseHostRulesFile(b)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if _, err := n.PublishHostRules(context.Background(), testAdmin, r); err != nil {
			t.Fatal(err)
		}
	}
}

// afterAuthorityCheck sets the hook between a CP's authority check and its write to run
// f the first time, and clears it when t ends.
func afterAuthorityCheck(t *testing.T, f func()) {
	testHookAuthorityChecked = func() {
		testHookAuthorityChecked = nil
		f()
	}
	t.Cleanup(func() { testHookAuthorityChecked = nil })
}
