package node_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/corfed/corfed/registry"
	"github.com/corfed/corfed/registry/node"
	"github.com/corfed/corfed/registry/node/nodetest"
)

// listFixture is the seeded CA-AB node with program operations plus five
// certificates based on a recorded audit (maintenance due) and two reviews
// on each (a removal proposal each).
func listFixture(t *testing.T) *nodetest.Node {
	t.Helper()
	ctx := context.Background()
	n := nodetest.New(t, "CA-AB", nodetest.Options{Seed: true, Program: true})
	due, err := n.MaintenanceDue(ctx, registry.MustDate("2035-12-31"), 1000)
	if err != nil || len(due) == 0 {
		t.Fatalf("seeded maintenance: %v %v", due, err)
	}
	v, err := n.Certificate(ctx, due[0].Certificate, registry.Date{})
	if err != nil {
		t.Fatal(err)
	}
	c := v.Certificate
	for i := range 5 {
		e, err := n.CreateCertificate(ctx, nodetest.Admin(), node.NewCertificate{Issuer: c.Issuer, Number: fmt.Sprintf("PG-%d", i), Program: c.Program,
			EmployerBN: c.EmployerBN, Basis: c.Basis, BasisRef: auditCopy(t, n, c.BasisRef, fmt.Sprintf("PG-%d", i)), IssuedOn: c.IssuedOn, DocMonths: c.DocMonths})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{"2026-01-10", "2026-03-10"} {
			if _, _, err := n.OpenReview(ctx, nodetest.Admin(), node.NewReview{EmployerBN: c.EmployerBN, Certificate: e.ID,
				Trigger: "serious_injury", OccurredOn: registry.MustDate(d), OpenedOn: registry.MustDate(d)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return n
}

// pageAll reads every page of a list with limit and returns the items'
// keys, checking each page's size and total.
func pageAll[T any](t *testing.T, name string, limit int, read func(cur string) (node.Page[T], error), key func(T) string, want []string) {
	t.Helper()
	var got []string
	cur := ""
	for page := 0; ; page++ {
		if page > len(want)+2 {
			t.Fatalf("%s limit %d: more pages than items", name, limit)
		}
		p, err := read(cur)
		if err != nil {
			t.Fatalf("%s limit %d: %v", name, limit, err)
		}
		if len(p.Items) > limit || (p.Next != "" && len(p.Items) == 0) {
			t.Fatalf("%s limit %d: %d items, next %q", name, limit, len(p.Items), p.Next)
		}
		if !p.TotalExact || p.Total != len(want) {
			t.Errorf("%s limit %d: total %d (exact %v), want %d", name, limit, p.Total, p.TotalExact, len(want))
		}
		for _, it := range p.Items {
			got = append(got, key(it))
		}
		if p.Next == "" {
			break
		}
		cur = p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s limit %d: pages gave %q, want %q (each once, in order)", name, limit, got, want)
	}
}

// TestListPagesGiveEveryItemOnce pages the removal proposals and the
// maintenance due with small limits: every item once, in the list's
// order, the exact total on every page; a cursor of another list or
// altered is refused naming query.cursor.
func TestListPagesGiveEveryItemOnce(t *testing.T) {
	ctx := context.Background()
	n := listFixture(t)
	before := registry.MustDate("2035-12-31")

	allRemovals, err := n.RemovalsPage(ctx, registry.RemovalProposed, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	var wantR []string
	for _, r := range allRemovals.Items {
		wantR = append(wantR, r.ID)
	}
	allDue, err := n.MaintenancePage(ctx, before, 1000, "")
	if err != nil {
		t.Fatal(err)
	}
	var wantM []string
	for _, m := range allDue.Items {
		wantM = append(wantM, fmt.Sprintf("%s %s %d", m.DueOn, m.Certificate, m.Year))
	}
	if len(wantR) < 5 || len(wantM) < 10 || !slices.IsSorted(wantR) || !slices.IsSorted(wantM) {
		t.Fatalf("fixture: removals %q, maintenance %q; want several of each, sorted", wantR, wantM)
	}
	for _, limit := range []int{1, 2, 5} {
		pageAll(t, "removals", limit, func(cur string) (node.Page[registry.Removal], error) {
			return n.RemovalsPage(ctx, registry.RemovalProposed, limit, cur)
		}, func(r registry.Removal) string { return r.ID }, wantR)
		pageAll(t, "maintenance", limit, func(cur string) (node.Page[node.MaintenanceItem], error) {
			return n.MaintenancePage(ctx, before, limit, cur)
		}, func(m node.MaintenanceItem) string { return fmt.Sprintf("%s %s %d", m.DueOn, m.Certificate, m.Year) }, wantM)
	}

	p, err := n.RemovalsPage(ctx, registry.RemovalProposed, 1, "")
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v, next %q", err, p.Next)
	}
	for name, read := range map[string]func() error{
		"removals of another status": func() error { _, err := n.RemovalsPage(ctx, registry.RemovalRejected, 1, p.Next); return err },
		"maintenance":                func() error { _, err := n.MaintenancePage(ctx, before, 1, p.Next); return err },
		"altered":                    func() error { _, err := n.RemovalsPage(ctx, registry.RemovalProposed, 1, "x"+p.Next); return err },
	} {
		err := read()
		var ve *registry.ValidationError
		if !errors.As(err, &ve) || ve.Field != "query.cursor" {
			t.Errorf("%s cursor: got %v, want a problem naming query.cursor", name, err)
		}
	}
}
