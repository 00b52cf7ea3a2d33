package node_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestOmittedMembersAreCheckedAgainstTheVersionReplaced: node.Omitted
// (what a PUT's body left out) refuses a write whose replaced version
// holds one of those members non-empty, one problem each at
// body.<member>, storing nothing; it is compared with the version the
// write replaces where writes are ordered, not with one read before: an
// Omitted made while the record had no accounts is refused once another
// write has given it some. A write with no Omitted (corfed import, seed,
// the command line) states the whole record, as before.
func TestOmittedMembersAreCheckedAgainstTheVersionReplaced(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	admin := nodetest.Admin()
	const id = "ACSA-20250417"
	omitted := node.WithOmitted(t.Context(), node.Omitted{Kind: registry.KindCertificate, ID: id, Paths: []string{"industry_scope", "wcb_accounts"}})
	stored := func() (uint64, registry.Certificate) {
		e, err := ab.Record(t.Context(), registry.KindCertificate, id)
		if err != nil {
			t.Fatal(err)
		}
		var c registry.Certificate
		if err := json.Unmarshal(e.Record, &c); err != nil {
			t.Fatal(err)
		}
		return e.Ver, c
	}

	_, err := ab.UpdateCertificate(omitted, admin, id, node.CertificateUpdate{Sector: "construction"})
	if !errors.Is(err, registry.ErrInvalid) || !slices.Equal(registry.Fields(err), []string{"body.industry_scope", "body.wcb_accounts"}) {
		t.Fatalf("omitting stored accounts and scope: %v; want invalid at body.industry_scope, body.wcb_accounts", err)
	}
	if ver, c := stored(); ver != 1 || len(c.WCBAccounts) != 1 || len(c.IndustryScope) != 1 {
		t.Fatalf("the refused write stored version %d %+v", ver, c)
	}

	// Another record's Omitted does not apply.
	other := node.WithOmitted(t.Context(), node.Omitted{Kind: registry.KindCertificate, ID: "ACSA-20240988", Paths: []string{"wcb_accounts"}})
	if _, err := ab.UpdateCertificate(other, admin, id, node.CertificateUpdate{WCBAccounts: []string{}, IndustryScope: []string{"238120"}, Sector: "construction"}); err != nil {
		t.Fatalf("clearing the accounts, with another record's Omitted: %v", err)
	}
	// Now the replaced version has no accounts: leaving them out loses nothing.
	if _, err := ab.UpdateCertificate(omitted, admin, id, node.CertificateUpdate{Sector: "roofing", IndustryScope: []string{"238120"}}); err == nil || slices.Contains(registry.Fields(err), "body.wcb_accounts") {
		t.Fatalf("omitting accounts the replaced version does not hold: %v; want only body.industry_scope", err)
	}
	// Another write gives it accounts: the same Omitted is refused again.
	if _, err := ab.UpdateCertificate(t.Context(), admin, id, node.CertificateUpdate{WCBAccounts: []string{"4512876"}, IndustryScope: []string{"238120"}, Sector: "construction"}); err != nil {
		t.Fatal(err)
	}
	before, _ := stored()
	if _, err := ab.UpdateCertificate(omitted, admin, id, node.CertificateUpdate{Sector: "roofing"}); !slices.Equal(registry.Fields(err), []string{"body.industry_scope", "body.wcb_accounts"}) {
		t.Fatalf("after accounts were written: %v", err)
	}
	if after, _ := stored(); after != before {
		t.Fatalf("the refused write stored a version (%d -> %d)", before, after)
	}

	// A problem of the body and the members left out, in one answer.
	cp := node.WithOmitted(t.Context(), node.Omitted{Kind: registry.KindCP, ID: "ESC", Paths: []string{"sectors"}})
	_, err = ab.PutCP(cp, admin, registry.CertifyingPartner{ID: "ESC", Name: "", Status: "active"}, false)
	if f := registry.Fields(err); !slices.Contains(f, "body.name") || !slices.Contains(f, "body.sectors") {
		t.Fatalf("a CP with no name that leaves its sectors out: %v; want body.name and body.sectors", err)
	}

	// A write the node would find unchanged (an employer's accounts left
	// out are kept, closed) is still refused for what it left out.
	emp := registry.Employer{BN: "812345676", LegalName: "Prairie Steel Erectors Ltd.", OperatingNames: []string{"Prairie Steel"}, SizeBand: "standard", EmployeeCount: 140}
	if _, err := ab.PutEmployer(t.Context(), admin, emp, false); err != nil { // closes its account
		t.Fatal(err)
	}
	ev, err := ab.Record(t.Context(), registry.KindEmployer, emp.BN)
	if err != nil {
		t.Fatal(err)
	}
	leftOut := node.WithOmitted(t.Context(), node.Omitted{Kind: registry.KindEmployer, ID: emp.BN, Paths: []string{"wcb_accounts"}})
	if _, err := ab.PutEmployer(leftOut, admin, emp, false); !slices.Equal(registry.Fields(err), []string{"body.wcb_accounts"}) {
		t.Fatalf("an unchanged employer PUT that leaves its (closed) accounts out: %v; want invalid at body.wcb_accounts", err)
	}
	if ev2, _ := ab.Record(t.Context(), registry.KindEmployer, emp.BN); ev2.Ver != ev.Ver {
		t.Fatalf("refused, yet version %d -> %d", ev.Ver, ev2.Ver)
	}

	// No Omitted: the write states the whole record (internal callers).
	e, err := ab.UpdateCertificate(t.Context(), admin, id, node.CertificateUpdate{Sector: "construction"})
	if err != nil {
		t.Fatal(err)
	}
	if _, c := stored(); e.Ver != before+1 || len(c.WCBAccounts) != 0 {
		t.Errorf("an internal whole-record write: ver %d accounts %v", e.Ver, c.WCBAccounts)
	}
}
