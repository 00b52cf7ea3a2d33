package node_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	_, err = ab.PutEmployer(leftOut, admin, emp, false)
	if !slices.Equal(registry.Fields(err), []string{"body.wcb_accounts"}) {
		t.Fatalf("an unchanged employer PUT that leaves its (closed) accounts out: %v; want invalid at body.wcb_accounts", err)
	}
	// An employer's accounts are never removed: the problem does not
	// offer an empty list to clear them (review s26-x).
	if msg := err.Error(); strings.Contains(msg, "to clear it") || !strings.Contains(msg, "closed the day before") {
		t.Errorf("the problem says %q; want it to say an account left out is kept, closed", msg)
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

// TestOmittedElementsAreCheckedAgainstTheVersionReplaced: an element a
// whole-record write sent (node.OmittedInElement) that is the same
// element as one of the replaced version's (a WCB account: its
// jurisdiction and number, folded) may not leave out a member that
// stored element has: refused at body.<list>[i].<member>, nothing stored.
// It is compared with the version the write replaces: the same Omitted
// is accepted while the account is open and refused once another write
// closed it. A write with no Omitted (import, seed, the command line)
// states the whole record, as before: it reopens the account.
func TestOmittedElementsAreCheckedAgainstTheVersionReplaced(t *testing.T) {
	ab := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	admin := nodetest.Admin()
	const bn = "812345676"
	open := registry.WCBAccount{Jurisdiction: "CA-AB", Number: "4512876", IndustryCodes: []string{"238120"}}
	closed := open
	closed.ClosedOn = registry.MustDate("2026-06-30")
	emp := func(name string, a registry.WCBAccount) registry.Employer {
		return registry.Employer{BN: bn, LegalName: name, OperatingNames: []string{"Prairie Steel"}, SizeBand: "standard", EmployeeCount: 140,
			WCBAccounts: []registry.WCBAccount{a}}
	}
	account := func() (uint64, registry.WCBAccount) {
		e, err := ab.Record(t.Context(), registry.KindEmployer, bn)
		if err != nil {
			t.Fatal(err)
		}
		var got registry.Employer
		if err := json.Unmarshal(e.Record, &got); err != nil {
			t.Fatal(err)
		}
		return e.Ver, got.WCBAccounts[0]
	}
	tests := []struct {
		name    string
		element string // the element as sent
		stored  registry.WCBAccount
		write   registry.WCBAccount
		want    []string // the problems' fields; none: stored
	}{
		{"the stored account is open: nothing to lose", `{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"]}`, open, open, nil},
		{"the stored account is closed: refused", `{"jurisdiction":"CA-AB","number":"4512876","industry_codes":["238120"]}`, closed, open,
			[]string{"body.wcb_accounts[0].closed_on"}},
		{"the same account spelled with a dash", `{"jurisdiction":"CA-AB","number":"4512-876"}`, closed, open, []string{"body.wcb_accounts[0].closed_on"}},
		{"the same number in another province", `{"jurisdiction":"CA-BC","number":"4512876"}`, closed, open, nil},
		{"another account: new", `{"jurisdiction":"CA-AB","number":"9990001"}`, closed, open, nil},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ab.PutEmployer(t.Context(), admin, emp("Prairie Steel Erectors Ltd.", tc.stored), false); err != nil {
				t.Fatal(err)
			}
			before, _ := account()
			ctx := node.WithOmitted(t.Context(), node.Omitted{Kind: registry.KindEmployer, ID: bn,
				Elements: []node.OmittedInElement{{List: "wcb_accounts", Index: 0, Element: json.RawMessage(tc.element), Paths: []string{"closed_on", "opened_on"}}}})
			_, err := ab.PutEmployer(ctx, admin, emp(fmt.Sprintf("Prairie Steel Erectors %d Ltd.", i), tc.write), false)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("%v; want stored", err)
				}
				return
			}
			if !errors.Is(err, registry.ErrInvalid) || !slices.Equal(registry.Fields(err), tc.want) {
				t.Fatalf("%v; want invalid at %v", err, tc.want)
			}
			if ver, a := account(); ver != before || a.ClosedOn != tc.stored.ClosedOn {
				t.Errorf("the refused write stored version %d (was %d), account %+v", ver, before, a)
			}
		})
	}

	// No Omitted: the whole record as the caller states it.
	if _, err := ab.PutEmployer(t.Context(), admin, emp("Prairie Steel Erectors Ltd.", closed), false); err != nil {
		t.Fatal(err)
	}
	if _, err := ab.PutEmployer(t.Context(), admin, emp("Prairie Steel Erectors Ltd.", open), false); err != nil {
		t.Fatal(err)
	}
	if _, a := account(); !a.ClosedOn.IsZero() {
		t.Errorf("an internal write of the open account: %+v", a)
	}
}
