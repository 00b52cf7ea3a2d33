package node_test

import (
	"encoding/json"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// TestRemovedAccountIsKeptClosed: a new employer version that leaves a WCB
// account out keeps it, closed the day before the change, so that answers
// about earlier dates do not change.
func TestRemovedAccountIsKeptClosed(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	ctx := t.Context()
	e, err := n.Record(ctx, registry.KindEmployer, "723456786")
	if err != nil {
		t.Fatal(err)
	}
	var emp registry.Employer
	if err := json.Unmarshal(e.Record, &emp); err != nil {
		t.Fatal(err)
	}
	if len(emp.WCBAccounts) != 2 {
		t.Fatalf("seeded employer has %d accounts, want 2", len(emp.WCBAccounts))
	}
	emp.WCBAccounts = emp.WCBAccounts[:1] // drop the BC account
	out, err := n.PutEmployer(ctx, nodetest.Admin(), emp, false)
	if err != nil {
		t.Fatal(err)
	}
	var got registry.Employer
	if err := json.Unmarshal(out.Record, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.WCBAccounts) != 2 {
		t.Fatalf("after removing the BC account: %d accounts, want 2 (the BC one kept, closed)", len(got.WCBAccounts))
	}
	bc := got.WCBAccounts[1]
	want := n.Today().AddDays(-1)
	if bc.Jurisdiction != "CA-BC" || bc.ClosedOn != want {
		t.Errorf("kept account: %+v, want CA-BC closed on %s", bc, want)
	}
	if !bc.ActiveOn(want) || bc.ActiveOn(n.Today()) {
		t.Errorf("closed account active yesterday %v, today %v; want true, false", bc.ActiveOn(want), bc.ActiveOn(n.Today()))
	}
	// A closed account stays closed on the date given, not today.
	got.WCBAccounts[1].ClosedOn = registry.MustDate("2026-06-30")
	if out, err = n.PutEmployer(ctx, nodetest.Admin(), got, false); err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(out.Record, &got)
	if got.WCBAccounts[1].ClosedOn != registry.MustDate("2026-06-30") {
		t.Errorf("closed_on: got %s, want 2026-06-30", got.WCBAccounts[1].ClosedOn)
	}
	got.WCBAccounts[1].OpenedOn = registry.MustDate("2026-07-01")
	if _, err := n.PutEmployer(ctx, nodetest.Admin(), got, false); err == nil {
		t.Error("an account closed before it opened was accepted")
	}
}

// TestAccountRespelledIsTheSameAccount: an employer version that sends a
// stored account with its number spelled another way (4512-876 for
// 4512876) sends that account: the stored spelling is not also kept as a
// closed account beside it, as a PUT's elements are matched.
func TestAccountRespelledIsTheSameAccount(t *testing.T) {
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true})
	ctx := t.Context()
	e, err := n.Record(ctx, registry.KindEmployer, "723456786")
	if err != nil {
		t.Fatal(err)
	}
	var emp registry.Employer
	if err := json.Unmarshal(e.Record, &emp); err != nil {
		t.Fatal(err)
	}
	stored := emp.WCBAccounts[0].Number
	if len(stored) < 4 {
		t.Fatalf("seeded account number %q", stored)
	}
	emp.WCBAccounts[0].Number = stored[:3] + "-" + stored[3:]
	out, err := n.PutEmployer(ctx, nodetest.Admin(), emp, false)
	if err != nil {
		t.Fatal(err)
	}
	var got registry.Employer
	if err := json.Unmarshal(out.Record, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.WCBAccounts) != len(emp.WCBAccounts) {
		t.Fatalf("after respelling %s: %+v; want %d accounts, the stored spelling not kept beside it", stored, got.WCBAccounts, len(emp.WCBAccounts))
	}
}
