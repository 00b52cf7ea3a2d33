package measure

import (
	"testing"

	"github.com/corfed/corfed/registry"
)

// TestPerAccountCoverFoldsAccounts: in SK and ON a certificate covers the
// accounts it names, and an account is the same account however it is
// written (registry.FoldWCB, as Snapshot.Key folds it: 45-99001 is
// 4599001, case and spaces aside). A certificate naming one spelling
// covers the snapshot of another, for the whole year, in Compute too; an
// account it does not name stays non_cor.
func TestPerAccountCoverFoldsAccounts(t *testing.T) {
	on := registry.MustDate("2024-06-30")
	for _, c := range []struct {
		named, snapshot string
		covered         bool
	}{
		{"45-99001", "45-99001", true},
		{"45-99001", "4599001", true},
		{"4599001", "45-99001", true},
		{"45-99001", "45 99001", true},
		{"ab-1234", "AB1234", true},
		{"AB 1234", "ab-1234", true},
		{"45-99001", "4599002", false},
		{"45-99001", "45-9900", false},
	} {
		cr := cert("C1", bn(1), registry.ProgramCOR, "SCSA", "2023-01-01")
		cr.Jurisdiction, cr.WCBAccounts = "CA-SK", []string{c.named}
		h := NewHolders([]registry.Certificate{cr})
		if _, ok := h.On(bn(1), c.snapshot, on); ok != c.covered {
			t.Errorf("certificate naming %q, snapshot account %q: On covered %v, want %v", c.named, c.snapshot, ok, c.covered)
		}
		parts := h.Year(bn(1), c.snapshot, 2024, nil)
		if len(parts) != 1 || parts[0].Held != c.covered || parts[0].Days != 366 {
			t.Errorf("certificate naming %q, snapshot account %q: Year parts %+v, want 366 days held=%v", c.named, c.snapshot, parts, c.covered)
		}
		rows := []Snapshot{{EmployerBN: bn(1), WCBAccount: c.snapshot, Year: 2024, AsOf: registry.MustDate("2025-03-31"), PersonYears: 50, LostTimeClaims: 2, DisablingInjuryClaims: 3}}
		res, err := Compute(rows, h, Query{Year: 2024, Minimum: Minimum{Employers: 1, PersonYears: 1}})
		if err != nil {
			t.Fatal(err)
		}
		shown := res.Groups.COR
		if !c.covered {
			shown = res.Groups.NonCOR
		}
		if shown.Figures == nil || shown.PersonYears != 50 {
			t.Errorf("certificate naming %q, snapshot account %q: the group it belongs in (cor: %v) is %+v, want its 50 person-years", c.named, c.snapshot, c.covered, shown)
		}
	}
}
